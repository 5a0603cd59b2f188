/**
 * The Fastify plugin.
 *
 * Like fastify-metrics, it instruments routes through hooks, so handlers stay
 * as they are: a route opts in with `config: { modelwatch: true }` (or an
 * object of extractors). Only opted-in routes get the hooks, so other routes pay
 * nothing. The plugin also decorates `fastify.modelwatch` with the
 * {@link ModelMonitor} (for `wrap`, `record`, `markLoaded`) and serves the
 * registry on `/metrics` when asked.
 *
 * Per instrumented request: `preHandler` notes the time; `preSerialization`
 * (the handler returned or sent an object) records the prediction with the
 * latency of validation + handler; `onError` records `outcome="error"` for
 * errors answered with a 5xx. 4xx answers (bad input) are not predictions and
 * are not recorded.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, onErrorHookHandler, preHandlerHookHandler, preSerializationHookHandler } from 'fastify';
import type { Registry } from 'prom-client';
import { now } from './clock.js';
import type { EventTime } from './clock.js';
import { idOfSeq } from './ids.js';
import { defaultPrediction, defaultScores, ModelMonitor } from './monitor.js';
import type { MonitorOptions, VersionRecorder } from './monitor.js';

/** Per-route instrumentation: where the features, prediction and event id of a request are. */
export interface FastifyRouteModelwatch {
  /** The monitor of this route's model (default: the plugin's). */
  monitor?: ModelMonitor;
  /** The features of a request (default: `request.body`). */
  featuresOf?: (request: FastifyRequest) => unknown;
  /** The prediction in the response payload (default: the payload if primitive, else `payload.prediction`). */
  predictionOf?: (payload: unknown, request: FastifyRequest) => unknown;
  /** The scores in the payload (default: `payload.scores ?? payload.probabilities ?? payload.score`). */
  scoresOf?: (payload: unknown, request: FastifyRequest) => unknown;
  /** The version that answered (default: the monitor's default version). */
  versionOf?: (request: FastifyRequest, payload: unknown) => string | undefined;
  /** The event id (default: generated). */
  idOf?: (request: FastifyRequest, payload: unknown) => string | number | undefined;
  /** Segment tags sent with the event. */
  tagsOf?: (request: FastifyRequest) => Record<string, string> | undefined;
  /** The event time sent to the service: epoch ms, an ISO 8601 string or a Date (default: when the payload was ready). */
  tsOf?: (request: FastifyRequest, payload: unknown) => EventTime | undefined;
}

export interface FastifyModelwatchOptions extends Partial<MonitorOptions> {
  /** Use this monitor instead of creating one from the options. */
  monitor?: ModelMonitor;
  /** Serve the registry's metrics: `true` for `GET /metrics`, or `{ path }`. Default: not served. */
  metrics?: boolean | { path?: string };
  /** Send the event id of each instrumented response in this header (e.g. `x-prediction-id`), for clients that send ground truth later. */
  eventIdHeader?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The model monitor of `@modelwatch/node`'s plugin. */
    modelwatch: ModelMonitor;
  }
  interface FastifyContextConfig {
    /** Instrument this route's predictions with `@modelwatch/node`. */
    modelwatch?: boolean | FastifyRouteModelwatch;
  }
  interface FastifyRequest {
    /** @internal now() when the handler started; -1 once recorded. */
    modelwatchStart: number;
  }
}

/** Serves `registry.metrics()` (a Fastify route handler). */
export function fastifyMetricsHandler(registry: Registry) {
  return async (_request: FastifyRequest, reply: FastifyReply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  };
}

function appendHook<T>(existing: T | T[] | undefined, hook: T, first = false): T[] {
  const list = existing === undefined ? [] : Array.isArray(existing) ? [...existing] : [existing];
  if (first) list.unshift(hook);
  else list.push(hook);
  return list;
}

function instrumentRoute(route: FastifyRouteModelwatch, fallback: ModelMonitor, eventIdHeader: string | undefined) {
  const monitor = route.monitor ?? fallback;
  const fx = route.featuresOf;
  const px = route.predictionOf;
  const sx = route.scoresOf;
  const vx = route.versionOf;
  const ix = route.idOf;
  const tx = route.tagsOf;
  const ex = route.tsOf;
  const fixed: VersionRecorder | null = vx === undefined ? monitor.version() : null;

  const recorderOf = (request: FastifyRequest, payload: unknown): VersionRecorder => {
    if (fixed !== null) return fixed;
    const v = vx!(request, payload);
    return monitor.version(typeof v === 'string' ? v : undefined);
  };

  const preHandler: preHandlerHookHandler = function (request, _reply, done) {
    request.modelwatchStart = now();
    done();
  };

  const preSerialization: preSerializationHookHandler<unknown> = function (request, reply, payload, done) {
    const t0 = request.modelwatchStart;
    if (t0 >= 0 && reply.statusCode < 400) {
      request.modelwatchStart = -1;
      const end = now();
      let rec: VersionRecorder = fixed ?? monitor.version();
      let features: unknown, prediction: unknown, scores: unknown, id: string | number | undefined, tags: unknown, ts: unknown;
      try {
        rec = recorderOf(request, payload);
        features = fx === undefined ? request.body : fx(request);
        prediction = px === undefined ? defaultPrediction(payload) : px(payload, request);
        scores = sx === undefined ? defaultScores(payload) : sx(payload, request);
        if (ix !== undefined) id = ix(request, payload);
        if (tx !== undefined) tags = tx(request);
        if (ex !== undefined) ts = ex(request, payload);
      } catch (err) {
        monitor.problem('fastify route', err);
      }
      const seq = rec.observe(features, prediction, scores, end - t0, false, id, tags, end, ts);
      if (eventIdHeader !== undefined) reply.header(eventIdHeader, String(id ?? idOfSeq(seq)));
    }
    done(null, payload);
  };

  const onError: onErrorHookHandler = function (request, reply, error, done) {
    const t0 = request.modelwatchStart;
    const status = (error as { statusCode?: number }).statusCode ?? reply.statusCode;
    if (t0 >= 0 && !(status >= 400 && status < 500)) {
      request.modelwatchStart = -1;
      const end = now();
      let rec: VersionRecorder = fixed ?? monitor.version();
      let features: unknown, id: string | number | undefined, tags: unknown, ts: unknown;
      try {
        rec = recorderOf(request, undefined);
        features = fx === undefined ? request.body : fx(request);
        if (ix !== undefined) id = ix(request, undefined);
        if (tx !== undefined) tags = tx(request);
        if (ex !== undefined) ts = ex(request, undefined);
      } catch (err) {
        monitor.problem('fastify route', err);
      }
      rec.observe(features, undefined, undefined, end - t0, true, id, tags, end, ts);
    } else {
      request.modelwatchStart = -1;
    }
    done();
  };
  return { preHandler, preSerialization, onError };
}

async function modelwatchPlugin(fastify: FastifyInstance, opts: FastifyModelwatchOptions): Promise<void> {
  const monitor = opts.monitor ?? new ModelMonitor({ logger: fastify.log, ...(opts as MonitorOptions) });
  const eventIdHeader = opts.eventIdHeader;
  if (eventIdHeader !== undefined && (typeof eventIdHeader !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(eventIdHeader))) {
    throw new TypeError(`eventIdHeader: expected an HTTP header name (got ${JSON.stringify(eventIdHeader)})`);
  }
  fastify.decorate('modelwatch', monitor);
  fastify.decorateRequest('modelwatchStart', -1);

  fastify.addHook('onRoute', (routeOptions) => {
    const config = routeOptions.config?.modelwatch;
    if (!config) return;
    const hooks = instrumentRoute(config === true ? {} : config, monitor, eventIdHeader);
    // Timing starts last before the handler; the payload is read before other serialisation hooks change it.
    routeOptions.preHandler = appendHook(routeOptions.preHandler, hooks.preHandler);
    routeOptions.preSerialization = appendHook(routeOptions.preSerialization, hooks.preSerialization, true);
    routeOptions.onError = appendHook(routeOptions.onError, hooks.onError);
  });

  if (opts.metrics) {
    const path = typeof opts.metrics === 'object' && opts.metrics.path ? opts.metrics.path : '/metrics';
    fastify.get(path, { config: { modelwatch: false } }, fastifyMetricsHandler(monitor.registry));
  }
}

/**
 * The Fastify plugin: `await app.register(modelwatchFastify, { model: 'fraud', exporter, metrics: true })`,
 * then `config: { modelwatch: true }` on prediction routes.
 */
export const modelwatchFastify = fp(modelwatchPlugin, { fastify: '5.x', name: '@modelwatch/node' });
