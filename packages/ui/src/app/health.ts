/** Reading monitor results for status cells: which result, which metric, good or bad. */
import type { MetricTrend, ResultStatus } from '../dashboard-types.js';

/** Model-quality metrics shown as the headline, in order of preference (the first a model's results have). */
export const QUALITY_HEADLINE = ['roc_auc', 'accuracy', 'f1_macro', 'f1', 'r2', 'rmse', 'mae'];

/** Metrics where smaller is better. */
const LOWER_IS_BETTER = new Set(['log_loss', 'brier', 'mae', 'mse', 'rmse', 'mape', 'median_ae', 'max_error', 'label_lag_seconds']);
export const lowerIsBetter = (metric: string) => LOWER_IS_BETTER.has(metric);

/** Result metrics of model-quality monitors that are not quality metrics. */
export const NOT_QUALITY = new Set(['rows', 'evaluation_seconds', 'labelled_rows', 'label_coverage_ratio', 'label_lag_seconds']);

export function headlineQualityMetric(statuses: readonly { metrics: Record<string, number | null> }[]): string | null {
  return QUALITY_HEADLINE.find((m) => statuses.some((s) => s.metrics[m] !== undefined && s.metrics[m] !== null)) ?? null;
}

/**
 * The result a status cell shows among the latest ones of a monitor type: a
 * monitor over all versions if there is one, else the version whose `metric`
 * is worst (highest, or lowest when `higherIsWorse` is false); results without
 * the metric come last.
 */
export function worstOf(statuses: readonly ResultStatus[], type: ResultStatus['type'], metric: string, higherIsWorse = true): ResultStatus | null {
  const mine = statuses.filter((s) => s.type === type);
  if (mine.length === 0) return null;
  const all = mine.find((s) => s.version === null && s.metrics[metric] !== null && s.metrics[metric] !== undefined);
  if (all) return all;
  let best: ResultStatus | null = null;
  for (const s of mine) {
    const v = s.metrics[metric];
    if (v === null || v === undefined) continue;
    const b = best?.metrics[metric];
    if (best === null || b === null || b === undefined || (higherIsWorse ? v > b : v < b) || (v === b && s.windowEnd > best.windowEnd)) best = s;
  }
  return best ?? mine.reduce((a, b) => (b.windowEnd > a.windowEnd ? b : a));
}

/** The trend of the same (monitor, version) as a status, for its sparkline. */
export function trendOf(trends: readonly MetricTrend[], s: ResultStatus | null, metric: string): MetricTrend | null {
  if (!s) return null;
  return trends.find((t) => t.monitor === s.monitor && t.version === s.version && t.metric === metric) ?? null;
}
