/**
 * Read-only aggregates for the web dashboard (`@modelwatch/ui`), and the HTML
 * download of a window's Report:
 *
 * - `GET /v1/dashboard/overview?range=24h` — every model's health at a glance:
 *   traffic, errors and latency in buckets, the latest result of every monitor,
 *   headline trends, alert counts;
 * - `GET /v1/dashboard/models/{model}?range|from&to&version` — one model over
 *   a range: traffic per version, every monitor's windows (metrics and
 *   per-feature numbers, column-wise), prediction distribution per bucket;
 * - `GET /v1/dashboard/models/{model}/features/{feature}?…` — one feature:
 *   reference vs current distribution of the range, drift history by monitor
 *   and method, missing values per window, data-quality findings with examples;
 * - `GET /v1/models/{model}/report.html?from&to&version` — the Report of a
 *   window rendered as the CLI's self-contained HTML file.
 *
 * Everything is computed from store aggregates (event counts per bucket, window
 * summaries, histograms on given edges, category counts) and stored monitor
 * results: never raw event rows. The shapes are `@modelwatch/ui`'s
 * `dashboard-types.ts`.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { ColumnSchema, NumericColumnProfile, CategoricalColumnProfile, Report } from '@modelwatch/core';
import type {
  AlertCounts,
  DashboardRange,
  FeatureFinding,
  FeatureMatrix,
  FeatureResponse,
  MetricTrend,
  ModelTimelineResponse,
  MonitorInfo,
  MonitorSeries,
  MonitorType,
  OverviewModel,
  OverviewResponse,
  PredictionSeries,
  ResultStatus,
  TrafficBucket,
  TrafficSeries,
} from '@modelwatch/ui/dashboard';
import { alertRulesOf } from '../../alerts/rules.js';
import { parseDuration } from '../../config/units.js';
import { monitorsOf } from '../../monitor/definitions.js';
import type { FeatureResult, MonitorResult } from '../../monitor/result.js';
import { windowLabel } from '../../monitor/windows.js';
import { eventColumns } from '../../store/store.js';
import type { EventTimeBounds, ModelRecord, ResultRecord, Store } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ErrorResponse, ModelParams } from '../schemas.js';
import { ReportQuery, reportForRequest } from './report.js';
import { parseTimeParam } from './results.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bucket widths, smallest first: a range gets the smallest one that keeps the bucket count under the limit. */
const BUCKET_STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 7 * DAY, 30 * DAY];
const MAX_RANGE = 3650 * DAY;
/** Buckets of the traffic charts, the overview sparklines and the prediction distribution. */
export const TIMELINE_BUCKETS = 120;
export const OVERVIEW_BUCKETS = 48;
/** Buckets of the output over time: at most 48, at least an hour wide over a day or more. */
export const PREDICTION_BUCKETS = 48;
/** Windows per (monitor, version) in one answer; more are thinned (every k-th, the latest kept). */
export const MAX_SERIES_WINDOWS = 500;
/** Results read per request. */
const MAX_RESULTS_READ = 10_000;
/** Categories of a feature's chart; categories looked up for "new category" checks. */
const CHART_CATEGORIES = 20;
const NEW_CATEGORY_SCAN = 500;
const PREDICTION_CLASSES = 8;
const HISTOGRAM_BINS = 30;
/** The core's default `driftShare` (`compare()`), used by feature-drift monitors without `thresholds.drift_share`. */
const DEFAULT_DRIFT_SHARE = 0.5;
const MAX_UNIT_BINS = 60;

const Time = (what: string) => Type.String({ minLength: 1, maxLength: 64, description: `${what}: ISO 8601 (no offset means UTC) or epoch milliseconds.` });

export const DashboardQuery = Type.Object(
  {
    range: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 16,
        description:
          'Length of the range ending now (`1h`, `24h`, `7d`; default `24h`), or `all` for the data\'s own range. When the model\'s last event is older than the range, the range ends just after that event (history, backfills).',
      }),
    ),
    from: Type.Optional(Time('Start of a custom range (inclusive); needs `to`')),
    to: Type.Optional(Time('End of a custom range (exclusive); needs `from`')),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only this model version (default: all versions).' })),
  },
  { additionalProperties: false },
);
type DashboardQueryT = Type.Static<typeof DashboardQuery>;

const OverviewQuery = Type.Object({ range: DashboardQuery.properties.range }, { additionalProperties: false });

const FeatureParams = Type.Object({
  model: ModelParams.properties.model,
  feature: Type.String({ minLength: 1, maxLength: 1024, description: 'A column of the model\'s schema stored with events (URL-encoded).' }),
});

const ReportHtmlQuery = Type.Object(
  { ...ReportQuery.properties, download: Type.Optional(Type.Boolean({ description: 'Answer as an attachment (`Content-Disposition: attachment`).' })) },
  { additionalProperties: false },
);

const Open = Type.Object({}, { additionalProperties: true });

// ---------------------------------------------------------------------------
// Ranges and buckets

/** The smallest bucket step that splits `spanMs` into at most `max` buckets. */
export function bucketFor(spanMs: number, max: number): number {
  for (const b of BUCKET_STEPS) if (spanMs / b <= max) return b;
  return Math.ceil(spanMs / max / DAY) * DAY;
}

/**
 * Start of a range's bucket grid: the bucket width's multiple at or before
 * `from` (UTC), so that a custom range's buckets of an hour or more are
 * whole hours, which the store's hourly rollups answer; the first bucket may
 * begin before the range (it counts the range's events only).
 */
export const gridOrigin = (range: DashboardRange, bucketMs: number) => Math.floor(range.from / bucketMs) * bucketMs;

const badRange = (message: string) => new HttpError(400, 'bad_request', `invalid request: querystring.range: ${message}`, [{ path: 'querystring.range', message }]);

/** Milliseconds of a `range` parameter (not `all`). */
function rangeLength(range: string | undefined): number {
  const len = parseDuration(range ?? '24h');
  if (len === null || len < MINUTE || len > MAX_RANGE) throw badRange(`expected a duration from 1m to 3650d (\`1h\`, \`24h\`, \`7d\`) or \`all\` (got ${JSON.stringify(range)})`);
  return len;
}

/**
 * The range a request asks for (see {@link DashboardRange}) and its bucket
 * width for `maxBuckets` buckets. Preset ranges are aligned to whole buckets.
 */
export function resolveRange(qs: { range?: string; from?: string; to?: string }, bounds: EventTimeBounds, now: number, maxBuckets: number): { range: DashboardRange; bucketMs: number } {
  if (qs.from !== undefined || qs.to !== undefined) {
    const from = parseTimeParam('from', qs.from);
    const to = parseTimeParam('to', qs.to);
    if (from === undefined || to === undefined) {
      const missing = from === undefined ? 'from' : 'to';
      throw new HttpError(400, 'bad_request', `invalid request: querystring.${missing}: a custom range needs both from and to`, [{ path: `querystring.${missing}`, message: 'a custom range needs both from and to' }]);
    }
    if (!(from < to)) throw new HttpError(400, 'bad_request', 'invalid request: querystring.to: must be after from', [{ path: 'querystring.to', message: 'must be after from' }]);
    if (qs.range !== undefined) throw badRange('give either range or from and to');
    return { range: { from, to, anchor: 'custom' }, bucketMs: bucketFor(to - from, maxBuckets) };
  }
  const hasData = bounds.events > 0 && Number.isFinite(bounds.max);
  if (qs.range === 'all') {
    if (!hasData) {
      const bucketMs = bucketFor(DAY, maxBuckets);
      const to = Math.ceil(now / bucketMs) * bucketMs;
      return { range: { from: to - DAY, to, anchor: 'now' }, bucketMs };
    }
    const span = Math.max(MINUTE, bounds.max + 1 - bounds.min);
    const bucketMs = bucketFor(span * 1.02, maxBuckets);
    const from = Math.floor(bounds.min / bucketMs) * bucketMs;
    const to = Math.ceil((Math.floor(bounds.max) + 1) / bucketMs) * bucketMs;
    return { range: { from, to, anchor: 'data' }, bucketMs: bucketFor(to - from, maxBuckets) };
  }
  const len = rangeLength(qs.range);
  const bucketMs = bucketFor(len, maxBuckets);
  if (hasData && bounds.max < now - len) {
    const to = Math.ceil((Math.floor(bounds.max) + 1) / bucketMs) * bucketMs;
    return { range: { from: to - len, to, anchor: 'data' }, bucketMs };
  }
  const to = Math.ceil((now + 1) / bucketMs) * bucketMs;
  return { range: { from: to - len, to, anchor: 'now' }, bucketMs };
}

// ---------------------------------------------------------------------------
// Traffic

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * Latency quantiles of a range are exact (the store's window summary, which
 * sorts every latency) up to this many events; beyond it they are estimated
 * from the store's logarithmic latency bins (`quantilesRelativeError`, about
 * ±2.2 %) — read from hourly rollups on long ranges — or, for a store without
 * them, left out (`quantilesSkipped`). Counts and the mean are always exact.
 */
export const EXACT_QUANTILE_EVENTS = 250_000;

type Counted = { start: number; events: number; errors: number; latencyCount: number; latencySumMs: number; version?: string };

/**
 * Traffic of a range: one per-bucket count of events by version (one scan),
 * giving the total series, one series per version (`perVersion`) and the
 * versions present; the total's summary from the store's window summary
 * (exact latency quantiles) unless the range holds more than
 * {@link EXACT_QUANTILE_EVENTS} events (then estimated quantiles). Per-version
 * summaries come from the buckets (no quantiles).
 */
export async function traffic(store: Store, model: string, range: DashboardRange, bucketMs: number, version: string | null, perVersion: boolean, exactQuantileEvents = EXACT_QUANTILE_EVENTS): Promise<{ total: TrafficSeries; versions: TrafficSeries[]; active: string[] }> {
  const q = { model, from: range.from, to: range.to, version };
  const origin = gridOrigin(range, bucketMs);
  const counts = await store.eventCounts({ ...q, bucketMs, origin, byVersion: true });
  const active = [...new Set(counts.filter((c) => c.events > 0).map((c) => c.version!))].sort();
  const totalBuckets = denseBuckets(range, origin, bucketMs, counts);
  const events = totalBuckets.reduce((a, b) => a + b.events, 0);
  let summary: TrafficSeries['summary'];
  if (events <= exactQuantileEvents) summary = summaryOf(await store.windowSummary({ ...q, columns: [] }), range, totalBuckets);
  else if (store.latencySummary) {
    const est = await store.latencySummary(q);
    summary = { ...summaryOf(est, range, totalBuckets), quantilesRelativeError: est.relativeError };
  } else summary = bucketSummary(totalBuckets, range);
  const total: TrafficSeries = { version, bucketMs, buckets: totalBuckets, summary };
  const versions =
    perVersion && version === null && active.length > 1
      ? active.map((v) => {
          const buckets = denseBuckets(range, origin, bucketMs, counts.filter((c) => c.version === v));
          return { version: v, bucketMs, buckets, summary: bucketSummary(buckets, range) };
        })
      : [];
  return { total, versions, active };
}

function denseBuckets(range: DashboardRange, origin: number, bucketMs: number, counts: readonly Counted[]): TrafficBucket[] {
  const n = Math.max(1, Math.ceil((range.to - origin) / bucketMs));
  const sums = Array.from({ length: n }, () => 0);
  const out: TrafficBucket[] = Array.from({ length: n }, (_, i) => ({ start: origin + i * bucketMs, events: 0, errors: 0, latencyCount: 0, latencyMeanMs: null }));
  for (const c of counts) {
    const i = Math.round((c.start - origin) / bucketMs);
    const b = out[i];
    if (!b) continue;
    b.events += c.events;
    b.errors += c.errors;
    b.latencyCount += c.latencyCount;
    sums[i] += c.latencySumMs;
  }
  out.forEach((b, i) => (b.latencyMeanMs = b.latencyCount > 0 ? sums[i] / b.latencyCount : null));
  return out;
}

function meanLatency(buckets: readonly TrafficBucket[]): number | null {
  let n = 0;
  let sum = 0;
  for (const b of buckets) {
    if (b.latencyCount === 0) continue;
    n += b.latencyCount;
    sum += b.latencyMeanMs! * b.latencyCount;
  }
  return n > 0 ? sum / n : null;
}

function summaryOf(s: { rows: number; errors: number; errorFlags: number; latencyCount: number; latencyP50Ms: number; latencyP99Ms: number }, range: DashboardRange, buckets: readonly TrafficBucket[]): TrafficSeries['summary'] {
  return {
    events: s.rows,
    errors: s.errors,
    errorRate: s.errorFlags > 0 && s.rows > 0 ? s.errors / s.rows : null,
    eventsPerSecond: s.rows / ((range.to - range.from) / 1000),
    latencyCount: s.latencyCount,
    latencyMeanMs: meanLatency(buckets),
    latencyP50Ms: s.latencyCount > 0 ? finiteOrNull(s.latencyP50Ms) : null,
    latencyP99Ms: s.latencyCount > 0 ? finiteOrNull(s.latencyP99Ms) : null,
  };
}

/** A summary from buckets alone: exact counts and mean latency; no quantiles; the error rate over all events (0 when none was flagged). */
function bucketSummary(buckets: readonly TrafficBucket[], range: DashboardRange): TrafficSeries['summary'] {
  const events = buckets.reduce((a, b) => a + b.events, 0);
  const errors = buckets.reduce((a, b) => a + b.errors, 0);
  return {
    events,
    errors,
    errorRate: events > 0 ? errors / events : null,
    eventsPerSecond: events / ((range.to - range.from) / 1000),
    latencyCount: buckets.reduce((a, b) => a + b.latencyCount, 0),
    latencyMeanMs: meanLatency(buckets),
    latencyP50Ms: null,
    latencyP99Ms: null,
    quantilesSkipped: true,
  };
}

// ---------------------------------------------------------------------------
// Results

const payloadOf = (r: ResultRecord) => r.payload as MonitorResult;

function statusOf(r: ResultRecord): ResultStatus {
  const p = payloadOf(r);
  const s: ResultStatus = {
    monitor: p.monitor,
    type: p.type as MonitorType,
    version: p.version,
    windowStart: p.window.start,
    windowEnd: p.window.end,
    windowLabel: p.window.label,
    metrics: p.metrics,
  };
  if (p.note) s.note = p.note;
  return s;
}

/** The headline metric of a monitor type, for trends (model quality: the first of these the results have). */
const QUALITY_HEADLINE = ['roc_auc', 'accuracy', 'f1_macro', 'f1', 'r2', 'rmse', 'mae'];

function headlineMetrics(type: MonitorType, results: readonly MonitorResult[]): string[] {
  switch (type) {
    case 'feature_drift':
      return ['dataset_drift_share'];
    case 'prediction_drift':
      return ['prediction_drift_score'];
    case 'data_quality':
      return ['data_quality_violations', 'missing_ratio'];
    case 'model_quality': {
      const main = QUALITY_HEADLINE.find((m) => results.some((r) => r.metrics[m] !== undefined && r.metrics[m] !== null));
      return main ? [main, 'label_coverage_ratio'] : ['label_coverage_ratio'];
    }
  }
}

/** Groups results by (monitor, version), oldest window first (the store's order). */
function groupResults(records: readonly ResultRecord[]): MonitorResult[][] {
  const groups = new Map<string, MonitorResult[]>();
  for (const r of records) {
    const p = payloadOf(r);
    const key = JSON.stringify([p.monitor, p.version]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(p);
  }
  for (const g of groups.values()) g.sort((a, b) => a.window.end - b.window.end || a.window.start - b.window.start);
  return [...groups.values()];
}

/** Every k-th window so at most `max` remain, always keeping the latest. */
export function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const k = Math.ceil(items.length / max);
  const last = items.length - 1;
  return items.filter((_, i) => (last - i) % k === 0);
}

function trendsOf(groups: readonly MonitorResult[][], maxPoints: number): MetricTrend[] {
  const out: MetricTrend[] = [];
  for (const g of groups) {
    const first = g[0];
    const kept = thin(g, maxPoints);
    for (const metric of headlineMetrics(first.type, g)) {
      out.push({ monitor: first.monitor, type: first.type, version: first.version, metric, points: kept.map((r) => [r.window.end, r.metrics[metric] ?? null]) });
    }
  }
  return out;
}

function featureMatrix(type: MonitorType, results: readonly MonitorResult[]): FeatureMatrix | undefined {
  const names: string[] = [];
  const index = new Map<string, number>();
  for (const r of results) {
    for (const f of r.features ?? []) {
      if (!index.has(f.feature)) {
        index.set(f.feature, names.length);
        names.push(f.feature);
      }
    }
  }
  if (names.length === 0) return undefined;
  const drift = type === 'feature_drift' || type === 'prediction_drift';
  const metric = drift ? 'drift_score' : 'missing_ratio';
  const values = names.map(() => new Array<number | null>(results.length).fill(null));
  const detected = drift ? names.map(() => new Array<0 | 1 | null>(results.length).fill(null)) : undefined;
  const methods = new Array<string | null>(names.length).fill(null);
  const thresholds = new Array<number | null>(names.length).fill(null);
  results.forEach((r, w) => {
    for (const f of r.features ?? []) {
      const i = index.get(f.feature)!;
      values[i][w] = f.metrics[metric] ?? null;
      if (detected) {
        const d = f.metrics.drift_detected;
        detected[i][w] = d === 1 ? 1 : d === 0 ? 0 : null;
      }
      if (f.method) methods[i] = f.method;
      if (f.threshold !== undefined) thresholds[i] = f.threshold;
    }
  });
  const m: FeatureMatrix = { features: names, methods, thresholds, values };
  if (detected) m.detected = detected;
  return m;
}

function seriesOf(group: readonly MonitorResult[]): MonitorSeries {
  const kept = thin(group, MAX_SERIES_WINDOWS);
  const first = kept[0];
  const metricNames: string[] = [];
  for (const r of kept) for (const k of Object.keys(r.metrics)) if (!metricNames.includes(k)) metricNames.push(k);
  const metrics: Record<string, (number | null)[]> = {};
  for (const k of metricNames) metrics[k] = kept.map((r) => r.metrics[k] ?? null);
  const s: MonitorSeries = {
    monitor: first.monitor,
    type: first.type,
    version: first.version,
    windowLabel: first.window.label,
    starts: kept.map((r) => r.window.start),
    ends: kept.map((r) => r.window.end),
    metrics,
    notes: kept.map((r) => r.note ?? null),
  };
  const features = featureMatrix(first.type, kept);
  if (features) s.features = features;
  if (kept.length < group.length) s.thinnedFrom = group.length;
  return s;
}

async function alertCounts(store: Store, model: string, version: string | null): Promise<AlertCounts> {
  const states = await store.getAlertStates(model);
  const mine = version === null ? states : states.filter((s) => !s.labels.version || s.labels.version === version);
  return { firing: mine.filter((s) => s.state === 'firing').length, pending: mine.filter((s) => s.state === 'pending').length };
}

/** Results of a range: a version's own results only when a version is asked for, else all (including monitors over all versions). */
function readResults(store: Store, model: string, range: DashboardRange, version: string | null, latest = false): Promise<ResultRecord[]> {
  return store.getResults({ model, from: range.from, to: range.to, latest, limit: MAX_RESULTS_READ, ...(version === null ? {} : { version }) });
}

// ---------------------------------------------------------------------------
// Monitors and predictions

function monitorInfos(ctx: ServerContext, model: ModelRecord): MonitorInfo[] {
  const rules = alertRulesOf(ctx.config, model);
  return monitorsOf(ctx.config, model).map((m) => ({
    name: m.name,
    type: m.type,
    window: { type: m.window.type, sizeMs: m.window.sizeMs, everyMs: m.window.everyMs, label: windowLabel(m.window) },
    versions: m.versions,
    reference: m.reference,
    // The drift share at which a window counts as drifting: the core's default unless the monitor sets one.
    thresholds: m.type === 'feature_drift' ? { drift_share: DEFAULT_DRIFT_SHARE, ...m.thresholds } : { ...m.thresholds },
    rules: rules
      .filter((r) => r.monitor === m.name)
      .map((r) => ({ name: r.name, metric: r.metric ?? null, feature: r.feature ?? null, op: r.op, threshold: r.threshold, severity: r.severity })),
  }));
}

/** The output columns charted over time: the prediction, then the first score column. */
function outputColumns(model: ModelRecord): ColumnSchema[] {
  const stored = eventColumns(model.schema);
  const out: ColumnSchema[] = [];
  const pred = stored.find((c) => c.role === 'prediction');
  if (pred) out.push(pred);
  const score = stored.find((c) => c.role === 'score');
  if (score) out.push(score);
  return out;
}

async function predictionSeries(ctx: ServerContext, model: ModelRecord, range: DashboardRange, version: string | null): Promise<PredictionSeries[]> {
  const columns = outputColumns(model);
  if (columns.length === 0) return [];
  // Ranges of a day or more: buckets of at least an hour (the store's hourly rollups answer them).
  const span = range.to - range.from;
  const bucketMs = Math.max(bucketFor(span, PREDICTION_BUCKETS), span >= DAY ? HOUR : 0);
  const origin = gridOrigin(range, bucketMs);
  const n = Math.max(1, Math.ceil((range.to - origin) / bucketMs));
  const starts = Array.from({ length: n }, (_, i) => origin + i * bucketMs);
  const q = { model: model.name, version, from: range.from, to: range.to, bucketMs, origin };
  const index = (start: number) => Math.round((start - origin) / bucketMs);
  const reference = await ctx.references.get(model.name);
  return Promise.all(
    columns
      .filter((col) => col.kind !== 'datetime')
      .map(async (col): Promise<PredictionSeries> => {
        const rows = new Array<number>(n).fill(0);
        if (col.kind === 'numeric') {
          const mean = new Array<number | null>(n).fill(null);
          const std = new Array<number | null>(n).fill(null);
          for (const b of await ctx.store.numericAggregateByBucket({ ...q, column: col.name })) {
            const i = index(b.start);
            if (i < 0 || i >= n) continue;
            rows[i] = b.rows;
            if (b.count > 0) {
              mean[i] = b.mean;
              std[i] = Math.sqrt(b.variance);
            }
          }
          const refCol = reference?.profile.columns.find((c) => c.name === col.name) as NumericColumnProfile | undefined;
          return { column: col.name, kind: 'numeric', bucketMs, starts, rows, mean, std, referenceMean: refCol && refCol.kind === 'numeric' ? refCol.mean : null };
        }
        // One scan: the most frequent classes of each bucket; the classes shown are the most frequent of those
        // over the range (exact when no bucket has more than twice PREDICTION_CLASSES classes), the rest is "other".
        const buckets = await ctx.store.categoryCountsByBucket({ ...q, column: col.name, topK: PREDICTION_CLASSES * 2 });
        const totals = new Map<string, number>();
        for (const b of buckets) for (const t of b.top) totals.set(String(t.value), (totals.get(String(t.value)) ?? 0) + t.count);
        const classes = [...totals]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .slice(0, PREDICTION_CLASSES)
          .map(([c]) => c);
        const counts = classes.map(() => new Array<number>(n).fill(0));
        const other = new Array<number>(n).fill(0);
        for (const b of buckets) {
          const i = index(b.start);
          if (i < 0 || i >= n) continue;
          rows[i] = b.rows;
          let shown = 0;
          for (const t of b.top) {
            const k = classes.indexOf(String(t.value));
            if (k >= 0) {
              counts[k][i] = t.count;
              shown += t.count;
            }
          }
          other[i] = b.rows - b.nulls - shown;
        }
        return { column: col.name, kind: 'categorical', bucketMs, starts, rows, classes, counts, other };
      }),
  );
}

// ---------------------------------------------------------------------------
// Features

/** The largest double below `x` (so that `(-inf, nextDown(x)]` counts values `< x`). */
export function nextDown(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return -Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits - 1n : bits + 1n);
  return buf.getFloat64(0);
}

/**
 * Plotting edges of a numeric feature: unit bins for small integer ranges, else
 * 30 equal-width bins over the reference's 1st–99th percentile (the current
 * range's when there is no reference).
 */
export function plotEdges(lo: number, hi: number, integral: boolean): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (integral && hi - lo <= MAX_UNIT_BINS) {
    const edges: number[] = [];
    for (let v = Math.floor(lo); v <= Math.ceil(hi) + 1; v++) edges.push(v - 0.5);
    return edges;
  }
  if (!(hi > lo)) return [lo - 0.5, hi + 0.5];
  const width = (hi - lo) / HISTOGRAM_BINS;
  return Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => (i === HISTOGRAM_BINS ? hi : lo + i * width));
}

/** Counts of values on edges as the store counts them: `(-inf, e0]`, `(e_i, e_{i+1}]`, `(e_last, +inf)`; missing and non-finite values skipped. */
export function countOnEdges(values: Float64Array, nulls: Uint8Array | undefined, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    if (nulls && nulls[i]) continue;
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    let lo = 0;
    let hi = edges.length; // first edge >= v
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]++;
  }
  return counts;
}

/** A quantile from a profile's sketch (`quantile(i / (length - 1))`). */
function sketchQuantile(sketch: readonly number[], q: number): number {
  if (sketch.length === 0) return NaN;
  const pos = q * (sketch.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sketch.length ? sketch[i] + f * (sketch[i + 1] - sketch[i]) : sketch[i];
}

/** Approximate reference counts on edges from the quantile sketch (profile-only references). */
function countsFromSketch(p: NumericColumnProfile, edges: readonly number[]): number[] {
  const cdf = (x: number) => {
    const s = p.sketch;
    if (s.length === 0) return 0;
    if (x < s[0]) return 0;
    if (x >= s[s.length - 1]) return 1;
    let lo = 0;
    let hi = s.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (s[mid] <= x) lo = mid;
      else hi = mid;
    }
    const f = s[hi] > s[lo] ? (x - s[lo]) / (s[hi] - s[lo]) : 1;
    return (lo + f) / (s.length - 1);
  };
  const out = new Array<number>(edges.length + 1).fill(0);
  let prev = 0;
  for (let i = 0; i < edges.length; i++) {
    const c = cdf(edges[i]);
    out[i] = Math.round((c - prev) * p.valid);
    prev = c;
  }
  out[edges.length] = Math.round((1 - prev) * p.valid);
  return out;
}

async function featureResponse(ctx: ServerContext, model: ModelRecord, col: ColumnSchema, range: DashboardRange, version: string | null): Promise<FeatureResponse> {
  const q = { model: model.name, from: range.from, to: range.to, version, column: col.name };
  const reference = await ctx.references.get(model.name);
  const refProfile = reference?.profile.columns.find((c) => c.name === col.name) ?? null;
  const refIndex = reference?.table ? reference.table.names.indexOf(col.name) : -1;
  const refColumn = reference?.table && refIndex >= 0 ? reference.table.columns[refIndex] : null;
  const out: FeatureResponse = {
    model: model.name,
    feature: col.name,
    kind: col.kind,
    role: col.role,
    range,
    version,
    current: { rows: 0, missing: 0 },
    reference: null,
    drift: [],
    missing: [],
    findings: [],
  };

  if (col.kind === 'numeric' || col.kind === 'datetime') {
    const rp = refProfile && (refProfile.kind === 'numeric' || refProfile.kind === 'datetime') ? (refProfile as NumericColumnProfile) : null;
    let lo: number;
    let hi: number;
    let integral: boolean;
    if (rp && rp.valid > 0 && rp.sketch.length > 0) {
      lo = sketchQuantile(rp.sketch, 0.01);
      hi = sketchQuantile(rp.sketch, 0.99);
      if (!(hi > lo)) {
        lo = rp.min ?? lo;
        hi = rp.max ?? hi;
      }
      // Integer-valued (the profile keeps every distinct value when there are few).
      integral = rp.values !== undefined && rp.values.value.every((v) => Number.isInteger(v));
      if (integral && (rp.max ?? 0) - (rp.min ?? 0) <= MAX_UNIT_BINS) {
        lo = rp.min!;
        hi = rp.max!;
      }
    } else {
      // No reference: the range's own extent (one more scan).
      const plain = await ctx.store.numericAggregate(q);
      lo = plain.min;
      hi = plain.max;
      integral = Number.isInteger(plain.min) && Number.isInteger(plain.max);
    }
    const edges = plotEdges(lo, hi, integral);
    // One scan: the plot's edges and the reference's range (values below its minimum, above its maximum) together.
    const rangeEdges = rp && rp.min !== null && rp.max !== null ? [nextDown(rp.min), rp.max] : [];
    const merged = [...new Set([...edges, ...rangeEdges])].sort((a, b) => a - b);
    const cur = await ctx.store.numericAggregate({ ...q, edges: merged });
    const h = cur.histogram!;
    const atMost = new Map<number, number>(); // finite values <= edge
    let run = 0;
    merged.forEach((e, k) => {
      run += h[k];
      atMost.set(e, run);
    });
    const le = (e: number) => atMost.get(e)!;
    let refCounts: number[] | null = null;
    if (refColumn && refColumn.type === 'number') refCounts = countOnEdges(refColumn.values, refColumn.nulls, edges);
    else if (rp) refCounts = countsFromSketch(rp, edges);
    out.histogram = {
      edges,
      current: edges.slice(1).map((e, j) => le(e) - le(edges[j])),
      currentOutside: [le(edges[0]), cur.count - le(edges[edges.length - 1])],
      reference: refCounts ? refCounts.slice(1, edges.length) : null,
      referenceOutside: refCounts ? [refCounts[0], refCounts[edges.length]] : null,
    };
    out.current = {
      rows: cur.rows,
      missing: cur.nulls,
      min: cur.count > 0 ? cur.min : null,
      max: cur.count > 0 ? cur.max : null,
      mean: cur.count > 0 ? cur.mean : null,
      std: cur.count > 0 ? Math.sqrt(cur.variance) : null,
    };
    if (rangeEdges.length) {
      out.current.belowRange = le(rangeEdges[0]);
      out.current.aboveRange = cur.count - le(rangeEdges[1]);
    }
    if (rp) out.reference = { rows: rp.rows, missing: rp.missing, min: rp.min, max: rp.max, mean: rp.mean, std: rp.std };
  } else {
    const rp = refProfile && refProfile.kind !== 'numeric' && refProfile.kind !== 'datetime' ? (refProfile as CategoricalColumnProfile) : null;
    const cur = await ctx.store.categoryCounts({ ...q, topK: NEW_CATEGORY_SCAN });
    out.current = { rows: cur.rows, missing: cur.nulls, distinct: cur.distinct };
    // The reference's categories: every one when its rows are kept (dictionary), else the profile's top list.
    let known: Set<string> | null = null;
    if (refColumn && refColumn.type === 'dict') known = new Set(refColumn.dictionary);
    else if (rp && rp.otherCount === 0) known = new Set(rp.categories);
    const refCounts = new Map<string, number>();
    if (rp) rp.categories.forEach((c, i) => refCounts.set(c, rp.counts[i]));
    if (known) {
      const fresh = cur.top.filter((t) => !known!.has(String(t.value)));
      out.current.newCategories = fresh.slice(0, 10).map((t) => ({ value: String(t.value), count: t.count }));
      out.current.newCategoryCount = fresh.length;
    }
    // Chart rows: categories by the larger share of either side.
    const rTotal = rp ? rp.valid || 1 : 1;
    const cTotal = Math.max(1, cur.rows - cur.nulls);
    const curCounts = new Map(cur.top.map((t) => [String(t.value), t.count]));
    const all = new Set<string>([...(rp?.categories ?? []), ...curCounts.keys()]);
    const ranked = [...all].sort(
      (a, b) => Math.max((refCounts.get(b) ?? 0) / rTotal, (curCounts.get(b) ?? 0) / cTotal) - Math.max((refCounts.get(a) ?? 0) / rTotal, (curCounts.get(a) ?? 0) / cTotal) || (a < b ? -1 : a > b ? 1 : 0),
    );
    const shown = ranked.slice(0, CHART_CATEGORIES);
    const shownCur = shown.map((c) => curCounts.get(c) ?? 0);
    const shownRef = rp ? shown.map((c) => refCounts.get(c) ?? 0) : null;
    out.categories = {
      categories: shown,
      current: shownCur,
      reference: shownRef,
      otherCurrent: cur.rows - cur.nulls - shownCur.reduce((a, b) => a + b, 0),
      otherReference: rp && shownRef ? rp.valid - shownRef.reduce((a, b) => a + b, 0) : 0,
    };
    if (rp) out.reference = { rows: rp.rows, missing: rp.missing, distinct: rp.distinct };
  }

  // Monitor results: drift history, missing values per window, findings.
  const records = await readResults(ctx.store, model.name, range, version);
  const findings = new Map<string, FeatureFinding>();
  for (const group of groupResults(records)) {
    const first = group[0];
    if (first.type === 'feature_drift' || first.type === 'prediction_drift') {
      const kept = thin(group, MAX_SERIES_WINDOWS).map((r) => ({ r, f: r.features?.find((x) => x.feature === col.name) }));
      const withFeature = kept.filter((k) => k.f);
      if (withFeature.length === 0) continue;
      // One series per method (a monitor's method can change with its configuration).
      const byMethod = new Map<string, { r: MonitorResult; f: FeatureResult }[]>();
      for (const k of withFeature) {
        const m = k.f!.method ?? '';
        let list = byMethod.get(m);
        if (!list) byMethod.set(m, (list = []));
        list.push({ r: k.r, f: k.f! });
      }
      for (const [method, list] of byMethod) {
        out.drift.push({
          monitor: first.monitor,
          version: first.version,
          method: method || null,
          threshold: list.findLast((x) => x.f.threshold !== undefined)?.f.threshold ?? null,
          starts: list.map((x) => x.r.window.start),
          ends: list.map((x) => x.r.window.end),
          scores: list.map((x) => x.f.metrics.drift_score ?? null),
          pValues: list.map((x) => x.f.metrics.p_value ?? null),
          detected: list.map((x) => (x.f.metrics.drift_detected === 1 ? 1 : x.f.metrics.drift_detected === 0 ? 0 : null)),
        });
      }
    } else if (first.type === 'data_quality') {
      const kept = thin(group, MAX_SERIES_WINDOWS);
      const has = kept.some((r) => r.features?.some((f) => f.feature === col.name));
      if (has) {
        out.missing.push({
          monitor: first.monitor,
          version: first.version,
          ends: kept.map((r) => r.window.end),
          values: kept.map((r) => r.features?.find((f) => f.feature === col.name)?.metrics.missing_ratio ?? null),
        });
      }
      for (const r of group) {
        for (const f of r.findings ?? []) {
          if (f.column !== col.name && !(f.columns && f.columns.includes(col.name))) continue;
          const key = JSON.stringify([first.monitor, first.version, f.type]);
          const seen = findings.get(key);
          if (!seen) {
            findings.set(key, {
              type: f.type,
              severity: f.severity,
              message: f.message,
              examples: [...(f.examples ?? [])].slice(0, 10),
              windows: 1,
              lastWindowStart: r.window.start,
              lastWindowEnd: r.window.end,
              monitor: first.monitor,
              version: first.version,
            });
          } else {
            seen.windows++;
            if (r.window.end >= seen.lastWindowEnd) {
              seen.lastWindowStart = r.window.start;
              seen.lastWindowEnd = r.window.end;
              seen.message = f.message;
              seen.severity = f.severity;
            }
            for (const e of f.examples ?? []) if (seen.examples.length < 10 && !seen.examples.includes(e)) seen.examples.push(e);
          }
        }
      }
    }
  }
  const rank = { error: 0, warning: 1, info: 2 } as Record<string, number>;
  out.findings = [...findings.values()].sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || b.lastWindowEnd - a.lastWindowEnd);
  return out;
}

// ---------------------------------------------------------------------------
// Routes

const nullBounds = (b: EventTimeBounds) => ({ events: b.events, first: b.events > 0 ? b.min : null, last: b.events > 0 ? b.max : null });

async function overviewModel(ctx: ServerContext, model: ModelRecord, rangeParam: string | undefined, now: number): Promise<OverviewModel> {
  const bounds = await ctx.store.eventTimeBounds(model.name, null);
  const { range, bucketMs } = resolveRange({ range: rangeParam }, bounds, now, OVERVIEW_BUCKETS);
  const [t, latest, all, alerts] = await Promise.all([
    traffic(ctx.store, model.name, range, bucketMs, null, false),
    readResults(ctx.store, model.name, range, null, true),
    readResults(ctx.store, model.name, range, null),
    alertCounts(ctx.store, model.name, null),
  ]);
  return {
    name: model.name,
    task: model.task ?? model.schema.task ?? null,
    versions: model.versions,
    bounds: nullBounds(bounds),
    range,
    traffic: t.total,
    latest: latest.map(statusOf),
    trends: trendsOf(groupResults(all), OVERVIEW_BUCKETS),
    alerts,
  };
}

async function requireModel(ctx: ServerContext, name: string): Promise<ModelRecord> {
  const model = await ctx.store.getModel(name);
  if (!model) throw new HttpError(404, 'model_not_found', `no model named "${name}"`);
  return model;
}

export function registerDashboardRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: Type.Static<typeof OverviewQuery> }>(
    '/v1/dashboard/overview',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Every model at a glance (dashboard)',
        description: 'Per model: traffic, errors and latency in buckets over the range, the latest result of each monitor and version, headline trends, alert counts.',
        tags: ['monitors'],
        querystring: OverviewQuery,
        response: { 200: Open, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const now = Date.now();
      const rangeParam = request.query.range;
      if (rangeParam !== 'all') rangeLength(rangeParam);
      const models = await ctx.store.listModels();
      const out: OverviewResponse = {
        now,
        rangeMs: rangeParam === 'all' ? 0 : rangeLength(rangeParam),
        models: await Promise.all(models.map((m) => overviewModel(ctx, m, rangeParam, now))),
      };
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(out));
    },
  );

  app.get<{ Params: { model: string }; Querystring: DashboardQueryT }>(
    '/v1/dashboard/models/:model',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One model over a range (dashboard)',
        description: 'Traffic per version in buckets, every monitor\'s windows in the range (metrics and per-feature numbers, column-wise), the output distribution per bucket, monitors with thresholds and alert rules.',
        tags: ['monitors'],
        params: ModelParams,
        querystring: DashboardQuery,
        response: { 200: Open, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const model = await requireModel(ctx, request.params.model);
      const qs = request.query;
      const version = qs.version ?? null;
      const bounds = await ctx.store.eventTimeBounds(model.name, version);
      const { range, bucketMs } = resolveRange(qs, bounds, Date.now(), TIMELINE_BUCKETS);
      const [t, records, predictions, alerts, reference] = await Promise.all([
        traffic(ctx.store, model.name, range, bucketMs, version, true),
        readResults(ctx.store, model.name, range, version),
        predictionSeries(ctx, model, range, version),
        alertCounts(ctx.store, model.name, version),
        ctx.references.get(model.name),
      ]);
      const out: ModelTimelineResponse = {
        model: model.name,
        task: model.task ?? model.schema.task ?? null,
        versions: model.versions,
        activeVersions: t.active,
        schema: model.schema.columns.map((c) => ({ name: c.name, kind: c.kind, role: c.role })),
        bounds: nullBounds(bounds),
        range,
        version,
        traffic: [t.total, ...t.versions],
        monitors: monitorInfos(ctx, model),
        series: groupResults(records).map(seriesOf),
        predictions,
        hasReference: reference !== null,
        alerts,
      };
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(out));
    },
  );

  app.get<{ Params: { model: string; feature: string }; Querystring: DashboardQueryT }>(
    '/v1/dashboard/models/:model/features/:feature',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One feature over a range (dashboard)',
        description: 'Reference vs current distribution of the range (histogram on shared edges, or category counts), out-of-range values and new categories with examples, drift per window by monitor and method, missing values per window, data-quality findings.',
        tags: ['monitors'],
        params: FeatureParams,
        querystring: DashboardQuery,
        response: { 200: Open, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const model = await requireModel(ctx, request.params.model);
      const col = eventColumns(model.schema).find((c) => c.name === request.params.feature);
      if (!col) throw new HttpError(404, 'not_found', `model "${model.name}" has no column "${request.params.feature}" stored with events`);
      const version = request.query.version ?? null;
      const bounds = await ctx.store.eventTimeBounds(model.name, version);
      const { range } = resolveRange(request.query, bounds, Date.now(), TIMELINE_BUCKETS);
      const out = await featureResponse(ctx, model, col, range, version);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(out));
    },
  );

  app.get<{ Params: { model: string }; Querystring: Type.Static<typeof ReportHtmlQuery> }>(
    '/v1/models/:model/report.html',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Report of a window as a self-contained HTML page',
        description: 'The Report of `GET /v1/models/{model}/report` (same parameters) rendered as the HTML file `modelwatch report --html` writes: one file, no network requests, every string escaped.',
        tags: ['monitors'],
        params: ModelParams,
        querystring: ReportHtmlQuery,
        response: { 400: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { download, ...qs } = request.query;
      const report: Report = await reportForRequest(ctx, request.params.model, qs);
      const { renderReportHtml, REPORT_CSP } = await import('@modelwatch/ui');
      const from = report.current.from ?? '';
      const to = report.current.to ?? '';
      const title = `${request.params.model}${qs.version ? ` ${qs.version}` : ''}: ${from.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} to ${to.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC`;
      const html = renderReportHtml(report, { title });
      const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const file = `modelwatch-${request.params.model}${qs.version ? `-${qs.version.replace(/[^A-Za-z0-9_.-]/g, '_')}` : ''}-${stamp(from)}-${stamp(to)}.html`;
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', REPORT_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `${download ? 'attachment' : 'inline'}; filename="${file}"`)
        .send(html);
    },
  );
}
