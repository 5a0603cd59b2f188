/**
 * Which monitors a model has, and what each one reads: its configured monitors
 * (`models.<name>.monitors` in `modelwatch.yaml`), or the defaults when it
 * configures none.
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
import type { ModelwatchConfig, MonitorConfig, MonitorType, WindowSpec } from '../config/types.js';
import { EVENT_COLUMN_ROLES, targetColumn } from '../store/store.js';
import type { ModelRecord } from '../store/store.js';

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
  const out = [defaultMonitor('data_quality', 'data_quality', QUALITY_WINDOW)];
  const has = (role: string) => schema.columns.some((c) => c.role === role);
  if (has('feature')) out.push(defaultMonitor('feature_drift', 'feature_drift', DRIFT_WINDOW));
  const output = has('prediction') || has('score');
  if (output) out.push(defaultMonitor('prediction_drift', 'prediction_drift', DRIFT_WINDOW));
  if (output && targetColumn(schema)) out.push(defaultMonitor('model_quality', 'model_quality', DRIFT_WINDOW));
  return out;
}

/** The monitors of a model: the configured ones, else the defaults. */
export function monitorsOf(config: ModelwatchConfig, model: ModelRecord): ResolvedMonitor[] {
  const configured = config.models.find((m) => m.name === model.name)?.monitors ?? [];
  if (configured.length === 0) return defaultMonitors(model.schema);
  return configured.map((m) => ({ ...m, sampleLimit: m.sampleLimit ?? DEFAULT_SAMPLE_LIMIT, isDefault: false }));
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
