/**
 * What a monitor produces for one window: the payload of a stored
 * {@link ResultRecord}, the input of alert rules, of the Prometheus export and of
 * the dashboard. This shape is a contract between those parts: change it only
 * together with all of them.
 *
 * Flat named numbers (`metrics`, and `features[].metrics` per feature) are what
 * alert rules address (`metric: dataset_drift_share`, or `metric: drift_score`
 * with `feature: amount`); everything else is context for people.
 */
import type { ColumnKind, Finding } from '@modelwatch/core';
import type { MonitorType, WindowType } from '../config/types.js';

/** Bumped when the payload shape changes incompatibly. */
export const MONITOR_RESULT_VERSION = 1;

/**
 * Metric names of {@link MonitorResult.metrics}, by monitor type. A metric that
 * cannot be computed for a window (no rows, no labels) is `null`.
 *
 * - every type: `rows` (events in the window), `evaluation_seconds`.
 * - `feature_drift`: `dataset_drift_share` (drifted / tested features),
 *   `dataset_drift_detected` (0/1), `drifted_features`, `tested_features`.
 * - `prediction_drift`: `prediction_drift_score`, `prediction_drift_detected`
 *   (0/1), `prediction_drift_p_value` (null when the method has none).
 * - `data_quality`: `missing_ratio` (missing cells / cells over the monitored
 *   columns), `data_quality_violations` (type violations + unknown + missing
 *   columns counted at ingest + out-of-range + new categories), `type_violations`,
 *   `out_of_range_ratio` (max over numeric columns), `new_category_ratio` (max
 *   over categorical columns), `error_ratio` (events flagged `error`),
 *   `latency_p50_seconds`, `latency_p99_seconds`… where the data allows.
 * - `model_quality`: the task's metrics by their registry names (`accuracy`,
 *   `precision`, `recall`, `f1`, `roc_auc`, `log_loss`… or `mae`, `rmse`,
 *   `mape`, `r2`…), `label_coverage_ratio` (labelled / rows),
 *   `label_lag_seconds` (median of label time − event time over labelled events),
 *   `labelled_rows`.
 */
export type MetricValues = Record<string, number | null>;

/** Per-feature numbers (drift and data quality) of one window. */
export interface FeatureResult {
  feature: string;
  kind: ColumnKind;
  /** Drift method by the spec's name (`wasserstein_normed`, `jensen_shannon`, …); absent for data-quality-only results. */
  method?: string;
  threshold?: number;
  /**
   * Named numbers for alert rules and the Prometheus export:
   * `drift_score`, `drift_detected` (0/1), `p_value`, `missing_ratio`,
   * `out_of_range_ratio`, `new_category_ratio`, `type_violations`.
   */
  metrics: MetricValues;
  /** Sample sizes behind the drift test (after sampling). */
  nRef?: number;
  nCur?: number;
  /** Why the feature was not tested, when it was not. */
  skipped?: string;
}

/** How the rows of the window were read. */
export interface SamplingRecord {
  /** Rows in the window. */
  total: number;
  /** Rows used. */
  size: number;
  sampled: boolean;
  /** `all`, or `hash`: the rows with the smallest hash of (seed, id, ts). */
  method: 'all' | 'hash';
  limit: number;
}

export interface MonitorResult {
  resultVersion: typeof MONITOR_RESULT_VERSION;
  type: MonitorType;
  monitor: string;
  model: string;
  /** `null` when the monitor evaluates all versions together. */
  version: string | null;
  window: {
    type: WindowType;
    /** Inclusive start, epoch ms. */
    start: number;
    /** Exclusive end, epoch ms. */
    end: number;
    /** The `window` label of exported metrics, e.g. `1h`, `1d`, `cumulative`. */
    label: string;
  };
  reference: {
    /** The stored reference, or the window before this one. */
    kind: 'reference' | 'previous';
    rows: number;
    /** Only a profile was available: binned equivalents were used for exact tests. */
    profileOnly?: boolean;
    /** For `previous`: the rows used when the previous window was sampled (fewer than `rows`). */
    sampledRows?: number;
    /** For `previous`: the window compared against. */
    start?: number;
    end?: number;
  } | null;
  /** Present when rows were read from the store (absent for aggregate-only monitors). */
  sampling?: SamplingRecord;
  metrics: MetricValues;
  /** Per feature (drift and data-quality monitors). */
  features?: FeatureResult[];
  /** Data-quality findings of the core (missing-share change, new categories, …). */
  findings?: Finding[];
  /** Why the window has no verdict (no rows, no reference, no labels). */
  note?: string;
  /** When the evaluation ran, epoch ms (wall clock). */
  computedAt: number;
}

/** Called after results are stored (alerts, Prometheus export, dashboard push). */
export type ResultListener = (results: readonly MonitorResult[]) => void | Promise<void>;
