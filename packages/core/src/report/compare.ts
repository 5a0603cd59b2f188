import type { ColumnSchema, Schema } from '../data/schema.js';
import { validateSchema } from '../data/schema.js';
import { inferSchema, type RoleHints } from '../data/infer.js';
import type { Table } from '../data/table.js';
import { getDriftMethod } from '../drift/methods.js';
import { categoricalColumnDrift, numericColumnDrift, type ColumnDriftOptions } from './column-drift.js';
import { pearsonMatrix } from './correlations.js';
import { categoricalDistribution, numericDistribution } from './distributions.js';
import { duplicatedColumns, duplicateRowCount } from './hashing.js';
import { modelQuality, type ModelQualityOptions } from './model-quality.js';
import type { Profile } from './profile.js';
import { columnQuality, DATA_QUALITY_DEFAULTS, type DataQualityOptions } from './quality.js';
import { sideFromColumn, sideFromProfile, type Side } from './sides.js';
import { isNumericKind } from './summary.js';
import { REPORT_SCHEMA_VERSION, type ColumnDrift, type ColumnQuality, type DataQuality, type Distribution, type Finding, type Report } from './types.js';
import { GENERATOR } from '../version.js';

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
}

const DRIFT_ROLES = new Set(['feature', 'prediction', 'score', 'target']);

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
 */
export function compare(reference: Table | Profile, current: Table, options: CompareOptions = {}): Report {
  const refProfile = isProfile(reference) ? reference : null;
  const refTable = isProfile(reference) ? null : reference;
  const schema = options.schema ?? refProfile?.schema ?? inferSchema(refTable!, options);
  validateCompareOptions(schema, options);
  const dq = { ...DATA_QUALITY_DEFAULTS, ...options.dataQuality };
  const progress = options.onProgress ?? (() => {});

  const findings: Finding[] = [];
  const driftColumns: ColumnDrift[] = [];
  const skipped: { column: string; reason: string }[] = [];
  const qualityColumns: ColumnQuality[] = [];
  const distributions: Record<string, Distribution> = {};

  if (current.numRows === 0) {
    findings.push({ type: 'empty_dataset', severity: 'error', message: 'the current dataset has no rows' });
  }
  const schemaNames = new Set(schema.columns.map((c) => c.name));
  for (const name of current.names) {
    if (!schemaNames.has(name)) {
      findings.push({ type: 'new_column', severity: 'info', column: name, message: `column "${name}" is not in the reference schema` });
    }
  }

  const total = schema.columns.length;
  schema.columns.forEach((col, i) => {
    progress(`column ${col.name}`, i, total);
    const ref = referenceSide(col, refTable, refProfile);
    const curIndex = current.names.indexOf(col.name);
    if (!ref) {
      skipped.push({ column: col.name, reason: 'absent from the reference data' });
      return;
    }
    if (curIndex < 0) {
      findings.push({ type: 'missing_column', severity: 'error', column: col.name, message: `column "${col.name}" is missing from the current data` });
      skipped.push({ column: col.name, reason: 'missing from the current data' });
      qualityColumns.push({ column: col.name, kind: col.kind, role: col.role, reference: columnQuality(col, ref, ref, dq).quality.reference, current: null });
      return;
    }
    const cur = sideFromColumn(col, current.columns[curIndex]);
    const q = columnQuality(col, ref, cur, dq);
    qualityColumns.push(q.quality);
    findings.push(...q.findings);
    if (col.kind === 'text' || col.kind === 'datetime' || !DRIFT_ROLES.has(col.role)) {
      skipped.push({ column: col.name, reason: !DRIFT_ROLES.has(col.role) ? `role ${col.role} is not tested for drift` : `${col.kind} columns are not tested for drift` });
      return;
    }
    const opts = columnOptions(col, options);
    if (ref.type === 'numeric' && cur.type === 'numeric') {
      driftColumns.push(numericColumnDrift(col, ref, cur, opts));
      distributions[col.name] = numericDistribution(ref, cur);
    } else if (ref.type === 'categorical' && cur.type === 'categorical') {
      driftColumns.push(categoricalColumnDrift(col, ref, cur, opts));
      distributions[col.name] = categoricalDistribution(ref, cur);
    }
  });

  progress('dataset checks', total, total);
  const dataQuality: DataQuality = { columns: qualityColumns, findings };
  datasetChecks(schema, refTable, refProfile, current, dataQuality, dq);

  const features = driftColumns.filter((d) => d.role === 'feature' && d.value !== null);
  const drifted = features.filter((d) => d.detected).length;
  const shareThreshold = options.driftShare ?? 0.5;
  const share = features.length ? drifted / features.length : 0;

  const report: Report = {
    kind: 'modelwatch.report',
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: (options.now ?? new Date()).toISOString(),
    generator: GENERATOR,
    reference: datasetInfo(refTable ? refTable.numRows : refProfile!.rows, options.referenceSource ?? refProfile?.source, options.referenceSampledFrom),
    current: datasetInfo(current.numRows, options.currentSource, options.currentSampledFrom),
    schema,
    drift: { share, detected: features.length > 0 && share >= shareThreshold, shareThreshold, tested: features.length, drifted, columns: driftColumns, skipped },
    dataQuality,
    distributions,
  };
  if (refProfile) report.reference.profileOnly = true;
  const prediction = driftColumns.find((d) => d.role === 'prediction');
  const target = driftColumns.find((d) => d.role === 'target');
  if (prediction) report.predictionDrift = prediction;
  if (target) report.targetDrift = target;
  const mq = modelQuality(schema, refTable, refProfile, current, options.modelQuality);
  if (mq) report.modelQuality = mq;
  progress('done', total, total);
  return report;
}

function datasetInfo(rows: number, source: string | undefined, sampledFrom: number | undefined) {
  const info: Report['current'] = { rows };
  if (source) info.source = source;
  if (sampledFrom !== undefined && sampledFrom > rows) info.sampledFrom = sampledFrom;
  return info;
}

function columnOptions(col: ColumnSchema, options: CompareOptions): ColumnDriftOptions {
  const own = options.columns?.[col.name] ?? {};
  const method = own.method ?? (isNumericKind(col.kind) ? options.numericMethod : options.categoricalMethod);
  const out: ColumnDriftOptions = { ...own };
  if (method !== undefined) out.method = method;
  if (own.threshold === undefined && options.threshold !== undefined) out.threshold = options.threshold;
  return out;
}

function referenceSide(col: ColumnSchema, table: Table | null, profile: Profile | null): Side | null {
  if (table) {
    const i = table.names.indexOf(col.name);
    return i < 0 ? null : sideFromColumn(col, table.columns[i]);
  }
  const p = profile!.columns.find((c) => c.name === col.name);
  return p ? sideFromProfile(p) : null;
}

/** Checks across columns: duplicated columns, duplicate rows, correlation changes. */
function datasetChecks(schema: Schema, refTable: Table | null, refProfile: Profile | null, current: Table, dq: DataQuality, opts: Required<DataQualityOptions>): void {
  const present = schema.columns.filter((c) => current.names.includes(c.name));
  const featureIdx = present.filter((c) => c.role === 'feature').map((c) => current.names.indexOf(c.name));
  // Duplicated feature columns in the current data.
  const featureTable: Table = { names: featureIdx.map((i) => current.names[i]), columns: featureIdx.map((i) => current.columns[i]), numRows: current.numRows };
  if (current.numRows > 1) {
    for (const [i, j] of duplicatedColumns(featureTable)) {
      const names: [string, string] = [featureTable.names[i], featureTable.names[j]];
      dq.findings.push({ type: 'duplicated_column', severity: 'warning', columns: names, message: `columns "${names[0]}" and "${names[1]}" hold identical values` });
    }
  }
  // Duplicate rows (over every schema column present).
  const allIdx = present.map((c) => current.names.indexOf(c.name));
  const curDup = duplicateRowCount(current, allIdx);
  const refDup = refTable ? duplicateRowCount(refTable, present.map((c) => refTable.names.indexOf(c.name)).filter((i) => i >= 0)) : null;
  dq.duplicateRows = { reference: refDup, current: curDup };
  if (current.numRows > 0 && curDup / current.numRows > (refDup !== null && refTable!.numRows ? refDup / refTable!.numRows : 0) + 0.01) {
    dq.findings.push({
      type: 'duplicate_rows', severity: 'info',
      message: `${curDup} rows (${((curDup / current.numRows) * 100).toFixed(1)}%) repeat an earlier row`,
      reference: refDup, current: curDup,
    });
  }
  // Correlation changes between numeric features (needs raw reference rows).
  const numeric = present.filter((c) => c.role === 'feature' && c.kind === 'numeric').slice(0, opts.maxCorrelationColumns).map((c) => c.name);
  if (numeric.length >= 2 && refTable) {
    const ref = pearsonMatrix(refTable, numeric);
    const cur = pearsonMatrix(current, numeric);
    dq.correlations = { columns: numeric, reference: ref, current: cur };
    for (let a = 0; a < numeric.length; a++) {
      for (let b = a + 1; b < numeric.length; b++) {
        const r0 = ref[a][b];
        const r1 = cur[a][b];
        if (r0 !== null && r1 !== null && Math.abs(r1 - r0) >= opts.correlationChange) {
          dq.findings.push({
            type: 'correlation_change', severity: 'warning', columns: [numeric[a], numeric[b]],
            message: `Pearson correlation of "${numeric[a]}" and "${numeric[b]}" moved from ${r0.toFixed(3)} to ${r1.toFixed(3)}`,
            reference: r0, current: r1,
          });
        }
      }
    }
  }
  void refProfile;
}
