/**
 * The JSON Schema (TypeBox) of `modelwatch.yaml` as written by users. It checks
 * shapes and types; `load.ts` then checks meaning (durations, cross references,
 * schemas) and resolves defaults into the types of `types.ts`.
 *
 * Each schema carries an `expected` annotation: the phrase used in error messages
 * (`models.fraud.monitors[2].window: expected a duration like "1h"`).
 */
import Type from 'typebox';
import { MODEL_NAME_PATTERN } from './types.js';

const expect = (expected: string) => ({ expected });

const Duration = Type.Union([Type.String(), Type.Literal(0)], expect('a duration like "1h"'));
const ByteSize = Type.Union([Type.String(), Type.Integer()], expect('a size like "16mb" or a number of bytes'));
const PositiveInt = Type.Integer({ minimum: 1, ...expect('a positive integer') });
export const Name = Type.String({ minLength: 1, maxLength: 128, ...expect('a non-empty name (at most 128 characters)') });

const Queue = Type.Object(
  {
    maxEvents: Type.Optional(PositiveInt),
    maxRequests: Type.Optional(PositiveInt),
    commitEvents: Type.Optional(PositiveInt),
    retryAfterSeconds: Type.Optional(PositiveInt),
    parseThreads: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, ...expect('a number of threads 0..64') })),
  },
  { additionalProperties: false, ...expect('an object {maxEvents, maxRequests, commitEvents, retryAfterSeconds, parseThreads}') },
);

const Server = Type.Object(
  {
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, ...expect('a port number 0..65535') })),
    host: Type.Optional(Type.String({ minLength: 1, ...expect('a host name or address') })),
    dataDir: Type.Optional(Type.String({ minLength: 1, ...expect('a directory path') })),
    bodyLimit: Type.Optional(ByteSize),
    maxRecordsPerRequest: Type.Optional(PositiveInt),
    queue: Type.Optional(Queue),
    maxModels: Type.Optional(PositiveInt),
    maxVersionLabels: Type.Optional(PositiveInt),
  },
  { additionalProperties: false, ...expect('an object {port, host, dataDir, bodyLimit, queue}') },
);

const Scope = Type.Union([Type.Literal('read'), Type.Literal('write')], expect('"read" or "write"'));

const Token = Type.Object(
  {
    name: Name,
    token: Type.Optional(Type.String({ minLength: 16, ...expect('a token of at least 16 characters') })),
    tokenEnv: Type.Optional(Type.String({ minLength: 1, ...expect('the name of an environment variable') })),
    scopes: Type.Array(Scope, { minItems: 1, ...expect('a non-empty list of scopes ("read", "write")') }),
  },
  { additionalProperties: false, ...expect('an object {name, token | tokenEnv, scopes}') },
);

const Auth = Type.Object(
  {
    tokens: Type.Array(Token, expect('a list of tokens')),
    metricsPublic: Type.Optional(Type.Boolean(expect('true or false'))),
  },
  { additionalProperties: false, ...expect('an object {tokens, metricsPublic}') },
);

const DuckDBStore = Type.Object(
  {
    type: Type.Literal('duckdb'),
    path: Type.Optional(Type.String({ minLength: 1, ...expect('a file path') })),
    checkpointThreshold: Type.Optional(Type.String(expect('a size like "64MB"'))),
    memoryLimit: Type.Optional(Type.String(expect('a size like "2GB"'))),
    threads: Type.Optional(PositiveInt),
  },
  { additionalProperties: false },
);

const ClickHouseStore = Type.Object(
  {
    type: Type.Literal('clickhouse'),
    url: Type.String(expect('a URL like "http://localhost:8123"')),
    database: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const Store = Type.Union([DuckDBStore, ClickHouseStore], expect('{type: duckdb, path} or {type: clickhouse, url}'));

const Retention = Type.Union(
  [
    Duration,
    Type.Object(
      {
        events: Type.Optional(Duration),
        feedback: Type.Optional(Duration),
        results: Type.Optional(Duration),
        alerts: Type.Optional(Duration),
        interval: Type.Optional(Duration),
      },
      { additionalProperties: false },
    ),
  ],
  expect('a duration like "30d" or {events, feedback, results, alerts, interval}'),
);

const WindowObject = Type.Object(
  {
    type: Type.Union([Type.Literal('sliding'), Type.Literal('tumbling'), Type.Literal('cumulative')], expect('one of sliding, tumbling, cumulative')),
    size: Type.Optional(Duration),
    every: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

const Window = Type.Union([Duration, WindowObject], expect('a duration like "1h" or {type: sliding|tumbling|cumulative, size, every}'));

const MethodOverride = Type.Object(
  {
    method: Type.Optional(Type.String({ minLength: 1, ...expect('a method name like "psi" or "auto"') })),
    threshold: Type.Optional(Type.Number(expect('a number'))),
    bins: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000, ...expect('an integer 2..1000') })),
  },
  { additionalProperties: false, ...expect('an object {method, threshold, bins}') },
);

const Methods = Type.Object(
  {
    default: Type.Optional(MethodOverride),
    columns: Type.Optional(Type.Record(Type.String(), MethodOverride)),
  },
  { additionalProperties: false, ...expect('an object {default, columns}') },
);

/** One entry of `models.<name>.monitors` (also the body of `PUT /v1/models/{model}/monitors/{name}`). */
export const MonitorSchema = Type.Object(
  {
    name: Name,
    type: Type.Union(
      [Type.Literal('data_quality'), Type.Literal('feature_drift'), Type.Literal('prediction_drift'), Type.Literal('model_quality')],
      expect('one of data_quality, feature_drift, prediction_drift, model_quality'),
    ),
    window: Window,
    reference: Type.Optional(Type.Union([Type.Literal('reference'), Type.Literal('previous')], expect('"reference" or "previous"'))),
    columns: Type.Optional(Type.Array(Type.String(), expect('a list of column names'))),
    methods: Type.Optional(Methods),
    thresholds: Type.Optional(Type.Record(Type.String(), Type.Number(), expect('a map of names to numbers'))),
    sampleLimit: Type.Optional(PositiveInt),
    versions: Type.Optional(Type.Union([Type.Literal('each'), Type.Literal('all')], expect('"each" or "all"'))),
  },
  { additionalProperties: false, ...expect('an object {name, type, window, ...}') },
);

/** One entry of `models.<name>.alerts` (also the body of `PUT /v1/models/{model}/alerts/{name}`). */
export const AlertSchema = Type.Object(
  {
    name: Name,
    monitor: Type.String(expect('the name of a monitor of this model')),
    metric: Type.Optional(Type.String({ minLength: 1, ...expect('a metric name') })),
    expr: Type.Optional(Type.String({ minLength: 1, ...expect('an expression') })),
    feature: Type.Optional(Type.String()),
    op: Type.Union(
      [Type.Literal('>'), Type.Literal('>='), Type.Literal('<'), Type.Literal('<='), Type.Literal('=='), Type.Literal('!=')],
      expect('one of >, >=, <, <=, ==, !='),
    ),
    threshold: Type.Number(expect('a number')),
    for: Type.Optional(Duration),
    severity: Type.Optional(Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], expect('one of info, warning, critical'))),
    notify: Type.Optional(Type.Array(Type.String(), expect('a list of notification channel names'))),
  },
  { additionalProperties: false, ...expect('an object {name, monitor, metric | expr, op, threshold, for, severity}') },
);

const ColumnName = Type.String({ minLength: 1, ...expect('a column name') });

const Roles = Type.Object(
  {
    target: Type.Optional(ColumnName),
    prediction: Type.Optional(ColumnName),
    scores: Type.Optional(Type.Array(ColumnName, expect('a list of column names'))),
    id: Type.Optional(ColumnName),
    timestamp: Type.Optional(ColumnName),
    segments: Type.Optional(Type.Array(ColumnName, expect('a list of column names'))),
  },
  { additionalProperties: false, ...expect('an object {target, prediction, scores, id, timestamp, segments}') },
);

const References = Type.Object(
  {
    maxBytes: Type.Optional(ByteSize),
    maxRows: Type.Optional(PositiveInt),
    paths: Type.Optional(Type.Array(Type.String({ minLength: 1, ...expect('a directory path') }), expect('a list of directories'))),
  },
  { additionalProperties: false, ...expect('an object {maxBytes, maxRows, paths}') },
);

const Model = Type.Object(
  {
    task: Type.Optional(Type.Union([Type.Literal('binary'), Type.Literal('multiclass'), Type.Literal('regression')], expect('one of binary, multiclass, regression'))),
    // Checked in depth by the core's validateSchema.
    schema: Type.Optional(Type.Unknown()),
    schemaFrom: Type.Optional(Type.Literal('reference', expect('"reference"'))),
    versions: Type.Optional(Type.Array(Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Number()]), expect('a list of version names'))),
    reference: Type.Optional(Type.String({ minLength: 1, ...expect('a file path') })),
    roles: Type.Optional(Roles),
    monitors: Type.Optional(Type.Array(MonitorSchema, expect('a list of monitors'))),
    alerts: Type.Optional(Type.Array(AlertSchema, expect('a list of alert rules'))),
  },
  { additionalProperties: false, ...expect('an object {task, schema, schemaFrom, versions, reference, roles, monitors, alerts}') },
);

/** How notifications are delivered: per channel, or for every channel (`notificationDefaults`). */
const deliverySettings = {
  timeout: Type.Optional(Duration),
  maxAttempts: Type.Optional(PositiveInt),
  backoff: Type.Optional(Duration),
  maxBackoff: Type.Optional(Duration),
  shutdownGrace: Type.Optional(Duration),
};

const Notification = Type.Object(
  {
    name: Name,
    type: Type.Union([Type.Literal('webhook'), Type.Literal('slack')], expect('"webhook" or "slack"')),
    url: Type.String({ pattern: '^https?://', ...expect('an http(s) URL') }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), expect('a map of header names to values'))),
    ...deliverySettings,
  },
  { additionalProperties: false, ...expect('an object {name, type, url, headers, timeout, maxAttempts, backoff, maxBackoff, shutdownGrace}') },
);

const NotificationDefaults = Type.Object(deliverySettings, {
  additionalProperties: false,
  ...expect('an object {timeout, maxAttempts, backoff, maxBackoff, shutdownGrace}'),
});

/** The whole file. Every section is optional. */
export const ConfigFileSchema = Type.Object(
  {
    server: Type.Optional(Server),
    auth: Type.Optional(Auth),
    store: Type.Optional(Store),
    retention: Type.Optional(Retention),
    references: Type.Optional(References),
    models: Type.Optional(
      Type.Record(Type.String({ pattern: MODEL_NAME_PATTERN }), Model, {
        additionalProperties: false,
        keyExpected: 'a model name: letters, digits, "_", "." and "-", starting with a letter or digit, at most 128 characters',
        ...expect('a map of model names to models'),
      }),
    ),
    notifications: Type.Optional(Type.Array(Notification, expect('a list of notification channels'))),
    notificationDefaults: Type.Optional(NotificationDefaults),
  },
  { additionalProperties: false, ...expect('an object with sections server, auth, store, retention, references, models, notifications, notificationDefaults') },
);

export type ConfigFile = Type.Static<typeof ConfigFileSchema>;
