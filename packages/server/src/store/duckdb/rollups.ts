/**
 * Pre-aggregated hourly rollups of a model's events, so that the dashboard's
 * long ranges read a few thousand rows instead of millions of events.
 *
 * Per model (`ru_<id>_*` tables), per hour of event time and version:
 * - `traffic`: events, errors, error flags, latency count / sum / min / max;
 * - `lat`: latency counts on fixed logarithmic bins ({@link LATENCY_BINS_PER_OCTAVE}
 *   per doubling, so a quantile read from them is within about ±2.2 % of the exact one);
 * - `num`: per numeric or datetime column, rows, non-missing, non-finite, and
 *   count / min / max / sum / sum of squares / mean / M2 of the finite values;
 * - `cat`: per categorical, boolean or text column, the count of every value
 *   (a column whose hour holds more than {@link MAX_CATEGORIES_PER_HOUR} values
 *   is left out and always read raw);
 * - `nval`: per numeric column, the count of every finite value, while an hour
 *   holds at most {@link MAX_CATEGORIES_PER_HOUR} distinct ones (integers,
 *   distances, prices…): a histogram on any edges is then exact from them
 *   (continuous columns are left out);
 * - `hist`: for continuous numeric columns, counts on the bin edges the
 *   dashboard asked for (`hsets`: registered on the first request, built for
 *   every hour in the background, then kept by every fold; at most
 *   {@link MAX_HISTOGRAM_SETS} edge sets per column, the oldest dropped) — a
 *   feature's histogram edges depend only on its reference;
 * - `hours`: the hours rolled up and how many events each held when it was.
 *
 * Exactness does not depend on when the rollups were maintained: events are
 * only ever appended (retention deletes whole old hours from the rollups too),
 * so an hour whose stored count equals its current event count is exact. A
 * read checks that in its own snapshot (rollup-read.ts): at once when the
 * table's row count is the one of the last complete fold (nothing written
 * since) or that plus what the hours written since (the commit hook's) gained
 * — those hours are then read raw —, else by counting events per hour of the
 * range; hours that are not exact are read raw. Folds run in the background
 * (after commits, at start for an existing store, and when a read found stale
 * hours), a bounded chunk per write transaction so ingest waits at most one
 * chunk: a full check refolds stale hours whole ({@link foldChunk}); once the
 * rollups are complete, a delta fold aggregates only the rows appended since
 * (by row id) and merges them into their hours ({@link foldDelta}), so a busy
 * live hour costs what it gained, not what it holds.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PhysicalColumn } from './sql.js';
import { binExpression, quoteIdent as q } from './sql.js';
import { count, num } from './values.js';

/** The rollup granularity: one hour of event time. */
export const ROLLUP_MS = 3_600_000;
/** Latency bins per doubling: bin `floor(log2(ms) * 16)`; a bin spans a factor 2^(1/16) ≈ 1.044. */
export const LATENCY_BINS_PER_OCTAVE = 16;
/** Bin of latencies ≤ 0. */
export const LATENCY_ZERO_BIN = -1_000_000;
/** Values of a categorical column in one hour and version beyond which the column is not rolled up. */
export const MAX_CATEGORIES_PER_HOUR = 1000;
/** Version of the rollup tables' contents: another one rebuilds them (kept as the `cols` row of column ''). */
const ROLLUP_FORMAT = 'format-2';
/** Numeric columns aggregated per scan of the events. */
const NUMERIC_PER_SCAN = 16;
/** Events folded per write transaction (about). */
export const CHUNK_EVENTS = 1_000_000;

/** A model's tables and columns as the rollups see them. */
export interface RollupLayout {
  id: number;
  model: string;
  events: string;
  /** Active numeric and datetime columns. */
  numeric: PhysicalColumn[];
  /** Active categorical, boolean and text columns. */
  categorical: PhysicalColumn[];
}

export const rollupTable = (id: number, part: 'hours' | 'traffic' | 'lat' | 'num' | 'cat' | 'nval' | 'hist' | 'hsets' | 'cols') => `ru_${id}_${part}`;

/** Histogram edge sets kept per column. */
export const MAX_HISTOGRAM_SETS = 2;
/** The key of an edge set (JSON keeps every double exactly). */
export const edgesKey = (edges: readonly number[]) => JSON.stringify(edges);

/** SQL of the hour (epoch ms) of `ts`. */
export const HOUR_SQL = (alias = '') => `epoch_ms(date_trunc('hour', ${alias}ts))`;

/** SQL of a latency's bin. */
export const latencyBinSql = (x: string) => `CASE WHEN ${x} > 0 THEN CAST(floor(log2(${x}) * ${LATENCY_BINS_PER_OCTAVE}) AS INTEGER) ELSE ${LATENCY_ZERO_BIN} END`;

/** A numeric column's values as DOUBLE. */
export const numericSql = (c: PhysicalColumn) => (c.kind === 'datetime' ? `CAST(epoch_ms(${q(c.physical)}) AS DOUBLE)` : q(c.physical));
/** A categorical column's values as VARCHAR. */
export const categorySql = (c: PhysicalColumn) => (c.kind === 'boolean' ? `CAST(${q(c.physical)} AS VARCHAR)` : q(c.physical));

export function rollupDdl(id: number): string[] {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(id, p));
  return [
    `CREATE TABLE IF NOT EXISTS ${t('hours')} (hour BIGINT PRIMARY KEY, events BIGINT NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t('traffic')} (hour BIGINT, version VARCHAR, events BIGINT, errors BIGINT, error_flags BIGINT, lat_count BIGINT, lat_sum DOUBLE, lat_min DOUBLE, lat_max DOUBLE)`,
    `CREATE TABLE IF NOT EXISTS ${t('lat')} (hour BIGINT, version VARCHAR, bin INTEGER, n BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${t('num')} (hour BIGINT, version VARCHAR, col VARCHAR, "rows" BIGINT, nonnull BIGINT, nonfinite BIGINT, n BIGINT, min DOUBLE, max DOUBLE, sum DOUBLE, sumsq DOUBLE, mean DOUBLE, m2 DOUBLE)`,
    `CREATE TABLE IF NOT EXISTS ${t('cat')} (hour BIGINT, version VARCHAR, col VARCHAR, v VARCHAR, n BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${t('nval')} (hour BIGINT, version VARCHAR, col VARCHAR, x DOUBLE, n BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${t('hist')} (hour BIGINT, version VARCHAR, col VARCHAR, edges VARCHAR, bin INTEGER, n BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${t('hsets')} (col VARCHAR, edges VARCHAR, ready BOOLEAN NOT NULL, used BIGINT NOT NULL, PRIMARY KEY (col, edges))`,
    // The columns rolled up, with their kind: value counts (cat, nval) kept ('on') or left out for too many values ('off').
    `CREATE TABLE IF NOT EXISTS ${t('cols')} (col VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, state VARCHAR NOT NULL)`,
  ];
}

const DATA_PARTS = ['hours', 'traffic', 'lat', 'num', 'cat', 'nval', 'hist'] as const;

/** `(x >= a AND x < b) OR …` over runs of hours; pushes parameters. */
export function runsSql(x: string, runs: readonly [number, number][], params: (number | string)[]): string {
  if (runs.length === 0) return 'FALSE';
  return `(${runs
    .map(([a, b]) => {
      params.push(a, b);
      return `(${x} >= $${params.length - 1} AND ${x} < $${params.length})`;
    })
    .join(' OR ')})`;
}

/** Sorted hours as runs `[start, end)` of consecutive hours. */
export function hourRuns(hours: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const h of hours) {
    const last = runs[runs.length - 1];
    if (last && last[1] === h) last[1] = h + ROLLUP_MS;
    else runs.push([h, h + ROLLUP_MS]);
  }
  return runs;
}

/** Time runs (ms) as a `ts` condition; pushes parameters. */
export function tsRunsSql(runs: readonly [number, number][], params: (number | string)[], alias = ''): string {
  if (runs.length === 0) return 'FALSE';
  return `(${runs
    .map(([a, b]) => {
      params.push(Math.floor(a), Math.floor(b));
      return `(${alias}ts >= epoch_ms($${params.length - 1}::BIGINT) AND ${alias}ts < epoch_ms($${params.length}::BIGINT))`;
    })
    .join(' OR ')})`;
}

/** The rolled-up columns of a model and their state. */
export async function readRollupColumns(c: DuckDBConnection, id: number): Promise<Map<string, { kind: string; on: boolean }>> {
  const rows = (await c.runAndReadAll(`SELECT col, kind, state FROM ${q(rollupTable(id, 'cols'))}`)).getRows();
  return new Map(rows.map((r) => [r[0] as string, { kind: r[1] as string, on: r[2] === 'on' }]));
}

/** Where a model's rollups stood when last known complete: every event with a row id below `rowEnd` (`count` of them) is folded, none above. */
export interface RollupBase {
  count: number;
  rowEnd: number;
}

/** The events table's row count and the row id after its last row (inside the caller's transaction). */
async function baseNow(w: DuckDBConnection, l: RollupLayout): Promise<RollupBase> {
  const [[n, last]] = (await w.runAndReadAll(`SELECT count(*), coalesce(max(rowid) + 1, 0) FROM ${q(l.events)}`)).getRows();
  return { count: count(n), rowEnd: num(last) };
}

/** Whether the rollups hold the layout's columns (else a full check starts them again). */
async function sameColumns(w: DuckDBConnection, l: RollupLayout): Promise<{ same: boolean; wanted: { physical: string; kind: string }[] }> {
  const cols = await readRollupColumns(w, l.id);
  const wanted = [{ physical: '', kind: ROLLUP_FORMAT }, ...l.numeric, ...l.categorical];
  return { same: cols.size === wanted.length && wanted.every((c) => cols.get(c.physical)?.kind === c.kind), wanted };
}

/**
 * Folds one chunk of a model's stale hours on the writer connection, inside
 * the caller's transaction. Returns the rollups' base when nothing is stale
 * after it (complete: the reads compare the table's row count with it),
 * else the hours folded and how many stale hours remain.
 */
export async function foldChunk(w: DuckDBConnection, l: RollupLayout): Promise<{ base: RollupBase } | { folded: number; events: number; remaining: number }> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  const ev = q(l.events);
  // Same columns as when the rollups were built? Else start again.
  const { same, wanted } = await sameColumns(w, l);
  if (!same) {
    for (const p of [...DATA_PARTS, 'cols', 'hsets'] as const) await w.run(`DELETE FROM ${t(p)}`);
    for (const c of wanted) await w.run(`INSERT INTO ${t('cols')} VALUES ($1, $2, 'on')`, [c.physical, c.kind]);
  }
  const offCols = same ? await offColumns(w, l.id) : new Set<string>();
  const stale = (
    await w.runAndReadAll(
      `SELECT coalesce(a.h, r.hour) AS h, coalesce(a.n, 0) FROM (SELECT ${HOUR_SQL()} AS h, count(*) AS n FROM ${ev} GROUP BY 1) a
       FULL OUTER JOIN ${t('hours')} r ON r.hour = a.h WHERE a.n IS DISTINCT FROM r.events ORDER BY 1`,
    )
  ).getRows();
  if (stale.length === 0) return { base: await baseNow(w, l) };
  const hours: number[] = [];
  let events = 0;
  for (const [h, n] of stale) {
    if (hours.length > 0 && events + count(n) > CHUNK_EVENTS) break;
    hours.push(num(h));
    events += count(n);
  }
  await foldRuns(w, l, hourRuns(hours), offCols);
  // The last chunk completes the check in its own transaction (under steady traffic a later one would find the live hour stale again).
  if (hours.length === stale.length) return { base: await baseNow(w, l) };
  return { folded: hours.length, events, remaining: stale.length - hours.length };
}

/** Columns whose value counts are left out. */
async function offColumns(w: DuckDBConnection, id: number): Promise<Set<string>> {
  return new Set([...(await readRollupColumns(w, id))].filter(([, v]) => !v.on).map(([k]) => k));
}

/**
 * Folds the events appended since `base` (row ids from `base.rowEnd` on, at
 * most `chunkEvents` row ids) into the rollups, inside the caller's
 * transaction: their aggregates per hour and version are merged with the
 * hours' rolled-up ones (counts and sums add, minima and maxima combine,
 * means and M2 by Chan et al.'s pairwise update), so a live hour costs what
 * it gained, not what it holds. Returns the new base and how many appended
 * events remain, or `null` when the table is not `base` plus appends
 * (retention, a schema change, a write not seen): a full check is needed.
 */
export async function foldDelta(w: DuckDBConnection, l: RollupLayout, base: RollupBase, chunkEvents = CHUNK_EVENTS): Promise<{ base: RollupBase; remaining: number } | null> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  const ev = q(l.events);
  if (!(await sameColumns(w, l)).same) return null;
  const [[total, added, last]] = (
    await w.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE rowid >= $1), coalesce(max(rowid) + 1, 0) FROM ${ev}`, [base.rowEnd])
  ).getRows();
  // Only appends since the base: the rows below rowEnd are exactly the ones folded.
  if (count(total) !== base.count + count(added)) return null;
  if (count(added) === 0) return { base, remaining: 0 };
  const end = Math.min(num(last), base.rowEnd + chunkEvents);
  const d = (p: string) => q(`mw_rollup_delta_${p}`);
  for (const p of DATA_PARTS) await w.run(`CREATE OR REPLACE TEMP TABLE ${d(p)} AS SELECT * FROM ${t(p)} LIMIT 0`);
  const offCols = await offColumns(w, l.id);
  await insertAggregates(w, l, 'rowid >= $1 AND rowid < $2', [base.rowEnd, end], d, offCols);
  await w.run(`CREATE OR REPLACE TEMP TABLE ${d('h')} AS SELECT DISTINCT hour FROM ${d('hours')}`);
  const inDelta = `hour IN (SELECT hour FROM ${d('h')})`;
  for (const p of DATA_PARTS) {
    await w.run(`CREATE OR REPLACE TEMP TABLE ${d('merged')} AS ${MERGE_SQL[p](`SELECT * FROM ${t(p)} WHERE ${inDelta} UNION ALL SELECT * FROM ${d(p)}`)}`);
    await w.run(`DELETE FROM ${t(p)} WHERE ${inDelta}`);
    await w.run(`INSERT INTO ${t(p)} SELECT * FROM ${d('merged')}`);
  }
  await leaveOutVaried(w, l, inDelta, [], offCols);
  const [[folded]] = (await w.runAndReadAll(`SELECT coalesce(sum(events), 0) FROM ${d('hours')}`)).getRows();
  for (const p of [...DATA_PARTS, 'h', 'merged']) await w.run(`DROP TABLE IF EXISTS ${d(p)}`);
  const next = { count: base.count + count(folded), rowEnd: end };
  return { base: next, remaining: count(total) - next.count };
}

/**
 * Per rollup table, the SQL merging rows of the same key (rolled-up and
 * delta rows of `src`), in the table's column order. Means and M2 combine as
 * M = Σ nᵢ·meanᵢ / N and M2 = Σ (M2ᵢ + nᵢ·(meanᵢ − M)²); a key with one row
 * keeps its values unchanged.
 */
const MERGE_SQL: Record<(typeof DATA_PARTS)[number], (src: string) => string> = {
  hours: (src) => `SELECT hour, sum(events) FROM (${src}) GROUP BY hour`,
  traffic: (src) =>
    `SELECT hour, version, sum(events), sum(errors), sum(error_flags), sum(lat_count), sum(lat_sum), min(lat_min), max(lat_max) FROM (${src}) GROUP BY hour, version`,
  lat: (src) => `SELECT hour, version, bin, sum(n) FROM (${src}) GROUP BY hour, version, bin`,
  num: (src) =>
    `SELECT hour, version, col, sum("rows"), sum(nonnull), sum(nonfinite), sum(n), min(min), max(max), sum(sum), sum(sumsq),
       CASE WHEN count(*) = 1 THEN any_value(mean) WHEN sum(n) > 0 THEN any_value(m) END,
       CASE WHEN count(*) = 1 THEN any_value(m2) WHEN sum(n) > 0 THEN sum(CASE WHEN n > 0 THEN m2 + n * (mean - m) * (mean - m) END) END
     FROM (SELECT *, sum(CASE WHEN n > 0 THEN n * mean END) OVER g / nullif(sum(n) OVER g, 0) AS m FROM (${src}) WINDOW g AS (PARTITION BY hour, version, col))
     GROUP BY hour, version, col`,
  cat: (src) => `SELECT hour, version, col, v, sum(n) FROM (${src}) GROUP BY hour, version, col, v`,
  nval: (src) => `SELECT hour, version, col, x, sum(n) FROM (${src}) GROUP BY hour, version, col, x`,
  hist: (src) => `SELECT hour, version, col, edges, bin, sum(n) FROM (${src}) GROUP BY hour, version, col, edges, bin`,
};

/** Recomputes the rollups of whole hours (runs) from the events. */
async function foldRuns(w: DuckDBConnection, l: RollupLayout, runs: [number, number][], offCols: Set<string>): Promise<void> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  const hp: (number | string)[] = [];
  const hourCond = runsSql('hour', runs, hp);
  for (const p of DATA_PARTS) await w.run(`DELETE FROM ${t(p)} WHERE ${hourCond}`, hp);
  const tp: (number | string)[] = [];
  await insertAggregates(w, l, tsRunsSql(runs, tp), tp, t, offCols);
  await leaveOutVaried(w, l, hourCond, hp, offCols);
}

/** Inserts the rollup rows of the events matching `where` into the tables `into` names (the rollups, or a delta's). */
async function insertAggregates(w: DuckDBConnection, l: RollupLayout, where: string, wp: readonly (number | string)[], into: (p: (typeof DATA_PARTS)[number]) => string, offCols: Set<string>): Promise<void> {
  const ev = q(l.events);
  const tp = [...wp];
  const H = HOUR_SQL();
  await w.run(`INSERT INTO ${into('hours')} SELECT ${H}, count(*) FROM ${ev} WHERE ${where} GROUP BY 1`, tp);
  await w.run(
    `INSERT INTO ${into('traffic')} SELECT ${H}, version, count(*), count_if(error), count(error), count(latency_ms), coalesce(fsum(latency_ms), 0), min(latency_ms), max(latency_ms)
     FROM ${ev} WHERE ${where} GROUP BY ALL`,
    tp,
  );
  await w.run(`INSERT INTO ${into('lat')} SELECT ${H}, version, ${latencyBinSql('latency_ms')}, count(*) FROM ${ev} WHERE ${where} AND latency_ms IS NOT NULL GROUP BY ALL`, tp);
  // The moments of several numeric columns in one scan; finite values through a CASE (filtered aggregates cost about twice as much).
  for (let g = 0; g < l.numeric.length; g += NUMERIC_PER_SCAN) {
    const cols = l.numeric.slice(g, g + NUMERIC_PER_SCAN);
    const inner = cols.map((c, k) => `${numericSql(c)} AS x${k}, CASE WHEN isfinite(${numericSql(c)}) THEN ${numericSql(c)} END AS y${k}`);
    const aggs = cols.map(
      (_, k) => `count(x${k}) AS nn${k}, count(x${k}) - count(y${k}) AS nf${k}, count(y${k}) AS n${k}, min(y${k}) AS lo${k}, max(y${k}) AS hi${k},
        fsum(y${k}) AS s${k}, fsum(y${k} * y${k}) AS ss${k}, avg(y${k}) AS m${k}, var_pop(y${k}) * count(y${k}) AS mm${k}`,
    );
    const rows = cols.map((_, k) => `SELECT h, version, $${tp.length + 1 + k}, r, nn${k}, nf${k}, n${k}, lo${k}, hi${k}, s${k}, ss${k}, m${k}, mm${k} FROM a`);
    await w.run(
      `INSERT INTO ${into('num')} WITH a AS MATERIALIZED (SELECT h, version, count(*) AS r, ${aggs.join(', ')} FROM (SELECT ${H} AS h, version, ${inner.join(', ')} FROM ${ev} WHERE ${where}) GROUP BY h, version)
       ${rows.join(' UNION ALL ')}`,
      [...tp, ...cols.map((c) => c.physical)],
    );
  }
  for (const [col, key] of await histogramSets(w, l)) await insertHistogram(w, l, col, key, where, tp, into('hist'));
  const valueCounts: [PhysicalColumn, 'cat' | 'nval', string][] = [
    ...l.categorical.map((c) => [c, 'cat', `SELECT ${H} AS h, version, ${categorySql(c)} AS v FROM ${ev} WHERE ${where}`] as [PhysicalColumn, 'cat', string]),
    ...l.numeric.filter((c) => c.kind === 'numeric').map((c) => [c, 'nval', `SELECT ${H} AS h, version, ${q(c.physical)} AS v FROM ${ev} WHERE ${where} AND isfinite(${q(c.physical)})`] as [PhysicalColumn, 'nval', string]),
  ];
  for (const [c, part, src] of valueCounts) {
    if (offCols.has(c.physical)) continue;
    await w.run(`INSERT INTO ${into(part)} SELECT h, version, $${tp.length + 1}, v, count(*) FROM (${src}) WHERE v IS NOT NULL GROUP BY h, version, v`, [...tp, c.physical]);
  }
}

/** Leaves out the value counts of columns with more than {@link MAX_CATEGORIES_PER_HOUR} values in an hour and version of `hourCond`. */
async function leaveOutVaried(w: DuckDBConnection, l: RollupLayout, hourCond: string, hp: readonly (number | string)[], offCols: Set<string>): Promise<void> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  for (const part of ['cat', 'nval'] as const) {
    const varied = (
      await w.runAndReadAll(`SELECT col FROM (SELECT col, count(*) AS k FROM ${t(part)} WHERE ${hourCond} GROUP BY hour, version, col) GROUP BY col HAVING max(k) > ${MAX_CATEGORIES_PER_HOUR}`, [...hp])
    ).getRows();
    for (const [col] of varied) {
      await w.run(`DELETE FROM ${t(part)} WHERE col = $1`, [col as string]);
      await w.run(`UPDATE ${t('cols')} SET state = 'off' WHERE col = $1`, [col as string]);
      offCols.add(col as string);
    }
  }
}

/** The registered histogram edge sets of a model's current columns. */
async function histogramSets(w: DuckDBConnection, l: RollupLayout): Promise<[PhysicalColumn, string][]> {
  const rows = (await w.runAndReadAll(`SELECT col, edges FROM ${q(rollupTable(l.id, 'hsets'))}`)).getRows();
  const out: [PhysicalColumn, string][] = [];
  for (const [col, key] of rows) {
    const c = l.numeric.find((x) => x.physical === col && x.kind === 'numeric');
    if (c) out.push([c, key as string]);
  }
  return out;
}

/** Counts of a column's finite values on an edge set, per hour and version, for the events matching `where`. */
async function insertHistogram(w: DuckDBConnection, l: RollupLayout, c: PhysicalColumn, key: string, where: string, whereParams: readonly (number | string)[], into = q(rollupTable(l.id, 'hist'))): Promise<void> {
  const edges = JSON.parse(key) as number[];
  const params: (number | string)[] = [...whereParams];
  const first = params.length + 1;
  params.push(...edges);
  const bin = edges.length > 0 ? binExpression('x', edges.length, first) : '0';
  params.push(c.physical, key);
  await w.run(
    `INSERT INTO ${into} SELECT h, version, $${params.length - 1}, $${params.length}, ${bin}, count(*)
     FROM (SELECT ${HOUR_SQL()} AS h, version, ${q(c.physical)} AS x FROM ${q(l.events)} WHERE ${where} AND isfinite(${q(c.physical)})) GROUP BY ALL`,
    params,
  );
}

/**
 * Registers an edge set of a column and builds its counts for every hour
 * (inside the caller's transaction) from the events the rollups hold: those
 * below `rowEnd` when the rollups' base is known (later appends are added by
 * the next delta fold), else all (a full check refolds stale hours whole);
 * the oldest sets beyond {@link MAX_HISTOGRAM_SETS} are dropped.
 */
export async function buildHistogramSet(w: DuckDBConnection, l: RollupLayout, c: PhysicalColumn, edges: readonly number[], rowEnd?: number): Promise<void> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  const key = edgesKey(edges);
  const [[has]] = (await w.runAndReadAll(`SELECT count(*) FROM ${t('hsets')} WHERE col = $1 AND edges = $2 AND ready`, [c.physical, key])).getRows();
  if (count(has) > 0) return;
  await w.run(`DELETE FROM ${t('hist')} WHERE col = $1 AND edges = $2`, [c.physical, key]);
  await w.run(`INSERT INTO ${t('hsets')} VALUES ($1, $2, false, $3) ON CONFLICT DO NOTHING`, [c.physical, key, Date.now()]);
  if (rowEnd === undefined) await insertHistogram(w, l, c, key, 'TRUE', []);
  else await insertHistogram(w, l, c, key, 'rowid < $1', [rowEnd]);
  await w.run(`UPDATE ${t('hsets')} SET ready = true, used = $3 WHERE col = $1 AND edges = $2`, [c.physical, key, Date.now()]);
  const old = (await w.runAndReadAll(`SELECT edges FROM ${t('hsets')} WHERE col = $1 ORDER BY used DESC OFFSET ${MAX_HISTOGRAM_SETS}`, [c.physical])).getRows();
  for (const [k] of old) {
    await w.run(`DELETE FROM ${t('hist')} WHERE col = $1 AND edges = $2`, [c.physical, k as string]);
    await w.run(`DELETE FROM ${t('hsets')} WHERE col = $1 AND edges = $2`, [c.physical, k as string]);
  }
}

/** Deletes the rollups of hours that start before `before` rounded up to an hour (retention). */
export async function dropRollupsBefore(w: DuckDBConnection, id: number, before: number): Promise<void> {
  const cut = Math.ceil(before / ROLLUP_MS) * ROLLUP_MS;
  for (const p of DATA_PARTS) await w.run(`DELETE FROM ${q(rollupTable(id, p))} WHERE hour < $1`, [cut]);
}
