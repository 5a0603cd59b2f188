/**
 * The Fastify plugin and the Express middleware in real applications on
 * loopback ports, exporting to a real `modelwatch serve`: the application's
 * `/metrics` counts what the clients saw (ok, 5xx errors; 4xx not predictions),
 * events arrive with the ids the clients got in a response header, and ground
 * truth sent for those ids joins them.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { Exporter, ModelMonitor, expressMetricsHandler, modelwatchExpress, modelwatchFastify } from '@modelwatch/node';
import { FLIGHTS_SCHEMA, find, flightModel, parseExposition, registerModel, rng, startService, tempDir, value } from './helpers.js';
import type { FlightInput } from './helpers.js';

const FEATURES = { hour: 'numeric', distance: 'numeric', origin: 'categorical' } as const;
const ALL_TIME = { from: 0, to: Date.UTC(2200, 0, 1) };

/** Request bodies: valid ones, some the model fails on (origin "ERR"), some invalid (distance a string). */
function bodies(n: number, seed: number): unknown[] {
  const r = rng(seed);
  const airports = ['ORD', 'ATL', 'DFW', 'LAX'];
  return Array.from({ length: n }, (_, i) => {
    if (i % 17 === 5) return { hour: 3, distance: 'far', origin: 'ORD' };
    return { hour: r() < 0.05 ? null : Math.floor(r() * 24), distance: Math.round(100 + r() * 2000), origin: i % 23 === 7 ? 'ERR' : airports[Math.floor(r() * 4)] };
  });
}

function predictOrFail(x: FlightInput) {
  if (x.origin === 'ERR') throw new Error('model failure');
  return flightModel(x);
}

async function post(url: string, body: unknown): Promise<{ status: number; id: string | null; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, id: res.headers.get('x-prediction-id'), json: await res.json().catch(() => null) };
}

async function withService<T>(fn: (url: string, store: Awaited<ReturnType<typeof startService>>['store']) => Promise<T>): Promise<T> {
  const { dir, cleanup } = tempDir();
  const service = await startService(dir);
  try {
    await registerModel(service.url!, 'flights', { task: 'binary', versions: ['v1', 'v2'], schema: FLIGHTS_SCHEMA });
    return await fn(service.url!, service.store);
  } finally {
    await service.close();
    cleanup();
  }
}

describe('Fastify plugin', () => {
  test('instrumented routes: /metrics, event ids in a header, events and feedback at the service', async () => {
    await withService(async (serviceUrl, store) => {
      const registry = new Registry();
      const exporter = new Exporter({ url: serviceUrl, registry, batchSize: 50, flushIntervalMs: 10 });
      const app = Fastify();
      await app.register(modelwatchFastify, { model: 'flights', task: 'binary', features: FEATURES, registry, exporter, metrics: true, eventIdHeader: 'x-prediction-id', depsHash: 'fastify-test' });
      const bodySchema = {
        type: 'object',
        required: ['distance'],
        properties: { hour: { type: ['number', 'null'] }, distance: { type: 'number' }, origin: { type: 'string' } },
      };
      app.post('/predict', { schema: { body: bodySchema }, config: { modelwatch: true } }, async (request) => predictOrFail(request.body as FlightInput));
      // A second route: another version, another payload shape, reply.send instead of return.
      app.post(
        '/v2/predict',
        {
          config: {
            modelwatch: {
              versionOf: () => 'v2',
              featuresOf: (request) => (request.body as { input: FlightInput }).input,
              predictionOf: (payload) => (payload as { result: { delayed: number } }).result.delayed,
              scoresOf: (payload) => (payload as { result: { p: number } }).result.p,
            },
          },
        },
        (request, reply) => {
          const out = flightModel((request.body as { input: FlightInput }).input);
          void reply.send({ result: { delayed: out.prediction, p: out.scores['1'] } });
        },
      );
      app.get('/health', async () => ({ ok: true }));
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      try {
        const sent = bodies(400, 1);
        const results = [];
        for (const b of sent) results.push(await post(`${base}/predict`, b));
        const valid = sent.filter((b) => typeof (b as FlightInput).distance === 'number') as FlightInput[];
        for (let i = 0; i < 30; i++) results.push(await post(`${base}/v2/predict`, { input: valid[i * 2] }));
        for (let i = 0; i < 10; i++) await fetch(`${base}/health`);

        const ok = results.filter((r) => r.status === 200);
        const errors = results.filter((r) => r.status === 500);
        const invalid = results.filter((r) => r.status === 400);
        assert.equal(ok.length + errors.length + invalid.length, results.length);
        assert.ok(errors.length > 0 && invalid.length > 0);
        // Every answered prediction carries a distinct event id.
        assert.equal(new Set(ok.map((r) => r.id)).size, ok.length);
        assert.ok(ok.every((r) => typeof r.id === 'string' && r.id.length > 0));

        const res = await fetch(`${base}/metrics`);
        assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
        const s = parseExposition(await res.text());
        const okV1 = results.slice(0, 400).filter((r) => r.status === 200).length;
        assert.equal(value(s, 'modelwatch_predictions_total', { model: 'flights', version: 'v1', outcome: 'ok' }), okV1);
        assert.equal(value(s, 'modelwatch_predictions_total', { model: 'flights', version: 'v1', outcome: 'error' }), errors.length);
        assert.equal(value(s, 'modelwatch_predictions_total', { model: 'flights', version: 'v2', outcome: 'ok' }), 30);
        assert.equal(value(s, 'modelwatch_prediction_latency_seconds_count', { version: 'v1' }), okV1 + errors.length);
        // Inputs of requests that reached the handler (not the 400s).
        const reached = sent.filter((b) => typeof (b as FlightInput).distance === 'number') as FlightInput[];
        assert.equal(value(s, 'modelwatch_feature_missing_total', { version: 'v1', feature: 'hour' }), reached.filter((b) => b.hour === null).length);
        for (const origin of ['ORD', 'ATL', 'ERR']) {
          assert.equal(value(s, 'modelwatch_feature_category_total', { version: 'v1', feature: 'origin', category: origin }), reached.filter((b) => b.origin === origin).length);
        }
        const v2Scores = Array.from({ length: 30 }, (_, i) => flightModel(valid[i * 2]).scores['1']);
        assert.ok(Math.abs(value(s, 'modelwatch_prediction_score_sum', { version: 'v2' }) - v2Scores.reduce((a, b) => a + b, 0)) < 1e-9);
        assert.ok(find(s, 'process_resident_memory_bytes').length === 1);
        assert.equal(app.modelwatch.model, 'flights');

        // Events at the service; feedback for the ids the clients got joins them.
        assert.equal(await exporter.flush(), true);
        const counts = await store.eventCounts({ model: 'flights', ...ALL_TIME, byVersion: true });
        const byVersion = Object.fromEntries(counts.map((c) => [c.version, c]));
        assert.equal(byVersion.v1.events, okV1 + errors.length);
        assert.equal(byVersion.v1.errors, errors.length);
        assert.equal(byVersion.v2.events, 30);
        exporter.sendFeedback('flights', ok.map((r) => ({ id: r.id!, target: 1 })));
        assert.equal(await exporter.flush(), true);
        const labelled = await store.labelledRows({ model: 'flights', ...ALL_TIME, limit: 10_000 });
        assert.equal(labelled.labelled, ok.length);
      } finally {
        await exporter.close();
        await app.close();
      }
    });
  });

  test('routes without config pay nothing; a route may record into another model’s monitor', async () => {
    const registry = new Registry();
    const other = new ModelMonitor({ model: 'other', registry, processMetrics: false, depsHash: 'x' });
    const app = Fastify();
    await app.register(modelwatchFastify, { model: 'main', registry, processMetrics: false, depsHash: 'x', metrics: { path: '/internal/metrics' } });
    app.post('/plain', async () => ({ prediction: 1 }));
    app.post('/other', { config: { modelwatch: { monitor: other } } }, async () => ({ prediction: 'b' }));
    await app.ready();
    await app.inject({ method: 'POST', url: '/plain', payload: {} });
    await app.inject({ method: 'POST', url: '/other', payload: { f: 'x' } });
    const res = await app.inject({ method: 'GET', url: '/internal/metrics' });
    const s = parseExposition(res.body);
    assert.equal(value(s, 'modelwatch_predictions_total', { model: 'main', outcome: 'ok' }), 0);
    assert.equal(value(s, 'modelwatch_predictions_total', { model: 'other', outcome: 'ok' }), 1);
    assert.equal(value(s, 'modelwatch_predicted_class_total', { model: 'other', class: 'b' }), 1);
    await app.close();
  });
});

describe('Express middleware', () => {
  test('res.json answers are recorded, 5xx as errors, 4xx not at all; ids in a header join feedback at the service', async () => {
    await withService(async (serviceUrl, store) => {
      const registry = new Registry();
      const exporter = new Exporter({ url: serviceUrl, registry, batchSize: 50, flushIntervalMs: 10 });
      const monitor = new ModelMonitor({ model: 'flights', task: 'binary', features: FEATURES, registry, exporter, depsHash: 'express-test' });
      const app = express();
      app.use(express.json());
      const mw = modelwatchExpress(monitor, { eventIdHeader: 'x-prediction-id' });
      app.post('/predict', mw, (req, res) => {
        const b = req.body as FlightInput;
        if (typeof b.distance !== 'number') {
          res.status(400).json({ error: 'distance must be a number' });
          return;
        }
        res.json(predictOrFail(b)); // a throw here reaches Express's error handler: 500
      });
      app.post('/v2/predict', modelwatchExpress(monitor, { versionOf: () => 'v2' }), async (req, res) => {
        // At least 2 ms pass in the handler (a timer alone may fire early against the monotonic clock).
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, 2));
        while (performance.now() - t0 < 2);
        res.json(flightModel(req.body as FlightInput));
      });
      app.get('/metrics', expressMetricsHandler(registry));
      // An error handler answering without res.json: the middleware sees the 500 on 'finish'.
      app.use((_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).end('model failure');
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const sent = bodies(300, 2);
        const results = [];
        for (const b of sent) results.push(await post(`${base}/predict`, b));
        const valid = sent.filter((b) => typeof (b as FlightInput).distance === 'number' && (b as FlightInput).origin !== 'ERR');
        for (let i = 0; i < 20; i++) results.push(await post(`${base}/v2/predict`, valid[i]));
        const okV1 = results.slice(0, 300).filter((r) => r.status === 200);
        const errors = results.filter((r) => r.status === 500);
        const invalid = results.filter((r) => r.status === 400);
        assert.ok(errors.length > 0 && invalid.length > 0);
        assert.equal(okV1.length + errors.length + invalid.length + 20, results.length);
        assert.equal(new Set(okV1.map((r) => r.id)).size, okV1.length);

        const s = parseExposition(await (await fetch(`${base}/metrics`)).text());
        assert.equal(value(s, 'modelwatch_predictions_total', { version: 'v1', outcome: 'ok' }), okV1.length);
        assert.equal(value(s, 'modelwatch_predictions_total', { version: 'v1', outcome: 'error' }), errors.length);
        assert.equal(value(s, 'modelwatch_predictions_total', { version: 'v2', outcome: 'ok' }), 20);
        const okOutputs = (sent.filter((b) => typeof (b as FlightInput).distance === 'number' && (b as FlightInput).origin !== 'ERR') as FlightInput[]).map(flightModel);
        assert.equal(value(s, 'modelwatch_predicted_class_total', { version: 'v1', class: '1' }), okOutputs.filter((o) => o.prediction === 1).length);
        // The v2 route spent at least 2 ms before answering: its latencies include it.
        const v2LatencySum = value(s, 'modelwatch_prediction_latency_seconds_sum', { version: 'v2' });
        assert.ok(v2LatencySum >= 20 * 0.002, `v2 latency sum ${v2LatencySum} s`);

        assert.equal(await exporter.flush(), true);
        const counts = await store.eventCounts({ model: 'flights', ...ALL_TIME });
        assert.equal(counts[0].events, okV1.length + errors.length + 20);
        assert.equal(counts[0].errors, errors.length);
        exporter.sendFeedback('flights', okV1.map((r) => ({ id: r.id!, target: 0 })));
        assert.equal(await exporter.flush(), true);
        assert.equal((await store.labelledRows({ model: 'flights', ...ALL_TIME, limit: 10_000 })).labelled, okV1.length);
      } finally {
        await exporter.close();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
});
