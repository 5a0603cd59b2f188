/**
 * A real Prometheus (Debian's `/usr/bin/prometheus`) scrapes a running
 * `modelwatch serve` every second; the test asserts with PromQL over
 * Prometheus's HTTP API, as a user's dashboards and alerts would see it.
 *
 * A model is registered, a reference-like hour of events is sent, then an hour
 * in which one feature is shifted and the others are drawn from the same
 * distributions. The drift of the second hour against the first is evaluated,
 * stored and handed to the result listener; Prometheus must then report
 * `modelwatch_feature_drift_detected` 1 for the shifted feature and 0 for the
 * others, and ingest counters equal to what was sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Schema } from '@modelwatch/core';
import { driftMethods, isDrift } from '@modelwatch/core';
import type { CountDriftMethod, NumberColumn, DictColumn, SampleDriftMethod } from '@modelwatch/core';
import { resolveConfig, startServer } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import type { FeatureResult, MonitorResult } from '../src/monitor/result.js';
import { HOUR, T0, tempDir } from './helpers/fixtures.js';
import { pollUntil, startPrometheus } from './helpers/prometheus.js';
import type { PrometheusServer, VectorElement } from './helpers/prometheus.js';

const MODEL = 'churn';
const SCHEMA_CHURN: Schema = {
  columns: [
    { name: 'tenure', kind: 'numeric', role: 'feature' },
    { name: 'spend', kind: 'numeric', role: 'feature' },
    { name: 'plan', kind: 'categorical', role: 'feature' },
    { name: 'churned', kind: 'categorical', role: 'prediction' },
  ],
  task: 'binary',
};
const FEATURES = ['tenure', 'spend', 'plan'];
const SHIFTED = 'tenure';
const N = 3000;
const MALFORMED = 7;

/** Deterministic uniform(0,1) numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller. */
const normal = (u: () => number) => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());

/** One hour of events starting at `start`; `shift` moves tenure's mean by that many standard deviations. */
function events(prefix: string, start: number, seed: number, shift: number): Record<string, unknown>[] {
  const u = rng(seed);
  return Array.from({ length: N }, (_, i) => {
    const tenure = 24 + 6 * (normal(u) + shift);
    const plan = u() < 0.5 ? 'basic' : u() < 0.7 ? 'pro' : 'team';
    return {
      id: `${prefix}-${i}`,
      ts: start + Math.floor((i * HOUR) / N),
      version: 'v1',
      features: { tenure, spend: 50 + 10 * normal(u), plan },
      prediction: tenure < 20 ? 'yes' : 'no',
    };
  });
}

/**
 * The drift of every feature of the current hour against the reference hour,
 * computed with the core's methods on the columns as stored.
 */
async function evaluateDrift(server: ModelwatchServer, ref: [number, number], cur: [number, number]): Promise<MonitorResult> {
  const features: FeatureResult[] = [];
  for (const name of FEATURES) {
    const col = SCHEMA_CHURN.columns.find((c) => c.name === name)!;
    const read = (w: [number, number]) => server.store.columnValues({ model: MODEL, column: name, from: w[0], to: w[1], limit: 100_000 });
    const [r, c] = await Promise.all([read(ref), read(cur)]);
    if (col.kind === 'numeric') {
      const m = driftMethods.wasserstein_normed as SampleDriftMethod;
      const finite = (s: typeof r) => (s.column as NumberColumn).values;
      const res = m.compute(finite(r), finite(c));
      features.push({ feature: name, kind: 'numeric', method: m.name, threshold: m.defaultThreshold, metrics: { drift_score: res.value, drift_detected: isDrift(m, res, m.defaultThreshold) ? 1 : 0, p_value: null }, nRef: r.size, nCur: c.size });
    } else {
      const m = driftMethods.jensen_shannon as CountDriftMethod;
      const cats = ['basic', 'pro', 'team'];
      const counts = (s: typeof r) => {
        const d = s.column as DictColumn;
        const out = new Float64Array(cats.length);
        for (let i = 0; i < d.codes.length; i++) if (d.codes[i] >= 0) out[cats.indexOf(d.dictionary[d.codes[i]])]++;
        return out;
      };
      const res = m.compute(counts(r), counts(c));
      features.push({ feature: name, kind: 'categorical', method: m.name, threshold: m.defaultThreshold, metrics: { drift_score: res.value, drift_detected: isDrift(m, res, m.defaultThreshold) ? 1 : 0, p_value: null }, nRef: r.size, nCur: c.size });
    }
  }
  const drifted = features.filter((f) => f.metrics.drift_detected === 1).length;
  return {
    resultVersion: 1,
    type: 'feature_drift',
    monitor: 'drift',
    model: MODEL,
    version: 'v1',
    window: { type: 'tumbling', start: cur[0], end: cur[1], label: '1h' },
    reference: { kind: 'previous', rows: N, start: ref[0], end: ref[1] },
    metrics: { rows: N, evaluation_seconds: 0, dataset_drift_share: drifted / features.length, dataset_drift_detected: drifted / features.length >= 0.5 ? 1 : 0, drifted_features: drifted, tested_features: features.length },
    features,
    computedAt: Date.now(),
  };
}

/** Polls a PromQL query until `ok` holds for its result; the last result is in the timeout error. */
async function queryUntil(prom: PrometheusServer, promql: string, ok: (v: VectorElement[]) => boolean, timeoutMs = 60_000): Promise<VectorElement[]> {
  let last: VectorElement[] | undefined;
  try {
    return await pollUntil(`${promql} (last: ${JSON.stringify(last)})`, async () => {
      last = await prom.query(promql);
      return ok(last) ? last : undefined;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; last result of ${promql}: ${JSON.stringify(last)}; prometheus log: ${prom.log().slice(-2000)}`);
  }
}

describe('real Prometheus scraping modelwatch serve', { timeout: 240_000 }, () => {
  const tmp = tempDir('mw-prom-it-');
  let server: ModelwatchServer;
  let prom: PrometheusServer;

  before(async () => {
    server = await startServer({ config: resolveConfig({ server: { dataDir: tmp.dir, port: 0, host: '127.0.0.1' } }, { baseDir: tmp.dir }) });
    prom = await startPrometheus({ targets: [new URL(server.url!).host] });
  });
  after(async () => {
    await prom?.stop();
    await server?.close();
    tmp.cleanup();
  });

  test('Prometheus scrapes the service', async () => {
    const up = await queryUntil(prom, 'up{job="modelwatch"}', (v) => v.length === 1 && v[0].value === 1);
    assert.equal(up[0].value, 1);
  });

  test('after drifted events, modelwatch_feature_drift_detected is 1 for the shifted feature and 0 for the others; ingest counters match', async () => {
    let res = await fetch(`${server.url}/v1/models/${MODEL}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema: SCHEMA_CHURN, versions: ['v1'] }) });
    assert.equal(res.status, 201, await res.text());

    const ref: [number, number] = [T0, T0 + HOUR];
    const cur: [number, number] = [T0 + HOUR, T0 + 2 * HOUR];
    const batches = [events('ref', ref[0], 1, 0), events('cur', cur[0], 2, 3)];
    // Structurally malformed records (no id) are rejected and counted by reason.
    batches[1].push(...Array.from({ length: MALFORMED }, (_, i) => ({ ts: cur[0] + i, version: 'v1', features: {} })));
    for (const batch of batches) {
      res = await fetch(`${server.url}/v1/models/${MODEL}/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: batch.map((e) => JSON.stringify(e)).join('\n') });
      assert.equal(res.status, 200, await res.text());
    }
    const sent = batches.flat().length - MALFORMED;

    const result = await evaluateDrift(server, ref, cur);
    await server.store.putResults([{ model: MODEL, monitor: result.monitor, version: result.version ?? '', windowStart: result.window.start, windowEnd: result.window.end, computedAt: result.computedAt, payload: result }]);
    await server.metrics.models.listener([result]);

    const detected = await queryUntil(prom, `modelwatch_feature_drift_detected{model="${MODEL}",monitor="drift"}`, (v) => v.length === FEATURES.length);
    const byFeature = Object.fromEntries(detected.map((e) => [e.metric.feature, e.value]));
    assert.deepEqual(byFeature, { tenure: 1, spend: 0, plan: 0 });
    for (const e of detected) {
      assert.equal(e.metric.version, 'v1');
      assert.equal(e.metric.window, '1h');
      assert.equal(e.metric.monitor, 'drift');
    }
    // The scores Prometheus holds are the evaluation's, and the shifted feature's is far above its threshold.
    const scores = await prom.query(`modelwatch_feature_drift_score{model="${MODEL}",monitor="drift"}`);
    for (const f of result.features!) {
      const got = scores.find((s) => s.metric.feature === f.feature);
      assert.ok(got, `no score for ${f.feature}`);
      assert.ok(Math.abs(got.value - f.metrics.drift_score!) <= 1e-12 * Math.max(1, Math.abs(f.metrics.drift_score!)), `${f.feature}: ${got.value} vs ${f.metrics.drift_score}`);
      assert.equal(got.metric.method, f.method);
    }
    assert.ok(scores.find((s) => s.metric.feature === SHIFTED)!.value > 2 * result.features!.find((f) => f.feature === SHIFTED)!.threshold!);
    // Exactly the shifted feature, and only it, matches the alerting expression users would write.
    const alerting = await prom.query(`modelwatch_feature_drift_detected{model="${MODEL}",monitor="drift"} == 1`);
    assert.deepEqual(alerting.map((e) => e.metric.feature), [SHIFTED]);
    const share = await prom.query(`modelwatch_dataset_drift_share{model="${MODEL}",monitor="drift"}`);
    assert.equal(share.length, 1);
    assert.equal(share[0].value, 1 / FEATURES.length);

    const ingested = await queryUntil(prom, `sum(modelwatch_events_ingested_total{model="${MODEL}"})`, (v) => v.length === 1 && v[0].value === sent);
    assert.equal(ingested[0].value, sent);
    const rejected = await queryUntil(prom, `sum by (reason) (modelwatch_events_rejected_total{model="${MODEL}"})`, (v) => v.length === 1 && v[0].value === MALFORMED);
    assert.deepEqual(rejected.map((e) => [e.metric.reason, e.value]), [['missing_id', MALFORMED]]);
    // Staleness: the window end as Unix seconds.
    const end = await prom.query(`modelwatch_window_end_timestamp_seconds{model="${MODEL}",monitor="drift"}`);
    assert.equal(end[0].value, cur[1] / 1000);
  });
});
