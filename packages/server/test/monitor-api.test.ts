/**
 * The monitor endpoints: `GET /v1/models/{model}/results` (filters, validation
 * errors naming the parameter, auth) and `GET /v1/models/{model}/report` (the
 * core's Report of a window, equal to compare() on the same rows read
 * independently), and their place in the OpenAPI document.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compare } from '@modelwatch/core';
import type { Report } from '@modelwatch/core';
import { createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import { MONITOR_SAMPLE_SEED } from '../src/monitor/evaluate.js';
import type { MonitorResult } from '../src/monitor/result.js';
import { tempDir } from './helpers/fixtures.js';
import { EVENT_COLUMNS, MONITOR_SCHEMA, generateEvents, hashSample, referenceRow, tableOf } from './helpers/monitors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 5, 1);
const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';

const REFERENCE = generateEvents({ n: 1500, t0: T0 - 30 * DAY, stepMs: 60_000, seed: 21 });
const EVENTS = [0, 1, 2].flatMap((d) => generateEvents({ n: 300, t0: T0 + d * DAY, stepMs: 200_000, seed: 30 + d, shift: 6 * d, idPrefix: `d${d}-`, version: (i) => (i % 2 ? 'v1' : 'v2') }));
const LABELS = new Map(EVENTS.filter((_, i) => i % 3 === 0).map((e, i) => [String(e.id), i % 2 ? '1' : '0']));

describe('monitor endpoints', { timeout: 120_000 }, () => {
  const tmp = tempDir('mw-mon-api-');
  let s: ModelwatchServer;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (url: string, token = READ) => s.app.inject({ method: 'GET', url, headers: auth(token) });

  before(async () => {
    const config = resolveConfig(
      {
        server: { dataDir: tmp.dir },
        auth: { tokens: [{ name: 'reader', token: READ, scopes: ['read'] }, { name: 'writer', token: WRITE, scopes: ['write'] }] },
        models: {
          fraud: {
            schema: MONITOR_SCHEMA,
            versions: ['v1', 'v2'],
            monitors: [
              { name: 'drift', type: 'feature_drift', window: '1d' },
              { name: 'labels', type: 'model_quality', window: '1d', versions: 'all' },
            ],
          },
        },
      },
      { baseDir: tmp.dir },
    );
    s = await createServer({ config, defaultMetrics: false, monitors: { debounceMs: 10 } });
    let res = await s.app.inject({
      method: 'PUT',
      url: '/v1/models/fraud/reference',
      headers: { ...auth(WRITE), 'content-type': 'application/x-ndjson' },
      payload: REFERENCE.map((r) => JSON.stringify(referenceRow(r))).join('\n'),
    });
    assert.equal(res.statusCode, 200, res.body);
    for (const [what, records] of [['events', EVENTS], ['feedback', [...LABELS].map(([id, target]) => ({ id, target, ts: T0 + 5 * DAY }))]] as const) {
      res = await s.app.inject({ method: 'POST', url: `/v1/models/fraud/${what}`, headers: { ...auth(WRITE), 'content-type': 'application/json' }, payload: JSON.stringify(records) });
      assert.equal(res.statusCode, 200, res.body);
    }
    await s.monitors.idle();
  });
  after(async () => {
    await s?.close();
    tmp.cleanup();
  });

  test('results: all, by monitor, version (or __all__), time range (ISO or epoch ms), latest, limit', async () => {
    const all = JSON.parse((await get('/v1/models/fraud/results')).body) as { model: string; results: MonitorResult[] };
    assert.equal(all.model, 'fraud');
    // drift: 3 days × 2 versions; labels: 3 days over all versions.
    assert.equal(all.results.length, 9);
    const starts = all.results.map((r) => r.window.start);
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b), 'oldest window first');
    const stored = await s.store.getResults({ model: 'fraud' });
    assert.deepEqual(all.results, stored.map((r) => r.payload), 'the stored payloads');

    const drift = JSON.parse((await get('/v1/models/fraud/results?monitor=drift&version=v1')).body).results as MonitorResult[];
    assert.deepEqual(drift.map((r) => [r.monitor, r.version, r.window.end]), [0, 1, 2].map((d) => ['drift', 'v1', T0 + (d + 1) * DAY]));
    const labels = JSON.parse((await get('/v1/models/fraud/results?version=__all__')).body).results as MonitorResult[];
    assert.deepEqual(labels.map((r) => [r.monitor, r.version]), [0, 1, 2].map(() => ['labels', null]));

    // Windows overlapping [from, to): day 1 only, with ISO and with epoch ms.
    const iso = JSON.parse((await get(`/v1/models/fraud/results?from=${new Date(T0 + DAY).toISOString()}&to=2024-06-02T12:00:00Z`)).body).results as MonitorResult[];
    assert.deepEqual(new Set(iso.map((r) => r.window.end)), new Set([T0 + 2 * DAY]));
    assert.equal(iso.length, 3);
    const ms = JSON.parse((await get(`/v1/models/fraud/results?from=${T0 + DAY}&to=${T0 + DAY + 12 * HOUR}`)).body).results;
    assert.deepEqual(ms, iso);

    const latest = JSON.parse((await get('/v1/models/fraud/results?latest=true')).body).results as MonitorResult[];
    assert.deepEqual(latest.map((r) => `${r.monitor}/${r.version}/${r.window.end}`).sort(), ['drift/v1', 'drift/v2', 'labels/null'].map((k) => `${k}/${T0 + 3 * DAY}`).sort());
    assert.equal(JSON.parse((await get('/v1/models/fraud/results?limit=2')).body).results.length, 2);

    // The numbers are real: the drifting amount is detected on day 2 against the reference.
    const day2 = drift.find((r) => r.window.end === T0 + 3 * DAY)!;
    assert.equal(day2.features!.find((f) => f.feature === 'amount')!.metrics.drift_detected, 1);
    assert.equal(day2.reference?.kind, 'reference');
  });

  test('results: bad parameters get 400 naming the parameter; unknown model 404; read scope', async () => {
    const cases: [string, string][] = [
      ['from=yesterday', 'querystring.from'],
      ['to=2024-13-45', 'querystring.to'],
      ['from=1800-01-01T00:00:00Z', 'querystring.from'],
      ['from=2024-06-02&to=2024-06-01', 'querystring.to'],
      ['limit=0', 'querystring.limit'],
      ['limit=abc', 'querystring.limit'],
      ['limit=100001', 'querystring.limit'],
      ['latest=perhaps', 'querystring.latest'],
      ['colour=red', 'querystring'],
    ];
    for (const [qs, path] of cases) {
      const res = await get(`/v1/models/fraud/results?${qs}`);
      assert.equal(res.statusCode, 400, `${qs}: ${res.body}`);
      const body = JSON.parse(res.body);
      assert.equal(body.error, 'bad_request');
      assert.ok(body.message.includes(path), `${qs}: ${body.message}`);
      assert.ok(body.details.some((d: { path: string }) => d.path.startsWith(path)), `${qs}: ${JSON.stringify(body.details)}`);
    }
    const missing = await get('/v1/models/nope/results');
    assert.equal(missing.statusCode, 404);
    assert.equal(JSON.parse(missing.body).error, 'model_not_found');
    assert.equal((await s.app.inject({ method: 'GET', url: '/v1/models/fraud/results' })).statusCode, 401);
    assert.equal((await get('/v1/models/fraud/results', WRITE)).statusCode, 403);
    assert.equal((await get('/v1/models/fraud/report', WRITE)).statusCode, 403);
  });

  test('report: the core Report of a window, equal to compare() on the same rows read independently', async () => {
    const from = T0 + DAY;
    const to = T0 + 2 * DAY;
    const res = await get(`/v1/models/fraud/report?from=${new Date(from).toISOString()}&to=${to}&version=v1`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const report = JSON.parse(res.body) as Report;
    assert.equal(report.kind, 'modelwatch.report');

    const rows = EVENTS.filter((e) => e.version === 'v1' && (e.ts as number) >= from && (e.ts as number) < to);
    const reference = (await s.references.get('fraud'))!;
    const want = compare(reference.table!, tableOf(rows, [...EVENT_COLUMNS, 'label'], MONITOR_SCHEMA, LABELS), {
      schema: MONITOR_SCHEMA,
      referenceSource: reference.source,
      currentSource: 'model fraud version v1 events',
    });
    want.current.from = new Date(from).toISOString();
    want.current.to = new Date(to).toISOString();
    const strip = (r: Report) => JSON.parse(JSON.stringify({ ...r, generatedAt: undefined }));
    assert.deepEqual(strip(report), strip(want));
    assert.equal(report.current.rows, rows.length);
    assert.ok(report.modelQuality, 'the labelled events give model quality');
    assert.equal(report.modelQuality!.nCur, rows.filter((r) => LABELS.has(String(r.id))).length);
    assert.ok(report.drift.columns.find((c) => c.column === 'amount')!.detected);
  });

  test('report: windows above `sample` are sampled by hash (recorded in current.sampledFrom); defaults to the last 24 h of events', async () => {
    const res = await get(`/v1/models/fraud/report?from=${T0}&to=${T0 + 3 * DAY}&sample=200`);
    const report = JSON.parse(res.body) as Report;
    assert.equal(report.current.rows, 200);
    assert.equal(report.current.sampledFrom, EVENTS.length);
    const kept = hashSample(EVENTS, 200, MONITOR_SAMPLE_SEED);
    const reference = (await s.references.get('fraud'))!;
    const want = compare(reference.table!, tableOf(kept, [...EVENT_COLUMNS, 'label'], MONITOR_SCHEMA, LABELS), {
      schema: MONITOR_SCHEMA,
      referenceSource: reference.source,
      currentSource: 'model fraud events',
      currentSampledFrom: EVENTS.length,
    });
    assert.deepEqual(report.drift, JSON.parse(JSON.stringify(want.drift)));
    assert.deepEqual(report.dataQuality, JSON.parse(JSON.stringify(want.dataQuality)));

    const last = JSON.parse((await get('/v1/models/fraud/report')).body) as Report;
    const end = Math.max(...EVENTS.map((e) => e.ts as number)) + 1;
    assert.equal(last.current.to, new Date(end).toISOString());
    assert.equal(last.current.from, new Date(end - DAY).toISOString());
    assert.equal(last.current.rows, EVENTS.filter((e) => (e.ts as number) >= end - DAY).length);
  });

  test('report: 404 without a reference, 400 naming bad parameters', async () => {
    await s.app.inject({ method: 'PUT', url: '/v1/models/other', headers: auth(WRITE), payload: { schema: MONITOR_SCHEMA } });
    const res = await get('/v1/models/other/report');
    assert.equal(res.statusCode, 404);
    assert.equal(JSON.parse(res.body).error, 'reference_not_found');
    for (const [qs, path] of [['from=soon', 'querystring.from'], ['sample=0', 'querystring.sample'], ['to=2024-01-01&from=2024-02-01', 'querystring.to']]) {
      const bad = await get(`/v1/models/fraud/report?${qs}`);
      assert.equal(bad.statusCode, 400, qs);
      assert.ok(JSON.parse(bad.body).message.includes(path), `${qs}: ${bad.body}`);
    }
  });

  test('both endpoints are in the OpenAPI document with their parameters', async () => {
    const doc = JSON.parse((await s.app.inject({ method: 'GET', url: '/docs/json' })).body);
    const results = doc.paths['/v1/models/{model}/results'].get;
    assert.deepEqual(results.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name).sort(), ['from', 'latest', 'limit', 'monitor', 'to', 'version']);
    assert.ok(results.responses['200'].content['application/json'].schema.properties.results);
    const report = doc.paths['/v1/models/{model}/report'].get;
    assert.deepEqual(report.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name).sort(), ['from', 'sample', 'to', 'version']);
    assert.deepEqual(report.tags, ['monitors']);
  });
});
