/**
 * Which monitors (and alert rules) a model has, and what each one reads: its
 * configured monitors (`models.<name>.monitors` in `modelwatch.yaml`) and those
 * defined over the API (`PUT /v1/models/{model}/monitors/{name}`, carried by the
 * model's record), or the defaults when it has neither. A configured monitor
 * wins over an API-defined one of the same name (the API refuses to create one,
 * but the file may gain the name later): the API one is then ignored.
 *
 * Defaults (every model gets drift and quality out of the box):
 *
 * | name | type | window | when |
 * |---|---|---|---|
 * | `data_quality` | data_quality | sliding 1 h every 5 min | always |
 * | `feature_drift` | feature_drift | sliding 24 h every 1 h | the schema has features |
 * | `prediction_drift` | prediction_drift | sliding 24 h every 1 h | the schema has a prediction or score column |
 * | `model_quality` | model_quality | sliding 24 h every 1 h | the schema has a target and a prediction or score |
 *
 * All compare with the stored reference, or with the previous window while the
 * model has no reference; each version separately; at most
 * {@link DEFAULT_SAMPLE_LIMIT} rows per window.
 */
import type { ColumnSchema, Schema } from '@modelwatch/core';
import { resolveAlert, resolveMonitor } from '../config/load.js';
import type { RawAlert, RawMonitor } from '../config/load.js';
import type { Problem } from '../config/errors.js';
import { formatDuration } from '../config/units.js';
import type { AlertRule, ModelwatchConfig, MonitorConfig, MonitorType, WindowSpec } from '../config/types.js';
import { EVENT_COLUMN_ROLES, targetColumn } from '../store/store.js';
import { defaultMonitorTypes } from './defaults.js';
import type { ModelRecord, StoredDefinition } from '../store/store.js';

/** Rows read per window (jointly sampled above it) when a monitor sets no `sampleLimit`. */
export const DEFAULT_SAMPLE_LIMIT = 100_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A monitor as the scheduler runs it: the configuration with defaults applied. */
export interface ResolvedMonitor extends MonitorConfig {
  sampleLimit: number;
  /** A default monitor: it compares with the previous window while the model has no reference. */
  isDefault: boolean;
}

const QUALITY_WINDOW: WindowSpec = { type: 'sliding', sizeMs: HOUR, everyMs: 5 * MINUTE };
const DRIFT_WINDOW: WindowSpec = { type: 'sliding', sizeMs: 24 * HOUR, everyMs: HOUR };

function defaultMonitor(name: string, type: MonitorType, window: WindowSpec): ResolvedMonitor {
  return { name, type, window, reference: 'reference', methods: { columns: {} }, thresholds: {}, versions: 'each', sampleLimit: DEFAULT_SAMPLE_LIMIT, isDefault: true };
}

/** The default monitors of a model with this schema. */
export function defaultMonitors(schema: Schema): ResolvedMonitor[] {
  const has = (role: string) => (role === 'target' ? targetColumn(schema) !== undefined : schema.columns.some((c) => c.role === role));
  return defaultMonitorTypes(has).map((type) => defaultMonitor(type, type, type === 'data_quality' ? QUALITY_WINDOW : DRIFT_WINDOW));
}

/** Where a monitor or alert rule comes from. */
export type DefinitionSource = 'config' | 'api' | 'default';

/** A monitor with where it comes from (and, for API-defined ones, the stored definition). */
export interface SourcedMonitor {
  monitor: ResolvedMonitor;
  source: DefinitionSource;
  stored?: StoredDefinition;
}

/** An alert rule with where it comes from. */
export interface SourcedAlertRule {
  rule: AlertRule;
  source: Exclude<DefinitionSource, 'default'>;
  stored?: StoredDefinition;
}

/** An API-defined object that does not run, and why. */
export interface IgnoredDefinition {
  stored: StoredDefinition;
  reason: string;
}

interface ApiDefinitions {
  monitors: { stored: StoredDefinition; monitor: MonitorConfig }[];
  alerts: { stored: StoredDefinition; rule: AlertRule }[];
  /** Stored definitions that no longer resolve (checked when put; kept, not run). */
  invalid: IgnoredDefinition[];
}

const EMPTY: ApiDefinitions = { monitors: [], alerts: [], invalid: [] };
/** Resolved API definitions by the record's (immutable) list. */
const resolvedCache = new WeakMap<readonly StoredDefinition[], ApiDefinitions>();

const problemText = (problems: readonly Problem[]) => problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ');

/** The model's API-defined monitors and alert rules, resolved as the configuration file's are (cached per record). */
function apiDefinitions(model: ModelRecord): ApiDefinitions {
  const defs = model.definitions;
  if (!defs || defs.length === 0) return EMPTY;
  let hit = resolvedCache.get(defs);
  if (hit) return hit;
  hit = { monitors: [], alerts: [], invalid: [] };
  for (const stored of defs) {
    const problems: Problem[] = [];
    // Checked against the schema when put; resolved here without it (a later schema change makes columns absent, not invalid).
    if (stored.kind === 'monitor') {
      const monitor = resolveMonitor({ ...(stored.spec as RawMonitor), name: stored.name }, '', null, problems);
      if (problems.length === 0) hit.monitors.push({ stored, monitor });
      else hit.invalid.push({ stored, reason: `invalid: ${problemText(problems)}` });
    } else {
      const rule = resolveAlert({ ...(stored.spec as RawAlert), name: stored.name }, '', null, null, problems);
      if (problems.length === 0) hit.alerts.push({ stored, rule });
      else hit.invalid.push({ stored, reason: `invalid: ${problemText(problems)}` });
    }
  }
  resolvedCache.set(defs, hit);
  return hit;
}

const resolved = (m: MonitorConfig): ResolvedMonitor => ({ ...m, sampleLimit: m.sampleLimit ?? DEFAULT_SAMPLE_LIMIT, isDefault: false });

/**
 * The monitors of a model with their source — the configured ones (file order),
 * then the API-defined ones (by name), or the defaults when there are none — and
 * the API-defined ones that do not run (a configured monitor has the name, or
 * the stored definition no longer resolves).
 */
export function monitorSources(config: ModelwatchConfig, model: ModelRecord): { monitors: SourcedMonitor[]; ignored: IgnoredDefinition[] } {
  const configured = config.models.find((m) => m.name === model.name)?.monitors ?? [];
  const names = new Set(configured.map((m) => m.name));
  const api = apiDefinitions(model);
  const ignored = api.invalid.filter((d) => d.stored.kind === 'monitor');
  const out: SourcedMonitor[] = configured.map((m) => ({ monitor: resolved(m), source: 'config' as const }));
  for (const a of api.monitors) {
    if (names.has(a.stored.name)) ignored.push({ stored: a.stored, reason: 'the configuration file defines a monitor of this name' });
    else out.push({ monitor: resolved(a.monitor), source: 'api', stored: a.stored });
  }
  if (out.length === 0) return { monitors: defaultMonitors(model.schema).map((m) => ({ monitor: m, source: 'default' })), ignored };
  return { monitors: out, ignored };
}

/** The monitors of a model: the configured and API-defined ones, else the defaults. */
export function monitorsOf(config: ModelwatchConfig, model: ModelRecord): ResolvedMonitor[] {
  return monitorSources(config, model).monitors.map((m) => m.monitor);
}

/**
 * The alert rules of a model with their source: the configured ones (file
 * order), then the API-defined ones (by name) whose name the file does not use,
 * and the API-defined ones that do not run.
 */
export function alertRuleSources(config: ModelwatchConfig, model: ModelRecord): { rules: SourcedAlertRule[]; ignored: IgnoredDefinition[] } {
  const configured = config.models.find((m) => m.name === model.name)?.alerts ?? [];
  const names = new Set(configured.map((r) => r.name));
  const api = apiDefinitions(model);
  const ignored = api.invalid.filter((d) => d.stored.kind === 'alert');
  const rules: SourcedAlertRule[] = configured.map((rule) => ({ rule, source: 'config' as const }));
  for (const a of api.alerts) {
    if (names.has(a.stored.name)) ignored.push({ stored: a.stored, reason: 'the configuration file defines an alert rule of this name' });
    else rules.push({ rule: a.rule, source: 'api', stored: a.stored });
  }
  return { rules, ignored };
}

/**
 * The alert rules defined over the API (`PUT /v1/models/{model}/alerts/{name}`),
 * resolved like the configuration file's (`forMs`, default severity, …), by
 * name. With `config`, rules whose name the configuration file also uses are
 * left out (the file wins).
 */
export function apiAlertRules(model: ModelRecord, config?: ModelwatchConfig): AlertRule[] {
  if (config) return alertRuleSources(config, model).rules.filter((r) => r.source === 'api').map((r) => r.rule);
  return apiDefinitions(model).alerts.map((a) => a.rule);
}

/** A window in the shape of `modelwatch.yaml`. */
export function windowSpecJson(w: WindowSpec): Record<string, string> {
  switch (w.type) {
    case 'tumbling':
      return { type: 'tumbling', size: formatDuration(w.everyMs) };
    case 'sliding':
      return { type: 'sliding', size: formatDuration(w.sizeMs ?? w.everyMs), every: formatDuration(w.everyMs) };
    case 'cumulative':
      return { type: 'cumulative', every: formatDuration(w.everyMs) };
  }
}

/**
 * A monitor in the shape of an entry of `models.<name>.monitors` with every
 * default spelled out (what it runs with): it reads back as the same monitor,
 * from the file or through the API.
 */
export function monitorSpec(m: MonitorConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { name: m.name, type: m.type, window: windowSpecJson(m.window), reference: m.reference };
  if (m.columns !== undefined) out.columns = [...m.columns];
  const methods: Record<string, unknown> = {};
  if (m.methods.default) methods.default = { ...m.methods.default };
  methods.columns = structuredClone(m.methods.columns);
  out.methods = methods;
  out.thresholds = { ...m.thresholds };
  out.sampleLimit = m.sampleLimit ?? DEFAULT_SAMPLE_LIMIT;
  out.versions = m.versions;
  return out;
}

/** An alert rule in the shape of an entry of `models.<name>.alerts`, every default spelled out. */
export function alertSpec(r: AlertRule): Record<string, unknown> {
  const out: Record<string, unknown> = { name: r.name, monitor: r.monitor };
  if (r.metric !== undefined) out.metric = r.metric;
  if (r.expr !== undefined) out.expr = r.expr;
  if (r.feature !== undefined) out.feature = r.feature;
  Object.assign(out, { op: r.op, threshold: r.threshold, for: formatDuration(r.forMs), severity: r.severity, notify: [...r.notify] });
  return out;
}

/** Schema columns stored with events, by name. */
function stored(schema: Schema): Map<string, ColumnSchema> {
  return new Map(schema.columns.filter((c) => (EVENT_COLUMN_ROLES as readonly string[]).includes(c.role)).map((c) => [c.name, c]));
}

/**
 * The event columns a monitor reads, in schema order: its `columns` when given
 * (those stored with events), else by type — features (feature_drift); the
 * prediction and scores (prediction_drift); features, prediction and scores
 * (data_quality). Model quality reads the target, prediction and scores (see
 * {@link qualityColumns}).
 */
export function monitorColumns(schema: Schema, monitor: MonitorConfig): ColumnSchema[] {
  const byName = stored(schema);
  if (monitor.columns && monitor.columns.length > 0) {
    const wanted = new Set(monitor.columns);
    return schema.columns.filter((c) => wanted.has(c.name) && byName.has(c.name));
  }
  const roles: Record<Exclude<MonitorType, 'model_quality'>, string[]> = {
    feature_drift: ['feature'],
    prediction_drift: ['prediction', 'score'],
    data_quality: ['feature', 'prediction', 'score'],
  };
  if (monitor.type === 'model_quality') return qualityColumns(schema);
  const want = roles[monitor.type];
  return schema.columns.filter((c) => want.includes(c.role) && byName.has(c.name));
}

/** Target, prediction and score columns (model quality), in schema order; empty when the schema has no target. */
export function qualityColumns(schema: Schema): ColumnSchema[] {
  if (!targetColumn(schema)) return [];
  return schema.columns.filter((c) => c.role === 'target' || c.role === 'prediction' || c.role === 'score');
}

/**
 * Monitors that can share one read of the window and one comparison: same
 * window, versions, reference, sample limit, drift methods and thresholds
 * (their columns are merged; model quality reads other rows and is grouped only
 * with model quality).
 */
export function groupKey(m: ResolvedMonitor): string {
  return JSON.stringify([
    m.type === 'model_quality' ? 'labelled' : 'events',
    m.window.type,
    m.window.sizeMs,
    m.window.everyMs,
    m.versions,
    m.reference,
    m.isDefault,
    m.sampleLimit,
    m.methods,
    m.thresholds,
  ]);
}
