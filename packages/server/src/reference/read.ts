/**
 * Reading a reference file into the core's columnar `Table` with DuckDB.
 *
 * Each read opens its own in-memory DuckDB instance that may access exactly one
 * file (`allowed_paths` + `enable_external_access = false`, configuration
 * locked), so whatever a file or a path contains, the reader can touch nothing
 * else; closing it returns DuckDB's memory. The path is a bound parameter.
 *
 * DuckDB parses the file (in parallel, with its CSV sniffer and typed Parquet /
 * JSON readers) and casts numbers to DOUBLE and dates to epoch milliseconds in
 * SQL; JavaScript copies the result vectors into typed arrays column by column
 * and dictionary-encodes strings. Type mapping:
 * - integers, floats, decimals → number column;
 * - DATE, TIMESTAMP (any precision, with or without time zone) → number column of
 *   epoch milliseconds with `date: true`;
 * - BOOLEAN → dict column with dictionary `["false", "true"]`;
 * - VARCHAR → dict column. In text formats (CSV, TSV, and JSON values of mixed
 *   types) a column of mostly numbers becomes a number column with the rest
 *   counted as `typeViolations` (the core's rule), and one whose values all parse
 *   as timestamps a date column;
 * - anything else (TIME, INTERVAL, UUID, lists, structs…) → its text, as a dict column.
 */
import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { Column, Table } from '@modelwatch/core';
import { ReferenceInputError } from './errors.js';
import { formatName, sourceSql } from './format.js';
import type { DetectedFormat } from './format.js';
import { StringDictionary, copyCodes, copyDoubles } from './vectors.js';
import type { NumberSink } from './vectors.js';

export interface ReadOptions {
  /** DuckDB worker threads (default: DuckDB's, all cores). */
  threads?: number;
  /** DuckDB `memory_limit`, e.g. `"2GB"`. */
  memoryLimit?: string;
  /** Name of the file in messages (default: the path). */
  displayName?: string;
  /** Read only these columns (those the file has); default: every column. */
  columns?: readonly string[];
  /** Refuse files with more columns than this when reading every column. */
  maxColumns?: number;
}

export interface FileData {
  /** The columns read, in file order. */
  table: Table;
  /** DuckDB's type of each column read, e.g. `BIGINT`, `VARCHAR`. */
  sourceTypes: string[];
  /** Every column of the file, in file order (read or not). */
  fileColumns: string[];
}

type Plan =
  | { kind: 'number'; expr: string; date?: boolean; typeViolations?: number }
  | { kind: 'bool'; expr: string }
  | { kind: 'string'; expr: string };

const T = DuckDBTypeId;
const NUMERIC = new Set<DuckDBTypeId>([
  T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.UTINYINT, T.USMALLINT, T.UINTEGER, T.UBIGINT,
  T.HUGEINT, T.UHUGEINT, T.FLOAT, T.DOUBLE, T.DECIMAL, T.BIGNUM,
]);

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The first lines of a DuckDB error, without its caret diagram. */
export function duckMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  const lines = m.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('LINE ') && !/^\^+$/.test(l));
  return lines.slice(0, 3).join(' ').slice(0, 600);
}

/** An in-memory DuckDB that may read `path` and nothing else. */
async function openReader(path: string, opts: ReadOptions): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection }> {
  const config: Record<string, string> = { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' };
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  const instance = await DuckDBInstance.create(':memory:', config);
  try {
    const conn = await instance.connect();
    await conn.run('SET allowed_paths = [$1]', [path]);
    await conn.run('SET enable_external_access = false');
    await conn.run('SET lock_configuration = true');
    return { instance, conn };
  } catch (err) {
    instance.closeSync();
    throw err;
  }
}

/**
 * Reads a data file into a Table. Throws {@link ReferenceInputError} naming the
 * file when it cannot be parsed, or has no columns or no rows.
 */
export async function readDataFile(path: string, format: DetectedFormat, opts: ReadOptions = {}): Promise<FileData> {
  const name = opts.displayName ?? path;
  const { instance, conn } = await openReader(path, opts);
  const fail = (err: unknown): never => {
    if (err instanceof ReferenceInputError) throw err;
    throw new ReferenceInputError('invalid_reference', `${name}: cannot read as ${formatName(format.format)}: ${duckMessage(err)}`);
  };
  try {
    const text = format.format === 'parquet' ? null : format.format === 'csv' || format.format === 'tsv' ? 'csv' : 'json';
    let from = sourceSql(format);
    let params: DuckDBValue[] = [path];
    let allVarchar = false;
    if (text) {
      // Text is parsed once into a table. A CSV whose sniffed types break further
      // down (a number column with a stray word) is read again as text, and the
      // column types decided below from all values.
      try {
        await conn.run(`CREATE TABLE src AS SELECT * FROM ${from}`, params);
      } catch (err) {
        if (text !== 'csv') fail(err);
        allVarchar = true;
        await conn.run(`CREATE TABLE src AS SELECT * FROM ${from.replace(/\)$/, ', all_varchar=true)')}`, params).catch(fail);
      }
      from = 'src';
      params = [];
    }
    const shape = await conn.run(`SELECT * FROM ${from} LIMIT 0`, params).catch(fail);
    const fileColumns = shape.columnNames();
    const allTypes = shape.columnTypes();
    if (fileColumns.length === 0) throw new ReferenceInputError('empty_reference', `${name}: the file has no columns`);
    const wanted = opts.columns ? new Set(opts.columns) : null;
    const positions = fileColumns.map((_, i) => i).filter((i) => !wanted || wanted.has(fileColumns[i]));
    if (!wanted && opts.maxColumns !== undefined && fileColumns.length > opts.maxColumns) {
      throw new ReferenceInputError('invalid_reference', `${name}: the file has ${fileColumns.length} columns; a schema takes at most ${opts.maxColumns}`);
    }
    const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${from}`, params).catch(fail)).getRows()[0][0]);
    if (rows === 0) throw new ReferenceInputError('empty_reference', `${name}: the file has a header but no rows`);
    const types = positions.map((i) => allTypes[i]);
    const plans = await planColumns(conn, from, params, types, positions, text, allVarchar).catch(fail);
    const table = await readColumns(conn, from, params, positions.map((i) => fileColumns[i]), plans, rows).catch(fail);
    return { table, sourceTypes: types.map((t) => (allVarchar ? 'VARCHAR' : t.toString())), fileColumns };
  } finally {
    try {
      conn.disconnectSync();
    } finally {
      instance.closeSync();
    }
  }
}

/**
 * How each column is read. Text columns of text formats (CSV/TSV VARCHAR, JSON
 * values of mixed types) are checked in one pass over their distinct values:
 * mostly numbers → numbers (the rest type violations), all timestamps → dates.
 */
async function planColumns(
  conn: DuckDBConnection,
  from: string,
  params: DuckDBValue[],
  types: DuckDBType[],
  positions: number[],
  text: 'csv' | 'json' | null,
  allVarchar: boolean,
): Promise<Plan[]> {
  const plans: Plan[] = types.map((t, i) => {
    const q = `#${positions[i] + 1}`;
    const id = t.typeId;
    if (NUMERIC.has(id)) return { kind: 'number', expr: `CAST(${q} AS DOUBLE)` };
    if (id === T.BOOLEAN) return { kind: 'bool', expr: `CAST(${q} AS INTEGER)` };
    if (id === T.DATE || id === T.TIMESTAMP || id === T.TIMESTAMP_S || id === T.TIMESTAMP_MS) {
      return { kind: 'number', date: true, expr: `CAST(epoch_us(CAST(${q} AS TIMESTAMP)) AS DOUBLE) / 1000` };
    }
    if (id === T.TIMESTAMP_NS) return { kind: 'number', date: true, expr: `CAST(epoch_ns(${q}) AS DOUBLE) / 1e6` };
    if (id === T.TIMESTAMP_TZ) return { kind: 'number', date: true, expr: `CAST(epoch_us(${q}) AS DOUBLE) / 1000` };
    const isJson = t.alias === 'JSON';
    return { kind: 'string', expr: id === T.VARCHAR && !isJson ? q : isJson ? `json_extract_string(${q}, '$')` : `CAST(${q} AS VARCHAR)` };
  });
  const mixed = types
    .map((t, index) => ({ t, index }))
    .filter(({ t, index }) => plans[index].kind === 'string' && (text === 'csv' ? t.typeId === T.VARCHAR : text === 'json' && t.alias === 'JSON'))
    .map(({ index }) => ({ index, source: plans[index].expr }));
  if (mixed.length === 0) return plans;
  const selects = mixed.flatMap((s, k) => [`count(${s.source}) AS p${k}`, `list(DISTINCT ${s.source}) FILTER (WHERE ${s.source} IS NOT NULL) AS d${k}`]);
  await conn.run(`CREATE TABLE mw_distinct AS SELECT ${selects.join(', ')} FROM ${from}`, params);
  const counts = mixed.flatMap((_, k) => [
    `CAST(p${k} AS DOUBLE)`,
    `CAST(len(d${k}) AS DOUBLE)`,
    `CAST(len(list_filter(d${k}, x -> TRY_CAST(x AS DOUBLE) IS NULL)) AS DOUBLE)`,
    `CAST(len(list_filter(d${k}, x -> TRY_CAST(x AS TIMESTAMP) IS NULL)) AS DOUBLE)`,
  ]);
  const row = (await conn.runAndReadAll(`SELECT ${counts.join(', ')} FROM mw_distinct`)).getRows()[0].map((v) => Number(v ?? 0));
  await conn.run('DROP TABLE mw_distinct');
  for (let k = 0; k < mixed.length; k++) {
    const s = mixed[k];
    const [present, distinct, notNumber, notStamp] = row.slice(4 * k, 4 * k + 4);
    if (present === 0) continue;
    if (allVarchar && notNumber === 0) {
      plans[s.index] = { kind: 'number', expr: `TRY_CAST(${s.source} AS DOUBLE)` };
    } else if (notNumber > 0 && notNumber < distinct) {
      const res = await conn.runAndReadAll(
        `SELECT CAST(coalesce(sum(c) FILTER (WHERE TRY_CAST(v AS DOUBLE) IS NOT NULL), 0) AS DOUBLE)
         FROM (SELECT ${s.source} AS v, count(*) AS c FROM ${from} WHERE ${s.source} IS NOT NULL GROUP BY 1)`,
        params,
      );
      const numeric = Number(res.getRows()[0][0]);
      if (numeric * 2 > present) plans[s.index] = { kind: 'number', expr: `TRY_CAST(${s.source} AS DOUBLE)`, typeViolations: present - numeric };
    } else if (notStamp === 0 && notNumber !== 0) {
      plans[s.index] = { kind: 'number', date: true, expr: `CAST(epoch_us(TRY_CAST(${s.source} AS TIMESTAMP)) AS DOUBLE) / 1000` };
    }
  }
  return plans;
}

/**
 * One SELECT of every column's expression, streamed chunk by chunk into typed
 * arrays (so DuckDB never holds a second full copy of the data).
 */
async function readColumns(conn: DuckDBConnection, from: string, params: DuckDBValue[], names: string[], plans: Plan[], rows: number): Promise<Table> {
  if (plans.length === 0) return { names, columns: [], numRows: rows };
  const sinks = plans.map((plan) => {
    if (plan.kind === 'number') return { plan, number: { values: new Float64Array(rows) } as NumberSink };
    return { plan, codes: new Int32Array(rows), dict: plan.kind === 'string' ? new StringDictionary() : undefined };
  });
  // Positional references (#1, #2, …) keep every column name out of the SQL text.
  const result = await conn.stream(`SELECT ${plans.map((p) => p.expr).join(', ')} FROM ${from}`, params);
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    if (offset + n > rows) throw new Error(`the file returned more rows than counted (${offset + n} > ${rows}); was it modified while being read?`);
    sinks.forEach((s, c) => {
      const vector = chunk.getColumnVector(c);
      if (s.number) copyDoubles(vector, n, s.number, offset);
      else if (s.dict) s.dict.encode(vector, n, s.codes!, offset);
      else copyCodes(vector, n, s.codes!, offset);
    });
    offset += n;
  }
  if (offset !== rows) throw new Error(`read ${offset} rows, expected ${rows}; was the file modified while being read?`);
  const columns: Column[] = sinks.map((s) => {
    if (s.number) {
      const col: Column = { type: 'number', values: s.number.values };
      if (s.number.nulls) col.nulls = s.number.nulls;
      if (s.plan.kind === 'number' && s.plan.date) col.date = true;
      if (s.plan.kind === 'number' && s.plan.typeViolations) col.typeViolations = s.plan.typeViolations;
      return col;
    }
    return { type: 'dict', codes: s.codes!, dictionary: s.dict ? s.dict.finish(s.codes!) : ['false', 'true'] };
  });
  return { names, columns, numRows: rows };
}
