/**
 * The flights model server: Fastify, instrumented with `@modelwatch/node`.
 *
 *   node examples/flights/dist/server.js --dir .demo --service http://127.0.0.1:8080 [--port 3000]
 *
 * - `POST /predict` — a flight's features (and its id and departure time) →
 *   `{ id, version, prediction, scores }`. A canary router sends each flight
 *   to v1 or v2 by weight, sticky by flight id; every version is instrumented
 *   with its own `version` label.
 * - `POST /feedback` — the true delays of earlier flights, `[{ id, delay, ts }]`,
 *   forwarded to modelwatch serve as ground truth (`delay > 15` → 1).
 * - `GET /metrics` — golden signals and model metrics (prom-client).
 * - `GET /canary`, `PUT /canary` `{ "v2": 5 }` — the router's weights (a demo
 *   convenience: protect such a route in a real deployment).
 * - `GET /healthz`; `GET /stats` — the exporter's queues (the replay's backpressure).
 *
 * Events go to modelwatch serve through the SDK's exporter (batched, gzip when the service is not on this machine,
 * retried, non-blocking): the router records each prediction's metrics and
 * queues its event, with the flight's id (`idOf`) and its departure time as
 * the event time (`tsOf`), so a replay of 2001 lands in 2001's windows.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { Exporter, ModelMonitor, modelwatchFastify, routeOn } from '@modelwatch/node';
import type { RoutedPredict } from '@modelwatch/node';
import { DELAY_THRESHOLD_MINUTES, isMain } from './flights.js';
import type { FlightFeatures } from './flights.js';
import type { DelayModel, Prediction } from './model.js';
import { artefacts, loadModels } from './train.js';

export const MODEL_NAME = 'flights';

/** A prediction request: the flight's features, its id and its departure time. */
export interface PredictRequest extends FlightFeatures {
  /** The flight's id (used to join the truth later); generated when absent. */
  id?: string;
  /** Departure time (the event time): epoch ms or ISO 8601; now when absent. */
  ts?: number | string;
}

export interface PredictResponse extends Prediction {
  id: string;
  version: string;
}

export interface FeedbackRequestItem {
  id: string;
  /** Arrival delay in minutes. */
  delay: number;
  /** When the delay became known (epoch ms or ISO 8601; default: when modelwatch serve receives it). */
  ts?: number | string;
}

export interface ModelServerOptions {
  v1: DelayModel;
  v2: DelayModel;
  /** modelwatch serve; without it no events are exported (metrics only). */
  serviceUrl?: string;
  /** A token with the write scope, when modelwatch serve has auth configured. */
  serviceToken?: string;
  /** The exporter's body compression (default: the SDK's: identity to a service on this machine, else gzip). */
  serviceCompression?: 'gzip' | 'identity' | 'auto';
  /** `false`: no @modelwatch/node at all, v1 answers every request (the benchmark's baseline). Default true. */
  instrument?: boolean;
  /** The canary's initial share (0..100; default 0). */
  canaryWeight?: number;
  /** Model files, hashed into `deps_hash` of `modelwatch_model_info` (per version). */
  modelFiles?: { v1?: string; v2?: string };
  registry?: Registry;
  /** Fastify's logger (default off). */
  logger?: boolean;
}

export interface ModelServer {
  app: FastifyInstance;
  exporter: Exporter | undefined;
  registry: Registry;
  /** Changes the router's weights (versions not named keep theirs). */
  setWeights(weights: Record<string, number>): void;
  weights(): Record<string, number>;
  /** Stops accepting requests, then sends what the exporter holds. */
  close(): Promise<void>;
}

// `type: [T, 'null']`, not `anyOf`: Fastify's validator coerces types, and in an anyOf it would turn null into 0 in the first branch.
const nullable = (type: string, extra: object = {}) => ({ type: [type, 'null'], ...extra });

const PredictBody = {
  type: 'object',
  additionalProperties: false,
  required: ['dep_hour', 'day_of_week', 'distance', 'origin', 'destination'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 128 },
    ts: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 64 }] },
    dep_hour: nullable('integer', { minimum: 0, maximum: 23 }),
    day_of_week: nullable('integer', { minimum: 0, maximum: 6 }),
    distance: nullable('number'),
    origin: nullable('string', { maxLength: 16 }),
    destination: nullable('string', { maxLength: 16 }),
  },
} as const;

const FeedbackBody = {
  type: 'array',
  maxItems: 10_000,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'delay'],
    properties: {
      id: { type: 'string', minLength: 1, maxLength: 128 },
      delay: { type: 'number' },
      ts: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 64 }] },
    },
  },
} as const;

const WeightsBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { v1: { type: 'number', minimum: 0 }, v2: { type: 'number', minimum: 0 } },
} as const;

/** The SDK's view of the features: kinds for metrics (missing counts, category counts). */
export const FEATURE_KINDS = { dep_hour: 'numeric', day_of_week: 'numeric', distance: 'numeric', origin: 'categorical', destination: 'categorical' } as const;

export type Answer = Prediction & { version: string };

let idCounter = 0;
const idPrefix = `p${process.pid.toString(36)}-${Date.now().toString(36)}-`;

/** A model's answer with its version. */
export function answerOf(model: DelayModel, version: string): (x: PredictRequest) => Answer {
  return (x) => {
    const p = model.predict(x);
    return { prediction: p.prediction, scores: p.scores, version };
  };
}

/**
 * The instrumented predict function: the canary router over v1 and v2 on a
 * monitor with the flights features, recording metrics on `registry` and, with
 * an exporter, one event per call with the flight's id (`idOf`: the second
 * argument, given or generated) and its departure time (`tsOf`).
 */
export function instrumentedPredict(opts: {
  v1: DelayModel;
  v2: DelayModel;
  registry: Registry;
  exporter?: Exporter;
  canaryWeight?: number;
  modelFiles?: { v1?: string; v2?: string };
}): RoutedPredict<[PredictRequest, string], Answer> {
  const monitor = new ModelMonitor({
    model: MODEL_NAME,
    version: 'v1',
    task: 'binary',
    features: FEATURE_KINDS,
    classes: [0, 1],
    registry: opts.registry,
    exporter: opts.exporter,
    logger: false,
    depsHash: opts.modelFiles?.v1 ? { artefacts: [opts.modelFiles.v1] } : undefined,
  });
  const canary = opts.canaryWeight ?? 0;
  return routeOn<[PredictRequest, string], Answer>(monitor, {
    versions: {
      v1: { predict: answerOf(opts.v1, 'v1'), weight: 100 - canary },
      v2: { predict: answerOf(opts.v2, 'v2'), weight: canary, depsHash: opts.modelFiles?.v2 ? { artefacts: [opts.modelFiles.v2] } : undefined },
    },
    // The same flight always gets the same version (while the weights stay).
    stickyBy: ([x]) => x.id,
    idOf: ([, id]) => id,
    // The departure time; the time of the call when the request has none.
    tsOf: ([x]) => x.ts,
    // The request without its id and time.
    featuresOf: ([x]) => ({ dep_hour: x.dep_hour, day_of_week: x.day_of_week, distance: x.distance, origin: x.origin, destination: x.destination }),
  });
}

/** Large batches: one request is in flight per kind, so the batch size bounds the rate (a replay sends thousands a second). */
export const EXPORTER_BATCHING = { batchSize: 5000, flushIntervalMs: 500, maxQueue: 200_000 } as const;

/** Builds the app (not listening). */
export async function buildModelServer(opts: ModelServerOptions): Promise<ModelServer> {
  const instrument = opts.instrument ?? true;
  const registry = opts.registry ?? new Registry();
  // Unknown fields are refused (400), not silently dropped (Fastify's default removes them).
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 4 * 1024 * 1024, ajv: { customOptions: { removeAdditional: false } } });
  const answerV1 = answerOf(opts.v1, 'v1');

  let exporter: Exporter | undefined;
  // The second argument is the request's flight id (given or generated), the event id.
  let routed: RoutedPredict<[PredictRequest, string], Answer> | undefined;
  if (instrument) {
    exporter = opts.serviceUrl ? new Exporter({ url: opts.serviceUrl, token: opts.serviceToken, compression: opts.serviceCompression, registry, ...EXPORTER_BATCHING }) : undefined;
    routed = instrumentedPredict({ v1: opts.v1, v2: opts.v2, registry, exporter, canaryWeight: opts.canaryWeight, modelFiles: opts.modelFiles });
    await app.register(modelwatchFastify, { monitor: routed.monitor, metrics: true });
  }

  app.post<{ Body: PredictRequest }>('/predict', { schema: { body: PredictBody } }, async (request) => {
    const x = request.body;
    const id = x.id ?? `${idPrefix}${++idCounter}`;
    if (routed === undefined) {
      const a = answerV1(x);
      return { id, version: a.version, prediction: a.prediction, scores: a.scores } satisfies PredictResponse;
    }
    const a = routed(x, id);
    return { id, version: a.version, prediction: a.prediction, scores: a.scores } satisfies PredictResponse;
  });

  app.post<{ Body: FeedbackRequestItem[] }>('/feedback', { schema: { body: FeedbackBody } }, async (request) => {
    const items = request.body;
    if (exporter !== undefined) {
      exporter.sendFeedback(
        MODEL_NAME,
        items.map((f) => ({ id: f.id, target: f.delay > DELAY_THRESHOLD_MINUTES ? 1 : 0, ...(f.ts !== undefined ? { ts: f.ts } : {}) })),
      );
    }
    return { accepted: items.length, forwarded: exporter !== undefined };
  });

  const setWeights = (w: Record<string, number>) => {
    if (!routed) throw new Error('the router exists only with instrumentation on');
    const before = routed.weights();
    routed.setWeights(w);
    // A version that starts taking traffic is (re)loaded now: staleness counts from here.
    for (const [version, weight] of Object.entries(w)) if (weight > 0 && before[version] === 0) routed.monitor.markLoaded(version, Date.now());
  };
  app.get('/canary', async () => routed?.weights() ?? { v1: 100 });
  app.put<{ Body: Record<string, number> }>('/canary', { schema: { body: WeightsBody } }, async (request, reply) => {
    if (!routed) return reply.code(409).send({ error: 'conflict', message: 'the router exists only with instrumentation on' });
    try {
      setWeights(request.body);
    } catch (err) {
      return reply.code(400).send({ error: 'bad_request', message: (err as Error).message });
    }
    return routed.weights();
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  // The exporter's queues (the replay slows down when modelwatch serve falls behind, instead of letting events drop).
  app.get('/stats', async () => ({ exporter: exporter?.stats() ?? [] }));

  return {
    app,
    exporter,
    registry,
    setWeights,
    weights: () => routed?.weights() ?? { v1: 100 },
    async close() {
      await app.close();
      await exporter?.close();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: '.demo' },
      service: { type: 'string' },
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      canary: { type: 'string', default: '0' },
      compression: { type: 'string' },
      bare: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: server [--dir .demo] [--service URL] [--port 3000] [--host 127.0.0.1] [--canary PERCENT] [--bare]\n' +
        '  --dir       where train wrote models/v1.json and models/v2.json\n' +
        '  --service   modelwatch serve (events and feedback are exported to it); metrics only without it\n' +
        '  --compression gzip|identity|auto  the exporter\'s bodies (default: identity to a service on this machine, else gzip)\n' +
        '  --bare      no instrumentation at all (benchmark baseline)\n',
    );
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected 0..65535 (got ${values.port})`);
  const canary = Number(values.canary);
  if (!(canary >= 0 && canary <= 100)) throw new Error(`--canary: expected a percentage 0..100 (got ${values.canary})`);
  const compression = values.compression;
  if (compression !== undefined && compression !== 'gzip' && compression !== 'identity' && compression !== 'auto') throw new Error(`--compression: expected gzip, identity or auto (got ${compression})`);
  const dir = resolve(values.dir!);
  const paths = artefacts(dir);
  const { v1, v2 } = loadModels(dir);
  const server = await buildModelServer({
    v1,
    v2,
    serviceUrl: values.service,
    serviceToken: process.env.MW_INGEST_TOKEN,
    serviceCompression: compression,
    instrument: !values.bare,
    canaryWeight: canary,
    modelFiles: { v1: paths.v1, v2: paths.v2 },
  });
  await server.app.listen({ port, host: values.host });
  const addr = server.app.server.address();
  const url = `http://${values.host}:${typeof addr === 'object' && addr ? addr.port : port}`;
  process.stdout.write(`flights model server listening on ${url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`flights model server: ${signal}: stopping (sending queued events)\n`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`flights model server: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`flights model server: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
