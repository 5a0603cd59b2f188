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
 * hours), a bounded chunk of hours per write transaction so ingest waits at
 * most one chunk.
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

/**
 * Folds one chunk of a model's stale hours on the writer connection, inside
 * the caller's transaction. Returns `null` when nothing is stale (and the
 * events table's row count, which the reads compare with), else the hours folded.
 */
export async function foldChunk(w: DuckDBConnection, l: RollupLayout): Promise<{ total: number } | { folded: number; events: number; remaining: number }> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  const ev = q(l.events);
  // Same columns as when the rollups were built? Else start again.
  const cols = await readRollupColumns(w, l.id);
  const wanted = [{ physical: '', kind: ROLLUP_FORMAT }, ...l.numeric, ...l.categorical];
  const same = cols.size === wanted.length && wanted.every((c) => cols.get(c.physical)?.kind === c.kind);
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
  if (stale.length === 0) {
    const [[total]] = (await w.runAndReadAll(`SELECT count(*) FROM ${ev}`)).getRows();
    return { total: count(total) };
  }
  const hours: number[] = [];
  let events = 0;
  for (const [h, n] of stale) {
    if (hours.length > 0 && events + count(n) > CHUNK_EVENTS) break;
    hours.push(num(h));
    events += count(n);
  }
  await foldRuns(w, l, hourRuns(hours), offCols);
  return { folded: hours.length, events, remaining: stale.length - hours.length };
}

/** Columns whose value counts are left out. */
async function offColumns(w: DuckDBConnection, id: number): Promise<Set<string>> {
  return new Set([...(await readRollupColumns(w, id))].filter(([, v]) => !v.on).map(([k]) => k));
}

/**
 * Folds the hours a commit hook saw written (inside the caller's
 * transaction) and keeps the rollups known complete when nothing else
 * changed: the table's row count must be the previous complete count plus
 * what these hours gained. Returns the new complete count, or `null` (a
 * full check is needed: some write was not seen, or too many events).
 */
export async function foldTouched(w: DuckDBConnection, l: RollupLayout, hours: readonly number[], complete: number): Promise<number | null> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  const runs = hourRuns([...hours].sort((a, b) => a - b));
  const sumOf = async () => {
    const hp: (number | string)[] = [];
    return count((await w.runAndReadAll(`SELECT coalesce(sum(events), 0) FROM ${t('hours')} WHERE ${runsSql('hour', runs, hp)}`, hp)).getRows()[0][0]);
  };
  const tp: (number | string)[] = [];
  const [[n]] = (await w.runAndReadAll(`SELECT count(*) FROM ${q(l.events)} WHERE ${tsRunsSql(runs, tp)}`, tp)).getRows();
  if (count(n) > CHUNK_EVENTS) return null;
  const before = await sumOf();
  await foldRuns(w, l, runs, await offColumns(w, l.id));
  const after = await sumOf();
  const [[total]] = (await w.runAndReadAll(`SELECT count(*) FROM ${q(l.events)}`)).getRows();
  return count(total) === complete - before + after ? count(total) : null;
}

/** Recomputes the rollups of whole hours (runs) from the events. */
async function foldRuns(w: DuckDBConnection, l: RollupLayout, runs: [number, number][], offCols: Set<string>): Promise<void> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  const ev = q(l.events);
  const hp: (number | string)[] = [];
  const hourCond = runsSql('hour', runs, hp);
  for (const p of DATA_PARTS) await w.run(`DELETE FROM ${t(p)} WHERE ${hourCond}`, hp);
  const tp: (number | string)[] = [];
  const where = tsRunsSql(runs, tp);
  const H = HOUR_SQL();
  await w.run(`INSERT INTO ${t('hours')} SELECT ${H}, count(*) FROM ${ev} WHERE ${where} GROUP BY 1`, tp);
  await w.run(
    `INSERT INTO ${t('traffic')} SELECT ${H}, version, count(*), count_if(error), count(error), count(latency_ms), coalesce(fsum(latency_ms), 0), min(latency_ms), max(latency_ms)
     FROM ${ev} WHERE ${where} GROUP BY ALL`,
    tp,
  );
  await w.run(`INSERT INTO ${t('lat')} SELECT ${H}, version, ${latencyBinSql('latency_ms')}, count(*) FROM ${ev} WHERE ${where} AND latency_ms IS NOT NULL GROUP BY ALL`, tp);
  for (const c of l.numeric) {
    const x = numericSql(c);
    const f = `FILTER (WHERE isfinite(x))`;
    await w.run(
      `INSERT INTO ${t('num')} SELECT h, version, $${tp.length + 1}, count(*), count(x), count_if(x IS NOT NULL AND NOT isfinite(x)), count(x) ${f},
         min(x) ${f}, max(x) ${f}, fsum(x) ${f}, fsum(x * x) ${f}, avg(x) ${f}, var_pop(x) ${f} * count(x) ${f}
       FROM (SELECT ${H} AS h, version, ${x} AS x FROM ${ev} WHERE ${where}) GROUP BY h, version`,
      [...tp, c.physical],
    );
  }
  for (const [col, key] of await histogramSets(w, l)) await insertHistogram(w, l, col, key, where, tp);
  const valueCounts: [PhysicalColumn, 'cat' | 'nval', string][] = [
    ...l.categorical.map((c) => [c, 'cat', `SELECT ${H} AS h, version, ${categorySql(c)} AS v FROM ${ev} WHERE ${where}`] as [PhysicalColumn, 'cat', string]),
    ...l.numeric.filter((c) => c.kind === 'numeric').map((c) => [c, 'nval', `SELECT ${H} AS h, version, ${q(c.physical)} AS v FROM ${ev} WHERE ${where} AND isfinite(${q(c.physical)})`] as [PhysicalColumn, 'nval', string]),
  ];
  for (const [c, part, src] of valueCounts) {
    if (offCols.has(c.physical)) continue;
    await w.run(`INSERT INTO ${t(part)} SELECT h, version, $${tp.length + 1}, v, count(*) FROM (${src}) WHERE v IS NOT NULL GROUP BY h, version, v`, [...tp, c.physical]);
    const mp: (number | string)[] = [c.physical];
    const inRuns = runsSql('hour', runs, mp);
    const [[most]] = (await w.runAndReadAll(`SELECT coalesce(max(k), 0) FROM (SELECT count(*) AS k FROM ${t(part)} WHERE col = $1 AND ${inRuns} GROUP BY hour, version)`, mp)).getRows();
    if (count(most) > MAX_CATEGORIES_PER_HOUR) {
      await w.run(`DELETE FROM ${t(part)} WHERE col = $1`, [c.physical]);
      await w.run(`UPDATE ${t('cols')} SET state = 'off' WHERE col = $1`, [c.physical]);
      offCols.add(c.physical);
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
async function insertHistogram(w: DuckDBConnection, l: RollupLayout, c: PhysicalColumn, key: string, where: string, whereParams: readonly (number | string)[]): Promise<void> {
  const edges = JSON.parse(key) as number[];
  const params: (number | string)[] = [...whereParams];
  const first = params.length + 1;
  params.push(...edges);
  const bin = edges.length > 0 ? binExpression('x', edges.length, first) : '0';
  params.push(c.physical, key);
  await w.run(
    `INSERT INTO ${q(rollupTable(l.id, 'hist'))} SELECT h, version, $${params.length - 1}, $${params.length}, ${bin}, count(*)
     FROM (SELECT ${HOUR_SQL()} AS h, version, ${q(c.physical)} AS x FROM ${q(l.events)} WHERE ${where} AND isfinite(${q(c.physical)})) GROUP BY ALL`,
    params,
  );
}

/**
 * Registers an edge set of a column and builds its counts for every hour
 * (inside the caller's transaction); the oldest sets beyond
 * {@link MAX_HISTOGRAM_SETS} are dropped.
 */
export async function buildHistogramSet(w: DuckDBConnection, l: RollupLayout, c: PhysicalColumn, edges: readonly number[]): Promise<void> {
  const t = (p: Parameters<typeof rollupTable>[1]) => q(rollupTable(l.id, p));
  const key = edgesKey(edges);
  const [[has]] = (await w.runAndReadAll(`SELECT count(*) FROM ${t('hsets')} WHERE col = $1 AND edges = $2 AND ready`, [c.physical, key])).getRows();
  if (count(has) > 0) return;
  await w.run(`DELETE FROM ${t('hist')} WHERE col = $1 AND edges = $2`, [c.physical, key]);
  await w.run(`INSERT INTO ${t('hsets')} VALUES ($1, $2, false, $3) ON CONFLICT DO NOTHING`, [c.physical, key, Date.now()]);
  await insertHistogram(w, l, c, key, 'TRUE', []);
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
