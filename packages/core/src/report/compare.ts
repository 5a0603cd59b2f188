import type { Schema } from '../data/schema.js';
import { validateSchema } from '../data/schema.js';
import type { RoleHints } from '../data/infer.js';
import type { Table } from '../data/table.js';
import { getDriftMethod } from '../drift/methods.js';
import type { ColumnDriftOptions } from './column-drift.js';
import { Comparison } from './comparison.js';
import type { ModelQualityOptions } from './model-quality.js';
import type { Profile } from './profile.js';
import type { DataQualityOptions } from './quality.js';
import { isNumericKind } from './summary.js';
import type { Report } from './types.js';

export interface CompareOptions extends RoleHints {
  /** Schema to compare with; else the reference profile's, else inferred from the reference table. */
  schema?: Schema;
  /** Per-column method, threshold and bins, by column name. */
  columns?: Record<string, ColumnDriftOptions>;
  /** Method for every numeric column / every categorical column without a per-column choice. */
  numericMethod?: string;
  categoricalMethod?: string;
  /** Threshold for every column without a per-column threshold (default: the method's). */
  threshold?: number;
  /** Share of drifting features at which the dataset drifts (default 0.5). */
  driftShare?: number;
  dataQuality?: DataQualityOptions;
  modelQuality?: ModelQualityOptions;
  referenceSource?: string;
  currentSource?: string;
  /** Rows each side was sampled from, to record in the report. */
  referenceSampledFrom?: number;
  currentSampledFrom?: number;
  /** Fixed time for `generatedAt` (reproducible output). */
  now?: Date;
  /** Called as each step starts, for progress display. */
  onProgress?: (step: string, done: number, total: number) => void;
  /**
   * The tables handed over are the comparison's to overwrite (the caller drops
   * them after `compare` / `Comparison.add`): numeric columns are filtered and
   * sorted in their own buffers instead of copies (columns with the target,
   * prediction or score role excepted). The Report is the same.
   */
  consumeInput?: boolean;
}

function isProfile(x: Table | Profile): x is Profile {
  return (x as Profile).kind === 'modelwatch.profile';
}

/** Checks the options against the schema; throws an Error naming the bad setting. */
export function validateCompareOptions(schema: Schema, options: CompareOptions): void {
  const problems = validateSchema(schema).map((p) => `schema.${p.path}: ${p.message}`);
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  const checkMethod = (where: string, name: string | undefined, numeric: boolean | null) => {
    if (name === undefined) return;
    let m;
    try {
      m = getDriftMethod(name);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
      return;
    }
    if (numeric === false && m.input === 'samples') problems.push(`${where}: "${name}" compares numeric samples; use a frequency method (e.g. jensen_shannon, psi, chi2) for categorical columns`);
  };
  checkMethod('numericMethod', options.numericMethod, true);
  checkMethod('categoricalMethod', options.categoricalMethod, false);
  for (const [name, o] of Object.entries(options.columns ?? {})) {
    const col = byName.get(name);
    if (!col) {
      problems.push(`columns.${name}: no such column in the schema`);
      continue;
    }
    checkMethod(`columns.${name}.method`, o.method, isNumericKind(col.kind));
    if (o.threshold !== undefined && !(Number.isFinite(o.threshold) && o.threshold >= 0)) problems.push(`columns.${name}.threshold: must be a non-negative number`);
    if (o.bins !== undefined && !(Number.isInteger(o.bins) && o.bins >= 2 && o.bins <= 1000)) problems.push(`columns.${name}.bins: must be an integer from 2 to 1000`);
  }
  if (options.driftShare !== undefined && !(options.driftShare > 0 && options.driftShare <= 1)) problems.push('driftShare: must be in (0, 1]');
  if (options.threshold !== undefined && !(Number.isFinite(options.threshold) && options.threshold >= 0)) problems.push('threshold: must be a non-negative number');
  if (problems.length) throw new Error(`invalid comparison settings:\n  ${problems.join('\n  ')}`);
}

/**
 * Compares current data with a reference (raw table or stored profile) and
 * returns the Report: per-column drift by the spec's default method rule
 * (overridable), dataset drift, data-quality findings, chart distributions and,
 * when target and prediction exist, model quality.
 *
 * For data too wide to hold at once, {@link Comparison} takes the columns in
 * batches and gives the same Report.
 */
export function compare(reference: Table | Profile, current: Table, options: CompareOptions = {}): Report {
  const comparison = isProfile(reference)
    ? new Comparison({ referenceProfile: reference, currentRows: current.numRows, currentColumns: current.names }, options)
    : new Comparison({ referenceRows: reference.numRows, referenceColumns: reference.names, currentRows: current.numRows, currentColumns: current.names }, options);
  comparison.add(isProfile(reference) ? null : reference, current);
  return comparison.finish();
}
