/**
 * Alerts end to end through a real `modelwatch serve` on loopback: drifted
 * events are ingested over HTTP, the monitor evaluates their windows, the
 * alert fires, a webhook and a Slack receiver (real HTTP servers) get it,
 * `GET /v1/alerts`, `/history` and `/deliveries` show it, `/metrics` has
 * `modelwatch_alert_firing 1`; a later undrifted day resolves it; a restart
 * keeps the state without notifying again. Expected alerts are derived from
 * the stored results, independently of the engine.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchConfig, ModelwatchServer } from '../src/index.js';
import type { MonitorResult } from '../src/monitor/result.js';
import { receiver } from './helpers/alerts.js';
import { tempDir } from './helpers/fixtures.js';
import { MONITOR_SCHEMA, generateEvents, referenceRow } from './helpers/monitors.js';
import { parseExposition, samples } from './helpers/prometheus.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 5, 1);
const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';

const REFERENCE = generateEvents({ n: 1500, t0: T0 - 30 * DAY, stepMs: 60_000, seed: 21 });
/** Days 0 and 1 like the reference, day 2 with `amount` shifted far, day 3 (sent later) like the reference again. */
const dayEvents = (d: number, shift: number) => generateEvents({ n: 300, t0: T0 + d * DAY, stepMs: 200_000, seed: 40 + d, shift, idPrefix: `d${d}-`, version: (i) => (i % 2 ? 'v1' : 'v2') });
const EVENTS = [...dayEvents(0, 0), ...dayEvents(1, 0), ...dayEvents(2, 40)];

/** The window ends at which a `for: 0` rule on a 0/1 metric of daily windows (day d ends at T0 + (d + 1) days) fires. */
function firingEnds(values: readonly (number | null)[]): number[] {
  const out: number[] = [];
  let firing = false;
  values.forEach((v, d) => {
    if (v === null) return;
    if (v === 1 && !firing) out.push(T0 + (d + 1) * DAY);
    firing = v === 1;
  });
  return out;
}

/** The notifications a `for: 0` rule on a 0/1 metric should send for one series: firing on 1 after non-firing, resolved on 0 after firing. */
function expectedNotifications(values: readonly (number | null)[]): ('firing' | 'resolved')[] {
  const out: ('firing' | 'resolved')[] = [];
  let firing = false;
  for (const v of values) {
    if (v === null) continue;
    if (v === 1 && !firing) out.push('firing');
    if (v !== 1 && firing) out.push('resolved');
    firing = v === 1;
  }
  return out;
}

describe('alerts through modelwatch serve', { timeout: 180_000 }, () => {
  const tmp = tempDir('mw-alerts-api-');
  let hook: Awaited<ReturnType<typeof receiver>>;
  let slack: Awaited<ReturnType<typeof receiver>>;
  let config: ModelwatchConfig;
  let s: ModelwatchServer;
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = async (path: string, token = READ) => {
    const res = await fetch(`${s.url}${path}`, { headers: auth(token) });
    return { status: res.status, body: (await res.text()) as string };
  };
  const json = async <T>(path: string) => {
    const r = await get(path);
    assert.equal(r.status, 200, `${path}: ${r.body}`);
    return JSON.parse(r.body) as T;
  };
  const post = async (path: string, body: string, type = 'application/json') => {
    const res = await fetch(`${s.url}${path}`, { method: path.endsWith('reference') ? 'PUT' : 'POST', headers: { ...auth(WRITE), 'content-type': type }, body });
    assert.equal(res.status, 200, await res.text());
  };
  const settle = async () => {
    await s.monitors.idle();
    await s.alerts.idle();
  };
  /** drift_detected of `amount` per version, oldest window first, from the stored results. */
  const amountDrift = async () => {
    const { results } = await json<{ results: MonitorResult[] }>('/v1/models/fraud/results?monitor=drift');
    const by = new Map<string, (number | null)[]>();
    for (const r of results) by.set(r.version!, [...(by.get(r.version!) ?? []), r.features!.find((f) => f.feature === 'amount')!.metrics.drift_detected]);
    return by;
  };

  before(async () => {
    hook = await receiver();
    slack = await receiver();
    config = resolveConfig(
      {
        server: { dataDir: tmp.dir, port: 0 },
        auth: { tokens: [{ name: 'reader', token: READ, scopes: ['read'] }, { name: 'writer', token: WRITE, scopes: ['write'] }] },
        models: {
          fraud: {
            schema: MONITOR_SCHEMA,
            versions: ['v1', 'v2'],
            monitors: [{ name: 'drift', type: 'feature_drift', window: '1d' }],
            alerts: [
              { name: 'amount-drift', monitor: 'drift', metric: 'drift_detected', feature: 'amount', op: '==', threshold: 1, severity: 'critical', notify: ['hook', 'slack'] },
              { name: 'too-few-rows', monitor: 'drift', expr: 'rows < 10', op: '==', threshold: 1, severity: 'info' },
            ],
          },
        },
        notifications: [
          { name: 'hook', type: 'webhook', url: hook.url, headers: { 'x-token': 'abc' }, maxAttempts: 3, timeout: '5s' },
          { name: 'slack', type: 'slack', url: slack.url },
        ],
      },
      { baseDir: tmp.dir },
    );
    s = await createServer({ config, defaultMetrics: false, monitors: { debounceMs: 10 }, alerts: { backoffMs: 10 } });
    await s.listen();
    await post('/v1/models/fraud/reference', REFERENCE.map((r) => JSON.stringify(referenceRow(r))).join('\n'), 'application/x-ndjson');
    await post('/v1/models/fraud/events', JSON.stringify(EVENTS));
    await settle();
  });
  after(async () => {
    await s?.close();
    await hook?.close();
    await slack?.close();
    tmp.cleanup();
  });

  test('drifted events: the alert fires, both channels are notified, the API and /metrics show it', async () => {
    const drift = await amountDrift();
    assert.deepEqual([...drift.keys()].sort(), ['v1', 'v2']);
    // The shifted day drifts for both versions (the shift is 2 standard deviations).
    for (const v of ['v1', 'v2']) assert.equal(drift.get(v)![2], 1, `day 2 of ${v}`);
    const expected = new Map([...drift].map(([v, values]) => [v, expectedNotifications(values)]));
    const total = [...expected.values()].reduce((n, l) => n + l.length, 0);
    assert.equal(hook.requests.length, total);
    assert.equal(slack.requests.length, total);

    const got = new Map<string, string[]>();
    for (const r of hook.requests) {
      const b = r.body as { status: string; externalURL: string; alerts: Record<string, any>[] };
      const a = b.alerts[0];
      got.set(a.labels.version, [...(got.get(a.labels.version) ?? []), b.status]);
      assert.equal(r.headers['x-token'], 'abc');
      assert.equal(b.externalURL, s.url);
      assert.deepEqual({ ...a.labels, version: 'x' }, { alertname: 'amount-drift', model: 'fraud', monitor: 'drift', version: 'x', severity: 'critical', feature: 'amount' });
    }
    assert.deepEqual(got, expected);
    // The latest firing notification is for the shifted window, with a working link to it.
    const last = hook.requests.map((r) => r.body as { status: string; alerts: Record<string, any>[] }).filter((b) => b.status === 'firing').at(-1)!.alerts[0];
    assert.equal(last.window.end, new Date(T0 + 3 * DAY).toISOString());
    assert.equal(last.value, 1);
    assert.ok(String(last.generatorURL).startsWith(`${s.url}/v1/models/fraud/results?`));
    const linked = await fetch(last.generatorURL, { headers: auth(READ) });
    const linkedResults = ((await linked.json()) as { results: MonitorResult[] }).results;
    assert.ok(linkedResults.some((r) => r.window.end === T0 + 3 * DAY && r.version === last.labels.version && r.features!.find((f) => f.feature === 'amount')!.metrics.drift_detected === 1));
    const report = await fetch(last.links.report, { headers: auth(READ) });
    assert.equal(report.status, 200, 'the report link works');

    const slackBody = slack.requests[slack.requests.length - 1].body as { text: string; blocks: { type: string }[] };
    assert.match(slackBody.text, /^\[FIRING\] amount-drift on model fraud, version v[12], feature amount: drift_detected = 1 \(== 1\)$/);
    assert.deepEqual(slackBody.blocks.map((b) => b.type), ['header', 'section', 'section', 'context']);

    // GET /v1/alerts: the firing series of both versions; the rows rule is inactive (not listed by default).
    const list = await json<{ alerts: Record<string, any>[]; count: number }>('/v1/alerts');
    assert.deepEqual(list.alerts.map((a) => [a.rule, a.key, a.state]), [
      ['amount-drift', 'version=v1,feature=amount', 'firing'],
      ['amount-drift', 'version=v2,feature=amount', 'firing'],
    ]);
    assert.equal(list.count, 2);
    const a = list.alerts[0];
    assert.deepEqual(a.condition, { monitor: 'drift', metric: 'drift_detected', feature: 'amount', op: '==', threshold: 1, for: 0, notify: ['hook', 'slack'] });
    assert.equal(a.window.end, new Date(T0 + 3 * DAY).toISOString());
    assert.equal(a.firingAt, new Date(firingEnds(drift.get('v1')!).at(-1)!).toISOString());
    assert.deepEqual(a.notification && { status: a.notification.status, done: a.notification.done }, { status: 'firing', done: true });
    assert.deepEqual(a.links.results, `/v1/models/fraud/results?monitor=drift&version=v1&from=${encodeURIComponent(new Date(T0 + 2 * DAY).toISOString())}&to=${encodeURIComponent(new Date(T0 + 3 * DAY).toISOString())}`);
    assert.equal((await json<{ count: number }>('/v1/alerts?state=inactive&rule=too-few-rows')).count, 2);
    assert.equal((await json<{ count: number }>('/v1/alerts?severity=info')).count, 0);
    assert.equal((await json<{ count: number }>('/v1/alerts?model=other')).count, 0);
    assert.equal((await json<{ count: number }>('/v1/alerts?state=firing,pending&severity=critical&model=fraud')).count, 2);

    const history = await json<{ transitions: Record<string, any>[] }>('/v1/alerts/history?model=fraud&rule=amount-drift&state=firing');
    assert.equal(history.transitions.length, [...expected.values()].flat().filter((x) => x === 'firing').length);
    const t = history.transitions[0];
    assert.equal(t.to, 'firing');
    assert.equal(t.at, new Date(T0 + 3 * DAY).toISOString(), 'latest first');
    assert.deepEqual(t.window, { start: new Date(T0 + 2 * DAY).toISOString(), end: new Date(T0 + 3 * DAY).toISOString() });
    assert.match(t.links.report, /^\/v1\/models\/fraud\/report\?from=2024-06-03T00%3A00%3A00.000Z&to=2024-06-04T00%3A00%3A00.000Z&version=v[12]$/);
    const inRange = await json<{ transitions: unknown[] }>(`/v1/alerts/history?from=${T0 + 3 * DAY}&to=${T0 + 4 * DAY}&rule=amount-drift`);
    const firingAtDay2 = [...drift.values()].filter((values) => firingEnds(values).includes(T0 + 3 * DAY)).length;
    assert.ok(firingAtDay2 >= 1);
    assert.equal(inRange.transitions.length, firingAtDay2, 'the firing transitions at the end of day 2');

    const deliveries = await json<{ deliveries: Record<string, any>[] }>('/v1/alerts/deliveries?model=fraud');
    assert.equal(deliveries.deliveries.length, 2 * total);
    assert.ok(deliveries.deliveries.every((d) => d.ok === true && d.status === 200 && d.attempt === 1 && d.rule === 'amount-drift'));
    assert.equal((await json<{ deliveries: unknown[] }>('/v1/alerts/deliveries?channel=slack')).deliveries.length, total);

    const m = parseExposition((await get('/metrics')).body);
    assert.deepEqual(samples(m, 'modelwatch_alert_firing').map((x) => [x.labels.model, x.labels.alert, x.labels.severity, x.value]), [
      ['fraud', 'amount-drift', 'critical', 1],
      ['fraud', 'too-few-rows', 'info', 0],
    ]);
    assert.deepEqual(
      samples(m, 'modelwatch_alert_notifications_total').map((x) => [x.labels.channel, x.labels.outcome, x.value]).sort(),
      [['hook', 'delivered', total], ['slack', 'delivered', total]],
    );
  });

  test('bad query parameters are 400 naming them; read scope; the routes are in the OpenAPI document', async () => {
    for (const [q, path] of [['/v1/alerts?state=burning', 'querystring.state'], ['/v1/alerts?resolvedWithin=soon', 'querystring.resolvedWithin'], ['/v1/alerts/history?from=yesterday', 'querystring.from'], ['/v1/alerts/history?limit=0', 'querystring.limit'], ['/v1/alerts?color=red', 'querystring']]) {
      const r = await get(q);
      assert.equal(r.status, 400, q);
      const body = JSON.parse(r.body) as { error: string; message: string };
      assert.equal(body.error, 'bad_request');
      assert.ok(body.message.includes(path), `${q}: ${body.message}`);
    }
    assert.equal((await fetch(`${s.url}/v1/alerts`)).status, 401);
    assert.equal((await get('/v1/alerts', WRITE)).status, 403);
    const doc = JSON.parse((await (await fetch(`${s.url}/docs/json`)).text())) as { paths: Record<string, Record<string, { tags: string[]; responses: Record<string, unknown> }>> };
    for (const p of ['/v1/alerts', '/v1/alerts/history', '/v1/alerts/deliveries']) {
      assert.deepEqual(doc.paths[p].get.tags, ['alerts'], p);
      assert.ok(doc.paths[p].get.responses['200'], p);
    }
  });

  test('an undrifted day resolves it (one resolved notification per series); a restart keeps the state and sends nothing', async () => {
    const before = hook.requests.length;
    await post('/v1/models/fraud/events', JSON.stringify(dayEvents(3, 0)));
    await settle();
    const drift = await amountDrift();
    const expected = [...drift.values()].reduce((n, values) => n + expectedNotifications(values).length, 0);
    assert.equal(hook.requests.length, expected);
    const fresh = hook.requests.slice(before).map((r) => r.body as { status: string; alerts: Record<string, any>[] });
    // Day 3 is like the reference: each version that no longer drifts resolves.
    const resolvedVersions = [...drift].filter(([, v]) => v[3] === 0).map(([k]) => k).sort();
    assert.deepEqual(fresh.filter((b) => b.status === 'resolved').map((b) => b.alerts[0].labels.version).sort(), resolvedVersions);
    assert.ok(resolvedVersions.length >= 1, 'at least one version is back to normal');
    for (const b of fresh.filter((x) => x.status === 'resolved')) {
      assert.equal(b.alerts[0].endsAt, new Date(T0 + 4 * DAY).toISOString());
      assert.equal(b.alerts[0].startsAt, new Date(firingEnds(drift.get(b.alerts[0].labels.version)!.slice(0, 3)).at(-1)!).toISOString());
    }
    const states = (await json<{ alerts: Record<string, any>[] }>('/v1/alerts')).alerts.map((a) => [a.key, a.state]);
    const count = hook.requests.length;
    const firingGauge = async () => samples(parseExposition((await get('/metrics')).body), 'modelwatch_alert_firing', { alert: 'amount-drift' })[0].value;
    const gaugeBefore = await firingGauge();
    assert.equal(gaugeBefore, resolvedVersions.length === 2 ? 0 : 1);

    await s.close();
    s = await createServer({ config, defaultMetrics: false, monitors: { debounceMs: 10 }, alerts: { backoffMs: 10 } });
    await s.listen();
    // Before anything new is evaluated, the gauge and the states are the stored ones.
    assert.equal(await firingGauge(), gaugeBefore);
    await settle();
    assert.deepEqual((await json<{ alerts: Record<string, any>[] }>('/v1/alerts')).alerts.map((a) => [a.key, a.state]), states);
    assert.equal(hook.requests.length, count, 'no notification after the restart');
  });

  test('a rule expression that does not parse stops the start, naming the setting', async () => {
    const bad = resolveConfig(
      {
        server: { dataDir: tmp.dir },
        models: { other: { schema: MONITOR_SCHEMA, monitors: [{ name: 'drift', type: 'feature_drift', window: '1d' }], alerts: [{ name: 'x', monitor: 'drift', metric: 'rows', op: '>', threshold: 0 }, { name: 'y', monitor: 'drift', expr: 'rows >', op: '>', threshold: 0 }] } },
      },
      { baseDir: tmp.dir },
    );
    await assert.rejects(createServer({ config: bad, defaultMetrics: false, store: undefined, dataDir: `${tmp.dir}/bad` }), (err: Error) => {
      assert.equal(err.name, 'ConfigError');
      assert.match(err.message, /models\.other\.alerts\[1\]\.expr: position 7: expected a number, a metric name or "\(" \(got the end of the expression\)/);
      return true;
    });
  });
});
