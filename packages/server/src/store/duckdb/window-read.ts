/**
 * The read side of monitors in the DuckDB store: a window's rows as one core
 * Table (read chunk by chunk into typed arrays and dictionary codes, never row
 * by row), and the exact counts monitors push down to SQL (missing values,
 * errors, latency quantiles, label coverage and lag).
 *
 * Every function runs on a reader connection handed in by the store (inside a
 * read transaction where consistency between two queries matters); identifiers
 * come from the model's layout, values are parameters.
 */
import { listValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { Column, ColumnKind } from '@modelwatch/core';
import { StringDictionary, copyDoubles } from '../../reference/vectors.js';
import type { NumberSink } from '../../reference/vectors.js';
import { StoreInputError, UnknownColumnError } from '../store.js';
import type { LabelSummary, WindowQuery, WindowSummary, WindowTable, WindowTableQuery } from '../store.js';
import { quoteIdent as q } from './sql.js';
import { count, num } from './values.js';

/** What the window reader needs to know about a model's tables. */
export interface WindowLayout {
  model: string;
  events: string;
  feedback: string;
  /** Stored event columns by schema name. */
  columns: ReadonlyMap<string, { physical: string; kind: ColumnKind }>;
  /** The schema's target column and how feedback stores it, if the schema has one. */
  target: { name: string; kind: ColumnKind; numeric: boolean } | null;
}

/** `WHERE` conditions of a window on alias `e` (parameters appended to `params`). */
export function windowConditions(w: WindowQuery, params: DuckDBValue[], alias = 'e'): string {
  if (w.from !== Math.floor(w.from) || w.to !== Math.floor(w.to)) throw new StoreInputError('window bounds must be whole milliseconds');
  const a = alias ? `${alias}.` : '';
  params.push(w.from, w.to);
  const n = params.length;
  let sql = `${a}ts >= epoch_ms($${n - 1}::BIGINT) AND ${a}ts < epoch_ms($${n}::BIGINT)`;
  if (w.version !== undefined && w.version !== null) {
    params.push(w.version);
    sql += ` AND ${a}version = $${params.length}`;
  }
  return sql;
}

/** The ORDER BY key of the deterministic sample: smallest md5 of `seed ␟ id ␟ epoch_ms(ts)` (as `columnValues` and `labelledRows`). */
function sampleKey(params: DuckDBValue[], seed: string | undefined, alias = 'e'): string {
  params.push(seed ?? '');
  return `md5(concat($${params.length}, chr(31), ${alias}.id, chr(31), CAST(epoch_ms(${alias}.ts) AS VARCHAR)))`;
}

interface ColumnPlan {
  name: string;
  /** SQL of the value. */
  expr: string;
  /** How it is read: doubles (numeric, datetime) or strings (everything else). */
  read: 'number' | 'string';
  date: boolean;
  /** Needs the feedback join. */
  feedback: boolean;
}

function planColumn(layout: WindowLayout, name: string): ColumnPlan {
  if (layout.target && name === layout.target.name) {
    const numeric = layout.target.numeric;
    return { name, expr: numeric ? 'f.target_num' : 'f.target_label', read: numeric ? 'number' : 'string', date: false, feedback: true };
  }
  const c = layout.columns.get(name);
  if (!c) throw new UnknownColumnError(layout.model, name);
  const col = `e.${q(c.physical)}`;
  switch (c.kind) {
    case 'numeric':
      return { name, expr: col, read: 'number', date: false, feedback: false };
    case 'datetime':
      return { name, expr: `CAST(epoch_ms(${col}) AS DOUBLE)`, read: 'number', date: true, feedback: false };
    case 'boolean':
      return { name, expr: `CAST(${col} AS VARCHAR)`, read: 'string', date: false, feedback: false };
    default:
      return { name, expr: col, read: 'string', date: false, feedback: false };
  }
}

/**
 * How far above the expected share of keys a sampled read looks first: the
 * keys below `(factor · limit + extra) / total` of the key space. Exposed for
 * tests (a small factor forces the fallback to every key); the rows read do not
 * depend on it.
 */
export const SAMPLE_HEADROOM = { factor: 1.2, extra: 64 };

/**
 * Reads the window's rows of `q.columns` into a Table. Runs two queries (the
 * count, then the rows): call it inside a read transaction.
 */
export async function readWindowTable(conn: DuckDBConnection, layout: WindowLayout, qy: WindowTableQuery): Promise<WindowTable> {
  const plans = qy.columns.map((name) => planColumn(layout, name));
  const labelled = qy.labelledOnly === true;
  if (labelled && !layout.target) throw new StoreInputError(`model "${layout.model}" has no target column: its events cannot be labelled`);
  const joinFeedback = labelled || plans.some((p) => p.feedback);
  const from = `${q(layout.events)} e${joinFeedback ? ` ${labelled ? 'JOIN' : 'LEFT JOIN'} ${q(layout.feedback)} f ON f.id = e.id` : ''}`;
  const limit = Math.max(0, Math.floor(qy.sample.limit));

  const countParams: DuckDBValue[] = [];
  const countSql = `SELECT count(*) FROM ${labelled ? from : `${q(layout.events)} e`} WHERE ${windowConditions(qy, countParams)}`;
  const total = count((await conn.runAndReadAll(countSql, countParams)).getRows()[0][0]);
  const sampled = total > limit;
  const size = sampled ? limit : total;

  const select = plans.map((p, i) => `${p.expr} AS ${q(`c${i}`)}`);
  /** The rows' query: all of the window, or the sample (see below) with keys under `threshold` when one is given. */
  const rowsQuery = (threshold: string | null): { sql: string; params: DuckDBValue[] } => {
    const params: DuckDBValue[] = [];
    const where = windowConditions(qy, params);
    const columns = select.length > 0 ? select.join(', ') : '1';
    if (!sampled) return { sql: `SELECT ${columns} FROM ${from} WHERE ${where} ORDER BY e.ts, e.id`, params };
    // Two phases: the sample's row ids from a narrow top-N over the hash key alone, then the columns of those rows
    // (a top-N carrying every column is much slower). Keys are unique ((id, ts) is), so the rows are those of a
    // one-phase `ORDER BY key LIMIT n`, and (ts, id) orders them totally.
    const innerWhere = windowConditions(qy, params, 's');
    const key = sampleKey(params, qy.sample.seed, 's');
    let below = '';
    if (threshold !== null) {
      params.push(threshold);
      below = `WHERE k < $${params.length}`;
    }
    params.push(limit);
    const innerFrom = `${q(layout.events)} s${labelled ? ` JOIN ${q(layout.feedback)} sf ON sf.id = s.id` : ''}`;
    const sample = `SELECT r FROM (SELECT s.rowid AS r, ${key} AS k FROM ${innerFrom} WHERE ${innerWhere}) ${below} ORDER BY k LIMIT $${params.length}`;
    return { sql: `SELECT ${columns} FROM ${from} WHERE ${where} AND e.rowid IN (${sample}) ORDER BY e.ts, e.id`, params };
  };

  const read = async (query: { sql: string; params: DuckDBValue[] }) => {
    const numbers: (NumberSink | null)[] = plans.map((p) => (p.read === 'number' ? { values: new Float64Array(size) } : null));
    const codes: (Int32Array | null)[] = plans.map((p) => (p.read === 'string' ? new Int32Array(size) : null));
    const dictionaries = plans.map((p) => (p.read === 'string' ? new StringDictionary() : null));
    let offset = 0;
    if (size > 0 && plans.length > 0) {
      const result = await conn.stream(query.sql, query.params);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const n = chunk.rowCount;
        // A concurrent commit cannot change a snapshot; more rows than counted means no snapshot was used.
        if (offset + n > size) throw new Error(`window of model "${layout.model}" returned more rows than it counted (read it in a transaction)`);
        for (let i = 0; i < plans.length; i++) {
          const vector = chunk.getColumnVector(i);
          const sink = numbers[i];
          if (sink) copyDoubles(vector, n, sink, offset);
          else dictionaries[i]!.encode(vector, n, codes[i]!, offset);
        }
        offset += n;
      }
    }
    return { numbers, codes, dictionaries, rows: plans.length > 0 ? offset : size };
  };

  // The `limit` smallest of `total` uniform md5 keys lie, all but surely, below the fraction
  // (1.2 · limit + 64) / total of the key space: sorting only the keys below it gives the same rows, much faster.
  // Should fewer than `limit` keys lie below it, the sample is taken from every key.
  const fraction = sampled ? (SAMPLE_HEADROOM.factor * limit + SAMPLE_HEADROOM.extra) / total : 1;
  const threshold = fraction < 1 ? Math.ceil(fraction * 2 ** 32).toString(16).padStart(8, '0') : null;
  let got = await read(rowsQuery(threshold));
  if (threshold !== null && got.rows < size) got = await read(rowsQuery(null));
  const { numbers, codes, dictionaries } = got;
  if (got.rows !== size) throw new Error(`window of model "${layout.model}" returned ${got.rows} rows, expected ${size}`);

  const columns: Column[] = plans.map((p, i) => {
    const sink = numbers[i];
    if (sink) {
      const col: Column = { type: 'number', values: sink.values };
      if (sink.nulls) col.nulls = sink.nulls;
      if (p.date) col.date = true;
      return col;
    }
    const c = codes[i]!;
    return { type: 'dict', codes: c, dictionary: dictionaries[i]!.finish(c) };
  });
  return {
    table: { names: plans.map((p) => p.name), columns, numRows: size },
    total,
    size,
    sampled,
    method: sampled ? 'hash' : 'all',
  };
}

/** Exact counts of a window in one scan. */
export async function readWindowSummary(conn: DuckDBConnection, layout: WindowLayout, qy: WindowQuery & { columns: readonly string[] }): Promise<WindowSummary> {
  const plans = qy.columns.map((name) => {
    const p = planColumn(layout, name);
    if (p.feedback) throw new StoreInputError(`column "${name}" comes from feedback; window summaries cover event columns`);
    return p;
  });
  const params: DuckDBValue[] = [];
  const where = windowConditions(qy, params);
  const res = await conn.runAndReadAll(
    `SELECT count(*), CAST(epoch_ms(min(e.ts)) AS DOUBLE), count_if(e.error), count(e.error), count(e.latency_ms),
       quantile_cont(e.latency_ms, 0.5), quantile_cont(e.latency_ms, 0.99)${plans.map((p) => `, count(${p.expr})`).join('')}
     FROM ${q(layout.events)} e WHERE ${where}`,
    params,
  );
  const r = res.getRows()[0];
  const rows = count(r[0]);
  const missing: Record<string, number> = {};
  plans.forEach((p, i) => {
    missing[p.name] = rows - count(r[7 + i]);
  });
  return {
    rows,
    firstTs: num(r[1]),
    missing,
    errors: count(r[2]),
    errorFlags: count(r[3]),
    latencyCount: count(r[4]),
    latencyP50Ms: num(r[5]),
    latencyP99Ms: num(r[6]),
  };
}

/** Label coverage and median label lag of a window. */
export async function readLabelSummary(conn: DuckDBConnection, layout: WindowLayout, qy: WindowQuery): Promise<LabelSummary> {
  const params: DuckDBValue[] = [];
  const where = windowConditions(qy, params);
  const res = await conn.runAndReadAll(
    `SELECT count(*), count(f.id), median(CAST(epoch_ms(f.ts) - epoch_ms(e.ts) AS DOUBLE))
     FROM ${q(layout.events)} e LEFT JOIN ${q(layout.feedback)} f ON f.id = e.id WHERE ${where}`,
    params,
  );
  const r = res.getRows()[0];
  return { rows: count(r[0]), labelled: count(r[1]), lagMedianMs: num(r[2]) };
}

/** Distinct versions in a window. */
export async function readWindowVersions(conn: DuckDBConnection, layout: WindowLayout, qy: WindowQuery): Promise<string[]> {
  const params: DuckDBValue[] = [];
  const where = windowConditions(qy, params);
  const res = await conn.runAndReadAll(`SELECT DISTINCT e.version FROM ${q(layout.events)} e WHERE ${where} ORDER BY 1`, params);
  return res.getRows().map((r) => r[0] as string);
}

/** Event times and versions of the events with the given ids (every stored event with such an id). */
export async function readEventTimesOfIds(conn: DuckDBConnection, layout: WindowLayout, ids: readonly string[]): Promise<{ ts: Float64Array; versions: string[] }> {
  if (ids.length === 0) return { ts: new Float64Array(0), versions: [] };
  const res = await conn.runAndReadAll(
    `SELECT CAST(epoch_ms(e.ts) AS DOUBLE), e.version FROM ${q(layout.events)} e WHERE e.id IN (SELECT unnest($1::VARCHAR[]))`,
    [listValue([...ids])],
  );
  const cols = res.getColumns();
  const tsCol = cols[0] ?? [];
  const ts = new Float64Array(tsCol.length);
  for (let i = 0; i < ts.length; i++) ts[i] = num(tsCol[i]);
  return { ts, versions: (cols[1] ?? []).map((v) => v as string) };
}
