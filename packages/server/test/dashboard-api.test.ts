/**
 * The dashboard's service side: the read-only `/v1/dashboard/…` routes
 * checked against independent computations on the records sent (traffic per
 * bucket, latency quantiles, histograms on the returned edges, category
 * counts, new categories, out-of-range values) and against the stored results
 * (`GET /v1/models/{model}/results`); the HTML report of a window; the static
 * files at `/` (content types, caching, gzip, ETag, client routes, no path
 * traversal) and authentication (public shell, protected API).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { dashboardAssetsDir } from '@modelwatch/ui/dashboard';
import type { FeatureResponse, ModelTimelineResponse, OverviewResponse } from '@modelwatch/ui/dashboard';
import { createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import { DASHBOARD_CSP, registerDashboard } from '../src/http/dashboard.js';
import { bucketFor, countOnEdges, nextDown, resolveRange, thin, traffic } from '../src/http/routes/dashboard.js';
import type { MonitorResult } from '../src/monitor/result.js';
import { tempDir } from './helpers/fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 5, 1);
const READ = 'dash-read-token-0123456789';
const WRITE = 'dash-write-token-0123456789';
const HOSTILE = '<script>alert(1)</script>';
const HOSTILE_IMG = '"><img src=x onerror=alert(2)>';

const SCHEMA = {
  task: 'binary',
  columns: [
    { name: 'amount', kind: 'numeric', role: 'feature' },
    { name: 'tier', kind: 'categorical', role: 'feature' },
    { name: HOSTILE_IMG, kind: 'numeric', role: 'feature' },
    { name: 'pred', kind: 'categorical', role: 'prediction' },
    { name: 'p', kind: 'numeric', role: 'score', scoreOf: '1' },
    { name: 'label', kind: 'categorical', role: 'target' },
  ],
};

interface Ev {
  id: string;
  ts: number;
  version: string;
  amount: number | null;
  tier: string;
  odd: number;
  pred: string;
  p: number;
  latency: number;
  error: boolean;
}

/** 3 days, one event every 5 minutes; v2 takes every third. */
const EVENTS: Ev[] = Array.from({ length: 3 * 288 }, (_, i) => ({
  id: `e${i}`,
  ts: T0 + i * 5 * MIN,
  version: i % 3 === 0 ? 'v2' : 'v1',
  amount: i % 17 === 0 ? null : ((i * 53) % 130) - 10,
  tier: ['gold', 'silver', 'bronze', 'platinum', HOSTILE][i % 5],
  odd: (i * 7) % 11,
  pred: i % 2 ? '1' : '0',
  p: (i % 10) / 10,
  latency: 1 + (i % 13) * 0.5,
  error: i % 29 === 0,
}));
const REFERENCE = Array.from({ length: 600 }, (_, i) => ({ amount: (i * 37) % 100, tier: ['gold', 'silver', 'bronze'][i % 3], [HOSTILE_IMG]: i % 11, pred: i % 4 ? '0' : '1', p: (i % 7) / 7, label: i % 3 ? '0' : '1' }));
const FEEDBACK = EVENTS.filter((_, i) => i % 3 !== 0).map((e, k) => ({ id: e.id, target: k % 2 ? '1' : '0', ts: e.ts + 3 * HOUR }));

/** Linear-interpolation quantile (DuckDB's quantile_cont). */
function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const inRange = (from: number, to: number, version?: string | null) => EVENTS.filter((e) => e.ts >= from && e.ts < to && (!version || e.version === version));

/** Counts on edges with the store's convention, computed naively. */
function naiveCounts(values: number[], edges: number[]): number[] {
  const out = new Array(edges.length + 1).fill(0);
  for (const v of values) {
    let k = 0;
    while (k < edges.length && v > edges[k]) k++;
    out[k]++;
  }
  return out;
}

describe('dashboard API', { timeout: 180_000 }, () => {
  const tmp = tempDir('mw-dash-api-');
  let s: ModelwatchServer;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (url: string, headers: Record<string, string> = auth(READ)) => s.app.inject({ method: 'GET', url, headers });
  const json = async <T>(url: string): Promise<T> => {
    const res = await get(url);
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return JSON.parse(res.body) as T;
  };
  const results = async (query: string) => (await json<{ results: MonitorResult[] }>(`/v1/models/shop/results?limit=10000&${query}`)).results;

  before(async () => {
    const config = resolveConfig(
      {
        server: { dataDir: tmp.dir },
        auth: { tokens: [{ name: 'reader', token: READ, scopes: ['read'] }, { name: 'writer', token: WRITE, scopes: ['write'] }] },
        models: {
          shop: {
            task: 'binary',
            versions: ['v1', 'v2'],
            schema: SCHEMA,
            monitors: [
              { name: 'dq', type: 'data_quality', window: '1d' },
              { name: 'drift', type: 'feature_drift', window: '1d', thresholds: { drift_share: 0.3 } },
              { name: 'out', type: 'prediction_drift', window: '1d' },
              { name: 'quality', type: 'model_quality', window: '1d' },
              { name: 'quality_all', type: 'model_quality', window: { type: 'cumulative', every: '1d' } },
            ],
            alerts: [{ name: 'drifting', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5, severity: 'critical' }],
          },
        },
      },
      { baseDir: tmp.dir },
    );
    s = await createServer({ config, defaultMetrics: false, monitors: { debounceMs: 10 } });
    const w = { ...auth(WRITE) };
    let res = await s.app.inject({ method: 'PUT', url: '/v1/models/shop/reference', headers: { ...w, 'content-type': 'application/x-ndjson' }, payload: REFERENCE.map((r) => JSON.stringify(r)).join('\n') });
    assert.equal(res.statusCode, 200, res.body);
    const records = EVENTS.map((e) => ({
      id: e.id,
      ts: e.ts,
      version: e.version,
      features: { amount: e.amount, tier: e.tier, [HOSTILE_IMG]: e.odd },
      prediction: e.pred,
      scores: { '1': e.p },
      latency_ms: e.latency,
      error: e.error,
    }));
    res = await s.app.inject({ method: 'POST', url: '/v1/models/shop/events', headers: { ...w, 'content-type': 'application/json' }, payload: JSON.stringify(records) });
    assert.equal(res.statusCode, 200, res.body);
    res = await s.app.inject({ method: 'POST', url: '/v1/models/shop/feedback', headers: { ...w, 'content-type': 'application/json' }, payload: JSON.stringify(FEEDBACK) });
    assert.equal(res.statusCode, 200, res.body);
    await s.monitors.idle();
  });
  after(async () => {
    await s?.close();
    tmp.cleanup();
  });

  test('overview: traffic, latency quantiles and buckets equal the records; statuses equal the latest stored results', async () => {
    const o = await json<OverviewResponse>('/v1/dashboard/overview?range=24h');
    assert.equal(o.models.length, 1);
    const m = o.models[0];
    assert.equal(m.name, 'shop');
    assert.deepEqual(m.versions, ['v1', 'v2']);
    const last = EVENTS[EVENTS.length - 1].ts;
    assert.deepEqual(m.bounds, { events: EVENTS.length, first: T0, last });
    // The data ended long ago: the range is the last 24 h of data, in 30-minute buckets.
    assert.equal(m.traffic.bucketMs, 30 * MIN);
    assert.deepEqual(m.range, { from: T0 + 2 * DAY, to: T0 + 3 * DAY, anchor: 'data' });
    const evs = inRange(m.range.from, m.range.to);
    const sum = m.traffic.summary;
    assert.equal(sum.events, evs.length);
    assert.equal(sum.errors, evs.filter((e) => e.error).length);
    assert.equal(sum.errorRate, evs.filter((e) => e.error).length / evs.length);
    assert.equal(sum.latencyCount, evs.length);
    assert.ok(Math.abs(sum.latencyP50Ms! - quantile(evs.map((e) => e.latency), 0.5)) < 1e-9);
    assert.ok(Math.abs(sum.latencyP99Ms! - quantile(evs.map((e) => e.latency), 0.99)) < 1e-9);
    assert.equal(sum.eventsPerSecond, evs.length / 86_400);
    assert.ok(Math.abs(sum.latencyMeanMs! - evs.reduce((a, e) => a + e.latency, 0) / evs.length) < 1e-9);
    assert.equal(sum.quantilesSkipped, undefined);
    assert.equal(m.traffic.buckets.length, 48);
    m.traffic.buckets.forEach((b, k) => {
      const inB = evs.filter((e) => e.ts >= b.start && e.ts < b.start + 30 * MIN);
      assert.equal(b.start, m.range.from + k * 30 * MIN);
      assert.equal(b.events, inB.length);
      assert.equal(b.errors, inB.filter((e) => e.error).length);
      assert.ok(Math.abs(b.latencyMeanMs! - inB.reduce((a, e) => a + e.latency, 0) / inB.length) < 1e-9);
    });
    // Latest result per (monitor, version) among windows overlapping the range = the stored results' latest.
    const stored = await results(`latest=true&from=${m.range.from}&to=${m.range.to}`);
    const key = (x: { monitor: string; version: string | null }) => `${x.monitor}|${x.version}`;
    assert.deepEqual(
      m.latest.map((l) => [key(l), l.windowEnd, l.metrics]).sort(),
      stored.map((r) => [key(r), r.window.end, r.metrics]).sort(),
    );
    assert.ok(m.latest.some((l) => l.type === 'feature_drift' && typeof l.metrics.dataset_drift_share === 'number'));
    // Trends: the headline metric of every window in the range, per (monitor, version).
    const all = await results(`from=${m.range.from}&to=${m.range.to}`);
    const driftV1 = m.trends.find((t) => t.monitor === 'drift' && t.version === 'v1' && t.metric === 'dataset_drift_share')!;
    assert.deepEqual(
      driftV1.points,
      all.filter((r) => r.monitor === 'drift' && r.version === 'v1').map((r) => [r.window.end, r.metrics.dataset_drift_share]),
    );
    const quality = m.trends.find((t) => t.monitor === 'quality' && t.version === 'v1' && t.metric !== 'label_coverage_ratio')!;
    assert.equal(quality.metric, 'roc_auc');
    assert.deepEqual(m.alerts, { firing: (await s.store.getAlertStates('shop')).filter((a) => a.state === 'firing').length, pending: 0 });
  });

  test('model timeline: traffic per version, every window of every monitor as stored, predictions per bucket', async () => {
    const t = await json<ModelTimelineResponse>('/v1/dashboard/models/shop?range=all');
    assert.equal(t.range.anchor, 'data');
    assert.ok(t.range.from <= T0 && t.range.to > EVENTS[EVENTS.length - 1].ts);
    assert.deepEqual(t.activeVersions, ['v1', 'v2']);
    assert.deepEqual(t.traffic.map((x) => x.version), [null, 'v1', 'v2']);
    for (const tr of t.traffic) {
      const evs = inRange(t.range.from, t.range.to, tr.version);
      assert.equal(tr.summary.events, evs.length);
      assert.equal(tr.buckets.reduce((a, b) => a + b.events, 0), evs.length);
      for (const b of tr.buckets) assert.equal(b.events, evs.filter((e) => e.ts >= b.start && e.ts < b.start + tr.bucketMs).length);
    }
    assert.ok(t.traffic[0].buckets.length <= 120);
    // Monitors with effective thresholds and their alert rules.
    const drift = t.monitors.find((m) => m.name === 'drift')!;
    assert.deepEqual(drift.thresholds, { drift_share: 0.3 });
    assert.deepEqual(drift.rules, [{ name: 'drifting', metric: 'dataset_drift_share', feature: null, op: '>=', threshold: 0.5, severity: 'critical' }]);
    assert.equal(t.monitors.find((m) => m.name === 'quality_all')!.window.type, 'cumulative');
    // Every (monitor, version) series equals the stored results, window by window.
    const stored = await results(`from=${t.range.from}&to=${t.range.to}`);
    assert.equal(t.series.length, new Set(stored.map((r) => `${r.monitor}|${r.version}`)).size);
    for (const series of t.series) {
      const mine = stored.filter((r) => r.monitor === series.monitor && r.version === series.version).sort((a, b) => a.window.end - b.window.end);
      assert.deepEqual(series.ends, mine.map((r) => r.window.end));
      assert.deepEqual(series.starts, mine.map((r) => r.window.start));
      for (const [name, values] of Object.entries(series.metrics)) assert.deepEqual(values, mine.map((r) => r.metrics[name] ?? null), `${series.monitor} ${name}`);
      if (series.type === 'feature_drift') {
        const f = series.features!;
        assert.deepEqual(f.features, ['amount', 'tier', HOSTILE_IMG]);
        f.features.forEach((name, i) => {
          assert.deepEqual(f.values[i], mine.map((r) => r.features!.find((x) => x.feature === name)!.metrics.drift_score));
          assert.deepEqual(f.detected![i], mine.map((r) => r.features!.find((x) => x.feature === name)!.metrics.drift_detected));
        });
      }
    }
    assert.ok(t.series.some((x) => x.type === 'model_quality' && x.monitor === 'quality_all'));
    // Output distribution per bucket.
    const pred = t.predictions.find((p) => p.column === 'pred')!;
    assert.equal(pred.kind, 'categorical');
    pred.starts.forEach((start, b) => {
      const evs = inRange(start, start + pred.bucketMs);
      assert.equal(pred.rows[b], evs.length);
      pred.classes!.forEach((c, k) => assert.equal(pred.counts![k][b], evs.filter((e) => e.pred === c).length));
      assert.equal(pred.other![b], 0);
    });
    const score = t.predictions.find((p) => p.column === 'p')!;
    assert.equal(score.kind, 'numeric');
    score.starts.forEach((start, b) => {
      const evs = inRange(start, start + score.bucketMs);
      if (evs.length === 0) return assert.equal(score.mean![b], null);
      assert.ok(Math.abs(score.mean![b]! - evs.reduce((a, e) => a + e.p, 0) / evs.length) < 1e-12);
    });
    assert.ok(Math.abs(score.referenceMean! - REFERENCE.reduce((a, r) => a + r.p, 0) / REFERENCE.length) < 1e-12);
    assert.equal(t.hasReference, true);
  });

  test('traffic of a range with more events than the exact-quantile limit: exact counts and mean, estimated quantiles (none without the store\'s estimate)', async () => {
    const range = { from: T0, to: T0 + 3 * DAY, anchor: 'custom' as const };
    const exact = await traffic(s.store, 'shop', range, HOUR, null, true);
    const estimated = await traffic(s.store, 'shop', range, HOUR, null, true, 100);
    assert.equal(exact.total.summary.quantilesSkipped, undefined);
    assert.equal(exact.total.summary.quantilesRelativeError, undefined);
    const err = estimated.total.summary.quantilesRelativeError!;
    assert.ok(err > 0 && err < 0.03);
    for (const k of ['latencyP50Ms', 'latencyP99Ms'] as const) {
      const x = exact.total.summary[k]!;
      assert.ok(Math.abs(estimated.total.summary[k]! - x) <= err * x, `${k}: ${estimated.total.summary[k]} vs ${x}`);
    }
    // A store without latency estimates: the quantiles are left out.
    const plain = Object.create(s.store, { latencySummary: { value: undefined } }) as typeof s.store;
    const big = await traffic(plain, 'shop', range, HOUR, null, true, 100);
    assert.equal(big.total.summary.quantilesSkipped, true);
    assert.equal(big.total.summary.latencyP50Ms, null);
    for (const k of ['events', 'errors', 'latencyCount'] as const) assert.equal(big.total.summary[k], exact.total.summary[k]);
    assert.ok(Math.abs(big.total.summary.latencyMeanMs! - EVENTS.reduce((a, e) => a + e.latency, 0) / EVENTS.length) < 1e-9);
    assert.equal(big.total.summary.errorRate, EVENTS.filter((e) => e.error).length / EVENTS.length);
    assert.deepEqual(big.active, ['v1', 'v2']);
    assert.deepEqual(big.versions.map((v) => [v.version, v.summary.events]), [['v1', EVENTS.filter((e) => e.version === 'v1').length], ['v2', EVENTS.filter((e) => e.version === 'v2').length]]);
  });

  test('model timeline of one version, and a custom range', async () => {
    const from = T0 + DAY;
    const to = T0 + 2 * DAY;
    const t = await json<ModelTimelineResponse>(`/v1/dashboard/models/shop?version=v2&from=${new Date(from).toISOString()}&to=${to}`);
    assert.deepEqual(t.range, { from, to, anchor: 'custom' });
    assert.equal(t.version, 'v2');
    assert.deepEqual(t.traffic.map((x) => x.version), ['v2']);
    assert.equal(t.traffic[0].summary.events, inRange(from, to, 'v2').length);
    assert.ok(t.series.length > 0 && t.series.every((x) => x.version === 'v2'));
    const pred = t.predictions.find((p) => p.column === 'pred')!;
    assert.equal(pred.rows.reduce((a, b) => a + b, 0), inRange(from, to, 'v2').length);
  });

  test('numeric feature: histogram on the returned edges, reference counts, out-of-range values, missing, drift history', async () => {
    const f = await json<FeatureResponse>('/v1/dashboard/models/shop/features/amount?range=all');
    const evs = inRange(f.range.from, f.range.to);
    const values = evs.map((e) => e.amount).filter((v): v is number => v !== null);
    assert.equal(f.kind, 'numeric');
    assert.equal(f.current.rows, evs.length);
    assert.equal(f.current.missing, evs.length - values.length);
    assert.equal(f.current.min, Math.min(...values));
    assert.equal(f.current.max, Math.max(...values));
    assert.ok(Math.abs(f.current.mean! - values.reduce((a, b) => a + b, 0) / values.length) < 1e-9);
    // Below the reference minimum (0) and above its maximum (99), strictly.
    assert.equal(f.current.belowRange, values.filter((v) => v < 0).length);
    assert.equal(f.current.aboveRange, values.filter((v) => v > 99).length);
    assert.ok(f.current.belowRange! > 0 && f.current.aboveRange! > 0);
    const h = f.histogram!;
    assert.equal(h.edges.length, 31);
    const cur = naiveCounts(values, h.edges);
    assert.deepEqual(h.current, cur.slice(1, h.edges.length));
    assert.deepEqual(h.currentOutside, [cur[0], cur[h.edges.length]]);
    const ref = naiveCounts(REFERENCE.map((r) => r.amount), h.edges);
    assert.deepEqual(h.reference, ref.slice(1, h.edges.length));
    assert.deepEqual(h.referenceOutside, [ref[0], ref[h.edges.length]]);
    assert.deepEqual(f.reference, { rows: 600, missing: 0, min: 0, max: 99, mean: REFERENCE.reduce((a, r) => a + r.amount, 0) / 600, std: f.reference!.std });
    // Drift history: the stored drift results' numbers for this feature, window by window.
    const stored = (await results(`from=${f.range.from}&to=${f.range.to}&monitor=drift`)).sort((a, b) => a.window.end - b.window.end);
    for (const version of ['v1', 'v2']) {
      const mine = stored.filter((r) => r.version === version);
      const d = f.drift.find((x) => x.monitor === 'drift' && x.version === version)!;
      assert.deepEqual(d.ends, mine.map((r) => r.window.end));
      assert.deepEqual(d.scores, mine.map((r) => r.features!.find((x) => x.feature === 'amount')!.metrics.drift_score));
      assert.equal(d.method, mine[0].features!.find((x) => x.feature === 'amount')!.method);
    }
    const missing = f.missing.find((x) => x.monitor === 'dq' && x.version === 'v1')!;
    const dq = (await results(`from=${f.range.from}&to=${f.range.to}&monitor=dq&version=v1`)).sort((a, b) => a.window.end - b.window.end);
    assert.deepEqual(missing.values, dq.map((r) => r.features!.find((x) => x.feature === 'amount')!.metrics.missing_ratio));
  });

  test('integer feature in a narrow range gets unit bins; a hostile feature name is addressed by its encoded name', async () => {
    const f = await json<FeatureResponse>(`/v1/dashboard/models/shop/features/${encodeURIComponent(HOSTILE_IMG)}?range=all`);
    assert.equal(f.feature, HOSTILE_IMG);
    assert.deepEqual(f.histogram!.edges, Array.from({ length: 12 }, (_, i) => i - 0.5));
    const values = inRange(f.range.from, f.range.to).map((e) => e.odd);
    assert.deepEqual(f.histogram!.current, Array.from({ length: 11 }, (_, k) => values.filter((v) => v === k).length));
  });

  test('categorical feature: counts, new categories with counts, findings with examples from the stored results', async () => {
    const f = await json<FeatureResponse>('/v1/dashboard/models/shop/features/tier?range=all');
    const evs = inRange(f.range.from, f.range.to);
    const count = (v: string) => evs.filter((e) => e.tier === v).length;
    assert.equal(f.current.distinct, 5);
    const c = f.categories!;
    assert.deepEqual(new Set(c.categories), new Set(['gold', 'silver', 'bronze', 'platinum', HOSTILE]));
    c.categories.forEach((name, i) => assert.equal(c.current[i], count(name)));
    c.categories.forEach((name, i) => assert.equal(c.reference![i], REFERENCE.filter((r) => r.tier === name).length));
    assert.equal(c.otherCurrent, 0);
    assert.deepEqual(
      [...f.current.newCategories!].sort((a, b) => (a.value < b.value ? -1 : 1)),
      [HOSTILE, 'platinum'].sort().map((value) => ({ value, count: count(value) })),
    );
    assert.equal(f.current.newCategoryCount, 2);
    // Findings: the stored data-quality results' findings on this column, one row per (monitor, version, type).
    const stored = await results(`from=${f.range.from}&to=${f.range.to}&monitor=dq`);
    const expected = new Map<string, { windows: number; examples: Set<string> }>();
    for (const r of stored) {
      for (const x of r.findings ?? []) {
        if (x.column !== 'tier') continue;
        const k = `${r.version}|${x.type}`;
        const e = expected.get(k) ?? { windows: 0, examples: new Set<string>() };
        e.windows++;
        for (const ex of x.examples ?? []) e.examples.add(ex);
        expected.set(k, e);
      }
    }
    assert.ok(expected.size > 0);
    assert.deepEqual(new Set(f.findings.map((x) => `${x.version}|${x.type}`)), new Set(expected.keys()));
    for (const x of f.findings) {
      const e = expected.get(`${x.version}|${x.type}`)!;
      assert.equal(x.windows, e.windows);
      assert.deepEqual(new Set(x.examples), e.examples);
    }
    assert.ok(f.findings.some((x) => x.type === 'new_categories' && x.examples.includes(HOSTILE)));
  });

  test('the HTML report of a window: the same Report as the JSON route, rendered and escaped', async () => {
    const q = `from=${new Date(T0 + DAY).toISOString()}&to=${new Date(T0 + 2 * DAY).toISOString()}&version=v1`;
    const res = await get(`/v1/models/shop/report.html?${q}&download=true`);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="modelwatch-shop-v1-20240602T000000Z-20240603T000000Z\.html"$/);
    const report = await json<{ drift: { share: number }; current: { rows: number } }>(`/v1/models/shop/report?${q}`);
    const field = (name: string) => JSON.parse(new RegExp(`data-field="${name.replace('.', '\\.')}"[^>]*data-value="([^"]*)"|data-value="([^"]*)"[^>]*data-field="${name.replace('.', '\\.')}"`).exec(res.body)!.slice(1).find((x) => x !== undefined)!.replace(/&quot;/g, '"'));
    assert.equal(field('drift.share'), report.drift.share);
    assert.equal(field('current.rows'), report.current.rows);
    assert.equal(report.current.rows, inRange(T0 + DAY, T0 + 2 * DAY, 'v1').length);
    // Hostile names and categories appear only escaped.
    assert.ok(!res.body.includes(HOSTILE) && !res.body.includes(HOSTILE_IMG));
    assert.ok(res.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    const inline = await get(`/v1/models/shop/report.html?${q}`);
    assert.match(String(inline.headers['content-disposition']), /^inline;/);
  });

  test('store: aggregates per bucket equal the records and the per-window aggregates', async () => {
    const bucketMs = 5 * HOUR;
    const from = T0 + 2 * HOUR;
    const to = T0 + 2 * DAY + 7 * HOUR;
    for (const version of [null, 'v1']) {
      const q = { model: 'shop', from, to, version, bucketMs };
      const nums = await s.store.numericAggregateByBucket({ ...q, column: 'amount' });
      const cats = await s.store.categoryCountsByBucket({ ...q, column: 'tier', topK: 3 });
      const expectedStarts = [...new Set(inRange(from, to, version).map((e) => from + Math.floor((e.ts - from) / bucketMs) * bucketMs))];
      assert.deepEqual(nums.map((b) => b.start), expectedStarts);
      assert.deepEqual(cats.map((b) => b.start), expectedStarts);
      const end = (start: number) => Math.min(to, start + bucketMs);
      for (const b of nums) {
        const evs = inRange(b.start, end(b.start), version);
        const values = evs.map((e) => e.amount).filter((v): v is number => v !== null);
        assert.equal(b.rows, evs.length);
        assert.equal(b.nulls, evs.length - values.length);
        assert.equal(b.count, values.length);
        assert.equal(b.min, Math.min(...values));
        assert.equal(b.max, Math.max(...values));
        const mean = values.reduce((a, v) => a + v, 0) / values.length;
        assert.ok(Math.abs(b.mean - mean) < 1e-9);
        assert.ok(Math.abs(b.variance - values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) < 1e-6);
        const one = await s.store.numericAggregate({ model: 'shop', from: b.start, to: end(b.start), version, column: 'amount' });
        assert.deepEqual({ ...b, start: undefined, mean: undefined, variance: undefined }, { ...one, start: undefined, mean: undefined, variance: undefined });
      }
      for (const b of cats) {
        const one = await s.store.categoryCounts({ model: 'shop', from: b.start, to: end(b.start), version, column: 'tier', topK: 3 });
        assert.deepEqual({ ...b, start: undefined }, { ...one, start: undefined });
        const evs = inRange(b.start, end(b.start), version);
        assert.equal(b.rows, evs.length);
        for (const t of b.top) assert.equal(t.count, evs.filter((e) => e.tier === t.value).length);
      }
    }
    await assert.rejects(s.store.categoryCountsByBucket({ model: 'shop', from, to, column: 'tier', topK: 3, bucketMs: 0 }), /bucketMs/);
  });

  test('errors name the parameter; unknown models and columns are 404', async () => {
    const cases: [string, number, RegExp][] = [
      ['/v1/dashboard/models/nope', 404, /no model named "nope"/],
      ['/v1/dashboard/models/shop/features/nope', 404, /no column "nope"/],
      ['/v1/dashboard/models/shop/features/label', 404, /no column "label" stored with events/],
      ['/v1/dashboard/models/shop?range=3x', 400, /querystring\.range/],
      ['/v1/dashboard/models/shop?range=10s', 400, /querystring\.range/],
      ['/v1/dashboard/overview?range=nope', 400, /querystring\.range/],
      ['/v1/dashboard/models/shop?from=2024-06-01', 400, /querystring\.to: a custom range needs both/],
      ['/v1/dashboard/models/shop?from=2024-06-02&to=2024-06-01', 400, /querystring\.to: must be after from/],
      ['/v1/dashboard/models/shop?from=2024-06-01&to=2024-06-02&range=1h', 400, /querystring\.range/],
      ['/v1/dashboard/models/shop?bogus=1', 400, /bogus/],
      ['/v1/models/nope/report.html', 404, /no model named/],
    ];
    for (const [url, status, message] of cases) {
      const res = await get(url);
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      assert.match(JSON.parse(res.body).message, message, url);
    }
  });

  test('authentication: the shell is public, the dashboard API needs the read scope', async () => {
    for (const url of ['/v1/dashboard/overview', '/v1/dashboard/models/shop', '/v1/dashboard/models/shop/features/amount', '/v1/models/shop/report.html']) {
      assert.equal((await get(url, {})).statusCode, 401, url);
      assert.equal((await get(url, auth(WRITE))).statusCode, 403, url);
    }
    const shell = await get('/', {});
    assert.equal(shell.statusCode, 200);
    assert.match(String(shell.headers['content-type']), /^text\/html/);
  });
});

describe('dashboard files', () => {
  const built = existsSync(join(dashboardAssetsDir(), 'index.html'));

  test('the built app is served at / and on client routes (npm run build builds it)', { skip: built || process.env.CI ? false : 'packages/ui/dist-app is not built: run npm run build' }, async () => {
    const s = await createServer({ config: resolveConfig({ store: { type: 'duckdb', path: ':memory:' } }, { baseDir: '/' }), defaultMetrics: false });
    try {
      const index = await s.app.inject({ method: 'GET', url: '/' });
      assert.equal(index.statusCode, 200);
      assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(index.headers['cache-control'], 'no-cache');
      assert.equal(index.headers['content-security-policy'], DASHBOARD_CSP);
      const assets = [...index.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), index.body);
      for (const a of assets) {
        const res = await s.app.inject({ method: 'GET', url: a, headers: { 'accept-encoding': 'gzip, br' } });
        assert.equal(res.statusCode, 200, a);
        assert.equal(res.headers['content-type'], a.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
        assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
        assert.equal(res.headers['content-encoding'], 'gzip');
        assert.ok(gunzipSync(res.rawPayload).length > res.rawPayload.length);
      }
      for (const route of ['/models', '/models/shop', `/models/${encodeURIComponent(HOSTILE)}/features/x`, '/alerts']) {
        const res = await s.app.inject({ method: 'GET', url: route });
        assert.equal(res.statusCode, 200, route);
        assert.equal(res.body, index.body, route);
      }
      // Not a client route: the API's JSON 404.
      for (const url of ['/nope', '/v1/nope', '/assets/nope.js']) {
        const res = await s.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 404, url);
        assert.match(String(res.headers['content-type']), /application\/json/);
      }
      assert.ok(s.app.hasRoute({ method: 'GET', url: '/' }));
    } finally {
      await s.close();
    }
  });

  test('files from memory: types, gzip, ETag and 304, HEAD, no path traversal', async () => {
    const tmp = tempDir('mw-dash-files-');
    try {
      const dir = join(tmp.dir, 'app');
      mkdirSync(join(dir, 'assets', 'sub'), { recursive: true });
      writeFileSync(join(dir, 'index.html'), `<!doctype html><title>t</title>${'x'.repeat(2000)}`);
      writeFileSync(join(dir, 'assets', 'a-123.js'), `console.log(${JSON.stringify('y'.repeat(3000))});`);
      writeFileSync(join(dir, 'assets', 'sub', 'b.css'), 'body{color:red}');
      writeFileSync(join(dir, 'assets', 'data.bin'), 'not served: unknown type');
      writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      writeFileSync(join(tmp.dir, 'secret.js'), 'TOP-SECRET-CONTENT');
      const app = Fastify();
      registerDashboard(app, { dir });
      await app.ready();
      const js = await app.inject({ method: 'GET', url: '/assets/a-123.js' });
      assert.equal(js.statusCode, 200);
      assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(js.headers['content-encoding'], undefined);
      assert.equal(js.headers.vary, 'accept-encoding');
      const gz = await app.inject({ method: 'GET', url: '/assets/a-123.js', headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.equal(gunzipSync(gz.rawPayload).toString(), js.body);
      const refused = await app.inject({ method: 'GET', url: '/assets/a-123.js', headers: { 'accept-encoding': 'gzip;q=0' } });
      assert.equal(refused.headers['content-encoding'], undefined);
      const etag = String(js.headers.etag);
      assert.match(etag, /^"[\w-]{22}"$/);
      const again = await app.inject({ method: 'GET', url: '/assets/a-123.js', headers: { 'if-none-match': etag } });
      assert.equal(again.statusCode, 304);
      assert.equal(again.body, '');
      const head = await app.inject({ method: 'HEAD', url: '/' });
      assert.equal(head.statusCode, 200);
      assert.equal(head.body, '');
      assert.equal((await app.inject({ method: 'GET', url: '/assets/sub/b.css' })).headers['content-type'], 'text/css; charset=utf-8');
      assert.equal((await app.inject({ method: 'GET', url: '/favicon.svg' })).headers['content-type'], 'image/svg+xml');
      for (const url of ['/assets/../../secret.js', '/assets/%2e%2e/%2e%2e/secret.js', '/assets/..%2f..%2fsecret.js', '/assets/data.bin', '/assets/', '/assets/sub/../a-123.jsx']) {
        const res = await app.inject({ method: 'GET', url });
        assert.notEqual(res.statusCode, 200, url);
        assert.ok(!res.body.includes('TOP-SECRET-CONTENT'), url);
      }
      await app.close();
      // Not built: a page saying so, not a crash.
      const bare = Fastify();
      registerDashboard(bare, { dir: join(tmp.dir, 'missing') });
      const res = await bare.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /npm run build/);
      await bare.close();
    } finally {
      tmp.cleanup();
    }
  });
});

describe('dashboard ranges', () => {
  const bounds = (min: number, max: number) => ({ events: 10, min, max });
  const now = Date.UTC(2026, 0, 10, 12, 34, 56);

  test('preset ranges end now for live data, at the last event for history, aligned to buckets', () => {
    let r = resolveRange({ range: '24h' }, bounds(now - 3 * DAY, now - HOUR), now, 48);
    assert.equal(r.bucketMs, 30 * MIN);
    assert.deepEqual(r.range, { from: Date.UTC(2026, 0, 9, 13, 0), to: Date.UTC(2026, 0, 10, 13, 0), anchor: 'now' });
    r = resolveRange({ range: '24h' }, bounds(now - 30 * DAY, now - 2 * DAY), now, 48);
    assert.equal(r.range.anchor, 'data');
    assert.equal(r.range.to, Math.ceil((now - 2 * DAY + 1) / (30 * MIN)) * 30 * MIN);
    assert.equal(r.range.to - r.range.from, DAY);
    r = resolveRange({}, { events: 0, min: NaN, max: NaN }, now, 48);
    assert.equal(r.range.anchor, 'now');
    r = resolveRange({ range: 'all' }, bounds(Date.UTC(2001, 1, 15, 0, 1), Date.UTC(2001, 2, 14, 23, 58)), now, 120);
    assert.equal(r.range.anchor, 'data');
    assert.ok(r.range.from <= Date.UTC(2001, 1, 15, 0, 1) && r.range.to > Date.UTC(2001, 2, 14, 23, 58));
    assert.ok((r.range.to - r.range.from) / r.bucketMs <= 120);
    assert.equal(r.range.from % r.bucketMs, 0);
    r = resolveRange({ from: '2024-01-01T00:00:00Z', to: String(Date.UTC(2024, 0, 2)) }, bounds(0, 1), now, 120);
    assert.deepEqual(r.range, { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 0, 2), anchor: 'custom' });
  });

  test('bucket steps, thinning, nextDown and counting on edges', () => {
    assert.equal(bucketFor(HOUR, 120), MIN);
    assert.equal(bucketFor(7 * DAY, 120), 3 * HOUR);
    assert.equal(bucketFor(3650 * DAY, 48), 77 * DAY);
    const kept = thin(Array.from({ length: 1001 }, (_, i) => i), 500);
    assert.ok(kept.length <= 500 && kept[kept.length - 1] === 1000);
    assert.deepEqual(thin([1, 2, 3], 5), [1, 2, 3]);
    for (const x of [1, -1, 0.1, 1e-300, -5e-324, 12345.678]) {
      const d = nextDown(x);
      const mid = d + (x - d) / 2;
      assert.ok(d < x && (mid === d || mid === x), `${x}: ${d} is the largest double below it`);
    }
    assert.equal(nextDown(0), -Number.MIN_VALUE);
    const values = Float64Array.from([0, 0.5, 1, 1, 2, NaN, Infinity, 3, -1]);
    const nulls = Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 0, 0]);
    assert.deepEqual(countOnEdges(values, nulls, [0, 1, 2]), naiveCounts([0, 0.5, 1, 2, 3, -1], [0, 1, 2]));
  });
});
