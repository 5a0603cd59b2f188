/**
 * The exporter against a real `modelwatch serve` (DuckDB store in a temp dir on a
 * loopback port): events and feedback arrive with the same counts, ids and
 * values; the service goes away and comes back; shutdown flushes. Protocol edge
 * cases the real service cannot be made to produce on demand (429 with
 * Retry-After, 415 for gzip, 5xx) are played by a scripted HTTP peer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import express from 'express';
import Fastify from 'fastify';
import { Exporter, ModelMonitor, hash32, modelwatchExpress, modelwatchFastify, parseRetryAfter, router, wrap } from '@modelwatch/node';
import { decodeEventBatch } from '../../server/src/ingest/batch-decode.js';
import { EventBatch } from '../src/exporter/batch-encoder.js';
import { LineQueue } from '../src/exporter/queue.js';
import { FLIGHTS_SCHEMA, find, flightModel, freePort, parseExposition, registerModel, rng, sleep, startService, tempDir, value, waitFor } from './helpers.js';
import type { FlightInput } from './helpers.js';

const FEATURES = { hour: 'numeric', distance: 'numeric', origin: 'categorical' } as const;
/** The important tests run with prediction events in both body formats. */
const FORMATS = ['batch', 'ndjson'] as const;
const BATCH = 'application/vnd.modelwatch.batch';
const ALL_TIME = { from: 0, to: Date.UTC(2200, 0, 1) };

function inputsOf(n: number, seed: number, prefix: string): (FlightInput & { id: string })[] {
  const r = rng(seed);
  const airports = ['ORD', 'ATL', 'DFW', 'LAX', 'SFO', 'JFK', 'DEN'];
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    hour: r() < 0.04 ? null : Math.floor(r() * 24),
    distance: Math.round(100 + r() * 2500),
    origin: airports[Math.floor(r() * airports.length)],
  }));
}

/** Every record reached exactly one end, or is still queued. */
function assertAccounted(ex: Exporter): void {
  for (const s of ex.stats()) {
    assert.equal(s.sent + s.failed + s.dropped + s.queued + s.inFlight, s.pushed, `${s.model}/${s.kind}: ${JSON.stringify(s)}`);
  }
}

interface Recorded {
  headers: IncomingHttpHeaders;
  url: string;
  /** The body as NDJSON text (a columnar batch is decoded, each record JSON.stringify'd: the same text when the batch is exact). */
  body: string;
  at: number;
}

/** A request body as NDJSON text. */
function ndjsonOf(headers: IncomingHttpHeaders, raw: Buffer): string {
  const body = headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
  if (headers['content-type'] !== BATCH) return body.toString('utf8');
  return decodeEventBatch(body, { maxEvents: 1_000_000 }).map((r) => JSON.stringify(r) + '\n').join('');
}

/** A scripted HTTP peer: answers each request with `reply(request number, request)`. */
async function scripted(reply: (n: number, r: Recorded) => { status: number; headers?: Record<string, string>; body?: unknown }): Promise<{ url: string; requests: Recorded[]; server: Server }> {
  const requests: Recorded[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = ndjsonOf(req.headers, Buffer.concat(chunks));
      const rec = { headers: req.headers, url: req.url ?? '', body, at: Date.now() };
      requests.push(rec);
      const lines = body.split('\n').filter(Boolean).length;
      const out = reply(requests.length, rec);
      res.writeHead(out.status, { 'content-type': 'application/json', ...(out.headers ?? {}) });
      res.end(JSON.stringify(out.body ?? (out.status < 300 ? { accepted: lines, rejectedCount: 0, rejected: [] } : { error: 'x', message: 'scripted' })));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${port}`, requests, server };
}

for (const format of FORMATS) {
describe(`exporter and modelwatch serve (${format})`, () => {
  test('events and feedback arrive: counts per version, ids, values and data quality equal what was sent', async () => {
    const { dir, cleanup } = tempDir();
    const service = await startService(dir);
    try {
      await registerModel(service.url!, 'flights', { task: 'binary', versions: ['v1', 'v2'], schema: FLIGHTS_SCHEMA });
      const registry = new Registry();
      const exporter = new Exporter({ format, url: service.url!, registry, batchSize: 250, flushIntervalMs: 20, compression: 'auto' });
      const failing = (x: FlightInput) => x.hour === 5 && x.origin === 'ATL';
      const model = (x: FlightInput) => {
        if (failing(x)) throw new Error('model failure');
        return flightModel(x);
      };
      const served: Record<string, number> = { v1: 0, v2: 0 };
      const predict = router({
        model: 'flights',
        registry,
        exporter,
        processMetrics: false,
        task: 'binary',
        features: FEATURES,
        depsHash: 'test',
        versions: {
          v1: { predict: (x: FlightInput & { id: string }) => (served.v1++, model(x)), weight: 80 },
          v2: { predict: (x: FlightInput & { id: string }) => (served.v2++, model(x)), weight: 20 },
        },
        stickyBy: ([x]) => x.id,
        idOf: ([x]) => x.id,
        tagsOf: () => ({ channel: 'test' }),
      });
      const inputs = inputsOf(3000, 7, 'ev');
      let errors = 0;
      for (let i = 0; i < inputs.length; i++) {
        try {
          predict(inputs[i]);
        } catch {
          errors++;
        }
        if (i % 500 === 0) await sleep(1); // let batches go out while traffic continues
      }
      assert.ok(errors > 0);
      assert.equal(await exporter.flush(), true);
      const [ev] = exporter.stats();
      assert.deepEqual({ pushed: ev.pushed, sent: ev.sent, failed: ev.failed, dropped: ev.dropped }, { pushed: 3000, sent: 3000, failed: 0, dropped: 0 });

      // Counts per version and errors, from the store.
      const counts = await service.store.eventCounts({ model: 'flights', ...ALL_TIME, byVersion: true });
      const byVersion = Object.fromEntries(counts.map((c) => [c.version, c]));
      assert.equal(byVersion.v1.events, served.v1);
      assert.equal(byVersion.v2.events, served.v2);
      assert.equal(byVersion.v1.errors + byVersion.v2.errors, errors);
      assert.equal(byVersion.v1.latencyCount + byVersion.v2.latencyCount, 3000);

      // Feature values: aggregates equal the inputs'.
      const dist = await service.store.numericAggregate({ model: 'flights', column: 'distance', ...ALL_TIME });
      assert.equal(dist.count, 3000);
      assert.equal(dist.sum, inputs.reduce((a, x) => a + x.distance, 0));
      const hour = await service.store.numericAggregate({ model: 'flights', column: 'hour', ...ALL_TIME });
      assert.equal(hour.nulls, inputs.filter((x) => x.hour === null).length);
      const origin = await service.store.categoryCounts({ model: 'flights', column: 'origin', ...ALL_TIME, topK: 50 });
      for (const { value: v, count } of origin.top) assert.equal(count, inputs.filter((x) => x.origin === v).length, String(v));
      const preds = await service.store.categoryCounts({ model: 'flights', column: 'delayed', ...ALL_TIME, topK: 5 });
      const ok = inputs.filter((x) => !failing(x)).map(flightModel);
      for (const { value: v, count } of preds.top) assert.equal(count, ok.filter((o) => String(o.prediction) === String(v)).length);

      // Feedback for every id joins every stored event: the stored ids are exactly the sent ones.
      exporter.sendFeedback(
        'flights',
        inputs.map((x) => ({ id: x.id, target: x.hour !== null && x.hour > 17 ? 1 : 0 })),
      );
      assert.equal(await exporter.flush(), true);
      const fb = exporter.stats().find((s) => s.kind === 'feedback')!;
      assert.deepEqual({ sent: fb.sent, failed: fb.failed, dropped: fb.dropped }, { sent: 3000, failed: 0, dropped: 0 });
      const labelled = await service.store.labelledRows({ model: 'flights', ...ALL_TIME, limit: 100_000 });
      assert.equal(labelled.total, 3000);
      assert.equal(labelled.labelled, 3000);

      // The exporter's own metrics say the same.
      const s = parseExposition(await registry.metrics());
      assert.equal(value(s, 'modelwatch_exporter_sent_total', { model: 'flights', kind: 'events' }), 3000);
      assert.equal(value(s, 'modelwatch_exporter_sent_total', { model: 'flights', kind: 'feedback' }), 3000);
      assert.equal(value(s, 'modelwatch_exporter_queue_size', { model: 'flights', kind: 'events' }), 0);
      assert.equal(find(s, 'modelwatch_exporter_failed_total').filter((x) => x.value > 0).length, 0);

      // gzip in `auto` mode: used if and only if the service reads gzip bodies (probed directly here).
      const probe = await fetch(`${service.url}/v1/models/flights/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
        body: gzipSync(`{"id":"probe","ts":${Date.now()},"version":"v1","features":{}}\n`),
      });
      await probe.text();
      assert.equal(exporter.useGzip, probe.ok);
      await exporter.close();
      assertAccounted(exporter);
    } finally {
      await service.close();
      cleanup();
    }
  });

  test('the service goes away and comes back: the app never sees an error, the queue stays bounded, every event is delivered or counted as dropped', async () => {
    const { dir, cleanup } = tempDir();
    const port = await freePort();
    let service = await startService(dir, port);
    try {
      await registerModel(service.url!, 'flights', { task: 'binary', versions: ['v1'], schema: FLIGHTS_SCHEMA });
      const registry = new Registry();
      const maxQueue = 400;
      const batchSize = 50;
      const exporter = new Exporter({
        format,
        url: service.url!,
        registry,
        batchSize,
        maxQueue,
        flushIntervalMs: 10,
        retry: { initialDelayMs: 10, maxDelayMs: 100, maxAttempts: 100_000 },
        requestTimeoutMs: 2000,
        logger: false,
      });
      const predict = wrap(flightModel, { model: 'flights', registry, exporter, processMetrics: false, task: 'binary', features: FEATURES, depsHash: 'test' });
      const inputs = inputsOf(6000, 11, 'x');
      let maxSeen = 0;
      let i = 0;
      const traffic = async (n: number) => {
        for (const end = i + n; i < end; i++) {
          const out = predict(inputs[i]); // must never throw
          assert.equal(typeof out.prediction, 'number');
          const st = exporter.stats()[0];
          maxSeen = Math.max(maxSeen, st.queued);
          assert.ok(st.queued <= maxQueue && st.inFlight <= batchSize, `bounded: ${JSON.stringify(st)}`);
          if (i % 100 === 0) await sleep(2);
        }
      };
      await traffic(1000);
      await waitFor(() => exporter.stats()[0].sent > 0, 'first deliveries');

      // The service goes away (graceful stop, then nothing listens on the port).
      await service.close();
      await traffic(3000);
      const away = exporter.stats()[0];
      assert.ok(away.dropped > 0, 'the ring overflowed while the service was away');
      assert.equal(maxSeen, maxQueue);

      // It comes back on the same data and port.
      service = await startService(dir, port);
      await traffic(2000);
      assert.equal(await exporter.flush(15_000), true);
      await exporter.close();
      const st = exporter.stats()[0];
      assert.equal(st.pushed, 6000);
      assert.equal(st.failed, 0);
      assert.equal(st.sent + st.dropped, 6000);
      assertAccounted(exporter);
      const stored = await service.store.eventCounts({ model: 'flights', ...ALL_TIME });
      assert.equal(stored[0].events, st.sent, 'stored exactly what was acknowledged');
      const s = parseExposition(await registry.metrics());
      assert.equal(value(s, 'modelwatch_exporter_dropped_total', { model: 'flights', kind: 'events', reason: 'overflow' }), st.dropped);
      assert.ok(value(s, 'modelwatch_exporter_retries_total', { model: 'flights', kind: 'events' }) > 0);
    } finally {
      await service.close();
      cleanup();
    }
  });

  test('a short outage within the queue bound loses nothing: retries deliver every event once', async () => {
    const { dir, cleanup } = tempDir();
    const port = await freePort();
    let service = await startService(dir, port);
    try {
      await registerModel(service.url!, 'flights', { task: 'binary', versions: ['v1'], schema: FLIGHTS_SCHEMA });
      const exporter = new Exporter({ format, url: service.url!, registry: new Registry(), batchSize: 20, maxQueue: 1000, flushIntervalMs: 10, retry: { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: 100_000 }, logger: false });
      const monitor = new ModelMonitor({ model: 'flights', exporter, registry: new Registry(), processMetrics: false, features: FEATURES, depsHash: 't' });
      const inputs = inputsOf(600, 5, 's');
      for (const x of inputs.slice(0, 200)) monitor.record({ id: x.id, features: x, prediction: 1 });
      assert.equal(await exporter.flush(), true);
      await service.close();
      for (const x of inputs.slice(200, 500)) monitor.record({ id: x.id, features: x, prediction: 1 });
      await sleep(200); // sends fail meanwhile
      assert.ok(exporter.stats()[0].queued + exporter.stats()[0].inFlight === 300);
      service = await startService(dir, port);
      for (const x of inputs.slice(500)) monitor.record({ id: x.id, features: x, prediction: 1 });
      await exporter.close();
      const st = exporter.stats()[0];
      assert.deepEqual({ sent: st.sent, dropped: st.dropped, failed: st.failed }, { sent: 600, dropped: 0, failed: 0 });
      assert.equal((await service.store.eventCounts({ model: 'flights', ...ALL_TIME }))[0].events, 600);
    } finally {
      await service.close();
      cleanup();
    }
  });

  test('close() flushes; with the service down it gives up after closeTimeoutMs and counts the rest as dropped', async () => {
    const { dir, cleanup } = tempDir();
    const service = await startService(dir);
    try {
      await registerModel(service.url!, 'flights', { task: 'binary', versions: ['v1'], schema: FLIGHTS_SCHEMA });
      const exporter = new Exporter({ format, url: service.url!, registry: new Registry(), batchSize: 10_000, flushIntervalMs: 60_000 });
      const monitor = new ModelMonitor({ model: 'flights', exporter, registry: new Registry(), processMetrics: false, features: FEATURES, depsHash: 't' });
      for (const x of inputsOf(700, 3, 'c')) monitor.record({ id: x.id, features: x, prediction: 1 });
      // Nothing was sent yet (large batch, long interval): close() must send it.
      assert.equal(exporter.stats()[0].sent, 0);
      await exporter.close();
      assert.equal(exporter.stats()[0].sent, 700);
      assert.equal((await service.store.eventCounts({ model: 'flights', ...ALL_TIME }))[0].events, 700);
      monitor.record({ prediction: 1 });
      assert.equal(exporter.stats()[0].dropped, 1, 'after close: dropped (reason closed)');
    } finally {
      await service.close();
      cleanup();
    }
    const down = new Exporter({ format, url: `http://127.0.0.1:${await freePort()}`, registry: new Registry(), closeTimeoutMs: 300, logger: false, retry: { initialDelayMs: 20 } });
    down.sendEvent('m', { id: 1, ts: Date.now(), features: {} });
    const t0 = Date.now();
    await down.close();
    assert.ok(Date.now() - t0 < 5000);
    assert.deepEqual(
      (({ pushed, sent, dropped }) => ({ pushed, sent, dropped }))(down.stats()[0]),
      { pushed: 1, sent: 0, dropped: 1 },
    );
  });
});
}

describe('exporter and modelwatch serve', () => {
  test('SIGTERM with handleSignals: the application process flushes its queue to the service and exits', async () => {
    const { dir, cleanup } = tempDir();
    const service = await startService(dir);
    try {
      await registerModel(service.url!, 'flights', { task: 'binary', versions: ['v1'], schema: FLIGHTS_SCHEMA });
      const app = fileURLToPath(new URL('./fixtures/sigterm-app.ts', import.meta.url));
      const root = fileURLToPath(new URL('../../..', import.meta.url));
      const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', app, service.url!, '1234'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      await waitFor(() => out.includes('recorded 1234'), `the app to record (stderr: ${err})`, 60_000);
      child.kill('SIGTERM');
      const { signal } = await exited;
      // No other SIGTERM listener: the signal is raised again after the flush, so the process ends as SIGTERM would end it.
      assert.equal(signal, 'SIGTERM');
      assert.equal((await service.store.eventCounts({ model: 'flights', ...ALL_TIME }))[0].events, 1234);
    } finally {
      await service.close();
      cleanup();
    }
  });
});

for (const format of FORMATS) {
describe(`exporter protocol (${format})`, () => {
  test('batches are gzip bodies (columnar batch or NDJSON) with the event fields, the bearer token and the model in the path', async () => {
    const peer = await scripted(() => ({ status: 200 }));
    const exporter = new Exporter({ format, url: peer.url + '/', token: 's3cret', registry: new Registry(), compression: 'gzip', batchSize: 3, flushIntervalMs: 10 });
    const predict = wrap((x: { a: number; c: string }) => ({ prediction: 'yes', scores: { yes: 0.75 } }), {
      model: 'm-1',
      version: 'v9',
      exporter,
      registry: new Registry(),
      processMetrics: false,
      features: ['a', 'c'],
      idOf: ([x]) => `id-${x.a}`,
      tagsOf: () => ({ channel: 'web' }),
      depsHash: 't',
    });
    const before = Date.now();
    predict({ a: 1, c: 'x' });
    predict({ a: 2, c: 'y' });
    predict({ a: 3, c: 'z' });
    await exporter.close();
    assert.equal(peer.requests.length, 1);
    const [r] = peer.requests;
    assert.equal(r.url, '/v1/models/m-1/events');
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers['content-type'], format === 'batch' ? BATCH : 'application/x-ndjson');
    assert.equal(r.headers.authorization, 'Bearer s3cret');
    const lines = r.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map(({ ts, latency_ms, ...rest }) => rest),
      [1, 2, 3].map((a) => ({ id: `id-${a}`, version: 'v9', features: { a, c: ['x', 'y', 'z'][a - 1] }, prediction: 'yes', scores: { yes: 0.75 }, tags: { channel: 'web' } })),
    );
    for (const l of lines) {
      assert.ok(typeof l.ts === 'number' && l.ts >= before - 5 && l.ts <= Date.now() + 5, `event time ${String(l.ts)}`);
      assert.ok(typeof l.latency_ms === 'number' && l.latency_ms >= 0);
    }
  });

  test('event times: tsOf (wrap, router, Fastify, Express) and record({ ts }) set them; none or an invalid one is the call\'s time, logged', async () => {
    const peer = await scripted(() => ({ status: 200 }));
    const exporter = new Exporter({ format, url: peer.url, registry: new Registry(), batchSize: 1000, flushIntervalMs: 60_000, logger: false });
    const warnings: string[] = [];
    const logger = { warn: (_o: object, msg: string) => warnings.push(msg), info: () => {}, error: () => {} };
    const monitor = new ModelMonitor({ model: 'times', exporter, registry: new Registry(), processMetrics: false, depsHash: 't', logger });
    type In = { id: string; at?: unknown };
    const predict = monitor.wrap((x: In) => ({ prediction: 1 }), { idOf: ([x]) => x.id, tsOf: ([x]) => x.at as number | string | Date | undefined });
    const routed = router<[In], { prediction: number }>({
      model: 'times',
      exporter,
      registry: new Registry(),
      processMetrics: false,
      depsHash: 't',
      versions: { r1: { predict: () => ({ prediction: 0 }), weight: 1 } },
      idOf: ([x]) => x.id,
      tsOf: ([x], result) => (result === undefined ? undefined : (x.at as number)),
    });
    const t0 = Date.now();
    predict({ id: 'number', at: 981_000_000_000 });
    predict({ id: 'iso', at: '2001-02-03T04:05:06Z' });
    predict({ id: 'date', at: new Date(Date.UTC(2001, 5, 1)) });
    predict({ id: 'none' });
    predict({ id: 'nan', at: NaN });
    predict({ id: 'bad-date', at: new Date('x') });
    predict({ id: 'object', at: {} });
    routed({ id: 'routed', at: 990_000_000_000 });
    monitor.record({ id: 'record', ts: '2001-03-01T00:00:00.000Z', prediction: 1 });
    monitor.record({ id: 'record-now', prediction: 1 });

    const app = Fastify();
    await app.register(modelwatchFastify, { monitor });
    app.post('/p', { config: { modelwatch: { idOf: (r) => (r.body as In).id, tsOf: (r) => (r.body as In).at as number } } }, async () => ({ prediction: 1 }));
    await app.inject({ method: 'POST', url: '/p', payload: { id: 'fastify', at: 970_000_000_000 } });
    await app.close();

    const eapp = express();
    eapp.use(express.json());
    eapp.post('/p', modelwatchExpress(monitor, { idOf: (req) => (req.body as In).id, tsOf: (req) => (req.body as In).at as string }), (_req, res) => {
      res.json({ prediction: 1 });
    });
    const server = await new Promise<Server>((resolve) => {
      const srv = eapp.listen(0, '127.0.0.1', () => resolve(srv));
    });
    const port = (server.address() as { port: number }).port;
    await fetch(`http://127.0.0.1:${port}/p`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'express', at: '2001-04-01T00:00:00Z' }) });
    await new Promise<void>((resolve) => server.close(() => resolve()));

    await exporter.close();
    const t1 = Date.now();
    const ts = Object.fromEntries(
      peer.requests
        .flatMap((r) => r.body.trim().split('\n'))
        .map((l) => JSON.parse(l) as { id: string; ts: unknown })
        .map((e) => [e.id, e.ts]),
    );
    assert.deepEqual(
      { number: ts.number, iso: ts.iso, date: ts.date, routed: ts.routed, record: ts.record, fastify: ts.fastify, express: ts.express },
      { number: 981_000_000_000, iso: '2001-02-03T04:05:06Z', date: Date.UTC(2001, 5, 1), routed: 990_000_000_000, record: '2001-03-01T00:00:00.000Z', fastify: 970_000_000_000, express: '2001-04-01T00:00:00Z' },
    );
    for (const id of ['none', 'nan', 'bad-date', 'object', 'record-now']) {
      assert.ok(typeof ts[id] === 'number' && (ts[id] as number) >= t0 - 5 && (ts[id] as number) <= t1 + 5, `${id}: the call's time (got ${String(ts[id])})`);
    }
    assert.equal(warnings.length, 1, 'invalid event times are logged (rate-limited: once)');
    assert.match(warnings[0], /tsOf/);
  });

  test('default compression: identity to a service on this machine (loopback), auto (gzip) elsewhere', async () => {
    const peer = await scripted(() => ({ status: 200 }));
    const local = new Exporter({ format, url: peer.url, registry: new Registry(), batchSize: 2, flushIntervalMs: 10, logger: false });
    for (let i = 0; i < 4; i++) local.sendEvent('m', { id: i, ts: Date.now(), features: { i } });
    await local.close();
    assert.equal(peer.requests.length, 2);
    assert.deepEqual(peer.requests.map((r) => r.headers['content-encoding']), [undefined, undefined], 'no gzip to 127.0.0.1');
    for (const url of ['http://localhost:1', 'http://127.8.9.10:1', 'http://[::1]:1', 'http://API.localhost:1']) {
      assert.equal(new Exporter({ url, registry: new Registry(), logger: false }).useGzip, false, url);
    }
    for (const url of ['http://10.0.0.1:1', 'https://modelwatch.example.com', 'http://127.0.0.1.example.com:1']) {
      assert.equal(new Exporter({ url, registry: new Registry(), logger: false }).useGzip, true, url);
    }
    assert.equal(new Exporter({ url: peer.url, registry: new Registry(), logger: false, compression: 'gzip' }).useGzip, true, 'an explicit choice wins');
  });

  test('auto compression: a service answering 415 to gzip gets the batch again uncompressed, and identity from then on', async () => {
    const peer = await scripted((_n, r) => (r.headers['content-encoding'] === 'gzip' ? { status: 415 } : { status: 200 }));
    const exporter = new Exporter({ format, url: peer.url, registry: new Registry(), batchSize: 2, flushIntervalMs: 10, logger: false, compression: 'auto' });
    for (let i = 0; i < 6; i++) exporter.sendEvent('m', { id: i, ts: Date.now(), features: { i } });
    await exporter.close();
    assert.deepEqual(
      peer.requests.map((r) => r.headers['content-encoding'] ?? 'identity'),
      ['gzip', 'identity', 'identity', 'identity'],
    );
    assert.equal(exporter.stats()[0].sent, 6);
    assert.equal(exporter.useGzip, false);
  });

  test('429 with Retry-After is honoured; 5xx and network errors are retried; other 4xx are counted as failed, not retried', async () => {
    const peer = await scripted((n, r) => {
      const first = JSON.parse(r.body.split('\n')[0]) as { id: string };
      if (first.id === 'busy' && n === 1) return { status: 429, headers: { 'retry-after': '1' } };
      if (first.id === 'flaky' && n <= 4) return { status: 503 };
      if (first.id === 'bad') return { status: 400 };
      if (first.id === 'unknown') return { status: 404 };
      if (first.id === 'partial') return { status: 200, body: { accepted: 1, rejectedCount: 1, rejected: [{ index: 1, field: 'ts', reason: 'invalid_ts', message: 'bad ts' }] } };
      return { status: 200 };
    });
    const registry = new Registry();
    const logs: string[] = [];
    const exporter = new Exporter({ format, url: peer.url, registry, batchSize: 1000, flushIntervalMs: 60_000, compression: 'identity', retry: { initialDelayMs: 5 }, logger: { warn: (_o, msg) => logs.push(msg ?? '') } });
    const send = async (id: string, n = 1) => {
      exporter.sendEvent('m', Array.from({ length: n }, () => ({ id, ts: Date.now(), features: {} })));
      await exporter.flush(10_000);
    };
    await send('busy');
    assert.equal(peer.requests.length, 2);
    assert.ok(peer.requests[1].at - peer.requests[0].at >= 950, `waited ${peer.requests[1].at - peer.requests[0].at} ms after Retry-After: 1`);
    await send('flaky');
    assert.equal(peer.requests.length, 5);
    await send('bad', 3);
    assert.equal(peer.requests.length, 6, '400 is not retried');
    await send('unknown', 2);
    assert.equal(peer.requests.length, 7, '404 is not retried');
    assert.ok(logs.some((l) => l.includes('register it with PUT /v1/models/m')));
    await send('partial', 2);
    const st = exporter.stats()[0];
    assert.deepEqual({ sent: st.sent, failed: st.failed, dropped: st.dropped }, { sent: 1 + 1 + 1, failed: 3 + 2 + 1, dropped: 0 });
    const s = parseExposition(await registry.metrics());
    assert.equal(value(s, 'modelwatch_exporter_failed_total', { reason: 'bad_request' }), 3);
    assert.equal(value(s, 'modelwatch_exporter_failed_total', { reason: 'not_found' }), 2);
    assert.equal(value(s, 'modelwatch_exporter_failed_total', { reason: 'rejected' }), 1);
    assert.equal(value(s, 'modelwatch_exporter_retries_total', {}), 1 + 2);
    await exporter.close();
  });

  test('a batch that keeps failing is dropped after maxAttempts (backoff grows)', async () => {
    const peer = await scripted(() => ({ status: 500 }));
    const exporter = new Exporter({ format, url: peer.url, registry: new Registry(), batchSize: 10, flushIntervalMs: 10, retry: { initialDelayMs: 10, maxDelayMs: 80, maxAttempts: 5 }, logger: false });
    exporter.sendEvent('m', { id: 'x', ts: Date.now(), features: {} });
    await waitFor(() => exporter.stats()[0].dropped === 1, 'the batch to be given up');
    assert.equal(peer.requests.length, 5);
    const gaps = peer.requests.slice(1).map((r, i) => r.at - peer.requests[i].at);
    // Equal jitter: attempt k waits between half and all of min(80, 10·2^(k-1)) ms.
    [10, 20, 40, 80].forEach((d, k) => assert.ok(gaps[k] >= d / 2 - 2, `gap ${k}: ${gaps[k]} ms, expected ≥ ${d / 2}`));
    await exporter.close();
  });

  test('sampling by id hash: the kept events are exactly those with hash32(id) < rate·2³², feedback follows them', async () => {
    const peer = await scripted(() => ({ status: 200 }));
    const exporter = new Exporter({ format, url: peer.url, registry: new Registry(), batchSize: 5000, flushIntervalMs: 10, sampleRate: 0.3, compression: 'identity' });
    const monitor = new ModelMonitor({ model: 'm', exporter, registry: new Registry(), processMetrics: false, depsHash: 't' });
    const ids = Array.from({ length: 4000 }, (_, i) => `u${i}`);
    for (const id of ids) monitor.record({ id, prediction: 1 });
    exporter.sendFeedback('m', ids.map((id) => ({ id, target: 1 })));
    await exporter.close();
    const expected = ids.filter((id) => hash32(id) < 0.3 * 2 ** 32);
    const sentIds = (path: string) =>
      peer.requests
        .filter((r) => r.url.endsWith(path))
        .flatMap((r) => r.body.trim().split('\n'))
        .map((l) => (JSON.parse(l) as { id: string }).id);
    assert.deepEqual(sentIds('/events'), expected);
    assert.deepEqual(sentIds('/feedback'), expected);
    assert.ok(Math.abs(expected.length - 1200) <= 5 * Math.sqrt(4000 * 0.3 * 0.7));
    const ev = exporter.stats().find((s) => s.kind === 'events')!;
    assert.equal(ev.sampledOut, 4000 - expected.length);
  });

  test('records that cannot be serialised are counted as failed; the rest of the batch is sent', async () => {
    const peer = await scripted(() => ({ status: 200 }));
    const warnings: { fields: object; msg: string }[] = [];
    const logger = { warn: (fields: object, msg?: string) => warnings.push({ fields, msg: msg ?? '' }) };
    const exporter = new Exporter({ format, url: peer.url, registry: new Registry(), batchSize: 3, flushIntervalMs: 10, logger });
    const monitor = new ModelMonitor({ model: 'm', exporter, registry: new Registry(), processMetrics: false, depsHash: 't' });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    monitor.record({ features: { a: 1 }, prediction: 1 });
    monitor.record({ features: cyclic, prediction: 1 });
    monitor.record({ features: { big: 10n }, prediction: 1 });
    await exporter.close();
    const st = exporter.stats()[0];
    assert.deepEqual({ sent: st.sent, failed: st.failed }, { sent: 1, failed: 2 });
    assert.equal(peer.requests[0].body.trim().split('\n').length, 1);
    // The warning says why, from the first record skipped (the cycle).
    const skipped = warnings.filter((w) => w.msg.includes('cannot be sent'));
    assert.equal(skipped.length, 1, JSON.stringify(warnings));
    assert.match(skipped[0].msg, /circular/i);
    assert.equal((skipped[0].fields as { records?: number }).records, 2);
  });

  test('the body is exactly the records as JSON.stringify writes them, one per line (any Unicode, long records, Date times as epoch ms; gzip and identity)', async () => {
    const peer = await scripted(() => ({ status: 200 }));
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', maxLength: 3000 }), fc.constantFrom('\ud800', 'x\udfffy', 'a\ud83d\ude00b', 'é"\\\n\u0000\u2028'));
    const record = fc.record(
      {
        id: fc.oneof(text, fc.integer()),
        ts: fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })),
        version: text,
        features: fc.dictionary(text, fc.oneof(fc.jsonValue(), text, fc.constant(undefined)), { maxKeys: 8 }),
        prediction: fc.jsonValue({ maxDepth: 2 }),
        tags: fc.dictionary(text, text, { maxKeys: 3 }),
      },
      { requiredKeys: ['id', 'ts', 'features'] },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 25 }), fc.constantFrom<'gzip' | 'identity'>('gzip', 'identity'), async (records, batchSize, compression) => {
        const model = `prop-${run++}`;
        const exporter = new Exporter({ format, url: peer.url, registry: new Registry(), batchSize, flushIntervalMs: 5, compression, logger: false });
        exporter.sendEvent(model, records);
        await exporter.close();
        const bodies = peer.requests.filter((r) => r.url === `/v1/models/${model}/events`);
        assert.equal(bodies.length, Math.ceil(records.length / batchSize));
        for (const r of bodies) assert.equal(r.headers['content-encoding'], compression === 'gzip' ? 'gzip' : undefined);
        const expected = records.map((e) => JSON.stringify(e.ts instanceof Date ? { ...e, ts: e.ts.getTime() } : e) + '\n').join('');
        assert.equal(bodies.map((r) => r.body).join(''), expected);
        assert.deepEqual(exporter.stats().map((st) => [st.sent, st.failed, st.dropped]), [[records.length, 0, 0]]);
      }),
      { numRuns: 60 },
    );
  });
});
}

describe('exporter units', () => {
  test('auto format: a service answering 415 to batches gets every event as NDJSON, the refused and queued batches re-sent, NDJSON for good', async () => {
    const peer = await scripted((_n, r) => (r.headers['content-type'] === BATCH ? { status: 415 } : { status: 200 }));
    const exporter = new Exporter({ url: peer.url, registry: new Registry(), batchSize: 7, maxQueue: 1000, flushIntervalMs: 10, logger: false });
    const monitor = new ModelMonitor({ model: 'old', exporter, registry: new Registry(), processMetrics: false, features: FEATURES, depsHash: 't' });
    const inputs = inputsOf(100, 3, 'o');
    // 60 events in one turn: several batches are queued when the first is refused.
    for (const x of inputs.slice(0, 60)) monitor.record({ id: x.id, features: x, prediction: 1 });
    const ready = { id: 'ready-made', ts: 981_000_000_000, version: 'v0', features: { hour: 1, origin: 'ORD' } };
    exporter.sendEvent('old', ready);
    await waitFor(() => peer.requests.length >= 2, 'the refusal and the first NDJSON batch');
    assert.equal(exporter.useBatch, false);
    for (const x of inputs.slice(60)) monitor.record({ id: x.id, features: x, prediction: 1 });
    exporter.sendEvent('other', { id: 'later', ts: 981_000_000_000, features: {} });
    await exporter.close();
    assert.deepEqual(peer.requests.map((r) => r.headers['content-type']).filter((t) => t === BATCH).length, 1, 'one batch, refused');
    assert.equal(peer.requests[0].headers['content-type'], BATCH);
    const sent = peer.requests.slice(1).filter((r) => r.url === '/v1/models/old/events');
    for (const r of sent) assert.equal(r.headers['content-type'], 'application/x-ndjson');
    const records = sent.flatMap((r) => r.body.trim().split('\n')).map((l) => JSON.parse(l) as { id: string; features: Record<string, unknown>; prediction?: unknown });
    assert.deepEqual(records.map((r) => r.id), [...inputs.slice(0, 60).map((x) => x.id), 'ready-made', ...inputs.slice(60).map((x) => x.id)], 'every event once, in order');
    for (const r of records.filter((x) => x.id !== 'ready-made')) {
      const x = inputs.find((i) => i.id === r.id)!;
      assert.deepEqual(r.features, x);
      assert.equal(r.prediction, 1);
    }
    assert.equal(sent.flatMap((r) => r.body.trim().split('\n')).find((l) => l.includes('ready-made')), JSON.stringify(ready));
    const other = peer.requests.filter((r) => r.url === '/v1/models/other/events');
    assert.deepEqual(other.map((r) => r.headers['content-type']), ['application/x-ndjson'], 'a model added later starts with NDJSON');
    const st = exporter.stats().find((x) => x.model === 'old')!;
    assert.deepEqual({ pushed: st.pushed, sent: st.sent, failed: st.failed, dropped: st.dropped }, { pushed: 101, sent: 101, failed: 0, dropped: 0 });
  });

  test('a send forced by the flush timer or flush() takes one partial batch: under steady traffic the next batches leave full', async () => {
    // A peer that holds its answers until released, so that records pile up while a batch is in flight.
    const held: (() => void)[] = [];
    const sizes: number[] = [];
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = ndjsonOf(req.headers, Buffer.concat(chunks)).split('\n').filter(Boolean).length;
        sizes.push(n);
        held.push(() => res.end(JSON.stringify({ accepted: n, rejectedCount: 0, rejected: [] })));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;
    const exporter = new Exporter({ url: `http://127.0.0.1:${port}`, registry: new Registry(), batchSize: 100, flushIntervalMs: 3_600_000, logger: false });
    const send = (from: number, n: number) => exporter.sendEvent('m', Array.from({ length: n }, (_, i) => ({ id: `e${from + i}`, ts: 1, features: {} })));
    send(0, 5);
    // flush() forces a send of the 5; its answer is held, so flush gives up after its timeout (the send goes on).
    const flushed = exporter.flush(500);
    await waitFor(() => held.length === 1, 'the partial batch');
    assert.equal(await flushed, false);
    send(5, 250);
    held.shift()!();
    // The loop goes on with full batches only: 100 and 100; the other 50 wait for the next tick (or flush/close).
    await waitFor(() => held.length === 1, 'the first full batch');
    held.shift()!();
    await waitFor(() => held.length === 1, 'the second full batch');
    held.shift()!();
    await waitFor(() => exporter.stats()[0].inFlight === 0 && exporter.stats()[0].sent === 205, 'the loop to stop');
    assert.deepEqual(sizes, [5, 100, 100]);
    assert.equal(exporter.stats()[0].queued, 50);
    const closed = exporter.close();
    await waitFor(() => held.length === 1, 'the rest, at close');
    held.shift()!();
    await closed;
    assert.deepEqual(sizes, [5, 100, 100, 50]);
    assert.equal(exporter.stats()[0].sent, 255);
  });

  test('a new batch\'s first row takes the general path at once: the rows after it stay on the fast path, even in a synchronous loop', async () => {
    const peer = await scripted(() => ({ status: 200 }));
    const exporter = new Exporter({ url: peer.url, registry: new Registry(), batchSize: 100, flushIntervalMs: 3_600_000, logger: false });
    const monitor = new ModelMonitor({ model: 'm', exporter, registry: new Registry(), processMetrics: false, depsHash: 't', features: FEATURES, task: 'binary' });
    const rec = monitor.version('v1');
    const inputs = inputsOf(350, 7, 'sync');
    const record = (x: (typeof inputs)[number]) => rec.record({ id: x.id, ts: 1e12, features: { hour: x.hour ?? 0, distance: x.distance, origin: x.origin }, ...flightModel(x) });
    // One batch sent first: the service has then accepted the batch format, so records are no longer kept.
    record(inputs[0]);
    assert.equal(await exporter.flush(), true);
    // No sends during a synchronous loop, so every batch it fills is a new one.
    let fast = 0;
    const addPrediction = EventBatch.prototype.addPrediction;
    EventBatch.prototype.addPrediction = function (this: EventBatch, ...args: Parameters<typeof addPrediction>) {
      const appended = addPrediction.apply(this, args);
      if (appended) fast++;
      return appended;
    };
    try {
      for (const x of inputs.slice(1)) record(x);
    } finally {
      EventBatch.prototype.addPrediction = addPrediction;
    }
    assert.ok(fast >= 349 - 4, `${349 - fast} of 349 rows took the general path (at most one per batch)`);
    await exporter.close();
    const rows = peer.requests.flatMap((r) => r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; features: { distance: number; origin: string } }));
    assert.deepEqual(rows.map((r) => r.id), inputs.map((x) => x.id));
    assert.deepEqual(rows.map((r) => [r.features.distance, r.features.origin]), inputs.map((x) => [x.distance, x.origin]));
    assert.deepEqual(peer.requests.map((r) => r.body.split('\n').filter(Boolean).length), [1, 100, 100, 100, 49]);
  });

  test('flush(0) still starts the sends (and resolves without waiting for them)', async () => {
    const peer = await scripted(() => ({ status: 200 }));
    const exporter = new Exporter({ url: peer.url, registry: new Registry(), batchSize: 100, flushIntervalMs: 3_600_000, logger: false });
    exporter.sendEvent('m', [1, 2, 3].map((i) => ({ id: `f${i}`, ts: 1, features: {} })));
    await exporter.flush(0);
    // Nothing else would send them within the test: the batch is partial and the flush timer is an hour away.
    await waitFor(() => exporter.stats()[0].sent === 3, 'the partial batch to be sent');
    assert.equal(peer.requests.length, 1);
    await exporter.close();
  });

  test('auto format: once a batch succeeded nothing is kept, and a later 415 is a refusal like any other', async () => {
    const peer = await scripted((n) => (n === 1 ? { status: 200 } : { status: 415 }));
    const registry = new Registry();
    const exporter = new Exporter({ url: peer.url, registry, batchSize: 5, flushIntervalMs: 10, logger: false });
    const monitor = new ModelMonitor({ model: 'm', exporter, registry: new Registry(), processMetrics: false, depsHash: 't' });
    for (let i = 0; i < 5; i++) monitor.record({ id: `a${i}`, prediction: i });
    assert.equal(await exporter.flush(), true);
    for (let i = 0; i < 5; i++) monitor.record({ id: `b${i}`, prediction: i });
    await exporter.close();
    assert.deepEqual(peer.requests.map((r) => r.headers['content-type']), [BATCH, BATCH]);
    assert.equal(exporter.useBatch, true);
    const st = exporter.stats()[0];
    assert.deepEqual({ sent: st.sent, failed: st.failed }, { sent: 5, failed: 5 });
    assert.equal(value(parseExposition(await registry.metrics()), 'modelwatch_exporter_failed_total', { reason: 'unsupported_media_type' }), 5);
  });

  test('options are validated with the field named', () => {
    assert.throws(() => new Exporter({ url: 'ftp://x' }), /url: expected http: or https:/);
    assert.throws(() => new Exporter({ url: 'not a url' }), /url: not a valid URL/);
    assert.throws(() => new Exporter({ url: 'http://x', batchSize: 0 }), /batchSize: expected an integer between 1/);
    assert.throws(() => new Exporter({ url: 'http://x', sampleRate: 2 }), /sampleRate: expected a number between 0 and 1/);
    assert.throws(() => new Exporter({ url: 'http://x', compression: 'br' as never }), /compression: expected "gzip", "identity" or "auto"/);
    assert.throws(() => new Exporter({ url: 'http://x', token: 'a\nb' }), /token: expected a non-empty string without line breaks/);
    assert.throws(() => new Exporter({ url: 'http://x', format: 'csv' as never }), /format: expected "batch", "ndjson" or "auto"/);
  });

  test('Retry-After: seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1)), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });

  test('line queue: FIFO lines in batches of batchSize, the oldest dropped past maxLines, buffers grown and reused (several spares)', () => {
    const q = new LineQueue(3, 5);
    const lines = (b: { body(): Buffer } | null) => (b === null ? null : b.body().toString('utf8').split('\n').slice(0, -1));
    for (const x of ['a', 'b', 'c', 'd']) assert.equal(q.push(x), false);
    assert.equal(q.size, 4);
    assert.equal(q.push('e'), false);
    assert.equal(q.push('f'), true, 'the sixth line drops the oldest');
    assert.equal(q.push('g'), true);
    assert.equal(q.size, 5);
    const first = q.take();
    assert.deepEqual(lines(first), ['c'], 'a batch holds at most 3 lines; a and b were dropped');
    assert.equal(first!.count, 1);
    assert.deepEqual(lines(q.take()), ['d', 'e', 'f']);
    assert.equal(q.size, 1);
    q.recycle(first!);
    // Multi-byte text, long lines: the buffer grows; the partial batch is taken as it is.
    const long = 'é😀"'.repeat(5000);
    q.push(long);
    assert.deepEqual(lines(q.take()), ['g', long]);
    assert.equal(q.size, 0);
    assert.equal(q.take(), null);
    for (let i = 0; i < 4; i++) q.push(String(i));
    assert.equal(q.clear(), 4);
    assert.equal(q.size, 0);
    // Sent batches hand their buffers back: the next batches are written into them (no new memory).
    const pool = new LineQueue(2, 100);
    for (let i = 0; i < 6; i++) pool.push(`line-${i}`);
    const sent = [pool.take()!, pool.take()!, pool.take()!];
    for (const b of sent) pool.recycle(b);
    for (let i = 0; i < 6; i++) pool.push(`again-${i}`);
    const next = [pool.take()!, pool.take()!, pool.take()!];
    assert.deepEqual(next.map(lines), [['again-0', 'again-1'], ['again-2', 'again-3'], ['again-4', 'again-5']]);
    for (const b of next) assert.ok(sent.some((s) => s.buf === b.buf), 'a recycled buffer is reused');
    for (const b of next) pool.recycle(b);
    assert.equal(pool.spareCount, 3);
    pool.trimSpares(); // batches were opened since the last call: nothing goes
    assert.equal(pool.spareCount, 3);
    pool.trimSpares();
    pool.trimSpares();
    pool.trimSpares();
    assert.equal(pool.spareCount, 1, 'idle: one spare goes per call, one is kept');
    // Dropping every line of the oldest batch removes it.
    const r = new LineQueue(2, 2);
    for (const x of ['1', '2', '3', '4', '5']) r.push(x);
    assert.deepEqual(lines(r.take()), ['4']);
    assert.deepEqual(lines(r.take()), ['5']);
  });
});
