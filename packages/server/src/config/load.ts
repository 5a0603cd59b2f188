/**
 * Loading `modelwatch.yaml`: YAML → shape check (compiled TypeBox) → meaning
 * check (durations, cross references, schemas) → {@link ModelwatchConfig} with
 * defaults applied. Every problem names the path of the bad setting; all problems
 * of a file are reported together in one {@link ConfigError}.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';
import { parseDocument } from 'yaml';
import { DRIFT_METHOD_NAMES, driftMethods } from '@modelwatch/core';
import type { Schema, Task } from '@modelwatch/core';
import { ConfigFileSchema } from './schema.js';
import type { ConfigFile } from './schema.js';
import { formatValidationErrors, renderProblems } from './errors.js';
import type { Problem, RawValidationError } from './errors.js';
import { formatDuration, parseByteSize, parseDuration } from './units.js';
import { checkSchema } from '../schema.js';
import { defaultMonitorTypes } from '../monitor/defaults.js';
import type { DefaultDecidingRole } from '../monitor/defaults.js';
import type {
  AlertRule,
  AuthSettings,
  MethodOverride,
  ModelConfig,
  ModelwatchConfig,
  MonitorConfig,
  NotificationChannel,
  NotificationDefaults,
  ReferenceSettings,
  RetentionSettings,
  ServerSettings,
  StoreSettings,
  WindowSpec,
} from './types.js';

/** A configuration that cannot be used; `problems` lists every bad setting. */
export class ConfigError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[], source?: string) {
    const head = source ? `${source}: ` : '';
    const n = problems.length;
    super(`${head}invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n${renderProblems(problems).replace(/^/gm, '  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Where relative paths and environment variables come from. */
export interface ConfigContext {
  /** Shown in messages, e.g. the file path. */
  source?: string;
  /** Directory that relative paths in the file are resolved against (default: the working directory). */
  baseDir?: string;
  /** Environment for `tokenEnv` (default: `process.env`). */
  env?: Record<string, string | undefined>;
}

/** DuckDB `checkpoint_threshold` unless `store.checkpointThreshold` is set. */
export const DEFAULT_CHECKPOINT_THRESHOLD = '64MB';

/** One parse worker per core beyond the main thread's, at most 4; none on one core. */
export function defaultParseThreads(): number {
  return Math.min(4, availableParallelism() - 1);
}

export const DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  dataDir: 'modelwatch-data',
  bodyLimit: 16 * 1024 * 1024,
  maxRecordsPerRequest: 100_000,
  storeFile: 'modelwatch.duckdb',
  queue: { maxEvents: 500_000, maxRequests: 2_000, commitEvents: 100_000, retryAfterSeconds: 1 },
  maxModels: 1000,
  maxVersionLabels: 20,
  retentionIntervalMs: 3_600_000,
  notificationTimeoutMs: 10_000,
  notificationMaxAttempts: 5,
  notificationBackoffMs: 1000,
  notificationMaxBackoffMs: 60_000,
  notificationShutdownGraceMs: 5000,
  referenceMaxBytes: 512 * 1024 * 1024,
  referenceMaxRows: 1_000_000,
} as const;

const fileChecker = Compile(ConfigFileSchema);

/** Reads, validates and resolves a configuration file. Throws {@link ConfigError}. */
export async function loadConfigFile(path: string, ctx: Omit<ConfigContext, 'source' | 'baseDir'> = {}): Promise<ModelwatchConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ path: '', message: `cannot read the file: ${(err as Error).message}` }], path);
  }
  return parseConfig(text, { ...ctx, source: path, baseDir: dirname(resolve(path)) });
}

/** Parses YAML (or JSON) text into a resolved configuration. Throws {@link ConfigError}. */
export function parseConfig(text: string, ctx: ConfigContext = {}): ModelwatchConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        message: e.message.split('\n')[0],
      })),
      ctx.source,
    );
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return resolveConfig(raw ?? {}, ctx);
}

/** Validates a configuration object (parsed YAML/JSON) and applies defaults. Throws {@link ConfigError}. */
export function resolveConfig(raw: unknown, ctx: ConfigContext = {}): ModelwatchConfig {
  const problems = checkShape(raw);
  if (problems.length > 0) throw new ConfigError(problems, ctx.source);
  const file = raw as ConfigFile;
  const out: Problem[] = [];
  const baseDir = ctx.baseDir ?? process.cwd();
  const env = ctx.env ?? process.env;

  const server = resolveServer(file.server ?? {}, baseDir, out);
  const auth = resolveAuth(file.auth, env, out);
  const store = resolveStore(file.store, server.dataDir, out);
  const retention = resolveRetention(file.retention, out);
  const references = resolveReferences(file.references ?? {}, baseDir, out);
  const notificationDefaults = resolveDelivery(file.notificationDefaults ?? {}, 'notificationDefaults', BUILTIN_DELIVERY, out);
  const notifications = resolveNotifications(file.notifications ?? [], notificationDefaults, out);
  const channelNames = new Set(notifications.map((n) => n.name));
  const models = Object.entries(file.models ?? {}).map(([name, m]) => resolveModel(name, m, baseDir, channelNames, out));
  if (models.length > server.maxModels) out.push({ path: 'models', message: `at most ${server.maxModels} models (server.maxModels)` });

  if (out.length > 0) throw new ConfigError(out, ctx.source);
  return { server, auth, store, retention, references, models, notifications, notificationDefaults, source: ctx.source };
}

/** The configuration of `modelwatch serve` with no file: every default. */
export function defaultConfig(ctx: ConfigContext = {}): ModelwatchConfig {
  return resolveConfig({}, ctx);
}

function checkShape(raw: unknown): Problem[] {
  if (fileChecker.Check(raw)) return [];
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: 200 });
  try {
    const errors = fileChecker.Errors(raw) as unknown as RawValidationError[];
    const problems = formatValidationErrors(ConfigFileSchema, raw, errors);
    return problems.length > 0 ? problems : [{ path: '', message: 'invalid configuration' }];
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

function absolute(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function duration(value: unknown, path: string, out: Problem[], opts: { positive?: boolean } = {}): number | null {
  const ms = parseDuration(value);
  if (ms === null || (opts.positive && ms <= 0)) {
    out.push({ path, message: `expected a${opts.positive ? ' positive' : ''} duration like "1h" (got ${JSON.stringify(value)})` });
    return null;
  }
  return ms;
}

function resolveServer(s: NonNullable<ConfigFile['server']>, baseDir: string, out: Problem[]): ServerSettings {
  let bodyLimit: number = DEFAULTS.bodyLimit;
  if (s.bodyLimit !== undefined) {
    const b = parseByteSize(s.bodyLimit);
    if (b === null || b < 1024) out.push({ path: 'server.bodyLimit', message: `expected a size of at least 1kb like "16mb" (got ${JSON.stringify(s.bodyLimit)})` });
    else bodyLimit = b;
  }
  const q = s.queue ?? {};
  const queue = {
    maxEvents: q.maxEvents ?? DEFAULTS.queue.maxEvents,
    maxRequests: q.maxRequests ?? DEFAULTS.queue.maxRequests,
    commitEvents: q.commitEvents ?? DEFAULTS.queue.commitEvents,
    retryAfterSeconds: q.retryAfterSeconds ?? DEFAULTS.queue.retryAfterSeconds,
    parseThreads: q.parseThreads ?? defaultParseThreads(),
  };
  return {
    port: s.port ?? DEFAULTS.port,
    host: s.host ?? DEFAULTS.host,
    dataDir: absolute(s.dataDir ?? DEFAULTS.dataDir, baseDir),
    bodyLimit,
    maxRecordsPerRequest: s.maxRecordsPerRequest ?? DEFAULTS.maxRecordsPerRequest,
    queue,
    maxModels: s.maxModels ?? DEFAULTS.maxModels,
    maxVersionLabels: s.maxVersionLabels ?? DEFAULTS.maxVersionLabels,
  };
}

function resolveAuth(a: ConfigFile['auth'], env: Record<string, string | undefined>, out: Problem[]): AuthSettings | null {
  if (!a) return null;
  const names = new Set<string>();
  const values = new Set<string>();
  const tokens = a.tokens.flatMap((t, i) => {
    const at = `auth.tokens[${i}]`;
    if (names.has(t.name)) out.push({ path: `${at}.name`, message: `duplicate token name "${t.name}"` });
    names.add(t.name);
    if ((t.token === undefined) === (t.tokenEnv === undefined)) {
      out.push({ path: at, message: 'give exactly one of token or tokenEnv' });
      return [];
    }
    let token = t.token;
    if (t.tokenEnv !== undefined) {
      token = env[t.tokenEnv];
      if (token === undefined || token.length < 16) {
        out.push({ path: `${at}.tokenEnv`, message: `environment variable ${t.tokenEnv} is ${token === undefined ? 'not set' : 'shorter than 16 characters'}` });
        return [];
      }
    }
    if (values.has(token!)) out.push({ path: at, message: 'the same token is configured twice' });
    values.add(token!);
    return [{ name: t.name, token: token!, scopes: [...new Set(t.scopes)] }];
  });
  if (a.tokens.length === 0) out.push({ path: 'auth.tokens', message: 'list at least one token, or remove the auth section for open access' });
  return { tokens, metricsPublic: a.metricsPublic ?? false };
}

function resolveStore(s: ConfigFile['store'], dataDir: string, out: Problem[]): StoreSettings {
  if (!s || s.type === 'duckdb') {
    const path = s?.path ?? DEFAULTS.storeFile;
    return {
      type: 'duckdb',
      path: path === ':memory:' ? path : absolute(path, dataDir),
      // DuckDB checkpoints inside the commit that takes the WAL past the threshold, and ingest waits for it.
      // Over HTTP on 2 cores (README, "The checkpoint threshold"): 64MB sustains 198k–224k events/s with a p99 of
      // ~1 s and ~650 MiB; 256MB 143k–233k with p99 2–5 s and ~930 MiB; 16MB (DuckDB's) checkpoints too often.
      checkpointThreshold: s?.checkpointThreshold ?? DEFAULT_CHECKPOINT_THRESHOLD,
      memoryLimit: s?.memoryLimit,
      threads: s?.threads,
    };
  }
  out.push({ path: 'store.type', message: 'the clickhouse store is not available yet; use type: duckdb' });
  return { type: 'clickhouse', url: s.url, database: s.database ?? 'modelwatch' };
}

function resolveRetention(r: ConfigFile['retention'], out: Problem[]): RetentionSettings {
  const none: RetentionSettings = { eventsMs: null, feedbackMs: null, resultsMs: null, alertsMs: null, intervalMs: DEFAULTS.retentionIntervalMs };
  if (r === undefined) return none;
  if (typeof r === 'string' || typeof r === 'number') {
    const ms = duration(r, 'retention', out, { positive: true });
    return { ...none, eventsMs: ms, feedbackMs: ms, resultsMs: ms, alertsMs: ms };
  }
  const get = (v: unknown, key: string) => (v === undefined ? null : duration(v, `retention.${key}`, out, { positive: true }));
  const resultsMs = get(r.results, 'results');
  return {
    eventsMs: get(r.events, 'events'),
    feedbackMs: get(r.feedback, 'feedback'),
    resultsMs,
    // The alert history goes with the results it came from, unless set apart.
    alertsMs: r.alerts === undefined ? resultsMs : get(r.alerts, 'alerts'),
    intervalMs: get(r.interval, 'interval') ?? DEFAULTS.retentionIntervalMs,
  };
}

function resolveReferences(r: NonNullable<ConfigFile['references']>, baseDir: string, out: Problem[]): ReferenceSettings {
  let maxBytes: number = DEFAULTS.referenceMaxBytes;
  if (r.maxBytes !== undefined) {
    const b = parseByteSize(r.maxBytes);
    if (b === null || b < 1024) out.push({ path: 'references.maxBytes', message: `expected a size of at least 1kb like "512mb" (got ${JSON.stringify(r.maxBytes)})` });
    else maxBytes = b;
  }
  return {
    maxBytes,
    maxRows: r.maxRows ?? DEFAULTS.referenceMaxRows,
    paths: [...new Set((r.paths ?? []).map((p) => absolute(p, baseDir)))],
  };
}

const BUILTIN_DELIVERY: NotificationDefaults = {
  timeoutMs: DEFAULTS.notificationTimeoutMs,
  maxAttempts: DEFAULTS.notificationMaxAttempts,
  backoffMs: DEFAULTS.notificationBackoffMs,
  maxBackoffMs: DEFAULTS.notificationMaxBackoffMs,
  shutdownGraceMs: DEFAULTS.notificationShutdownGraceMs,
};

/** Upper bounds of the delivery durations (timers beyond ~24 days would fire at once; these are far below). */
const DELIVERY_LIMITS_MS = { timeout: 3_600_000, backoff: 3_600_000, maxBackoff: 86_400_000, shutdownGrace: 3_600_000 } as const;

type RawDelivery = NonNullable<ConfigFile['notificationDefaults']>;

/**
 * Delivery settings (`notificationDefaults`, or a channel's own) over `base`:
 * `timeout` positive, `backoff` and `shutdownGrace` zero or more, each at most
 * its limit, and `backoff` no longer than `maxBackoff` (wherever each comes from).
 */
function resolveDelivery(raw: RawDelivery, at: string, base: NotificationDefaults, out: Problem[]): NotificationDefaults {
  const bad = new Set<string>();
  const get = (key: keyof typeof DELIVERY_LIMITS_MS, positive: boolean): number | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    const ms = duration(v, join(at, key), out, { positive });
    if (ms !== null && ms > DELIVERY_LIMITS_MS[key]) out.push({ path: join(at, key), message: `at most ${formatDuration(DELIVERY_LIMITS_MS[key])} (got ${JSON.stringify(v)})` });
    else if (ms !== null) return ms;
    bad.add(key);
    return undefined;
  };
  const r: NotificationDefaults = {
    timeoutMs: get('timeout', true) ?? base.timeoutMs,
    maxAttempts: raw.maxAttempts ?? base.maxAttempts,
    backoffMs: get('backoff', false) ?? base.backoffMs,
    maxBackoffMs: get('maxBackoff', true) ?? base.maxBackoffMs,
    shutdownGraceMs: get('shutdownGrace', false) ?? base.shutdownGraceMs,
  };
  if (!bad.has('backoff') && !bad.has('maxBackoff') && r.backoffMs > r.maxBackoffMs) {
    const inherited = at === 'notificationDefaults' ? 'the default' : 'from notificationDefaults or the default';
    if (raw.maxBackoff !== undefined) {
      out.push({ path: join(at, 'maxBackoff'), message: `must not be shorter than backoff (${formatDuration(r.backoffMs)}${raw.backoff === undefined ? `, ${inherited}` : ''}; got ${JSON.stringify(raw.maxBackoff)})` });
    } else if (raw.backoff !== undefined) {
      out.push({ path: join(at, 'backoff'), message: `must not be longer than maxBackoff (${formatDuration(r.maxBackoffMs)}, ${inherited}; got ${JSON.stringify(raw.backoff)})` });
    }
  }
  return r;
}

function resolveNotifications(list: NonNullable<ConfigFile['notifications']>, defaults: NotificationDefaults, out: Problem[]): NotificationChannel[] {
  const names = new Set<string>();
  return list.map((n, i) => {
    const at = `notifications[${i}]`;
    if (names.has(n.name)) out.push({ path: `${at}.name`, message: `duplicate notification channel "${n.name}"` });
    names.add(n.name);
    const d = resolveDelivery(n, at, defaults, out);
    return {
      name: n.name,
      type: n.type,
      url: n.url,
      headers: n.headers ?? {},
      timeoutMs: d.timeoutMs,
      maxAttempts: d.maxAttempts,
      backoffMs: d.backoffMs,
      maxBackoffMs: d.maxBackoffMs,
      shutdownGraceMs: d.shutdownGraceMs,
    };
  });
}

type RawModel = NonNullable<ConfigFile['models']>[string];
/** A monitor as written in the file (or sent to the API), before resolution. */
export type RawMonitor = NonNullable<RawModel['monitors']>[number];
/** An alert rule as written in the file (or sent to the API), before resolution. */
export type RawAlert = NonNullable<RawModel['alerts']>[number];

function resolveModel(name: string, m: RawModel, baseDir: string, channels: Set<string>, out: Problem[]): ModelConfig {
  const at = `models.${name}`;
  let schema: Schema | undefined;
  if (m.schema !== undefined) {
    const checked = checkSchema(m.schema);
    for (const p of checked.problems) out.push({ path: p.path ? `${at}.schema.${p.path}` : `${at}.schema`, message: p.message });
    if (checked.schema) schema = checked.schema;
  }
  if (m.schema !== undefined && m.schemaFrom !== undefined) out.push({ path: at, message: 'give either schema or schemaFrom, not both' });
  if (m.schemaFrom === 'reference' && m.reference === undefined) out.push({ path: `${at}.schemaFrom`, message: 'schemaFrom: reference needs a reference file' });
  if (m.schema === undefined && m.schemaFrom === undefined) out.push({ path: at, message: 'give a schema, or schemaFrom: reference with a reference file' });
  if (m.roles !== undefined && m.schemaFrom !== 'reference') out.push({ path: `${at}.roles`, message: 'roles name columns for a schema inferred from the reference; use them with schemaFrom: reference' });
  let task: Task | undefined = m.task;
  if (schema?.task !== undefined) {
    if (task !== undefined && task !== schema.task) out.push({ path: `${at}.task`, message: `task "${task}" differs from the schema's task "${schema.task}"` });
    task ??= schema.task;
  }
  const monitorNames = new Set<string>();
  const monitors = (m.monitors ?? []).map((mon, i) => {
    const mAt = `${at}.monitors[${i}]`;
    if (monitorNames.has(mon.name)) out.push({ path: `${mAt}.name`, message: `duplicate monitor name "${mon.name}"` });
    monitorNames.add(mon.name);
    return resolveMonitor(mon, mAt, schema ?? null, out);
  });
  if (monitors.some((x) => x.type === 'model_quality') && task === undefined && m.schemaFrom === undefined) {
    out.push({ path: `${at}.task`, message: 'a model_quality monitor needs the task (binary, multiclass or regression)' });
  }
  // Rules name the model's monitors: those of the file, or its default monitors when the file lists none.
  const known = monitors.length > 0 ? { names: monitorNames, note: '' } : defaultsOf(schema, m);
  const alertNames = new Set<string>();
  const alerts = (m.alerts ?? []).map((a, i) => {
    const aAt = `${at}.alerts[${i}]`;
    if (alertNames.has(a.name)) out.push({ path: `${aAt}.name`, message: `duplicate alert name "${a.name}"` });
    alertNames.add(a.name);
    return resolveAlert(a, aAt, known?.names ?? null, channels, out, known?.note);
  });
  return {
    name,
    task,
    schema,
    schemaFrom: m.schemaFrom,
    versions: [...new Set((m.versions ?? []).map(String))],
    reference: m.reference === undefined ? undefined : absolute(m.reference, baseDir),
    roles: m.roles === undefined ? undefined : { ...m.roles },
    monitors,
    alerts,
  };
}

/**
 * The default monitors of a model that lists no monitors (see
 * `monitor/defaults.ts`): from its schema, or — for a schema inferred from the
 * reference — from the roles given (columns without one are features). `null`
 * when neither is known (a problem reported already): rules are not checked.
 */
function defaultsOf(schema: Schema | undefined, m: RawModel): { names: Set<string>; note: string } | null {
  let has: ((role: DefaultDecidingRole) => boolean) | null = null;
  if (schema) has = (role) => schema.columns.some((c) => c.role === role);
  else if (m.schema === undefined && m.schemaFrom === 'reference') {
    const r = m.roles ?? {};
    has = (role) => role === 'feature' || (role === 'target' ? r.target !== undefined : role === 'prediction' ? r.prediction !== undefined : (r.scores?.length ?? 0) > 0);
  }
  if (!has) return null;
  return { names: new Set(defaultMonitorTypes(has)), note: ' (the default monitors: the model lists no monitors of its own)' };
}

/** `at.key`, or `key` at the root (API bodies are checked from their root). */
function join(at: string, key: string): string {
  return at ? `${at}.${key}` : key;
}

function resolveWindow(w: RawMonitor['window'], at: string, out: Problem[]): WindowSpec {
  if (typeof w === 'string' || typeof w === 'number') {
    const size = duration(w, at, out, { positive: true }) ?? 1;
    return { type: 'tumbling', sizeMs: size, everyMs: size };
  }
  const size = w.size === undefined ? undefined : duration(w.size, join(at, 'size'), out, { positive: true }) ?? undefined;
  const every = w.every === undefined ? undefined : duration(w.every, join(at, 'every'), out, { positive: true }) ?? undefined;
  switch (w.type) {
    case 'sliding':
      if (w.size === undefined) out.push({ path: join(at, 'size'), message: 'a sliding window needs a size, e.g. "24h"' });
      if (w.every === undefined) out.push({ path: join(at, 'every'), message: 'a sliding window needs every, e.g. "1h"' });
      if (size !== undefined && every !== undefined && every > size) out.push({ path: join(at, 'every'), message: 'every must not be longer than size (windows would leave gaps)' });
      return { type: 'sliding', sizeMs: size ?? 1, everyMs: every ?? 1 };
    case 'tumbling':
      if (w.size === undefined) out.push({ path: join(at, 'size'), message: 'a tumbling window needs a size, e.g. "1d"' });
      if (size !== undefined && every !== undefined && every !== size) out.push({ path: join(at, 'every'), message: 'a tumbling window advances by its size; use a sliding window for a different step' });
      return { type: 'tumbling', sizeMs: size ?? 1, everyMs: size ?? 1 };
    case 'cumulative':
      if (w.size !== undefined) out.push({ path: join(at, 'size'), message: 'a cumulative window has no size (it starts at the first event)' });
      if (w.every === undefined) out.push({ path: join(at, 'every'), message: 'a cumulative window needs every, e.g. "1h"' });
      return { type: 'cumulative', sizeMs: null, everyMs: every ?? 1 };
  }
}

const isNumericKind = (kind: string) => kind === 'numeric' || kind === 'datetime';

/** A drift method name: `auto`, or a method of the statistics spec that fits the column (when its kind is known). */
function checkMethod(method: string | undefined, path: string, column: { name: string; kind: string } | undefined, out: Problem[]): void {
  if (method === undefined || method === 'auto') return;
  const known = Object.hasOwn(driftMethods, method) ? driftMethods[method] : undefined;
  if (!known) {
    out.push({ path, message: `unknown drift method "${method}" (expected auto or one of ${DRIFT_METHOD_NAMES.join(', ')})` });
    return;
  }
  if (column && !isNumericKind(column.kind) && known.input === 'samples') {
    out.push({ path, message: `"${method}" compares numeric samples and column "${column.name}" is ${column.kind}; use a frequency method (e.g. jensen_shannon, psi, chi2)` });
  }
}

/**
 * One monitor of `models.<name>.monitors` — or the body of `PUT
 * /v1/models/{model}/monitors/{name}`: the file and the API check monitors with
 * this same function. `at` prefixes problem paths (`''` for an API body). With
 * the model's `schema` (when known), column names, the fit of drift methods to
 * column kinds and the columns a model_quality monitor needs are checked too.
 */
export function resolveMonitor(mon: RawMonitor, at: string, schema: Schema | null, out: Problem[]): MonitorConfig {
  const byName = schema ? new Map(schema.columns.map((c) => [c.name, c])) : null;
  const checkColumn = (col: string, path: string) => {
    if (byName && !byName.has(col)) out.push({ path, message: `no column "${col}" in the model's schema` });
  };
  mon.columns?.forEach((c, i) => checkColumn(c, join(at, `columns[${i}]`)));
  const perColumn: Record<string, MethodOverride> = {};
  for (const [col, o] of Object.entries(mon.methods?.columns ?? {})) {
    const path = join(at, `methods.columns.${col}`);
    checkColumn(col, path);
    checkMethod(o.method, `${path}.method`, byName?.get(col), out);
    perColumn[col] = { ...o };
  }
  checkMethod(mon.methods?.default?.method, join(at, 'methods.default.method'), undefined, out);
  const share = mon.thresholds?.drift_share;
  if (share !== undefined && !(share > 0 && share <= 1)) out.push({ path: join(at, 'thresholds.drift_share'), message: `must be in (0, 1] (got ${share})` });
  if (schema && mon.type === 'model_quality') {
    const has = (role: string) => schema.columns.some((c) => c.role === role);
    if (!has('target') || !(has('prediction') || has('score'))) {
      out.push({ path: join(at, 'type'), message: "a model_quality monitor needs a target column and a prediction or score column in the model's schema" });
    }
  }
  return {
    name: mon.name,
    type: mon.type,
    window: resolveWindow(mon.window, join(at, 'window'), out),
    reference: mon.reference ?? 'reference',
    columns: mon.columns,
    methods: { default: mon.methods?.default ? { ...mon.methods.default } : undefined, columns: perColumn },
    thresholds: { ...(mon.thresholds ?? {}) },
    sampleLimit: mon.sampleLimit,
    versions: mon.versions ?? 'each',
  };
}

/**
 * One alert rule of `models.<name>.alerts` — or the body of `PUT
 * /v1/models/{model}/alerts/{name}` (same function): `monitors` are the names
 * the rule may refer to (listed in the message when it names another, followed
 * by `knownNote`), `channels` the notification channels; `null` skips that check.
 */
export function resolveAlert(
  a: RawAlert,
  at: string,
  monitors: ReadonlySet<string> | null,
  channels: ReadonlySet<string> | null,
  out: Problem[],
  knownNote = '',
): AlertRule {
  if (monitors && !monitors.has(a.monitor)) {
    const known = monitors.size > 0 ? [...monitors].map((n) => JSON.stringify(n)).join(', ') : 'none';
    out.push({ path: join(at, 'monitor'), message: `no monitor named "${a.monitor}" in this model; known: ${known}${knownNote}` });
  }
  if ((a.metric === undefined) === (a.expr === undefined)) out.push({ path: at, message: 'give exactly one of metric or expr' });
  (a.notify ?? []).forEach((n, i) => {
    if (channels && !channels.has(n)) out.push({ path: join(at, `notify[${i}]`), message: `no notification channel named "${n}"` });
  });
  return {
    name: a.name,
    monitor: a.monitor,
    metric: a.metric,
    expr: a.expr,
    feature: a.feature,
    op: a.op,
    threshold: a.threshold,
    forMs: a.for === undefined ? 0 : duration(a.for, join(at, 'for'), out) ?? 0,
    severity: a.severity ?? 'warning',
    notify: a.notify ?? [],
  };
}
