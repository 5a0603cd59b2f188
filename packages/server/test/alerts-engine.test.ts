/**
 * The alert engine on monitor results built by hand: the event-time state
 * machine (pending → firing after `for`, resolved), one notification per
 * transition, per-feature and expression rules, restart, rule changes, and
 * order independence of backfills (property test). Notifications go to a real
 * HTTP receiver on loopback; state lives in a real DuckDB store.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBStore, resolveConfig } from '../src/index.js';
import type { AlertRule, AlertTransitionRecord, ModelwatchConfig, Store } from '../src/index.js';
import { AlertEngine } from '../src/alerts/engine.js';
import { monitorsOf } from '../src/monitor/definitions.js';
import { Notifier } from '../src/notify/notifier.js';
import type { MonitorResult } from '../src/monitor/result.js';
import { HOUR, T0, driftResult, receiver, receiverPool } from './helpers/alerts.js';
import { SCHEMA, tempDir } from './helpers/fixtures.js';

type Rec = Awaited<ReturnType<typeof receiver>>;

function config(alerts: unknown[], url: string, baseDir: string): ModelwatchConfig {
  return resolveConfig(
    {
      models: {
        fraud: {
          schema: SCHEMA,
          versions: ['v1', 'v2'],
          monitors: [{ name: 'drift', type: 'feature_drift', window: '1h' }],
          alerts,
        },
      },
      notifications: [{ name: 'hook', type: 'webhook', url, maxAttempts: 2, timeout: '5s', headers: { 'x-team': 'ml' } }],
    },
    { baseDir },
  );
}

async function openStore(path = ':memory:'): Promise<Store> {
  const store = await DuckDBStore.open({ path, threads: 1 });
  await store.putModel({ name: 'fraud', task: 'binary', schema: SCHEMA, versions: ['v1', 'v2'] });
  return store;
}

const WALL = Date.UTC(2024, 6, 1);

function engineOf(store: Store, cfg: ModelwatchConfig, opts: { maxPointsPerSeries?: number } = {}): AlertEngine {
  return new AlertEngine(store, cfg, new Notifier(store, { backoffMs: 5 }), { now: () => WALL, ...opts });
}

/** Feeds results one listener call each, in the given order, and waits for notifications. */
async function feed(engine: AlertEngine, results: readonly MonitorResult[]): Promise<void> {
  for (const r of results) await engine.listener([r]);
  await engine.idle();
}

const iso = (ms: number) => new Date(ms).toISOString();
const bodies = (r: Rec) => r.requests.map((q) => q.body as { status: string; alerts: Record<string, unknown>[] });

/** Transitions oldest first, without the wall-clock field. */
async function history(store: Store, q: { rule?: string; key?: string } = {}) {
  const rows = await store.getAlertTransitions({ model: 'fraud', ...q, limit: 10_000 });
  return rows.reverse().map((t: AlertTransitionRecord) => ({ key: t.key, at: t.at, from: t.from, to: t.to, value: t.value }));
}

describe('alert engine', { timeout: 180_000 }, () => {
  const tmp = tempDir('mw-alerts-engine-');
  const receivers = receiverPool();
  const newReceiver = receivers.add;
  after(async () => {
    await receivers.closeAll();
    tmp.cleanup();
  });

  test('pending, then firing once the condition held for `for` of event time, then resolved: one notification per transition', async () => {
    const hook = await newReceiver();
    const cfg = config([{ name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5, for: '2h', severity: 'critical', notify: ['hook'] }], hook.url, tmp.dir);
    const store = await openStore();
    const engine = engineOf(store, cfg);
    await engine.start();
    const shares = [0.2, 0.6, 0.7, 0.8, 0.9, 0.1, 0.3];
    const results = shares.map((share, i) => driftResult({ end: T0 + (i + 1) * HOUR, share }));
    const states: string[] = [];
    for (const r of results) {
      await feed(engine, [r]);
      states.push((await engine.list({ states: ['inactive', 'pending', 'firing', 'resolved'] }))[0].state);
    }
    // share ≥ 0.5 from the window ending at 2h; 4h − 2h ≥ 2h: firing at 4h; 0.1 at 6h resolves.
    assert.deepEqual(states, ['inactive', 'pending', 'pending', 'firing', 'firing', 'resolved', 'resolved']);
    assert.equal(hook.requests.length, 2, 'one firing and one resolved notification');
    // Evaluating a window again (same values) or more windows in the same state sends nothing more.
    await feed(engine, [results[4], results[6]]);
    assert.equal(hook.requests.length, 2);

    const [firing, resolved] = bodies(hook);
    assert.equal(firing.status, 'firing');
    const a = firing.alerts[0] as Record<string, any>;
    assert.deepEqual(a.labels, { alertname: 'drift-high', model: 'fraud', monitor: 'drift', version: 'v1', severity: 'critical' });
    assert.equal(a.startsAt, iso(T0 + 2 * HOUR));
    assert.equal(a.firingAt, iso(T0 + 4 * HOUR));
    assert.equal(a.endsAt, '0001-01-01T00:00:00Z');
    assert.deepEqual(a.window, { start: iso(T0 + 3 * HOUR), end: iso(T0 + 4 * HOUR), label: '1h' });
    assert.equal(a.value, 0.8);
    assert.deepEqual(a.values, { dataset_drift_share: 0.8 });
    assert.equal(a.threshold, 0.5);
    assert.equal(a.op, '>=');
    assert.equal(a.for, 7200);
    assert.match(a.generatorURL, /^\/v1\/models\/fraud\/results\?monitor=drift&version=v1&from=2024-06-01T03%3A00%3A00.000Z&to=2024-06-01T04%3A00%3A00.000Z$/);
    assert.match(a.annotations.summary, /drift-high: dataset_drift_share >= 0\.5 on model fraud, version v1 \(value 0\.8\)/);
    assert.equal(hook.requests[0].headers['x-team'], 'ml', 'configured headers are sent');
    assert.equal(hook.requests[0].headers['content-type'], 'application/json');

    assert.equal(resolved.status, 'resolved');
    const b = resolved.alerts[0] as Record<string, any>;
    assert.equal(b.startsAt, iso(T0 + 2 * HOUR));
    assert.equal(b.endsAt, iso(T0 + 6 * HOUR));
    assert.equal(b.value, 0.1);
    assert.equal(b.fingerprint, a.fingerprint, 'the same series');

    assert.deepEqual(await history(store), [
      { key: 'version=v1', at: T0 + 2 * HOUR, from: 'inactive', to: 'pending', value: 0.6 },
      { key: 'version=v1', at: T0 + 4 * HOUR, from: 'pending', to: 'firing', value: 0.8 },
      { key: 'version=v1', at: T0 + 6 * HOUR, from: 'firing', to: 'resolved', value: 0.1 },
    ]);
    const deliveries = await store.getDeliveries({ model: 'fraud' });
    assert.deepEqual(deliveries.map((d) => [d.event, d.attempt, d.ok, d.status, d.channel]).reverse(), [
      ['firing', 1, true, 200, 'hook'],
      ['resolved', 1, true, 200, 'hook'],
    ]);
    await engine.close();
    await store.close();
  });

  test('a pending run broken by a window without a result starts again; a firing series is not resolved by a gap', async () => {
    const hook = await newReceiver();
    const cfg = config([{ name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>', threshold: 0.5, for: '1h', notify: ['hook'] }], hook.url, tmp.dir);
    const store = await openStore();
    const engine = engineOf(store, cfg);
    await engine.start();
    // 1h: 0.9 (pending), no 2h window, 3h: 0.9 → the run restarts at 3h (pending), 4h: 0.9 → firing (4h − 3h ≥ 1h),
    // no 5h, 6h: null (no value), 7h: 0.9 still firing, 8h: 0.2 resolved.
    const ends = [1, 3, 4, 6, 7, 8];
    const shares = [0.9, 0.9, 0.9, null, 0.9, 0.2];
    await feed(engine, ends.map((k, i) => driftResult({ end: T0 + k * HOUR, share: shares[i] })));
    assert.deepEqual(await history(store), [
      { key: 'version=v1', at: T0 + HOUR, from: 'inactive', to: 'pending', value: 0.9 },
      { key: 'version=v1', at: T0 + 2 * HOUR, from: 'pending', to: 'inactive', value: null },
      { key: 'version=v1', at: T0 + 3 * HOUR, from: 'inactive', to: 'pending', value: 0.9 },
      { key: 'version=v1', at: T0 + 4 * HOUR, from: 'pending', to: 'firing', value: 0.9 },
      { key: 'version=v1', at: T0 + 8 * HOUR, from: 'firing', to: 'resolved', value: 0.2 },
    ]);
    assert.deepEqual(bodies(hook).map((b) => [b.status, b.alerts[0].startsAt, b.alerts[0].endsAt]), [
      ['firing', iso(T0 + 3 * HOUR), '0001-01-01T00:00:00Z'],
      ['resolved', iso(T0 + 3 * HOUR), iso(T0 + 8 * HOUR)],
    ]);
    await engine.close();
    await store.close();
  });

  test('per-feature series, versions as series, expression rules', async () => {
    const hook = await newReceiver();
    const cfg = config(
      [
        { name: 'feature-drift', monitor: 'drift', metric: 'drift_detected', op: '==', threshold: 1, notify: ['hook'] },
        { name: 'amount-expr', monitor: 'drift', expr: 'drift_score * 10 + dataset_drift_share', feature: 'amount', op: '>', threshold: 3, severity: 'info' },
        { name: 'share-of-two', monitor: 'drift', expr: 'drifted_features / tested_features >= 0.5 and rows > 50', op: '==', threshold: 1 },
      ],
      hook.url,
      tmp.dir,
    );
    const store = await openStore();
    const engine = engineOf(store, cfg);
    await engine.start();
    await feed(engine, [
      driftResult({ end: T0 + HOUR, share: 0.5, features: { amount: { score: 0.3, detected: 1 }, age: { score: 0.01, detected: 0 } } }),
      driftResult({ end: T0 + HOUR, share: 0, version: 'v2', features: { amount: { score: 0.02, detected: 0 }, age: { score: 0.01, detected: 0 } } }),
    ]);
    const all = await engine.list({ states: ['inactive', 'pending', 'firing', 'resolved'] });
    const summary = all.map((a) => [a.rule, a.key, a.state, a.value]);
    assert.deepEqual(summary, [
      ['amount-expr', 'version=v1,feature=amount', 'firing', 0.3 * 10 + 0.5],
      ['amount-expr', 'version=v2,feature=amount', 'inactive', 0.02 * 10 + 0],
      ['feature-drift', 'version=v1,feature=age', 'inactive', 0],
      ['feature-drift', 'version=v1,feature=amount', 'firing', 1],
      ['feature-drift', 'version=v2,feature=age', 'inactive', 0],
      ['feature-drift', 'version=v2,feature=amount', 'inactive', 0],
      ['share-of-two', 'version=v1', 'firing', 1],
      ['share-of-two', 'version=v2', 'inactive', 0],
    ]);
    const amountExpr = all.find((a) => a.rule === 'amount-expr' && a.key.startsWith('version=v1'))!;
    assert.deepEqual(amountExpr.values, { drift_score: 0.3, dataset_drift_share: 0.5 });
    // Only feature-drift notifies, for the drifting feature of v1.
    assert.equal(hook.requests.length, 1);
    const a = bodies(hook)[0].alerts[0] as Record<string, any>;
    assert.deepEqual(a.labels, { alertname: 'feature-drift', model: 'fraud', monitor: 'drift', version: 'v1', severity: 'warning', feature: 'amount' });
    // Default listing: firing, pending and recent resolved only; filters.
    assert.equal((await engine.list({ states: ['firing'] })).length, 3);
    assert.deepEqual((await engine.list({ states: ['firing'], severity: 'info' })).map((x) => x.rule), ['amount-expr']);
    assert.deepEqual((await engine.list({ rule: 'share-of-two', states: ['firing', 'inactive'] })).map((x) => x.key), ['version=v1', 'version=v2']);
    const firing = await engine.firing();
    assert.deepEqual(firing.map((f) => [f.rule, f.severity, f.firing]), [
      ['feature-drift', 'warning', true],
      ['amount-expr', 'info', true],
      ['share-of-two', 'warning', true],
    ]);
    await engine.close();
    await store.close();
  });

  test('states survive a restart: no notification again, the next transition notified once; rule changes re-derive or resolve', async () => {
    const hook = await newReceiver();
    const path = join(tmp.dir, 'restart.duckdb');
    const rule = { name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5, for: '1h', severity: 'critical', notify: ['hook'] };
    let store = await openStore(path);
    let engine = engineOf(store, config([rule], hook.url, tmp.dir));
    await engine.start();
    await feed(engine, [0.7, 0.8, 0.9].map((share, i) => driftResult({ end: T0 + (i + 1) * HOUR, share })));
    assert.equal(hook.requests.length, 1);
    const before = (await engine.list())[0];
    assert.equal(before.state, 'firing');
    await engine.close();
    await store.close();

    store = await openStore(path);
    engine = engineOf(store, config([rule], hook.url, tmp.dir));
    await engine.start();
    await engine.idle();
    const again = (await engine.list())[0];
    assert.deepEqual(
      [again.state, again.activeAt, again.firingAt, again.since, again.value, again.notification],
      [before.state, before.activeAt, before.firingAt, before.since, before.value, before.notification],
    );
    assert.equal((await engine.firing())[0].firing, true, 'the gauge is restored from stored states');
    assert.equal(hook.requests.length, 1, 'no notification at restart');
    // A re-evaluation of an old window and a newer firing window: nothing; then a resolution: one.
    await feed(engine, [driftResult({ end: T0 + 2 * HOUR, share: 0.8 }), driftResult({ end: T0 + 4 * HOUR, share: 0.95 })]);
    assert.equal(hook.requests.length, 1);
    await feed(engine, [driftResult({ end: T0 + 5 * HOUR, share: 0.1 })]);
    assert.equal(hook.requests.length, 2);
    assert.equal(bodies(hook)[1].status, 'resolved');
    await feed(engine, [driftResult({ end: T0 + 6 * HOUR, share: 0.9 })]);
    assert.equal((await engine.list())[0].state, 'pending');
    await engine.close();
    await store.close();

    // The threshold is raised: at start the series is re-derived from its points (0.9 ≥ 0.95 no longer holds).
    store = await openStore(path);
    engine = engineOf(store, config([{ ...rule, threshold: 0.92 }], hook.url, tmp.dir));
    await engine.start();
    await engine.idle();
    // Points: 0.7 0.8 0.9 0.95 0.1 0.9 → ≥ 0.92 only at 4h (pending, for 1h not reached), then fails at 5h.
    const rederived = await history(store);
    // The part from the first point whose verdict changed is rewritten: 0.7 and 0.8 no longer hold.
    assert.deepEqual(rederived, [
      { key: 'version=v1', at: T0 + 4 * HOUR, from: 'inactive', to: 'pending', value: 0.95 },
      { key: 'version=v1', at: T0 + 5 * HOUR, from: 'pending', to: 'inactive', value: 0.1 },
    ]);
    assert.equal((await engine.list({ states: ['inactive', 'pending', 'firing', 'resolved'] }))[0].state, 'inactive');
    assert.equal(hook.requests.length, 2, 'it was not firing before: nothing to send');
    await feed(engine, [driftResult({ end: T0 + 7 * HOUR, share: 0.99 }), driftResult({ end: T0 + 8 * HOUR, share: 0.99 })]);
    assert.equal((await engine.list())[0].state, 'firing');
    assert.equal(hook.requests.length, 3);
    await engine.close();
    await store.close();

    // The rule now reads another metric: its firing series is resolved (notified) and dropped.
    store = await openStore(path);
    engine = engineOf(store, config([{ ...rule, metric: 'dataset_drift_detected', threshold: 1 }], hook.url, tmp.dir));
    await engine.start();
    await engine.idle();
    assert.equal(hook.requests.length, 4);
    const last = bodies(hook)[3];
    assert.equal(last.status, 'resolved');
    assert.match(String((last.alerts[0] as Record<string, any>).annotations.summary), /removed or changed/);
    assert.deepEqual(await engine.list({ states: ['inactive', 'pending', 'firing', 'resolved'] }), []);
    assert.equal((await store.getAlertStates('fraud')).length, 0);
    await engine.close();
    await store.close();
  });

  test('rules changed while running: a series whose rule reads something else, or is gone, is resolved and dropped', async () => {
    const hook = await newReceiver();
    const base = { name: 'amount', monitor: 'drift', metric: 'drift_detected', feature: 'amount', op: '==', threshold: 1, notify: ['hook'] };
    const cfg = config([base], hook.url, tmp.dir);
    let rules: AlertRule[] = cfg.models[0].alerts;
    const store = await openStore();
    const engine = new AlertEngine(store, cfg, new Notifier(store, { backoffMs: 5 }), { now: () => WALL, rulesOf: () => rules });
    await engine.start();
    const features = { amount: { score: 0.5, detected: 1 as const }, age: { score: 0.5, detected: 1 as const } };
    await feed(engine, [driftResult({ end: T0 + HOUR, share: 1, features })]);
    assert.deepEqual((await engine.list()).map((a) => [a.key, a.state]), [['version=v1,feature=amount', 'firing']]);
    // The rule now watches age: with the next result the amount series is resolved and the age series fires.
    rules = [{ ...rules[0], feature: 'age' }];
    await feed(engine, [driftResult({ end: T0 + 2 * HOUR, share: 1, features })]);
    assert.deepEqual((await engine.list()).map((a) => [a.key, a.state]), [['version=v1,feature=age', 'firing']]);
    assert.deepEqual(bodies(hook).map((b) => [b.status, b.alerts[0].labels.feature]), [['firing', 'amount'], ['resolved', 'amount'], ['firing', 'age']]);
    assert.match(String(bodies(hook)[1].alerts[0].annotations.summary), /the rule was removed or changed/);
    // Removed: reconcile() retires it at once.
    rules = [];
    await engine.reconcile('fraud');
    await engine.idle();
    assert.deepEqual(await engine.list(), []);
    assert.deepEqual(bodies(hook).map((b) => b.status), ['firing', 'resolved', 'firing', 'resolved']);
    assert.equal((await store.getAlertStates()).length, 0);
    assert.equal((await store.getAlertTransitions()).length, 2, 'the history stays');
    await engine.close();
    await store.close();
  });

  test('a monitor redefined under the same name: its rules\' series start afresh; a changed rule threshold keeps them', async () => {
    const hook = await newReceiver();
    const cfg = config([{ name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5, for: '0s', notify: ['hook'] }], hook.url, tmp.dir);
    const store = await openStore();
    let monitors = monitorsOf(cfg, (await store.getModel('fraud'))!);
    let rules: AlertRule[] = cfg.models[0].alerts;
    const engine = new AlertEngine(store, cfg, new Notifier(store, { backoffMs: 5 }), { now: () => WALL, rulesOf: () => rules, monitorsOf: () => monitors });
    await engine.start();
    await feed(engine, [driftResult({ end: T0 + HOUR, share: 0.9 })]);
    const before = (await engine.list())[0];
    assert.equal(before.state, 'firing');
    // The rule's own threshold changes: same series, same activeAt, no new notification.
    rules = [{ ...rules[0], threshold: 0.6 }];
    await feed(engine, [driftResult({ end: T0 + 2 * HOUR, share: 0.9 })]);
    const same = (await engine.list())[0];
    assert.equal(same.state, 'firing');
    assert.equal(same.activeAt, before.activeAt, 'the episode goes on');
    assert.deepEqual(bodies(hook).map((b) => b.status), ['firing']);
    // The monitor's window changes (1h → 1d): its values mean something else, so the series is resolved and starts afresh.
    monitors = monitors.map((m) => (m.name === 'drift' ? { ...m, window: { ...m.window, sizeMs: 24 * HOUR, everyMs: 24 * HOUR } } : m));
    await feed(engine, [driftResult({ end: T0 + 3 * HOUR, share: 0.9 })]);
    const after = (await engine.list())[0];
    assert.equal(after.state, 'firing');
    assert.equal(after.activeAt, T0 + 3 * HOUR, 'a new episode from the first window of the new definition');
    assert.deepEqual(bodies(hook).map((b) => b.status), ['firing', 'resolved', 'firing']);
    assert.match(String(bodies(hook)[1].alerts[0].annotations.summary), /the rule was removed or changed/);
    // A restart with the same definitions keeps the series (the fingerprint is stable across processes and key order).
    await engine.close();
    const again = new AlertEngine(store, cfg, new Notifier(store, { backoffMs: 5 }), { now: () => WALL, rulesOf: () => rules, monitorsOf: () => monitors.map((m) => Object.fromEntries(Object.entries(m).reverse()) as typeof m) });
    await again.start();
    await again.idle();
    assert.deepEqual((await again.list()).map((a) => [a.state, a.activeAt]), [['firing', T0 + 3 * HOUR]]);
    assert.equal(hook.requests.length, 3);
    await again.close();
    await store.close();
  });

  test('points beyond maxPointsPerSeries are folded: the state stays right, older late results are ignored', async () => {
    const hook = await newReceiver();
    const cfg = config([{ name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5, for: '3h', notify: ['hook'] }], hook.url, tmp.dir);
    const store = await openStore();
    const engine = engineOf(store, cfg, { maxPointsPerSeries: 3 });
    await engine.start();
    // 0.9 from 1h on: pending at 1h, firing at 4h (4h − 1h ≥ 3h) although only 3 points are kept.
    await feed(engine, [1, 2, 3, 4, 5].map((k) => driftResult({ end: T0 + k * HOUR, share: 0.9 })));
    const s = (await engine.list())[0];
    assert.equal(s.state, 'firing');
    assert.equal(s.activeAt, T0 + HOUR);
    assert.equal((await store.getAlertPoints({ model: 'fraud' })).length, 3);
    // A late failing result for 2h (before the kept points) does not change anything.
    await feed(engine, [driftResult({ end: T0 + 2 * HOUR, share: 0.1 })]);
    assert.equal((await engine.list())[0].state, 'firing');
    assert.equal(hook.requests.length, 1);
    await engine.close();
    await store.close();
  });

  test('backfill in any order: the same states and history as in order; notifications never invent an episode', async () => {
    const hook = await newReceiver();
    const cfg = config([{ name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5, for: '2h', notify: ['hook'] }], hook.url, tmp.dir);
    // Windows 1..n h; each present (true/false/no value) or missing.
    const windows = fc.array(fc.constantFrom<'T' | 'F' | 'N' | '-'>('T', 'T', 'T', 'F', 'N', '-'), { minLength: 3, maxLength: 14 });
    const seen = { runs: 0, firings: 0, lateOrders: 0 };
    await fc.assert(
      fc.asyncProperty(windows, fc.integer(), async (pattern, seed) => {
        const results = pattern.flatMap((c, i) => (c === '-' ? [] : [driftResult({ end: T0 + (i + 1) * HOUR, share: c === 'T' ? 0.8 : c === 'F' ? 0.2 : null })]));
        fc.pre(results.length > 0);
        const shuffled = shuffle(results, seed);
        const run = async (order: MonitorResult[], batch: boolean) => {
          hook.requests.length = 0;
          const store = await openStore();
          const engine = engineOf(store, cfg);
          await engine.start();
          if (batch) {
            await engine.listener(order);
            await engine.idle();
          } else await feed(engine, order);
          const out = {
            history: await history(store),
            states: (await engine.list({ states: ['inactive', 'pending', 'firing', 'resolved'] })).map((a) => [a.state, a.activeAt, a.firingAt, a.resolvedAt, a.since]),
            sent: bodies(hook).map((b) => ({ status: b.status, startsAt: Date.parse(String(b.alerts[0].startsAt)), firingAt: Date.parse(String(b.alerts[0].firingAt)) })),
          };
          await engine.close();
          await store.close();
          return out;
        };
        const inOrder = await run(results, false);
        const anyOrder = await run(shuffled, false);
        const oneBatch = await run(shuffled, true);
        seen.runs++;
        if (inOrder.history.some((t) => t.to === 'firing')) seen.firings++;
        if (shuffled.some((r, i) => i > 0 && r.window.end < shuffled[i - 1].window.end)) seen.lateOrders++;
        // States and history are a function of the set of windows.
        assert.deepEqual(anyOrder.history, inOrder.history);
        assert.deepEqual(anyOrder.states, inOrder.states);
        assert.deepEqual(oneBatch.history, inOrder.history);
        assert.deepEqual(oneBatch.states, inOrder.states);
        // In order, the notifications are exactly the firing and resolved transitions.
        assert.deepEqual(
          inOrder.sent.map((n) => n.status),
          inOrder.history.filter((t) => t.to === 'firing' || t.from === 'firing').map((t) => (t.to === 'firing' ? 'firing' : 'resolved')),
        );
        // In any order: firing and resolved alternate, and every firing notice lies in a firing episode of the history.
        for (const o of [anyOrder, oneBatch]) {
          o.sent.forEach((n, i) => assert.equal(n.status, i % 2 === 0 ? 'firing' : 'resolved'));
          for (const n of o.sent.filter((x) => x.status === 'firing')) {
            const episode = inOrder.history.some(
              (t, i) => t.to === 'firing' && t.at <= n.firingAt && !inOrder.history.slice(i + 1).some((u) => u.to === 'resolved' && u.at <= n.firingAt),
            );
            assert.ok(episode, `firing notice at ${n.firingAt} outside every firing episode`);
          }
        }
      }),
      { numRuns: 30, seed: 4242 },
    );
    assert.ok(seen.firings >= 5 && seen.lateOrders >= 10, `the generator exercises firing and late results: ${JSON.stringify(seen)}`);
  });
});

/** A deterministic permutation (Fisher–Yates with a seeded LCG). */
function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
