/**
 * Notification delivery to real HTTP receivers on loopback: webhook and Slack
 * payloads, retries with exponential backoff on 5xx/429/network errors and
 * timeouts, giving up after maxAttempts, no retry on other 4xx, Retry-After,
 * the delivery log of every attempt, and shutdown (bounded grace, aborted
 * deliveries sent again at the next start).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { DuckDBStore, resolveConfig } from '../src/index.js';
import type { NotificationChannel, Store } from '../src/index.js';
import { AlertEngine } from '../src/alerts/engine.js';
import { AlertMetrics } from '../src/alerts/metrics.js';
import { Notifier, parseRetryAfter } from '../src/notify/notifier.js';
import type { AlertNotice } from '../src/notify/payload.js';
import { HOUR, T0, driftResult, receiverPool } from './helpers/alerts.js';
import { SCHEMA, tempDir } from './helpers/fixtures.js';
import { parseExposition, samples } from './helpers/prometheus.js';

function notice(over: Partial<AlertNotice> = {}): AlertNotice {
  return {
    id: 'n-1',
    status: 'firing',
    model: 'fraud',
    rule: 'drift-high',
    key: 'version=v1,feature=amount',
    labels: { alertname: 'drift-high', model: 'fraud', monitor: 'drift', version: 'v1', severity: 'critical', feature: 'amount' },
    annotations: { summary: 'drift-high: drift_score > 0.2', description: 'amount drifted <a lot> & more' },
    severity: 'critical',
    startsAt: T0 + HOUR,
    firingAt: T0 + 3 * HOUR,
    endsAt: null,
    window: { start: T0 + 2 * HOUR, end: T0 + 3 * HOUR, label: '1h' },
    value: 0.42,
    values: { drift_score: 0.42 },
    metric: 'drift_score',
    op: '>',
    threshold: 0.2,
    forMs: 2 * HOUR,
    links: { results: '/v1/models/fraud/results?monitor=drift', report: '/v1/models/fraud/report?from=x' },
    ...over,
  };
}

function channel(url: string, over: Partial<NotificationChannel> = {}): NotificationChannel {
  return { name: 'hook', type: 'webhook', url, headers: {}, timeoutMs: 5000, maxAttempts: 3, ...over };
}

async function memoryStore(): Promise<Store> {
  return DuckDBStore.open({ path: ':memory:', threads: 1 });
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('notifications', { timeout: 120_000 }, () => {
  const tmp = tempDir('mw-alerts-notify-');
  const receivers = receiverPool();
  const newReceiver = receivers.add;
  after(async () => {
    await receivers.closeAll();
    tmp.cleanup();
  });

  test('webhook: Alertmanager-style body with modelwatch fields, absolute links, configured headers', async () => {
    const hook = await newReceiver();
    const store = await memoryStore();
    const n = new Notifier(store, { externalUrl: () => 'http://mw.example:8080' });
    const outcomes = await n.deliver(notice(), [channel(hook.url, { headers: { authorization: 'Bearer s3cret', 'x-env': 'prod' } })]);
    assert.deepEqual(outcomes, ['delivered']);
    const r = hook.requests[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/hook');
    assert.equal(r.headers.authorization, 'Bearer s3cret');
    assert.equal(r.headers['x-env'], 'prod');
    const b = r.body as Record<string, any>;
    assert.equal(b.version, '4');
    assert.equal(b.status, 'firing');
    assert.equal(b.receiver, 'hook');
    assert.deepEqual(b.groupLabels, { alertname: 'drift-high', model: 'fraud' });
    assert.deepEqual(b.commonLabels, notice().labels);
    assert.equal(b.externalURL, 'http://mw.example:8080');
    assert.equal(b.notificationId, 'n-1');
    assert.equal(b.alerts.length, 1);
    const a = b.alerts[0];
    assert.equal(a.startsAt, new Date(T0 + HOUR).toISOString());
    assert.equal(a.firingAt, new Date(T0 + 3 * HOUR).toISOString());
    assert.equal(a.endsAt, '0001-01-01T00:00:00Z');
    assert.equal(a.generatorURL, 'http://mw.example:8080/v1/models/fraud/results?monitor=drift');
    assert.deepEqual(a.links, { results: 'http://mw.example:8080/v1/models/fraud/results?monitor=drift', report: 'http://mw.example:8080/v1/models/fraud/report?from=x' });
    assert.deepEqual(a.window, { start: new Date(T0 + 2 * HOUR).toISOString(), end: new Date(T0 + 3 * HOUR).toISOString(), label: '1h' });
    assert.deepEqual([a.value, a.values, a.metric, a.op, a.threshold, a.for], [0.42, { drift_score: 0.42 }, 'drift_score', '>', 0.2, 7200]);
    assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
    const log = await store.getDeliveries();
    assert.deepEqual(log.map((d) => [d.id, d.channel, d.attempt, d.ok, d.status, d.error, d.event, d.key]), [['n-1', 'hook', 1, true, 200, null, 'firing', 'version=v1,feature=amount']]);
    await n.close();
    await store.close();
  });

  test('slack: incoming-webhook message with text and blocks, mrkdwn escaped', async () => {
    const hook = await newReceiver();
    const store = await memoryStore();
    const n = new Notifier(store, { externalUrl: () => 'http://mw.example' });
    await n.deliver(notice({ status: 'resolved', endsAt: T0 + 5 * HOUR, value: 0.05, labels: { ...notice().labels, feature: 'a<b>&c' } }), [channel(hook.url, { name: 'slack', type: 'slack' })]);
    const b = hook.requests[0].body as { text: string; blocks: Record<string, any>[] };
    assert.equal(typeof b.text, 'string');
    assert.match(b.text, /^\[RESOLVED\] drift-high on model fraud, version v1, feature a<b>&c: drift_score = 0\.05 \(no longer > 0\.2\)$/);
    assert.deepEqual(b.blocks.map((x) => x.type), ['header', 'section', 'section', 'context']);
    assert.deepEqual(b.blocks[0].text, { type: 'plain_text', text: 'RESOLVED: drift-high (critical)' });
    assert.equal(b.blocks[1].text.type, 'mrkdwn');
    assert.equal(b.blocks[1].text.text, 'amount drifted &lt;a lot&gt; &amp; more');
    const fields = b.blocks[2].fields as { type: string; text: string }[];
    assert.ok(fields.every((f) => f.type === 'mrkdwn'));
    assert.ok(fields.some((f) => f.text === '*Feature*\na&lt;b&gt;&amp;c'));
    assert.ok(fields.some((f) => f.text === '*Value*\n0.05'));
    assert.match(b.blocks[3].elements[0].text, /<http:\/\/mw\.example\/v1\/models\/fraud\/results\?monitor=drift\|results> · <http:\/\/mw\.example\/v1\/models\/fraud\/report\?from=x\|report>/);
    await n.close();
    await store.close();
  });

  test('retries on 500 with exponential backoff, then delivered; every attempt logged with the same id', async () => {
    const statuses = [500, 502, 200];
    const hook = await newReceiver((i) => ({ status: statuses[i] ?? 200 }));
    const store = await memoryStore();
    const reg = new Registry();
    const metrics = new AlertMetrics(reg);
    const n = new Notifier(store, { backoffMs: 60, onOutcome: (c, o) => metrics.outcome(c, o) });
    const outcomes = await n.deliver(notice(), [channel(hook.url, { maxAttempts: 5 })]);
    assert.deepEqual(outcomes, ['delivered']);
    assert.equal(hook.requests.length, 3);
    // Waits of at least 60 ms, then 120 ms between the attempts (lower bounds only).
    const gaps = [hook.requests[1].at - hook.requests[0].at, hook.requests[2].at - hook.requests[1].at];
    assert.ok(gaps[0] >= 58 && gaps[1] >= 118, `backoff gaps ${gaps}`);
    assert.deepEqual(hook.requests[0].body, hook.requests[2].body, 'the same payload every attempt');
    const log = (await store.getDeliveries()).reverse();
    assert.deepEqual(log.map((d) => [d.id, d.attempt, d.ok, d.status]), [['n-1', 1, false, 500], ['n-1', 2, false, 502], ['n-1', 3, true, 200]]);
    assert.match(log[0].error!, /^HTTP 500: error/);
    const s = parseExposition(await reg.metrics());
    assert.deepEqual(samples(s, 'modelwatch_alert_notifications_total').map((x) => [x.labels.channel, x.labels.outcome, x.value]), [['hook', 'delivered', 1]]);
    await n.close();
    await store.close();
  });

  test('gives up after maxAttempts (5xx, network errors, timeouts); other 4xx are not retried', async () => {
    const down = await newReceiver(() => ({ status: 503 }));
    const bad = await newReceiver(() => ({ status: 400, body: 'bad payload' }));
    const slow = await newReceiver(() => ({ status: 200, delayMs: 1500 }));
    const big = await newReceiver(() => ({ status: 500, body: 'x'.repeat(2_000_000) }));
    const port = await closedPort();
    const store = await memoryStore();
    const reg = new Registry();
    const metrics = new AlertMetrics(reg);
    const n = new Notifier(store, { backoffMs: 5, onOutcome: (c, o) => metrics.outcome(c, o) });
    const outcomes = await n.deliver(notice(), [
      channel(down.url, { name: 'down', maxAttempts: 3 }),
      channel(bad.url, { name: 'bad', maxAttempts: 3 }),
      channel(`http://127.0.0.1:${port}/hook`, { name: 'refused', maxAttempts: 2 }),
      channel(slow.url, { name: 'slow', maxAttempts: 2, timeoutMs: 100 }),
      channel(big.url, { name: 'big', maxAttempts: 1 }),
    ]);
    assert.deepEqual(outcomes, ['failed', 'failed', 'failed', 'failed', 'failed']);
    assert.equal(down.requests.length, 3);
    assert.equal(bad.requests.length, 1);
    assert.equal(slow.requests.length, 2);
    const log = (await store.getDeliveries()).reverse();
    const by = (c: string) => log.filter((d) => d.channel === c).map((d) => [d.attempt, d.ok, d.status, d.error]);
    assert.deepEqual(by('down'), [1, 2, 3].map((a) => [a, false, 503, 'HTTP 503: error']));
    assert.deepEqual(by('bad'), [[1, false, 400, 'HTTP 400: bad payload']]);
    assert.deepEqual(by('refused').map((d) => [d[0], d[1], d[2]]), [[1, false, null], [2, false, null]]);
    assert.ok(by('refused').every((d) => /ECONNREFUSED/.test(String(d[3]))), JSON.stringify(by('refused')));
    assert.deepEqual(by('slow'), [[1, false, null, 'timeout after 100 ms'], [2, false, null, 'timeout after 100 ms']]);
    // A huge error body is not read whole: the log keeps its first 300 characters.
    assert.deepEqual(by('big'), [[1, false, 500, `HTTP 500: ${'x'.repeat(300)}`]]);
    const s = parseExposition(await reg.metrics());
    assert.deepEqual(
      samples(s, 'modelwatch_alert_notifications_total').map((x) => [x.labels.channel, x.labels.outcome, x.value]).sort(),
      [['bad', 'failed', 1], ['big', 'failed', 1], ['down', 'failed', 1], ['refused', 'failed', 1], ['slow', 'failed', 1]],
    );
    await n.close();
    await store.close();
  });

  test('a 429 with Retry-After waits that long (bounded by maxBackoff)', async () => {
    const hook = await newReceiver((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 204 }));
    const store = await memoryStore();
    const n = new Notifier(store, { backoffMs: 10, maxBackoffMs: 5000 });
    assert.deepEqual(await n.deliver(notice(), [channel(hook.url)]), ['delivered']);
    assert.ok(hook.requests[1].at - hook.requests[0].at >= 998, `waited ${hook.requests[1].at - hook.requests[0].at} ms`);
    assert.equal(parseRetryAfter('7', 0), 7000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(parseRetryAfter('soon', 0), null);
    await n.close();
    await store.close();
  });

  test('shutdown: deliveries in flight get the grace period, then are aborted and logged; the engine sends them again at the next start', async () => {
    let answered = 0;
    let hold = true;
    const hook = await newReceiver(() => (hold ? { status: 200, delayMs: 3000 } : { status: 200 }));
    const path = join(tmp.dir, 'shutdown.duckdb');
    const config = resolveConfig(
      {
        models: {
          fraud: {
            schema: SCHEMA,
            monitors: [{ name: 'drift', type: 'feature_drift', window: '1h' }],
            alerts: [{ name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5, notify: ['hook'] }],
          },
        },
        notifications: [{ name: 'hook', type: 'webhook', url: hook.url, maxAttempts: 3, timeout: '10s' }],
      },
      { baseDir: tmp.dir },
    );
    let store: Store = await DuckDBStore.open({ path, threads: 1 });
    await store.putModel({ name: 'fraud', schema: SCHEMA, task: 'binary' });
    let engine = new AlertEngine(store, config, new Notifier(store, { backoffMs: 5 }));
    await engine.start();
    await engine.listener([driftResult({ end: T0 + HOUR, share: 0.9 })]);
    await hook.waitFor(1);
    const closed = engine.close(100).then(() => {
      answered = hook.requests.length;
    });
    await closed;
    assert.equal(answered, 1, 'closed while the receiver was still holding the request');
    const log = await store.getDeliveries();
    assert.deepEqual(log.map((d) => [d.attempt, d.ok, d.error]), [[1, false, 'aborted: shutting down']]);
    const firstId = log[0].id;
    const state = (await store.getAlertStates('fraud'))[0];
    assert.equal((state.detail as { noticeDone: boolean }).noticeDone, false, 'not done: to be sent again');
    await store.close();

    hold = false;
    store = await DuckDBStore.open({ path, threads: 1 });
    engine = new AlertEngine(store, config, new Notifier(store, { backoffMs: 5 }));
    await engine.start();
    await engine.idle();
    assert.equal(hook.requests.length, 2);
    assert.equal((hook.requests[1].body as { notificationId: string }).notificationId, firstId, 'the same notification, sent again');
    const after2 = (await store.getDeliveries()).reverse();
    assert.deepEqual(after2.map((d) => [d.id, d.attempt, d.ok]), [[firstId, 1, false], [firstId, 1, true]]);
    assert.equal(((await store.getAlertStates('fraud'))[0].detail as { noticeDone: boolean }).noticeDone, true);
    // Done now: a third start sends nothing.
    await engine.close();
    await store.close();
    store = await DuckDBStore.open({ path, threads: 1 });
    engine = new AlertEngine(store, config, new Notifier(store, { backoffMs: 5 }));
    await engine.start();
    await engine.idle();
    assert.equal(hook.requests.length, 2);
    await engine.close();
    await store.close();
  });
});
