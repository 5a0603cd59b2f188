/**
 * Monitor evaluation on one window of a real (in-memory) DuckDB store: every
 * number equals what the core computes on the same rows, built here from the
 * records independently of the store (rows by (ts, id), sampled rows chosen by
 * md5 in JS, counts and quantiles in plain JS).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, profile } from '@modelwatch/core';
import type { CompareOptions, Report, Schema } from '@modelwatch/core';
import type { MonitorConfig, WindowSpec } from '../src/config/types.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import type { ModelRecord } from '../src/store/store.js';
import type { ResolvedMonitor } from '../src/monitor/definitions.js';
import { defaultMonitors } from '../src/monitor/definitions.js';
import { MONITOR_SAMPLE_SEED, evaluateWindow } from '../src/monitor/evaluate.js';
import type { MonitorResult } from '../src/monitor/result.js';
import {
  MONITOR_SCHEMA,
  generateEvents,
  hashSample,
  noReference,
  quantile,
  recordValue,
  storeEvents,
  storeFeedback,
  tableOf,
  tableReference,
} from './helpers/monitors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 2, 1);
const DAY1: WindowSpec = { type: 'tumbling', sizeMs: DAY, everyMs: DAY };

const FEATURES = ['amount', 'age', 'country', 'is_new', 'signup'];
const OUTPUTS = ['pred', 'p_fraud'];

function monitor(over: Partial<ResolvedMonitor> & Pick<MonitorConfig, 'name' | 'type'>): ResolvedMonitor {
  return { window: DAY1, reference: 'reference', methods: { columns: {} }, thresholds: {}, versions: 'each', sampleLimit: 100_000, isDefault: false, ...over };
}

function sub(names: readonly string[]): Schema {
  return { ...MONITOR_SCHEMA, columns: MONITOR_SCHEMA.columns.filter((c) => names.includes(c.name)) };
}

/** The drift numbers of a column in a report, as a monitor reports them. */
function driftOf(report: Report, column: string) {
  const d = report.drift.columns.find((c) => c.column === column);
  if (!d) {
    // Not tested (datetime columns): no numbers, the core's reason.
    const skipped = report.drift.skipped.find((c) => c.column === column)!.reason;
    return { method: undefined, threshold: undefined, drift_score: null, p_value: null, drift_detected: null, nRef: undefined, nCur: undefined, skipped };
  }
  return { method: d.method, threshold: d.threshold, drift_score: d.value, p_value: d.pValue, drift_detected: d.value === null ? null : d.detected ? 1 : 0, nRef: d.nRef, nCur: d.nCur, skipped: d.value === null ? d.reason : undefined };
}

function featureOf(r: MonitorResult, name: string) {
  const f = r.features!.find((x) => x.feature === name)!;
  return { method: f.method, threshold: f.threshold, drift_score: f.metrics.drift_score, p_value: f.metrics.p_value, drift_detected: f.metrics.drift_detected, nRef: f.nRef, nCur: f.nCur, skipped: f.skipped };
}

describe('monitor evaluation', () => {
  let store: DuckDBStore;
  let model: ModelRecord;
  // Reference: 4000 events; the window (day 1): 3000 events with amount shifted and some data problems.
  const refRecords = generateEvents({ n: 4000, t0: T0 - 10 * DAY, stepMs: 60_000, seed: 1 });
  const day1 = generateEvents({ n: 3000, t0: T0 + DAY, stepMs: 28_000, seed: 2, shift: 8, problems: 0.05, version: (i) => (i % 4 === 0 ? 'v2' : 'v1') });
  const day0 = generateEvents({ n: 2000, t0: T0, stepMs: 40_000, seed: 3, idPrefix: 'd0-' });
  const referenceTable = tableOf(refRecords, [...FEATURES, ...OUTPUTS, 'channel']);
  const provider = tableReference('fraud', referenceTable, MONITOR_SCHEMA);
  const v1 = day1.filter((r) => r.version === 'v1');

  before(async () => {
    store = await DuckDBStore.open({ path: ':memory:' });
    // Stored in two appends, day 1 before day 0 (order must not matter).
    await storeEvents(store, 'fraud', day1);
    model = await storeEvents(store, 'fraud', day0);
  });
  after(() => store.close());

  test('feature drift, prediction drift and data quality evaluated together equal the core on the same rows', async () => {
    const monitors = [
      monitor({ name: 'drift', type: 'feature_drift' }),
      monitor({ name: 'output', type: 'prediction_drift' }),
      monitor({ name: 'quality', type: 'data_quality' }),
    ];
    const results = await evaluateWindow({ store, references: provider }, { model, monitors, version: 'v1', end: T0 + 2 * DAY });
    assert.equal(results.length, 3);
    const [drift, output, quality] = results;

    // Independent: the v1 events of day 1 as a core Table, compared with the reference on the monitor's columns only.
    const features = compare(referenceTable, tableOf(v1, FEATURES), { schema: sub(FEATURES) });
    for (const name of FEATURES) assert.deepEqual(featureOf(drift, name), driftOf(features, name), name);
    assert.equal(drift.metrics.dataset_drift_share, features.drift.share);
    assert.equal(drift.metrics.dataset_drift_detected, features.drift.detected ? 1 : 0);
    assert.equal(drift.metrics.drifted_features, features.drift.drifted);
    assert.equal(drift.metrics.tested_features, features.drift.tested);
    assert.equal(featureOf(drift, 'amount').drift_detected, 1, 'the shifted feature drifts');
    assert.equal(drift.metrics.rows, v1.length);
    assert.deepEqual(drift.sampling, { total: v1.length, size: v1.length, sampled: false, method: 'all', limit: 100_000 });
    assert.deepEqual(drift.reference, { kind: 'reference', rows: 4000 });
    assert.deepEqual(drift.window, { type: 'tumbling', start: T0 + DAY, end: T0 + 2 * DAY, label: '1d' });
    assert.equal(drift.version, 'v1');

    const outputs = compare(referenceTable, tableOf(v1, OUTPUTS), { schema: sub(OUTPUTS) });
    assert.deepEqual(featureOf(output, 'pred'), driftOf(outputs, 'pred'));
    assert.deepEqual(featureOf(output, 'p_fraud'), driftOf(outputs, 'p_fraud'));
    assert.equal(output.metrics.prediction_drift_score, outputs.predictionDrift!.value);
    assert.equal(output.metrics.prediction_drift_p_value, outputs.predictionDrift!.pValue);
    assert.equal(output.features![0].feature, 'pred', 'the prediction comes first (its method is exported)');

    // Data quality: exact counts in JS, ranges and categories from the core.
    const dqCols = [...FEATURES, ...OUTPUTS];
    const dq = compare(referenceTable, tableOf(v1, dqCols), { schema: sub(dqCols) });
    let missing = 0;
    for (const name of dqCols) {
      const m = v1.filter((r) => recordValue(r, name) === null).length;
      missing += m;
      const f = quality.features!.find((x) => x.feature === name)!;
      assert.equal(f.metrics.missing_ratio, m / v1.length, `${name} missing`);
      const q = dq.dataQuality.columns.find((c) => c.column === name)!;
      assert.equal(f.metrics.out_of_range_ratio, q.outOfRangeShare, `${name} out of range`);
      assert.equal(f.metrics.new_category_ratio, q.newCategories?.share, `${name} new categories`);
    }
    assert.equal(quality.metrics.missing_ratio, missing / (v1.length * dqCols.length));
    const stringAges = v1.filter((r) => typeof (r.features as Record<string, unknown>).age === 'string').length;
    assert.ok(stringAges > 0);
    assert.equal(quality.features!.find((f) => f.feature === 'age')!.metrics.type_violations, stringAges);
    assert.equal(quality.metrics.type_violations, stringAges);
    assert.equal(quality.metrics.unknown_columns, v1.filter((r) => 'colour' in (r.features as object)).length);
    // Every record lacks the target? No: targets come from feedback; records lacking schema columns are counted at ingest.
    const newCountry = v1.filter((r) => (r.features as Record<string, unknown>).country === 'XX').length;
    assert.ok(newCountry > 0);
    assert.equal(quality.features!.find((f) => f.feature === 'country')!.metrics.new_category_ratio, newCountry / v1.filter((r) => recordValue(r, 'country') !== null).length);
    const maxOutOfRange = Math.max(...dq.dataQuality.columns.filter((c) => c.outOfRangeShare !== undefined).map((c) => c.outOfRangeShare!));
    assert.equal(quality.metrics.out_of_range_ratio, maxOutOfRange);
    const flagged = v1.filter((r) => typeof r.error === 'boolean');
    assert.equal(quality.metrics.error_ratio, flagged.filter((r) => r.error === true).length / v1.length);
    const latencies = v1.filter((r) => typeof r.latency_ms === 'number').map((r) => r.latency_ms as number);
    assert.ok(Math.abs(quality.metrics.latency_p50_seconds! - quantile(latencies, 0.5) / 1000) < 1e-12);
    assert.ok(Math.abs(quality.metrics.latency_p99_seconds! - quantile(latencies, 0.99) / 1000) < 1e-12);
    assert.ok((quality.findings ?? []).some((f) => f.type === 'new_categories' && f.column === 'country'));
  });

  test('method overrides per column and by default, and the drift share threshold, equal the core with the same options', async () => {
    const m = monitor({
      name: 'psi',
      type: 'feature_drift',
      methods: { default: { method: 'psi', threshold: 0.05 }, columns: { amount: { method: 'ks', threshold: 0.01 }, age: { bins: 5 } } },
      thresholds: { drift_share: 0.3 },
      versions: 'all',
    });
    const [r] = await evaluateWindow({ store, references: provider }, { model, monitors: [m], version: null, end: T0 + 2 * DAY });
    const options: CompareOptions = {
      schema: sub(FEATURES),
      numericMethod: 'psi',
      categoricalMethod: 'psi',
      columns: { amount: { method: 'ks', threshold: 0.01 }, age: { bins: 5, threshold: 0.05 }, country: { threshold: 0.05 }, is_new: { threshold: 0.05 }, signup: { threshold: 0.05 } },
      driftShare: 0.3,
    };
    const report = compare(referenceTable, tableOf(day1, FEATURES), options);
    for (const name of FEATURES) assert.deepEqual(featureOf(r, name), driftOf(report, name), name);
    assert.equal(featureOf(r, 'amount').method, 'ks');
    assert.equal(featureOf(r, 'country').method, 'psi');
    assert.equal(r.metrics.dataset_drift_share, report.drift.share);
    assert.equal(r.metrics.dataset_drift_detected, report.drift.detected ? 1 : 0);
    assert.equal(r.version, null);
    assert.equal(r.metrics.rows, day1.length);
  });

  test('a samples-only default method (ks) applies to numeric columns; categorical columns keep the default rule', async () => {
    const m = monitor({ name: 'ks', type: 'feature_drift', methods: { default: { method: 'ks' }, columns: {} }, versions: 'all' });
    const [r] = await evaluateWindow({ store, references: provider }, { model, monitors: [m], version: null, end: T0 + 2 * DAY });
    const report = compare(referenceTable, tableOf(day1, FEATURES), { schema: sub(FEATURES), numericMethod: 'ks' });
    for (const name of FEATURES) assert.deepEqual(featureOf(r, name), driftOf(report, name), name);
    assert.equal(featureOf(r, 'age').method, 'ks');
    assert.equal(featureOf(r, 'country').method, 'jensen_shannon');
  });

  test('windows above sampleLimit are sampled jointly by hash; the sampling is recorded; numbers equal the core on those rows', async () => {
    const m = monitor({ name: 'drift', type: 'feature_drift', sampleLimit: 1000, versions: 'all' });
    const [r] = await evaluateWindow({ store, references: provider }, { model, monitors: [m], version: null, end: T0 + 2 * DAY });
    assert.deepEqual(r.sampling, { total: 3000, size: 1000, sampled: true, method: 'hash', limit: 1000 });
    assert.equal(r.metrics.rows, 3000);
    const kept = hashSample(day1, 1000, MONITOR_SAMPLE_SEED);
    const report = compare(referenceTable, tableOf(kept, FEATURES), { schema: sub(FEATURES), currentSampledFrom: 3000 });
    for (const name of FEATURES) assert.deepEqual(featureOf(r, name), driftOf(report, name), name);
    assert.equal(featureOf(r, 'amount').nCur, kept.filter((x) => recordValue(x, 'amount') !== null).length);
  });

  test('reference: previous compares with the window before; an empty previous window gives a note and no verdict', async () => {
    const m = monitor({ name: 'prev', type: 'feature_drift', reference: 'previous', versions: 'all' });
    const [r] = await evaluateWindow({ store, references: noReference }, { model, monitors: [m], version: null, end: T0 + 2 * DAY });
    assert.deepEqual(r.reference, { kind: 'previous', rows: day0.length, start: T0, end: T0 + DAY });
    const report = compare(tableOf(day0, FEATURES), tableOf(day1, FEATURES), { schema: sub(FEATURES) });
    for (const name of FEATURES) assert.deepEqual(featureOf(r, name), driftOf(report, name), name);
    assert.equal(r.metrics.dataset_drift_share, report.drift.share);

    const [first] = await evaluateWindow({ store, references: noReference }, { model, monitors: [m], version: null, end: T0 + DAY });
    assert.equal(first.metrics.rows, day0.length);
    assert.equal(first.metrics.dataset_drift_share, null);
    assert.equal(first.reference?.kind, 'previous');
    assert.match(first.note!, /previous window has no events/);
  });

  test('without a reference a configured monitor says so; a default monitor compares with the previous window', async () => {
    const [configured] = await evaluateWindow({ store, references: noReference }, { model, monitors: [monitor({ name: 'd', type: 'feature_drift', versions: 'all' })], version: null, end: T0 + 2 * DAY });
    assert.equal(configured.reference, null);
    assert.match(configured.note!, /no reference/);
    assert.equal(configured.metrics.dataset_drift_share, null);
    const def = defaultMonitors(MONITOR_SCHEMA).find((x) => x.type === 'feature_drift')!;
    // The default drift window is 24 h sliding every hour: the window ending at T0 + 2 days is day 1.
    const [fallback] = await evaluateWindow({ store, references: noReference }, { model, monitors: [{ ...def, versions: 'all' }], version: null, end: T0 + 2 * DAY });
    assert.equal(fallback.reference?.kind, 'previous');
    const report = compare(tableOf(day0, FEATURES), tableOf(day1, FEATURES), { schema: sub(FEATURES) });
    assert.equal(fallback.metrics.dataset_drift_share, report.drift.share);
  });

  test('a profile-only reference: binned equivalents, marked, equal to the core given the profile', async () => {
    const profileOnly = tableReference('fraud', null, MONITOR_SCHEMA, referenceTable);
    const [r] = await evaluateWindow({ store, references: profileOnly }, { model, monitors: [monitor({ name: 'd', type: 'feature_drift', versions: 'all' })], version: null, end: T0 + 2 * DAY });
    assert.deepEqual(r.reference, { kind: 'reference', rows: 4000, profileOnly: true });
    const report = compare(profile(referenceTable, { schema: MONITOR_SCHEMA, source: 'fixture.parquet' }), tableOf(day1, FEATURES), { schema: sub(FEATURES) });
    for (const name of FEATURES) assert.deepEqual(featureOf(r, name), driftOf(report, name), name);
  });

  test('a method that does not fit a column gives a note naming it, not a crash', async () => {
    const m = monitor({ name: 'bad', type: 'feature_drift', methods: { columns: { country: { method: 'ks' } } }, versions: 'all' });
    const [r] = await evaluateWindow({ store, references: provider }, { model, monitors: [m], version: null, end: T0 + 2 * DAY });
    assert.match(r.note!, /comparison failed.*country/s);
    assert.equal(r.metrics.dataset_drift_share, null);
  });

  test('an empty window has rows 0 and a note', async () => {
    const [r] = await evaluateWindow({ store, references: provider }, { model, monitors: [monitor({ name: 'd', type: 'feature_drift' })], version: 'v1', end: T0 + 30 * DAY });
    assert.equal(r.metrics.rows, 0);
    assert.equal(r.note, 'no events in the window');
  });
});

describe('model quality on labelled events', () => {
  let store: DuckDBStore;
  let model: ModelRecord;
  const events = generateEvents({ n: 2000, t0: T0, stepMs: 40_000, seed: 7 });
  const truth = (r: Record<string, unknown>, i: number) => {
    // Mostly agrees with the prediction: a model that is right ~80% of the time.
    const pred = r.prediction as string;
    return i % 5 === 0 ? (pred === '1' ? '0' : '1') : pred;
  };
  const labels = new Map(events.map((r, i) => [String(r.id), truth(r, i)]));
  const m = monitor({ name: 'quality', type: 'model_quality', versions: 'all' });
  const evaluate = async () => (await evaluateWindow({ store, references: noReference }, { model, monitors: [m], version: null, end: T0 + DAY }))[0];
  const LABEL_DELAY = 6 * HOUR;
  const labelled = new Set<string>();

  /** The core's metrics on the labelled rows (an independent join of events and labels). */
  function expected(labelled: Set<string>) {
    const rows = events.filter((r) => labelled.has(String(r.id)));
    const t = tableOf(rows, ['label', 'pred', 'p_fraud'], MONITOR_SCHEMA, labels);
    const report = compare(t, t, { schema: sub(['label', 'pred', 'p_fraud']) });
    return Object.fromEntries(report.modelQuality!.metrics.map((x) => [x.name, x.current]));
  }

  before(async () => {
    store = await DuckDBStore.open({ path: ':memory:' });
    model = await storeEvents(store, 'fraud', events);
  });
  after(() => store.close());

  test('coverage grows as labels arrive; metrics equal the core on the joined rows; lag is the median delay', async () => {
    const none = await evaluate();
    assert.equal(none.metrics.label_coverage_ratio, 0);
    assert.equal(none.metrics.labelled_rows, 0);
    assert.equal(none.metrics.accuracy, null);
    assert.equal(none.metrics.label_lag_seconds, null);
    assert.match(none.note!, /no labelled events/);

    const lags: number[] = [];
    for (const [step, share] of [[0, 0.3], [1, 0.75]] as const) {
      const batch = events.filter((r, i) => !labelled.has(String(r.id)) && (i * 7919) % 100 < share * 100);
      const fb = batch.map((r, i) => {
        const lag = LABEL_DELAY + ((i * 37) % 11) * 60_000 + step * HOUR;
        lags.push(lag);
        return { id: r.id, target: labels.get(String(r.id)), ts: (r.ts as number) + lag };
      });
      await storeFeedback(store, 'fraud', fb, T0 + 2 * DAY);
      for (const r of batch) labelled.add(String(r.id));
      const res = await evaluate();
      assert.equal(res.metrics.labelled_rows, labelled.size);
      assert.equal(res.metrics.label_coverage_ratio, labelled.size / events.length);
      assert.equal(res.metrics.rows, events.length);
      assert.equal(res.metrics.label_lag_seconds, quantile(lags, 0.5) / 1000);
      const want = expected(labelled);
      assert.ok(Object.keys(want).length >= 8, 'binary metrics with a score: accuracy … roc_auc, log_loss');
      for (const [name, value] of Object.entries(want)) assert.equal(res.metrics[name], value, name);
      assert.ok(Math.abs(res.metrics.accuracy! - 0.8) < 0.05);
      assert.equal(res.reference, null);
      assert.deepEqual(res.sampling, { total: labelled.size, size: labelled.size, sampled: false, method: 'all', limit: 100_000 });
    }
  });

  test('labelled rows above sampleLimit are sampled among the labelled events', async () => {
    const small = { ...m, sampleLimit: 300 };
    const [r] = await evaluateWindow({ store, references: noReference }, { model, monitors: [small], version: null, end: T0 + DAY });
    assert.equal(r.sampling!.sampled, true);
    assert.equal(r.sampling!.size, 300);
    assert.equal(r.sampling!.total, r.metrics.labelled_rows);
    // The coverage stays exact (not sampled); the metrics are the core's on the sampled labelled rows.
    assert.equal(r.metrics.labelled_rows, labelled.size);
    assert.equal(r.metrics.label_coverage_ratio, labelled.size / events.length);
    const kept = hashSample(events.filter((e) => labelled.has(String(e.id))), 300, MONITOR_SAMPLE_SEED);
    const want = expected(new Set(kept.map((e) => String(e.id))));
    for (const [name, value] of Object.entries(want)) assert.equal(r.metrics[name], value, name);
  });
});
