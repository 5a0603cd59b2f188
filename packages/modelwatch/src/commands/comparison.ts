import { basename } from 'node:path';
import { compare, Comparison, validateSchema, type CompareOptions, type Label, type Report, type Schema, type Table, type Task } from '@modelwatch/core';
import { InputError, UsageError } from '../errors.js';
import { doneReading, readInput, type Input } from '../read/input.js';
import { batchPlan, columnIndexes } from '../read/plan.js';
import { WIDE_CELLS } from '../read/table.js';
import { failOn, nameProblems, requireColumns, typeConflicts } from '../read/sides.js';
import { phase, step } from '../output/timing.js';
import { readOptionFile, type CommandContext } from './context.js';
import { columnMethods, globalMethod, nonNegative, positiveInteger, shareOption, taskOption } from './options.js';

/**
 * The part `report` and `check` share: read the two inputs (concurrently),
 * check them against each other and the options, and compare.
 */

/** Options as commander hands them over (strings, unparsed). */
export interface ComparisonFlags {
  reference: string;
  current: string;
  schema?: string;
  target?: string;
  prediction?: string;
  scores?: string[];
  task?: string;
  sample?: string;
  seed?: string;
  method?: string;
  columnMethod?: string[];
  threshold?: string;
  driftShare?: string;
  positiveLabel?: string;
}

/** Parsed, checked flags. */
export interface ComparisonSettings {
  reference: string;
  current: string;
  schema?: Schema;
  target?: string;
  prediction?: string;
  scores?: string[];
  task?: Task;
  sample?: number;
  seed?: number;
  positiveLabel?: Label;
  compare: CompareOptions;
}

/** Parses the flags; every problem is a UsageError (exit 2) before any file is read. */
export function parseComparisonFlags(flags: ComparisonFlags): ComparisonSettings {
  const problems: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof UsageError || e instanceof InputError) problems.push(...e.problems);
      else throw e;
      return undefined;
    }
  };
  const sample = flags.sample !== undefined ? attempt(() => positiveInteger('--sample', flags.sample!)) : undefined;
  const seed = flags.seed !== undefined ? attempt(() => positiveInteger('--seed', flags.seed!)) : undefined;
  const driftShare = flags.driftShare !== undefined ? attempt(() => shareOption('--drift-share', flags.driftShare!)) : undefined;
  const threshold = flags.threshold !== undefined ? attempt(() => nonNegative('--threshold', flags.threshold!)) : undefined;
  const task = flags.task !== undefined ? attempt(() => taskOption(flags.task!)) : undefined;
  const methods = attempt(() => globalMethod(flags.method)) ?? {};
  const columns = attempt(() => columnMethods(flags.columnMethod)) ?? {};
  const schema = flags.schema !== undefined ? attempt(() => readSchemaFile(flags.schema!)) : undefined;
  const toStdout = (['json', 'html', 'junit'] as const).filter((k) => (flags as unknown as Record<string, unknown>)[k] === '-');
  if (toStdout.length > 1) problems.push(`only one output can go to stdout ("-"); got ${toStdout.map((k) => `--${k} -`).join(', ')}`);
  if (flags.reference === flags.current) problems.push(`--reference and --current are the same file (${flags.reference}); nothing to compare`);
  const roleFlags = [flags.target, flags.prediction, ...(flags.scores ?? [])].filter((x) => x !== undefined);
  if (new Set(roleFlags).size !== roleFlags.length) problems.push('--target, --prediction and --scores must name different columns');
  if (problems.length) throw new UsageError(problems);
  const positiveLabel = flags.positiveLabel === undefined ? undefined : /^-?\d+(\.\d+)?$/.test(flags.positiveLabel) ? Number(flags.positiveLabel) : flags.positiveLabel;
  const compareOptions: CompareOptions = { ...methods };
  if (Object.keys(columns).length) compareOptions.columns = columns;
  if (driftShare !== undefined) compareOptions.driftShare = driftShare;
  if (threshold !== undefined) compareOptions.threshold = threshold;
  return { reference: flags.reference, current: flags.current, schema, target: flags.target, prediction: flags.prediction, scores: flags.scores, task, sample, seed, positiveLabel, compare: compareOptions };
}

/** Reads and checks a `--schema` file (JSON, as `modelwatch schema` writes it). */
export function readSchemaFile(path: string): Schema {
  const text = readOptionFile('--schema', path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InputError(`--schema ${path}: not valid JSON (${(e as Error).message})`);
  }
  // A profile carries its schema: accept it too.
  if (parsed && typeof parsed === 'object' && (parsed as { kind?: unknown }).kind === 'modelwatch.profile') parsed = (parsed as { schema: unknown }).schema;
  const problems = validateSchema(parsed);
  if (problems.length) throw new InputError([`--schema ${path}: invalid schema:`, ...problems.map((p) => `  ${p.path || '(top level)'}: ${p.message}`)]);
  return parsed as Schema;
}

/**
 * The schema to compare with when roles were given on the command line on top
 * of a schema (a `--schema` file or a profile's): the named columns get their
 * roles, and a column that held a single-valued role before gives it up.
 */
export function withRoles(schema: Schema, s: Pick<ComparisonSettings, 'target' | 'prediction' | 'scores' | 'task' | 'positiveLabel'>, where: string): Schema {
  const out: Schema = { ...schema, columns: schema.columns.map((c) => ({ ...c })) };
  const problems: string[] = [];
  const assign = (option: string, column: string, role: 'target' | 'prediction' | 'score') => {
    const col = out.columns.find((c) => c.name === column);
    if (!col) {
      problems.push(`${option} ${JSON.stringify(column)}: no such column in ${where}`);
      return;
    }
    if (role !== 'score') for (const c of out.columns) if (c.role === role && c !== col) c.role = 'feature';
    col.role = role;
  };
  if (s.target !== undefined) assign('--target', s.target, 'target');
  if (s.prediction !== undefined) assign('--prediction', s.prediction, 'prediction');
  for (const sc of s.scores ?? []) assign('--scores', sc, 'score');
  if (problems.length) throw new InputError(problems);
  if (s.task) out.task = s.task;
  if (s.positiveLabel !== undefined) out.positiveLabel = s.positiveLabel;
  return out;
}

/** The role columns named on the command line, for existence checks. */
function namedColumns(s: ComparisonSettings): { option: string; column: string }[] {
  const out: { option: string; column: string }[] = [];
  if (s.target !== undefined) out.push({ option: '--target', column: s.target });
  if (s.prediction !== undefined) out.push({ option: '--prediction', column: s.prediction });
  for (const c of s.scores ?? []) out.push({ option: '--scores', column: c });
  return out;
}

/** A data input: read whole, or opened to be read a batch of columns at a time. */
type DataInput = Exclude<Input, { kind: 'profile' }>;

/** Reads both inputs concurrently, showing progress while it takes long. Wide files are only opened. */
export async function readBoth(ctx: CommandContext, s: ComparisonSettings): Promise<{ reference: Input; current: DataInput }> {
  const label = `reading ${basename(s.reference)} and ${basename(s.current)}`;
  const [reference, current] = await ctx.progress.task(label, () =>
    Promise.all([
      readInput(s.reference, { sample: s.sample, seed: s.seed, allowProfile: true, role: '--reference', batchCells: WIDE_CELLS }),
      readInput(s.current, { sample: s.sample, seed: s.seed, allowProfile: false, role: '--current', batchCells: WIDE_CELLS }),
    ]),
  );
  if (reference.kind !== 'columns' && current.kind !== 'columns') await doneReading();
  if (current.kind === 'profile') throw new InputError(`${s.current}: --current must be a data file`);
  const refRows = reference.kind === 'table' ? reference.table.numRows : reference.kind === 'columns' ? reference.source.rows : null;
  if (refRows === 0) {
    throw new InputError(`${reference.path}: the reference has a header but no rows; there is nothing to compare against`);
  }
  return { reference, current };
}

/** Reads, checks and compares; returns the Report. */
export async function runComparison(
  ctx: CommandContext,
  s: ComparisonSettings,
  /** Called once the inputs are open, before comparing; `wide` when they hold more than `WIDE_CELLS` cells. */
  onInputs?: (wide: boolean) => void,
): Promise<{ report: Report; reference: Input; current: Input }> {
  phase('start');
  const { reference, current } = await readBoth(ctx, s);
  // Opened, not read (wide files, and files read on the read worker): compared a batch of columns at a time.
  const batched = reference.kind === 'columns' || current.kind === 'columns';
  const isWide = (input: Input) => input.kind === 'columns' && input.source.rows * input.source.names.length > WIDE_CELLS;
  onInputs?.(isWide(reference) || isWide(current));
  try {
    phase(batched ? 'open both inputs' : 'read both inputs');
    const named = namedColumns(s);
    failOn([...nameProblems(reference), ...nameProblems(current)]);
    failOn([...requireColumns(reference, named), ...requireColumns(current, named)]);
    if (!batched) failOn(typeConflicts(reference, current as DataInput & { kind: 'table' }, s.schema));

    const options: CompareOptions = { ...s.compare, referenceSource: s.reference, currentSource: s.current };
    const baseSchema = s.schema ?? (reference.kind === 'profile' ? reference.profile.schema : undefined);
    if (baseSchema) {
      options.schema = named.length || s.task || s.positiveLabel !== undefined ? withRoles(baseSchema, s, s.schema ? '--schema' : reference.path) : baseSchema;
    } else {
      if (s.target !== undefined) options.target = s.target;
      if (s.prediction !== undefined) options.prediction = s.prediction;
      if (s.scores?.length) options.scores = s.scores;
      if (s.task) options.task = s.task;
      if (s.positiveLabel !== undefined) options.positiveLabel = s.positiveLabel;
    }
    if (s.positiveLabel !== undefined) options.modelQuality = { ...options.modelQuality, positiveLabel: s.positiveLabel };
    if (reference.kind !== 'profile' && reference.sampled) options.referenceSampledFrom = reference.totalRows;
    if (current.sampled) options.currentSampledFrom = current.totalRows;

    const progress = ctx.progress.steps('comparing');
    options.onProgress = progress;
    let report: Report;
    try {
      if (batched) report = await compareInBatches(reference, current, s, options);
      else report = compare(reference.kind === 'table' ? reference.table : (reference as Input & { kind: 'profile' }).profile, (current as DataInput & { kind: 'table' }).table, options);
    } catch (e) {
      const message = (e as Error).message ?? '';
      // The core rejects settings that do not fit the data (a method on the wrong kind of column, an unknown column).
      if (message.startsWith('invalid comparison settings') || message.startsWith('drift method')) {
        const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
        throw new InputError(lines.length > 1 ? lines.slice(1).map(explainSetting) : lines);
      }
      throw e;
    } finally {
      progress.end();
    }
    phase(batched ? 'read and compare' : 'compare');
    return { report, reference, current };
  } finally {
    if (batched) {
      if (reference.kind === 'columns') await reference.source.close();
      if (current.kind === 'columns') await current.source.close();
      await doneReading();
    }
  }
}

function dataNames(input: DataInput): string[] {
  return input.kind === 'table' ? input.table.names : input.source.names;
}

function dataRows(input: DataInput): number {
  return input.kind === 'table' ? input.table.numRows : input.source.rows;
}

/** The named columns of an input (those it has), read from the file or picked from the table. */
async function readColumns(input: DataInput, names: readonly string[]): Promise<Table> {
  const all = dataNames(input);
  const indexes = columnIndexes(all, names);
  if (input.kind === 'columns') return input.source.read(indexes);
  return { names: indexes.map((i) => all[i]), columns: indexes.map((i) => input.table.columns[i]), numRows: input.table.numRows };
}

/**
 * Compares opened inputs a batch of columns at a time (the core's `Comparison`,
 * which gives the same Report as comparing whole tables), reading the next
 * batch of both files while the current one is compared, so memory stays near
 * two batches whatever the width, and reading overlaps comparing when it runs
 * on the read worker. Type conflicts are checked batch by batch.
 */
async function compareInBatches(reference: Input, current: DataInput, s: ComparisonSettings, options: CompareOptions): Promise<Report> {
  const curNames = dataNames(current);
  const refData = reference.kind === 'profile' ? null : reference;
  // Each batch is dropped once added: the core may sort its numeric columns in place.
  options = { ...options, consumeInput: true };
  const comparison = refData
    ? new Comparison({ referenceRows: dataRows(refData), referenceColumns: dataNames(refData), currentRows: dataRows(current), currentColumns: curNames }, options)
    : new Comparison({ referenceProfile: (reference as Input & { kind: 'profile' }).profile, currentRows: dataRows(current), currentColumns: curNames }, options);
  const batches = batchPlan(refData ? { names: dataNames(refData), rows: dataRows(refData) } : null, { names: curNames, rows: dataRows(current) });
  const read = (names: string[]) => Promise.all([refData ? readColumns(refData, names) : Promise.resolve(null), readColumns(current, names)]);
  let next = batches.length ? read(batches[0]) : null;
  for (let b = 0; b < batches.length; b++) {
    const [ref, cur] = await next!;
    step(`batch ${b + 1} of ${batches.length} read (${batches[b].join(', ')})`);
    next = b + 1 < batches.length ? read(batches[b + 1]) : null;
    next?.catch(() => {}); // surfaces when awaited
    const refInput: Input = ref ? { ...(refData as DataInput), kind: 'table', table: ref } as Input : reference;
    failOn(typeConflicts(refInput, { ...current, kind: 'table', table: cur } as DataInput & { kind: 'table' }, s.schema));
    comparison.add(ref, cur);
    step(`batch ${b + 1} compared`);
  }
  const report = comparison.finish();
  step('dataset checks');
  return report;
}

/** Rewords the core's option paths as the CLI options that set them. */
function explainSetting(line: string): string {
  return line
    .replace(/^columns\.(.+?)\.method:/, '--column-method $1:')
    .replace(/^columns\.(.+?):/, '--column-method $1:')
    .replace(/^numericMethod:|^categoricalMethod:/, '--method:')
    .replace(/^driftShare:/, '--drift-share:')
    .replace(/^threshold:/, '--threshold:')
    .replace(/^schema\./, 'schema: ');
}
