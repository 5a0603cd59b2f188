/**
 * Dashboard aggregates read from the hourly rollups (rollups.ts) plus a raw
 * scan of whatever they do not cover: hours not rolled up (or stale), partial
 * hours at the edges of the range and of its buckets. The answer is the one a
 * raw scan of the whole range gives (counts exactly; sums, means and
 * variances merged from per-hour parts, equal up to floating-point rounding).
 *
 * Everything runs in one read snapshot: the plan (which hours are exact) and
 * the reads see the same committed data.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { CategoryCounts, EventCountBucket, LatencySummary, NumericAggregate, WindowQuery } from '../store.js';
import { HOUR_SQL, LATENCY_BINS_PER_OCTAVE, edgesKey, LATENCY_ZERO_BIN, ROLLUP_MS, categorySql, hourRuns, latencyBinSql, numericSql, readRollupColumns, rollupTable, runsSql, tsRunsSql } from './rollups.js';
import type { RollupLayout } from './rollups.js';
import type { PhysicalColumn } from './sql.js';
import { binExpression, quoteIdent as q } from './sql.js';
import { categoryBucketsOf } from './category-buckets.js';
import { addMomentsRow, emptyMoments, finishMoments } from './numeric-moments.js';
import type { MomentsAcc } from './numeric-moments.js';
import { count, num } from './values.js';

/** Raw runs scanned one by one (beyond: one scan over all). */
const MAX_RAW_SCANS = 160;

/** Ranges shorter than this are scanned raw (a few hours of events cost less than planning). */
export const MIN_ROLLUP_RANGE_MS = 6 * ROLLUP_MS;

export interface RollupPlan {
  /** Runs of hours `[start, end)` read from the rollups. */
  hours: [number, number][];
  /** Runs of time `[from, to)` scanned raw. */
  raw: [number, number][];
  /** Window start, and the start of the bucket grid. */
  from: number;
  origin: number;
  bucketMs: number | null;
  version: string | null;
  /** Columns rolled up ('on') by physical name. */
  columns: Map<string, { kind: string; on: boolean }>;
}

/** What the maintainer knew before a read's snapshot began (see {@link planRollupRead}). */
export interface RollupKnown {
  /** The events table's row count at the last complete fold, if the rollups are known complete. */
  complete: number | undefined;
  /** Hours written (noted by the commit hook) since then, folded or not yet. */
  touched: readonly number[];
}

/** How reads were planned: rollups known complete, complete but for touched hours, every hour checked; histograms from kept edge sets (tests, diagnostics). */
export const planCounts = { complete: 0, touched: 0, checked: 0, histogramSets: 0 };

/** Most touched hours checked one by one before a read falls back to checking every hour. */
const MAX_TOUCHED_CHECK = 2000;

/**
 * Which hours of `[from, to)` the rollups answer exactly, each inside one
 * bucket of `bucketMs` (from `from`); `null` when none (read raw).
 *
 * `known` must be taken before the read's snapshot begins. Events are only
 * appended, so when the table's row count is `complete`, every rolled-up hour
 * is exact; when it is `complete` plus what the touched hours gained over
 * their rolled-up counts, every other hour is still exact and only touched
 * hours whose counts changed are read raw (live traffic: one or two hours);
 * otherwise every hour's count is compared (and `onStale` asks for a fold).
 */
export async function planRollupRead(c: DuckDBConnection, l: RollupLayout, known: RollupKnown, w: WindowQuery & { origin?: number }, bucketMs: number | null, onStale: () => void): Promise<RollupPlan | null> {
  if (w.to - w.from < MIN_ROLLUP_RANGE_MS) return null;
  const ht = q(rollupTable(l.id, 'hours'));
  const ev = q(l.events);
  const [[totalValue]] = (await c.runAndReadAll(`SELECT count(*) FROM ${ev}`)).getRows();
  const total = count(totalValue);
  const { complete } = known;
  let rows: DuckDBValue[][] | null = null;
  const rolledInRange = () => c.runAndReadAll(`SELECT hour FROM ${ht} WHERE hour >= $1 AND hour + ${ROLLUP_MS} <= $2 ORDER BY 1`, [w.from, w.to]);
  if (complete !== undefined && complete === total) {
    rows = (await rolledInRange()).getRows();
    planCounts.complete++;
  }
  else if (complete !== undefined && known.touched.length > 0 && known.touched.length <= MAX_TOUCHED_CHECK) {
    const runs = hourRuns([...new Set(known.touched)].sort((a, b) => a - b));
    const tp: (number | string)[] = [];
    const now = new Map((await c.runAndReadAll(`SELECT ${HOUR_SQL()}, count(*) FROM ${ev} WHERE ${tsRunsSql(runs, tp)} GROUP BY 1`, tp)).getRows().map((r) => [num(r[0]), count(r[1])]));
    const hp: (number | string)[] = [];
    const rolled = new Map((await c.runAndReadAll(`SELECT hour, events FROM ${ht} WHERE ${runsSql('hour', runs, hp)}`, hp)).getRows().map((r) => [num(r[0]), count(r[1])]));
    let gained = 0;
    const changed = new Set<number>();
    for (const h of new Set([...now.keys(), ...rolled.keys()])) {
      const d = (now.get(h) ?? 0) - (rolled.get(h) ?? 0);
      gained += d;
      if (d !== 0) changed.add(h);
    }
    if (total === complete + gained) {
      rows = (await rolledInRange()).getRows().filter((r) => !changed.has(num(r[0])));
      planCounts.touched++;
    }
    if (changed.size > 0) onStale();
  }
  if (rows === null) {
    planCounts.checked++;
    onStale();
    rows = (
      await c.runAndReadAll(
        `SELECT r.hour FROM ${ht} r JOIN (SELECT ${HOUR_SQL()} AS h, count(*) AS n FROM ${ev} WHERE ts >= epoch_ms($3::BIGINT) AND ts < epoch_ms($4::BIGINT) GROUP BY 1) a
           ON a.h = r.hour AND a.n = r.events
         WHERE r.hour >= $1 AND r.hour + ${ROLLUP_MS} <= $2 ORDER BY 1`,
        [w.from, w.to, Math.floor(w.from), Math.floor(w.to)],
      )
    ).getRows();
  }
  const origin = w.origin ?? w.from;
  const inOneBucket = (h: number) => bucketMs === null || Math.floor((h - origin) / bucketMs) === Math.floor((h + ROLLUP_MS - 1 - origin) / bucketMs);
  const ok = rows.map((r) => num(r[0])).filter(inOneBucket);
  if (ok.length === 0) return null;
  const hours = hourRuns(ok);
  const raw: [number, number][] = [];
  let at = w.from;
  for (const [a, b] of hours) {
    if (a > at) raw.push([at, a]);
    at = b;
  }
  if (at < w.to) raw.push([at, w.to]);
  const columns = await readRollupColumns(c, l.id);
  return { hours, raw, from: w.from, origin, bucketMs, version: w.version ?? null, columns };
}

/** Whether the plan's rollups hold a column (with `values`: its value counts, `cat` or `nval`). */
export const rolledUp = (p: RollupPlan, col: PhysicalColumn, values = false) => p.columns.get(col.physical)?.kind === col.kind && (!values || p.columns.get(col.physical)!.on);

/** Bucket index SQL of a rollup hour / of an event's time. */
function bucketSql(p: RollupPlan, params: DuckDBValue[], hour: boolean): string {
  if (p.bucketMs === null) return '0';
  params.push(p.origin, p.bucketMs);
  const x = hour ? 'CAST(hour AS DOUBLE)' : 'CAST(epoch_ms(ts) AS DOUBLE)';
  return `CAST(floor((${x} - $${params.length - 1}) / $${params.length}) AS BIGINT)`;
}

function versionSql(p: RollupPlan, params: DuckDBValue[]): string {
  if (p.version === null) return '';
  params.push(p.version);
  return ` AND version = $${params.length}`;
}

/** The rollup rows of the plan's hours and the raw events of its raw runs, as two SELECTs sharing `params`. */
function sources(p: RollupPlan, params: DuckDBValue[], rollup: (b: string, where: string) => string, raw: (b: string, where: string) => string): string {
  const rb = bucketSql(p, params, true);
  const rw = `${runsSql('hour', p.hours, params as (number | string)[])}${versionSql(p, params)}`;
  const parts = [rollup(rb, rw)];
  if (p.raw.length > 0) {
    const eb = bucketSql(p, params, false);
    // One scan per raw run, each a plain time range (the storage's min/max per row group skips the rest),
    // rather than one scan testing every row against every run; many runs: one scan.
    const runs = p.raw.length <= MAX_RAW_SCANS ? p.raw.map((r) => [r]) : [p.raw];
    for (const r of runs) parts.push(raw(eb, `${tsRunsSql(r, params as (number | string)[])}${versionSql(p, params)}`));
  }
  return parts.join(' UNION ALL ');
}

export async function rollupEventCounts(c: DuckDBConnection, l: RollupLayout, p: RollupPlan, byVersion: boolean): Promise<EventCountBucket[]> {
  const params: DuckDBValue[] = [];
  const v = byVersion ? 'version' : `''`;
  const src = sources(
    p,
    params,
    (b, w) => `SELECT ${b} AS b, ${v} AS v, events, errors, lat_count, lat_sum FROM ${q(rollupTable(l.id, 'traffic'))} WHERE ${w}`,
    (b, w) => `SELECT ${b} AS b, ${v} AS v, count(*), count_if(error), count(latency_ms), coalesce(fsum(latency_ms), 0) FROM ${q(l.events)} WHERE ${w} GROUP BY ALL`,
  );
  const res = await c.runAndReadAll(`SELECT b, v, sum(events), sum(errors), sum(lat_count), fsum(lat_sum) FROM (${src}) GROUP BY ALL HAVING sum(events) > 0 ORDER BY ALL`, params);
  return res.getRows().map((r) => {
    const out: EventCountBucket = {
      start: p.bucketMs === null ? p.from : p.origin + num(r[0]) * p.bucketMs,
      events: count(r[2]),
      errors: count(r[3]),
      latencyCount: count(r[4]),
      latencySumMs: num(r[5]),
    };
    if (byVersion) out.version = r[1] as string;
    return out;
  });
}

/** The value at quantile `qt` (linear interpolation between order statistics, like `quantile_cont`) from log bins, each order statistic at its bin's geometric middle, clamped to [min, max]. */
export function quantileFromBins(bins: readonly [number, number][], qt: number, min: number, max: number): number {
  const n = bins.reduce((a, b) => a + b[1], 0);
  if (n === 0) return NaN;
  const sorted = [...bins].sort((a, b) => a[0] - b[0]);
  const at = (k: number) => {
    let seen = 0;
    for (const [bin, c] of sorted) {
      seen += c;
      if (k < seen) {
        const v = bin === LATENCY_ZERO_BIN ? 0 : 2 ** ((bin + 0.5) / LATENCY_BINS_PER_OCTAVE);
        return Math.min(max, Math.max(min, v));
      }
    }
    return max;
  };
  const pos = qt * (n - 1);
  const lo = Math.floor(pos);
  const f = pos - lo;
  const a = at(lo);
  return f === 0 ? a : a + f * (at(lo + 1) - a);
}

export const LATENCY_RELATIVE_ERROR = 2 ** (0.5 / LATENCY_BINS_PER_OCTAVE) - 1;

/** Latency bins (and counts) of a window: from a plan, or raw over the whole window when `p` is a plain window. */
export async function latencySummary(c: DuckDBConnection, l: RollupLayout, p: RollupPlan): Promise<LatencySummary> {
  const tp: DuckDBValue[] = [];
  const totals = sources(
    p,
    tp,
    (_b, w) => `SELECT events, errors, error_flags, lat_count, lat_min, lat_max FROM ${q(rollupTable(l.id, 'traffic'))} WHERE ${w}`,
    (_b, w) => `SELECT count(*), count_if(error), count(error), count(latency_ms), min(latency_ms), max(latency_ms) FROM ${q(l.events)} WHERE ${w}`,
  );
  const [t] = (await c.runAndReadAll(`SELECT sum(events), sum(errors), sum(error_flags), sum(lat_count), min(lat_min), max(lat_max) FROM (${totals})`, tp)).getRows();
  const bp: DuckDBValue[] = [];
  const binSrc = sources(
    p,
    bp,
    (_b, w) => `SELECT bin, n FROM ${q(rollupTable(l.id, 'lat'))} WHERE ${w}`,
    (_b, w) => `SELECT ${latencyBinSql('latency_ms')} AS bin, count(*) AS n FROM ${q(l.events)} WHERE ${w} AND latency_ms IS NOT NULL GROUP BY 1`,
  );
  const bins = (await c.runAndReadAll(`SELECT bin, sum(n) FROM (${binSrc}) GROUP BY 1`, bp)).getRows().map((r) => [num(r[0]), count(r[1])] as [number, number]);
  const min = num(t[4]);
  const max = num(t[5]);
  return {
    rows: count(t[0]),
    errors: count(t[1]),
    errorFlags: count(t[2]),
    latencyCount: count(t[3]),
    latencyP50Ms: quantileFromBins(bins, 0.5, min, max),
    latencyP99Ms: quantileFromBins(bins, 0.99, min, max),
    relativeError: LATENCY_RELATIVE_ERROR,
  };
}

/** A plan that reads the whole window raw (for the same code paths without rollups). */
export function rawPlan(w: WindowQuery, bucketMs: number | null): RollupPlan {
  return { hours: [], raw: [[w.from, w.to]], from: w.from, origin: w.from, bucketMs, version: w.version ?? null, columns: new Map() };
}

/** Numeric aggregates per bucket (or of the window with `bucketMs: null`), merged from per-hour parts (Chan et al.). */
export async function rollupNumericByBucket(c: DuckDBConnection, l: RollupLayout, p: RollupPlan, col: PhysicalColumn): Promise<(NumericAggregate & { start: number })[]> {
  const params: DuckDBValue[] = [];
  params.push(col.physical);
  const x = numericSql(col);
  const f = 'FILTER (WHERE isfinite(x))';
  const src = sources(
    p,
    params,
    (b, w) => `SELECT ${b} AS b, "rows", nonnull, nonfinite, n, min, max, sum, sumsq, mean, m2 FROM ${q(rollupTable(l.id, 'num'))} WHERE col = $1 AND ${w}`,
    (b, w) =>
      `SELECT b, count(*), count(x), count_if(x IS NOT NULL AND NOT isfinite(x)), count(x) ${f}, min(x) ${f}, max(x) ${f}, fsum(x) ${f}, fsum(x * x) ${f}, avg(x) ${f}, var_pop(x) ${f} * count(x) ${f}
       FROM (SELECT ${b} AS b, ${x} AS x FROM ${q(l.events)} WHERE ${w}) GROUP BY b`,
  );
  // Parts merged in a fixed order: the same data gives the same bits.
  const res = await c.runAndReadAll(`${src} ORDER BY ALL`, params);
  const byBucket = new Map<number, MomentsAcc & { start: number }>();
  for (const r of res.getRows()) {
    const b = num(r[0]);
    let m = byBucket.get(b);
    if (!m) byBucket.set(b, (m = { ...emptyMoments(), start: p.bucketMs === null ? p.from : p.origin + b * p.bucketMs }));
    addMomentsRow(m, r);
  }
  return [...byBucket.values()]
    .filter((m) => m.rows > 0)
    .sort((a, b) => a.start - b.start)
    .map((m) => finishMoments(m) as NumericAggregate & { start: number });
}

/** Category counts per bucket (or of the window), top K by count then value, like the raw query. */
export async function rollupCategoriesByBucket(c: DuckDBConnection, l: RollupLayout, p: RollupPlan, col: PhysicalColumn, topK: number): Promise<(CategoryCounts & { start: number })[]> {
  const params: DuckDBValue[] = [col.physical];
  const vals = sources(
    p,
    params,
    (b, w) => `SELECT ${b} AS b, v, n FROM ${q(rollupTable(l.id, 'cat'))} WHERE col = $1 AND ${w}`,
    (b, w) => `SELECT ${b} AS b, ${categorySql(col)} AS v, count(*) AS n FROM ${q(l.events)} WHERE ${w} GROUP BY ALL`,
  );
  const rowSrc = sources(
    p,
    params,
    (b, w) => `SELECT ${b} AS b, events AS n FROM ${q(rollupTable(l.id, 'traffic'))} WHERE ${w}`,
    (b, w) => `SELECT ${b} AS b, count(*) AS n FROM ${q(l.events)} WHERE ${w} GROUP BY ALL`,
  );
  params.push(Math.max(0, Math.floor(topK)));
  const kp = `$${params.length}`;
  const res = await c.runAndReadAll(
    `WITH g AS (SELECT b, v, sum(n) AS n FROM (${vals}) WHERE v IS NOT NULL GROUP BY b, v),
          t AS (SELECT b, sum(n) AS n FROM (${rowSrc}) GROUP BY b HAVING sum(n) > 0),
          r AS (SELECT b, v, n, row_number() OVER (PARTITION BY b ORDER BY n DESC, v ASC) AS rk FROM g)
     SELECT 0 AS part, b, v, CAST(n AS DOUBLE), CAST(rk AS DOUBLE) FROM r WHERE rk <= ${kp}
     UNION ALL SELECT 1, b, NULL, CAST(sum(n) AS DOUBLE), CAST(count(*) AS DOUBLE) FROM r WHERE rk > ${kp} GROUP BY b
     UNION ALL SELECT 2, t.b, NULL, CAST(t.n AS DOUBLE), CAST(coalesce(s.n, 0) AS DOUBLE) FROM t LEFT JOIN (SELECT b, sum(n) AS n FROM g GROUP BY b) s ON s.b = t.b
     ORDER BY 2, 1, 5`,
    params,
  );
  return categoryBucketsOf(res.getRows(), (b) => (p.bucketMs === null ? p.from : p.origin + b * p.bucketMs));
}

/**
 * Counts of a numeric column's finite values on `edges` — bins `(-inf, e0]`,
 * `(e_i, e_i+1]`, `(e_last, +inf)` like the raw query — from the per-hour value
 * counts (exact for any edges) plus the raw runs' values.
 */
export async function rollupHistogram(c: DuckDBConnection, l: RollupLayout, p: RollupPlan, col: PhysicalColumn, edges: readonly number[]): Promise<number[]> {
  const params: DuckDBValue[] = [col.physical];
  const x = q(col.physical);
  const src = sources(
    p,
    params,
    (_b, w) => `SELECT x, n FROM ${q(rollupTable(l.id, 'nval'))} WHERE col = $1 AND ${w}`,
    (_b, w) => `SELECT ${x} AS x, count(*) AS n FROM ${q(l.events)} WHERE ${w} AND isfinite(${x}) GROUP BY 1`,
  );
  const out = new Array<number>(edges.length + 1).fill(0);
  for (const [v, n] of (await c.runAndReadAll(`SELECT x, sum(n) FROM (${src}) GROUP BY 1`, params)).getRows()) {
    const value = num(v);
    let lo = 0;
    let hi = edges.length; // the number of edges strictly below the value
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (value <= edges[mid]) hi = mid;
      else lo = mid + 1;
    }
    out[lo] += count(n);
  }
  return out;
}


/**
 * Counts of a continuous column's finite values on `edges` from the counts
 * kept for that edge set (rollups.ts `hist`) plus the raw runs; `null` when
 * the set is not kept (yet).
 */
export async function rollupHistogramSet(c: DuckDBConnection, l: RollupLayout, p: RollupPlan, col: PhysicalColumn, edges: readonly number[]): Promise<number[] | null> {
  const key = edgesKey(edges);
  const [[ready]] = (await c.runAndReadAll(`SELECT count(*) FROM ${q(rollupTable(l.id, 'hsets'))} WHERE col = $1 AND edges = $2 AND ready`, [col.physical, key])).getRows();
  if (count(ready) === 0) return null;
  // The edges are parameters of the raw part only (a statement must use every parameter).
  const params: DuckDBValue[] = [col.physical, key, ...(p.raw.length > 0 ? edges : [])];
  const x = q(col.physical);
  const bin = edges.length > 0 ? binExpression('x', edges.length, 3) : '0';
  const src = sources(
    p,
    params,
    (_b, w) => `SELECT bin, n FROM ${q(rollupTable(l.id, 'hist'))} WHERE col = $1 AND edges = $2 AND ${w}`,
    (_b, w) => `SELECT ${bin} AS bin, count(*) AS n FROM (SELECT ${x} AS x FROM ${q(l.events)} WHERE ${w} AND isfinite(${x})) GROUP BY 1`,
  );
  const out = new Array<number>(edges.length + 1).fill(0);
  for (const [b, n] of (await c.runAndReadAll(`SELECT bin, sum(n) FROM (${src}) GROUP BY 1`, params)).getRows()) out[num(b)] += count(n);
  planCounts.histogramSets++;
  return out;
}
