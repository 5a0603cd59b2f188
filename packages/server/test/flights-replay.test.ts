/**
 * End to end on real data: US flights of January–June 2001 (`vega-datasets`'
 * flights-3m.parquet, 3 million flights, read with DuckDB), replayed into a real
 * server over HTTP.
 *
 * - A delay model `flights`: features `dep_hour` = hour(date), `day_of_week` =
 *   dayofweek(date), `distance`, `origin`, `destination`; a deterministic score
 *   `p_delay` (a logistic function of the features) and prediction `pred`
 *   (`p_delay >= 0.3`); the truth `delayed` = delay > 15 minutes.
 * - Reference: every flight of January 2001 (508 239 rows), uploaded as Parquet
 *   through `PUT /v1/models/flights/reference`.
 * - Events: the flights of February–June 2001 at their real departure times, a
 *   deterministic subsample to keep CI time reasonable — the flights whose
 *   DuckDB `hash(file_row_number) % 12 = 0` (about 207 000 events) — posted over
 *   HTTP in NDJSON batches of 5 000.
 * - Feedback: the truth for the flights whose `hash(file_row_number * 31 + 7) % 4 <> 0`
 *   (three quarters), known 2 to 49 hours after departure, posted after all events.
 * - Monitors, defined over the API: tumbling 1-week feature drift (sampled
 *   jointly to 6 000 rows per window by the md5 rule; `ks` on dep_hour, `chi2`
 *   on origin, defaults elsewhere), prediction drift, data quality and model
 *   quality.
 *
 * Checked: for several windows, the stored results equal what the core's
 * `compare()` computes on the same rows read independently from the parquet file
 * (same window bounds, same subsample, the same md5 sample computed here); model
 * quality equals the core's on the labelled rows; label coverage is 0 before the
 * feedback and exact after it; and a second server fed the same data in another
 * order (June first, months backwards, batches shuffled, each month's feedback
 * right after its events, evaluations in between) stores identical results.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compare } from '@modelwatch/core';
import type { Report, Schema, Table } from '@modelwatch/core';
import { createServer } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import { MONITOR_SAMPLE_SEED } from '../src/monitor/evaluate.js';
import type { MonitorResult } from '../src/monitor/result.js';
import { codePointCompare, tempDir } from './helpers/fixtures.js';
import { numbers, quantile, rng, sortedDict, stable } from './helpers/monitors.js';

const PARQUET = fileURLToPath(new URL('../../../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url));
const DAY = 86_400_000;
const WEEK = 7 * DAY;
const FEB = Date.UTC(2001, 1, 1);
const JUL = Date.UTC(2001, 6, 1);
const BATCH = 5000;
const DRIFT_SAMPLE = 6000;

const SCHEMA: Schema = {
  task: 'binary',
  positiveLabel: '1',
  columns: [
    { name: 'dep_hour', kind: 'numeric', role: 'feature' },
    { name: 'day_of_week', kind: 'numeric', role: 'feature' },
    { name: 'distance', kind: 'numeric', role: 'feature' },
    { name: 'origin', kind: 'categorical', role: 'feature' },
    { name: 'destination', kind: 'categorical', role: 'feature' },
    { name: 'pred', kind: 'categorical', role: 'prediction' },
    { name: 'p_delay', kind: 'numeric', role: 'score', scoreOf: '1' },
    { name: 'delayed', kind: 'categorical', role: 'target' },
  ],
};
const FEATURES = ['dep_hour', 'day_of_week', 'distance', 'origin', 'destination'];
const OUTPUTS = ['pred', 'p_delay'];
const QUALITY = ['pred', 'p_delay', 'delayed'];

const DRIFT_METHODS = { columns: { dep_hour: { method: 'ks' }, origin: { method: 'chi2' } } };
const MONITORS: Record<string, Record<string, unknown>> = {
  drift: { type: 'feature_drift', window: '7d', sampleLimit: DRIFT_SAMPLE, methods: DRIFT_METHODS },
  pred: { type: 'prediction_drift', window: '7d' },
  dq: { type: 'data_quality', window: '7d' },
  quality: { type: 'model_quality', window: '7d' },
};

/** The model's outputs and the truth, as SQL over the parquet's columns (the same for the reference, the events and the checks). */
const COLUMNS_SQL = `
  CAST(hour(date) AS DOUBLE) AS dep_hour,
  CAST(dayofweek(date) AS DOUBLE) AS day_of_week,
  CAST(distance AS DOUBLE) AS distance,
  origin, destination,
  round(1 / (1 + exp(-(-2.4 + 0.09 * (hour(date) - 6) + 0.00025 * distance + CASE WHEN origin IN ('ORD', 'ATL', 'DFW', 'EWR', 'SFO') THEN 0.5 ELSE 0 END))), 4) AS p_delay,
  CASE WHEN delay > 15 THEN '1' ELSE '0' END AS delayed`;
/** The subsample of events (about 1 in 12 flights). */
const SAMPLED = `hash(file_row_number) % 12 = 0`;
const LABELLED = `hash(file_row_number * 31 + 7) % 4 <> 0`;
const LAG_MS = `(2 + hash(file_row_number + 1) % 48) * 3600000`;

function source(): string {
  return `read_parquet('${PARQUET.replace(/'/g, "''")}', file_row_number = true)`;
}

interface Flight {
  id: string;
  ts: number;
  dep_hour: number;
  day_of_week: number;
  distance: number;
  origin: string;
  destination: string;
  pred: string;
  p_delay: number;
  delayed: string;
  /** Feedback time, or null when the flight gets no feedback. */
  fbTs: number | null;
}

/** The sampled flights of [from, to), read from the parquet file. */
async function flights(conn: DuckDBConnection, from: number, to: number): Promise<Flight[]> {
  const res = await conn.runAndReadAll(
    `SELECT 'f' || file_row_number AS id, CAST(epoch_ms(date) AS DOUBLE) AS ts, ${COLUMNS_SQL},
       CASE WHEN ${LABELLED} THEN CAST(epoch_ms(date) + ${LAG_MS} AS DOUBLE) END AS fb_ts
     FROM ${source()}
     WHERE ${SAMPLED} AND epoch_ms(date) >= $1 AND epoch_ms(date) < $2
     ORDER BY file_row_number`,
    [from, to],
  );
  return res.getRowObjectsJS().map((r) => ({
    id: r.id as string,
    ts: r.ts as number,
    dep_hour: r.dep_hour as number,
    day_of_week: r.day_of_week as number,
    distance: r.distance as number,
    origin: r.origin as string,
    destination: r.destination as string,
    pred: (r.p_delay as number) >= 0.3 ? '1' : '0',
    p_delay: r.p_delay as number,
    delayed: r.delayed as string,
    fbTs: (r.fb_ts as number | null) ?? null,
  }));
}

const eventJson = (f: Flight) =>
  JSON.stringify({
    id: f.id,
    ts: f.ts,
    features: { dep_hour: f.dep_hour, day_of_week: f.day_of_week, distance: f.distance, origin: f.origin, destination: f.destination },
    prediction: f.pred,
    scores: { p_delay: f.p_delay },
  });
const feedbackJson = (f: Flight) => JSON.stringify({ id: f.id, target: f.delayed, ts: f.fbTs });

/** The core Table of flights, rows ordered by (ts, id) as the store reads windows (or as given, for the reference). */
function tableOf(rows: readonly Flight[], names: readonly string[], keepOrder = false): Table {
  const sorted = keepOrder ? rows : [...rows].sort((a, b) => a.ts - b.ts || codePointCompare(a.id, b.id));
  const columns = names.map((n) => {
    const kind = SCHEMA.columns.find((c) => c.name === n)!.kind;
    const values = sorted.map((r) => r[n as keyof Flight] as string | number);
    return kind === 'numeric' ? numbers(values as number[]) : sortedDict(values as string[]);
  });
  return { names: [...names], columns, numRows: sorted.length };
}

/** The rows the monitors' joint sample keeps: the `limit` with the smallest md5 of `seed ␟ id ␟ ts` (computed here). */
function md5Sample(rows: readonly Flight[], limit: number): Flight[] {
  if (rows.length <= limit) return [...rows];
  const key = (r: Flight) => createHash('md5').update(`${MONITOR_SAMPLE_SEED}\u001f${r.id}\u001f${r.ts}`).digest('hex');
  return rows
    .map((r) => ({ r, k: key(r) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .slice(0, limit)
    .map((x) => x.r);
}

const sub = (names: readonly string[]): Schema => ({ ...SCHEMA, columns: SCHEMA.columns.filter((c) => names.includes(c.name)) });

async function send(url: string, what: 'events' | 'feedback', lines: readonly string[]): Promise<void> {
  const res = await fetch(`${url}/v1/models/flights/${what}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
  const body = (await res.json()) as { accepted: number; rejectedCount: number };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.rejectedCount, 0);
  assert.equal(body.accepted, lines.length);
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A server on a fresh data directory with the flights model, its reference and monitors (over the API). */
async function start(dir: string, referenceFile: string): Promise<ModelwatchServer> {
  // Evaluation waits for quiet (marks during a replay are merged); evaluateNow() runs it at once.
  const s = await createServer({ dataDir: dir, port: 0, defaultMetrics: false, monitors: { debounceMs: 2000, maxDelayMs: 60_000 } });
  const url = await s.listen();
  let r = await json(`${url}/v1/models/flights`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema: SCHEMA, versions: ['v1'] }) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await json(`${url}/v1/models/flights/reference`, { method: 'PUT', headers: { 'content-type': 'application/vnd.apache.parquet' }, body: await readFile(referenceFile) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.rows, 508_239);
  for (const [name, body] of Object.entries(MONITORS)) {
    r = await json(`${url}/v1/models/flights/monitors/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  return s;
}

async function allResults(s: ModelwatchServer, monitor?: string): Promise<Map<string, MonitorResult>> {
  const out = new Map<string, MonitorResult>();
  for (const r of await s.store.getResults({ model: 'flights', monitor, limit: 100_000 })) out.set(`${r.monitor}/${new Date(r.windowEnd).toISOString()}`, r.payload as MonitorResult);
  return out;
}

const weekEnds: number[] = [];
for (let end = Math.ceil((FEB + 1) / WEEK) * WEEK; end - WEEK < JUL; end += WEEK) weekEnds.push(end);

describe('flights replay (real data, end to end)', { timeout: 600_000 }, () => {
  const tmp = tempDir('mw-flights-');
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  let a: ModelwatchServer;
  let b: ModelwatchServer | undefined;
  let events: Flight[] = [];
  let referenceTable: Table;
  const referenceFile = join(tmp.dir, 'january.parquet');

  before(async () => {
    db = await DuckDBInstance.create(':memory:', { threads: '2' });
    conn = await db.connect();
    // The reference file: every flight of January 2001 with the model's outputs, as a user would export it.
    await conn.run(
      `COPY (SELECT dep_hour, day_of_week, distance, origin, destination, CASE WHEN p_delay >= 0.3 THEN '1' ELSE '0' END AS pred, p_delay, delayed
             FROM (SELECT file_row_number, ${COLUMNS_SQL} FROM ${source()} WHERE date < '2001-02-01') ORDER BY file_row_number)
       TO '${referenceFile.replace(/'/g, "''")}' (FORMAT parquet)`,
    );
    // The reference as the core sees it, read independently (not through the service).
    const ref = await conn.runAndReadAll(
      `SELECT 'r' || file_row_number AS id, 0::DOUBLE AS ts, ${COLUMNS_SQL} FROM ${source()} WHERE date < '2001-02-01' ORDER BY file_row_number`,
    );
    const refRows = ref.getRowObjectsJS().map((r) => ({ ...r, pred: (r.p_delay as number) >= 0.3 ? '1' : '0' })) as unknown as Flight[];
    referenceTable = tableOf(refRows, [...FEATURES, ...OUTPUTS], true);
    events = await flights(conn, FEB, JUL);
    mkdirSync(join(tmp.dir, 'a'));
    a = await start(join(tmp.dir, 'a'), referenceFile);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    conn?.disconnectSync();
    db?.closeSync();
    tmp.cleanup();
  });

  test('events posted over HTTP, week by week: every window evaluated; no labels yet', async (t) => {
    assert.ok(events.length > 190_000 && events.length < 230_000, `${events.length} events`);
    const started = performance.now();
    for (let i = 0; i < events.length; i += BATCH) await send(a.url!, 'events', events.slice(i, i + BATCH).map(eventJson));
    const posted = performance.now();
    await a.monitors.evaluateNow();
    t.diagnostic(`${events.length} events posted in ${((posted - started) / 1000).toFixed(1)} s, evaluated in ${((performance.now() - posted) / 1000).toFixed(1)} s`);
    const results = await allResults(a);
    const expected = new Set(Object.keys(MONITORS).flatMap((m) => weekEnds.map((e) => `${m}/${new Date(e).toISOString()}`)));
    assert.deepEqual(new Set(results.keys()), expected);
    for (const end of weekEnds) {
      const rows = events.filter((f) => f.ts >= end - WEEK && f.ts < end).length;
      const q = results.get(`quality/${new Date(end).toISOString()}`)!;
      assert.equal(q.metrics.rows, rows);
      assert.equal(q.metrics.labelled_rows, 0);
      assert.equal(q.metrics.label_coverage_ratio, 0);
      assert.equal(q.metrics.label_lag_seconds, null);
      assert.equal(q.metrics.accuracy, null, 'no quality value without labels');
      assert.equal(q.metrics.roc_auc, null);
      assert.equal(q.note, 'no labelled events in the window yet');
      const d = results.get(`drift/${new Date(end).toISOString()}`)!;
      assert.deepEqual(d.sampling, { total: rows, size: Math.min(rows, DRIFT_SAMPLE), sampled: rows > DRIFT_SAMPLE, method: rows > DRIFT_SAMPLE ? 'hash' : 'all', limit: DRIFT_SAMPLE });
    }
  });

  test('feature drift, prediction drift and data quality equal the core on the same rows read from the parquet file', async (t) => {
    // The first week, a spring week and the last full week of June.
    for (const end of [weekEnds[0], weekEnds[9], weekEnds[weekEnds.length - 2]]) {
      const at = new Date(end).toISOString();
      const rows = await flights(conn, end - WEEK, end);
      assert.ok(rows.length > DRIFT_SAMPLE, `${at}: ${rows.length} rows`);

      const drift = (await allResults(a, 'drift')).get(`drift/${at}`)!;
      const kept = md5Sample(rows, DRIFT_SAMPLE);
      const want = compare(referenceTable, tableOf(kept, FEATURES), { schema: sub(FEATURES), columns: DRIFT_METHODS.columns, currentSampledFrom: rows.length });
      assert.equal(drift.features!.length, FEATURES.length);
      for (const f of drift.features!) {
        const d = want.drift.columns.find((c) => c.column === f.feature)!;
        assert.deepEqual(
          { method: f.method, threshold: f.threshold, score: f.metrics.drift_score, p: f.metrics.p_value, detected: f.metrics.drift_detected, nRef: f.nRef, nCur: f.nCur },
          { method: d.method, threshold: d.threshold, score: d.value, p: d.pValue, detected: d.detected ? 1 : 0, nRef: 508_239, nCur: DRIFT_SAMPLE },
          `${at} ${f.feature}`,
        );
      }
      assert.deepEqual(drift.features!.map((f) => f.method), ['ks', 'wasserstein_normed', 'wasserstein_normed', 'chi2', 'jensen_shannon']);
      assert.equal(drift.metrics.dataset_drift_share, want.drift.share);
      t.diagnostic(`${at}: drifted ${drift.features!.filter((f) => f.metrics.drift_detected === 1).map((f) => `${f.feature} (${f.method} ${f.metrics.p_value ?? f.metrics.drift_score})`).join(', ') || 'nothing'}`);
      assert.equal(drift.metrics.dataset_drift_detected, want.drift.detected ? 1 : 0);

      // Prediction drift and data quality read every row of the window (one read shared by both monitors).
      const full = tableOf(rows, [...FEATURES, ...OUTPUTS]);
      const whole = compare(referenceTable, full, { schema: sub([...FEATURES, ...OUTPUTS]) });
      const pred = (await allResults(a, 'pred')).get(`pred/${at}`)!;
      const predDrift = whole.drift.columns.find((c) => c.column === 'pred')!;
      assert.deepEqual(
        [pred.metrics.prediction_drift_score, pred.metrics.prediction_drift_p_value, pred.metrics.prediction_drift_detected],
        [predDrift.value, predDrift.pValue, predDrift.detected ? 1 : 0],
      );
      const scoreDrift = whole.drift.columns.find((c) => c.column === 'p_delay')!;
      assert.equal(pred.features!.find((f) => f.feature === 'p_delay')!.metrics.drift_score, scoreDrift.value);

      const dq = (await allResults(a, 'dq')).get(`dq/${at}`)!;
      assert.equal(dq.metrics.rows, rows.length);
      assert.equal(dq.metrics.missing_ratio, 0);
      assert.equal(dq.sampling!.sampled, false);
      for (const f of dq.features!) {
        const q = whole.dataQuality.columns.find((c) => c.column === f.feature)!;
        if (q.outOfRangeShare !== undefined) assert.equal(f.metrics.out_of_range_ratio, q.outOfRangeShare, `${at} ${f.feature}`);
        if (q.newCategories) assert.equal(f.metrics.new_category_ratio, q.newCategories.share, `${at} ${f.feature}`);
      }
      const maxNew = Math.max(...whole.dataQuality.columns.filter((c) => c.newCategories).map((c) => c.newCategories!.share));
      assert.equal(dq.metrics.new_category_ratio, maxNew);
      assert.deepEqual(dq.findings, JSON.parse(JSON.stringify(whole.dataQuality.findings)));
    }
  });

  test('feedback arrives late: label coverage, lag and model quality equal the core on the labelled rows', async () => {
    const labelled = events.filter((f) => f.fbTs !== null);
    assert.ok(labelled.length > 0.7 * events.length && labelled.length < 0.8 * events.length);
    for (let i = 0; i < labelled.length; i += BATCH) await send(a.url!, 'feedback', labelled.slice(i, i + BATCH).map(feedbackJson));
    await a.monitors.evaluateNow();
    const quality = await allResults(a, 'quality');
    for (const end of weekEnds) {
      const q = quality.get(`quality/${new Date(end).toISOString()}`)!;
      const rows = events.filter((f) => f.ts >= end - WEEK && f.ts < end);
      const withLabel = rows.filter((f) => f.fbTs !== null);
      assert.equal(q.metrics.labelled_rows, withLabel.length);
      assert.equal(q.metrics.label_coverage_ratio, withLabel.length / rows.length);
      assert.equal(q.metrics.label_lag_seconds, quantile(withLabel.map((f) => f.fbTs! - f.ts), 0.5) / 1000);
      assert.equal(q.note, undefined);
    }
    for (const end of [weekEnds[1], weekEnds[15]]) {
      const at = new Date(end).toISOString();
      const rows = (await flights(conn, end - WEEK, end)).filter((f) => f.fbTs !== null);
      const t = tableOf(rows, QUALITY);
      const report: Report = compare(t, t, { schema: sub(QUALITY) });
      const q = quality.get(`quality/${at}`)!;
      const metrics = report.modelQuality!.metrics;
      assert.ok(metrics.length >= 6);
      for (const m of metrics) assert.equal(q.metrics[m.name], m.current, `${at} ${m.name}`);
      assert.ok((q.metrics.accuracy as number) > 0.5 && (q.metrics.roc_auc as number) > 0.5, JSON.stringify(q.metrics));
    }
  });

  test('the same history in another order (June first, shuffled batches, feedback interleaved) stores identical results', async (t) => {
    mkdirSync(join(tmp.dir, 'b'));
    b = await start(join(tmp.dir, 'b'), referenceFile);
    const started = performance.now();
    const shuffle = rng(2001);
    for (let month = 5; month >= 1; month--) {
      const from = Date.UTC(2001, month, 1);
      const to = Date.UTC(2001, month + 1, 1);
      const inMonth = events.filter((f) => f.ts >= from && f.ts < to);
      const batches: Flight[][] = [];
      for (let i = 0; i < inMonth.length; i += 3000) batches.push(inMonth.slice(i, i + 3000));
      for (let i = batches.length - 1; i > 0; i--) {
        const j = Math.floor(shuffle() * (i + 1));
        [batches[i], batches[j]] = [batches[j], batches[i]];
      }
      for (const batch of batches) await send(b.url!, 'events', batch.map(eventJson));
      const labelled = inMonth.filter((f) => f.fbTs !== null);
      for (let i = 0; i < labelled.length; i += BATCH) await send(b.url!, 'feedback', labelled.slice(i, i + BATCH).map(feedbackJson));
      // Partial evaluations (a week spanning two months is evaluated before its other half arrives).
      await b.monitors.evaluateNow();
    }
    t.diagnostic(`replayed backwards in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const ra = await allResults(a);
    const rb = await allResults(b);
    assert.deepEqual([...rb.keys()].sort(), [...ra.keys()].sort());
    for (const [key, r] of ra) assert.deepEqual(stable(rb.get(key)), stable(r), key);
  });
});
