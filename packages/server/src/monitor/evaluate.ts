/**
 * Evaluating monitors on one window: the numbers come from the core's
 * `compare()` run on a core Table of the window's rows (sampled jointly above
 * the monitor's `sampleLimit`) against the model's reference, so that monitors,
 * the report endpoint and `modelwatch report` agree on the same rows. Exact
 * counts over the whole window (rows, missing values, ingest-time type
 * violations and unknown / missing columns, errors, latency, label coverage and
 * lag) are pushed down to the store and never sampled.
 *
 * Monitors that read the same rows the same way (see `groupKey`) are evaluated
 * together: one read, one comparison over the union of their columns. Each
 * column's numbers depend only on that column, so every monitor gets what a
 * comparison of its own columns gives.
 */
import { compare } from '@modelwatch/core';
import type { ColumnSchema, CompareOptions, Finding, Profile, Report, Schema, Table } from '@modelwatch/core';
import type { ReferenceProvider } from '../reference/types.js';
import type { DataQualitySummary, ModelRecord, Store, WindowQuery, WindowSummary, WindowTable } from '../store/store.js';
import { monitorColumns, qualityColumns } from './definitions.js';
import type { ResolvedMonitor } from './definitions.js';
import { compareOptionsFor } from './options.js';
import { MONITOR_RESULT_VERSION } from './result.js';
import type { FeatureResult, MetricValues, MonitorResult, SamplingRecord } from './result.js';
import { CUMULATIVE_ORIGIN, previousWindow, windowEndingAt, windowLabel } from './windows.js';
import type { WindowBounds } from './windows.js';

/** Seed of the joint window sample: the rows kept are those with the smallest md5 of (seed, id, ts). */
export const MONITOR_SAMPLE_SEED = 'modelwatch';

/** What evaluation reads. */
export interface EvaluationContext {
  store: Store;
  references: ReferenceProvider;
}

/** One window of a group of monitors that read the same rows the same way. */
export interface WindowTask {
  model: ModelRecord;
  monitors: readonly ResolvedMonitor[];
  /** `null`: all versions together. */
  version: string | null;
  /** The window's end (exclusive), a multiple of the window's `everyMs`. */
  end: number;
}

/** A reference ready for `compare()`, or why there is none. */
type ResolvedReference =
  | { data: Table | Profile; info: NonNullable<MonitorResult['reference']>; source: string; sampledFrom?: number }
  | { data: null; info: NonNullable<MonitorResult['reference']> | null; note: string };

const iso = (ms: number) => new Date(ms).toISOString();
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** The schema restricted to some columns (task and positive label kept). */
export function subSchema(model: ModelRecord, columns: readonly ColumnSchema[]): Schema {
  const task = model.task ?? model.schema.task;
  const names = new Set(columns.map((c) => c.name));
  return { ...model.schema, ...(task ? { task } : {}), columns: model.schema.columns.filter((c) => names.has(c.name)) };
}

/** A table restricted to the named columns it has. */
function selectColumns(table: Table, names: readonly string[]): Table {
  const out: Table = { names: [], columns: [], numRows: table.numRows };
  for (const n of names) {
    const i = table.names.indexOf(n);
    if (i < 0) continue;
    out.names.push(n);
    out.columns.push(table.columns[i]);
  }
  return out;
}

function samplingOf(t: WindowTable, limit: number): SamplingRecord {
  return { total: t.total, size: t.size, sampled: t.sampled, method: t.method, limit };
}

/**
 * Evaluates the monitors of a task on its window. Never throws for what the data
 * or the settings cause (no rows, no reference, a method that does not fit a
 * column): those results carry a `note` and `null` metrics. Store failures throw.
 */
export async function evaluateWindow(ctx: EvaluationContext, task: WindowTask): Promise<MonitorResult[]> {
  const started = performance.now();
  const labelled = task.monitors.filter((m) => m.type === 'model_quality');
  const events = task.monitors.filter((m) => m.type !== 'model_quality');
  const results: MonitorResult[] = [];
  if (events.length > 0) results.push(...(await evaluateEventMonitors(ctx, { ...task, monitors: events })));
  if (labelled.length > 0) results.push(...(await evaluateModelQuality(ctx, { ...task, monitors: labelled })));
  const seconds = (performance.now() - started) / 1000;
  for (const r of results) r.metrics.evaluation_seconds = seconds;
  return results;
}

/** The skeleton of a result: identity, window, no numbers yet. */
function baseResult(task: WindowTask, m: ResolvedMonitor, w: WindowBounds, firstTs: number, rows: number): MonitorResult {
  const cumulative = m.window.type === 'cumulative';
  return {
    resultVersion: MONITOR_RESULT_VERSION,
    type: m.type,
    monitor: m.name,
    model: task.model.name,
    version: task.version,
    window: { type: m.window.type, start: cumulative && Number.isFinite(firstTs) ? firstTs : w.start, end: w.end, label: windowLabel(m.window) },
    reference: null,
    metrics: { rows },
    computedAt: Date.now(),
  };
}

/** Null metrics of a type, for windows without a verdict. */
function nullMetrics(type: ResolvedMonitor['type']): MetricValues {
  switch (type) {
    case 'feature_drift':
      return { dataset_drift_share: null, dataset_drift_detected: null, drifted_features: null, tested_features: null };
    case 'prediction_drift':
      return { prediction_drift_score: null, prediction_drift_detected: null, prediction_drift_p_value: null };
    default:
      return {};
  }
}

async function resolveReference(
  ctx: EvaluationContext,
  task: WindowTask,
  m: ResolvedMonitor,
  w: WindowBounds,
  names: readonly string[],
  labelledOnly: boolean,
): Promise<ResolvedReference> {
  if (m.reference === 'reference') {
    const stored = await ctx.references.get(task.model.name);
    if (stored) {
      const info: NonNullable<MonitorResult['reference']> = { kind: 'reference', rows: stored.rows };
      if (!stored.table) info.profileOnly = true;
      return { data: stored.table ? selectColumns(stored.table, names) : stored.profile, info, source: stored.source, sampledFrom: stored.sampledFrom };
    }
    if (!m.isDefault) {
      return { data: null, info: null, note: `no reference: upload one (PUT /v1/models/${task.model.name}/reference) or set reference: previous` };
    }
    // Default monitors compare with the previous window until the model has a reference.
  }
  const prev = previousWindow(m.window, w);
  const read = await ctx.store.windowTable({
    model: task.model.name,
    from: prev.start,
    to: prev.end,
    version: task.version,
    columns: names,
    labelledOnly,
    sample: { limit: m.sampleLimit, seed: MONITOR_SAMPLE_SEED },
  });
  const info: NonNullable<MonitorResult['reference']> = { kind: 'previous', rows: read.total, start: prev.start, end: prev.end };
  if (read.size === 0) return { data: null, info, note: 'no reference: the previous window has no events' };
  if (read.sampled) info.sampledRows = read.size;
  return { data: read.table, info, source: `previous window ${iso(prev.start)}..${iso(prev.end)}`, sampledFrom: read.sampled ? read.total : undefined };
}

function windowSource(task: WindowTask, w: WindowBounds): string {
  const from = w.start === CUMULATIVE_ORIGIN ? 'start' : iso(w.start);
  return `model ${task.model.name}${task.version === null ? '' : ` version ${task.version}`} events ${from}..${iso(w.end)}`;
}

async function evaluateEventMonitors(ctx: EvaluationContext, task: WindowTask): Promise<MonitorResult[]> {
  const lead = task.monitors[0];
  const schema = task.model.schema;
  const w = windowEndingAt(lead.window, task.end);
  const q: WindowQuery = { model: task.model.name, from: w.start, to: w.end, version: task.version };
  const perMonitor = task.monitors.map((m) => monitorColumns(schema, m));
  const union = schema.columns.filter((c) => perMonitor.some((cols) => cols.includes(c)));
  const names = union.map((c) => c.name);

  const summary = await ctx.store.windowSummary({ ...q, columns: names });
  const results = task.monitors.map((m) => baseResult(task, m, w, summary.firstTs, summary.rows));
  if (summary.rows === 0) {
    for (const r of results) {
      Object.assign(r.metrics, nullMetrics(r.type));
      r.note = 'no events in the window';
    }
    return results;
  }
  // Independent reads, overlapped: one's rows are decoded while the database works on another's.
  const [current, reference, dq] = await Promise.all([
    ctx.store.windowTable({ ...q, columns: names, sample: { limit: lead.sampleLimit, seed: MONITOR_SAMPLE_SEED } }),
    resolveReference(ctx, task, lead, w, names, false),
    task.monitors.some((m) => m.type === 'data_quality') ? ctx.store.dataQualitySummary(q) : null,
  ]);

  let report: Report | null = null;
  let failure: string | null = null;
  if (reference.data && names.length > 0) {
    const options: CompareOptions = {
      ...compareOptionsFor(lead, union),
      schema: subSchema(task.model, union),
      referenceSource: reference.source,
      currentSource: windowSource(task, w),
    };
    if (reference.sampledFrom !== undefined) options.referenceSampledFrom = reference.sampledFrom;
    if (current.sampled) options.currentSampledFrom = current.total;
    try {
      report = compare(reference.data, current.table, options);
    } catch (err) {
      failure = `the comparison failed: ${(err as Error).message}`;
    }
  }

  task.monitors.forEach((m, i) => {
    const r = results[i];
    const cols = perMonitor[i];
    r.sampling = samplingOf(current, m.sampleLimit);
    r.reference = reference.info;
    const note = failure ?? (reference.data ? null : reference.note);
    if (note) r.note = note;
    if (cols.length === 0) r.note = `the schema has no columns for a ${m.type} monitor`;
    switch (m.type) {
      case 'feature_drift':
        featureDrift(r, cols, report);
        break;
      case 'prediction_drift':
        predictionDrift(r, cols, report);
        break;
      case 'data_quality':
        dataQuality(r, cols, report, summary, dq!, current, union.length === cols.length);
        break;
    }
  });
  return results;
}

/** A column's drift numbers from a report. */
function columnDrift(report: Report | null, col: ColumnSchema): FeatureResult {
  const d = report?.drift.columns.find((x) => x.column === col.name);
  if (!d) {
    const skipped = report?.drift.skipped.find((x) => x.column === col.name)?.reason;
    return { feature: col.name, kind: col.kind, metrics: { drift_score: null, drift_detected: null, p_value: null }, ...(report ? { skipped: skipped ?? 'not tested' } : {}) };
  }
  const f: FeatureResult = {
    feature: col.name,
    kind: col.kind,
    method: d.method,
    threshold: d.threshold,
    metrics: { drift_score: d.value, drift_detected: d.value === null ? null : d.detected ? 1 : 0, p_value: d.pValue },
    nRef: d.nRef,
    nCur: d.nCur,
  };
  if (d.value === null) f.skipped = d.reason ?? 'undefined statistic';
  return f;
}

function featureDrift(r: MonitorResult, cols: readonly ColumnSchema[], report: Report | null): void {
  if (!report) {
    Object.assign(r.metrics, nullMetrics('feature_drift'));
    return;
  }
  r.features = cols.map((c) => columnDrift(report, c));
  // As the core's dataset drift: features (role) with a defined statistic.
  const tested = r.features.filter((f, i) => cols[i].role === 'feature' && f.metrics.drift_score !== null);
  const drifted = tested.filter((f) => f.metrics.drift_detected === 1).length;
  const share = tested.length > 0 ? drifted / tested.length : null;
  Object.assign(r.metrics, {
    dataset_drift_share: share,
    dataset_drift_detected: share === null ? null : share >= report.drift.shareThreshold ? 1 : 0,
    drifted_features: drifted,
    tested_features: tested.length,
  });
}

function predictionDrift(r: MonitorResult, cols: readonly ColumnSchema[], report: Report | null): void {
  if (!report) {
    Object.assign(r.metrics, nullMetrics('prediction_drift'));
    return;
  }
  // The prediction first (the exported method is the first feature's), then the scores.
  const ordered = [...cols.filter((c) => c.role === 'prediction'), ...cols.filter((c) => c.role !== 'prediction')];
  r.features = ordered.map((c) => columnDrift(report, c));
  const primary = r.features[0];
  Object.assign(r.metrics, {
    prediction_drift_score: primary?.metrics.drift_score ?? null,
    prediction_drift_detected: primary?.metrics.drift_detected ?? null,
    prediction_drift_p_value: primary?.metrics.p_value ?? null,
  });
}

/** Findings that concern only these columns (dataset-wide findings only when the report covers exactly them). */
function findingsFor(report: Report, names: ReadonlySet<string>, wholeReport: boolean): Finding[] {
  return report.dataQuality.findings.filter((f) => {
    if (f.column !== undefined) return names.has(f.column);
    if (f.columns) return f.columns.every((c) => names.has(c));
    return wholeReport;
  });
}

function dataQuality(
  r: MonitorResult,
  cols: readonly ColumnSchema[],
  report: Report | null,
  summary: WindowSummary,
  dq: DataQualitySummary,
  current: WindowTable,
  wholeReport: boolean,
): void {
  const rows = summary.rows;
  // Counts on the read rows are scaled to the window when they were sampled.
  const scale = current.size > 0 ? current.total / current.size : 1;
  let missing = 0;
  let typeViolations = 0;
  let missingColumns = 0;
  let outOfRange = 0;
  let newCategories = 0;
  let maxOutOfRange: number | null = null;
  let maxNewCategory: number | null = null;
  r.features = cols.map((c) => {
    const m = summary.missing[c.name] ?? 0;
    missing += m;
    const tv = dq.typeViolationColumns[c.name] ?? 0;
    typeViolations += tv;
    missingColumns += dq.missingColumns[c.name] ?? 0;
    const metrics: MetricValues = { missing_ratio: ratio(m, rows), type_violations: tv };
    const q = report?.dataQuality.columns.find((x) => x.column === c.name);
    if (q && q.current) {
      const valid = q.current.rows - q.current.missing;
      if (q.outOfRangeShare !== undefined) {
        metrics.out_of_range_ratio = q.outOfRangeShare;
        outOfRange += Math.round(q.outOfRangeShare * (valid - q.current.nonFinite) * scale);
        maxOutOfRange = Math.max(maxOutOfRange ?? 0, q.outOfRangeShare);
      }
      if (q.newCategories) {
        metrics.new_category_ratio = q.newCategories.share;
        newCategories += Math.round(q.newCategories.share * valid * scale);
        maxNewCategory = Math.max(maxNewCategory ?? 0, q.newCategories.share);
      }
    }
    return { feature: c.name, kind: c.kind, metrics };
  });
  const unknownColumns = Object.values(dq.unknownColumns).reduce((a, b) => a + b, 0);
  const withReference = report !== null;
  Object.assign(r.metrics, {
    missing_ratio: ratio(missing, rows * cols.length),
    type_violations: typeViolations,
    unknown_columns: unknownColumns,
    missing_columns: missingColumns,
    out_of_range_ratio: withReference ? maxOutOfRange : null,
    new_category_ratio: withReference ? maxNewCategory : null,
    data_quality_violations: typeViolations + unknownColumns + missingColumns + outOfRange + newCategories,
    error_ratio: summary.errorFlags > 0 ? summary.errors / rows : null,
    latency_p50_seconds: summary.latencyCount > 0 ? finite(summary.latencyP50Ms / 1000) : null,
    latency_p99_seconds: summary.latencyCount > 0 ? finite(summary.latencyP99Ms / 1000) : null,
  });
  if (report) r.findings = findingsFor(report, new Set(cols.map((c) => c.name)), wholeReport);
  else if (r.note?.startsWith('no reference')) r.note = `${r.note}; out-of-range and new-category checks need one`;
}

async function evaluateModelQuality(ctx: EvaluationContext, task: WindowTask): Promise<MonitorResult[]> {
  const lead = task.monitors[0];
  const w = windowEndingAt(lead.window, task.end);
  const q: WindowQuery = { model: task.model.name, from: w.start, to: w.end, version: task.version };
  const labels = await ctx.store.labelSummary(q);
  const firstTs = lead.window.type === 'cumulative' && labels.rows > 0 ? (await ctx.store.windowSummary({ ...q, columns: [] })).firstTs : NaN;
  const results = task.monitors.map((m) => baseResult(task, m, w, firstTs, labels.rows));
  const cols = qualityColumns(task.model.schema);
  const usable = cols.some((c) => c.role === 'target') && cols.some((c) => c.role === 'prediction' || c.role === 'score');
  for (const r of results) {
    Object.assign(r.metrics, {
      labelled_rows: labels.labelled,
      label_coverage_ratio: ratio(labels.labelled, labels.rows),
      label_lag_seconds: labels.labelled > 0 ? finite(labels.lagMedianMs / 1000) : null,
    });
  }
  if (labels.rows === 0 || !usable) {
    for (const r of results) r.note = labels.rows === 0 ? 'no events in the window' : 'model quality needs a target and a prediction or score column';
    return results;
  }
  const current = await ctx.store.windowTable({
    ...q,
    columns: cols.map((c) => c.name),
    labelledOnly: true,
    sample: { limit: lead.sampleLimit, seed: MONITOR_SAMPLE_SEED },
  });
  let report: Report | null = null;
  let failure: string | null = null;
  try {
    // Model quality does not depend on a reference: the labelled rows are compared
    // with themselves and the report's current metrics kept.
    report = compare(current.table, current.table, { schema: subSchema(task.model, cols), currentSource: windowSource(task, w) });
  } catch (err) {
    failure = `the evaluation failed: ${(err as Error).message}`;
  }
  for (const r of results) {
    r.sampling = samplingOf(current, lead.sampleLimit);
    if (failure) r.note = failure;
    else if (labels.labelled === 0) r.note = 'no labelled events in the window yet';
    for (const mv of report?.modelQuality?.metrics ?? []) r.metrics[mv.name] = labels.labelled > 0 ? mv.current : null;
  }
  return results;
}
