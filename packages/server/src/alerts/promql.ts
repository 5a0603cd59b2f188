/**
 * modelwatch alert rules as Prometheus alerting rules (`modelwatch rules`), over
 * the gauges the service exports on `/metrics` (see `metrics/model-metrics.ts`).
 *
 * A rule's metric names map to gauges by the monitor's type:
 *
 * | metric | gauge |
 * |---|---|
 * | `rows` (any monitor) | `modelwatch_window_events` |
 * | `dataset_drift_share`, `dataset_drift_detected` | `modelwatch_dataset_drift_share`, `…_detected` |
 * | `drift_score`, `drift_detected` per feature (feature drift) | `modelwatch_feature_drift_score`, `…_detected` |
 * | `prediction_drift_score`, `prediction_drift_detected` | `modelwatch_prediction_drift_score`, `…_detected` |
 * | `data_quality_violations` | `modelwatch_data_quality_violations` |
 * | `missing_ratio` per feature (data quality) | `modelwatch_feature_missing_ratio` |
 * | quality metrics (`f1`, `roc_auc`, `rmse`, …) | `modelwatch_model_quality{metric="…"}` |
 * | `label_coverage_ratio`, `label_lag_seconds` | `modelwatch_label_coverage_ratio`, `modelwatch_label_lag_seconds` |
 *
 * Other metric names (`p_value`, `drifted_features`, `error_ratio`, the
 * window-wide `missing_ratio`, …) are not exported, so rules reading them
 * cannot be translated; neither can `min`/`max` of two metrics, nor an
 * expression without any metric. Such rules are reported, never approximated.
 *
 * Expressions translate operator by operator: arithmetic as PromQL
 * arithmetic with `on(model, version, monitor, window[, feature])` matching
 * (`group_left`/`group_right` between a per-feature and a window metric),
 * comparisons with `bool` (1/0 like modelwatch), `and`/`or`/`not` on those
 * 1/0 values, `abs`, `min`/`max` with a constant as `clamp_max`/`clamp_min`;
 * constant parts are computed. One difference remains and is noted in the
 * rule's annotations: a division by zero gives no value in modelwatch and
 * ±Inf/NaN in PromQL.
 *
 * `for` keeps its duration, but Prometheus measures it in its own evaluation
 * time, while modelwatch measures it in event time (window ends); they agree
 * when windows are evaluated as they close.
 */
import { isQualityMetricName } from '@modelwatch/core';
import type { AlertRule, ModelConfig, ModelwatchConfig, MonitorType } from '../config/types.js';
import { formatDuration } from '../config/units.js';
import { evalExpr, parseExpr } from './expr.js';
import type { Expr } from './expr.js';
import { isFeatureOnlyMetric, RESULT_METRICS } from './rules.js';

/** One Prometheus alerting rule. */
export interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PrometheusRuleGroup {
  name: string;
  rules: PrometheusRule[];
}

/** A rule that has no PromQL equivalent, and why. */
export interface UntranslatedRule {
  model: string;
  rule: string;
  reason: string;
}

const NOT_QUALITY = new Set(['rows', 'evaluation_seconds', 'label_coverage_ratio', 'label_lag_seconds', 'labelled_rows']);
const BASE = ['model', 'version', 'monitor', 'window'];
/** Types of the default monitors (named after their type) for models that configure none. */
const DEFAULT_TYPES = new Set<MonitorType>(['data_quality', 'feature_drift', 'prediction_drift', 'model_quality']);

type Level = 'window' | 'feature';
/** A translated sub-expression: PromQL text, and whether it is a constant or a vector of window or per-feature series. */
type Piece = { kind: 'number'; value: number } | { kind: 'vector'; level: Level; text: string; atom?: boolean };

class Untranslatable extends Error {}

/** A PromQL string literal. */
export function promString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function promNumber(x: number): string {
  if (!Number.isFinite(x)) throw new Untranslatable('a constant part of the expression is not finite');
  return String(x);
}

/** The gauge selector of a metric name at a level, or null when not exported. */
function gauge(type: MonitorType, name: string, level: Level, base: Record<string, string>): string | null {
  const sel = (metric: string, extra: Record<string, string> = {}) =>
    `${metric}{${Object.entries({ ...base, ...extra })
      .map(([k, v]) => `${k}=${promString(v)}`)
      .join(',')}}`;
  if (level === 'feature') {
    if (type === 'feature_drift' && name === 'drift_score') return sel('modelwatch_feature_drift_score');
    if (type === 'feature_drift' && name === 'drift_detected') return sel('modelwatch_feature_drift_detected');
    if (type === 'data_quality' && name === 'missing_ratio') return sel('modelwatch_feature_missing_ratio');
    return null;
  }
  if (name === 'rows') return sel('modelwatch_window_events');
  switch (type) {
    case 'feature_drift':
      if (name === 'dataset_drift_share') return sel('modelwatch_dataset_drift_share');
      if (name === 'dataset_drift_detected') return sel('modelwatch_dataset_drift_detected');
      return null;
    case 'prediction_drift':
      if (name === 'prediction_drift_score') return sel('modelwatch_prediction_drift_score');
      if (name === 'prediction_drift_detected') return sel('modelwatch_prediction_drift_detected');
      return null;
    case 'data_quality':
      return name === 'data_quality_violations' ? sel('modelwatch_data_quality_violations') : null;
    case 'model_quality':
      if (name === 'label_coverage_ratio') return sel('modelwatch_label_coverage_ratio');
      if (name === 'label_lag_seconds') return sel('modelwatch_label_lag_seconds');
      if (!NOT_QUALITY.has(name) && isQualityMetricName(name)) return sel('modelwatch_model_quality', { metric: name });
      return null;
  }
}

/** Vector matching between two pieces. */
function matching(a: Level, b: Level): string {
  if (a === b) return `on(${[...BASE, ...(a === 'feature' ? ['feature'] : [])].join(', ')})`;
  return `on(${BASE.join(', ')}) ${a === 'feature' ? 'group_left' : 'group_right'}`;
}

const wrap = (p: Piece) => (p.kind === 'number' ? promNumber(p.value) : p.atom ? p.text : `(${p.text})`);

function binary(a: Piece, op: string, b: Piece, bool = false): Piece {
  if (a.kind === 'number' && b.kind === 'number') throw new Error('constants are folded before');
  const o = bool ? `${op} bool` : op;
  if (a.kind === 'vector' && b.kind === 'vector') return { kind: 'vector', level: a.level === 'feature' || b.level === 'feature' ? 'feature' : 'window', text: `${wrap(a)} ${o} ${matching(a.level, b.level)} ${wrap(b)}` };
  const level = a.kind === 'vector' ? a.level : (b as Extract<Piece, { kind: 'vector' }>).level;
  return { kind: 'vector', level, text: `${wrap(a)} ${o} ${wrap(b)}` };
}

/** 1 where a piece is non-zero, 0 elsewhere. */
const truthy = (p: Piece): Piece => (p.kind === 'number' ? { kind: 'number', value: p.value !== 0 ? 1 : 0 } : binary(p, '!=', { kind: 'number', value: 0 }, true));

function translate(e: Expr, ctx: { type: MonitorType; base: Record<string, string>; perFeature: boolean; feature?: string }): Piece {
  // Constant parts are computed as modelwatch computes them.
  if (!hasName(e)) {
    const v = evalExpr(e, () => null);
    if (v === null) throw new Untranslatable('a constant part of the expression has no value (division by zero?)');
    return { kind: 'number', value: v };
  }
  switch (e.type) {
    case 'number':
      return { kind: 'number', value: e.value };
    case 'name': {
      const level: Level = ctx.perFeature && RESULT_METRICS[ctx.type].feature.includes(e.name) ? 'feature' : 'window';
      const base = level === 'feature' && ctx.feature !== undefined ? { ...ctx.base, feature: ctx.feature } : ctx.base;
      const text = gauge(ctx.type, e.name, level, base);
      if (!text) throw new Untranslatable(`"${e.name}"${level === 'feature' ? ' per feature' : ''} of a ${ctx.type} monitor is not exported to Prometheus`);
      return { kind: 'vector', level, text, atom: true };
    }
    case 'unary': {
      const a = translate(e.arg, ctx);
      if (e.op === '-') return a.kind === 'number' ? { kind: 'number', value: -a.value } : { kind: 'vector', level: a.level, text: `-${wrap(a)}` };
      return binary(a, '==', { kind: 'number', value: 0 }, true);
    }
    case 'call': {
      const args = e.args.map((x) => translate(x, ctx));
      if (e.fn === 'abs') {
        const a = args[0];
        return a.kind === 'number' ? { kind: 'number', value: Math.abs(a.value) } : { kind: 'vector', level: a.level, text: `abs(${a.text})` };
      }
      const vectors = args.filter((a): a is Extract<Piece, { kind: 'vector' }> => a.kind === 'vector');
      const constants = args.filter((a): a is Extract<Piece, { kind: 'number' }> => a.kind === 'number').map((a) => a.value);
      if (vectors.length !== 1) throw new Untranslatable(`${e.fn}() of ${vectors.length} metrics has no PromQL equivalent (only ${e.fn} of one metric and constants)`);
      const bound = e.fn === 'min' ? Math.min(...constants) : Math.max(...constants);
      return { kind: 'vector', level: vectors[0].level, text: `${e.fn === 'min' ? 'clamp_max' : 'clamp_min'}(${vectors[0].text}, ${promNumber(bound)})` };
    }
    case 'binary': {
      const a = translate(e.left, ctx);
      const b = translate(e.right, ctx);
      switch (e.op) {
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
          return binary(a, e.op, b);
        case '<':
        case '<=':
        case '>':
        case '>=':
        case '==':
        case '!=':
          return binary(a, e.op, b, true);
        case 'and':
          return binary(truthy(a), '*', truthy(b));
        case 'or': {
          const sum = binary(truthy(a), '+', truthy(b));
          return sum.kind === 'vector' ? { kind: 'vector', level: sum.level, text: `clamp_max(${sum.text}, 1)` } : sum;
        }
      }
    }
  }
}

function hasName(e: Expr): boolean {
  switch (e.type) {
    case 'name':
      return true;
    case 'number':
      return false;
    case 'unary':
      return hasName(e.arg);
    case 'binary':
      return hasName(e.left) || hasName(e.right);
    case 'call':
      return e.args.some(hasName);
  }
}

function usesDivision(e: Expr): boolean {
  switch (e.type) {
    case 'binary':
      return e.op === '/' || e.op === '%' || usesDivision(e.left) || usesDivision(e.right);
    case 'unary':
      return usesDivision(e.arg);
    case 'call':
      return e.args.some(usesDivision);
    default:
      return false;
  }
}

/** The monitor type a rule reads (configured monitors, or a default monitor named after its type). */
function monitorType(model: ModelConfig, monitor: string): MonitorType | undefined {
  const m = model.monitors.find((x) => x.name === monitor);
  if (m) return m.type;
  return model.monitors.length === 0 && DEFAULT_TYPES.has(monitor as MonitorType) ? (monitor as MonitorType) : undefined;
}

/** The PromQL condition of one rule, or why there is none. */
export function rulePromQL(model: ModelConfig, rule: AlertRule): { expr: string; value: string; divides: boolean } | { error: string } {
  const type = monitorType(model, rule.monitor);
  if (!type) return { error: `no monitor named "${rule.monitor}"` };
  const base = { model: model.name, monitor: rule.monitor };
  let e: Expr;
  try {
    e = rule.expr !== undefined ? parseExpr(rule.expr) : { type: 'name', name: rule.metric ?? '' };
  } catch (err) {
    return { error: `the expression does not parse: ${(err as Error).message}` };
  }
  if (!hasName(e)) return { error: 'the expression reads no metric' };
  const names: string[] = [];
  const collect = (x: Expr) => {
    if (x.type === 'name') names.push(x.name);
    else if (x.type === 'unary') collect(x.arg);
    else if (x.type === 'binary') (collect(x.left), collect(x.right));
    else if (x.type === 'call') x.args.forEach(collect);
  };
  collect(e);
  const perFeature = rule.feature !== undefined || names.some((n) => isFeatureOnlyMetric(type, n));
  try {
    const p = translate(e, { type, base, perFeature, feature: rule.feature });
    if (p.kind !== 'vector') return { error: 'the expression reads no metric' };
    const threshold = promNumber(rule.threshold);
    return { expr: `${wrap(p)} ${rule.op} ${threshold}`, value: p.text, divides: usesDivision(e) };
  } catch (err) {
    if (err instanceof Untranslatable) return { error: err.message };
    throw err;
  }
}

/** Every configured alert rule as Prometheus alerting rules (one group per model), and the rules that have none. */
export function prometheusRules(config: ModelwatchConfig): { groups: PrometheusRuleGroup[]; untranslated: UntranslatedRule[] } {
  const groups: PrometheusRuleGroup[] = [];
  const untranslated: UntranslatedRule[] = [];
  for (const model of config.models) {
    if (model.alerts.length === 0) continue;
    const rules: PrometheusRule[] = [];
    for (const rule of model.alerts) {
      const t = rulePromQL(model, rule);
      if ('error' in t) {
        untranslated.push({ model: model.name, rule: rule.name, reason: t.error });
        continue;
      }
      const what = rule.metric ?? rule.expr ?? '';
      const where = `{{ $labels.model }} version {{ $labels.version }}${rule.feature !== undefined || t.value.includes('feature') ? '{{ with $labels.feature }} feature {{ . }}{{ end }}' : ''}`;
      const annotations: Record<string, string> = {
        summary: `${rule.name}: ${what} ${rule.op} ${rule.threshold} on ${where} (value {{ $value }})`,
        description:
          `${what} = {{ $value }} ${rule.op} ${rule.threshold} in the latest ${'{{ $labels.window }}'} window of monitor ${rule.monitor} (${where}).` +
          (rule.forMs > 0 ? ` Held for ${formatDuration(rule.forMs)} of Prometheus evaluation time (modelwatch itself counts event time).` : ''),
      };
      if (t.divides) annotations.note = 'A division by zero gives no value in modelwatch and ±Inf/NaN in PromQL.';
      rules.push({
        alert: rule.name,
        expr: t.expr,
        ...(rule.forMs > 0 ? { for: formatDuration(rule.forMs) } : {}),
        labels: { severity: rule.severity },
        annotations,
      });
    }
    groups.push({ name: `modelwatch:${model.name}`, rules });
  }
  return { groups, untranslated };
}
