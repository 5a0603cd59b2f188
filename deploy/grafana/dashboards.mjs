#!/usr/bin/env node
/**
 * Generates the Grafana dashboards of deploy/grafana/dashboards/*.json (the
 * source of truth is this file: edit here, then run it).
 *
 *   node deploy/grafana/dashboards.mjs           # writes the JSON files
 *   node deploy/grafana/dashboards.mjs --check   # exit 1 when a file differs from what this generates
 *
 * Every PromQL expression of every panel and variable is executed against a
 * real Prometheus by examples/flights/test/demo.test.ts, with the variables
 * substituted: `$model` → flights, `$version` / `$feature` → their "All"
 * value `.+`, `$metric` → roc_auc, `$__rate_interval` → 1m, `offset 1d` → 5s
 * (Prometheus holds the test replay's seconds of data, not a day).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DS = { type: 'prometheus', uid: '${datasource}' };

let nextId = 1;
/** A panel at (x, y) of width w and height h with one target per expression. */
function panel(type, title, { x, y, w = 12, h = 8 }, targets, { unit, description, min, max, decimals, thresholds, options, stack } = {}) {
  const defaults = { unit: unit ?? 'short' };
  if (min !== undefined) defaults.min = min;
  if (max !== undefined) defaults.max = max;
  if (decimals !== undefined) defaults.decimals = decimals;
  if (thresholds) defaults.thresholds = { mode: 'absolute', steps: thresholds.map(([value, color]) => ({ value, color })) };
  if (type === 'timeseries') defaults.custom = { drawStyle: 'line', lineWidth: 1, fillOpacity: stack ? 30 : 10, showPoints: 'never', spanNulls: true, ...(stack ? { stacking: { mode: 'normal', group: 'A' } } : {}) };
  return {
    id: nextId++,
    type,
    title,
    ...(description ? { description } : {}),
    datasource: DS,
    gridPos: { x, y, w, h },
    targets: targets.map(([expr, legendFormat, extra], i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DS,
      expr,
      legendFormat: legendFormat ?? '__auto',
      range: type !== 'table',
      instant: type === 'table',
      ...(type === 'table' ? { format: 'table' } : {}),
      ...(extra ?? {}),
    })),
    fieldConfig: { defaults, overrides: [] },
    options: options ?? (type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } } : {}),
  };
}

function row(title, y) {
  return { id: nextId++, type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] };
}

const datasourceVar = { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: { text: 'Prometheus', value: 'prometheus' }, hide: 0, refresh: 1 };

/** A variable from `label_values(selector, label)`. */
function labelVar(name, label, metric, { multi = false, all = false } = {}) {
  const query = `label_values(${metric}, ${label})`;
  return {
    name,
    label: name[0].toUpperCase() + name.slice(1),
    type: 'query',
    datasource: DS,
    definition: query,
    query: { query, refId: `${name}-variable` },
    refresh: 2,
    sort: 1,
    multi,
    includeAll: all,
    ...(all ? { allValue: '.+', current: { text: 'All', value: '$__all' } } : {}),
    hide: 0,
  };
}

function customVar(name, values, label) {
  return {
    name,
    label,
    type: 'custom',
    query: values.join(','),
    current: { text: values[0], value: values[0] },
    options: values.map((v, i) => ({ text: v, value: v, selected: i === 0 })),
    multi: false,
    includeAll: false,
    hide: 0,
  };
}

function dashboard(uid, title, description, variables, panels, { from = 'now-3h' } = {}) {
  return {
    uid,
    title,
    description,
    tags: ['modelwatch'],
    editable: true,
    graphTooltip: 1,
    timezone: 'browser',
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from, to: 'now' },
    templating: { list: [datasourceVar, ...variables] },
    annotations: { list: [] },
    links: [{ title: 'modelwatch', type: 'dashboards', tags: ['modelwatch'], asDropdown: true, includeVars: true, keepTime: true }],
    panels,
  };
}

const R = '$__rate_interval';
const M = 'model="$model"';
const MV = 'model="$model",version=~"$version"';

// ---------------------------------------------------------------------------
// Service health: the model server (golden signals) and modelwatch serve.
nextId = 1;
const service = dashboard(
  'modelwatch-service-health',
  'modelwatch / Service health',
  'Golden signals of a model server instrumented with @modelwatch/node (traffic, errors, latency, saturation), its exporter, and modelwatch serve itself.',
  [labelVar('model', 'model', 'modelwatch_predictions_total'), labelVar('version', 'version', `modelwatch_predictions_total{${M}}`, { multi: true, all: true })],
  [
    row('Model server', 0),
    panel('timeseries', 'Predictions per second', { x: 0, y: 1, w: 8 }, [[`sum by (version, outcome) (rate(modelwatch_predictions_total{${MV}}[${R}]))`, '{{version}} {{outcome}}']], { unit: 'reqps' }),
    panel('timeseries', 'Error ratio', { x: 8, y: 1, w: 8 }, [[`sum by (version) (rate(modelwatch_predictions_total{${MV},outcome="error"}[${R}])) / sum by (version) (rate(modelwatch_predictions_total{${MV}}[${R}]))`, '{{version}}']], { unit: 'percentunit', min: 0 }),
    panel('timeseries', 'Latency p50 / p99', { x: 16, y: 1, w: 8 }, [
      [`histogram_quantile(0.5, sum by (version, le) (rate(modelwatch_prediction_latency_seconds_bucket{${MV}}[${R}])))`, 'p50 {{version}}'],
      [`histogram_quantile(0.99, sum by (version, le) (rate(modelwatch_prediction_latency_seconds_bucket{${MV}}[${R}])))`, 'p99 {{version}}'],
    ], { unit: 's' }),
    panel('timeseries', 'p99 latency vs the same time yesterday', { x: 0, y: 9, w: 8 }, [
      [`histogram_quantile(0.99, sum by (version, le) (rate(modelwatch_prediction_latency_seconds_bucket{${MV}}[30m])))`, 'today {{version}}'],
      [`histogram_quantile(0.99, sum by (version, le) (rate(modelwatch_prediction_latency_seconds_bucket{${MV}}[30m] offset 1d)))`, 'yesterday {{version}}'],
    ], { unit: 's', description: 'What the ModelPredictionLatencyRegression alert compares (deploy/service.rules.yml).' }),
    panel('stat', 'Model age (since load)', { x: 8, y: 9, w: 8 }, [[`time() - max by (version) (modelwatch_model_loaded_timestamp_seconds{${MV}})`, '{{version}}']], {
      unit: 's',
      thresholds: [[null, 'green'], [7 * 86400, 'yellow'], [30 * 86400, 'red']],
      options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none', textMode: 'value_and_name' },
    }),
    panel('table', 'Deployed versions', { x: 16, y: 9, w: 8 }, [[`max by (version, deps_hash) (modelwatch_model_info{${MV}})`]], {
      options: { showHeader: true },
      description: 'deps_hash changes with the dependencies and model files of a version.',
    }),
    panel('timeseries', 'CPU (cores)', { x: 0, y: 17, w: 8 }, [[`sum by (job) (rate(process_cpu_seconds_total{job=~"modelwatch|flights-model"}[${R}]))`, '{{job}}']], { unit: 'short' }),
    panel('timeseries', 'Resident memory', { x: 8, y: 17, w: 8 }, [[`max by (job) (process_resident_memory_bytes{job=~"modelwatch|flights-model"})`, '{{job}}']], { unit: 'bytes' }),
    panel('timeseries', 'Event-loop lag p99', { x: 16, y: 17, w: 8 }, [[`max by (job) (nodejs_eventloop_lag_p99_seconds{job=~"modelwatch|flights-model"})`, '{{job}}']], { unit: 's' }),
    row('Exporter (model server → modelwatch serve)', 25),
    panel('timeseries', 'Records sent per second', { x: 0, y: 26, w: 8 }, [[`sum by (kind) (rate(modelwatch_exporter_sent_total{${M}}[${R}]))`, '{{kind}}']], { unit: 'short' }),
    panel('timeseries', 'Queued records', { x: 8, y: 26, w: 8 }, [[`sum by (kind) (modelwatch_exporter_queue_size{${M}})`, '{{kind}}']], { unit: 'short' }),
    panel('timeseries', 'Dropped and failed per second', { x: 16, y: 26, w: 8 }, [
      [`sum by (kind, reason) (rate(modelwatch_exporter_dropped_total{${M}}[${R}]))`, 'dropped {{kind}} {{reason}}'],
      [`sum by (kind) (rate(modelwatch_exporter_retries_total{${M}}[${R}]))`, 'retried {{kind}}'],
    ], { unit: 'short' }),
    row('modelwatch serve', 34),
    panel('timeseries', 'Events and feedback ingested per second', { x: 0, y: 35, w: 8 }, [
      [`sum by (version) (rate(modelwatch_events_ingested_total{${M}}[${R}]))`, 'events {{version}}'],
      [`sum (rate(modelwatch_feedback_ingested_total{${M}}[${R}]))`, 'feedback'],
    ], { unit: 'short' }),
    panel('timeseries', 'API latency p99 by route', { x: 8, y: 35, w: 8 }, [[`histogram_quantile(0.99, sum by (route, le) (rate(modelwatch_http_request_duration_seconds_bucket{job="modelwatch"}[${R}])))`, '{{route}}']], { unit: 's' }),
    panel('timeseries', 'Monitor evaluation time p90', { x: 16, y: 35, w: 8 }, [[`histogram_quantile(0.9, sum by (monitor, le) (rate(modelwatch_monitor_evaluation_seconds_bucket{${M}}[${R}])))`, '{{monitor}}']], { unit: 's' }),
    panel('timeseries', 'Write queue', { x: 0, y: 43, w: 8 }, [
      ['sum (modelwatch_write_queue_events{job="modelwatch"})', 'events waiting'],
      ['sum (modelwatch_write_queue_requests{job="modelwatch"})', 'requests waiting'],
    ], { unit: 'short' }),
    panel('timeseries', 'Commit time p99', { x: 8, y: 43, w: 8 }, [[`histogram_quantile(0.99, sum by (kind, le) (rate(modelwatch_store_commit_duration_seconds_bucket{job="modelwatch"}[${R}])))`, '{{kind}}']], { unit: 's' }),
    panel('stat', 'Targets up', { x: 16, y: 43, w: 8 }, [['up{job=~"modelwatch|flights-model"}', '{{job}}']], {
      thresholds: [[null, 'red'], [1, 'green']],
      options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name' },
    }),
  ],
);

// ---------------------------------------------------------------------------
// Model health: what modelwatch serve computed for the latest windows.
nextId = 1;
const modelHealth = dashboard(
  'modelwatch-model-health',
  'modelwatch / Model health',
  'Drift, data quality and model quality of the latest evaluated window of each monitor (modelwatch serve; windows are over event time), with live input statistics from the model server.',
  [labelVar('model', 'model', 'modelwatch_window_events'), labelVar('version', 'version', `modelwatch_window_events{${M}}`, { multi: true, all: true })],
  [
    row('Drift', 0),
    panel('timeseries', 'Share of drifting features', { x: 0, y: 1, w: 8 }, [[`max by (version, monitor) (modelwatch_dataset_drift_share{${MV}})`, '{{monitor}} {{version}}']], { unit: 'percentunit', min: 0, max: 1 }),
    panel('timeseries', 'Features drifting (1 = drift)', { x: 8, y: 1, w: 8 }, [[`max by (feature) (modelwatch_feature_drift_detected{${MV}})`, '{{feature}}']], { min: 0, max: 1, decimals: 0 }),
    panel('timeseries', 'Prediction drift score', { x: 16, y: 1, w: 8 }, [[`max by (version, method) (modelwatch_prediction_drift_score{${MV}})`, '{{version}} ({{method}})']], {}),
    row('Data quality', 9),
    panel('timeseries', 'Missing values by feature (latest window)', { x: 0, y: 10, w: 8 }, [[`max by (feature) (modelwatch_feature_missing_ratio{${MV}})`, '{{feature}}']], { unit: 'percentunit', min: 0 }),
    panel('timeseries', 'Data-quality violations per event', { x: 8, y: 10, w: 8 }, [[`max by (version, monitor) (modelwatch_data_quality_violations{${MV}} / modelwatch_window_events{${MV}})`, '{{monitor}} {{version}}']], {
      unit: 'percentunit',
      min: 0,
      description: 'Type mismatches, unknown and missing columns, out-of-range values and new categories, per event of the window.',
    }),
    panel('timeseries', 'Missing values, live (model server)', { x: 16, y: 10, w: 8 }, [[`sum by (feature) (rate(modelwatch_feature_missing_total{${MV}}[${R}])) / scalar(sum(rate(modelwatch_predictions_total{${MV}}[${R}])))`, '{{feature}}']], {
      unit: 'percentunit',
      min: 0,
      description: 'From the SDK counters: no window to wait for.',
    }),
    row('Model quality (labelled events of the window)', 18),
    panel('timeseries', 'ROC AUC, F1, accuracy', { x: 0, y: 19, w: 8 }, [[`max by (version, monitor, metric) (modelwatch_model_quality{${MV},metric=~"roc_auc|f1|accuracy"})`, '{{metric}} {{version}} ({{monitor}})']], { min: 0, max: 1 }),
    panel('timeseries', 'Label coverage', { x: 8, y: 19, w: 8 }, [[`max by (version) (modelwatch_label_coverage_ratio{${MV}})`, '{{version}}']], { unit: 'percentunit', min: 0, max: 1 }),
    panel('timeseries', 'Label lag (median)', { x: 16, y: 19, w: 8 }, [[`max by (version) (modelwatch_label_lag_seconds{${MV}})`, '{{version}}']], { unit: 's' }),
    row('Windows and outputs', 27),
    panel('timeseries', 'Events in the latest window', { x: 0, y: 28, w: 8 }, [[`max by (version, monitor) (modelwatch_window_events{${MV}})`, '{{monitor}} {{version}}']], {}),
    panel('table', 'End of the latest window (event time)', { x: 8, y: 28, w: 8 }, [[`max by (version, monitor, window) (modelwatch_window_end_timestamp_seconds{${MV}}) * 1000`]], { unit: 'dateTimeAsIso' }),
    panel('timeseries', 'Share of "delayed" predictions and median score, live', { x: 16, y: 28, w: 8 }, [
      [`sum by (version) (rate(modelwatch_predicted_class_total{${MV},class="1"}[${R}])) / sum by (version) (rate(modelwatch_predicted_class_total{${MV}}[${R}]))`, 'positive share {{version}}'],
      [`histogram_quantile(0.5, sum by (version, le) (rate(modelwatch_prediction_score_bucket{${MV}}[${R}])))`, 'median score {{version}}'],
    ], { unit: 'percentunit', min: 0, max: 1 }),
  ],
);

// ---------------------------------------------------------------------------
// Per-feature drift.
nextId = 1;
const FV = 'model="$model",feature=~"$feature"';
const featureDrift = dashboard(
  'modelwatch-feature-drift',
  'modelwatch / Feature drift',
  'Per feature: drift score and verdict of the latest window, missing values (window and live), and the live category mix from the model server (top-K per feature).',
  [labelVar('model', 'model', 'modelwatch_feature_drift_score'), labelVar('feature', 'feature', `modelwatch_feature_drift_score{${M}}`, { multi: true, all: true })],
  [
    panel('timeseries', 'Drift score', { x: 0, y: 0, w: 12 }, [[`max by (feature, method) (modelwatch_feature_drift_score{${FV}})`, '{{feature}} ({{method}})']], { description: 'The method\'s statistic or distance; its threshold is in the monitor\'s configuration.' }),
    panel('state-timeline', 'Drift verdict', { x: 12, y: 0, w: 12 }, [[`max by (feature) (modelwatch_feature_drift_detected{${FV}})`, '{{feature}}']], {
      thresholds: [[null, 'green'], [1, 'red']],
      min: 0,
      max: 1,
      options: { showValue: 'never', mergeValues: true, rowHeight: 0.8 },
    }),
    panel('timeseries', 'Missing values (latest window)', { x: 0, y: 8, w: 12 }, [[`max by (feature) (modelwatch_feature_missing_ratio{${FV}})`, '{{feature}}']], { unit: 'percentunit', min: 0 }),
    panel('timeseries', 'Missing values, live (model server)', { x: 12, y: 8, w: 12 }, [[`sum by (feature) (rate(modelwatch_feature_missing_total{${FV}}[${R}])) / scalar(sum(rate(modelwatch_predictions_total{${M}}[${R}])))`, '{{feature}}']], { unit: 'percentunit', min: 0 }),
    panel('timeseries', 'Category mix, live (top-K, the rest __other__)', { x: 0, y: 16, w: 12, h: 10 }, [[`sum by (feature, category) (rate(modelwatch_feature_category_total{${FV}}[${R}])) / ignoring (category) group_left sum by (feature) (rate(modelwatch_feature_category_total{${FV}}[${R}]))`, '{{feature}}={{category}}']], { unit: 'percentunit', min: 0, stack: true }),
    panel('timeseries', 'Non-finite inputs per second, live', { x: 12, y: 16, w: 12, h: 10 }, [[`sum by (feature) (rate(modelwatch_feature_nonfinite_total{${FV}}[${R}]))`, '{{feature}}']], { description: 'NaN and ±Infinity in numeric features.' }),
  ],
);

// ---------------------------------------------------------------------------
// Version comparison: a canary against the incumbent.
nextId = 1;
const QUALITY = ['roc_auc', 'f1', 'accuracy', 'precision', 'recall', 'log_loss', 'brier'];
const versions = dashboard(
  'modelwatch-version-comparison',
  'modelwatch / Version comparison',
  'Model versions side by side (an A/B test or a canary): traffic, errors, latency, outputs and quality per version.',
  [labelVar('model', 'model', 'modelwatch_predictions_total'), customVar('metric', QUALITY, 'Quality metric')],
  [
    panel('timeseries', 'Traffic share', { x: 0, y: 0, w: 8 }, [[`sum by (version) (rate(modelwatch_predictions_total{${M}}[${R}])) / scalar(sum(rate(modelwatch_predictions_total{${M}}[${R}])))`, '{{version}}']], { unit: 'percentunit', min: 0, max: 1, stack: true }),
    panel('timeseries', 'Error ratio', { x: 8, y: 0, w: 8 }, [[`sum by (version) (rate(modelwatch_predictions_total{${M},outcome="error"}[${R}])) / sum by (version) (rate(modelwatch_predictions_total{${M}}[${R}]))`, '{{version}}']], { unit: 'percentunit', min: 0 }),
    panel('timeseries', 'Latency p99', { x: 16, y: 0, w: 8 }, [[`histogram_quantile(0.99, sum by (version, le) (rate(modelwatch_prediction_latency_seconds_bucket{${M}}[${R}])))`, '{{version}}']], { unit: 's' }),
    panel('timeseries', 'Share predicted "1", live', { x: 0, y: 8, w: 8 }, [[`sum by (version) (rate(modelwatch_predicted_class_total{${M},class="1"}[${R}])) / sum by (version) (rate(modelwatch_predicted_class_total{${M}}[${R}]))`, '{{version}}']], { unit: 'percentunit', min: 0, max: 1 }),
    panel('timeseries', 'Score quartiles, live', { x: 8, y: 8, w: 8 }, [
      [`histogram_quantile(0.25, sum by (version, le) (rate(modelwatch_prediction_score_bucket{${M}}[${R}])))`, 'q25 {{version}}'],
      [`histogram_quantile(0.5, sum by (version, le) (rate(modelwatch_prediction_score_bucket{${M}}[${R}])))`, 'median {{version}}'],
      [`histogram_quantile(0.75, sum by (version, le) (rate(modelwatch_prediction_score_bucket{${M}}[${R}])))`, 'q75 {{version}}'],
    ], { min: 0, max: 1 }),
    panel('timeseries', 'Prediction drift vs the reference', { x: 16, y: 8, w: 8 }, [[`max by (version, method) (modelwatch_prediction_drift_score{${M}})`, '{{version}} ({{method}})']], {}),
    panel('timeseries', 'Quality: $metric (latest labelled window)', { x: 0, y: 16, w: 12 }, [[`max by (version, monitor) (modelwatch_model_quality{${M},metric="$metric"})`, '{{version}} ({{monitor}})']], {}),
    panel('timeseries', 'Labelled events in the window', { x: 12, y: 16, w: 12 }, [[`max by (version, monitor) (modelwatch_window_events{${M}} * modelwatch_label_coverage_ratio{${M}})`, '{{version}} ({{monitor}})']], {
      description: 'How much evidence the quality numbers rest on: a 5% canary has a twentieth of the incumbent\'s labels.',
    }),
    panel('timeseries', 'Events ingested per second (modelwatch serve)', { x: 0, y: 24, w: 12 }, [[`sum by (version) (rate(modelwatch_events_ingested_total{${M}}[${R}]))`, '{{version}}']], {}),
    panel('table', 'Versions deployed', { x: 12, y: 24, w: 12 }, [[`max by (version, deps_hash) (modelwatch_model_info{${M}})`]], {}),
  ],
);

const files = {
  'service-health.json': service,
  'model-health.json': modelHealth,
  'feature-drift.json': featureDrift,
  'version-comparison.json': versions,
};

const dir = new URL('./dashboards/', import.meta.url);
const check = process.argv.includes('--check');
let stale = 0;
for (const [name, d] of Object.entries(files)) {
  const file = fileURLToPath(new URL(name, dir));
  const text = `${JSON.stringify(d, null, 2)}\n`;
  if (check) {
    let old = '';
    try {
      old = readFileSync(file, 'utf8');
    } catch {
      // missing
    }
    if (old !== text) {
      console.error(`${file} is not what deploy/grafana/dashboards.mjs generates: run node deploy/grafana/dashboards.mjs`);
      stale++;
    }
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
process.exit(stale ? 1 : 0);
