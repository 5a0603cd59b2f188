/**
 * The Fastify application of `modelwatch serve`: routes, OpenAPI document at
 * `/docs/json` with a docs page at `/docs` (assets served locally), JSON errors,
 * authentication, request metrics.
 */
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { ServerContext } from './context.js';
import { installAuth } from './auth.js';
import { installErrorHandlers, sendError, toHttpError } from './errors.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerIngestRoutes } from './routes/ingest.js';
import { registerModelRoutes } from './routes/models.js';
import { registerMonitorRoutes } from './routes/monitors.js';
import { registerReferenceRoutes } from './routes/reference.js';
import { registerReportRoutes } from './routes/report.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerDashboard } from './dashboard.js';
import { registerResultRoutes } from './routes/results.js';
import { ErrorResponse, HealthResponse } from './schemas.js';

export interface BuildAppOptions {
  /** Fastify logger: `false` (default) for none, `true` or pino options, or a logger instance. */
  logger?: boolean | Record<string, unknown> | FastifyBaseLogger;
  /** Version shown in the OpenAPI document. */
  version?: string;
}

export async function buildApp(ctx: ServerContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const loggerOption = opts.logger ?? false;
  const isInstance = typeof loggerOption === 'object' && loggerOption !== null && typeof (loggerOption as FastifyBaseLogger).info === 'function';
  const app = Fastify({
    ...(isInstance ? { loggerInstance: loggerOption as FastifyBaseLogger } : { logger: loggerOption as boolean | Record<string, unknown> }),
    bodyLimit: ctx.config.server.bodyLimit,
    return503OnClosing: true,
    // Model names may be 128 characters; longer path parameters fail validation (400) rather than routing.
    routerOptions: { maxParamLength: 1024 },
    // Errors raised while routing (bad URL encoding, …) get the same JSON body as every other error.
    frameworkErrors: (err, _request, reply) => {
      sendError(reply, toHttpError(err).error);
    },
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installErrorHandlers(app);
  installAuth(app, ctx.config.auth);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'modelwatch serve',
        description: 'Monitor ML models in production: register models, send prediction events and ground truth, read results. Every error is JSON {error, message, details?}.',
        version: opts.version ?? '0.1.0',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Tokens with read and/or write scope (when auth is configured).' } },
      },
      security: ctx.config.auth ? [{ bearer: [] }] : [],
      tags: [
        { name: 'models', description: 'Models and their schemas' },
        { name: 'ingest', description: 'Prediction events and ground truth' },
        { name: 'monitors', description: 'Monitor results and window reports' },
        { name: 'operations', description: 'Health and metrics' },
      ],
    },
  });
  // The docs are public: they describe the API, never data.
  app.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) {
      route.config = { ...(route.config ?? {}), scope: 'public' };
    }
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' }, logLevel: 'warn' });

  app.get('/healthz', { config: { scope: 'public' }, schema: { summary: 'Liveness', tags: ['operations'], response: { 200: HealthResponse } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { config: { scope: 'public' }, schema: { summary: 'Readiness: the store is open and ingestion is accepted', tags: ['operations'], response: { 200: HealthResponse, 503: ErrorResponse } } },
    async (_request, reply) => {
      if (!ctx.ready()) return reply.code(503).send({ error: 'unavailable', message: 'not ready' });
      return { status: 'ready' };
    },
  );
  app.get('/metrics', { config: { scope: 'metrics' }, schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });

  registerModelRoutes(app, ctx);
  await app.register(async (scope) => registerIngestRoutes(scope, ctx));
  await app.register(async (scope) => registerReferenceRoutes(scope, ctx));
  registerResultRoutes(app, ctx);
  registerMonitorRoutes(app, ctx);
  registerAlertRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerDashboardRoutes(app, ctx);
  registerDashboard(app);
  return app;
}
