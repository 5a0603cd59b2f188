/**
 * The storage interface of `modelwatch serve`. Everything above it (HTTP API,
 * monitors, alerts) talks only to {@link Store}; each backend (DuckDB now,
 * ClickHouse later) keeps all of its SQL in its own module and must return
 * identical results on identical data.
 *
 * Conventions:
 * - Times are epoch milliseconds (UTC). Windows are half-open `[from, to)` over
 *   event time `ts`.
 * - Columns are addressed by their schema name; a backend maps names to its own
 *   physical identifiers and never puts a name or a value into SQL text.
 * - Numeric columns come back in the core's columnar form (`NumberColumn`:
 *   Float64Array, `nulls` mask); categorical, boolean and text columns as
 *   `DictColumn` (boolean values as `"true"`/`"false"`).
 * - A write resolves only once it is durable (committed to the backend's log).
 *
 * Idempotency: an event is identified by `(model, id, ts)`. A record whose `id`
 * and `ts` are already stored for the model — or repeat earlier in the same
 * append — is skipped and counted as a duplicate, so a client may safely re-send
 * a batch whose acknowledgment it lost. Clients should keep event ids unique per
 * model; an id re-used with a different `ts` is stored as a second event.
 */
import type { Column, ColumnSchema, DictColumn, NumberColumn, Schema, Table, Task } from '@modelwatch/core';
import type { StoredReference } from '../reference/types.js';

/** Roles whose values are stored with each event (one typed column each). */
export const EVENT_COLUMN_ROLES = ['feature', 'prediction', 'score', 'segment'] as const;

/** The schema columns stored in the events table, in schema order. */
export function eventColumns(schema: Schema): ColumnSchema[] {
  return schema.columns.filter((c) => (EVENT_COLUMN_ROLES as readonly string[]).includes(c.role));
}

/** The target column of a schema, if any. */
export function targetColumn(schema: Schema): ColumnSchema | undefined {
  return schema.columns.find((c) => c.role === 'target');
}

/** How targets of a model are stored: numbers (regression, numeric targets) or labels as strings. */
export function targetKind(schema: Schema, task: Task | null | undefined): 'number' | 'label' {
  const t = targetColumn(schema);
  if (t) return t.kind === 'numeric' ? 'number' : 'label';
  return task === 'regression' ? 'number' : 'label';
}

// ---------------------------------------------------------------------------
// Models

/** What a client registers (`PUT /v1/models/{model}`). */
export interface ModelDefinition {
  name: string;
  task?: Task;
  schema: Schema;
  versions?: string[];
}

export interface ModelRecord {
  name: string;
  task: Task | null;
  schema: Schema;
  /** Declared versions (registration order). */
  versions: string[];
  createdAt: number;
  updatedAt: number;
  /**
   * Increases whenever the stored columns change; an {@link EventBatch} built for
   * an older generation is refused with {@link StoreConflictError}.
   */
  generation: number;
  /**
   * Monitors and alert rules defined over the API (`PUT /v1/models/{model}/monitors/{name}`),
   * ordered by kind and name; absent or empty when there are none. A new record
   * object replaces the old one whenever they change.
   */
  definitions?: readonly StoredDefinition[];
}

/** What an API-defined object is: a monitor or an alert rule. */
export type DefinitionKind = 'monitor' | 'alert';

/** A monitor or alert rule defined over the API, kept with its model. */
export interface StoredDefinition {
  kind: DefinitionKind;
  name: string;
  /** The object as an entry of `models.<name>.monitors` / `alerts` in `modelwatch.yaml` would hold it (checked before it is put). */
  spec: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

// ---------------------------------------------------------------------------
// Writes

/** Values of one event column for a batch, in the layout of its kind. */
export type EventColumnData =
  /** numeric: `values[i]` is the number (may be non-finite); `nulls[i] = 1` when missing. */
  | { type: 'number'; values: Float64Array; nulls: Uint8Array }
  /** datetime: epoch ms; `nulls[i] = 1` when missing. */
  | { type: 'timestamp'; values: Float64Array; nulls: Uint8Array }
  /** boolean: 0 = false, 1 = true, 2 = missing. */
  | { type: 'boolean'; values: Uint8Array }
  /** categorical and text: `null` when missing. */
  | { type: 'string'; values: (string | null)[] };

/**
 * Prediction events of one model in columnar form, built by the ingest layer
 * against the model's schema at {@link ModelRecord.generation}.
 *
 * Lists of column names (`dq*Columns`) are encoded as the names joined with
 * {@link NAME_LIST_SEPARATOR} (column names cannot contain control characters),
 * `null` when empty.
 */
export interface EventBatch {
  model: string;
  generation: number;
  length: number;
  ids: string[];
  /** Event time, epoch ms. */
  ts: Float64Array;
  versions: string[];
  /** Aligned with `eventColumns(model.schema)`. */
  columns: EventColumnData[];
  /** Serving latency in ms; NaN when absent. */
  latencyMs: Float64Array;
  /** 0 = no error, 1 = error, 2 = absent. */
  errors: Uint8Array;
  /** Tags as JSON text, `null` when absent. */
  tags: (string | null)[];
  /** Number of values that did not fit their column's kind (stored as missing). */
  dqTypeViolations: Uint16Array;
  /** Columns whose value did not fit the kind. */
  dqTypeColumns: (string | null)[];
  /** Keys that are not columns of the schema. */
  dqUnknownColumns: (string | null)[];
  /** Schema columns absent from the record. */
  dqMissingColumns: (string | null)[];
}

/** Separator of column-name lists inside one stored value (ASCII unit separator). */
export const NAME_LIST_SEPARATOR = '\u001f';

export interface AppendResult {
  /** Events newly stored. */
  inserted: number;
  /** Records skipped because the same `(id, ts)` was already stored or repeated in the batch. */
  duplicates: number;
  /** Row indexes (within the batch) of the skipped records. */
  duplicateIndexes: number[];
}

/** Ground truth for events of one model, columnar. */
export interface FeedbackBatch {
  model: string;
  length: number;
  ids: string[];
  /** Numeric targets (when the model stores numbers); NaN = missing. */
  targetNumbers?: Float64Array;
  /** Label targets as strings (when the model stores labels); `null` = missing. */
  targetLabels?: (string | null)[];
  /** When the ground truth became known, epoch ms. */
  ts: Float64Array;
  /** When the server received it, epoch ms. */
  receivedAt: number;
}

export interface FeedbackResult {
  /** Feedback rows written (a later feedback for an id replaces the earlier). */
  upserted: number;
}

// ---------------------------------------------------------------------------
// Queries used by monitors

/** A window of one model's events. */
export interface WindowQuery {
  model: string;
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  /** Only events of this version; all versions when absent or null. */
  version?: string | null;
}

export interface ColumnQuery extends WindowQuery {
  /** Schema column name. */
  column: string;
}

export interface EventCountQuery extends WindowQuery {
  /** Bucket width in ms (buckets start at `origin + k * bucketMs`); one bucket when absent. */
  bucketMs?: number;
  /** Start of the bucket grid (default `from`); a grid aligned to whole hours lets long ranges read pre-aggregates. Buckets before `from` count events from `from` only. */
  origin?: number;
  /** Split counts by version. */
  byVersion?: boolean;
}

export interface EventCountBucket {
  /** Bucket start, epoch ms. */
  start: number;
  /** Version, when counting by version. */
  version?: string;
  events: number;
  /** Events flagged `error: true`. */
  errors: number;
  /** Events that carried a latency. */
  latencyCount: number;
  /** Sum of latencies in ms over `latencyCount` events. */
  latencySumMs: number;
}

/**
 * Aggregates of a numeric column over a window. Moments, min and max are over
 * finite values only; `histogram` counts finite values in the bins
 * `(-inf, e1], (e1, e2], ..., (e_last, +inf)` of the requested edges (a value
 * equal to an edge falls in the bin whose upper edge it is).
 */
export interface NumericAggregate {
  /** Events in the window. */
  rows: number;
  /** Missing values (null, including type violations). */
  nulls: number;
  /** NaN and ±Infinity values. */
  nonFinite: number;
  /** Finite values. */
  count: number;
  /** NaN when `count` is 0. */
  min: number;
  max: number;
  sum: number;
  sumSquares: number;
  /** Mean of finite values (NaN when `count` is 0). */
  mean: number;
  /** Population variance (ddof 0) of finite values, numerically stable (NaN when `count` is 0). */
  variance: number;
  /** Present when edges were given: `edges.length + 1` counts. */
  histogram?: number[];
}

/** Category frequencies of a column over a window, most frequent first. */
export interface CategoryCounts {
  rows: number;
  nulls: number;
  /** Distinct non-missing values. */
  distinct: number;
  /**
   * The `topK` most frequent values, ties broken by value (Unicode code point
   * order for strings, numeric order for numbers). Values are strings for
   * categorical/text columns, `"true"`/`"false"` for booleans, numbers for numeric
   * columns.
   */
  top: { value: string | number; count: number }[];
  /** Occurrences of all values beyond the top K. */
  otherCount: number;
  /** Distinct values beyond the top K. */
  otherDistinct: number;
}

export interface SampleOptions {
  /** Most rows returned; larger windows are sampled. */
  limit: number;
  /**
   * Seed of the deterministic sample: the rows kept are those with the smallest
   * hash of `(seed, id, ts)`, so the same window always gives the same sample.
   */
  seed?: string;
}

/** A raw column of a window, possibly sampled. */
export interface ColumnSample {
  /** Events in the window. */
  total: number;
  /** Rows returned (`total` unless sampled). */
  size: number;
  sampled: boolean;
  /** How the sample was drawn, for the record in a result. */
  method: 'all' | 'hash';
  /** `NumberColumn` for numeric and datetime columns, `DictColumn` otherwise. */
  column: Column;
}

/** Events of a window joined with their ground truth (events without feedback are left out). */
export interface LabelledRows {
  /** Events in the window. */
  total: number;
  /** Events in the window that have feedback. */
  labelled: number;
  /** Rows returned (`labelled` unless sampled). */
  size: number;
  sampled: boolean;
  method: 'all' | 'hash';
  /** Event time, epoch ms. */
  eventTs: Float64Array;
  /** Time the ground truth became known, epoch ms. */
  labelTs: Float64Array;
  /** The prediction column, when the schema has one. */
  prediction?: Column;
  /** Score columns by name. */
  scores: Record<string, NumberColumn>;
  /** The target: numbers for numeric targets, labels otherwise. */
  target: NumberColumn | DictColumn;
}

/** Per-event data-quality findings of ingestion, summed over a window. */
export interface DataQualitySummary {
  events: number;
  /** Events with at least one value that did not fit its column's kind. */
  eventsWithTypeViolations: number;
  typeViolations: number;
  /** Per column: events in which its value did not fit the kind. */
  typeViolationColumns: Record<string, number>;
  /** Per unknown key: events that carried it. */
  unknownColumns: Record<string, number>;
  /** Per schema column: events that lacked it. */
  missingColumns: Record<string, number>;
}

/**
 * Rows of a window as one core {@link Table}, for monitors and the report
 * endpoint: the requested schema columns, sampled jointly (the same events for
 * every column) above `sample.limit`.
 */
export interface WindowTableQuery extends WindowQuery {
  /**
   * Schema columns to read, in this order: event columns (features, prediction,
   * scores, segments) and the target column (joined from feedback by event id;
   * missing where an event has no feedback).
   */
  columns: readonly string[];
  /** Only events that have feedback (model quality); the sample is then drawn from them. */
  labelledOnly?: boolean;
  sample: SampleOptions;
}

/** A window read by {@link Store.windowTable}. */
export interface WindowTable {
  /**
   * The columns in the requested order, rows ordered by `(ts, id)` so that the
   * table does not depend on the order events were stored in. Numeric and
   * datetime columns are `NumberColumn`s (datetimes epoch ms, `date: true`);
   * categorical, boolean (`"true"`/`"false"`) and text columns `DictColumn`s whose
   * dictionary is in code point order.
   */
  table: Table;
  /** Events in the window (labelled events when `labelledOnly`). */
  total: number;
  /** Rows returned (`total` unless sampled). */
  size: number;
  sampled: boolean;
  method: 'all' | 'hash';
}

/** Exact counts over a whole window (never sampled), pushed down to the store. */
export interface WindowSummary {
  /** Events in the window. */
  rows: number;
  /** Earliest event time in the window (epoch ms); NaN when empty. */
  firstTs: number;
  /** Missing values (null, including type violations) per requested column. */
  missing: Record<string, number>;
  /** Events flagged `error: true`, and events that carried an error flag at all. */
  errors: number;
  errorFlags: number;
  /** Events that carried a latency, and the median and 99th percentile of those latencies in ms (linear interpolation; NaN when none). */
  latencyCount: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** Counts and estimated latency quantiles of a window ({@link Store.latencySummary}). */
export interface LatencySummary {
  rows: number;
  errors: number;
  errorFlags: number;
  latencyCount: number;
  /** Estimated quantiles in ms; NaN when no latency. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Largest relative error of the estimates. */
  relativeError: number;
}

/** Ground-truth coverage of a window. */
export interface LabelSummary {
  rows: number;
  /** Events of the window that have feedback. */
  labelled: number;
  /** Median of (feedback time − event time) over labelled events, ms (linear interpolation); NaN when none. */
  lagMedianMs: number;
}

export interface EventTimeBounds {
  events: number;
  /** Earliest event time (epoch ms); NaN when there are no events. */
  min: number;
  max: number;
}

// ---------------------------------------------------------------------------
// Results and alerts

/** A monitor's output for one window. */
export interface ResultRecord {
  model: string;
  monitor: string;
  /** `''` for results over all versions. */
  version: string;
  windowStart: number;
  windowEnd: number;
  computedAt: number;
  /** The monitor's JSON result. */
  payload: unknown;
}

export interface ResultQuery {
  model: string;
  monitor?: string;
  version?: string;
  /** Results whose window ends after `from` … */
  from?: number;
  /** … and starts before `to`. */
  to?: number;
  /**
   * Only the latest result of each (monitor, version) among those matching: the
   * one whose window ends last, then the one computed last (restoring exported
   * gauges at start, dashboards' current state).
   */
  latest?: boolean;
  limit?: number;
}

export type AlertStateName = 'inactive' | 'pending' | 'firing' | 'resolved';

export interface AlertState {
  model: string;
  rule: string;
  /** Identifies one series of a rule (e.g. `version=v2,feature=amount`); `''` for a single series. */
  key: string;
  state: AlertStateName;
  /** When the current state began. */
  since: number;
  value: number | null;
  updatedAt: number;
  labels: Record<string, string>;
  /** The alert engine's bookkeeping (run start, notification status, …) as JSON; `null` when none. */
  detail?: unknown;
}

/** A series of an alert rule: `(model, rule, key)`. */
export interface AlertSeriesRef {
  model: string;
  rule: string;
  key: string;
}

/** The value of an alert series in one window (what states are derived from again when results arrive out of order). */
export interface AlertPoint extends AlertSeriesRef {
  windowStart: number;
  windowEnd: number;
  /** `null`: the rule had no value in the window. */
  value: number | null;
}

/** A change of state of an alert series, at an event time. */
export interface AlertTransitionRecord extends AlertSeriesRef {
  /** Event time: the end of the window that caused it. */
  at: number;
  from: AlertStateName;
  to: AlertStateName;
  value: number | null;
  windowStart: number;
  windowEnd: number;
  labels: Record<string, string>;
  /** More about it (JSON): run start, cause, monitor, … */
  detail: unknown;
  /** Wall-clock time it was recorded, epoch ms. */
  recordedAt: number;
}

/** One durable write of the alert engine (one transaction). */
export interface AlertWrite {
  /** Inserted or replaced by `(model, rule, key)`. */
  states?: readonly AlertState[];
  /** Inserted or replaced by `(model, rule, key, windowEnd)`. */
  points?: readonly AlertPoint[];
  /** Deletes a series' points whose window ended before `before`. */
  prunePoints?: readonly (AlertSeriesRef & { before: number })[];
  /** Replaces a series' transitions at or after `from` by `transitions`. */
  transitions?: readonly { series: AlertSeriesRef; from: number; transitions: readonly AlertTransitionRecord[] }[];
  /** Deletes series (state and points; their transitions stay as history). */
  deleteSeries?: readonly AlertSeriesRef[];
}

export interface AlertTransitionQuery {
  model?: string;
  rule?: string;
  key?: string;
  /** Only transitions into this state. */
  to?: AlertStateName;
  /** Event time range `[from, to)` of `at`. */
  fromAt?: number;
  toAt?: number;
  limit?: number;
}

export interface DeliveryRecord {
  model: string;
  rule: string;
  channel: string;
  at: number;
  attempt: number;
  ok: boolean;
  status: number | null;
  error: string | null;
  /** The notification the attempt belongs to (all attempts of one notification share it). */
  id?: string | null;
  /** The alert series. */
  key?: string | null;
  /** `firing` or `resolved`. */
  event?: string | null;
}

export interface RetentionCutoffs {
  /** Delete events with `ts` before this (epoch ms). */
  events?: number;
  /** Delete feedback with `ts` before this. */
  feedback?: number;
  /** Delete results whose window ended before this. */
  results?: number;
  /**
   * Delete alert history before this: transitions whose event time (the end
   * of the window that caused them) and delivery-log entries whose attempt
   * time is before it. Alert states and the kept points are not touched.
   */
  alerts?: number;
}

export interface RetentionResult {
  events: number;
  feedback: number;
  results: number;
  /** Alert transitions deleted. */
  alertTransitions: number;
  /** Delivery-log entries deleted. */
  deliveries: number;
}

// ---------------------------------------------------------------------------
// References

/** A model's reference as a backend keeps it (the contract monitors read is {@link StoredReference}). */
export interface ReferenceRecord extends StoredReference {
  /** Identity of a configuration file's reference (content hash and read settings), to skip unchanged files at start; `null` for uploads. */
  fingerprint: string | null;
  /** The model's schema was inferred from this reference. */
  schemaInferred: boolean;
  /** Rows kept (`table.numRows` when the table is loaded); 0 when only the profile is kept. */
  keptRows: number;
}

// ---------------------------------------------------------------------------
// Errors

/** A model that does not exist. */
export class UnknownModelError extends Error {
  constructor(readonly model: string) {
    super(`no model named "${model}"`);
    this.name = 'UnknownModelError';
  }
}

/** A schema column that does not exist (or is not stored with events). */
export class UnknownColumnError extends Error {
  constructor(
    readonly model: string,
    readonly column: string,
  ) {
    super(`model "${model}" has no stored column "${column}"`);
    this.name = 'UnknownColumnError';
  }
}

/** A write prepared for an older state of the model (its schema changed meanwhile); retry. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** A request the store cannot honour (e.g. an incompatible schema change, too many models). */
export class StoreInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}

// ---------------------------------------------------------------------------

/**
 * A backend. Writes (`putModel`, `appendEvents`, `upsertFeedback`, `putResults`,
 * alert state, retention) are serialised by the caller (the write queue) and each
 * call is one transaction; queries may run concurrently with writes and see
 * committed data only.
 */
export interface Store {
  readonly kind: 'duckdb' | 'clickhouse';

  /** Creates the model or updates its task, schema and versions. New columns are added; a column whose kind changed starts a new physical column (old values stay readable only under the old kind's history). */
  putModel(def: ModelDefinition): Promise<{ model: ModelRecord; created: boolean }>;
  getModel(name: string): Promise<ModelRecord | null>;
  listModels(): Promise<ModelRecord[]>;

  /**
   * Appends event batches (possibly of several models) in one transaction:
   * either all are stored or none. Resolves when the transaction is durable.
   * Duplicates (see the module comment) are skipped and counted per batch.
   */
  appendEvents(batches: readonly EventBatch[]): Promise<AppendResult[]>;
  /** Inserts or replaces feedback by event id, in one durable transaction; within a batch the last row for an id wins. */
  upsertFeedback(batches: readonly FeedbackBatch[]): Promise<FeedbackResult[]>;

  /** Number of events per time bucket (and version) in a window. */
  eventCounts(q: EventCountQuery): Promise<EventCountBucket[]>;
  /** Earliest and latest event time of a model (and version). */
  eventTimeBounds(model: string, version?: string | null): Promise<EventTimeBounds>;
  /** Aggregates of a numeric column; histogram on the given ascending edges. */
  numericAggregate(q: ColumnQuery & { edges?: ArrayLike<number> }): Promise<NumericAggregate>;
  /** Frequencies of a column's values (any kind), top K plus the rest. */
  categoryCounts(q: ColumnQuery & { topK: number }): Promise<CategoryCounts>;
  /** {@link numericAggregate} (no histogram) per time bucket of the window, in one scan: buckets start at `origin + k * bucketMs` (`origin` as in {@link EventCountQuery}), empty ones left out (the dashboard's output over time). */
  numericAggregateByBucket(q: ColumnQuery & { bucketMs: number; origin?: number }): Promise<(NumericAggregate & { start: number })[]>;
  /** {@link categoryCounts} per time bucket of the window, in one scan (buckets as in {@link numericAggregateByBucket}). */
  categoryCountsByBucket(q: ColumnQuery & { topK: number; bucketMs: number; origin?: number }): Promise<(CategoryCounts & { start: number })[]>;
  /** The raw values of a column in a window, sampled deterministically above `limit`. */
  columnValues(q: ColumnQuery & SampleOptions): Promise<ColumnSample>;
  /** Events joined with feedback for model quality, sampled deterministically above `limit`. */
  labelledRows(q: WindowQuery & SampleOptions): Promise<LabelledRows>;
  /** Ingest-time data-quality findings summed over a window. */
  dataQualitySummary(q: WindowQuery): Promise<DataQualitySummary>;
  /** The window's rows of some columns as one core Table, sampled jointly and deterministically above the limit. */
  windowTable(q: WindowTableQuery): Promise<WindowTable>;
  /** Exact counts of a window: rows, missing values per column, errors, latency quantiles. */
  windowSummary(q: WindowQuery & { columns: readonly string[] }): Promise<WindowSummary>;
  /**
   * Events, errors and latency quantiles of a window with the quantiles
   * estimated from logarithmic latency bins (within `relativeError`, about
   * ±2.2 %): cheap on long ranges where {@link windowSummary}'s exact quantiles
   * sort every latency. Optional (the dashboard skips quantiles without it).
   */
  latencySummary?(q: WindowQuery): Promise<LatencySummary>;
  /** Starts background maintenance of pre-aggregates (DuckDB's dashboard rollups), logging progress. Optional. */
  maintainRollups?(opts?: { log?: { info?(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void } }): void;
  /** Events were committed (the write queue's hook): pre-aggregates may fold them. Optional. */
  noteEvents?(batches: readonly EventBatch[]): void;
  /** Ground-truth coverage and lag of a window. */
  labelSummary(q: WindowQuery): Promise<LabelSummary>;
  /** The distinct versions of the events in a window, sorted. */
  windowVersions(q: WindowQuery): Promise<string[]>;
  /** Event time and version of the stored events with these ids (feedback marks their windows for re-evaluation). */
  eventTimesOfIds(model: string, ids: readonly string[]): Promise<{ ts: Float64Array; versions: string[] }>;

  /** Inserts or replaces results by `(model, monitor, version, windowStart, windowEnd)`. */
  putResults(results: readonly ResultRecord[]): Promise<void>;
  getResults(q: ResultQuery): Promise<ResultRecord[]>;
  /** Deletes a model's stored results (only one monitor's, with `monitor`), in one durable transaction. Returns how many. */
  deleteResults(q: { model: string; monitor?: string }): Promise<number>;

  /**
   * Creates or replaces an API-defined monitor or alert rule of a model (by kind
   * and name), durably; resolves with the model's new record, which carries it in
   * `definitions`. Throws {@link UnknownModelError} for an unknown model.
   */
  putDefinition(model: string, def: { kind: DefinitionKind; name: string; spec: Record<string, unknown> }): Promise<{ model: ModelRecord; created: boolean }>;
  /** Removes an API-defined monitor or alert rule; `deleted` is false when there was none. */
  deleteDefinition(model: string, kind: DefinitionKind, name: string): Promise<{ model: ModelRecord; deleted: boolean }>;

  getAlertStates(model?: string): Promise<AlertState[]>;
  putAlertStates(states: readonly AlertState[]): Promise<void>;
  /** Alert states, points, transitions in one durable transaction. */
  writeAlerts(w: AlertWrite): Promise<void>;
  /** The points of every alert series (of a model), the latest `perSeries` of each, oldest first. */
  getAlertPoints(opts?: { model?: string; perSeries?: number }): Promise<AlertPoint[]>;
  /** Transitions, latest event time first. */
  getAlertTransitions(q?: AlertTransitionQuery): Promise<AlertTransitionRecord[]>;
  logDeliveries(records: readonly DeliveryRecord[]): Promise<void>;
  /** Delivery attempts, latest first. */
  getDeliveries(opts?: { model?: string; rule?: string; channel?: string; id?: string; limit?: number }): Promise<DeliveryRecord[]>;

  /** Stores the model's reference (profile and rows), replacing the previous one, in one durable transaction. */
  putReference(ref: ReferenceRecord): Promise<void>;
  /** The model's reference; its rows (`table`) only when `rows` is true, else `table: null`. */
  getReference(model: string, opts?: { rows?: boolean }): Promise<ReferenceRecord | null>;

  /** Deletes data older than the cutoffs (by event time for events and feedback). */
  applyRetention(cutoffs: RetentionCutoffs): Promise<RetentionResult>;

  /** Flushes to the main database file (the WAL is already durable). */
  checkpoint(): Promise<void>;
  /** Checkpoints and releases every resource. Idempotent. */
  close(): Promise<void>;
}
