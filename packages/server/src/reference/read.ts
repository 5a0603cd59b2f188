/**
 * Reading a reference file into the core's columnar `Table`, with the file
 * reader of `src/read/` (also the CLI's): each read opens its own in-memory
 * DuckDB instance that may access exactly one file (`allowed_paths` +
 * `enable_external_access = false`, configuration locked), so whatever a file or
 * a path contains, the reader can touch nothing else; closing it returns
 * DuckDB's memory. The path is a bound parameter. The type mapping (numbers,
 * dates, booleans, strings; mostly-numeric text columns with type violations)
 * is described in `src/read/table.ts`.
 */
import type { Table } from '@modelwatch/core';
import { openSource } from '../read/table.js';
import { ReferenceInputError } from './errors.js';
import { sourceSql } from './format.js';
import type { DetectedFormat } from './format.js';

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

/**
 * Reads a data file into a Table. Throws {@link ReferenceInputError} naming the
 * file when it cannot be parsed (`invalid_reference`), or has no columns or no
 * rows (`empty_reference`).
 */
export async function readDataFile(path: string, format: DetectedFormat, opts: ReadOptions = {}): Promise<FileData> {
  const source = await openSource(path, {
    format: format.format,
    source: sourceSql(format),
    sandbox: { threads: opts.threads, memoryLimit: opts.memoryLimit },
    displayName: opts.displayName,
    columns: opts.columns,
    maxColumns: opts.maxColumns,
    requireRows: true,
    error: (e) => {
      if (e.code === 'empty') return new ReferenceInputError('empty_reference', e.message);
      if (e.code === 'too_many_columns' && e.columns) {
        return new ReferenceInputError('invalid_reference', `${opts.displayName ?? path}: the file has ${e.columns.count} columns; a schema takes at most ${e.columns.max}`);
      }
      return new ReferenceInputError('invalid_reference', e.message);
    },
  });
  try {
    return { table: await source.read(), sourceTypes: source.sourceTypes, fileColumns: source.fileColumns };
  } finally {
    await source.close();
  }
}
