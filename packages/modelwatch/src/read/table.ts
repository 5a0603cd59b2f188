import type { Column, Table } from '@modelwatch/core';
import { InputError } from '../errors.js';
import { duckdb, DuckConnection, keepAlive, quoteIdent, readInt64, readSmallResult, releaseKept, resultColumns, type Param } from './duckdb.js';
import type { Format } from './format.js';
import { StringEncoder } from './strings.js';

/**
 * Reading a data file into the core's columnar `Table` through DuckDB.
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
 *   timestamps becomes a date column;
 * - anything else (TIME, INTERVAL, UUID, lists, structs…) → its text form, as a
 *   dict column.
 */

export interface ReadOptions {
  /** Format of the file (detected by the caller). */
  format: Exclude<Format, 'profile'>;
  /** Keep a uniform random sample of this many rows (DuckDB reservoir sampling). */
  sample?: number;
  /** Seed of the sample (default 42): the same file and seed give the same rows. */
  seed?: number;
}

export interface ReadResult {
  table: Table;
  /** Rows in the file (before sampling). */
  totalRows: number;
  /** Rows were sampled (`totalRows > table.numRows`). */
  sampled: boolean;
  /** DuckDB's type of each column, e.g. `BIGINT`, `VARCHAR`. */
  sourceTypes: string[];
}

/** Strings read as missing in CSV/TSV (pandas' common NA markers; `NaN` stays a non-finite number). */
export const CSV_NULL_STRINGS: readonly string[] = ['', 'NA', 'N/A', 'n/a', '#N/A', 'NULL', 'null', 'None', '<NA>'];

const T = duckdb.Type;
const NUMERIC_TYPES = new Set<number>([
  T.TINYINT, T.SMALLINT, T.INTEGER, T.BIGINT, T.UTINYINT, T.USMALLINT, T.UINTEGER, T.UBIGINT,
  T.HUGEINT, T.UHUGEINT, T.FLOAT, T.DOUBLE, T.DECIMAL, T.BIGNUM,
]);
const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(T).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]));

/** How one column is read: the SQL expression and the physical target. */
type Plan =
  | { kind: 'number'; expr: string; date?: boolean; typeViolations?: number }
  | { kind: 'bool'; expr: string }
  | { kind: 'string'; expr: string };

let readCounter = 0;

/** Results up to this many cells (rows × columns) are materialized by DuckDB before copying; larger ones stream. */
const MATERIALIZE_MAX_CELLS = 1_000_000;

/** The DuckDB table function reading a file of the given format (path bound as $1). */
export function sourceSql(format: ReadOptions['format']): string {
  const nulls = `nullstr=[${CSV_NULL_STRINGS.map((s) => `'${s.replaceAll("'", "''")}'`).join(', ')}]`;
  switch (format) {
    case 'parquet': return 'read_parquet($1)';
    case 'csv': return `read_csv($1, ${nulls})`;
    case 'tsv': return `read_csv($1, delim='\\t', ${nulls})`;
    case 'ndjson': return "read_json($1, format='auto')";
    case 'json': return "read_json($1, format='array')";
  }
}

/** First line of a DuckDB error, without the error-class prefix noise. */
function duckMessage(e: unknown): string {
  const m = (e as Error).message ?? String(e);
  return m.split('\n').filter((l) => l.trim()).slice(0, 2).join(' ').trim();
}

/**
 * A data file opened for reading: its columns, types and row count are known,
 * and any subset of its columns can be read into a Table (the CLI reads wide
 * files a batch of columns at a time). Text formats are parsed once into a
 * temporary DuckDB table; Parquet is read in place.
 */
export interface OpenedSource {
  names: string[];
  /** DuckDB's type of each column, e.g. `BIGINT`, `VARCHAR`. */
  sourceTypes: string[];
  /** Rows in the file (before sampling). */
  totalRows: number;
  /** Rows read (after sampling). */
  rows: number;
  sampled: boolean;
  /** Reads the columns at these indexes (all when absent), in the order given. */
  read(indexes?: readonly number[]): Promise<Table>;
  /** Drops temporary tables and closes the connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens a data file. Throws `InputError` naming the file for unreadable
 * content (also from `read`).
 */
export async function openSource(path: string, options: ReadOptions): Promise<OpenedSource> {
  const con = await DuckConnection.open();
  const id = `${process.pid}_${++readCounter}`;
  const describeFormat = options.format === 'tsv' ? 'TSV' : options.format === 'ndjson' ? 'NDJSON' : options.format.toUpperCase();
  const fail = (e: unknown): never => {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read as ${describeFormat}: ${duckMessage(e)}`);
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await con.query(`DROP TABLE IF EXISTS mw_src_${id}`).catch(() => {});
    con.close();
  };
  try {
    const src = sourceSql(options.format);
    let from = src;
    let params: Param[] = [path];
    let totalRows: number;
    let sampled = false;
    const sample = options.sample;
    if (sample !== undefined) {
      totalRows = await count(con, src, params).catch(fail);
      if (totalRows > sample) {
        sampled = true;
        // DuckDB takes only constants in a sample clause: both are validated integers.
        const rows = integerLiteral(sample);
        const seed = integerLiteral(options.seed ?? 42);
        await con.query(`CREATE TEMP TABLE mw_src_${id} AS SELECT * FROM ${src} USING SAMPLE reservoir(${rows} ROWS) REPEATABLE (${seed})`, [path]).catch(fail);
        from = `mw_src_${id}`;
        params = [];
      }
    }
    if (!sampled && options.format !== 'parquet') {
      await con.query(`CREATE TEMP TABLE mw_src_${id} AS SELECT * FROM ${src}`, params).catch(fail);
      from = `mw_src_${id}`;
      params = [];
    }
    const columns = resultColumns(await con.query(`SELECT * FROM ${from} LIMIT 0`, params).catch(fail));
    const rows = await count(con, from, params).catch(fail);
    if (!sampled) totalRows = rows;
    const text = options.format === 'csv' || options.format === 'tsv' ? 'csv' : options.format === 'parquet' ? null : 'json';
    const plans = await planColumns(con, from, params, columns, text, id).catch(fail);
    const names = columns.map((c) => c.name);
    return {
      names,
      sourceTypes: columns.map((c) => (c.alias ?? TYPE_NAMES[c.typeId] ?? 'UNKNOWN')),
      totalRows: totalRows!,
      rows,
      sampled,
      read: async (indexes) => {
        if (closed) throw new Error(`${path}: read after close`);
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

/**
 * Reads a data file into a Table. Throws `InputError` naming the file for
 * unreadable content.
 */
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
 * dictionary-encoded in JavaScript; in text formats, a pass over the columns
 * whose values carry no declared type first checks whether they are mostly
 * numbers or all timestamps.
 */
async function planColumns(
  con: DuckConnection,
  from: string,
  params: Param[],
  columns: ReturnType<typeof resultColumns>,
  text: 'csv' | 'json' | null,
  id: string,
): Promise<Plan[]> {
  const plans: Plan[] = columns.map((c) => {
    const q = quoteIdent(c.name);
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
  // Text formats carry no declared types: CSV columns and JSON columns mixing types may be mostly numbers or dates.
  const mixed = columns
    .map((c, index) => ({ index, c }))
    .filter(({ c, index }) => plans[index].kind === 'string' && (text === 'csv' ? c.typeId === T.VARCHAR : text === 'json' && c.alias === 'JSON'))
    .map(({ index }) => ({ index, source: (plans[index] as { expr: string }).expr }));
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
    if (notNumber > 0 && notNumber < distinct) {
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
  /** Bytes per value of fixed-width vectors (numbers 8, booleans 1). */
  width: 1 | 8;
  encoder?: StringEncoder;
  values?: Float64Array;
  codes?: Int32Array;
  nulls?: Uint8Array;
  dictionary?: string[];
}

/**
 * Runs one SELECT of every column's expression and copies its vectors into
 * typed arrays: numbers with `Float64Array.set` over a view of DuckDB's memory,
 * booleans with `Int32Array.set` (widening bytes), strings through a
 * `StringEncoder`; the validity mask marks missing rows (NaN / -1, and the
 * `nulls` bitmap of number columns).
 */
async function readColumns(con: DuckConnection, from: string, params: Param[], names: string[], plans: Plan[], rows: number): Promise<Table> {
  const sinks: Sink[] = plans.map((plan, position) => ({ plan, position, width: 8 }));
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
        if (s.plan.kind === 'bool') {
          s.width = 1;
          s.dictionary = ['false', 'true'];
        } else s.encoder = new StringEncoder();
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
        if (s.encoder) s.encoder.encode(vector, n, s.codes!, offset);
        else copyVector(s, vector, n, offset);
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
      const col: Column = { type: 'number', values: s.values! };
      if (s.nulls) col.nulls = s.nulls;
      if (s.plan.date) col.date = true;
      if (s.plan.typeViolations) col.typeViolations = s.plan.typeViolations;
      return col;
    }
    return { type: 'dict', codes: s.codes!, dictionary: s.encoder ? s.encoder.finish(s.codes!) : s.dictionary! };
  });
  return { names, columns, numRows: rows };
}

/** Copies `n` values of a vector into a sink at `offset`, then applies the validity mask. */
function copyVector(s: Sink, vector: duckdb.Vector, n: number, offset: number): void {
  const data = duckdb.vector_get_data(vector, n * s.width);
  if (s.values) s.values.set(new Float64Array(data.buffer, data.byteOffset, n), offset);
  else s.codes!.set(data.subarray(0, n), offset);
  const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
  if (!validity) return;
  const full = n >> 3;
  for (let b = 0; b <= full; b++) {
    const byte = validity[b];
    if (byte === 0xff) continue;
    const end = Math.min(8, n - b * 8);
    for (let bit = 0; bit < end; bit++) {
      if (byte & (1 << bit)) continue;
      const row = offset + b * 8 + bit;
      if (s.values) {
        s.values[row] = NaN;
        (s.nulls ??= new Uint8Array(s.values.length))[row] = 1;
      } else s.codes![row] = -1;
    }
  }
}

/**
 * Files with more cells (rows × columns) than this are compared a batch of
 * columns at a time instead of being read whole (peak memory stays near two
 * batches of both files, whatever the width). `MODELWATCH_WIDE_CELLS` overrides it.
 */
export const WIDE_CELLS = positiveEnv('MODELWATCH_WIDE_CELLS') ?? 10_000_000;

/** A positive integer from the environment, if set. */
export function positiveEnv(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** A file read whole, or opened to be read a batch of columns at a time. */
export type LoadedData = ({ kind: 'table' } & ReadResult) | { kind: 'columns'; source: OpenedSource; totalRows: number; sampled: boolean; sourceTypes: string[] };

/**
 * Reads a file whole, or — when `batchCells` is given, the file holds more cells
 * than that and no sample is asked for — opens it for reading in batches.
 */
export async function loadData(path: string, options: ReadOptions & { batchCells?: number }): Promise<LoadedData> {
  const source = await openSource(path, options);
  const { totalRows, sampled, sourceTypes } = source;
  if (options.batchCells !== undefined && !sampled && source.rows * source.names.length > options.batchCells) {
    return { kind: 'columns', source, totalRows, sampled, sourceTypes };
  }
  try {
    return { kind: 'table', table: await source.read(), totalRows, sampled, sourceTypes };
  } finally {
    await source.close();
  }
}
