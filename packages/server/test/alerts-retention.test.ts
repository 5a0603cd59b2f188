/**
 * Retention of the alert history: transitions older than the cutoff (by event
 * time) and delivery-log entries older than it (by attempt time) are deleted by
 * `applyRetention({ alerts })` in the DuckDB store — alert states and the kept
 * points stay — and `modelwatch serve` applies `retention.alerts` (by default
 * `retention.results`) on its retention runs. Expected rows are computed from
 * what was written.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBStore, createServer, resolveConfig } from '../src/index.js';
import type { AlertTransitionRecord, DeliveryRecord, Store } from '../src/index.js';
import { SCHEMA, tempDir } from './helpers/fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function transition(rule: string, key: string, at: number): AlertTransitionRecord {
  return {
    model: 'fraud',
    rule,
    key,
    at,
    from: 'pending',
    to: 'firing',
    value: 1,
    windowStart: at - HOUR,
    windowEnd: at,
    labels: { alertname: rule, model: 'fraud', version: 'v1' },
    detail: { cause: 'condition' },
    recordedAt: at + 1000,
  };
}

function delivery(id: string, at: number): DeliveryRecord {
  return { model: 'fraud', rule: 'r1', channel: 'hook', at, attempt: 1, ok: true, status: 200, error: null, id, key: 'version=v1', event: 'firing' };
}

/** Writes transitions at the given event times (one series each, per rule) and deliveries at the given times. */
async function writeHistory(store: Store, times: readonly number[]): Promise<void> {
  const series = [
    { model: 'fraud', rule: 'r1', key: 'version=v1' },
    { model: 'fraud', rule: 'r2', key: 'version=v2' },
  ];
  await store.writeAlerts({
    transitions: series.map((s) => ({ series: s, from: Math.min(...times), transitions: times.map((t) => transition(s.rule, s.key, t)) })),
    states: [{ model: 'fraud', rule: 'r1', key: 'version=v1', state: 'firing', since: times[0], value: 1, updatedAt: times[0], labels: {}, detail: null }],
    points: times.map((t) => ({ model: 'fraud', rule: 'r1', key: 'version=v1', windowStart: t - HOUR, windowEnd: t, value: 1 })),
  });
  await store.logDeliveries(times.map((t, i) => delivery(`d${i}`, t)));
}

describe('alert history retention', { timeout: 120_000 }, () => {
  test('the DuckDB store deletes transitions and deliveries before the cutoff, nothing else', async () => {
    const store = await DuckDBStore.open({ path: ':memory:', threads: 1 });
    const T0 = Date.UTC(2024, 0, 1);
    const times = Array.from({ length: 10 }, (_, i) => T0 + i * DAY);
    await writeHistory(store, times);
    const cutoff = T0 + 4 * DAY + HOUR;
    const kept = times.filter((t) => t >= cutoff);

    // Results retention alone does not touch the alert history.
    const none = await store.applyRetention({ results: T0 + 100 * DAY });
    assert.deepEqual([none.alertTransitions, none.deliveries], [0, 0]);

    const out = await store.applyRetention({ alerts: cutoff });
    assert.deepEqual(out, { events: 0, feedback: 0, results: 0, alertTransitions: 2 * (times.length - kept.length), deliveries: times.length - kept.length });
    const left = await store.getAlertTransitions({ limit: 1000 });
    assert.deepEqual(left.map((t) => [t.rule, t.at]).sort(), ['r1', 'r2'].flatMap((r) => kept.map((t) => [r, t])).sort());
    assert.deepEqual((await store.getDeliveries({ limit: 1000 })).map((d) => d.at).sort((a, b) => a - b), kept);
    // The series' state and points are the engine's working set: untouched.
    assert.equal((await store.getAlertStates('fraud')).length, 1);
    assert.equal((await store.getAlertPoints({ perSeries: 100 })).length, times.length);
    // A cutoff at an exact time keeps that time (strictly older goes).
    const again = await store.applyRetention({ alerts: kept[0] });
    assert.deepEqual([again.alertTransitions, again.deliveries], [0, 0]);
    await store.close();
  });

  test('modelwatch serve: retention.results also prunes the alert history; retention.alerts sets it apart', async () => {
    const tmp = tempDir('mw-alerts-retention-');
    try {
      const now = Date.now();
      const times = [now - 90 * DAY, now - 40 * DAY, now - 20 * DAY, now - DAY];
      for (const [retention, keepAfter] of [
        [{ results: '30d' }, now - 30 * DAY],
        [{ results: '3650d', alerts: '7d' }, now - 7 * DAY],
      ] as const) {
        const config = resolveConfig({ server: { dataDir: tmp.dir }, retention, models: { fraud: { schema: SCHEMA } } }, { baseDir: tmp.dir });
        const s = await createServer({ config, defaultMetrics: false, store: await DuckDBStore.open({ path: ':memory:', threads: 1 }) });
        try {
          await writeHistory(s.store, times);
          await s.runRetention();
          const expected = times.filter((t) => t >= keepAfter);
          const history = await s.app.inject({ method: 'GET', url: '/v1/alerts/history?rule=r1' });
          assert.deepEqual(
            (history.json() as { transitions: { at: string }[] }).transitions.map((t) => Date.parse(t.at)).sort((a, b) => a - b),
            expected,
            JSON.stringify(retention),
          );
          const deliveries = await s.app.inject({ method: 'GET', url: '/v1/alerts/deliveries' });
          assert.deepEqual((deliveries.json() as { deliveries: { at: string }[] }).deliveries.map((d) => Date.parse(d.at)).sort((a, b) => a - b), expected);
        } finally {
          await s.close();
        }
      }
    } finally {
      tmp.cleanup();
    }
  });
});
