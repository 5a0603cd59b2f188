/**
 * Alert rules and the monitors they read, changed over the API of a real
 * `modelwatch serve` on loopback: a deleted rule's firing series are retired at
 * once (gone from `GET /v1/alerts`, `modelwatch_alert_firing` and the store;
 * a `resolved` notification goes to the channel the firing one went to), and
 * so are the series of a rule that now reads another metric — before any new
 * result arrives. Rules in the configuration file may read a model's default
 * monitors, which then cannot be replaced over the API. Expectations come from
 * the stored results, not from the engine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import type { MonitorResult } from '../src/monitor/result.js';
import { receiver } from './helpers/alerts.js';
import { tempDir } from './helpers/fixtures.js';
import { MONITOR_SCHEMA, generateEvents, referenceRow } from './helpers/monitors.js';
import { parseExposition, samples } from './helpers/prometheus.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 5, 1);
const REFERENCE = generateEvents({ n: 1500, t0: T0 - 30 * DAY, stepMs: 60_000, seed: 21 });
const dayEvents = (d: number, shift: number) =>
  generateEvents({ n: 300, t0: T0 + d * DAY, stepMs: 200_000, seed: 40 + d, shift, idPrefix: `d${d}-`, version: (i) => (i % 2 ? 'v1' : 'v2') });

type Hook = Awaited<ReturnType<typeof receiver>>;
type Notification = { status: string; alerts: { labels: Record<string, string>; annotations: Record<string, string> }[] };

describe('alert rules changed over the API are reconciled at once', { timeout: 180_000 }, () => {
  const tmp = tempDir('mw-alerts-defs-');
  let hook: Hook;
  let s: ModelwatchServer;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const json = async <T>(path: string): Promise<T> => {
    const r = await call('GET', path);
    assert.equal(r.status, 200, `${path}: ${r.text}`);
    return JSON.parse(r.text) as T;
  };
  const firingGauge = async (alert: string) => samples(parseExposition((await call('GET', '/metrics')).text), 'modelwatch_alert_firing', { alert });
  const alerts = async (rule: string) => (await json<{ alerts: { rule: string; key: string; state: string }[] }>(`/v1/alerts?rule=${rule}&state=firing,pending,resolved,inactive`)).alerts;
  const notices = (rule: string) => hook.requests.map((r) => r.body as Notification).filter((b) => b.alerts[0].labels.alertname === rule);
  /** Per version, `pick(result) >= 1` of each daily window (oldest first; null without a value), from the stored results. */
  const conditions = async (pick: (r: MonitorResult) => number | null | undefined) => {
    const { results } = await json<{ results: MonitorResult[] }>('/v1/models/fraud/results?monitor=drift');
    const by = new Map<string, (boolean | null)[]>();
    for (const r of [...results].sort((a, b) => a.window.end - b.window.end)) {
      const v = pick(r);
      by.set(r.version!, [...(by.get(r.version!) ?? []), v === null || v === undefined ? null : v >= 1]);
    }
    return by;
  };
  /** The notifications of a `for: 0` rule over these conditions: firing when it starts holding, resolved when it stops. */
  const expectedNotifications = (held: readonly (boolean | null)[]) => {
    const out: string[] = [];
    let firing = false;
    for (const h of held) {
      if (h === null) continue;
      if (h && !firing) out.push('firing');
      if (!h && firing) out.push('resolved');
      firing = h;
    }
    return out;
  };
  /** Versions whose latest window with a value holds the condition. */
  const firingVersions = async (pick: (r: MonitorResult) => number | null | undefined) =>
    [...(await conditions(pick))].filter(([, held]) => held.filter((h) => h !== null).at(-1) === true).map(([v]) => v).sort();
  const notificationCount = async (pick: (r: MonitorResult) => number | null | undefined) =>
    [...(await conditions(pick)).values()].reduce((n, held) => n + expectedNotifications(held).length, 0);
  const amountDetected = (r: MonitorResult) => r.features?.find((f) => f.feature === 'amount')?.metrics.drift_detected;

  before(async () => {
    hook = await receiver();
    const config = resolveConfig(
      {
        server: { dataDir: tmp.dir, port: 0 },
        models: { fraud: { schema: MONITOR_SCHEMA, versions: ['v1', 'v2'], monitors: [{ name: 'drift', type: 'feature_drift', window: '1d' }] } },
        notifications: [{ name: 'hook', type: 'webhook', url: hook.url }],
      },
      { baseDir: tmp.dir },
    );
    s = await createServer({ config, defaultMetrics: false, monitors: { debounceMs: 10 }, alerts: { backoffMs: 10 } });
    await s.listen();
    const ref = await fetch(`${s.url}/v1/models/fraud/reference`, { method: 'PUT', headers: { 'content-type': 'application/x-ndjson' }, body: REFERENCE.map((r) => JSON.stringify(referenceRow(r))).join('\n') });
    assert.equal(ref.status, 200, await ref.text());
    // Rules first: the engine evaluates a rule from the next stored result on.
    for (const [name, rule] of [
      ['amount-drift', { monitor: 'drift', metric: 'drift_detected', feature: 'amount', op: '==', threshold: 1, notify: ['hook'] }],
      ['some-drift', { monitor: 'drift', metric: 'drifted_features', op: '>=', threshold: 1, notify: ['hook'] }],
    ] as const) {
      const r = await call('PUT', `/v1/models/fraud/alerts/${name}`, rule);
      assert.equal(r.status, 201, r.text);
    }
    const ev = await call('POST', '/v1/models/fraud/events', [...dayEvents(0, 0), ...dayEvents(1, 0), ...dayEvents(2, 40)]);
    assert.equal(ev.status, 200, ev.text);
    await s.monitors.idle();
    await s.alerts.idle();
  });
  after(async () => {
    await s?.close();
    await hook?.close();
    tmp.cleanup();
  });

  test('DELETE of a firing rule: gone from /v1/alerts, the gauge and the store, and notified resolved — without new results', async () => {
    const expected = await firingVersions(amountDetected);
    assert.ok(expected.length >= 1, 'the shifted day drifts');
    assert.deepEqual((await alerts('amount-drift')).filter((a) => a.state === 'firing').map((a) => a.key), expected.map((v) => `version=${v},feature=amount`));
    assert.deepEqual((await firingGauge('amount-drift')).map((x) => x.value), [1]);
    const sent = await notificationCount(amountDetected);
    assert.equal(notices('amount-drift').length, sent);
    const evaluated = (await json<{ results: unknown[] }>('/v1/models/fraud/results?monitor=drift')).results.length;

    const del = await call('DELETE', '/v1/models/fraud/alerts/amount-drift');
    assert.equal(del.status, 200, del.text);
    // At once, in the answer's wake: no series, no gauge sample, no stored state.
    assert.deepEqual(await alerts('amount-drift'), []);
    assert.deepEqual(await firingGauge('amount-drift'), []);
    assert.deepEqual((await s.store.getAlertStates('fraud')).filter((x) => x.rule === 'amount-drift'), []);
    await s.alerts.idle();
    const resolved = notices('amount-drift').slice(sent);
    assert.deepEqual(resolved.map((b) => b.status), expected.map(() => 'resolved'));
    assert.deepEqual(resolved.map((b) => b.alerts[0].labels.version).sort(), expected);
    for (const b of resolved) assert.match(b.alerts[0].annotations.summary, /^amount-drift resolved on model fraud: the rule was removed or changed$/);
    // Nothing was evaluated meanwhile: the retirement did not wait for results.
    assert.equal((await json<{ results: unknown[] }>('/v1/models/fraud/results?monitor=drift')).results.length, evaluated);
    // The rule's history stays.
    assert.ok((await json<{ transitions: unknown[] }>('/v1/alerts/history?rule=amount-drift&state=firing')).transitions.length >= expected.length);
  });

  test('PUT that changes what a firing rule reads retires its series at once; new results start it afresh', async () => {
    const expected = await firingVersions((r) => r.metrics.drifted_features);
    assert.ok(expected.length >= 1);
    assert.deepEqual((await alerts('some-drift')).filter((a) => a.state === 'firing').map((a) => a.key), expected.map((v) => `version=${v}`));
    assert.deepEqual((await firingGauge('some-drift')).map((x) => x.value), [1]);

    // The same definition again changes nothing.
    const same = await call('PUT', '/v1/models/fraud/alerts/some-drift', { monitor: 'drift', metric: 'drifted_features', op: '>=', threshold: 1, notify: ['hook'] });
    assert.equal(JSON.parse(same.text).changed, false);
    assert.deepEqual((await alerts('some-drift')).filter((a) => a.state === 'firing').length, expected.length);

    const sent = await notificationCount((r) => r.metrics.drifted_features);
    assert.equal(notices('some-drift').length, sent);
    const put = await call('PUT', '/v1/models/fraud/alerts/some-drift', { monitor: 'drift', metric: 'dataset_drift_detected', op: '==', threshold: 1, notify: ['hook'] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(await alerts('some-drift'), []);
    assert.deepEqual((await firingGauge('some-drift')).map((x) => x.value), [0]);
    await s.alerts.idle();
    const retired = notices('some-drift').slice(sent);
    assert.deepEqual(retired.map((b) => b.status), expected.map(() => 'resolved'));
    assert.deepEqual(retired.map((b) => b.alerts[0].labels.version).sort(), expected);

    // A new (undrifted) day: the rule, with its new metric, has series again, one per version.
    const ev = await call('POST', '/v1/models/fraud/events', dayEvents(3, 0));
    assert.equal(ev.status, 200, ev.text);
    await s.monitors.idle();
    await s.alerts.idle();
    const now = await alerts('some-drift');
    assert.deepEqual(now.map((a) => a.key), ['version=v1', 'version=v2']);
    const share = await firingVersions((r) => r.metrics.dataset_drift_detected);
    assert.deepEqual(now.filter((a) => a.state === 'firing').map((a) => a.key), share.map((v) => `version=${v}`));
  });
});

describe('rules in the configuration file on default monitors', { timeout: 120_000 }, () => {
  const tmp = tempDir('mw-alerts-defaults-');
  let s: ModelwatchServer;
  after(async () => {
    await s?.close();
    tmp.cleanup();
  });

  test('a rule on a default monitor is evaluated, and the first monitor of the model’s own is refused while it reads the defaults', async () => {
    const config = resolveConfig(
      {
        server: { dataDir: tmp.dir, port: 0 },
        models: { fraud: { schema: MONITOR_SCHEMA, versions: ['v1'], alerts: [{ name: 'busy', monitor: 'data_quality', metric: 'rows', op: '>=', threshold: 1 }] } },
      },
      { baseDir: tmp.dir },
    );
    s = await createServer({ config, defaultMetrics: false, monitors: { debounceMs: 10 } });
    await s.listen();
    const events = generateEvents({ n: 40, t0: T0, stepMs: 60_000, seed: 3 });
    const res = await fetch(`${s.url}/v1/models/fraud/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    assert.equal(res.status, 200, await res.text());
    await s.monitors.idle();
    await s.alerts.idle();
    // The default data_quality monitor (sliding 1 h every 5 min) ran; its latest window holds events: the rule fires.
    const results = (await (await fetch(`${s.url}/v1/models/fraud/results?monitor=data_quality`)).json()) as { results: MonitorResult[] };
    assert.ok(results.results.length > 0);
    const latest = results.results.reduce((a, b) => (b.window.end > a.window.end ? b : a));
    assert.ok((latest.metrics.rows ?? 0) >= 1);
    const list = (await (await fetch(`${s.url}/v1/alerts?rule=busy`)).json()) as { alerts: { key: string; state: string; condition: { monitor: string } }[] };
    assert.deepEqual(list.alerts.map((a) => [a.key, a.state, a.condition.monitor]), [['version=v1', 'firing', 'data_quality']]);

    const put = await fetch(`${s.url}/v1/models/fraud/monitors/weekly`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'feature_drift', window: '7d' }) });
    assert.equal(put.status, 409);
    const body = (await put.json()) as { error: string; message: string };
    assert.equal(body.error, 'monitor_in_use');
    assert.match(body.message, /"busy" \(monitor "data_quality", in the configuration\)/);
    // Still the defaults.
    const monitors = (await (await fetch(`${s.url}/v1/models/fraud/monitors`)).json()) as { monitors: { name: string; source: string }[] };
    assert.ok(monitors.monitors.every((m) => m.source === 'default'));
    assert.ok(monitors.monitors.some((m) => m.name === 'data_quality'));
  });
});
