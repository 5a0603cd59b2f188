import { openSource as openFile, readTable as readFile, sourceSql as fileSourceSql, CSV_NULL_STRINGS, type DataFileError, type OpenedSource, type ReadResult } from '@modelwatch/server/read';
import { InputError } from '../errors.js';
import type { Format } from './format.js';

/**
 * Reading a data file into the core's columnar `Table`: the reader of
 * `@modelwatch/server/read` (DuckDB's C API bindings; see its `table.ts` for
 * the type mapping), whose errors become `InputError`s naming the file. The
 * subpath loads neither Fastify nor `@duckdb/node-api`, so the CLI starts as
 * fast as with a reader of its own.
 */

export { CSV_NULL_STRINGS };
export type { OpenedSource, ReadResult };

export interface ReadOptions {
  /** Format of the file (detected by the caller). */
  format: Exclude<Format, 'profile'>;
  /** Keep a uniform random sample of this many rows (DuckDB reservoir sampling). */
  sample?: number;
  /** Seed of the sample (default 42): the same file and seed give the same rows. */
  seed?: number;
}

const inputError = (e: DataFileError) => new InputError(e.message);

/** The DuckDB table function reading a file of the given format (path bound as $1). */
export function sourceSql(format: ReadOptions['format']): string {
  return fileSourceSql(format);
}

/**
 * Opens a data file: its columns, types and row count, and any subset of its
 * columns read on demand. Throws `InputError` naming the file for unreadable
 * content (also from `read`).
 */
export function openSource(path: string, options: ReadOptions): Promise<OpenedSource> {
  return openFile(path, { format: options.format, sample: options.sample, seed: options.seed, error: inputError });
}

/** Reads a data file into a Table. Throws `InputError` naming the file for unreadable content. */
export function readTable(path: string, options: ReadOptions): Promise<ReadResult> {
  return readFile(path, { format: options.format, sample: options.sample, seed: options.seed, error: inputError });
}

export { positiveEnv, WIDE_CELLS } from './plan.js';

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
