/**
 * The JSON the dashboard reads: the answers of the service's read-only
 * `/v1/dashboard/…` routes (aggregates only, never raw rows). The service
 * builds them (`@modelwatch/server`, `src/http/routes/dashboard.ts`) and the
 * app renders them, both against these types.
 *
 * Times are epoch milliseconds (UTC); windows and ranges are half-open
 * `[from, to)` over event time. Numbers that cannot be computed are `null`.
 */

/** Named numbers of a monitor result (`dataset_drift_share`, `accuracy`, …). */
export type Metrics = Record<string, number | null>;

/** The time range an answer covers, and how it was chosen. */
export interface DashboardRange {
  from: number;
  to: number;
  /**
   * `now`: the range ends now (live data). `data`: the model's last event is
   * older than the range, so the range ends just after it (backfills and
   * history: "the last 24 h of data"). `custom`: `from` and `to` were given.
   */
  anchor: 'now' | 'data' | 'custom';
}

/** Events per time bucket. */
export interface TrafficBucket {
  /** Bucket start; buckets are `[start, start + bucketMs)` on a UTC grid of multiples of `bucketMs`, clipped to the range (the first may start before it). */
  start: number;
  events: number;
  /** Events flagged `error: true`. */
  errors: number;
  /** Events that carried a latency, and their mean latency in ms (`null` when none). */
  latencyCount: number;
  latencyMeanMs: number | null;
}

/** Traffic totals of a range (exact, from the store). */
export interface TrafficSummary {
  events: number;
  errors: number;
  /** `errors / events` over events that carried an error flag (`null` when none did). */
  errorRate: number | null;
  /** Events per second over the range. */
  eventsPerSecond: number;
  latencyCount: number;
  /** Mean latency in ms over the events that carried one. */
  latencyMeanMs: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** The quantiles were not computed (the store cannot estimate them and the range holds more events than the service sorts for exact ones); counts and mean are exact. */
  quantilesSkipped?: boolean;
  /** The quantiles are estimates from logarithmic latency bins, within this relative error (about 0.022): the range holds more events than the service sorts for exact quantiles (250,000). Counts and mean stay exact. */
  quantilesRelativeError?: number;
}

/** Traffic of one version (or all versions, `version: null`) in buckets. */
export interface TrafficSeries {
  version: string | null;
  bucketMs: number;
  buckets: TrafficBucket[];
  summary: TrafficSummary;
}

/** A stored monitor result, reduced to what a status cell shows. */
export interface ResultStatus {
  monitor: string;
  type: MonitorType;
  /** `null`: a monitor over all versions. */
  version: string | null;
  windowStart: number;
  windowEnd: number;
  windowLabel: string;
  metrics: Metrics;
  note?: string;
}

export type MonitorType = 'data_quality' | 'feature_drift' | 'prediction_drift' | 'model_quality';

/** One number of a monitor over its windows, for sparklines and charts. */
export interface MetricTrend {
  monitor: string;
  type: MonitorType;
  version: string | null;
  metric: string;
  /** `[window end, value]`, oldest first. */
  points: [number, number | null][];
}

/** Counts of alert states (from the alert engine's stored state). */
export interface AlertCounts {
  firing: number;
  pending: number;
}

/** A model's row on the overview. */
export interface OverviewModel {
  name: string;
  task: string | null;
  versions: string[];
  /** All stored events of the model (any time). */
  bounds: { events: number; first: number | null; last: number | null };
  range: DashboardRange;
  traffic: TrafficSeries;
  /** The latest result of every (monitor, version) whose window overlaps the range. */
  latest: ResultStatus[];
  /** Headline numbers over the range: drift share, data-quality violations, the main quality metric, label coverage. */
  trends: MetricTrend[];
  alerts: AlertCounts;
}

export interface OverviewResponse {
  /** Server time when the answer was built. */
  now: number;
  /** The range length asked for, ms. */
  rangeMs: number;
  models: OverviewModel[];
}

/** A monitor as configured (or by default), with the thresholds charts draw. */
export interface MonitorInfo {
  name: string;
  type: MonitorType;
  window: { type: 'sliding' | 'tumbling' | 'cumulative'; sizeMs: number | null; everyMs: number; label: string };
  versions: 'each' | 'all';
  reference: 'reference' | 'previous';
  /** The monitor's named thresholds (`drift_share`, …). */
  thresholds: Record<string, number>;
  /** Alert rules on this monitor. */
  rules: { name: string; metric: string | null; feature: string | null; op: string; threshold: number; severity: string }[];
}

/** Per-feature numbers of one monitor over windows, column-wise (`values[f][w]`). */
export interface FeatureMatrix {
  features: string[];
  /** Drift method per feature (of its latest window that had one). */
  methods: (string | null)[];
  thresholds: (number | null)[];
  /** `drift_score` (drift monitors) or `missing_ratio` (data quality), per feature, per window. */
  values: (number | null)[][];
  /** `drift_detected` per feature per window (drift monitors). */
  detected?: (0 | 1 | null)[][];
}

/** The windows of one (monitor, version) in a range. */
export interface MonitorSeries {
  monitor: string;
  type: MonitorType;
  version: string | null;
  windowLabel: string;
  /** Window starts and ends (aligned with `metrics`). */
  starts: number[];
  ends: number[];
  /** Metric name → value per window. */
  metrics: Record<string, (number | null)[]>;
  notes: (string | null)[];
  features?: FeatureMatrix;
  /** Windows left out to keep the answer small (every k-th window kept, the latest always). */
  thinnedFrom?: number;
}

/** Distribution of the model's output per bucket. */
export interface PredictionSeries {
  column: string;
  kind: 'categorical' | 'numeric';
  bucketMs: number;
  starts: number[];
  rows: number[];
  /** Categorical: the classes shown (most frequent over the range) and counts per bucket (`counts[c][b]`); the rest in `other`. */
  classes?: string[];
  counts?: number[][];
  other?: number[];
  /** Numeric: mean and population standard deviation per bucket (`null` when empty). */
  mean?: (number | null)[];
  std?: (number | null)[];
  /** Numeric: the reference's mean, for a baseline. */
  referenceMean?: number | null;
}

export interface ModelTimelineResponse {
  model: string;
  task: string | null;
  versions: string[];
  /** Versions that have events in the range. */
  activeVersions: string[];
  schema: { name: string; kind: string; role: string }[];
  bounds: { events: number; first: number | null; last: number | null };
  range: DashboardRange;
  /** The version asked for (`null`: all versions). */
  version: string | null;
  /** Traffic of the selection; with `compare`, one series per compared version. */
  traffic: TrafficSeries[];
  monitors: MonitorInfo[];
  series: MonitorSeries[];
  predictions: PredictionSeries[];
  hasReference: boolean;
  alerts: AlertCounts;
}

/** A histogram on shared edges: bin i is `(edges[i], edges[i+1]]` (as the store counts); values ≤ `edges[0]` and > the last edge are `outside`. */
export interface HistogramData {
  edges: number[];
  reference: number[] | null;
  current: number[];
  referenceOutside: [number, number] | null;
  currentOutside: [number, number];
}

/** Category counts of both sides: the categories shown and the rest. */
export interface CategoryData {
  categories: string[];
  reference: number[] | null;
  current: number[];
  otherReference: number;
  otherCurrent: number;
}

/** A data-quality finding of the monitors' windows on this feature. */
export interface FeatureFinding {
  type: string;
  severity: string;
  message: string;
  examples: string[];
  /** Windows that reported it, and the latest of them. */
  windows: number;
  lastWindowStart: number;
  lastWindowEnd: number;
  monitor: string;
  version: string | null;
}

export interface FeatureResponse {
  model: string;
  feature: string;
  kind: string;
  role: string;
  range: DashboardRange;
  version: string | null;
  /** Counts of the range (exact, from the store). */
  current: {
    rows: number;
    missing: number;
    /** Numeric: finite values below the reference minimum / above its maximum. */
    belowRange?: number;
    aboveRange?: number;
    min?: number | null;
    max?: number | null;
    mean?: number | null;
    std?: number | null;
    distinct?: number;
    /** Categorical: values absent from the reference (most frequent first, at most 10) and how often they occur. */
    newCategories?: { value: string; count: number }[];
    /** Distinct new values among the range's 500 most frequent. */
    newCategoryCount?: number;
  };
  reference: { rows: number; missing: number; min?: number | null; max?: number | null; mean?: number | null; std?: number | null; distinct?: number } | null;
  histogram?: HistogramData;
  categories?: CategoryData;
  /** Drift of this feature per window, one series per (monitor, version, method). */
  drift: { monitor: string; version: string | null; method: string | null; threshold: number | null; ends: number[]; starts: number[]; scores: (number | null)[]; pValues: (number | null)[]; detected: (0 | 1 | null)[] }[];
  /** Missing ratio per window (data-quality monitors). */
  missing: { monitor: string; version: string | null; ends: number[]; values: (number | null)[] }[];
  findings: FeatureFinding[];
}
