import { readFileSync } from 'node:fs';
import { validateProfile, type Profile, type Table } from '@modelwatch/core';
import { InputError } from '../errors.js';
import { detectFormat, type Format } from './format.js';
import { closeDatabase } from '@modelwatch/server/read';
import { settlePrefetches, takePrefetched } from './prefetch.js';
import { loadData, type OpenedSource } from './table.js';

/**
 * An input of a command: a data file read into a Table, or a saved profile
 * (only where a reference is expected).
 */
export type Input =
  | { kind: 'table'; path: string; format: Exclude<Format, 'profile'>; table: Table; totalRows: number; sampled: boolean; sourceTypes: string[] }
  /** A wide file, opened to be read a batch of columns at a time (only with `InputOptions.batchCells`). */
  | { kind: 'columns'; path: string; format: Exclude<Format, 'profile'>; source: OpenedSource; totalRows: number; sampled: boolean; sourceTypes: string[] }
  | { kind: 'profile'; path: string; format: 'profile'; profile: Profile };

export interface InputOptions {
  /** Force a format instead of detecting it. */
  format?: Format;
  /** Sample this many rows (data files only). */
  sample?: number;
  seed?: number;
  /** Whether a profile is acceptable here (references only). */
  allowProfile?: boolean;
  /** How the input is called in messages, e.g. `--current`. */
  role?: string;
  /** Open files with more cells than this for reading in batches of columns (`kind: 'columns'`) instead of reading them whole. */
  batchCells?: number;
}

/** Reads a saved profile, checking it with the core's `validateProfile`. */
export function readProfile(path: string): Profile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const problems = validateProfile(parsed);
  if (problems.length) throw new InputError([`${path}: not a usable modelwatch profile:`, ...problems.map((p) => `  ${p}`)]);
  return parsed as Profile;
}

/** An input read whole (or a profile). */
export type WholeInput = Exclude<Input, { kind: 'columns' }>;

/** Reads a data file or a profile; with `batchCells`, a wide file is only opened (`kind: 'columns'`). */
export async function readInput(path: string, options?: InputOptions & { batchCells?: undefined }): Promise<WholeInput>;
export async function readInput(path: string, options: InputOptions): Promise<Input>;
export async function readInput(path: string, options: InputOptions = {}): Promise<Input> {
  const format = detectFormat(path, options.format);
  if (format === 'profile') {
    if (!options.allowProfile) {
      throw new InputError(`${path}: is a modelwatch profile; ${options.role ?? 'this input'} must be a data file (CSV, TSV, Parquet, NDJSON, JSON). Profiles can only be used as --reference`);
    }
    return { kind: 'profile', path, format, profile: readProfile(path) };
  }
  // A prefetch that failed is not reported: reading the file here reports the problem.
  const prefetched = await takePrefetched(path, options.sample, options.seed)?.catch(() => undefined);
  const r = prefetched ?? (await loadData(path, { format, sample: options.sample, seed: options.seed, batchCells: options.batchCells }));
  const names = r.kind === 'table' ? r.table.names : r.source.names;
  if (names.length === 0) {
    if (r.kind === 'columns') await r.source.close();
    throw new InputError(`${path}: no columns found`);
  }
  if (r.kind === 'columns' && options.batchCells === undefined) {
    // A prefetch opened the file for batches, but this caller wants it whole.
    try {
      return { kind: 'table', path, format, table: await r.source.read(), totalRows: r.totalRows, sampled: r.sampled, sourceTypes: r.sourceTypes };
    } finally {
      await r.source.close();
    }
  }
  return { path, format, ...r };
}

/** Frees DuckDB's memory once every input is read (see `closeDatabase`). */
export async function doneReading(): Promise<void> {
  await settlePrefetches();
  await closeDatabase();
}
