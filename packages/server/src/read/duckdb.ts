import duckdb from '@duckdb/node-bindings';
import type { Connection, Database, DataChunk, LogicalType, Result } from '@duckdb/node-bindings';

/**
 * A minimal layer over DuckDB's C API bindings (`@duckdb/node-bindings`), the
 * package under `@duckdb/node-api`. The file reader talks to the bindings
 * directly: loading `@duckdb/node-api` requires ~700 modules (0.3–0.9 s on a
 * 2-core machine — the CLI's startup), the bindings ~70 ms, and reading result
 * vectors as typed arrays is the fastest path there is (`vector_get_data` and
 * `vector_get_validity` return a copy of the vector's bytes in a Node Buffer —
 * `napi_create_buffer_copy` — not a view).
 *
 * Two kinds of connection:
 * - to the process's in-memory database (`DuckConnection.open`), shared by every
 *   file a process reads (the CLI);
 * - to a database of its own that may read one file and nothing else
 *   (`DuckConnection.openSandboxed`: `allowed_paths`, `enable_external_access =
 *   false`, configuration locked; extensions neither installed nor loaded), so
 *   whatever a file or its name holds, the reader can touch nothing else —
 *   closing it returns DuckDB's memory (the server, for files clients name).
 *
 * Every query is a prepared statement; values (file paths, sample sizes) are
 * bound as parameters, never spliced into SQL. Identifiers are quoted with
 * `quoteIdent`.
 */

export { duckdb };
export type { DataChunk, LogicalType, Result };

/** A parameter value: strings bind as VARCHAR, integers as BIGINT, other numbers as DOUBLE. */
export type Param = string | number;

let database: Promise<Database> | null = null;

/** `MODELWATCH_TRACE=1` prints each query and its time on stderr. */
const TRACE = process.env.MODELWATCH_TRACE === '1';

/** The process's in-memory database (opened once; a failed open is retried on the next call). */
export function openDatabase(): Promise<Database> {
  database ??= duckdb.open(':memory:').catch((e: unknown) => {
    database = null;
    throw e;
  });
  return database;
}

/**
 * Closes the process's database once no connection is in use. DuckDB keeps
 * the memory of finished queries for reuse (~0.4 GB after reading 1M rows ×
 * 100 columns); closing returns it to the system before the statistics run.
 * A later `openDatabase()` opens a new one.
 */
export async function closeDatabase(): Promise<void> {
  const db = database;
  database = null;
  if (db) duckdb.close_sync(await db);
}

/** `"name"` with embedded quotes doubled: a safe SQL identifier for any column name. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Settings of a sandboxed database. */
export interface SandboxOptions {
  /** DuckDB worker threads (default: DuckDB's, all cores). */
  threads?: number;
  /** DuckDB `memory_limit`, e.g. `"2GB"`. */
  memoryLimit?: string;
}

/**
 * One connection: queries on it run one at a time (DuckDB connections are not
 * for concurrent use), so each file is read on its own connection and two files
 * are read concurrently.
 */
export class DuckConnection {
  private constructor(
    private readonly con: Connection,
    /** A database of its own, closed with the connection. */
    private readonly own: Database | null = null,
  ) {}

  /** A new connection to the process's database. */
  static async open(): Promise<DuckConnection> {
    return new DuckConnection(await duckdb.connect(await openDatabase()));
  }

  /** A connection to a new in-memory database that may read `path` and nothing else (closed with the connection). */
  static async openSandboxed(path: string, opts: SandboxOptions = {}): Promise<DuckConnection> {
    const config = duckdb.create_config();
    duckdb.set_config(config, 'autoinstall_known_extensions', 'false');
    duckdb.set_config(config, 'autoload_known_extensions', 'false');
    if (opts.threads) duckdb.set_config(config, 'threads', String(opts.threads));
    if (opts.memoryLimit) duckdb.set_config(config, 'memory_limit', opts.memoryLimit);
    const db = await duckdb.open(':memory:', config);
    let c: DuckConnection | null = null;
    try {
      c = new DuckConnection(await duckdb.connect(db), db);
      await c.query('SET allowed_paths = [$1]', [path]);
      await c.query('SET enable_external_access = false');
      await c.query('SET lock_configuration = true');
      return c;
    } catch (err) {
      if (c) c.close();
      else duckdb.close_sync(db);
      throw err;
    }
  }

  /** Runs a statement with positional parameters ($1, $2, …) and returns the materialized result. */
  async query(sql: string, params: readonly Param[] = []): Promise<Result> {
    const t0 = TRACE ? performance.now() : 0;
    const stmt = await duckdb.prepare(this.con, sql);
    try {
      bindAll(stmt, params);
      return await duckdb.execute_prepared(stmt);
    } finally {
      duckdb.destroy_prepare_sync(stmt);
      if (TRACE) process.stderr.write(`[duckdb ${(performance.now() - t0).toFixed(1)} ms] ${sql.slice(0, 160)}\n`);
    }
  }

  /**
   * Runs a query whose result is read chunk by chunk with `fetch_chunk` (DuckDB
   * frees chunks as they are read). The statement is returned with the result
   * and must stay reachable until the result is consumed.
   */
  async stream(sql: string, params: readonly Param[] = []): Promise<{ result: Result; statement: duckdb.PreparedStatement }> {
    const statement = await duckdb.prepare(this.con, sql);
    bindAll(statement, params);
    return { result: await duckdb.execute_prepared_streaming(statement), statement };
  }

  /** Closes the connection (and the sandboxed database). */
  close(): void {
    try {
      duckdb.disconnect_sync(this.con);
    } finally {
      if (this.own) duckdb.close_sync(this.own);
    }
  }
}

function bindAll(stmt: duckdb.PreparedStatement, params: readonly Param[]): void {
  params.forEach((p, i) => {
    if (typeof p === 'string') duckdb.bind_varchar(stmt, i + 1, p);
    else if (Number.isInteger(p)) duckdb.bind_int64(stmt, i + 1, BigInt(p));
    else duckdb.bind_double(stmt, i + 1, p);
  });
}

/** Column names and logical types of a result. */
export function resultColumns(result: Result): { name: string; type: LogicalType; typeId: duckdb.Type; alias: string | null }[] {
  const n = duckdb.column_count(result);
  const out = [];
  for (let i = 0; i < n; i++) {
    const type = duckdb.column_logical_type(result, i);
    out.push({ name: duckdb.column_name(result, i), type, typeId: duckdb.get_type_id(type), alias: duckdb.logical_type_get_alias(type) });
  }
  return out;
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(duckdb.Type).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]));
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * A type as SQL text, as `@duckdb/node-api`'s `DuckDBType.toString()` gives it
 * (without aliases): `BIGINT`, `DECIMAL(18,3)`, `TIMESTAMP WITH TIME ZONE`,
 * `VARCHAR[]`, `INTEGER[3]`, `STRUCT("a" BIGINT)`, `MAP(VARCHAR, DOUBLE)`,
 * `ENUM('x', 'y')`, `UNION("n" INTEGER)`.
 */
export function typeName(t: LogicalType): string {
  const T = duckdb.Type;
  const id = duckdb.get_type_id(t);
  const entries = (count: number, name: (i: number) => string, type: (i: number) => LogicalType) =>
    Array.from({ length: count }, (_, i) => `${quoteIdent(name(i))} ${typeName(type(i))}`).join(', ');
  switch (id) {
    case T.DECIMAL:
      return `DECIMAL(${duckdb.decimal_width(t)},${duckdb.decimal_scale(t)})`;
    case T.TIMESTAMP_TZ:
      return 'TIMESTAMP WITH TIME ZONE';
    case T.TIME_TZ:
      return 'TIME WITH TIME ZONE';
    case T.LIST:
      return `${typeName(duckdb.list_type_child_type(t))}[]`;
    case T.ARRAY:
      return `${typeName(duckdb.array_type_child_type(t))}[${duckdb.array_type_array_size(t)}]`;
    case T.MAP:
      return `MAP(${typeName(duckdb.map_type_key_type(t))}, ${typeName(duckdb.map_type_value_type(t))})`;
    case T.STRUCT:
      return `STRUCT(${entries(duckdb.struct_type_child_count(t), (i) => duckdb.struct_type_child_name(t, i), (i) => duckdb.struct_type_child_type(t, i))})`;
    case T.UNION:
      return `UNION(${entries(duckdb.union_type_member_count(t), (i) => duckdb.union_type_member_name(t, i), (i) => duckdb.union_type_member_type(t, i))})`;
    case T.ENUM:
      return `ENUM(${Array.from({ length: duckdb.enum_dictionary_size(t) }, (_, i) => sqlString(duckdb.enum_dictionary_value(t, i))).join(', ')})`;
    case T.GEOMETRY: {
      const crs = duckdb.geometry_type_get_crs(t);
      return crs ? `GEOMETRY(${sqlString(crs)})` : 'GEOMETRY';
    }
    default:
      return TYPE_NAMES[id] ?? 'UNKNOWN';
  }
}

/** The first lines of a DuckDB error, without its caret diagram. */
export function duckMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  const lines = m.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('LINE ') && !/^\^+$/.test(l));
  return lines.slice(0, 3).join(' ').slice(0, 600);
}

/** BIGINT / UBIGINT values of a vector of `n` rows as numbers (`null` where invalid). */
export function readInt64(vector: duckdb.Vector, n: number): (number | null)[] {
  const data = duckdb.vector_get_data(vector, n * 8);
  const values = new BigInt64Array(data.buffer, data.byteOffset, n);
  const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
  const out: (number | null)[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = validity && !(validity[i >> 3] & (1 << (i & 7))) ? null : Number(values[i]);
  return out;
}

/** Every row of a small materialized result, column by column, through `read`. */
export function readSmallResult<T>(result: Result, read: (vector: duckdb.Vector, n: number, column: number) => T[]): T[][] {
  const ncol = duckdb.column_count(result);
  const cols: T[][] = Array.from({ length: ncol }, () => []);
  const chunks = duckdb.result_chunk_count(result);
  for (let k = 0; k < chunks; k++) {
    const chunk = duckdb.result_get_chunk(result, k);
    const n = duckdb.data_chunk_get_size(chunk);
    for (let c = 0; c < ncol; c++) cols[c].push(...read(duckdb.data_chunk_get_vector(chunk, c), n, c));
    keepAlive(chunk);
  }
  return cols;
}

let sink: unknown = null;
/**
 * Keeps a chunk reachable until this call: vector data views point into the
 * chunk's memory, which DuckDB frees when the chunk object is collected.
 */
export function keepAlive(chunk: DataChunk): void {
  sink = chunk;
}
/** Drops the last kept chunk. */
export function releaseKept(): void {
  sink = null;
}
void sink;
