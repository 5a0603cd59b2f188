/**
 * The alert engine's cost per monitor result (`npm run bench -- alerts`):
 * feature-drift results of 50 features, one window rule and one per-feature
 * rule (51 series per version), handed to the engine one result at a time as
 * the scheduler does, each followed by its durable write to a DuckDB file —
 * in window order (living through it, or an in-order backfill) and shuffled
 * (out-of-order backfill: every result re-derives its series from the kept
 * points) — and the time to load the states back at start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertEngine, DuckDBStore, Notifier, resolveConfig } from '../packages/server/src/index.js';
import type { MonitorResult } from '../packages/server/src/monitor/result.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const FEATURES = 50;
const WINDOWS = 300;

function result(k: number): MonitorResult {
  const features = Array.from({ length: FEATURES }, (_, i) => {
    const score = ((k * 7 + i * 13) % 100) / 100;
    return { feature: `f${i}`, kind: 'numeric' as const, method: 'psi', threshold: 0.2, metrics: { drift_score: score, drift_detected: score > 0.6 ? 1 : 0, p_value: null } };
  });
  const drifted = features.filter((f) => f.metrics.drift_detected === 1).length;
  const end = T0 + (k + 1) * HOUR;
  return {
    resultVersion: 1,
    type: 'feature_drift',
    monitor: 'drift',
    model: 'm',
    version: 'v1',
    window: { type: 'tumbling', start: end - HOUR, end, label: '1h' },
    reference: { kind: 'reference', rows: 1000 },
    metrics: { rows: 1000, dataset_drift_share: drifted / FEATURES, dataset_drift_detected: drifted / FEATURES >= 0.5 ? 1 : 0, drifted_features: drifted, tested_features: FEATURES },
    features,
    computedAt: end,
  };
}

function shuffled<T>(xs: T[]): T[] {
  const out = [...xs];
  let s = 7;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

async function pass(dir: string, name: string, order: MonitorResult[]) {
  const config = resolveConfig(
    {
      models: {
        m: {
          schema: { columns: Array.from({ length: FEATURES }, (_, i) => ({ name: `f${i}`, kind: 'numeric', role: 'feature' })) },
          monitors: [{ name: 'drift', type: 'feature_drift', window: '1h' }],
          alerts: [
            { name: 'share', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.3, for: '2h' },
            { name: 'feature', monitor: 'drift', metric: 'drift_score', op: '>', threshold: 0.6, for: '1h' },
          ],
        },
      },
    },
    { baseDir: dir },
  );
  const path = join(dir, `${name}.duckdb`);
  let store = await DuckDBStore.open({ path });
  await store.putModel({ name: 'm', schema: config.models[0].schema!, versions: ['v1'] });
  let engine = new AlertEngine(store, config, new Notifier(store));
  await engine.start();
  const started = performance.now();
  for (const r of order) await engine.listener([r]);
  await engine.idle();
  const ms = performance.now() - started;
  const series = (await engine.list()).length;
  const transitions = (await store.getAlertTransitions({ limit: 1_000_000 })).length;
  await engine.close();
  await store.close();
  store = await DuckDBStore.open({ path });
  engine = new AlertEngine(store, config, new Notifier(store));
  const loadStarted = performance.now();
  await engine.start();
  const loadMs = performance.now() - loadStarted;
  await engine.close();
  await store.close();
  return { results: order.length, seriesPerResult: FEATURES + 1, series, transitions, totalMs: Math.round(ms), msPerResult: Number((ms / order.length).toFixed(2)), startLoadMs: Math.round(loadMs) };
}

export async function run(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-alerts-'));
  try {
    const results = Array.from({ length: WINDOWS }, (_, k) => result(k));
    return {
      description: `${WINDOWS} feature-drift results (${FEATURES} features, 2 rules: one window metric, one per feature) handed to the alert engine one at a time, each with its durable DuckDB write`,
      inOrder: await pass(dir, 'in-order', results),
      shuffled: await pass(dir, 'shuffled', shuffled(results)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
