/**
 * Alert rules: where they come from, what they read from a monitor result, and
 * how a result becomes one value per series.
 *
 * A rule (`models.<m>.alerts[]`) names a monitor of the model and either a
 * `metric` (a result metric name) or an `expr` (see `expr.ts`) compared with
 * `threshold` by `op`. One rule has one **series** per model version (the
 * monitor's versions; `__all__` for monitors over all versions) and, for
 * per-feature metrics, per feature:
 *
 * - with `feature: amount`, names are read from that feature's metrics first,
 *   then from the result's metrics: one series per version;
 * - without `feature`, a rule that reads a per-feature-only metric
 *   (`drift_score`, `drift_detected`, `p_value` of drift monitors) has one series
 *   per version and feature; every other rule reads the result's metrics
 *   (`missing_ratio` of a data-quality monitor is then the whole window's).
 */
import { isQualityMetricName } from '@modelwatch/core';
import type { AlertRule, ModelwatchConfig, MonitorConfig, MonitorType } from '../config/types.js';
import { ALL_VERSIONS } from '../metrics/model-metrics.js';
import { apiAlertRules } from '../monitor/definitions.js';
import type { MonitorResult } from '../monitor/result.js';
import type { ModelRecord } from '../store/store.js';
import { canonicalJson } from '../util/canonical.js';
import { evalExpr, exprNames, exprProblem, parseExpr } from './expr.js';
import type { Expr } from './expr.js';

/**
 * The alert rules of a model. Every part of the server reads rules through this
 * function: the configuration's `models.<name>.alerts`, then (given the model's
 * record) those defined over the API whose name the configuration does not use
 * (`apiAlertRules`, `src/monitor/definitions.ts`).
 */
export function alertRulesOf(config: ModelwatchConfig, model: ModelRecord | string): AlertRule[] {
  const name = typeof model === 'string' ? model : model.name;
  const configured = config.models.find((m) => m.name === name)?.alerts ?? [];
  return typeof model === 'string' ? configured : [...configured, ...apiAlertRules(model, config)];
}

/** Metric names a monitor type produces: for the whole window, and per feature (`features[].metrics`). */
export interface ResultMetricNames {
  window: readonly string[];
  feature: readonly string[];
}

const COMMON = ['rows', 'evaluation_seconds'];
const DRIFT_FEATURE = ['drift_score', 'drift_detected', 'p_value'];

/** The metric names of each monitor type (see `monitor/result.ts`); model quality also has the core's quality metrics. */
export const RESULT_METRICS: Record<MonitorType, ResultMetricNames> = {
  feature_drift: { window: [...COMMON, 'dataset_drift_share', 'dataset_drift_detected', 'drifted_features', 'tested_features'], feature: DRIFT_FEATURE },
  prediction_drift: { window: [...COMMON, 'prediction_drift_score', 'prediction_drift_detected', 'prediction_drift_p_value'], feature: DRIFT_FEATURE },
  data_quality: {
    window: [
      ...COMMON,
      'missing_ratio',
      'type_violations',
      'unknown_columns',
      'missing_columns',
      'out_of_range_ratio',
      'new_category_ratio',
      'data_quality_violations',
      'error_ratio',
      'latency_p50_seconds',
      'latency_p99_seconds',
    ],
    feature: ['missing_ratio', 'type_violations', 'out_of_range_ratio', 'new_category_ratio'],
  },
  model_quality: { window: [...COMMON, 'labelled_rows', 'label_coverage_ratio', 'label_lag_seconds'], feature: [] },
};

/** Whether a monitor of this type produces the metric (for the window or per feature). */
export function isKnownMetric(type: MonitorType, name: string): boolean {
  const m = RESULT_METRICS[type];
  return m.window.includes(name) || m.feature.includes(name) || (type === 'model_quality' && isQualityMetricName(name));
}

/** Whether the name exists only per feature for this monitor type. */
export function isFeatureOnlyMetric(type: MonitorType, name: string): boolean {
  const m = RESULT_METRICS[type];
  return m.feature.includes(name) && !m.window.includes(name);
}

/** A rule ready to evaluate: its parsed expression and the names it reads. */
export interface CompiledRule {
  rule: AlertRule;
  /** `null` for a `metric` rule. */
  expr: Expr | null;
  names: string[];
  /** Identifies what the values of the rule's series mean: series of an older fingerprint are discarded. */
  fingerprint: string;
}

/** Parses a rule's expression (throws on a syntax error; configured rules are checked at start by {@link ruleProblems}). */
export function compileRule(rule: AlertRule, monitor?: MonitorConfig): CompiledRule {
  const expr = rule.expr !== undefined ? parseExpr(rule.expr) : null;
  const names = expr ? exprNames(expr) : rule.metric !== undefined ? [rule.metric] : [];
  return { rule, expr, names, fingerprint: ruleFingerprint(rule, monitor) };
}

/**
 * What a series' values depend on: the rule's monitor, metric, expression and
 * feature, and the definition of the monitor it reads (its type, window,
 * reference, columns, methods, thresholds, versions and sample limit: a
 * monitor redefined under the same name produces values that mean something
 * else). Not the rule's threshold, `op`, `for`, severity or channels: changing
 * those keeps the history and re-derives the states.
 */
export function ruleFingerprint(rule: AlertRule, monitor?: MonitorConfig): string {
  const m = monitor
    ? { type: monitor.type, window: monitor.window, reference: monitor.reference, columns: monitor.columns, methods: monitor.methods, thresholds: monitor.thresholds, versions: monitor.versions, sampleLimit: monitor.sampleLimit }
    : null;
  return canonicalJson([rule.monitor, rule.metric ?? null, rule.expr ?? null, rule.feature ?? null, m]);
}

/** A problem of a rule, with the field it concerns (`expr`, `metric`, `monitor`). */
export interface RuleProblem {
  field: 'expr' | 'metric' | 'monitor' | 'feature';
  message: string;
  /** A rule with an error cannot be evaluated; a warning only means it may never have a value. */
  level: 'error' | 'warning';
}

/**
 * Problems of a rule given its monitor's type (`undefined` when the monitor is
 * unknown): an expression that does not parse (error); metric names the
 * monitor does not produce, a `feature` on a monitor without per-feature
 * metrics (warnings: the rule would never have a value).
 */
export function ruleProblems(rule: AlertRule, monitorType: MonitorType | undefined): RuleProblem[] {
  const out: RuleProblem[] = [];
  let names: string[] = rule.metric !== undefined ? [rule.metric] : [];
  if (rule.expr !== undefined) {
    const p = exprProblem(rule.expr);
    if (p) return [{ field: 'expr', message: p, level: 'error' }];
    names = exprNames(parseExpr(rule.expr));
  }
  if (monitorType === undefined) {
    out.push({ field: 'monitor', message: `no monitor named "${rule.monitor}"`, level: 'warning' });
    return out;
  }
  for (const n of names) {
    if (!isKnownMetric(monitorType, n)) {
      out.push({ field: rule.expr !== undefined ? 'expr' : 'metric', message: `a ${monitorType} monitor has no metric "${n}"`, level: 'warning' });
    }
  }
  if (rule.feature !== undefined && RESULT_METRICS[monitorType].feature.length === 0) {
    out.push({ field: 'feature', message: `a ${monitorType} monitor has no per-feature metrics`, level: 'warning' });
  }
  return out;
}

/** Most series one rule gets from one result (per-feature rules on very wide models). */
export const MAX_SERIES_PER_RESULT = 1000;

/** One series' value in one window. */
export interface SeriesValue {
  /** `version=v1` or `version=v1,feature=amount` (values URI-encoded). */
  key: string;
  labels: Record<string, string>;
  feature?: string;
  /** The metric, or the expression's value; `null` = no value (the rule has no verdict for this window). */
  value: number | null;
  /** The metric values the rule read. */
  values: Record<string, number | null>;
}

export function seriesKey(version: string, feature?: string): string {
  const v = `version=${encodeURIComponent(version)}`;
  return feature === undefined ? v : `${v},feature=${encodeURIComponent(feature)}`;
}

/** The rule's series values in a result of its monitor (empty when the result is another monitor's). */
export function seriesOf(c: CompiledRule, result: MonitorResult): SeriesValue[] {
  const { rule } = c;
  if (result.monitor !== rule.monitor) return [];
  const version = result.version ?? ALL_VERSIONS;
  const base = { alertname: rule.name, model: result.model, monitor: result.monitor, version, severity: rule.severity };
  const windowValue = (name: string) => result.metrics[name];
  const compute = (lookup: (name: string) => number | null | undefined) => {
    const values: Record<string, number | null> = {};
    for (const n of c.names) {
      const v = lookup(n);
      values[n] = typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
    const value = c.expr ? evalWith(c.expr, values) : (values[c.names[0]] ?? null);
    return { value, values };
  };
  const perFeatureLookup = (metrics: Record<string, number | null>) => (name: string) => (Object.hasOwn(metrics, name) ? metrics[name] : windowValue(name));

  if (rule.feature !== undefined) {
    const f = result.features?.find((x) => x.feature === rule.feature);
    if (!f) return [];
    return [{ key: seriesKey(version, f.feature), labels: { ...base, feature: f.feature }, feature: f.feature, ...compute(perFeatureLookup(f.metrics)) }];
  }
  const perFeature = c.names.some((n) => isFeatureOnlyMetric(result.type, n));
  if (!perFeature) return [{ key: seriesKey(version), labels: base, ...compute(windowValue) }];
  const out: SeriesValue[] = [];
  for (const f of result.features ?? []) {
    if (out.length >= MAX_SERIES_PER_RESULT) break;
    out.push({ key: seriesKey(version, f.feature), labels: { ...base, feature: f.feature }, feature: f.feature, ...compute(perFeatureLookup(f.metrics)) });
  }
  return out;
}


function evalWith(e: Expr, values: Record<string, number | null>): number | null {
  return evalExpr(e, (n) => values[n]);
}

/** Syntax errors of the configured rules' expressions, named by setting (`models.fraud.alerts[1].expr`). */
export function configuredRuleErrors(config: ModelwatchConfig): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const m of config.models) {
    m.alerts.forEach((a, i) => {
      if (a.expr === undefined) return;
      const p = exprProblem(a.expr);
      if (p) out.push({ path: `models.${m.name}.alerts[${i}].expr`, message: p });
    });
  }
  return out;
}
