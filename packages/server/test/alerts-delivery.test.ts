/**
 * Notification delivery settings from `modelwatch.yaml` (`notificationDefaults`
 * and per channel): the retry backoff each channel waits, and the shutdown
 * grace each channel's deliveries get — in the notifier, and wired through
 * `createServer` — with real HTTP receivers on loopback. Waits are checked as
 * lower bounds only (a timer never fires early); outcomes decide the rest.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBStore, createServer, resolveConfig } from '../src/index.js';
import type { NotificationChannel, Store } from '../src/index.js';
import { Notifier } from '../src/notify/notifier.js';
import type { AlertNotice } from '../src/notify/payload.js';
import { HOUR, T0, driftResult, receiver, receiverPool } from './helpers/alerts.js';
import { SCHEMA, tempDir } from './helpers/fixtures.js';

type Rec = Awaited<ReturnType<typeof receiver>>;

const notice = (id: string): AlertNotice => ({
  id,
  status: 'firing',
  model: 'fraud',
  rule: 'r',
  key: 'version=v1',
  labels: { alertname: 'r', model: 'fraud', monitor: 'drift', version: 'v1', severity: 'warning' },
  annotations: { summary: 's', description: 'd' },
  severity: 'warning',
  startsAt: T0,
  firingAt: T0,
  endsAt: null,
  window: { start: T0 - HOUR, end: T0, label: '1h' },
  value: 1,
  values: {},
  op: '>',
  threshold: 0,
  forMs: 0,
  links: { results: '/r', report: '/p' },
});

const channel = (name: string, url: string, over: Partial<NotificationChannel> = {}): NotificationChannel => ({
  name,
  type: 'webhook',
  url,
  headers: {},
  timeoutMs: 10_000,
  maxAttempts: 3,
  ...over,
});

describe('notification delivery settings', { timeout: 120_000 }, () => {
  const tmp = tempDir('mw-alerts-delivery-');
  const receivers = receiverPool();
  const newReceiver = receivers.add;
  after(async () => {
    await receivers.closeAll();
    tmp.cleanup();
  });
  const memoryStore = (): Promise<Store> => DuckDBStore.open({ path: ':memory:', threads: 1 });

  test("each channel waits its own backoff (the notifier's for channels without one)", async () => {
    const failTwice = (i: number) => (i < 2 ? { status: 503 } : { status: 200 });
    const own = await newReceiver(failTwice);
    const inherited = await newReceiver(failTwice);
    const store = await memoryStore();
    const n = new Notifier(store, { backoffMs: 5 });
    const outcomes = await n.deliver(notice('n1'), [channel('own', own.url, { backoffMs: 150, maxBackoffMs: 10_000 }), channel('inherited', inherited.url)]);
    assert.deepEqual(outcomes, ['delivered', 'delivered']);
    const gaps = (r: Rec) => r.requests.slice(1).map((x, i) => x.at - r.requests[i].at);
    // 150 ms, then 300 ms (doubling) for the channel's own backoff.
    const g = gaps(own);
    assert.ok(g[0] >= 149 && g[1] >= 299, `own backoff gaps ${g}`);
    assert.equal(inherited.requests.length, 3);
    // maxBackoff bounds the doubling: 150 ms, then 150 ms again, not 300.
    const capped = await newReceiver(failTwice);
    const m = new Notifier(store, { backoffMs: 5 });
    assert.deepEqual(await m.deliver(notice('n2'), [channel('capped', capped.url, { backoffMs: 150, maxBackoffMs: 150 })]), ['delivered']);
    assert.ok(gaps(capped).every((x) => x >= 149), `capped gaps ${gaps(capped)}`);
    await n.close();
    await m.close();
    await store.close();
  });

  test('shutdown: each channel gets its own grace — one with 0 is aborted at once, one with a long grace finishes', async () => {
    const quick = await newReceiver(() => ({ status: 200, delayMs: 1500 }));
    const patient = await newReceiver(() => ({ status: 200, delayMs: 1500 }));
    const store = await memoryStore();
    const n = new Notifier(store, { shutdownGraceMs: 0 });
    const done = n.deliver(notice('n3'), [channel('quick', quick.url, { shutdownGraceMs: 0 }), channel('patient', patient.url, { shutdownGraceMs: 30_000 })]);
    await quick.waitFor(1);
    await patient.waitFor(1);
    await n.close();
    assert.deepEqual(await done, ['aborted', 'delivered']);
    const log = (await store.getDeliveries()).map((d) => [d.channel, d.attempt, d.ok, d.error]).sort();
    assert.deepEqual(log, [['patient', 1, true, null], ['quick', 1, false, 'aborted: shutting down']]);
    // A grace given to close() is for every channel.
    const held = await newReceiver(() => ({ status: 200, delayMs: 1500 }));
    const o = new Notifier(store);
    const pending = o.deliver(notice('n4'), [channel('held', held.url, { shutdownGraceMs: 30_000 })]);
    await held.waitFor(1);
    await o.close(0);
    assert.deepEqual(await pending, ['aborted']);
    await store.close();
  });

  test('createServer: channels carry the settings of modelwatch.yaml; code options override them', async () => {
    const hook = await newReceiver((i) => (i === 0 ? { status: 503 } : { status: 200, delayMs: 1500 }));
    const yaml = {
      server: { dataDir: tmp.dir },
      models: {
        fraud: {
          schema: SCHEMA,
          monitors: [{ name: 'drift', type: 'feature_drift', window: '1h' }],
          alerts: [{ name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5, notify: ['hook'] }],
        },
      },
      notificationDefaults: { backoff: '200ms', shutdownGrace: '30s' },
      notifications: [{ name: 'hook', type: 'webhook', url: hook.url, shutdownGrace: '0s' }],
    };
    const config = resolveConfig(yaml, { baseDir: tmp.dir });
    assert.deepEqual([config.notifications[0].backoffMs, config.notifications[0].shutdownGraceMs], [200, 0]);
    const path = join(tmp.dir, 'delivery.duckdb');
    const s = await createServer({ config, defaultMetrics: false, store: await DuckDBStore.open({ path, threads: 1 }) });
    await s.alerts.listener([driftResult({ end: T0 + HOUR, share: 0.9 })]);
    // First attempt 503, the second after the configured backoff; the receiver holds it and the server shuts down.
    await hook.waitFor(2);
    assert.ok(hook.requests[1].at - hook.requests[0].at >= 199, `waited ${hook.requests[1].at - hook.requests[0].at} ms`);
    await s.close();
    assert.equal(hook.requests.length, 2);
    // The channel's grace of 0 aborted the held delivery (notificationDefaults' 30 s would have let it finish).
    const reopened = await DuckDBStore.open({ path, threads: 1 });
    const log = (await reopened.getDeliveries()).reverse().map((d) => [d.attempt, d.ok, d.status, d.error]);
    assert.deepEqual(log, [[1, false, 503, 'HTTP 503: error'], [2, false, null, 'aborted: shutting down']]);
    await reopened.close();

    const over = await createServer({ config, defaultMetrics: false, store: await memoryStore(), alerts: { backoffMs: 7, shutdownGraceMs: 1 } });
    assert.deepEqual(
      over.config.notifications.map((c) => [c.backoffMs, c.maxBackoffMs, c.shutdownGraceMs]),
      [[7, 60_000, 1]],
    );
    assert.deepEqual([over.config.notificationDefaults.backoffMs, over.config.notificationDefaults.shutdownGraceMs], [7, 1]);
    await over.close();
  });
});
