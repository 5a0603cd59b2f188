import type { ColumnSchema, Schema } from '../data/schema.js';
import { SchemaInference } from '../data/infer.js';
import type { Column, Table } from '../data/table.js';
import { categoricalColumnDrift, numericColumnDrift, type ColumnDriftOptions } from './column-drift.js';
import { validateCompareOptions, type CompareOptions } from './compare.js';
import { centredRows, correlationStride, pearsonFromCentred } from './correlations.js';
import { categoricalDistribution, numericDistribution } from './distributions.js';
import { columnDigest, duplicatedColumns, RowHashes } from './hashing.js';
import { modelQuality } from './model-quality.js';
import type { Profile } from './profile.js';
import { columnQuality, DATA_QUALITY_DEFAULTS, type DataQualityOptions } from './quality.js';
import { sideFromColumn, sideFromProfile, type Side } from './sides.js';
import { isNumericKind } from './summary.js';
import { REPORT_SCHEMA_VERSION, type ColumnDrift, type ColumnQuality, type DataQuality, type Distribution, type Finding, type Report } from './types.js';
import { GENERATOR } from '../version.js';

/** Roles whose columns are tested for drift. */
const DRIFT_ROLES = new Set(['feature', 'prediction', 'score', 'target']);
/** Roles whose columns model quality needs. */
const MODEL_ROLES = new Set(['target', 'prediction', 'score']);

/** What a comparison needs to know before the first column arrives. */
export interface ComparisonInit {
  /** Rows of the current data. */
  currentRows: number;
  /** Every column name of the current data, in its order. */
  currentColumns: readonly string[];
  /** The reference as a stored profile (exclusive with `referenceRows`). */
  referenceProfile?: Profile;
  /** Rows of the raw reference table. */
  referenceRows?: number;
  /** Every column name of the raw reference table, in its order. */
  referenceColumns?: readonly string[];
}

/** The outcome of one column, kept until `finish` assembles them in schema order. */
interface ColumnOutcome {
  col: ColumnSchema;
  drift?: ColumnDrift;
  distribution?: Distribution;
  quality?: ColumnQuality;
  findings: Finding[];
  /** Skipped for drift; the reason is settled in `finish` (roles may still change). */
  skipped?: 'absent from the reference data' | 'missing from the current data' | 'not tested';
}

/**
 * A comparison fed a batch of columns at a time, for data too wide to hold at
 * once: `add` each column once, with its reference and current values in the
 * same call (a column absent on one side is simply not in that side's table);
 * `finish` returns the same Report as {@link compare} on the whole tables.
 *
 * When the schema is inferred (no `options.schema` and a raw reference), batches
 * must come in reference column order, as inference decides some roles by
 * position (the first id-like column is the id).
 *
 * Memory beyond the batches themselves: two 32-bit row hashes per row and side
 * (duplicate rows), at most 200,000 values per side for each of the first 20
 * numeric features (correlations), and the target / prediction / score columns
 * (model quality).
 */
export class Comparison {
  private readonly options: CompareOptions;
  private readonly dq: Required<DataQualityOptions>;
  private readonly profile: Profile | null;
  private readonly refRows: number;
  private readonly curRows: number;
  private readonly refColumns: ReadonlySet<string>;
  private readonly curColumns: readonly string[];
  /** The schema, when given (or the profile's); otherwise inferred column by column. */
  private readonly givenSchema: Schema | null;
  private readonly inference: SchemaInference | null;
  private readonly outcomes = new Map<string, ColumnOutcome>();
  private readonly refHashes: RowHashes | null;
  private readonly curHashes: RowHashes;
  private readonly digests = new Map<string, string>();
  /** Numeric features whose correlations are tracked; `null` while the schema is being inferred. */
  private readonly correlationNames: Set<string> | null;
  private readonly correlationRows = new Map<string, { ref: Float64Array | null; cur: Float64Array | null }>();
  private readonly modelColumns = { ref: new Map<string, Column>(), cur: new Map<string, Column>() };
  private readonly total: number;
  private done = 0;
  private finished = false;

  constructor(init: ComparisonInit, options: CompareOptions = {}) {
    this.options = options;
    this.dq = { ...DATA_QUALITY_DEFAULTS, ...options.dataQuality };
    this.profile = init.referenceProfile ?? null;
    if (!this.profile && (init.referenceRows === undefined || !init.referenceColumns)) {
      throw new Error('a comparison needs a reference profile, or the reference rows and columns');
    }
    this.refRows = this.profile ? this.profile.rows : init.referenceRows!;
    this.curRows = init.currentRows;
    this.refColumns = new Set(this.profile ? this.profile.columns.map((c) => c.name) : init.referenceColumns);
    this.curColumns = init.currentColumns;
    this.givenSchema = options.schema ?? this.profile?.schema ?? null;
    this.inference = this.givenSchema ? null : new SchemaInference(options);
    if (this.givenSchema) validateCompareOptions(this.givenSchema, options);
    else {
      // Inferred schema: settings of unknown columns and dataset-wide settings now,
      // each column's own settings when it arrives (before any work on it).
      const known = new Set(init.referenceColumns);
      const unknown = Object.entries(options.columns ?? {}).filter(([name]) => !known.has(name));
      validateCompareOptions({ columns: [] }, { ...options, columns: Object.fromEntries(unknown) });
    }
    this.total = this.givenSchema ? this.givenSchema.columns.length : init.referenceColumns!.length;
    this.curHashes = new RowHashes(this.curRows);
    this.refHashes = this.profile ? null : new RowHashes(this.refRows);
    if (this.givenSchema) {
      const present = new Set(this.curColumns);
      const numeric = this.givenSchema.columns.filter((c) => c.role === 'feature' && c.kind === 'numeric' && present.has(c.name));
      this.correlationNames = new Set(numeric.slice(0, this.dq.maxCorrelationColumns).map((c) => c.name));
    } else this.correlationNames = null;
  }

  /**
   * Compares the columns of one batch. `reference` is `null` when the reference
   * is a profile. Each column must be added only once.
   */
  add(reference: Table | null, current: Table): void {
    if (this.finished) throw new Error('the comparison is finished');
    if ((reference === null) !== (this.profile !== null)) throw new Error(this.profile ? 'the reference is a profile: add current columns only' : 'the reference table is missing');
    if (current.numRows !== this.curRows) throw new Error(`the current batch has ${current.numRows} rows, expected ${this.curRows}`);
    if (reference && reference.numRows !== this.refRows) throw new Error(`the reference batch has ${reference.numRows} rows, expected ${this.refRows}`);
    const refIndex = new Map(reference ? reference.names.map((n, i) => [n, i]) : []);
    const curIndex = new Map(current.names.map((n, i) => [n, i]));
    const refCol = (name: string) => (reference && refIndex.has(name) ? reference.columns[refIndex.get(name)!] : null);
    const curCol = (name: string) => (curIndex.has(name) ? current.columns[curIndex.get(name)!] : null);

    if (this.inference) {
      // Inferred schema: the reference's columns, in its order.
      for (const name of reference!.names) {
        const col = this.inference.add(name, refCol(name)!);
        const own = this.options.columns?.[name];
        validateCompareOptions({ columns: [col] }, { columns: own ? { [name]: own } : undefined });
        this.addColumn(col, refCol(name), curCol(name));
      }
      return;
    }
    for (const col of this.givenSchema!.columns) {
      if (refIndex.has(col.name) || curIndex.has(col.name)) this.addColumn(col, refCol(col.name), curCol(col.name));
    }
  }

  private addColumn(col: ColumnSchema, refData: Column | null, curData: Column | null): void {
    if (this.outcomes.has(col.name)) throw new Error(`column "${col.name}" was added twice`);
    this.options.onProgress?.(`column ${col.name}`, this.done++, this.total);
    const outcome: ColumnOutcome = { col, findings: [] };
    this.outcomes.set(col.name, outcome);
    // Dataset-level state first: it needs every schema column present in the current data.
    if (curData) this.track(col, refData, curData);

    // The same column object on both sides is summarised twice: never in place.
    const consume = this.options.consumeInput === true && !MODEL_ROLES.has(col.role) && refData !== curData;
    const ref = this.referenceSide(col, refData, consume);
    if (!ref) {
      outcome.skipped = 'absent from the reference data';
      return;
    }
    if (!curData) {
      this.missingColumn(outcome, ref);
      return;
    }
    const cur = sideFromColumn(col, curData, consume);
    const q = columnQuality(col, ref, cur, this.dq);
    outcome.quality = q.quality;
    outcome.findings.push(...q.findings);
    if (col.kind === 'text' || col.kind === 'datetime' || !DRIFT_ROLES.has(col.role)) {
      outcome.skipped = 'not tested';
      return;
    }
    const opts = columnOptions(col, this.options);
    if (ref.type === 'numeric' && cur.type === 'numeric') {
      outcome.drift = numericColumnDrift(col, ref, cur, opts);
      outcome.distribution = numericDistribution(ref, cur);
    } else if (ref.type === 'categorical' && cur.type === 'categorical') {
      outcome.drift = categoricalColumnDrift(col, ref, cur, opts);
      outcome.distribution = categoricalDistribution(ref, cur);
    }
  }

  /** Row hashes, column digests, correlation rows and model-quality columns of a column present in the current data. */
  private track(col: ColumnSchema, refData: Column | null, curData: Column): void {
    this.curHashes.add(curData);
    if (refData && this.refHashes) this.refHashes.add(refData);
    if (col.role === 'feature') this.digests.set(col.name, columnDigest(curData, this.curRows));
    const tracked = this.correlationNames
      ? this.correlationNames.has(col.name)
      : col.role === 'feature' && col.kind === 'numeric' && this.correlationRows.size < this.dq.maxCorrelationColumns;
    if (tracked) {
      this.correlationRows.set(col.name, {
        ref: refData ? centredRows(refData, this.refRows, correlationStride(this.refRows)) : null,
        cur: centredRows(curData, this.curRows, correlationStride(this.curRows)),
      });
    }
    if (MODEL_ROLES.has(col.role)) {
      this.modelColumns.cur.set(col.name, curData);
      if (refData) this.modelColumns.ref.set(col.name, refData);
    }
  }

  /** `inPlace`: the column's data may be overwritten (it is tracked; model-quality columns are kept for `finish`). */
  private referenceSide(col: ColumnSchema, refData: Column | null, inPlace = false): Side | null {
    if (!this.profile) return refData ? sideFromColumn(col, refData, inPlace) : null;
    const p = this.profile.columns.find((c) => c.name === col.name);
    return p ? sideFromProfile(p) : null;
  }

  private missingColumn(outcome: ColumnOutcome, ref: Side): void {
    const col = outcome.col;
    outcome.findings.push({ type: 'missing_column', severity: 'error', column: col.name, message: `column "${col.name}" is missing from the current data` });
    outcome.skipped = 'missing from the current data';
    outcome.quality = { column: col.name, kind: col.kind, role: col.role, reference: columnQuality(col, ref, ref, this.dq).quality.reference, current: null };
  }

  /** The Report of every column added. */
  finish(): Report {
    if (this.finished) throw new Error('the comparison is finished');
    this.finished = true;
    const options = this.options;
    const schema = this.givenSchema ?? this.inference!.finish();
    const progress = options.onProgress ?? (() => {});

    const findings: Finding[] = [];
    if (this.curRows === 0) findings.push({ type: 'empty_dataset', severity: 'error', message: 'the current dataset has no rows' });
    const schemaNames = new Set(schema.columns.map((c) => c.name));
    for (const name of this.curColumns) {
      if (!schemaNames.has(name)) findings.push({ type: 'new_column', severity: 'info', column: name, message: `column "${name}" is not in the reference schema` });
    }

    const driftColumns: ColumnDrift[] = [];
    const skipped: { column: string; reason: string }[] = [];
    const qualityColumns: ColumnQuality[] = [];
    const distributions: Record<string, Distribution> = {};
    for (const col of schema.columns) {
      let outcome = this.outcomes.get(col.name);
      if (!outcome) outcome = this.neverAdded(col);
      // Roles settle only now (the only datetime column becomes the timestamp).
      if (outcome.quality) outcome.quality.role = col.role;
      qualityColumns.push(...(outcome.quality ? [outcome.quality] : []));
      findings.push(...outcome.findings);
      if (outcome.skipped) skipped.push({ column: col.name, reason: skipReason(col, outcome.skipped) });
      if (outcome.drift) driftColumns.push(outcome.drift);
      if (outcome.distribution) distributions[col.name] = outcome.distribution;
    }

    progress('dataset checks', this.total, this.total);
    const dataQuality: DataQuality = { columns: qualityColumns, findings };
    this.datasetChecks(schema, dataQuality);

    const features = driftColumns.filter((d) => d.role === 'feature' && d.value !== null);
    const drifted = features.filter((d) => d.detected).length;
    const shareThreshold = options.driftShare ?? 0.5;
    const share = features.length ? drifted / features.length : 0;
    const report: Report = {
      kind: 'modelwatch.report',
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: (options.now ?? new Date()).toISOString(),
      generator: GENERATOR,
      reference: datasetInfo(this.refRows, options.referenceSource ?? this.profile?.source, options.referenceSampledFrom),
      current: datasetInfo(this.curRows, options.currentSource, options.currentSampledFrom),
      schema,
      drift: { share, detected: features.length > 0 && share >= shareThreshold, shareThreshold, tested: features.length, drifted, columns: driftColumns, skipped },
      dataQuality,
      distributions,
    };
    if (this.profile) report.reference.profileOnly = true;
    const prediction = driftColumns.find((d) => d.role === 'prediction');
    const target = driftColumns.find((d) => d.role === 'target');
    if (prediction) report.predictionDrift = prediction;
    if (target) report.targetDrift = target;
    const mq = modelQuality(schema, this.profile ? null : this.modelTable('ref', this.refRows), this.profile, this.modelTable('cur', this.curRows), options.modelQuality);
    if (mq) report.modelQuality = mq;
    progress('done', this.total, this.total);
    return report;
  }

  /** A schema column that no batch carried: absent from both sides (or, with a profile, from the current data). */
  private neverAdded(col: ColumnSchema): ColumnOutcome {
    const outcome: ColumnOutcome = { col, findings: [] };
    if (this.profile) {
      const ref = this.referenceSide(col, null);
      if (ref) this.missingColumn(outcome, ref);
      else outcome.skipped = 'absent from the reference data';
      return outcome;
    }
    if (this.refColumns.has(col.name)) throw new Error(`column "${col.name}" of the reference was never added to the comparison`);
    outcome.skipped = 'absent from the reference data';
    return outcome;
  }

  private modelTable(side: 'ref' | 'cur', numRows: number): Table {
    const cols = this.modelColumns[side];
    return { names: [...cols.keys()], columns: [...cols.values()], numRows };
  }

  /** Checks across columns: duplicated columns, duplicate rows, correlation changes. */
  private datasetChecks(schema: Schema, dq: DataQuality): void {
    const opts = this.dq;
    const present = schema.columns.filter((c) => this.outcomes.has(c.name) && this.curColumns.includes(c.name));
    // Duplicated feature columns in the current data.
    if (this.curRows > 1) {
      const features = present.filter((c) => this.digests.has(c.name)).map((c) => c.name);
      for (const [i, j] of duplicatedColumns(features.map((n) => this.digests.get(n)!))) {
        const names: [string, string] = [features[i], features[j]];
        dq.findings.push({ type: 'duplicated_column', severity: 'warning', columns: names, message: `columns "${names[0]}" and "${names[1]}" hold identical values` });
      }
    }
    // Duplicate rows (over every schema column present).
    const curDup = this.curHashes.duplicates();
    const refDup = this.refHashes ? this.refHashes.duplicates() : null;
    dq.duplicateRows = { reference: refDup, current: curDup };
    if (this.curRows > 0 && curDup / this.curRows > (refDup !== null && this.refRows ? refDup / this.refRows : 0) + 0.01) {
      dq.findings.push({
        type: 'duplicate_rows', severity: 'info',
        message: `${curDup} rows (${((curDup / this.curRows) * 100).toFixed(1)}%) repeat an earlier row`,
        reference: refDup, current: curDup,
      });
    }
    // Correlation changes between numeric features (needs raw reference rows).
    const numeric = present.filter((c) => this.correlationRows.has(c.name) && c.role === 'feature').map((c) => c.name);
    if (numeric.length >= 2 && !this.profile) {
      const rows = numeric.map((n) => this.correlationRows.get(n)!);
      const ref = pearsonFromCentred(rows.map((r) => r.ref));
      const cur = pearsonFromCentred(rows.map((r) => r.cur));
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
  }
}

function skipReason(col: ColumnSchema, skipped: NonNullable<ColumnOutcome['skipped']>): string {
  if (skipped !== 'not tested') return skipped;
  return !DRIFT_ROLES.has(col.role) ? `role ${col.role} is not tested for drift` : `${col.kind} columns are not tested for drift`;
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
