/**
 * Monitors and alert rules managed over the API: PUT / GET / DELETE
 * `/v1/models/{model}/monitors/{name}` and `/alerts/{name}`, validated like
 * `modelwatch.yaml` (errors naming the field), durable across restarts, with the
 * configuration file winning; an API-defined monitor evaluates exactly what the
 * same monitor in the file evaluates, a changed monitor's results are those of
 * its new definition, a deleted monitor's results are gone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import { apiAlertRules, monitorsOf } from '../src/monitor/definitions.js';
import type { MonitorResult } from '../src/monitor/result.js';
import { tempDir } from './helpers/fixtures.js';
import { MONITOR_SCHEMA, generateEvents, stable } from './helpers/monitors.js';
import { parseExposition, samples } from './helpers/prometheus.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 2, 4);
const READ = 'read-token-0123456789';
const WRITE = 'write-token-0123456789';

/** Three days of events (the amount drifting), versions v1 and v2. */
const EVENTS = [0, 1, 2].flatMap((d) =>
  generateEvents({ n: 300, t0: T0 + d * DAY + 500, stepMs: Math.floor(DAY / 300), seed: 70 + d, shift: 15 * d, idPrefix: `d${d}-`, version: (i) => (i % 2 ? 'v1' : 'v2') }),
);

const CONFIG_MONITORS = [{ name: 'drift', type: 'feature_drift', window: '1d', reference: 'previous' }];
const CONFIG_ALERTS = [{ name: 'cfg-drift', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.5 }];

function configFor(dir: string, monitors: unknown[] = CONFIG_MONITORS) {
  return resolveConfig(
    {
      server: { dataDir: dir },
      auth: { tokens: [{ name: 'reader', token: READ, scopes: ['read'] }, { name: 'writer', token: WRITE, scopes: ['write'] }] },
      models: { fraud: { schema: MONITOR_SCHEMA, versions: ['v1', 'v2'], monitors, alerts: monitors === CONFIG_MONITORS ? CONFIG_ALERTS : [] } },
      notifications: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
    },
    { baseDir: dir, source: 'modelwatch.yaml' },
  );
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('monitors and alert rules over the API', { timeout: 180_000 }, () => {
  const tmp = tempDir('mw-defs-');
  let s: ModelwatchServer;

  const call = async (method: 'GET' | 'PUT' | 'DELETE' | 'POST', url: string, payload?: unknown, token = method === 'GET' ? READ : WRITE): Promise<Answer> => {
    const res = await s.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
  };
  const results = async (model: string, monitor?: string) =>
    (await s.store.getResults({ model, monitor, limit: 100_000 })).map((r) => r.payload as MonitorResult);

  before(async () => {
    s = await createServer({ config: configFor(tmp.dir), defaultMetrics: false, monitors: { debounceMs: 10 } });
    // `plain` gets its events once it has a monitor of its own (the default data-quality monitor, 1 h every 5 min, is slow on 3 days).
    let r = await call('PUT', '/v1/models/plain', { schema: MONITOR_SCHEMA, versions: ['v1', 'v2'] });
    assert.equal(r.status, 201);
    r = await call('POST', '/v1/models/fraud/events', EVENTS);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await s.monitors.idle();
  });
  after(async () => {
    await s?.close();
    tmp.cleanup();
  });

  test('GET lists the defaults of a model without monitors, configured ones with their source', async () => {
    const plain = await call('GET', '/v1/models/plain/monitors');
    assert.equal(plain.status, 200);
    const list = plain.body.monitors as { name: string; source: string; definition: Record<string, unknown> }[];
    assert.deepEqual(list.map((m) => [m.name, m.source]), [
      ['data_quality', 'default'],
      ['feature_drift', 'default'],
      ['prediction_drift', 'default'],
      ['model_quality', 'default'],
    ]);
    assert.deepEqual(list[1].definition.window, { type: 'sliding', size: '1d', every: '1h' });
    assert.deepEqual(plain.body.ignored, []);
    const fraud = await call('GET', '/v1/models/fraud/monitors');
    assert.deepEqual(fraud.body.monitors, [
      {
        name: 'drift',
        source: 'config',
        definition: { name: 'drift', type: 'feature_drift', window: { type: 'tumbling', size: '1d' }, reference: 'previous', methods: { columns: {} }, thresholds: {}, sampleLimit: 100_000, versions: 'each' },
      },
    ]);
    const one = await call('GET', '/v1/models/fraud/monitors/drift');
    assert.deepEqual(one.body, { model: 'fraud', monitor: (fraud.body.monitors as unknown[])[0] });
    assert.equal((await call('GET', '/v1/models/fraud/monitors/nope')).status, 404);
    assert.equal((await call('GET', '/v1/models/nope/monitors')).body.error, 'model_not_found');
  });

  test('bad bodies get 400 naming the field, as modelwatch.yaml would', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ type: 'feature_drift' }, 'window', /required/],
      [{ type: 'feature_drift', window: true }, 'window', /expected a duration like "1h" or \{type/],
      [{ type: 'feature_drift', window: { type: 'slidin', size: '1h' } }, 'window.type', /expected one of sliding, tumbling, cumulative/],
      [{ type: 'feature_drift', window: { type: 'sliding', size: '1h' } }, 'window.every', /needs every/],
      [{ type: 'feature_drift', window: { type: 'sliding', size: '1h', every: '2h' } }, 'window.every', /must not be longer than size/],
      [{ type: 'feature_drift', window: '1hour' }, 'window', /positive duration/],
      [{ type: 'drift', window: '1d' }, 'type', /one of data_quality, feature_drift/],
      [{ type: 'feature_drift', window: '1d', colour: 'red' }, 'colour', /unknown setting/],
      [{ type: 'feature_drift', window: '1d', columns: ['amount', 'nope'] }, 'columns[1]', /no column "nope"/],
      [{ type: 'feature_drift', window: '1d', methods: { columns: { ghost: { method: 'psi' } } } }, 'methods.columns.ghost', /no column "ghost"/],
      [{ type: 'feature_drift', window: '1d', methods: { default: { method: 'psii' } } }, 'methods.default.method', /unknown drift method "psii"/],
      [{ type: 'feature_drift', window: '1d', methods: { columns: { country: { method: 'ks' } } } }, 'methods.columns.country.method', /compares numeric samples/],
      [{ type: 'feature_drift', window: '1d', methods: { columns: { amount: { bins: 1 } } } }, 'methods.columns.amount.bins', /integer 2..1000/],
      [{ type: 'feature_drift', window: '1d', thresholds: { drift_share: 2 } }, 'thresholds.drift_share', /\(0, 1\]/],
      [{ type: 'feature_drift', window: '1d', sampleLimit: 0 }, 'sampleLimit', /positive integer/],
      [{ name: 'other', type: 'feature_drift', window: '1d' }, 'name', /the name in the URL/],
    ];
    for (const [body, path, message] of cases) {
      const r = await call('PUT', '/v1/models/plain/monitors/m1', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error, 'bad_request');
      const details = r.body.details as { path: string; message: string }[];
      assert.ok(details.some((d) => d.path === path && message.test(d.message)), `${JSON.stringify(body)}: ${JSON.stringify(details)}`);
      assert.ok((r.body.message as string).includes(path), r.body.message as string);
    }
    const notObject = await call('PUT', '/v1/models/plain/monitors/m1', [1, 2]);
    assert.equal(notObject.status, 400);
    // A model without a task cannot have a model_quality monitor; an unknown model is 404.
    await call('PUT', '/v1/models/notask', { schema: { columns: MONITOR_SCHEMA.columns } });
    const q = await call('PUT', '/v1/models/notask/monitors/q', { type: 'model_quality', window: '1d' });
    assert.equal(q.status, 400);
    assert.ok((q.body.details as { path: string }[]).some((d) => d.path === 'type'), JSON.stringify(q.body));
    assert.equal((await call('PUT', '/v1/models/nope/monitors/m1', { type: 'feature_drift', window: '1d' })).body.error, 'model_not_found');
    // Nothing was stored by the refused requests.
    assert.equal((await s.store.getModel('plain'))!.definitions, undefined);
  });

  test('an API-defined monitor replaces the defaults, evaluates its windows, and equals the same monitor in modelwatch.yaml', async () => {
    const body = { type: 'feature_drift', window: '1d', reference: 'previous', columns: ['amount', 'age', 'country'] };
    const r = await call('PUT', '/v1/models/plain/monitors/daily', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.created, true);
    assert.equal(r.body.changed, true);
    const view = r.body.monitor as { name: string; source: string; definition: Record<string, unknown>; createdAt: string };
    assert.equal(view.source, 'api');
    assert.deepEqual(view.definition, { name: 'daily', ...body, window: { type: 'tumbling', size: '1d' }, methods: { columns: {} }, thresholds: {}, sampleLimit: 100_000, versions: 'each' });
    const listed = await call('GET', '/v1/models/plain/monitors');
    assert.deepEqual((listed.body.monitors as { name: string }[]).map((m) => m.name), ['daily'], 'the defaults stop');

    assert.equal((await call('POST', '/v1/models/plain/events', EVENTS)).status, 200);
    await s.monitors.idle();
    const got = await results('plain', 'daily');
    // 3 days × 2 versions.
    assert.deepEqual(got.map((x) => `${x.version}/${x.window.end}`).sort(), ['v1', 'v2'].flatMap((v) => [1, 2, 3].map((d) => `${v}/${T0 + d * DAY}`)).sort());

    // The same monitor from a configuration file, on another server with the same events.
    const other = tempDir('mw-defs-cfg-');
    const t = await createServer({ config: configFor(other.dir, [{ name: 'daily', ...body }]), defaultMetrics: false, monitors: { debounceMs: 10 } });
    try {
      const res = await t.app.inject({ method: 'POST', url: '/v1/models/fraud/events', headers: { authorization: `Bearer ${WRITE}` }, payload: EVENTS });
      assert.equal(res.statusCode, 200);
      await t.monitors.idle();
      const want = (await t.store.getResults({ model: 'fraud', monitor: 'daily' })).map((x) => x.payload as MonitorResult);
      const key = (x: MonitorResult) => `${x.version}/${x.window.end}`;
      const byKey = new Map(want.map((x) => [key(x), x]));
      assert.equal(want.length, got.length);
      for (const x of got) assert.deepEqual({ ...stable(x), model: 'fraud' }, stable(byKey.get(key(x))), key(x));
      assert.equal(got.find((x) => x.version === 'v1' && x.window.end === T0 + 3 * DAY)!.features!.find((f) => f.feature === 'amount')!.metrics.drift_detected, 1);
    } finally {
      await t.close();
      other.cleanup();
    }

    // The definition GET returns, PUT back, is the same monitor: nothing changes.
    const again = await call('PUT', '/v1/models/plain/monitors/daily', view.definition);
    assert.equal(again.status, 200);
    assert.equal(again.body.changed, false);
    assert.equal(again.body.deletedResults, 0);
    assert.equal((await results('plain', 'daily')).length, 6);
  });

  test('a changed monitor loses the results of its old definition; its new windows are evaluated', async () => {
    const r = await call('PUT', '/v1/models/plain/monitors/daily', { type: 'feature_drift', window: { type: 'tumbling', size: '12h' }, reference: 'previous', columns: ['amount'], versions: 'all' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.created, false);
    assert.equal(r.body.changed, true);
    assert.equal(r.body.deletedResults, 6);
    await s.monitors.idle();
    const got = await results('plain', 'daily');
    // 3 days of 12-hour windows over all versions, nothing of the daily windows per version.
    assert.deepEqual(got.map((x) => [x.version, x.window.end - T0, x.window.label]), [1, 2, 3, 4, 5, 6].map((k) => [null, k * 12 * HOUR, '12h']));
    assert.equal(got[0].note, 'no reference: the previous window has no events');
    for (const x of got.slice(1)) assert.deepEqual(x.features!.map((f) => f.feature), ['amount']);
    for (const x of got) assert.equal(x.metrics.rows, EVENTS.filter((e) => (e.ts as number) >= x.window.start && (e.ts as number) < x.window.end).length);
    // The export shows the new series only.
    const exposition = parseExposition((await s.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${READ}` } })).body);
    const share = samples(exposition, 'modelwatch_dataset_drift_share', { model: 'plain' });
    assert.deepEqual(share.map((x) => [x.labels.monitor, x.labels.version, x.labels.window]), [['daily', '__all__', '12h']]);
  });

  test('the configuration file wins: its monitors and rules cannot be changed over the API; API ones run beside them', async () => {
    let r = await call('PUT', '/v1/models/fraud/monitors/drift', { type: 'feature_drift', window: '1h' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error, 'defined_in_config');
    assert.match(r.body.message as string, /modelwatch\.yaml/);
    r = await call('DELETE', '/v1/models/fraud/monitors/drift');
    assert.equal(r.status, 409);
    assert.equal(r.body.error, 'defined_in_config');
    r = await call('PUT', '/v1/models/fraud/alerts/cfg-drift', { monitor: 'drift', metric: 'dataset_drift_share', op: '>', threshold: 0.1 });
    assert.equal(r.body.error, 'defined_in_config');

    r = await call('PUT', '/v1/models/fraud/monitors/quality', { type: 'data_quality', window: '1d' });
    assert.equal(r.status, 201);
    const listed = await call('GET', '/v1/models/fraud/monitors');
    assert.deepEqual((listed.body.monitors as { name: string; source: string }[]).map((m) => [m.name, m.source]), [['drift', 'config'], ['quality', 'api']]);
    await s.monitors.idle();
    assert.equal((await results('fraud', 'quality')).length, 6);
    assert.equal((await results('fraud', 'drift')).length, 6, 'the configured monitor keeps its results');
  });

  test('default monitors cannot be deleted; unknown ones are 404; a deleted monitor takes its results along', async () => {
    let r = await call('DELETE', '/v1/models/notask/monitors/data_quality');
    assert.equal(r.status, 409);
    assert.equal(r.body.error, 'default_monitor');
    r = await call('DELETE', '/v1/models/plain/monitors/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.error, 'monitor_not_found');

    r = await call('DELETE', '/v1/models/fraud/monitors/quality');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { model: 'fraud', name: 'quality', deleted: true, deletedResults: 6 });
    assert.equal((await results('fraud', 'quality')).length, 0);
    assert.equal((await call('DELETE', '/v1/models/fraud/monitors/quality')).status, 404);
  });

  test('alert rules: checked like the file (monitor, channels, metric or expr), listed with their source, guarding their monitor', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ monitor: 'ghost', metric: 'dataset_drift_share', op: '>', threshold: 1 }, 'monitor', /no monitor named "ghost"/],
      [{ monitor: 'daily', op: '>', threshold: 1 }, '', /exactly one of metric or expr/],
      [{ monitor: 'daily', metric: 'x', op: '=>', threshold: 1 }, 'op', /one of >, >=/],
      [{ monitor: 'daily', metric: 'x', op: '>', threshold: 'high' }, 'threshold', /a number/],
      [{ monitor: 'daily', metric: 'x', op: '>', threshold: 1, for: 'soon' }, 'for', /duration/],
      [{ monitor: 'daily', metric: 'x', op: '>', threshold: 1, notify: ['pager'] }, 'notify[0]', /no notification channel named "pager"/],
      [{ monitor: 'daily', metric: 'x', op: '>', threshold: 1, severity: 'fatal' }, 'severity', /one of info, warning, critical/],
      [{ monitor: 'daily', expr: 'dataset_drift_share >', op: '>', threshold: 1 }, 'expr', /./],
    ];
    for (const [body, path, message] of cases) {
      const r = await call('PUT', '/v1/models/plain/alerts/a1', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.ok((r.body.details as { path: string; message: string }[]).some((d) => d.path === path && message.test(d.message)), `${JSON.stringify(body)}: ${JSON.stringify(r.body.details)}`);
    }
    const rule = { monitor: 'daily', metric: 'drift_score', feature: 'amount', op: '>=', threshold: 0.3, for: '2h', severity: 'critical', notify: ['ops'] };
    let r = await call('PUT', '/v1/models/plain/alerts/amount-drift', rule);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual((r.body.alert as { definition: unknown }).definition, { name: 'amount-drift', ...rule });
    r = await call('GET', '/v1/models/plain/alerts');
    assert.deepEqual((r.body.alerts as { name: string; source: string }[]).map((a) => [a.name, a.source]), [['amount-drift', 'api']]);
    r = await call('GET', '/v1/models/fraud/alerts');
    assert.deepEqual((r.body.alerts as { name: string; source: string }[]).map((a) => [a.name, a.source]), [['cfg-drift', 'config']]);
    assert.equal((await call('GET', '/v1/models/plain/alerts/amount-drift')).status, 200);
    assert.equal((await call('GET', '/v1/models/plain/alerts/nope')).body.error, 'alert_not_found');

    // What the alert engine reads: the rule resolved as the file's rules are.
    const record = (await s.store.getModel('plain'))!;
    assert.deepEqual(apiAlertRules(record, s.config), [
      { name: 'amount-drift', monitor: 'daily', metric: 'drift_score', expr: undefined, feature: 'amount', op: '>=', threshold: 0.3, forMs: 2 * HOUR, severity: 'critical', notify: ['ops'] },
    ]);

    // A metric the monitor does not produce is accepted with a warning (as the engine logs for the file's rules).
    r = await call('PUT', '/v1/models/plain/alerts/odd', { monitor: 'daily', metric: 'accuracy', op: '<', threshold: 0.9 });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.warnings, [{ path: 'metric', message: 'a feature_drift monitor has no metric "accuracy"' }]);
    assert.equal((await call('DELETE', '/v1/models/plain/alerts/odd')).status, 200);

    // The alert engine evaluates API rules: one that always holds fires once the monitor's windows are evaluated again.
    r = await call('PUT', '/v1/models/plain/alerts/always', { monitor: 'daily', metric: 'rows', op: '>=', threshold: 1 });
    assert.equal(r.status, 201);
    r = await call('PUT', '/v1/models/plain/monitors/daily', { type: 'feature_drift', window: { type: 'tumbling', size: '12h' }, reference: 'previous', columns: ['amount'], versions: 'all', sampleLimit: 50_000 });
    assert.equal(r.body.deletedResults, 6);
    await s.monitors.idle();
    await s.alerts.idle();
    const states = await s.alerts.list({ model: 'plain', rule: 'always' });
    assert.deepEqual(states.map((a) => [a.key, a.state]), [['version=__all__', 'firing']]);
    assert.equal((await call('DELETE', '/v1/models/plain/alerts/always')).status, 200);

    // The rule's monitor cannot go while the rule names it.
    r = await call('DELETE', '/v1/models/plain/monitors/daily');
    assert.equal(r.status, 409);
    assert.equal(r.body.error, 'monitor_in_use');
    assert.match(r.body.message as string, /amount-drift/);
    assert.equal((await call('DELETE', '/v1/models/plain/alerts/amount-drift')).status, 200);
    assert.equal((await call('DELETE', '/v1/models/plain/alerts/amount-drift')).status, 404);
    assert.deepEqual(apiAlertRules((await s.store.getModel('plain'))!), []);
  });

  test('scopes: read for GET, write for PUT and DELETE', async () => {
    assert.equal((await call('GET', '/v1/models/plain/monitors', undefined, WRITE)).status, 403);
    assert.equal((await call('PUT', '/v1/models/plain/monitors/x', { type: 'data_quality', window: '1d' }, READ)).status, 403);
    assert.equal((await call('DELETE', '/v1/models/plain/monitors/daily', undefined, READ)).status, 403);
    assert.equal((await call('PUT', '/v1/models/plain/alerts/x', {}, READ)).status, 403);
    assert.equal((await s.app.inject({ method: 'GET', url: '/v1/models/plain/alerts' })).statusCode, 401);
  });

  test('the endpoints are in the OpenAPI document with the monitor and alert shapes', async () => {
    const doc = JSON.parse((await s.app.inject({ method: 'GET', url: '/docs/json' })).body);
    const monitors = doc.paths['/v1/models/{model}/monitors/{name}'];
    assert.deepEqual(Object.keys(monitors).sort(), ['delete', 'get', 'put']);
    const body = monitors.put.requestBody.content['application/json'].schema;
    assert.ok(body.properties.window && body.properties.methods && !body.required.includes('name'), JSON.stringify(body.required));
    assert.ok(!JSON.stringify(body).includes('"expected"'));
    assert.ok(doc.paths['/v1/models/{model}/alerts/{name}'].put.requestBody.content['application/json'].schema.properties.threshold);
    assert.ok(doc.paths['/v1/models/{model}/monitors'].get);
    assert.ok(doc.paths['/v1/models/{model}/alerts'].get);
  });

  test('definitions survive a restart and are not re-evaluated by it', async () => {
    await call('PUT', '/v1/models/plain/alerts/share', { monitor: 'daily', metric: 'dataset_drift_share', op: '>', threshold: 0.5 });
    const before = (await call('GET', '/v1/models/plain/monitors')).body;
    const beforeAlerts = (await call('GET', '/v1/models/plain/alerts')).body;
    const stored = (await results('plain', 'daily')).map(stable);
    await s.close();
    s = await createServer({ config: configFor(tmp.dir), defaultMetrics: false, monitors: { debounceMs: 10 } });
    assert.deepEqual((await call('GET', '/v1/models/plain/monitors')).body, before);
    assert.deepEqual((await call('GET', '/v1/models/plain/alerts')).body, beforeAlerts);
    assert.deepEqual(monitorsOf(s.config, (await s.store.getModel('plain'))!).map((m) => m.name), ['daily']);
    await s.monitors.idle();
    assert.deepEqual((await results('plain', 'daily')).map(stable), stored, 'nothing re-evaluated without a change');
    // The restored export holds the API monitor's latest window.
    const exposition = parseExposition((await s.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${READ}` } })).body);
    assert.equal(samples(exposition, 'modelwatch_window_events', { model: 'plain', monitor: 'daily' }).length, 1);

    assert.equal((await call('DELETE', '/v1/models/plain/monitors/daily')).status, 409, 'the rule names it');
    assert.equal((await call('DELETE', '/v1/models/plain/alerts/share')).status, 200);
  });

  test('the defaults stop with the first monitor of a model and are evaluated again when the last one goes', async () => {
    assert.equal((await call('PUT', '/v1/models/small', { schema: MONITOR_SCHEMA, versions: ['v1'] })).status, 201);
    assert.equal((await call('PUT', '/v1/models/small/monitors/hourly', { type: 'data_quality', window: '1h' })).status, 201);
    // Registering the model again (a schema update) keeps its monitors.
    assert.equal((await call('PUT', '/v1/models/small', { schema: MONITOR_SCHEMA, versions: ['v1', 'v2'] })).status, 200);
    assert.deepEqual(((await call('GET', '/v1/models/small/monitors')).body.monitors as { name: string }[]).map((m) => m.name), ['hourly']);
    const events = generateEvents({ n: 120, t0: T0, stepMs: 30_000, seed: 3 });
    assert.equal((await call('POST', '/v1/models/small/events', events)).status, 200);
    await s.monitors.idle();
    assert.deepEqual(new Set((await results('small')).map((x) => x.monitor)), new Set(['hourly']));
    const r = await call('DELETE', '/v1/models/small/monitors/hourly');
    assert.deepEqual(r.body, { model: 'small', name: 'hourly', deleted: true, deletedResults: 1 });
    await s.monitors.idle();
    const got = await results('small');
    assert.deepEqual(new Set(got.map((x) => x.monitor)), new Set(['data_quality', 'feature_drift', 'prediction_drift', 'model_quality']), 'the defaults are evaluated');
    // One hour of events: data-quality windows (1 h every 5 min) ending T0+5m … T0+1h55m.
    assert.equal(got.filter((x) => x.monitor === 'data_quality').length, 23);
  });
});
