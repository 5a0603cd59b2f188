/**
 * The HTTP API through `fastify.inject`: models, events, feedback, errors,
 * limits, backpressure, authentication, metrics and the OpenAPI document.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBStore, createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchServer, Store } from '../src/index.js';
import { SCHEMA, T0, event, tempDir } from './helpers/fixtures.js';

type Inject = ModelwatchServer['app']['inject'];

function json(res: Awaited<ReturnType<Inject>>): any {
  assert.match(String(res.headers['content-type']), /application\/json/);
  return JSON.parse(res.body);
}

/** Asserts the uniform error body and returns it. */
function errorBody(res: Awaited<ReturnType<Inject>>, status: number, code: string) {
  assert.equal(res.statusCode, status, res.body);
  const body = json(res);
  assert.equal(body.error, code);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
  return body;
}

async function server(dir: string, raw: Record<string, unknown> = {}, store?: Store): Promise<ModelwatchServer> {
  const config = resolveConfig({ ...raw, server: { dataDir: dir, ...((raw.server as object) ?? {}) } }, { baseDir: dir, env: { MW_TOKEN: 'read-token-0123456789' } });
  return createServer({ config, defaultMetrics: false, store });
}

describe('HTTP API', () => {
  const tmp = tempDir();
  let s: ModelwatchServer;
  before(async () => {
    s = await server(tmp.dir, { server: { bodyLimit: '64kb', maxVersionLabels: 2, maxRecordsPerRequest: 50 } });
  });
  after(async () => {
    await s.close();
    tmp.cleanup();
  });

  test('PUT /v1/models/{model} creates, then updates; GET lists and reads', async () => {
    let res = await s.app.inject({ method: 'PUT', url: '/v1/models/fraud', payload: { schema: SCHEMA, versions: ['v1'] } });
    assert.equal(res.statusCode, 201);
    const created = json(res);
    assert.equal(created.name, 'fraud');
    assert.equal(created.task, 'binary');
    assert.deepEqual(created.versions, ['v1']);
    assert.equal(created.generation, 1);
    assert.ok(!Number.isNaN(Date.parse(created.createdAt)));
    res = await s.app.inject({ method: 'PUT', url: '/v1/models/fraud', payload: { task: 'binary', schema: SCHEMA, versions: ['v1', 'v2'] } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res).versions, ['v1', 'v2']);
    res = await s.app.inject({ method: 'GET', url: '/v1/models' });
    assert.ok(json(res).models.some((m: { name: string }) => m.name === 'fraud'));
    res = await s.app.inject({ method: 'GET', url: '/v1/models/fraud' });
    assert.deepEqual(json(res).schema.columns, SCHEMA.columns);
    errorBody(await s.app.inject({ method: 'GET', url: '/v1/models/nope' }), 404, 'model_not_found');
  });

  test('model names and schemas are validated with paths in the details', async () => {
    errorBody(await s.app.inject({ method: 'PUT', url: '/v1/models/-bad', payload: { schema: SCHEMA } }), 400, 'bad_request');
    errorBody(await s.app.inject({ method: 'PUT', url: `/v1/models/${'x'.repeat(129)}`, payload: { schema: SCHEMA } }), 400, 'bad_request');
    let body = errorBody(
      await s.app.inject({
        method: 'PUT',
        url: '/v1/models/m1',
        payload: { schema: { columns: [{ name: 'a', kind: 'numeric', role: 'feature' }, { name: 'a', kind: 'float', role: 'feature' }, { name: 'b\u0001', kind: 'numeric', role: 'feature' }] } },
      }),
      400,
      'invalid_schema',
    );
    assert.deepEqual(body.details, [
      { path: 'schema.columns[1].name', message: 'duplicate column "a"' },
      { path: 'schema.columns[1].kind', message: 'must be one of numeric, categorical, boolean, datetime, text (got "float")' },
      { path: 'schema.columns[2].name', message: 'must not contain control characters' },
    ]);
    body = errorBody(
      await s.app.inject({
        method: 'PUT',
        url: '/v1/models/m1',
        payload: { schema: { columns: [{ name: 'a', kind: 'numeric', role: 'score', scoreOf: { x: 1 } }], positiveLabel: [1] } },
      }),
      400,
      'invalid_schema',
    );
    assert.deepEqual(body.details.map((d: { path: string }) => d.path), ['schema.columns[0].scoreOf', 'schema.positiveLabel']);
    // Unknown fields are not stored.
    const stored = json(
      await s.app.inject({
        method: 'PUT',
        url: '/v1/models/m2',
        payload: { schema: { columns: [{ name: 'a', kind: 'numeric', role: 'feature', junk: { deep: [1, 2] }, description: 'A' }], extra: 1 } },
      }),
    );
    assert.deepEqual(stored.schema, { columns: [{ name: 'a', kind: 'numeric', role: 'feature', description: 'A' }] });
    body = errorBody(await s.app.inject({ method: 'PUT', url: '/v1/models/m1', payload: { schema: SCHEMA, task: 'regression' } }), 400, 'invalid_schema');
    assert.equal(body.details[0].path, 'task');
    body = errorBody(await s.app.inject({ method: 'PUT', url: '/v1/models/m1', payload: { schema: SCHEMA, colour: 1, versions: 'v1' } }), 400, 'bad_request');
    assert.deepEqual(
      body.details.map((d: { path: string }) => d.path),
      ['colour', 'versions'],
    );
    errorBody(await s.app.inject({ method: 'PUT', url: '/v1/models/m1', payload: '{"schema":' , headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
  });

  test('POST events: JSON array, accepted and rejected records, data quality, committed before the response', async () => {
    const records = [
      event(1),
      event(2, { features: { amount: 'twelve', country: 'NL', is_new: true, signup: T0, surprise: 1 } }),
      event(3, { ts: 'yesterday' }),
      'not an object',
      event(5, { features: [1, 2] }),
      event(6, { id: '' }),
      event(7, { latency_ms: -1 }),
      event(8, { version: undefined }),
    ];
    const res = await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', payload: records });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.equal(body.accepted, 2);
    assert.equal(body.inserted, 2);
    assert.equal(body.duplicates, 0);
    assert.equal(body.rejectedCount, 6);
    assert.deepEqual(
      body.rejected.map((r: { index: number; field: string; reason: string }) => [r.index, r.field, r.reason]),
      [
        [2, 'ts', 'invalid_ts'],
        [3, '', 'not_object'],
        [4, 'features', 'invalid_features'],
        [5, 'id', 'invalid_id'],
        [6, 'latency_ms', 'invalid_latency'],
        [7, 'version', 'missing_version'],
      ],
    );
    assert.equal(body.dataQuality.typeViolations, 1);
    assert.deepEqual(body.dataQuality.typeViolationColumns, ['amount']);
    assert.deepEqual(body.dataQuality.unknownColumns, ['surprise']);
    // 200 means committed: the events are visible to a query right away.
    const bounds = await s.store.eventTimeBounds('fraud');
    assert.equal(bounds.events, 2);
  });

  test('POST events: NDJSON with a bad line rejects that line only; re-sending is idempotent', async () => {
    const lines = [JSON.stringify(event(10)), '{"id": "e11", oops', '', JSON.stringify(event(12)), '  '].join('\r\n');
    const send = () => s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', headers: { 'content-type': 'application/x-ndjson' }, payload: lines });
    let body = json(await send());
    assert.equal(body.accepted, 2);
    assert.deepEqual(body.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason]), [[1, 'invalid_json']]);
    body = json(await send());
    assert.deepEqual([body.accepted, body.inserted, body.duplicates], [2, 0, 2]);
  });

  test('POST events: whole-request errors', async () => {
    errorBody(await s.app.inject({ method: 'POST', url: '/v1/models/nope/events', payload: [event(1)] }), 404, 'model_not_found');
    errorBody(await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', payload: { id: 1 } }), 400, 'bad_request');
    errorBody(await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', headers: { 'content-type': 'application/json' }, payload: '[{' }), 400, 'invalid_json');
    errorBody(await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', headers: { 'content-type': 'text/csv' }, payload: 'a,b' }), 415, 'unsupported_media_type');
    const all = errorBody(await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', payload: [1, 2, { id: 'x' }] }), 400, 'no_valid_records');
    assert.equal(all.details.rejectedCount, 3);
    const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => event(1000 + i)));
    errorBody(await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', headers: { 'content-type': 'application/json' }, payload: big }), 413, 'payload_too_large');
    const many = errorBody(await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', payload: Array(51).fill(1) }), 413, 'payload_too_large');
    assert.match(many.message, /at most 50 records/);
    const empty = json(await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', payload: [] }));
    assert.deepEqual([empty.accepted, empty.rejectedCount], [0, 0]);
  });

  test('POST feedback', async () => {
    let res = await s.app.inject({ method: 'POST', url: '/v1/models/fraud/feedback', payload: [{ id: 'e1', target: 1 }, { id: 'e2', target: 0, ts: T0 }, { target: 1 }] });
    const body = json(res);
    assert.deepEqual([body.accepted, body.rejectedCount, body.rejected[0].reason], [2, 1, 'missing_id']);
    const rows = await s.store.labelledRows({ model: 'fraud', from: T0, to: T0 + 3_600_000, limit: 100 });
    assert.equal(rows.labelled, 2);
    res = await s.app.inject({ method: 'POST', url: '/v1/models/fraud/feedback', headers: { 'content-type': 'application/x-ndjson' }, payload: '{"id":"e1","target":0}\n' });
    assert.equal(json(res).accepted, 1);
    errorBody(await s.app.inject({ method: 'POST', url: '/v1/models/fraud/feedback', payload: [{ id: 'e1' }] }), 400, 'no_valid_records');
  });

  test('GET /metrics exposes ingestion counters with bounded labels', async () => {
    // A third and fourth version fold into __other__ (maxVersionLabels: 2 with v1, v2 declared).
    await s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', payload: [event(50, { version: 'v3' }), event(51, { version: 'v4' })] });
    // A re-sent event with a type violation is a duplicate: its findings are not counted again.
    const resent = json(
      await s.app.inject({
        method: 'POST',
        url: '/v1/models/fraud/events',
        payload: [event(2, { features: { amount: 'twelve', country: 'NL', is_new: true, signup: T0, surprise: 1 } })],
      }),
    );
    assert.deepEqual([resent.inserted, resent.duplicates, resent.dataQuality.typeViolations], [0, 1, 1]);
    const res = await s.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/plain/);
    const text = res.body;
    assert.match(text, /^modelwatch_events_ingested_total\{model="fraud",version="v1"\} 4$/m);
    assert.match(text, /^modelwatch_events_ingested_total\{model="fraud",version="__other__"\} 2$/m);
    assert.match(text, /^modelwatch_events_rejected_total\{model="fraud",reason="invalid_ts"\} 1$/m);
    assert.match(text, /^modelwatch_events_duplicate_total\{model="fraud"\} 3$/m);
    assert.match(text, /^modelwatch_ingest_data_quality_violations_total\{model="fraud",type="unknown_column"\} 1$/m);
    assert.match(text, /^modelwatch_feedback_ingested_total\{model="fraud"\} 3$/m);
    assert.match(text, /^modelwatch_ingest_data_quality_violations_total\{model="fraud",type="type_mismatch"\} 1$/m);
    assert.match(text, /^modelwatch_http_request_duration_seconds_count\{method="POST",route="\/v1\/models\/:model\/events",status_code="200"\} \d+$/m);
    assert.match(text, /^modelwatch_store_commit_duration_seconds_count\{kind="events"\} \d+$/m);
  });

  test('health, readiness, docs, unknown routes, reference upload', async () => {
    assert.deepEqual(json(await s.app.inject({ method: 'GET', url: '/healthz' })), { status: 'ok' });
    assert.deepEqual(json(await s.app.inject({ method: 'GET', url: '/readyz' })), { status: 'ready' });
    const doc = json(await s.app.inject({ method: 'GET', url: '/docs/json' }));
    assert.equal(doc.openapi, '3.0.3');
    for (const path of ['/v1/models/{model}', '/v1/models', '/v1/models/{model}/events', '/v1/models/{model}/feedback', '/v1/models/{model}/reference', '/metrics', '/healthz', '/readyz']) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    const page = await s.app.inject({ method: 'GET', url: '/docs' });
    assert.ok([200, 302].includes(page.statusCode));
    errorBody(await s.app.inject({ method: 'GET', url: '/v2/nothing' }), 404, 'not_found');
    // Reference uploads are checked against the schema (see reference.test.ts): a file without the features is refused.
    const missing = errorBody(await s.app.inject({ method: 'PUT', url: '/v1/models/fraud/reference', headers: { 'content-type': 'text/csv' }, payload: 'a,b\n1,2\n' }), 422, 'missing_columns');
    assert.match(missing.message, /"amount"/);
  });
});

describe('authentication', () => {
  const tmp = tempDir();
  let s: ModelwatchServer;
  const WRITE = 'write-token-0123456789';
  const READ = 'read-token-0123456789';
  before(async () => {
    s = await server(tmp.dir, {
      auth: {
        tokens: [
          { name: 'ingest', token: WRITE, scopes: ['write'] },
          { name: 'dash', tokenEnv: 'MW_TOKEN', scopes: ['read'] },
        ],
      },
    });
  });
  after(async () => {
    await s.close();
    tmp.cleanup();
  });

  test('401 without or with an unknown token, 403 without the scope, public health and docs', async () => {
    const put = (token?: string) =>
      s.app.inject({ method: 'PUT', url: '/v1/models/m', headers: token ? { authorization: `Bearer ${token}` } : {}, payload: { schema: SCHEMA } });
    let res = await put();
    errorBody(res, 401, 'unauthorized');
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    errorBody(await put('not-a-token'), 401, 'unauthorized');
    errorBody(await put(READ), 403, 'forbidden');
    assert.equal((await put(WRITE)).statusCode, 201);
    errorBody(await s.app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${WRITE}` } }), 403, 'forbidden');
    assert.equal((await s.app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: `bearer ${READ}` } })).statusCode, 200);
    errorBody(await s.app.inject({ method: 'GET', url: '/metrics' }), 401, 'unauthorized');
    assert.equal((await s.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${READ}` } })).statusCode, 200);
    res = await s.app.inject({ method: 'POST', url: '/v1/models/m/events', headers: { authorization: `Bearer ${READ}` }, payload: [event(1)] });
    errorBody(res, 403, 'forbidden');
    assert.equal((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    assert.equal((await s.app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200);
  });

  test('metricsPublic opens /metrics only', async () => {
    const t2 = tempDir();
    const s2 = await server(t2.dir, { auth: { tokens: [{ name: 'w', token: WRITE, scopes: ['write', 'read'] }], metricsPublic: true } });
    try {
      assert.equal((await s2.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
      errorBody(await s2.app.inject({ method: 'GET', url: '/v1/models' }), 401, 'unauthorized');
    } finally {
      await s2.close();
      t2.cleanup();
    }
  });
});

describe('backpressure', () => {
  test('a full write queue answers 429 with Retry-After; nothing is lost from accepted requests', async () => {
    const tmp = tempDir();
    const inner = await DuckDBStore.open({ path: join(tmp.dir, 'bp.duckdb') });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A store whose first commit waits until released: the queue fills behind it.
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'appendEvents') {
          return async (batches: Parameters<DuckDBStore['appendEvents']>[0]) => {
            await gate;
            return target.appendEvents(batches);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const s = await server(tmp.dir, { server: { queue: { maxRequests: 2, maxEvents: 1000, retryAfterSeconds: 3 } } }, store);
    try {
      await s.app.inject({ method: 'PUT', url: '/v1/models/fraud', payload: { schema: SCHEMA, versions: ['v1'] } });
      const post = (i: number) => s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', payload: [event(i)] });
      const first = post(1);
      const second = post(2);
      // Let both reach the queue.
      while (s.queue.requests < 2) await new Promise((r) => setTimeout(r, 5));
      const third = await post(3);
      const body = errorBody(third, 429, 'too_many_requests');
      assert.equal(third.headers['retry-after'], '3');
      assert.match(body.message, /queue is full/);
      release();
      assert.equal((await first).statusCode, 200);
      assert.equal((await second).statusCode, 200);
      assert.equal((await store.eventTimeBounds('fraud')).events, 2);
      const metrics = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /^modelwatch_ingest_throttled_total\{kind="events"\} 1$/m);
    } finally {
      release();
      await s.close();
      tmp.cleanup();
    }
  });

  test('graceful close commits queued events before closing the store', async () => {
    const tmp = tempDir();
    const s = await server(tmp.dir);
    await s.app.inject({ method: 'PUT', url: '/v1/models/fraud', payload: { schema: SCHEMA, versions: ['v1'] } });
    const pending = Array.from({ length: 5 }, (_, k) =>
      s.app.inject({ method: 'POST', url: '/v1/models/fraud/events', payload: Array.from({ length: 100 }, (_, i) => event(k * 100 + i)) }),
    );
    const responses = await Promise.all(pending);
    await s.close();
    assert.deepEqual(responses.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
    const reopened = await DuckDBStore.open({ path: join(tmp.dir, 'modelwatch.duckdb') });
    try {
      assert.equal((await reopened.eventTimeBounds('fraud')).events, 500);
    } finally {
      await reopened.close();
      tmp.cleanup();
    }
  });
});
