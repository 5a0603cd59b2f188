/**
 * Starting and stopping `modelwatch serve`: configuration, store, write queue,
 * metrics, HTTP server, retention, graceful shutdown.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ConfigError, defaultConfig, loadConfigFile } from './config/load.js';
import type { ModelwatchConfig } from './config/types.js';
import { buildApp } from './http/app.js';
import { PlanCache } from './http/context.js';
import type { ServerContext } from './http/context.js';
import { WriteQueue } from './ingest/write-queue.js';
import { ServerMetrics } from './metrics/metrics.js';
import { AlertEngine } from './alerts/engine.js';
import type { AlertEngineOptions } from './alerts/engine.js';
import { AlertMetrics } from './alerts/metrics.js';
import { configuredRuleErrors } from './alerts/rules.js';
import { Notifier } from './notify/notifier.js';
import { monitorsOf } from './monitor/definitions.js';
import { MonitorDefinitions } from './monitor/manage.js';
import { MonitorScheduler } from './monitor/scheduler.js';
import type { MonitorSchedulerOptions } from './monitor/scheduler.js';
import { DuckDBStore } from './store/duckdb/duckdb-store.js';
import { ReferenceService } from './reference/service.js';
import type { Store } from './store/store.js';

export interface ServerOptions {
  /** A resolved configuration; wins over `configPath`. */
  config?: ModelwatchConfig;
  /** A `modelwatch.yaml` to load (default: no file, every default). */
  configPath?: string;
  /** Overrides `server.port` (0 = any free port). */
  port?: number;
  /** Overrides `server.host`. */
  host?: string;
  /** Overrides `server.dataDir` (and so the default store file). */
  dataDir?: string;
  /** Use this store instead of opening the configured one (it is closed with the server). */
  store?: Store;
  /** Fastify/pino logger: `false` (default), `true`, pino options, or a logger. */
  logger?: boolean | Record<string, unknown> | FastifyBaseLogger;
  /** Register process metrics (`process_*`, `nodejs_*`) too (default true). */
  defaultMetrics?: boolean;
  /** Monitor scheduling: debounce, concurrency, clock (tests). */
  monitors?: Pick<MonitorSchedulerOptions, 'debounceMs' | 'maxDelayMs' | 'concurrency' | 'now'>;
  /**
   * Alerts: points kept per series and the clock (tests); and the delivery
   * settings `backoffMs`, `maxBackoffMs`, `shutdownGraceMs`, which, when given,
   * override the configuration's (`notificationDefaults` and every channel's).
   */
  alerts?: Pick<AlertEngineOptions, 'maxPointsPerSeries' | 'now'> & { backoffMs?: number; maxBackoffMs?: number; shutdownGraceMs?: number };
}

/** A configured server, listening or not. */
export interface ModelwatchServer {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly config: ModelwatchConfig;
  readonly metrics: ServerMetrics;
  readonly queue: WriteQueue;
  /** Model references: the provider monitors read (`get(model)`), uploads and configured files. */
  readonly references: ReferenceService;
  /** Monitors: windows marked on commit, evaluated in the background; `evaluateNow()`, `idle()`, `addListener()`. */
  readonly monitors: MonitorScheduler;
  /** Alert rules evaluated on every stored result: states (`list()`), notifications, `idle()`. */
  readonly alerts: AlertEngine;
  /** `http://host:port` once listening. */
  url?: string;
  /** Starts listening on the configured host and port; resolves with the URL. */
  listen(): Promise<string>;
  /** Applies retention once now (also runs every `retention.intervalMs`). */
  runRetention(): Promise<void>;
  /**
   * Graceful shutdown: stops accepting connections, waits for in-flight requests
   * (their events get committed), drains the write queue, checkpoints and closes
   * the store. Idempotent.
   */
  close(): Promise<void>;
}

async function resolveOptions(opts: ServerOptions): Promise<ModelwatchConfig> {
  let config = opts.config ?? (opts.configPath ? await loadConfigFile(opts.configPath) : defaultConfig());
  if (opts.dataDir !== undefined || opts.port !== undefined || opts.host !== undefined) {
    const server = { ...config.server };
    if (opts.port !== undefined) server.port = opts.port;
    if (opts.host !== undefined) server.host = opts.host;
    let store = config.store;
    if (opts.dataDir !== undefined) {
      const dataDir = resolve(opts.dataDir);
      // A store path inside the old data dir moves with it.
      if (store.type === 'duckdb' && store.path !== ':memory:') {
        const rel = relative(server.dataDir, store.path);
        if (!rel.startsWith('..') && !isAbsolute(rel)) store = { ...store, path: resolve(dataDir, rel) };
      }
      server.dataDir = dataDir;
    }
    config = { ...config, server, store };
  }
  const a = opts.alerts;
  if (a && (a.backoffMs !== undefined || a.maxBackoffMs !== undefined || a.shutdownGraceMs !== undefined)) {
    const over = <T extends { backoffMs?: number; maxBackoffMs?: number; shutdownGraceMs?: number }>(x: T): T => ({
      ...x,
      ...(a.backoffMs !== undefined ? { backoffMs: a.backoffMs } : {}),
      ...(a.maxBackoffMs !== undefined ? { maxBackoffMs: a.maxBackoffMs } : {}),
      ...(a.shutdownGraceMs !== undefined ? { shutdownGraceMs: a.shutdownGraceMs } : {}),
    });
    config = { ...config, notifications: config.notifications.map(over), notificationDefaults: over(config.notificationDefaults) };
  }
  return config;
}

/** Builds a server without listening (tests use `app.inject`). */
export async function createServer(opts: ServerOptions = {}): Promise<ModelwatchServer> {
  const config = await resolveOptions(opts);
  const ruleErrors = configuredRuleErrors(config);
  if (ruleErrors.length > 0) throw new ConfigError(ruleErrors, config.source);
  let store: Store;
  if (opts.store) store = opts.store;
  else if (config.store.type === 'duckdb') {
    store = await DuckDBStore.open({
      path: config.store.path,
      checkpointThreshold: config.store.checkpointThreshold,
      memoryLimit: config.store.memoryLimit,
      threads: config.store.threads,
      maxModels: config.server.maxModels,
    });
  } else {
    throw new Error('the clickhouse store is not available yet');
  }
  const metrics = new ServerMetrics(config.server.maxVersionLabels, { defaultMetrics: opts.defaultMetrics });
  let ready = false;
  const references = new ReferenceService(store, config, {
    onModel: (m) => metrics.declareVersions(m.name, m.versions),
    read: config.store.type === 'duckdb' ? { threads: config.store.threads, memoryLimit: config.store.memoryLimit } : undefined,
  });
  const monitors = new MonitorScheduler(store, references, config, {
    ...opts.monitors,
    onEvaluation: (model, monitor, seconds) => metrics.monitorEvaluation.observe({ model, monitor }, seconds),
  });
  monitors.addListener(metrics.models.listener);
  const alertMetrics = new AlertMetrics(metrics.registry);
  let serverUrl: string | undefined;
  // Channels carry their delivery settings (resolved with notificationDefaults); these are for any without.
  const notifier = new Notifier(store, {
    backoffMs: config.notificationDefaults?.backoffMs,
    maxBackoffMs: config.notificationDefaults?.maxBackoffMs,
    shutdownGraceMs: config.notificationDefaults?.shutdownGraceMs,
    externalUrl: () => serverUrl,
    onOutcome: (channel, outcome) => alertMetrics.outcome(channel, outcome),
  });
  const alerts = new AlertEngine(store, config, notifier, { maxPointsPerSeries: opts.alerts?.maxPointsPerSeries, now: opts.alerts?.now });
  alertMetrics.setSource(alerts);
  monitors.addListener(alerts.listener);
  const queue = new WriteQueue(store, config.server.queue, {
    onCommitted: (c) => (c.kind === 'events' ? monitors.markEvents(c.batches) : monitors.markFeedback(c.batches)),
    onCommit: (kind, seconds) => metrics.commitDuration.observe({ kind }, seconds),
    onSize: (records, requests) => {
      metrics.queueEvents.set(records);
      metrics.queueRequests.set(requests);
    },
  });
  const definitions = new MonitorDefinitions(store, config, monitors, metrics.models);
  const ctx: ServerContext = { config, store, queue, metrics, plans: new PlanCache(), references, definitions, ready: () => ready && queue.accepting };
  ctx.alerts = alerts;
  let app: FastifyInstance;
  try {
    // Config as code: models with a schema are registered (the file wins over the API).
    for (const m of config.models) {
      if (m.schema) {
        const { model } = await store.putModel({ name: m.name, task: m.task, schema: m.schema, versions: m.versions });
        metrics.declareVersions(model.name, model.versions);
      }
    }
    for (const m of await store.listModels()) metrics.declareVersions(m.name, m.versions);
    app = await buildApp(ctx, { logger: opts.logger });
    // Configured reference files (unchanged ones are not read again); schemaFrom: reference registers the model.
    await references.start(app.log);
    await app.ready();
    // The model gauges show the latest stored results from the start (a restart does not blank them),
    // only of the monitors each model runs (configured, API-defined or defaults).
    metrics.models.setLogger(app.log);
    const running = new Map((await store.listModels()).map((m) => [m.name, new Set(monitorsOf(config, m).map((x) => x.name))]));
    await metrics.models.restore(store, { keep: (model, monitor) => running.get(model)?.has(monitor) ?? true });
    // Windows with events after each monitor's latest stored result (downtime) are evaluated in the background.
    monitors.setLogger(app.log);
    // Alert states (and notifications a shutdown interrupted) before any new result arrives.
    alerts.setLogger(app.log);
    notifier.setLogger(app.log);
    await alerts.start();
    await monitors.start();
  } catch (err) {
    await monitors.close().catch(() => undefined);
    await alerts.close(0).catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }

  let retentionTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  const r = config.retention;
  const runRetention = async () => {
    const now = Date.now();
    const cutoffs = {
      events: r.eventsMs === null ? undefined : now - r.eventsMs,
      feedback: r.feedbackMs === null ? undefined : now - r.feedbackMs,
      results: r.resultsMs === null ? undefined : now - r.resultsMs,
      alerts: r.alertsMs === null || r.alertsMs === undefined ? undefined : now - r.alertsMs,
    };
    if (Object.values(cutoffs).every((c) => c === undefined)) return;
    const deleted = await store.applyRetention(cutoffs);
    if (cutoffs.results !== undefined) metrics.models.removeEndedBefore(cutoffs.results);
    app.log.info({ deleted }, 'retention applied');
  };

  const server: ModelwatchServer = {
    app,
    store,
    config,
    metrics,
    queue,
    references,
    monitors,
    alerts,
    async listen() {
      await app.listen({ port: config.server.port, host: config.server.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.server.port;
      const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
      server.url = `http://${host}:${port}`;
      serverUrl = server.url;
      ready = true;
      if (!config.auth && !['127.0.0.1', 'localhost', '::1'].includes(config.server.host)) {
        app.log.warn({ host: config.server.host }, 'listening beyond loopback without auth tokens: anyone who can reach this port can write and read');
      }
      if (r.eventsMs !== null || r.feedbackMs !== null || r.resultsMs !== null || (r.alertsMs ?? null) !== null) {
        retentionTimer = setInterval(() => {
          runRetention().catch((err: unknown) => app.log.error({ err }, 'retention failed'));
        }, r.intervalMs);
        retentionTimer.unref();
      }
      return server.url!;
    },
    runRetention,
    close() {
      closing ??= (async () => {
        ready = false;
        if (retentionTimer) clearInterval(retentionTimer);
        try {
          await app.close(); // waits for in-flight requests, whose batches are committed
        } finally {
          await queue.close();
          await monitors.close();
          await alerts.close(); // each channel's shutdownGrace
          await store.close();
        }
      })();
      return closing;
    },
  };
  ready = true;
  return server;
}

/**
 * Starts `modelwatch serve`: loads the configuration (or uses the defaults: an
 * embedded DuckDB file in `./modelwatch-data`, port 8080 on loopback), opens the
 * store, registers configured models and listens. Resolves once listening.
 */
export async function startServer(opts: ServerOptions = {}): Promise<ModelwatchServer> {
  const server = await createServer(opts);
  try {
    await server.listen();
  } catch (err) {
    await server.close().catch(() => undefined);
    throw err;
  }
  return server;
}
