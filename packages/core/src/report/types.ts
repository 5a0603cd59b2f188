import type { ColumnKind, ColumnRole, Schema, Task } from '../data/schema.js';
import type { Label } from '../types.js';

/**
 * The Report: what `compare(reference, current)` returns, and what the CLI
 * writes with `--json`, the service returns from `/v1/models/{m}/report`, and
 * the dashboard and HTML report render. Plain JSON (non-finite numbers are
 * `null` after `JSON.stringify`; `reportToJSON` writes them as strings
 * `"NaN"`/`"Infinity"` only where a reason explains them).
 *
 * Versioned by `schemaVersion`: fields are only added within a major version;
 * renaming or removing a field increments it.
 */
export const REPORT_SCHEMA_VERSION = 1;

export interface Report {
  kind: 'modelwatch.report';
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  generator: string;
  reference: DatasetInfo;
  current: DatasetInfo;
  schema: Schema;
  drift: DatasetDrift;
  /** Drift of the prediction column, when the schema has one (also listed in `drift.columns`). */
  predictionDrift?: ColumnDrift;
  /** Drift of the target column, when the schema has one (also listed in `drift.columns`). */
  targetDrift?: ColumnDrift;
  dataQuality: DataQuality;
  /** Chart data per column: summaries only, never raw rows. */
  distributions: Record<string, Distribution>;
  /** Model quality, when target and prediction (or scores) exist. */
  modelQuality?: ModelQuality;
  /** Test-suite results, when the report was produced by a check. */
  tests?: SuiteResult;
  /** Extension point for later sections (sketches, multivariate drift, estimated quality). */
  extensions?: Record<string, unknown>;
}

export interface DatasetInfo {
  rows: number;
  /** File name, model window, or other origin, when known. */
  source?: string;
  /** The reference was a stored profile, not raw rows: some tests used binned equivalents. */
  profileOnly?: boolean;
  /** Rows sampled from `sampledFrom` rows (`--sample N`). */
  sampledFrom?: number;
  /** Event-time window of the data, when known (ISO 8601). */
  from?: string;
  to?: string;
}

export interface DatasetDrift {
  /** Share of drifting feature columns among the feature columns tested. */
  share: number;
  /** `share >= shareThreshold`. */
  detected: boolean;
  shareThreshold: number;
  /** Number of feature columns tested and drifting. */
  tested: number;
  drifted: number;
  /** Every tested column (features, prediction, scores, target) in schema order. */
  columns: ColumnDrift[];
  /** Columns not tested, and why (ids, timestamps, text, missing on one side). */
  skipped: { column: string; reason: string }[];
}

export interface ColumnDrift {
  column: string;
  kind: ColumnKind;
  role: ColumnRole;
  method: string;
  /** Statistic or distance; `null` when undefined (see `reason`). */
  value: number | null;
  /** p-value, `null` where the method has none or it is undefined. */
  pValue: number | null;
  threshold: number;
  /** `p_value`: drift when pValue < threshold; `distance`: drift when value >= threshold. */
  verdict: 'p_value' | 'distance';
  detected: boolean;
  /** Non-missing, finite values compared on each side. */
  nRef: number;
  nCur: number;
  /** Why the value is undefined. */
  reason?: string;
  /** How the p-value was computed (`exact`, `asymptotic`). */
  pValueMethod?: string;
  /** The method was chosen by the default rule (`auto`) or set by the user. */
  chosenBy: 'default' | 'user';
  /** How values were compared: raw samples, categories, bins on reference quantile edges, or distinct values. */
  basis: 'samples' | 'categories' | 'bins' | 'distinct_values' | 'profile_quantiles';
  /** Bin edges used when `basis` is `bins`. */
  edges?: number[];
  /** The value is an approximation (reference given as a profile); the note says how. */
  approximate?: boolean;
  note?: string;
  /** A p-value-based verdict on large samples: tiny p-values flag negligible changes. */
  warning?: string;
}

export type FindingType =
  | 'missing_column'
  | 'new_column'
  | 'missing_share_increase'
  | 'non_finite_values'
  | 'type_violations'
  | 'out_of_range'
  | 'new_categories'
  | 'vanished_categories'
  | 'constant_column'
  | 'duplicated_column'
  | 'correlation_change'
  | 'duplicate_rows'
  | 'empty_dataset';

export interface Finding {
  type: FindingType;
  severity: 'info' | 'warning' | 'error';
  /** The column concerned (`columns` for pairs). */
  column?: string;
  columns?: [string, string];
  message: string;
  reference?: number | null;
  current?: number | null;
  /** Example values (new categories, out-of-range values), bounded in number and length. */
  examples?: string[];
}

export interface ColumnStats {
  rows: number;
  missing: number;
  missingShare: number;
  nonFinite: number;
  typeViolations: number;
  distinct: number;
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  std?: number | null;
  median?: number | null;
  /** Most frequent category and its share (categorical columns). */
  top?: string | null;
  topShare?: number | null;
}

export interface ColumnQuality {
  column: string;
  kind: ColumnKind;
  role: ColumnRole;
  reference: ColumnStats | null;
  current: ColumnStats | null;
  /** Share of current values outside the reference's [min, max] (numeric). */
  outOfRangeShare?: number;
  newCategories?: { count: number; share: number; examples: string[] };
  vanishedCategories?: { count: number; examples: string[] };
}

export interface DataQuality {
  columns: ColumnQuality[];
  findings: Finding[];
  /** Pearson correlations between numeric features, on each side (pairs limited to the first 20 numeric features). */
  correlations?: { columns: string[]; reference: (number | null)[][]; current: (number | null)[][] };
  duplicateRows?: { reference: number | null; current: number };
}

export type Distribution =
  | {
      type: 'histogram';
      /** Plotting bin edges, ascending; bin i is [edges[i], edges[i+1]) and the last bin includes its upper edge. */
      edges: number[];
      reference: number[];
      current: number[];
      /** Values below the first / above the last edge (tails outside the plotted range). */
      referenceOutside: [number, number];
      currentOutside: [number, number];
    }
  | {
      type: 'categories';
      /** Categories by descending combined share; the rest folded into `otherReference` / `otherCurrent`. */
      categories: string[];
      reference: number[];
      current: number[];
      otherReference: number;
      otherCurrent: number;
    };

export interface MetricValue {
  name: string;
  /** `null` when undefined, see reason. */
  reference: number | null;
  current: number | null;
  reason?: string;
  higherIsBetter: boolean;
}

export interface ModelQuality {
  task: Task;
  target: string;
  prediction?: string;
  scores?: string[];
  positiveLabel?: Label;
  /** Rows with both target and prediction present. */
  nRef: number;
  nCur: number;
  metrics: MetricValue[];
  confusionMatrix?: { labels: Label[]; reference: number[][] | null; current: number[][] };
  rocCurve?: { reference: Curve | null; current: Curve | null };
  prCurve?: { reference: Curve | null; current: Curve | null };
  /** Histogram of residuals (prediction − target) on shared `edges` (regression). */
  residuals?: { edges: number[]; reference: number[] | null; current: number[] };
  /**
   * Predicted vs actual of the current data as a 2-D count grid (regression), on one
   * shared axis: `counts[i][j]` counts rows whose prediction lies in bin i of
   * `xEdges` and whose target lies in bin j of `yEdges` (30 equal-width bins over
   * the range of both).
   */
  predictedVsActual?: { xEdges: number[]; yEdges: number[]; counts: number[][] };
}

export interface Curve {
  x: number[];
  y: number[];
  auc?: number | null;
}

export type TestStatus = 'pass' | 'warn' | 'fail' | 'error';

export interface TestResult {
  name: string;
  status: TestStatus;
  message: string;
  /** The condition as written, e.g. `drift.share < 0.3`. */
  condition: string;
  value?: number | string | boolean | null;
  column?: string;
}

export interface SuiteResult {
  name: string;
  status: TestStatus;
  counts: Record<TestStatus, number>;
  tests: TestResult[];
}
