/**
 * `modelwatch.yaml`: defaults, units, and errors that name the path of the bad
 * setting.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, defaultConfig, formatDuration, loadConfigFile, parseByteSize, parseConfig, parseDuration } from '../src/index.js';
import { tempDir } from './helpers/fixtures.js';

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, { baseDir: '/srv/mw', env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  }
  assert.fail('expected a ConfigError');
}

const SCHEMA_YAML = `
    schema:
      columns:
        - { name: amount, kind: numeric, role: feature }
        - { name: country, kind: categorical, role: feature }
        - { name: pred, kind: categorical, role: prediction }
        - { name: label, kind: categorical, role: target }`;

describe('units', () => {
  test('durations', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    assert.equal(parseDuration('250ms'), 250);
    for (const bad of ['', 'h', '1 h', '-1h', '1y', '1hx', null, {}, -5, NaN]) assert.equal(parseDuration(bad), null, String(bad));
    for (const ms of [1, 999, 1000, 60_000, 3_600_000, 86_400_000, 604_800_000, 5_400_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
  });
  test('byte sizes', () => {
    assert.equal(parseByteSize('16mb'), 16 * 1024 * 1024);
    assert.equal(parseByteSize('512KiB'), 512 * 1024);
    assert.equal(parseByteSize(2048), 2048);
    assert.equal(parseByteSize('1.5gb'), 1.5 * 1024 ** 3);
    for (const bad of ['', 'mb', '16 parsecs', -1, 1.5, '1e3']) assert.equal(parseByteSize(bad), null, String(bad));
  });
});

describe('configuration', () => {
  test('no file: every default (loopback, ./modelwatch-data, embedded DuckDB, open access, no retention)', () => {
    const c = defaultConfig({ baseDir: '/srv/mw' });
    assert.equal(c.server.port, 8080);
    assert.equal(c.server.host, '127.0.0.1');
    assert.equal(c.server.dataDir, '/srv/mw/modelwatch-data');
    assert.deepEqual(c.store, { type: 'duckdb', path: '/srv/mw/modelwatch-data/modelwatch.duckdb', checkpointThreshold: '64MB', memoryLimit: undefined, threads: undefined });
    assert.equal(c.auth, null);
    assert.deepEqual(c.retention, { eventsMs: null, feedbackMs: null, resultsMs: null, alertsMs: null, intervalMs: 3_600_000 });
    assert.deepEqual(c.notificationDefaults, { timeoutMs: 10_000, maxAttempts: 5, backoffMs: 1000, maxBackoffMs: 60_000, shutdownGraceMs: 5000 });
    assert.deepEqual(c.models, []);
  });

  test('a complete file resolves durations, paths, references and defaults', () => {
    const c = parseConfig(
      `
server: { port: 9000, host: 0.0.0.0, dataDir: data, bodyLimit: 4mb, queue: { maxEvents: 1000 } }
auth:
  tokens:
    - { name: ingest, token: "0123456789abcdef0123", scopes: [write] }
    - { name: grafana, tokenEnv: MW_READ, scopes: [read] }
retention: { events: 30d, results: 1y-not-used-here }
`.replace('1y-not-used-here', '365d') +
        `
models:
  fraud:
    task: binary
    versions: [v1, 2]
    reference: refs/train.parquet
${SCHEMA_YAML}
    monitors:
      - name: drift
        type: feature_drift
        window: { type: sliding, size: 24h, every: 1h }
        methods: { default: { method: psi, threshold: 0.2 }, columns: { amount: { method: ks, threshold: 0.05 } } }
      - { name: daily, type: data_quality, window: 1d }
      - { name: quality, type: model_quality, window: { type: cumulative, every: 1h }, reference: previous }
    alerts:
      - { name: drift-high, monitor: drift, metric: dataset_drift_share, op: ">=", threshold: 0.5, for: 10m, severity: critical, notify: [ops] }
notifications:
  - { name: ops, type: slack, url: "https://hooks.example/x" }
`,
      { baseDir: '/srv/mw', env: { MW_READ: 'abcdefghijklmnopqrstuvwxyz' } },
    );
    assert.equal(c.server.port, 9000);
    assert.equal(c.server.dataDir, '/srv/mw/data');
    assert.equal(c.server.bodyLimit, 4 * 1024 * 1024);
    assert.equal(c.server.queue.maxEvents, 1000);
    assert.equal(c.server.queue.commitEvents, 100_000);
    assert.equal(c.store.type === 'duckdb' && c.store.path, '/srv/mw/data/modelwatch.duckdb');
    assert.deepEqual(c.auth?.tokens.map((t) => [t.name, t.token, t.scopes]), [
      ['ingest', '0123456789abcdef0123', ['write']],
      ['grafana', 'abcdefghijklmnopqrstuvwxyz', ['read']],
    ]);
    assert.deepEqual(c.retention, { eventsMs: 30 * 86_400_000, feedbackMs: null, resultsMs: 365 * 86_400_000, alertsMs: 365 * 86_400_000, intervalMs: 3_600_000 });
    const m = c.models[0];
    assert.equal(m.name, 'fraud');
    assert.deepEqual(m.versions, ['v1', '2']);
    assert.equal(m.reference, '/srv/mw/refs/train.parquet');
    assert.deepEqual(m.monitors.map((x) => x.window), [
      { type: 'sliding', sizeMs: 86_400_000, everyMs: 3_600_000 },
      { type: 'tumbling', sizeMs: 86_400_000, everyMs: 86_400_000 },
      { type: 'cumulative', sizeMs: null, everyMs: 3_600_000 },
    ]);
    assert.deepEqual(m.monitors[0].methods, { default: { method: 'psi', threshold: 0.2 }, columns: { amount: { method: 'ks', threshold: 0.05 } } });
    assert.equal(m.monitors[2].reference, 'previous');
    assert.deepEqual(m.alerts[0], {
      name: 'drift-high',
      monitor: 'drift',
      metric: 'dataset_drift_share',
      expr: undefined,
      feature: undefined,
      op: '>=',
      threshold: 0.5,
      forMs: 600_000,
      severity: 'critical',
      notify: ['ops'],
    });
    assert.deepEqual(c.notifications[0], {
      name: 'ops',
      type: 'slack',
      url: 'https://hooks.example/x',
      headers: {},
      timeoutMs: 10_000,
      maxAttempts: 5,
      backoffMs: 1000,
      maxBackoffMs: 60_000,
      shutdownGraceMs: 5000,
    });
  });

  test('shape errors name the path of every bad setting', () => {
    assert.deepEqual(
      problems(`
server: { port: eighty, colour: blue }
store: { type: duckdb, path: 5 }
models:
  "bad name!": {}
  fraud:
    task: binry
    monitors:
      - { name: a, type: feature_drift, window: 1h }
      - { name: b, type: feature_drift, window: 1h }
      - { name: c, type: feature_drift, window: true }
      - { name: d, type: data_quality, window: { type: slidin, size: 1h } }
`),
      [
        'server.colour: unknown setting (expected one of port, host, dataDir, bodyLimit, maxRecordsPerRequest, queue, maxModels, maxVersionLabels)',
        'server.port: expected a port number 0..65535 (got "eighty")',
        'store.path: expected a file path (got 5)',
        'models["bad name!"]: is not a valid name (expected a model name: letters, digits, "_", "." and "-", starting with a letter or digit, at most 128 characters)',
        'models.fraud.task: expected one of binary, multiclass, regression (got "binry")',
        'models.fraud.monitors[2].window: expected a duration like "1h" or {type: sliding|tumbling|cumulative, size, every} (got true)',
        'models.fraud.monitors[3].window.type: expected one of sliding, tumbling, cumulative (got "slidin")',
      ],
    );
  });

  test('meaning errors: durations, windows, cross references, schemas, auth, clickhouse', () => {
    assert.deepEqual(
      problems(
        `
auth: { tokens: [ { name: a, tokenEnv: MISSING, scopes: [read] }, { name: a, token: "short", scopes: [write] } ] }
store: { type: clickhouse, url: "http://localhost:8123" }
retention: forever
models:
  fraud:
${SCHEMA_YAML}
    monitors:
      - { name: a, type: feature_drift, window: 1hour }
      - { name: a, type: feature_drift, window: { type: sliding, size: 1h, every: 2h }, columns: [amount, nope] }
      - { name: c, type: data_quality, window: { type: cumulative, size: 1d } }
      - { name: d, type: feature_drift, window: 1h, methods: { columns: { ghost: { method: psi } } } }
    alerts:
      - { name: x, monitor: zz, op: ">", threshold: 1, notify: [ops] }
  other:
    schema: { columns: [ { name: a, kind: numeric, role: feature }, { name: a, kind: wat, role: feature } ] }
  nothing: {}
`,
      ),
      [
        'auth.tokens[1].token: expected a token of at least 16 characters (got "short")',
      ],
    );
    // With the shape fixed, every meaning problem is reported together.
    assert.deepEqual(
      problems(
        `
auth: { tokens: [ { name: a, tokenEnv: MISSING, scopes: [read] }, { name: a, token: "0123456789abcdef", scopes: [write] }, { name: b, scopes: [read] } ] }
store: { type: clickhouse, url: "http://localhost:8123" }
retention: forever
models:
  fraud:
${SCHEMA_YAML}
    monitors:
      - { name: a, type: feature_drift, window: 1hour }
      - { name: a, type: feature_drift, window: { type: sliding, size: 1h, every: 2h }, columns: [amount, nope] }
      - { name: c, type: data_quality, window: { type: cumulative, size: 1d } }
      - { name: d, type: feature_drift, window: 1h, methods: { columns: { ghost: { method: psi } } } }
    alerts:
      - { name: x, monitor: zz, op: ">", threshold: 1, notify: [ops] }
  other:
    schema: { columns: [ { name: a, kind: numeric, role: feature }, { name: a, kind: wat, role: feature } ] }
  nothing: {}
`,
      ),
      [
        'auth.tokens[0].tokenEnv: environment variable MISSING is not set',
        'auth.tokens[1].name: duplicate token name "a"',
        'auth.tokens[2]: give exactly one of token or tokenEnv',
        'store.type: the clickhouse store is not available yet; use type: duckdb',
        'retention: expected a positive duration like "1h" (got "forever")',
        'models.fraud.monitors[0].window: expected a positive duration like "1h" (got "1hour")',
        'models.fraud.monitors[1].name: duplicate monitor name "a"',
        'models.fraud.monitors[1].columns[1]: no column "nope" in the model\'s schema',
        'models.fraud.monitors[1].window.every: every must not be longer than size (windows would leave gaps)',
        'models.fraud.monitors[2].window.size: a cumulative window has no size (it starts at the first event)',
        'models.fraud.monitors[2].window.every: a cumulative window needs every, e.g. "1h"',
        'models.fraud.monitors[3].methods.columns.ghost: no column "ghost" in the model\'s schema',
        'models.fraud.alerts[0].monitor: no monitor named "zz" in this model; known: "a", "c", "d"',
        'models.fraud.alerts[0]: give exactly one of metric or expr',
        'models.fraud.alerts[0].notify[0]: no notification channel named "ops"',
        'models.other.schema.columns[1].name: duplicate column "a"',
        'models.other.schema.columns[1].kind: must be one of numeric, categorical, boolean, datetime, text (got "wat")',
        'models.nothing: give a schema, or schemaFrom: reference with a reference file',
      ],
    );
  });

  test('YAML syntax errors say where', () => {
    const p = problems('models:\n  fraud: [\n');
    assert.equal(p.length, 1);
    assert.match(p[0], /^line \d+, column \d+: /);
    assert.match(problems('a: 1\na: 2\n')[0], /unique|duplicate/i);
  });

  test('loadConfigFile resolves relative paths against the file and names the file in errors', async () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'modelwatch.yaml');
      writeFileSync(file, 'server: { dataDir: state }\n');
      const c = await loadConfigFile(file);
      assert.equal(c.server.dataDir, join(tmp.dir, 'state'));
      assert.equal(c.source, file);
      writeFileSync(file, 'server: { port: -1 }\n');
      await assert.rejects(loadConfigFile(file), (err: Error) => err instanceof ConfigError && err.message.startsWith(`${file}: invalid configuration (1 problem)`) && /server\.port/.test(err.message));
      await assert.rejects(loadConfigFile(join(tmp.dir, 'missing.yaml')), /cannot read the file/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('alert rules and the effective monitors', () => {
  const model = (body: string) => `models:\n  m:\n${body}\n`;
  const FEATURES_ONLY = `    schema: { columns: [ { name: x, kind: numeric, role: feature } ] }`;
  const DEFAULTS_NOTE = ' (the default monitors: the model lists no monitors of its own)';

  test('a model without monitors of its own: rules may name its default monitors (from the schema)', () => {
    const c = parseConfig(
      model(`${SCHEMA_YAML}
    alerts:
      - { name: dq, monitor: data_quality, metric: missing_ratio, op: ">", threshold: 0.1 }
      - { name: fd, monitor: feature_drift, metric: dataset_drift_share, op: ">=", threshold: 0.5 }
      - { name: pd, monitor: prediction_drift, metric: prediction_drift_score, op: ">", threshold: 0.2 }
      - { name: mq, monitor: model_quality, metric: accuracy, op: "<", threshold: 0.8 }`),
    );
    assert.deepEqual(c.models[0].monitors, []);
    assert.deepEqual(c.models[0].alerts.map((a) => a.monitor), ['data_quality', 'feature_drift', 'prediction_drift', 'model_quality']);
  });

  test('a default the schema does not give, or a default name next to monitors of its own, is refused naming the known monitors', () => {
    assert.deepEqual(
      problems(model(`${FEATURES_ONLY}
    alerts:
      - { name: ok, monitor: feature_drift, metric: dataset_drift_share, op: ">=", threshold: 0.5 }
      - { name: pd, monitor: prediction_drift, metric: prediction_drift_score, op: ">", threshold: 0.2 }
      - { name: mq, monitor: model_quality, metric: accuracy, op: "<", threshold: 0.8 }`)),
      [
        `models.m.alerts[1].monitor: no monitor named "prediction_drift" in this model; known: "data_quality", "feature_drift"${DEFAULTS_NOTE}`,
        `models.m.alerts[2].monitor: no monitor named "model_quality" in this model; known: "data_quality", "feature_drift"${DEFAULTS_NOTE}`,
      ],
    );
    // With monitors of its own the model has no defaults: only its monitors can be named.
    assert.deepEqual(
      problems(model(`${FEATURES_ONLY}
    monitors: [ { name: weekly, type: feature_drift, window: 7d }, { name: dq, type: data_quality, window: 1d } ]
    alerts:
      - { name: a, monitor: data_quality, metric: missing_ratio, op: ">", threshold: 0.1 }`)),
      ['models.m.alerts[0].monitor: no monitor named "data_quality" in this model; known: "weekly", "dq"'],
    );
  });

  test('schemaFrom: reference — the defaults follow the roles given (other columns are features)', () => {
    const withRoles = parseConfig(
      model(`    schemaFrom: reference
    reference: train.csv
    roles: { target: label, prediction: pred }
    alerts:
      - { name: mq, monitor: model_quality, metric: accuracy, op: "<", threshold: 0.8 }
      - { name: fd, monitor: feature_drift, metric: dataset_drift_share, op: ">=", threshold: 0.5 }`),
      { baseDir: '/srv/mw' },
    );
    assert.deepEqual(withRoles.models[0].alerts.map((a) => a.monitor), ['model_quality', 'feature_drift']);
    assert.deepEqual(
      problems(model(`    schemaFrom: reference
    reference: train.csv
    roles: { scores: [p1] }
    alerts:
      - { name: pd, monitor: prediction_drift, metric: prediction_drift_score, op: ">", threshold: 0.2 }
      - { name: mq, monitor: model_quality, metric: accuracy, op: "<", threshold: 0.8 }`)),
      [`models.m.alerts[1].monitor: no monitor named "model_quality" in this model; known: "data_quality", "feature_drift", "prediction_drift"${DEFAULTS_NOTE}`],
    );
  });
});

describe('notification delivery settings', () => {
  const CHANNELS = `
notifications:
  - { name: a, type: webhook, url: "http://127.0.0.1:1/a" }
  - { name: b, type: slack, url: "https://hooks.example/b", backoff: 500ms, shutdownGrace: 0s, maxAttempts: 9 }
  - { name: c, type: webhook, url: "http://127.0.0.1:1/c", maxBackoff: 2h, timeout: 1s }`;

  test('notificationDefaults apply to every channel that does not set its own', () => {
    const c = parseConfig(`notificationDefaults: { timeout: 3s, maxAttempts: 2, backoff: 2s, maxBackoff: 30s, shutdownGrace: 1m }${CHANNELS}`);
    assert.deepEqual(c.notificationDefaults, { timeoutMs: 3000, maxAttempts: 2, backoffMs: 2000, maxBackoffMs: 30_000, shutdownGraceMs: 60_000 });
    const pick = (n: (typeof c.notifications)[number]) => [n.name, n.timeoutMs, n.maxAttempts, n.backoffMs, n.maxBackoffMs, n.shutdownGraceMs];
    assert.deepEqual(c.notifications.map(pick), [
      ['a', 3000, 2, 2000, 30_000, 60_000],
      ['b', 3000, 9, 500, 30_000, 0],
      ['c', 1000, 2, 2000, 7_200_000, 60_000],
    ]);
    // Without notificationDefaults, the built-in defaults.
    const d = parseConfig(CHANNELS);
    assert.deepEqual(d.notifications.map(pick), [
      ['a', 10_000, 5, 1000, 60_000, 5000],
      ['b', 10_000, 9, 500, 60_000, 0],
      ['c', 1000, 5, 1000, 7_200_000, 5000],
    ]);
  });

  test('bad values name the setting: durations, bounds, backoff longer than maxBackoff wherever each is set', () => {
    assert.deepEqual(
      problems(`
notificationDefaults: { backoff: 2m, maxBackoff: 1m, shutdownGrace: 2h, timeout: 0s }
notifications:
  - { name: a, type: webhook, url: "http://127.0.0.1:1/a", backoff: soon }
  - { name: b, type: webhook, url: "http://127.0.0.1:1/b", maxBackoff: 0s }
`),
      [
        'notificationDefaults.timeout: expected a positive duration like "1h" (got "0s")',
        'notificationDefaults.shutdownGrace: at most 1h (got "2h")',
        'notificationDefaults.maxBackoff: must not be shorter than backoff (2m; got "1m")',
        'notifications[0].backoff: expected a duration like "1h" (got "soon")',
        'notifications[1].maxBackoff: expected a positive duration like "1h" (got "0s")',
      ],
    );
    assert.deepEqual(problems('notificationDefaults: { maxBackoff: 1m }\nnotifications:\n  - { name: a, type: webhook, url: "http://127.0.0.1:1/a", backoff: 5m }\n'), [
      'notifications[0].backoff: must not be longer than maxBackoff (1m, from notificationDefaults or the default; got "5m")',
    ]);
    assert.deepEqual(problems('notifications:\n  - { name: a, type: webhook, url: "http://127.0.0.1:1/a", maxBackoff: 2d }\n'), ['notifications[0].maxBackoff: at most 1d (got "2d")']);
    assert.deepEqual(problems('notifications:\n  - { name: a, type: webhook, url: "http://127.0.0.1:1/a", maxBackoff: 500ms }\n'), [
      'notifications[0].maxBackoff: must not be shorter than backoff (1s, from notificationDefaults or the default; got "500ms")',
    ]);
    assert.deepEqual(problems('notificationDefaults: { backof: 1s }\n'), ['notificationDefaults.backof: unknown setting (expected one of timeout, maxAttempts, backoff, maxBackoff, shutdownGrace)']);
  });
});

describe('alert history retention', () => {
  const DAY = 86_400_000;
  test('retention.alerts, defaulting to the results retention', () => {
    const alertsMs = (yaml: string) => parseConfig(yaml).retention.alertsMs;
    assert.equal(alertsMs('retention: 30d\n'), 30 * DAY);
    assert.equal(alertsMs('retention: { results: 90d }\n'), 90 * DAY);
    assert.equal(alertsMs('retention: { results: 90d, alerts: 7d }\n'), 7 * DAY);
    assert.equal(alertsMs('retention: { alerts: 7d }\n'), 7 * DAY);
    assert.equal(alertsMs('retention: { events: 1d }\n'), null);
    assert.deepEqual(problems('retention: { results: 90d, alerts: never }\n'), ['retention.alerts: expected a positive duration like "1h" (got "never")']);
  });
});
