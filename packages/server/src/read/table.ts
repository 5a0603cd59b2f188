import type { Column, Table } from '@modelwatch/core';
import { duckdb, DuckConnection, duckMessage, keepAlive, readInt64, readSmallResult, releaseKept, resultColumns, typeName, type Param, type SandboxOptions } from './duckdb.js';
import { StringEncoder } from './strings.js';
import { copyByteCodes, copyDoubles } from './vectors.js';

/**
 * Reading a data file (CSV, TSV, Parquet, NDJSON, a JSON array) into the core's
 * columnar `Table` through DuckDB — the reader of the CLI (`modelwatch report`,
 * `check`, …) and of the server's references.
 *
 * DuckDB parses the file (in parallel, with its CSV sniffer and typed Parquet /
 * JSON readers) and does the per-value work of casting numbers to DOUBLE and
 * dates to epoch milliseconds. JavaScript copies the fixed-width vectors into
 * typed arrays (`Float64Array.set`) and reads the validity masks, and
 * dictionary-encodes string vectors from DuckDB's memory (`StringEncoder`):
 * no per-value objects, a string decoded once per distinct value.
 *
 * Type mapping:
 * - integers, floats, decimals → number column;
 * - DATE, TIMESTAMP (any precision, with or without time zone) → number column
 *   of epoch milliseconds with `date: true`;
 * - BOOLEAN → dict column with dictionary `["false", "true"]`;
 * - VARCHAR → dict column, dictionary in byte order. In text formats (CSV, TSV,
 *   and JSON columns mixing types) a column whose values are mostly but not all
 *   numbers becomes a number column with the rest counted as `typeViolations`
 *   (the core's rule for mixed columns), and one whose values all parse as
 *   timestamps becomes a date column. A CSV whose sniffed types break further
 *   down than the sniffer looked (a number column with a stray word) is read
 *   again as text, and the types are decided from all values;
 * - anything else (TIME, INTERVAL, UUID, lists, structs…) → its text form, as a
 *   dict column.
 *
 * Columns are referred to by position (`#1`, `#2`, …), so no column name is
 * ever part of the SQL text; the path is a bound parameter.
 */

/** The formats this reader reads. */
export type FileFormat = 'csv' | 'tsv' | 'parquet' | 'ndjson' | 'json';

/** Strings read as missing in CSV/TSV (pandas' common NA markers; `NaN` stays a non-finite number). */
export const CSV_NULL_STRINGS: readonly string[] = ['', 'NA', 'N/A', 'n/a', '#N/A', 'NULL', 'null', 'None', '<NA>'];

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** How `sourceSql` reads a file. */
export interface SourceSqlOptions {
  /** Compression of a text format; default: DuckDB's, by the file name. */
  compression?: 'gzip' | null;
  /** `auto` (default) also takes a JSON array in an `.ndjson` file; `newline_delimited` only NDJSON. */
  ndjson?: 'auto' | 'newline_delimited';
}

/** The DuckDB table function reading a file of the format, the path bound as `$1`. Every option is a constant of this module. */
export function sourceSql(format: FileFormat, opts: SourceSqlOptions = {}): string {
  const compression = opts.compression ? `, compression='${opts.compression}'` : '';
  const nulls = `nullstr=[${CSV_NULL_STRINGS.map(sqlString).join(', ')}]`;
  switch (format) {
    case 'parquet':
      return 'read_parquet($1)';
    case 'csv':
      return `read_csv($1, ${nulls}${compression})`;
    case 'tsv':
      return `read_csv($1, delim='\\t', ${nulls}${compression})`;
    case 'ndjson':
      return `read_json($1, format='${opts.ndjson ?? 'auto'}'${compression})`;
    case 'json':
      return `read_json($1, format='array'${compression})`;
  }
}

/** A human name of a format for messages. */
export function formatName(format: FileFormat): string {
  return format === 'ndjson' ? 'NDJSON' : format === 'json' ? 'a JSON array' : format.toUpperCase();
}

/**
 * A file that cannot be read as asked: `unreadable` (DuckDB cannot parse it
 * as the format), `empty` (no columns or no rows, with `requireRows`),
 * `too_many_columns` (beyond `maxColumns`). The message names the file.
 */
export class DataFileError extends Error {
  constructor(
    readonly code: 'unreadable' | 'empty' | 'too_many_columns',
    message: string,
    /** `too_many_columns`: the file's columns and the limit. */
    readonly columns?: { count: number; max: number },
  ) {
    super(message);
    this.name = 'DataFileError';
  }
}

export interface ReadOptions {
  /** Format of the file (detected by the caller). */
  format: FileFormat;
  /** The table function reading the file, the path bound as `$1` (default: `sourceSql(format)`). */
  source?: string;
  /** Keep a uniform random sample of this many rows (DuckDB reservoir sampling). */
  sample?: number;
  /** Seed of the sample (default 42): the same file and seed give the same rows. */
  seed?: number;
  /** Open only these columns (those the file has, in file order); default: every column. */
  columns?: readonly string[];
  /** Refuse a file with more columns than this when opening every column (`too_many_columns`). */
  maxColumns?: number;
  /** Refuse a file without columns or without rows (`empty`); default: a header-only file reads as zero rows. */
  requireRows?: boolean;
  /**
   * Read with a DuckDB database of its own that may read this file and nothing
   * else (see `DuckConnection.openSandboxed`), closed with the source; default:
   * a connection to the process's shared in-memory database.
   */
  sandbox?: SandboxOptions;
  /** Name of the file in messages (default: the path). */
  displayName?: string;
  /** Makes the error thrown for a file that cannot be read (default: the {@link DataFileError} itself). */
  error?: (e: DataFileError) => Error;
}

export interface ReadResult {
  table: Table;
  /** Rows in the file (before sampling). */
  totalRows: number;
  /** Rows were sampled (`totalRows > table.numRows`). */
  sampled: boolean;
  /** DuckDB's type of each column read, e.g. `BIGINT`, `VARCHAR`, `DECIMAL(18,3)`. */
  sourceTypes: string[];
}

const T = duckdb.Type;
const NUMERIC_TYPES = new Set<number>([
  T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.UTINYINT, T.USMALLINT, T.UINTEGER, T.UBIGINT,
  T.HUGEINT, T.UHUGEINT, T.FLOAT, T.DOUBLE, T.DECIMAL, T.BIGNUM,
]);

/** How one column is read: the SQL expression and the physical target. */
type Plan =
  | { kind: 'number'; expr: string; date?: boolean; typeViolations?: number }
  | { kind: 'bool'; expr: string }
  | { kind: 'string'; expr: string };

let readCounter = 0;

/** Results up to this many cells (rows × columns) are materialized by DuckDB before copying; larger ones stream. */
const MATERIALIZE_MAX_CELLS = 1_000_000;

/**
 * A data file opened for reading: its columns, types and row count are known,
 * and any subset of its columns can be read into a Table (the CLI reads wide
 * files a batch of columns at a time). Text formats are parsed once into a
 * temporary DuckDB table; Parquet is read in place.
 */
export interface OpenedSource {
  /** The columns opened (every column, or those of `ReadOptions.columns` the file has), in file order. */
  names: string[];
  /** DuckDB's type of each opened column, e.g. `BIGINT`, `VARCHAR`. */
  sourceTypes: string[];
  /** Every column of the file, in file order. */
  fileColumns: string[];
  /** Rows in the file (before sampling). */
  totalRows: number;
  /** Rows read (after sampling). */
  rows: number;
  sampled: boolean;
  /** Reads the opened columns at these indexes (all when absent), in the order given. */
  read(indexes?: readonly number[]): Promise<Table>;
  /** Drops temporary tables and closes the connection. Idempotent. */
  close(): Promise<void>;
}

/** Opens a data file. Throws (`ReadOptions.error` of) a {@link DataFileError} naming the file for unreadable content (also from `read`). */
export async function openSource(path: string, options: ReadOptions): Promise<OpenedSource> {
  const name = options.displayName ?? path;
  const problem = (code: DataFileError['code'], message: string, columns?: DataFileError['columns']): Error => {
    const e = new DataFileError(code, `${name}: ${message}`, columns);
    return options.error ? options.error(e) : e;
  };
  /** A DuckDB failure on the file's content. */
  const fail = (e: unknown): never => {
    throw problem('unreadable', `cannot read as ${formatName(options.format)}: ${duckMessage(e)}`);
  };
  const con = await (options.sandbox ? DuckConnection.openSandboxed(path, options.sandbox) : DuckConnection.open());
  const id = `${process.pid}_${++readCounter}`;
  const table = `mw_src_${id}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (!options.sandbox) await con.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    con.close();
  };
  try {
    const csv = options.format === 'csv' || options.format === 'tsv';
    let src = options.source ?? sourceSql(options.format);
    let allVarchar = false;
    /** Runs `run` on the source; a CSV whose sniffed types fail is read again as text. */
    const fromSource = async <R>(run: (source: string) => Promise<R>): Promise<R> => {
      try {
        return await run(src);
      } catch (err) {
        if (!csv || allVarchar) throw err;
        allVarchar = true;
        src = src.replace(/\)$/, ', all_varchar=true)');
        return run(src);
      }
    };
    let from = src;
    let params: Param[] = [path];
    let totalRows: number | undefined;
    let sampled = false;
    const sample = options.sample;
    if (sample !== undefined) {
      totalRows = await fromSource((s) => count(con, s, params)).catch(fail);
      if (totalRows > sample) {
        sampled = true;
        // DuckDB takes only constants in a sample clause: both are validated integers.
        const rows = integerLiteral(sample);
        const seed = integerLiteral(options.seed ?? 42);
        await fromSource((s) => con.query(`CREATE TEMP TABLE ${table} AS SELECT * FROM ${s} USING SAMPLE reservoir(${rows} ROWS) REPEATABLE (${seed})`, [path])).catch(fail);
        from = table;
        params = [];
      }
    }
    if (!sampled && options.format !== 'parquet') {
      await fromSource((s) => con.query(`CREATE TEMP TABLE ${table} AS SELECT * FROM ${s}`, params)).catch(fail);
      from = table;
      params = [];
    }
    const columns = resultColumns(await con.query(`SELECT * FROM ${from} LIMIT 0`, params).catch(fail));
    const fileColumns = columns.map((c) => c.name);
    if (options.requireRows && columns.length === 0) throw problem('empty', 'the file has no columns');
    const wanted = options.columns ? new Set(options.columns) : null;
    if (!wanted && options.maxColumns !== undefined && columns.length > options.maxColumns) {
      throw problem('too_many_columns', `the file has ${columns.length} columns; at most ${options.maxColumns} can be read`, { count: columns.length, max: options.maxColumns });
    }
    const positions = columns.map((_, i) => i).filter((i) => !wanted || wanted.has(columns[i].name));
    const rows = await count(con, from, params).catch(fail);
    if (options.requireRows && rows === 0) throw problem('empty', 'the file has a header but no rows');
    const text = csv ? 'csv' : options.format === 'parquet' ? null : 'json';
    const opened = positions.map((i) => columns[i]);
    const plans = await planColumns(con, from, params, opened, positions, text, allVarchar, id).catch(fail);
    const names = opened.map((c) => c.name);
    return {
      names,
      sourceTypes: opened.map((c) => typeName(c.type)),
      fileColumns,
      totalRows: totalRows ?? rows,
      rows,
      sampled,
      read: async (indexes) => {
        if (closed) throw new Error(`${name}: read after close`);
        const pick = indexes ?? names.map((_, i) => i);
        return readColumns(con, from, params, pick.map((i) => names[i]), pick.map((i) => plans[i]), rows).catch(fail);
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Reads a data file into a Table. Throws like {@link openSource}. */
export async function readTable(path: string, options: ReadOptions): Promise<ReadResult> {
  const source = await openSource(path, options);
  try {
    const table = await source.read();
    return { table, totalRows: source.totalRows, sampled: source.sampled, sourceTypes: source.sourceTypes };
  } finally {
    await source.close();
  }
}

/** A non-negative safe integer as SQL text (throws otherwise). */
function integerLiteral(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected a non-negative integer, got ${n}`);
  return String(n);
}

async function count(con: DuckConnection, from: string, params: Param[]): Promise<number> {
  const res = await con.query(`SELECT count(*) FROM ${from}`, params);
  return readSmallResult(res, readInt64)[0][0] ?? 0;
}

/**
 * Decides how each column is read. String columns are read as VARCHAR and
 * dictionary-encoded in JavaScript; in text formats, one pass over the columns
 * whose values carry no declared type (CSV/TSV VARCHAR, JSON values of mixed
 * types) first checks, on their distinct values, whether they are mostly
 * numbers or all timestamps (and, for a CSV read as text, all numbers).
 */
async function planColumns(
  con: DuckConnection,
  from: string,
  params: Param[],
  columns: ReturnType<typeof resultColumns>,
  positions: readonly number[],
  text: 'csv' | 'json' | null,
  allVarchar: boolean,
  id: string,
): Promise<Plan[]> {
  const plans: Plan[] = columns.map((c, i) => {
    const q = `#${positions[i] + 1}`;
    const t = c.typeId;
    if (NUMERIC_TYPES.has(t)) return { kind: 'number', expr: `CAST(${q} AS DOUBLE)` };
    if (t === T.BOOLEAN) return { kind: 'bool', expr: `CAST(${q} AS UTINYINT)` };
    if (t === T.DATE || t === T.TIMESTAMP || t === T.TIMESTAMP_S || t === T.TIMESTAMP_MS) {
      return { kind: 'number', date: true, expr: `CAST(epoch_us(CAST(${q} AS TIMESTAMP)) AS DOUBLE) / 1000` };
    }
    if (t === T.TIMESTAMP_NS) return { kind: 'number', date: true, expr: `CAST(epoch_ns(${q}) AS DOUBLE) / 1e6` };
    if (t === T.TIMESTAMP_TZ) return { kind: 'number', date: true, expr: `CAST(epoch_us(${q}) AS DOUBLE) / 1000` };
    const isJson = c.alias === 'JSON';
    return { kind: 'string', expr: t === T.VARCHAR && !isJson ? q : isJson ? `json_extract_string(${q}, '$')` : `CAST(${q} AS VARCHAR)` };
  });
  const mixed = columns
    .map((c, index) => ({ index, c }))
    .filter(({ c, index }) => plans[index].kind === 'string' && (text === 'csv' ? c.typeId === T.VARCHAR : text === 'json' && c.alias === 'JSON'))
    .map(({ index }) => ({ index, source: plans[index].expr }));
  if (mixed.length === 0) return plans;
  // One pass: present count and distinct values; then, per distinct value (cheap), how many do not parse as numbers / timestamps.
  const stats = `mw_dict_${id}`;
  const selects = mixed.flatMap((s, k) => [`count(${s.source}) AS p${k}`, `list(DISTINCT ${s.source}) FILTER (WHERE ${s.source} IS NOT NULL) AS d${k}`]);
  await con.query(`CREATE TEMP TABLE ${stats} AS SELECT ${selects.join(', ')} FROM ${from}`, params);
  const countCols = mixed.flatMap((_, k) => [
    `CAST(p${k} AS BIGINT)`,
    `CAST(len(d${k}) AS BIGINT)`,
    `CAST(len(list_filter(d${k}, x -> TRY_CAST(x AS DOUBLE) IS NULL)) AS BIGINT)`,
    `CAST(len(list_filter(d${k}, x -> TRY_CAST(x AS TIMESTAMP) IS NULL)) AS BIGINT)`,
  ]);
  const counts = readSmallResult(await con.query(`SELECT ${countCols.join(', ')} FROM ${stats}`), readInt64).map((c) => c[0] ?? 0);
  await con.query(`DROP TABLE ${stats}`);
  for (let k = 0; k < mixed.length; k++) {
    const s = mixed[k];
    const [present, distinct, notNumber, notStamp] = counts.slice(4 * k, 4 * k + 4);
    if (present === 0) continue;
    if (allVarchar && notNumber === 0) {
      // Read as text after the sniffer's types failed: a column of numbers only is numbers.
      plans[s.index] = { kind: 'number', expr: `TRY_CAST(${s.source} AS DOUBLE)` };
    } else if (notNumber > 0 && notNumber < distinct) {
      // Some values are numbers: a numeric column when most rows are (the rest are type violations).
      const res = await con.query(
        `SELECT CAST(sum(c) FILTER (WHERE TRY_CAST(v AS DOUBLE) IS NOT NULL) AS BIGINT) FROM (SELECT ${s.source} AS v, count(*) AS c FROM ${from} WHERE ${s.source} IS NOT NULL GROUP BY 1)`,
        params,
      );
      const numeric = readSmallResult(res, readInt64)[0][0] ?? 0;
      if (numeric * 2 > present) plans[s.index] = { kind: 'number', expr: `TRY_CAST(${s.source} AS DOUBLE)`, typeViolations: present - numeric };
    } else if (notStamp === 0 && notNumber !== 0) {
      plans[s.index] = { kind: 'number', date: true, expr: `CAST(epoch_us(TRY_CAST(${s.source} AS TIMESTAMP)) AS DOUBLE) / 1000` };
    }
  }
  return plans;
}

/** Target of one column while chunks are copied. */
interface Sink {
  plan: Plan;
  /** Index in the SELECT list. */
  position: number;
  encoder?: StringEncoder;
  values?: Float64Array;
  nulls?: Uint8Array;
  codes?: Int32Array;
}

/**
 * Runs one SELECT of every column's expression and copies its vectors into
 * typed arrays: numbers with `Float64Array.set` over a view of the vector's bytes,
 * booleans with `Int32Array.set` (widening bytes), strings through a
 * `StringEncoder`; the validity mask marks missing rows (NaN / -1, and the
 * `nulls` bitmap of number columns).
 */
async function readColumns(con: DuckConnection, from: string, params: Param[], names: string[], plans: Plan[], rows: number): Promise<Table> {
  const sinks: Sink[] = plans.map((plan, position) => ({ plan, position }));
  const exprs = plans.map((p) => p.expr);
  if (exprs.length > 0) {
    // Small results are materialized and read synchronously (less work per chunk);
    // large ones are streamed, so DuckDB never holds a second copy of the data.
    const materialize = rows * exprs.length <= MATERIALIZE_MAX_CELLS;
    const select = `SELECT ${exprs.join(', ')} FROM ${from}`;
    const { result, statement } = materialize ? { result: await con.query(select, params), statement: null } : await con.stream(select, params);
    const chunkCount = materialize ? duckdb.result_chunk_count(result) : 0;
    for (const s of sinks) {
      if (s.plan.kind === 'number') s.values = new Float64Array(rows);
      else {
        s.codes = new Int32Array(rows);
        if (s.plan.kind === 'string') s.encoder = new StringEncoder();
      }
    }
    let offset = 0;
    for (let k = 0; ; k++) {
      const chunk = materialize ? (k < chunkCount ? duckdb.result_get_chunk(result, k) : null) : await duckdb.fetch_chunk(result);
      if (!chunk) break;
      const n = duckdb.data_chunk_get_size(chunk);
      if (n === 0) break;
      if (offset + n > rows) throw new Error(`the file returned more rows than counted (${offset + n} > ${rows}); was it modified while being read?`);
      for (const s of sinks) {
        const vector = duckdb.data_chunk_get_vector(chunk, s.position);
        if (s.encoder) {
          s.encoder.encode(vector, n, s.codes!, offset);
          continue;
        }
        const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
        if (s.values) {
          const data = duckdb.vector_get_data(vector, n * 8);
          copyDoubles(new Float64Array(data.buffer, data.byteOffset, n), validity, n, s as { values: Float64Array; nulls?: Uint8Array }, offset);
        } else copyByteCodes(duckdb.vector_get_data(vector, n), validity, n, s.codes!, offset);
      }
      offset += n;
      keepAlive(chunk);
    }
    releaseKept();
    void statement;
    if (offset !== rows) throw new Error(`read ${offset} rows, expected ${rows}; was the file modified while being read?`);
  }
  const columns: Column[] = sinks.map((s) => {
    if (s.plan.kind === 'number') {
      const col: Column = { type: 'number', values: s.values ?? new Float64Array(rows) };
      if (s.nulls) col.nulls = s.nulls;
      if (s.plan.date) col.date = true;
      if (s.plan.typeViolations) col.typeViolations = s.plan.typeViolations;
      return col;
    }
    const codes = s.codes ?? new Int32Array(rows);
    return { type: 'dict', codes, dictionary: s.encoder ? s.encoder.finish(codes) : ['false', 'true'] };
  });
  return { names, columns, numRows: rows };
}
