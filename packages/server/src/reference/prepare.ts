/**
 * From a data file to what the store keeps: read the file (DuckDB), fit it to
 * the model's schema or infer the schema from it, profile every row with the
 * core, and keep the rows — a deterministic uniform sample of them beyond the
 * row limit.
 */
import { columnNameProblem, inferSchema, profile } from '@modelwatch/core';
import type { ColumnSchema, Profile, RoleHints, Schema, Table } from '@modelwatch/core';
import { MAX_SCHEMA_COLUMNS, checkSchema } from '../schema.js';
import { REQUIRED_ROLES, conformTable } from './conform.js';
import { ReferenceInputError } from './errors.js';
import type { DetectedFormat } from './format.js';
import { readDataFile } from './read.js';
import type { ReadOptions } from './read.js';
import { sampleIndexes, takeRows } from './sample.js';

export interface PrepareOptions {
  /** The model's schema; inferred from the file (with `hints`) when absent. */
  schema?: Schema;
  /** Roles (and task) for schema inference. */
  hints?: RoleHints;
  /** Most rows kept; more are sampled. */
  maxRows: number;
  /** Seed of the sample. */
  seed: number;
  /** Where the data came from, recorded in the profile: a file name, or `upload`. */
  source: string;
  read?: ReadOptions;
  /** Called after each phase with its duration, for logs. */
  onPhase?: (phase: 'read' | 'schema' | 'profile' | 'sample', ms: number, info: Record<string, unknown>) => void;
}

export interface PreparedReference {
  schema: Schema;
  schemaInferred: boolean;
  /** Profile of every row. */
  profile: Profile;
  /** The rows kept (schema columns present in the file), sampled beyond `maxRows`. */
  table: Table;
  /** Rows of the file. */
  rows: number;
  /** Set when `table` is a sample: the rows it was drawn from. */
  sampledFrom?: number;
  /** Optional schema columns the file lacks. */
  absent: ColumnSchema[];
  /** File columns not in the schema. */
  ignored: string[];
  format: DetectedFormat;
  /** DuckDB's type of each file column. */
  sourceTypes: Record<string, string>;
}

const list = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(', ');

/** Reads, checks, profiles and samples a reference file. Throws {@link ReferenceInputError}. */
export async function prepareReference(path: string, format: DetectedFormat, opts: PrepareOptions): Promise<PreparedReference> {
  const phase = opts.onPhase ?? (() => undefined);
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - t;
    t = now;
    return Math.round(ms);
  };
  // With a schema only its columns are read; inferring reads every column.
  const file = await readDataFile(path, format, {
    displayName: opts.source,
    ...opts.read,
    columns: opts.schema?.columns.map((c) => c.name),
    maxColumns: MAX_SCHEMA_COLUMNS,
  });
  phase('read', lap(), { rows: file.table.numRows, columns: file.table.names.length, fileColumns: file.fileColumns.length, format: format.format });

  const inferred = opts.schema === undefined;
  const schema = opts.schema ?? inferFrom(file.table, opts.hints ?? {});
  const { table, absent } = conformTable(file.table, schema);
  const known = new Set(schema.columns.map((c) => c.name));
  const ignored = file.fileColumns.filter((n) => !known.has(n));
  const missing = absent.filter((c) => REQUIRED_ROLES.includes(c.role));
  if (missing.length > 0 || table.names.length === 0) {
    const names = (missing.length > 0 ? missing : absent).map((c) => c.name);
    throw new ReferenceInputError(
      'missing_columns',
      `the reference lacks ${missing.length > 0 ? 'feature' : 'every'} column${names.length === 1 ? '' : 's'} of the model's schema: ${list(names)} (the file has ${list(file.fileColumns.slice(0, 50))}${file.fileColumns.length > 50 ? ', …' : ''})`,
      { missing: names, fileColumns: file.fileColumns },
    );
  }
  checkKinds(table, schema);
  phase('schema', lap(), { inferred, absent: absent.map((c) => c.name), ignored });

  const p = profile(table, { schema, source: opts.source });
  phase('profile', lap(), { columns: p.columns.length });

  const rows = table.numRows;
  let kept = table;
  let sampledFrom: number | undefined;
  if (rows > opts.maxRows) {
    kept = takeRows(table, sampleIndexes(rows, opts.maxRows, opts.seed));
    sampledFrom = rows;
    phase('sample', lap(), { rows: kept.numRows, sampledFrom });
  }
  const sourceTypes: Record<string, string> = {};
  file.table.names.forEach((n, i) => (sourceTypes[n] = file.sourceTypes[i]));
  return { schema, schemaInferred: inferred, profile: p, table: kept, rows, sampledFrom, absent, ignored, format, sourceTypes };
}

/** The schema suggested by the data and the hints, checked like a registered one. */
function inferFrom(table: Table, hints: RoleHints): Schema {
  const named: [string, string | undefined][] = [
    ['target', hints.target],
    ['prediction', hints.prediction],
    ['id', hints.id],
    ['timestamp', hints.timestamp],
    ...(Array.isArray(hints.scores) ? hints.scores : Object.keys(hints.scores ?? {})).map((s): [string, string] => ['scores', s]),
    ...(hints.segments ?? []).map((s): [string, string] => ['segments', s]),
    ...Object.keys(hints.roles ?? {}).map((s): [string, string] => ['roles', s]),
  ];
  const unknown = named.filter(([, col]) => col !== undefined && !table.names.includes(col));
  if (unknown.length > 0) {
    throw new ReferenceInputError(
      'bad_request',
      unknown.map(([hint, col]) => `${hint}: no column ${JSON.stringify(col)} in the reference`).join('; '),
      unknown.map(([hint, col]) => ({ path: hint, column: col })),
    );
  }
  const badNames = table.names.map((n) => [n, columnNameProblem(n)] as const).filter(([, p]) => p !== null);
  if (badNames.length > 0) {
    throw new ReferenceInputError(
      'invalid_reference',
      `column names the schema cannot take: ${badNames.slice(0, 10).map(([n, p]) => `${JSON.stringify(n.slice(0, 80))} ${p}`).join('; ')}`,
    );
  }
  const checked = checkSchema(inferSchema(table, hints));
  if (!checked.schema) {
    throw new ReferenceInputError(
      'invalid_schema',
      `the schema inferred from the reference is not valid: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      checked.problems,
    );
  }
  return checked.schema;
}

/** Refuses a column whose every present value failed to fit the schema's kind: the wrong file or the wrong schema. */
function checkKinds(table: Table, schema: Schema): void {
  const problems: string[] = [];
  table.columns.forEach((col, i) => {
    const violations = col.typeViolations ?? 0;
    if (violations === 0) return;
    const valid = col.type === 'number' ? countValid(col.values, col.nulls) : col.codes.reduce((n, c) => n + (c >= 0 ? 1 : 0), 0);
    if (valid === 0) {
      const kind = schema.columns.find((c) => c.name === table.names[i])?.kind;
      problems.push(`column ${JSON.stringify(table.names[i])}: the schema says ${kind}, but none of its ${violations} values is one`);
    }
  });
  if (problems.length > 0) throw new ReferenceInputError('invalid_reference', problems.join('; '), problems);
}

function countValid(values: Float64Array, nulls: Uint8Array | undefined): number {
  if (!nulls) return values.length;
  let n = 0;
  for (let i = 0; i < nulls.length; i++) if (!nulls[i]) n++;
  return n;
}
