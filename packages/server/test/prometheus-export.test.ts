/**
 * The model-health export: monitor results → gauges on `/metrics`. Checked on
 * the text exposition (parsed), against the numbers of the results given.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { DuckDBStore, createServer, resolveConfig } from '../src/index.js';
import type { ResultRecord } from '../src/index.js';
import { ALL_VERSIONS, ModelMetrics } from '../src/metrics/model-metrics.js';
import type { FeatureResult, MonitorResult } from '../src/monitor/result.js';
import { HOUR, SCHEMA, T0, tempDir } from './helpers/fixtures.js';
import { parseExposition, samples } from './helpers/prometheus.js';
import type { Sample } from './helpers/prometheus.js';

type Over = Partial<Omit<MonitorResult, 'window'>> & { end?: number; label?: string };

/** A result of one window `[end - 1h, end)`. */
function result(type: MonitorResult['type'], over: Over = {}): MonitorResult {
  const end = over.end ?? T0 + HOUR;
  const { end: _e, label: _l, ...rest } = over;
  return {
    resultVersion: 1,
    type,
    monitor: type,
    model: 'fraud',
    version: 'v1',
    window: { type: 'tumbling', start: end - HOUR, end, label: over.label ?? '1h' },
    reference: { kind: 'reference', rows: 1000 },
    metrics: { rows: 500, evaluation_seconds: 0.01 },
    computedAt: end + 1000,
    ...rest,
  };
}

function driftFeature(feature: string, score: number, detected: 0 | 1, method = 'wasserstein_normed'): FeatureResult {
  return { feature, kind: 'numeric', method, threshold: 0.1, metrics: { drift_score: score, drift_detected: detected, p_value: null } };
}

async function scrape(registry: Registry): Promise<Sample[]> {
  return parseExposition(await registry.metrics());
}

/** The single value of a series, failing when it is absent or ambiguous. */
function one(all: Sample[], name: string, labels: Record<string, string>): number {
  const found = samples(all, name, labels);
  assert.equal(found.length, 1, `${name}${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0].value;
}

describe('model metrics export', () => {
  test('a feature-drift result becomes per-feature score/detected gauges and the dataset share', async () => {
    const reg = new Registry();
    const mm = new ModelMetrics(reg);
    const features = [driftFeature('amount', 0.42, 1), driftFeature('age', 0.03, 0), { ...driftFeature('country', 0.2, 1), method: 'jensen_shannon', kind: 'categorical' as const }];
    mm.update([result('feature_drift', { metrics: { rows: 500, evaluation_seconds: 0.01, dataset_drift_share: 2 / 3, dataset_drift_detected: 1, drifted_features: 2, tested_features: 3 }, features })]);
    const s = await scrape(reg);
    const base = { model: 'fraud', version: 'v1', monitor: 'feature_drift', window: '1h' };
    for (const f of features) {
      assert.equal(one(s, 'modelwatch_feature_drift_score', { ...base, feature: f.feature, method: f.method! }), f.metrics.drift_score);
      assert.equal(one(s, 'modelwatch_feature_drift_detected', { ...base, feature: f.feature, method: f.method! }), f.metrics.drift_detected);
    }
    assert.equal(samples(s, 'modelwatch_feature_drift_score').length, 3);
    assert.equal(one(s, 'modelwatch_dataset_drift_share', base), 2 / 3);
    assert.equal(one(s, 'modelwatch_dataset_drift_detected', base), 1);
    assert.equal(one(s, 'modelwatch_window_end_timestamp_seconds', base), (T0 + HOUR) / 1000);
    assert.equal(one(s, 'modelwatch_window_events', base), 500);
    // Gauges of other monitor types have no samples.
    assert.equal(samples(s, 'modelwatch_model_quality').length, 0);
    assert.equal(samples(s, 'modelwatch_feature_missing_ratio').length, 0);
  });

  test('data-quality, prediction-drift and model-quality results; null metrics have no sample; all versions are __all__', async () => {
    const reg = new Registry();
    const mm = new ModelMetrics(reg);
    mm.update([
      result('data_quality', {
        version: null,
        label: '1d',
        metrics: { rows: 100, evaluation_seconds: 0.01, missing_ratio: 0.05, data_quality_violations: 7, type_violations: 3 },
        features: [
          { feature: 'amount', kind: 'numeric', metrics: { missing_ratio: 0.1 } },
          { feature: 'country', kind: 'categorical', metrics: { missing_ratio: 0 } },
          { feature: 'is_new', kind: 'boolean', metrics: { missing_ratio: null } },
        ],
      }),
      result('prediction_drift', {
        metrics: { rows: 100, evaluation_seconds: 0.01, prediction_drift_score: 0.3, prediction_drift_detected: 1, prediction_drift_p_value: null },
        features: [{ feature: 'pred', kind: 'categorical', method: 'jensen_shannon', metrics: { drift_score: 0.3, drift_detected: 1 } }],
      }),
      result('model_quality', {
        metrics: { rows: 100, evaluation_seconds: 0.01, accuracy: 0.9, f1: 0.8, roc_auc: null, label_coverage_ratio: 0.25, label_lag_seconds: 3600, labelled_rows: 25 },
      }),
    ]);
    const s = await scrape(reg);
    const all = { model: 'fraud', version: ALL_VERSIONS, monitor: 'data_quality', window: '1d' };
    assert.equal(one(s, 'modelwatch_data_quality_violations', all), 7);
    assert.equal(one(s, 'modelwatch_feature_missing_ratio', { ...all, feature: 'amount' }), 0.1);
    assert.equal(one(s, 'modelwatch_feature_missing_ratio', { ...all, feature: 'country' }), 0);
    assert.equal(samples(s, 'modelwatch_feature_missing_ratio', { feature: 'is_new' }).length, 0);
    const pd = { model: 'fraud', version: 'v1', monitor: 'prediction_drift', window: '1h' };
    assert.equal(one(s, 'modelwatch_prediction_drift_score', { ...pd, method: 'jensen_shannon' }), 0.3);
    assert.equal(one(s, 'modelwatch_prediction_drift_detected', { ...pd, method: 'jensen_shannon' }), 1);
    const mq = { model: 'fraud', version: 'v1', monitor: 'model_quality', window: '1h' };
    assert.equal(one(s, 'modelwatch_model_quality', { ...mq, metric: 'accuracy' }), 0.9);
    assert.equal(one(s, 'modelwatch_model_quality', { ...mq, metric: 'f1' }), 0.8);
    // Not quality metrics, or not computable: no model_quality sample.
    assert.deepEqual(samples(s, 'modelwatch_model_quality').map((x) => x.labels.metric).sort(), ['accuracy', 'f1']);
    assert.equal(one(s, 'modelwatch_label_coverage_ratio', mq), 0.25);
    assert.equal(one(s, 'modelwatch_label_lag_seconds', mq), 3600);
  });

  test('the latest window wins: a backfilled older window does not overwrite it; a re-evaluation of the same window does', async () => {
    const reg = new Registry();
    const mm = new ModelMetrics(reg);
    const at = (end: number, share: number, computedAt = end + 1000) =>
      result('feature_drift', { end, computedAt, metrics: { rows: 1, evaluation_seconds: 0, dataset_drift_share: share, dataset_drift_detected: 0 } });
    const base = { model: 'fraud', version: 'v1', monitor: 'feature_drift', window: '1h' };
    // Out of order in one batch: the latest end wins regardless of position.
    mm.update([at(T0 + 5 * HOUR, 0.5), at(T0 + 3 * HOUR, 0.3), at(T0 + 4 * HOUR, 0.4)]);
    assert.equal(one(await scrape(reg), 'modelwatch_dataset_drift_share', base), 0.5);
    mm.update([at(T0 + 2 * HOUR, 0.2)]); // backfill
    let s = await scrape(reg);
    assert.equal(one(s, 'modelwatch_dataset_drift_share', base), 0.5);
    assert.equal(one(s, 'modelwatch_window_end_timestamp_seconds', base), (T0 + 5 * HOUR) / 1000);
    mm.update([at(T0 + 5 * HOUR, 0.55, T0 + 9 * HOUR)]); // late events re-evaluated the same window
    assert.equal(one(await scrape(reg), 'modelwatch_dataset_drift_share', base), 0.55);
    mm.update([at(T0 + 5 * HOUR, 0.1, T0 + 6 * HOUR)]); // an older computation of it arrives late
    assert.equal(one(await scrape(reg), 'modelwatch_dataset_drift_share', base), 0.55);
    mm.update([at(T0 + 6 * HOUR, 0.6)]);
    s = await scrape(reg);
    assert.equal(one(s, 'modelwatch_dataset_drift_share', base), 0.6);
    // Series are per (model, version, monitor): one sample, not one per window seen.
    assert.equal(samples(s, 'modelwatch_dataset_drift_share').length, 1);
  });

  test('versions and monitors are separate series; two drift monitors on one model do not collide', async () => {
    const reg = new Registry();
    const mm = new ModelMetrics(reg);
    const share = (monitor: string, version: string | null, v: number) =>
      result('feature_drift', { monitor, version, metrics: { rows: 1, evaluation_seconds: 0, dataset_drift_share: v } });
    mm.update([share('vs_reference', 'v1', 0.1), share('vs_reference', 'v2', 0.2), share('vs_previous', 'v1', 0.3), share('vs_reference', null, 0.4)]);
    const s = await scrape(reg);
    const got = samples(s, 'modelwatch_dataset_drift_share').map((x) => `${x.labels.monitor}/${x.labels.version}=${x.value}`).sort();
    assert.deepEqual(got, ['vs_previous/v1=0.3', 'vs_reference/__all__=0.4', 'vs_reference/v1=0.1', 'vs_reference/v2=0.2']);
  });

  test('features beyond the per-model bound are not exported, counted, and logged once', async () => {
    const reg = new Registry();
    const warnings: unknown[] = [];
    const mm = new ModelMetrics(reg, { maxFeaturesPerModel: 3, log: { warn: (obj) => warnings.push(obj) } });
    const names = ['f0', 'f1', 'f2', 'f3', 'f4'];
    const r = (end: number) => result('feature_drift', { end, features: names.map((f, i) => driftFeature(f, i / 10, 0)) });
    mm.update([r(T0 + HOUR)]);
    mm.update([r(T0 + 2 * HOUR)]);
    mm.update([result('data_quality', { features: names.map((f) => ({ feature: f, kind: 'numeric' as const, metrics: { missing_ratio: 0 } })) })]);
    // Another model has its own budget.
    mm.update([result('feature_drift', { model: 'other', features: [driftFeature('f4', 0.4, 1)] })]);
    const s = await scrape(reg);
    assert.deepEqual(samples(s, 'modelwatch_feature_drift_score', { model: 'fraud' }).map((x) => x.labels.feature).sort(), ['f0', 'f1', 'f2']);
    assert.deepEqual(samples(s, 'modelwatch_feature_missing_ratio', { model: 'fraud' }).map((x) => x.labels.feature).sort(), ['f0', 'f1', 'f2']);
    assert.equal(one(s, 'modelwatch_export_dropped_features', { model: 'fraud' }), 2);
    assert.equal(one(s, 'modelwatch_feature_drift_score', { model: 'other', feature: 'f4' }), 0.4);
    assert.equal(samples(s, 'modelwatch_export_dropped_features', { model: 'other' }).length, 0);
    assert.equal(warnings.length, 1);
  });

  test('results of versions folded into __other__ by the version-label limit are not exported', async () => {
    const reg = new Registry();
    const warnings: unknown[] = [];
    const seen = new Set<string>();
    const versionLabel = (_m: string, v: string) => (seen.has(v) || seen.size < 2 ? (seen.add(v), v) : '__other__');
    const mm = new ModelMetrics(reg, { versionLabel, log: { warn: (obj) => warnings.push(obj) } });
    mm.update(['v1', 'v2', 'v3', 'v4'].map((version, i) => result('feature_drift', { version, metrics: { rows: 1, evaluation_seconds: 0, dataset_drift_share: i / 10 } })));
    mm.update([result('feature_drift', { version: null, metrics: { rows: 1, evaluation_seconds: 0, dataset_drift_share: 0.9 } })]);
    const s = await scrape(reg);
    assert.deepEqual(samples(s, 'modelwatch_dataset_drift_share').map((x) => x.labels.version).sort(), ['__all__', 'v1', 'v2']);
    assert.equal(samples(s, 'modelwatch_dataset_drift_share', { version: '__other__' }).length, 0);
    assert.equal(warnings.length, 1);
  });

  test('removing a model, a series, monitors no longer configured, or series past retention removes their gauges', async () => {
    const reg = new Registry();
    const mm = new ModelMetrics(reg);
    const r = (model: string, monitor: string, version: string | null, end = T0 + HOUR) => result('feature_drift', { model, monitor, version, end, features: [driftFeature('amount', 0.5, 1)], metrics: { rows: 1, evaluation_seconds: 0, dataset_drift_share: 1 } });
    mm.update([r('a', 'd1', 'v1'), r('a', 'd1', 'v2'), r('a', 'd1', null), r('a', 'd2', 'v1'), r('a', 'd3', 'v1'), r('b', 'd1', 'v1', T0 + 10 * HOUR)]);
    const series = async (name = 'modelwatch_feature_drift_score') =>
      samples(await scrape(reg), name).map((x) => `${x.labels.model}/${x.labels.monitor}/${x.labels.version}`).sort();
    assert.equal((await series()).length, 6);
    mm.removeSeries('a', 'd1', 'v2');
    assert.deepEqual(await series(), ['a/d1/__all__', 'a/d1/v1', 'a/d2/v1', 'a/d3/v1', 'b/d1/v1']);
    mm.removeSeries('a', 'd1', null);
    assert.deepEqual(await series(), ['a/d1/v1', 'a/d2/v1', 'a/d3/v1', 'b/d1/v1']);
    mm.retainMonitors('a', ['d1', 'd3']);
    assert.deepEqual(await series('modelwatch_window_end_timestamp_seconds'), ['a/d1/v1', 'a/d3/v1', 'b/d1/v1']);
    assert.equal(mm.removeEndedBefore(T0 + 2 * HOUR), 2);
    assert.deepEqual(await series('modelwatch_dataset_drift_share'), ['b/d1/v1']);
    mm.removeModel('b');
    const s = await scrape(reg);
    assert.equal(s.filter((x) => x.name.startsWith('modelwatch_') && x.name !== 'modelwatch_export_dropped_features').length, 0);
  });
});

describe('model metrics restored from the store', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  /** A stored record of a result. */
  const record = (r: MonitorResult): ResultRecord => ({
    model: r.model,
    monitor: r.monitor,
    version: r.version ?? '',
    windowStart: r.window.start,
    windowEnd: r.window.end,
    computedAt: r.computedAt,
    payload: r,
  });

  test('restore() exports the latest stored window of every series, old or recent (computed independently from the records)', async () => {
    const store = await DuckDBStore.open({ path: ':memory:' });
    try {
      await store.putModel({ name: 'fraud', schema: SCHEMA, versions: ['v1', 'v2'] });
      const records: ResultRecord[] = [];
      // 3 series × 40 hourly windows, stored in shuffled order, with a share that identifies the window.
      for (const [monitor, version] of [['drift', 'v1'], ['drift', 'v2'], ['drift', null]] as const) {
        for (let h = 1; h <= 40; h++) {
          records.push(record(result('feature_drift', { monitor, version, end: T0 + h * HOUR, metrics: { rows: h, evaluation_seconds: 0, dataset_drift_share: h / 100 + (version === 'v2' ? 0.5 : 0) } })));
        }
      }
      // A series whose last window is much older than the others.
      records.push(record(result('data_quality', { monitor: 'quality', end: T0 - 100 * HOUR, metrics: { rows: 3, evaluation_seconds: 0, data_quality_violations: 4 } })));
      // A payload of an unknown future version is skipped.
      records.push({ ...record(result('feature_drift', { monitor: 'future' })), payload: { resultVersion: 99 } });
      records.sort((a, b) => ((a.windowEnd * 7919) % 13) - ((b.windowEnd * 7919) % 13));
      await store.putResults(records);

      const expected = new Map<string, number>();
      for (const rec of records) {
        const p = rec.payload as MonitorResult;
        if (p.resultVersion !== 1 || p.type !== 'feature_drift') continue;
        const key = `${rec.monitor}/${rec.version || ALL_VERSIONS}`;
        const prev = expected.get(key);
        if (prev === undefined || rec.windowEnd > prev) expected.set(key, rec.windowEnd);
      }

      const reg = new Registry();
      const mm = new ModelMetrics(reg);
      assert.equal(await mm.restore(store), 4);
      const s = await scrape(reg);
      const ends = samples(s, 'modelwatch_window_end_timestamp_seconds', { monitor: 'drift' });
      assert.equal(ends.length, expected.size);
      for (const e of ends) assert.equal(e.value * 1000, expected.get(`drift/${e.labels.version}`));
      assert.equal(one(s, 'modelwatch_dataset_drift_share', { version: 'v2' }), 40 / 100 + 0.5);
      assert.equal(one(s, 'modelwatch_data_quality_violations', { monitor: 'quality' }), 4);
      assert.equal(samples(s, 'modelwatch_window_events', { monitor: 'future' }).length, 0);

      // The store's latest query: one result per (monitor, version); of two for the same window, the one computed last.
      await store.putResults([record(result('feature_drift', { monitor: 'drift', version: 'v1', end: T0 + 40 * HOUR, computedAt: T0 + 50 * HOUR, metrics: { rows: 41, evaluation_seconds: 0, dataset_drift_share: 0.99 } }))]);
      const latest = await store.getResults({ model: 'fraud', latest: true });
      assert.deepEqual(latest.map((r) => `${r.monitor}/${r.version}`).sort(), ['drift/', 'drift/v1', 'drift/v2', 'future/v1', 'quality/v1']);
      assert.equal((latest.find((r) => r.monitor === 'drift' && r.version === 'v1')!.payload as MonitorResult).metrics.dataset_drift_share, 0.99);
      const reg2 = new Registry();
      assert.equal(await new ModelMetrics(reg2).restore(store), 4);
      assert.equal(one(await scrape(reg2), 'modelwatch_dataset_drift_share', { version: 'v1' }), 0.99);

      // keep() filters monitors.
      const reg3 = new Registry();
      assert.equal(await new ModelMetrics(reg3).restore(store, { keep: (_m, monitor) => monitor === 'quality' }), 1);
    } finally {
      await store.close();
    }
  });

  test('a restarted server shows the stored results on /metrics before any evaluation', async () => {
    const dir = join(tmp.dir, 'restart');
    const config = resolveConfig({ server: { dataDir: dir } }, { baseDir: dir });
    let s = await createServer({ config, defaultMetrics: false });
    try {
      await s.store.putModel({ name: 'fraud', schema: SCHEMA, versions: ['v1'] });
      const r = result('feature_drift', { features: [driftFeature('amount', 0.37, 1), driftFeature('country', 0.01, 0)], metrics: { rows: 9, evaluation_seconds: 0, dataset_drift_share: 0.5 } });
      await s.store.putResults([record(r)]);
    } finally {
      await s.close();
    }
    s = await createServer({ config, defaultMetrics: false });
    try {
      const res = await s.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      const m = parseExposition(res.body);
      assert.equal(one(m, 'modelwatch_feature_drift_detected', { model: 'fraud', feature: 'amount' }), 1);
      assert.equal(one(m, 'modelwatch_feature_drift_detected', { model: 'fraud', feature: 'country' }), 0);
      assert.equal(one(m, 'modelwatch_feature_drift_score', { feature: 'amount' }), 0.37);
      assert.equal(one(m, 'modelwatch_dataset_drift_share', { model: 'fraud' }), 0.5);
    } finally {
      await s.close();
    }
  });
});
