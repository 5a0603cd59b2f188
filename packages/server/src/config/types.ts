/**
 * The resolved configuration of `modelwatch serve`: what `modelwatch.yaml` means
 * after validation, with defaults applied, durations in milliseconds, sizes in
 * bytes and paths absolute. Every part of the server (HTTP, store, monitors,
 * alerts, notifications) reads these types and never the raw YAML.
 */
import type { Schema, Task } from '@modelwatch/core';

/** A token scope: `read` for GET endpoints and `/metrics`, `write` for PUT/POST. */
export type Scope = 'read' | 'write';

export const SCOPES: readonly Scope[] = ['read', 'write'];

/** Bounds of the write queue that sits between the HTTP handlers and the store. */
export interface QueueSettings {
  /** Most events waiting to be committed; beyond it ingest answers 429. */
  maxEvents: number;
  /** Most requests (event or feedback batches) waiting to be committed; beyond it 429. */
  maxRequests: number;
  /** Most events committed in one transaction (group commit). */
  commitEvents: number;
  /** The `Retry-After` seconds sent with a 429. */
  retryAfterSeconds: number;
  /** Worker threads parsing large event bodies off the main thread; 0 parses on the main thread. */
  parseThreads: number;
}

export interface ServerSettings {
  port: number;
  host: string;
  /** Directory of the embedded store and other state; absolute. */
  dataDir: string;
  /** Largest accepted request body in bytes; larger bodies get 413. */
  bodyLimit: number;
  /** Most records (events or feedback) in one request; more get 413. */
  maxRecordsPerRequest: number;
  queue: QueueSettings;
  /** Most models that may be registered (bounds metric label cardinality). */
  maxModels: number;
  /** Most distinct `version` label values per model on ingest metrics; others are `__other__`. */
  maxVersionLabels: number;
}

export interface AuthToken {
  /** A name for logs; never the token itself. */
  name: string;
  token: string;
  scopes: Scope[];
}

/** Bearer-token authentication. `null` in {@link ModelwatchConfig} means open access. */
export interface AuthSettings {
  tokens: AuthToken[];
  /** Serve `/metrics` without a token (for a Prometheus without credentials). */
  metricsPublic: boolean;
}

export interface DuckDBStoreSettings {
  type: 'duckdb';
  /** Database file; absolute. `":memory:"` for a throwaway in-memory store (tests). */
  path: string;
  /** DuckDB `checkpoint_threshold`: WAL size that triggers an automatic checkpoint. */
  checkpointThreshold?: string;
  /** DuckDB `memory_limit`, e.g. `"2GB"`. */
  memoryLimit?: string;
  /** DuckDB worker threads; DuckDB's default (all cores) when absent. */
  threads?: number;
}

/** Declared for the configuration format; rejected at load time until the backend exists. */
export interface ClickHouseStoreSettings {
  type: 'clickhouse';
  url: string;
  database: string;
}

export type StoreSettings = DuckDBStoreSettings | ClickHouseStoreSettings;

/** How long data is kept, by event time (`null` = forever). */
export interface RetentionSettings {
  eventsMs: number | null;
  feedbackMs: number | null;
  resultsMs: number | null;
  /**
   * Alert history: transitions whose event time (window end), and delivery-log
   * entries whose attempt time, is older than this are deleted. Defaults to
   * `resultsMs` (the history goes with the results it came from).
   */
  alertsMs: number | null;
  /** How often retention runs. */
  intervalMs: number;
}

export type WindowType = 'sliding' | 'tumbling' | 'cumulative';

/**
 * A window over event time.
 * - `sliding`: windows of `sizeMs` ending every `everyMs` (e.g. 24 h every 1 h).
 * - `tumbling`: back-to-back windows of `sizeMs` (`everyMs === sizeMs`).
 * - `cumulative`: from the first event up to each `everyMs` boundary (`sizeMs` is `null`).
 */
export interface WindowSpec {
  type: WindowType;
  sizeMs: number | null;
  everyMs: number;
}

export type MonitorType = 'data_quality' | 'feature_drift' | 'prediction_drift' | 'model_quality';

export const MONITOR_TYPES: readonly MonitorType[] = ['data_quality', 'feature_drift', 'prediction_drift', 'model_quality'];

/** A per-column (or default) choice of drift method and threshold. */
export interface MethodOverride {
  /** A method name of the statistics spec (`ks`, `psi`, `jensen_shannon`, …) or `auto`. */
  method?: string;
  threshold?: number;
  /** Number of quantile bins for frequency methods on numeric columns. */
  bins?: number;
}

export interface MonitorConfig {
  name: string;
  type: MonitorType;
  window: WindowSpec;
  /** Compare against the model's stored reference or the previous window. */
  reference: 'reference' | 'previous';
  /** Columns to evaluate; all applicable columns when absent. */
  columns?: string[];
  methods: { default?: MethodOverride; columns: Record<string, MethodOverride> };
  /** Named thresholds, e.g. `drift_share: 0.5`, `missing_ratio: 0.05`. */
  thresholds: Record<string, number>;
  /** Largest raw sample per column for exact tests; larger windows are sampled. */
  sampleLimit?: number;
  /** Evaluate each model version separately (`each`, default) or all together. */
  versions: 'each' | 'all';
}

export type AlertOp = '>' | '>=' | '<' | '<=' | '==' | '!=';
export type Severity = 'info' | 'warning' | 'critical';

export interface AlertRule {
  name: string;
  /** Name of a monitor of the same model. */
  monitor: string;
  /** A result metric of the monitor (e.g. `dataset_drift_share`); exclusive with `expr`. */
  metric?: string;
  /** An expression over the monitor's result metrics; exclusive with `metric`. */
  expr?: string;
  /** Restrict to one feature for per-feature metrics. */
  feature?: string;
  op: AlertOp;
  threshold: number;
  /** How long the condition must hold before firing (Prometheus `for`). */
  forMs: number;
  severity: Severity;
  /** Names of notification channels. */
  notify: string[];
}

export interface NotificationChannel {
  name: string;
  type: 'webhook' | 'slack';
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Delivery attempts before giving up (with backoff). */
  maxAttempts: number;
  /** First wait between attempts; doubles after each (the notifier's default, 1 s, when absent). */
  backoffMs?: number;
  /** Longest wait between attempts (the notifier's default, 60 s, when absent). */
  maxBackoffMs?: number;
  /** On shutdown, how long deliveries in flight may still take before they are aborted (default 5 s). */
  shutdownGraceMs?: number;
}

/** Delivery settings for every channel that does not set its own (`notificationDefaults`). */
export interface NotificationDefaults {
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  shutdownGraceMs: number;
}

/** Column roles for inferring a model's schema from its reference (`schemaFrom: reference`); other columns are features. */
export interface ReferenceRoles {
  target?: string;
  prediction?: string;
  scores?: string[];
  id?: string;
  timestamp?: string;
  segments?: string[];
}

/** How references are accepted (`PUT /v1/models/{model}/reference`) and kept. */
export interface ReferenceSettings {
  /** Largest reference upload in bytes; larger bodies get 413. */
  maxBytes: number;
  /** Most reference rows kept raw for exact tests; a larger reference keeps a deterministic uniform sample of this many. */
  maxRows: number;
  /** Directories (absolute) whose files a `{"path": ...}` request may name; empty: server-side paths are refused. */
  paths: string[];
}

export interface ModelConfig {
  name: string;
  task?: Task;
  /** The schema; absent when it is inferred from the reference (`schemaFrom: reference`). */
  schema?: Schema;
  schemaFrom?: 'reference';
  versions: string[];
  /** Reference data file (CSV, Parquet, NDJSON); absolute. */
  reference?: string;
  /** Roles for the schema inferred from the reference (with `schemaFrom: reference`). */
  roles?: ReferenceRoles;
  monitors: MonitorConfig[];
  alerts: AlertRule[];
}

export interface ModelwatchConfig {
  server: ServerSettings;
  /** `null` = no tokens configured: the API is open (bind to loopback). */
  auth: AuthSettings | null;
  store: StoreSettings;
  retention: RetentionSettings;
  references: ReferenceSettings;
  models: ModelConfig[];
  notifications: NotificationChannel[];
  /** Delivery settings channels inherit (already applied to `notifications`). */
  notificationDefaults: NotificationDefaults;
  /** Where the configuration came from (a file path), for messages. */
  source?: string;
}

/** Model names: also used in URLs, metric labels and store metadata. */
export const MODEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
export const MODEL_NAME_RE = new RegExp(MODEL_NAME_PATTERN);
