/**
 * The dashboard's hourly rollups (store/duckdb/rollups.ts) give the answers a
 * raw scan gives: two services receive the same events, one store with
 * rollups, one without, and every dashboard response's store-derived parts
 * (traffic, outputs over time, feature distributions) must match — counts
 * exactly, sums, means and deviations up to floating-point rounding — with
 * rollups complete, with stale hours (backfilled and late events not folded
 * yet), after folding them, after retention, and for columns with too many
 * values per hour to roll up (histograms from kept edge sets). Estimated
 * latency quantiles stay within their stated error of the exact ones.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FeatureResponse, ModelTimelineResponse, OverviewResponse } from '@modelwatch/ui/dashboard';
import { createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { LATENCY_RELATIVE_ERROR, planCounts, quantileFromBins } from '../src/store/duckdb/rollup-read.js';
import { tempDir } from './helpers/fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 2, 1);

const SCHEMA = {
  task: 'binary',
  columns: [
    { name: 'items', kind: 'numeric', role: 'feature' },
    { name: 'amount', kind: 'numeric', role: 'feature' },
    { name: 'country', kind: 'categorical', role: 'feature' },
    { name: 'code', kind: 'categorical', role: 'feature' },
    { name: 'is_new', kind: 'boolean', role: 'feature' },
    { name: 'signup', kind: 'datetime', role: 'feature' },
    { name: 'pred', kind: 'categorical', role: 'prediction' },
    { name: 'p', kind: 'numeric', role: 'score', scoreOf: '1' },
    { name: 'label', kind: 'categorical', role: 'target' },
  ],
};
const REFERENCE = Array.from({ length: 400 }, (_, i) => ({ items: i % 12, amount: 10 + ((i * 37) % 500) / 7, country: ['NL', 'DE', 'FR'][i % 3], code: `k${i % 9}`, is_new: i % 2 === 0, signup: T0 - (i % 50) * DAY, pred: i % 4 ? '0' : '1', p: (i % 9) / 9, label: i % 3 ? '0' : '1' }));

/** Deterministic pseudo-random in [0, 1). */
const rand = (i: number) => {
  let x = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
};

function record(i: number, ts: number) {
  const r = rand(i);
  return {
    id: `e${i}`,
    ts,
    version: i % 3 === 0 ? 'v2' : 'v1',
    features: {
      items: i % 23 === 0 ? null : i % 15,
      amount: i % 19 === 0 ? null : Math.round(r * 1e6) / 997,
      country: i % 13 === 0 ? null : ['NL', 'DE', 'FR', 'BE', 'PL'][i % 5],
      code: `k${i % 7}`,
      is_new: i % 11 === 0 ? null : i % 2 === 0,
      signup: T0 - Math.floor(r * 40) * DAY,
    },
    prediction: r > 0.7 ? '1' : '0',
    scores: { '1': r },
    latency_ms: i % 17 === 0 ? undefined : 0.5 + r * r * 40,
    error: i % 41 === 0 ? true : i % 7 === 0 ? undefined : false,
  };
}

/** 3 days, one event a minute, starting at 00:00:30. */
const MAIN = Array.from({ length: 3 * 24 * 60 }, (_, i) => record(i, T0 + 30_000 + i * MIN));
/** Backfill into already folded hours of day 2, and late events after the last hour. */
const BACKFILL = Array.from({ length: 400 }, (_, k) => record(100_000 + k, T0 + DAY + 7 * HOUR + k * 9_000));
const LATE = Array.from({ length: 300 }, (_, k) => record(200_000 + k, T0 + 3 * DAY + 2 * HOUR + k * 20_000));
/** One busy hour whose `code` values and `amount`s are too many to roll up. */
const BURST = Array.from({ length: 1500 }, (_, k) => ({ ...record(300_000 + k, T0 + DAY + 15 * HOUR + 100 + k * 2000), features: { ...record(300_000 + k, 0).features, code: `burst-${k}`, amount: 5000 + k / 3 } }));

/** Deep equality with numbers equal up to rounding (relative 1e-9). */
function assertClose(a: unknown, b: unknown, path = '$'): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b) && Math.abs(a) < 2 ** 53) return assert.equal(a, b, `${path}: ${a} vs ${b}`);
    assert.ok(a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)), `${path}: ${a} vs ${b}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    assert.equal(a.length, b.length, `${path}: length ${a.length} vs ${b.length}`);
    a.forEach((x, i) => assertClose(x, b[i], `${path}[${i}]`));
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${path}: keys`);
    for (const k of Object.keys(a)) assertClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  assert.equal(a, b, path);
}

describe('dashboard rollups give the raw scan\'s answers', { timeout: 180_000 }, () => {
  const tmp = tempDir('mw-dash-rollups-');
  let rolled: DuckDBStore;
  let raw: DuckDBStore;
  let A: ModelwatchServer;
  let B: ModelwatchServer;

  const config = (dir: string) =>
    resolveConfig({ server: { dataDir: dir }, models: { shop: { task: 'binary', versions: ['v1', 'v2'], schema: SCHEMA, monitors: [{ name: 'dq', type: 'data_quality', window: '1d' }] } } }, { baseDir: dir });

  const send = async (records: unknown[]) => {
    for (const s of [A, B]) {
      const res = await s.app.inject({ method: 'POST', url: '/v1/models/shop/events', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(records) });
      assert.equal(res.statusCode, 200, res.body);
    }
  };
  const get = async <T>(s: ModelwatchServer, url: string): Promise<T> => {
    const res = await s.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return JSON.parse(res.body) as T;
  };

  const custom = `from=${new Date(T0 + 5 * HOUR + 12_345).toISOString()}&to=${T0 + 2 * DAY + 20 * HOUR + 777}`;
  const MODEL_URLS = ['range=all', 'range=7d', 'range=24h', 'range=all&version=v2', custom, `${custom}&version=v1`, `from=${T0}&to=${T0 + 3 * DAY}`];
  const FEATURES = ['items', 'amount', 'country', 'code', 'is_new', 'signup', 'pred', 'p'];

  /** Compares every dashboard answer of A (rollups) and B (raw); returns how many store reads A answered from rollups. */
  async function compareAll(): Promise<number> {
    const before = rolled.rollupReads;
    for (const qs of MODEL_URLS) {
      const [a, b] = await Promise.all([A, B].map((s) => get<ModelTimelineResponse>(s, `/v1/dashboard/models/shop?${qs}`)));
      assertClose({ range: a.range, bounds: a.bounds, activeVersions: a.activeVersions, traffic: a.traffic, predictions: a.predictions }, { range: b.range, bounds: b.bounds, activeVersions: b.activeVersions, traffic: b.traffic, predictions: b.predictions }, qs);
      assert.ok(a.traffic[0].summary.events > 0, qs);
    }
    for (const f of FEATURES) {
      for (const qs of ['range=all', custom, 'range=all&version=v2']) {
        const [a, b] = await Promise.all([A, B].map((s) => get<FeatureResponse>(s, `/v1/dashboard/models/shop/features/${f}?${qs}`)));
        const pick = (x: FeatureResponse) => ({ range: x.range, current: x.current, reference: x.reference, histogram: x.histogram, categories: x.categories });
        assertClose(pick(a), pick(b), `${f}?${qs}`);
      }
    }
    for (const r of ['all', '24h']) {
      const [a, b] = await Promise.all([A, B].map((s) => get<OverviewResponse>(s, `/v1/dashboard/overview?range=${r}`)));
      assertClose(a.models.map((m) => m.traffic), b.models.map((m) => m.traffic), `overview ${r}`);
    }
    return rolled.rollupReads - before;
  }

  before(async () => {
    // A long fold delay: folds run only when the test asks (rollupsIdle), so stale hours stay stale meanwhile.
    rolled = await DuckDBStore.open({ path: join(tmp.dir, 'a', 'modelwatch.duckdb'), rollupDelayMs: 3_600_000 });
    raw = await DuckDBStore.open({ path: join(tmp.dir, 'b', 'modelwatch.duckdb'), rollups: false });
    A = await createServer({ config: config(join(tmp.dir, 'a')), store: rolled, defaultMetrics: false });
    B = await createServer({ config: config(join(tmp.dir, 'b')), store: raw, defaultMetrics: false });
    for (const s of [A, B]) {
      const res = await s.app.inject({ method: 'PUT', url: '/v1/models/shop/reference', headers: { 'content-type': 'application/x-ndjson' }, payload: REFERENCE.map((r) => JSON.stringify(r)).join('\n') });
      assert.equal(res.statusCode, 200, res.body);
    }
    await send(MAIN);
  });
  after(async () => {
    await A?.close();
    await B?.close();
    tmp.cleanup();
  });

  test('before any fold, the rollups are not used and answers are raw', async () => {
    assert.equal(await compareAll(), 0);
  });

  test('folded: answers from the rollups equal the raw ones', async () => {
    await rolled.rollupsIdle();
    const before = planCounts.complete;
    assert.ok((await compareAll()) > 20, 'the rollups answered');
    assert.ok(planCounts.complete > before, 'known complete: no per-hour check');
  });

  test('backfilled and late events not folded yet: stale hours are read raw, answers still equal', async () => {
    await send(BACKFILL);
    await send(LATE);
    const before = { ...planCounts };
    const reads = await compareAll();
    assert.ok(reads > 20, 'the rollups still answered for the other hours');
    // The commit hook's hours are read raw; the rest is trusted without checking every hour.
    assert.ok(planCounts.touched > before.touched);
    assert.equal(planCounts.checked, before.checked);
  });

  test('after folding the new events, and with a column too varied to roll up', async () => {
    await rolled.rollupsIdle();
    await send(BURST);
    await rolled.rollupsIdle();
    // The busy hour holds 1500 distinct codes and amounts: `code` is read raw; `amount` keeps its moments, and its
    // histogram is read raw until its edges are kept (asked for by the first request, built by the next fold).
    assert.ok((await compareAll()) > 20);
    await rolled.rollupsIdle();
    const sets = planCounts.histogramSets;
    assert.ok((await compareAll()) > 20);
    assert.ok(planCounts.histogramSets > sets, 'histograms of amount from its kept edge sets');
  });

  test('retention deletes old events and their rollups; answers still equal, before and after the next fold', async () => {
    const cutoff = T0 + 20 * HOUR + 17 * MIN;
    const [ra, rb] = await Promise.all([rolled.applyRetention({ events: cutoff }), raw.applyRetention({ events: cutoff })]);
    assert.equal(ra.events, rb.events);
    assert.ok(ra.events > 1000);
    await compareAll();
    await rolled.rollupsIdle();
    assert.ok((await compareAll()) > 20);
  });

  test('events not folded before a restart are folded at start (the rollups are durable; a full check finds stale hours)', async () => {
    await send(Array.from({ length: 200 }, (_, k) => record(400_000 + k, T0 + 2 * DAY + 3 * HOUR + k * 7_000)));
    const dir = join(tmp.dir, 'a');
    await A.close(); // the pending fold never ran
    rolled = await DuckDBStore.open({ path: join(dir, 'modelwatch.duckdb'), rollupDelayMs: 3_600_000 });
    A = await createServer({ config: config(dir), store: rolled, defaultMetrics: false });
    assert.ok((await compareAll()) > 20, 'stale hours read raw, the rest from the rollups kept in the file');
    await rolled.rollupsIdle();
    assert.ok((await compareAll()) > 20);
  });

  test('estimated latency quantiles are within the stated error of the exact ones', async () => {
    for (const w of [{ from: T0, to: T0 + 4 * DAY }, { from: T0 + 3 * HOUR + 5, to: T0 + 2 * DAY + 7, version: 'v2' }]) {
      const q = { model: 'shop', ...w };
      const est = await rolled.latencySummary(q);
      const exact = await raw.windowSummary({ ...q, columns: [] });
      assert.equal(est.rows, exact.rows);
      assert.equal(est.errors, exact.errors);
      assert.equal(est.errorFlags, exact.errorFlags);
      assert.equal(est.latencyCount, exact.latencyCount);
      assert.equal(est.relativeError, LATENCY_RELATIVE_ERROR);
      for (const [e, x] of [[est.latencyP50Ms, exact.latencyP50Ms], [est.latencyP99Ms, exact.latencyP99Ms]]) {
        assert.ok(Math.abs(e - x) <= LATENCY_RELATIVE_ERROR * x + 1e-12, `${e} vs exact ${x}`);
      }
    }
  });

  test('quantiles from bins: interpolation between order statistics, clamped to the observed range', () => {
    // Bins 0 (1 ms … 1.044 ms) ×3 and 16 (2 ms … 2.09 ms) ×1.
    const bins: [number, number][] = [[16, 1], [0, 3]];
    const mid0 = 2 ** (0.5 / 16);
    assert.equal(quantileFromBins(bins, 0, 1, 2.03), mid0);
    // The top order statistic's bin middle (2^(16.5/16) ≈ 2.044) lies above the largest latency: clamped.
    assert.equal(quantileFromBins(bins, 1, 1, 2.03), 2.03);
    assert.equal(quantileFromBins(bins, 1, 1, 2.05), 2 ** (16.5 / 16));
    assert.ok(Math.abs(quantileFromBins(bins, 5 / 6, 1, 2.03) - (mid0 + 0.5 * (2.03 - mid0))) < 1e-12);
    assert.ok(Number.isNaN(quantileFromBins([], 0.5, 0, 1)));
  });
});
