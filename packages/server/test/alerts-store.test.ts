/**
 * The alert tables of the DuckDB store: states with the engine's detail,
 * points (upsert by window end, latest N per series, pruning), transitions
 * (replaced from an event time on, filters, latest first), deleted series,
 * delivery attempts with their notification id, across a reopen.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBStore } from '../src/index.js';
import type { AlertPoint, AlertTransitionRecord } from '../src/index.js';
import { HOUR, T0, tempDir } from './helpers/fixtures.js';

const ref = (key: string, rule = 'r1', model = 'fraud') => ({ model, rule, key });

function transition(key: string, k: number, to: AlertTransitionRecord['to'], from: AlertTransitionRecord['from'] = 'inactive'): AlertTransitionRecord {
  return { ...ref(key), at: T0 + k * HOUR, from, to, value: k / 10, windowStart: T0 + (k - 1) * HOUR, windowEnd: T0 + k * HOUR, labels: { version: 'v1' }, detail: { cause: 'condition', activeAt: T0 }, recordedAt: T0 + 100 * HOUR };
}

describe('alert tables of the DuckDB store', () => {
  test('states, points, transitions and deliveries round-trip and survive a reopen', async () => {
    const tmp = tempDir('mw-alerts-store-');
    try {
      const path = join(tmp.dir, 'a.duckdb');
      let store = await DuckDBStore.open({ path, threads: 1 });
      // 450 points in one write (several multi-row statements), two series; NaN and null values are stored as null.
      const points: AlertPoint[] = [];
      for (let k = 1; k <= 300; k++) points.push({ ...ref('version=v1'), windowStart: T0 + (k - 1) * HOUR, windowEnd: T0 + k * HOUR, value: k % 7 === 0 ? null : k });
      for (let k = 1; k <= 150; k++) points.push({ ...ref('version=v2'), windowStart: T0 + (k - 1) * HOUR, windowEnd: T0 + k * HOUR, value: k === 3 ? Number.NaN : -k });
      // The same window twice in one write: the last one wins.
      points.push({ ...ref('version=v2'), windowStart: T0, windowEnd: T0 + HOUR, value: 42 });
      await store.writeAlerts({
        states: [
          { ...ref('version=v1'), state: 'firing', since: T0 + 5 * HOUR, value: 300, updatedAt: T0 + 400 * HOUR, labels: { version: 'v1' }, detail: { v: 1, nested: { a: [1, 2] } } },
          { ...ref('version=v2'), state: 'inactive', since: 0, value: null, updatedAt: T0, labels: { version: 'v2' } },
        ],
        points,
        transitions: [{ series: ref('version=v1'), from: T0, transitions: [transition('version=v1', 2, 'pending'), transition('version=v1', 5, 'firing', 'pending')] }],
      });
      const all = await store.getAlertPoints();
      assert.equal(all.length, 450);
      assert.deepEqual(all.filter((p) => p.key === 'version=v2').slice(0, 3).map((p) => p.value), [42, -2, null]);
      const latest = await store.getAlertPoints({ perSeries: 2 });
      assert.deepEqual(latest.map((p) => [p.key, p.windowEnd, p.value]), [
        ['version=v1', T0 + 299 * HOUR, 299],
        ['version=v1', T0 + 300 * HOUR, 300],
        ['version=v2', T0 + 149 * HOUR, -149],
        ['version=v2', T0 + 150 * HOUR, -150],
      ]);
      assert.equal((await store.getAlertPoints({ model: 'other' })).length, 0);

      // Re-deriving from 5h on: the firing transition is replaced, earlier ones stay; pruning before 290h.
      await store.writeAlerts({
        transitions: [{ series: ref('version=v1'), from: T0 + 5 * HOUR, transitions: [transition('version=v1', 6, 'firing', 'pending'), transition('version=v1', 9, 'resolved', 'firing')] }],
        prunePoints: [{ ...ref('version=v1'), before: T0 + 290 * HOUR }],
      });
      const history = await store.getAlertTransitions({ model: 'fraud' });
      assert.deepEqual(history.map((t) => [t.at, t.from, t.to]), [
        [T0 + 9 * HOUR, 'firing', 'resolved'],
        [T0 + 6 * HOUR, 'pending', 'firing'],
        [T0 + 2 * HOUR, 'inactive', 'pending'],
      ]);
      assert.deepEqual(history[0], transition('version=v1', 9, 'resolved', 'firing'));
      assert.deepEqual((await store.getAlertTransitions({ to: 'firing' })).map((t) => t.at), [T0 + 6 * HOUR]);
      assert.deepEqual((await store.getAlertTransitions({ fromAt: T0 + 6 * HOUR, toAt: T0 + 9 * HOUR })).map((t) => t.at), [T0 + 6 * HOUR]);
      assert.deepEqual((await store.getAlertTransitions({ limit: 1 })).map((t) => t.at), [T0 + 9 * HOUR]);
      assert.equal((await store.getAlertTransitions({ rule: 'r2' })).length, 0);
      assert.equal((await store.getAlertPoints()).filter((p) => p.key === 'version=v1').length, 11);

      await store.logDeliveries([
        { model: 'fraud', rule: 'r1', channel: 'hook', at: T0, attempt: 1, ok: false, status: 500, error: 'HTTP 500', id: 'n1', key: 'version=v1', event: 'firing' },
        { model: 'fraud', rule: 'r1', channel: 'hook', at: T0 + 1000, attempt: 2, ok: true, status: 200, error: null, id: 'n1', key: 'version=v1', event: 'firing' },
        { model: 'fraud', rule: 'r1', channel: 'slack', at: T0 + 2000, attempt: 1, ok: true, status: 200, error: null, id: 'n2', key: 'version=v1', event: 'firing' },
      ]);
      await store.close();

      store = await DuckDBStore.open({ path, threads: 1 });
      const states = await store.getAlertStates('fraud');
      assert.deepEqual(states.map((s) => [s.key, s.state, s.since, s.value, s.updatedAt, s.labels, s.detail]), [
        ['version=v1', 'firing', T0 + 5 * HOUR, 300, T0 + 400 * HOUR, { version: 'v1' }, { v: 1, nested: { a: [1, 2] } }],
        ['version=v2', 'inactive', 0, null, T0, { version: 'v2' }, undefined],
      ]);
      assert.deepEqual((await store.getDeliveries({ id: 'n1' })).map((d) => [d.attempt, d.ok, d.status, d.error, d.key, d.event]), [
        [2, true, 200, null, 'version=v1', 'firing'],
        [1, false, 500, 'HTTP 500', 'version=v1', 'firing'],
      ]);
      assert.deepEqual((await store.getDeliveries({ channel: 'slack' })).map((d) => d.id), ['n2']);
      // Deleting a series removes its state and points; its history stays.
      // Names with quotes, backslashes, commas and non-ASCII survive (they travel as JSON).
      const odd = { model: 'fraud', rule: 'r "1" \\ é,ü', key: 'version=v\'1,feature=a"b' };
      await store.writeAlerts({
        states: [{ ...odd, state: 'pending', since: T0, value: 1.5, updatedAt: T0, labels: { feature: 'a"b', 'x y': 'ö' }, detail: { s: 'q"\\' } }],
        points: [{ ...odd, windowStart: T0, windowEnd: T0 + HOUR, value: 1.5 }],
        transitions: [{ series: odd, from: T0, transitions: [{ ...transition('x', 1, 'pending'), ...odd, labels: { feature: 'a"b' } }] }],
      });
      assert.deepEqual((await store.getAlertStates()).find((x) => x.rule === odd.rule), { ...odd, state: 'pending', since: T0, value: 1.5, updatedAt: T0, labels: { feature: 'a"b', 'x y': 'ö' }, detail: { s: 'q"\\' } });
      assert.deepEqual((await store.getAlertPoints()).filter((p) => p.rule === odd.rule).map((p) => [p.key, p.value]), [[odd.key, 1.5]]);
      assert.deepEqual((await store.getAlertTransitions({ rule: odd.rule, key: odd.key })).map((t) => t.labels), [{ feature: 'a"b' }]);
      await store.writeAlerts({ deleteSeries: [odd] });
      await store.writeAlerts({ deleteSeries: [ref('version=v1')] });
      assert.deepEqual((await store.getAlertStates()).map((s) => s.key), ['version=v2']);
      assert.ok((await store.getAlertPoints()).every((p) => p.key === 'version=v2'));
      assert.equal((await store.getAlertTransitions()).length, 4);
      await store.close();
    } finally {
      tmp.cleanup();
    }
  });
});
