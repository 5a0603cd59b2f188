/**
 * Validating prediction events against a model's schema and laying them out in
 * columns ({@link EventBatch}) for the store.
 *
 * A record is `{id, ts, version, features: {...}, prediction?, scores?,
 * latency_ms?, error?, tags?}`. Two kinds of problems are told apart:
 * - **structural** (the record cannot be stored as an event): not an object;
 *   missing or invalid `id`, `ts` or `version`; `features` not an object; `scores`,
 *   `latency_ms`, `error` or `tags` of the wrong shape. The record is rejected
 *   with its index, field and a reason from {@link REJECT_REASONS}.
 * - **data quality** (the point of monitoring): a value that does not fit its
 *   column's kind (stored as missing and counted), a key that is not in the
 *   schema, a schema column absent from the record. The record is accepted and the
 *   findings are stored with it.
 *
 * The per-model {@link EventPlan} is built once per schema generation; the
 * per-record work is a handful of property reads and typed-array writes.
 */
import type { ColumnKind, ColumnSchema } from '@modelwatch/core';
import { NAME_LIST_SEPARATOR, eventColumns } from '../store/store.js';
import type { EventBatch, EventColumnData, ModelRecord } from '../store/store.js';
import { MAX_VERSION_LENGTH, parseId, parseTimestamp, sanitizeName } from './values.js';

/** Why a record was rejected; a bounded set (it is a metric label). */
export type RejectReason =
  | 'invalid_json'
  | 'not_object'
  | 'missing_id'
  | 'invalid_id'
  | 'missing_ts'
  | 'invalid_ts'
  | 'missing_version'
  | 'invalid_version'
  | 'invalid_features'
  | 'invalid_scores'
  | 'invalid_latency'
  | 'invalid_error'
  | 'invalid_tags'
  | 'missing_target';

export const REJECT_REASONS: readonly RejectReason[] = [
  'invalid_json',
  'not_object',
  'missing_id',
  'invalid_id',
  'missing_ts',
  'invalid_ts',
  'missing_version',
  'invalid_version',
  'invalid_features',
  'invalid_scores',
  'invalid_latency',
  'invalid_error',
  'invalid_tags',
  'missing_target',
];

export interface RejectedRecord {
  /** 0-based position of the record in the body (NDJSON: among non-blank lines). */
  index: number;
  /** The offending field, e.g. `ts`, `features`; `''` for the whole record. */
  field: string;
  reason: RejectReason;
  /** A sentence for humans. */
  message: string;
}

/** Most unknown keys recorded per event. */
export const MAX_UNKNOWN_PER_EVENT = 32;
/** Most tags per event. */
export const MAX_TAGS = 64;
/** Longest tag value (characters). */
export const MAX_TAG_LENGTH = 1024;

const K_NUMERIC = 0;
const K_STRING = 1;
const K_BOOLEAN = 2;
const K_DATETIME = 3;

function kindCode(kind: ColumnKind): number {
  switch (kind) {
    case 'numeric':
      return K_NUMERIC;
    case 'boolean':
      return K_BOOLEAN;
    case 'datetime':
      return K_DATETIME;
    default:
      return K_STRING;
  }
}

/** How to read one model's events: compiled from the schema once per generation. */
export interface EventPlan {
  model: string;
  generation: number;
  columns: ColumnSchema[];
  kinds: Int8Array;
  /** Feature columns: name and column index. */
  featureNames: string[];
  featureIdx: Int32Array;
  featureSet: Set<string>;
  /** Feature names that belong to the schema under another role (id, timestamp, target): not unknown, not stored. */
  ignoredFeatureKeys: Set<string>;
  predictionIdx: number;
  /** Score columns in schema order. */
  scoreIdx: Int32Array;
  /** Keys of the `scores` object: column name or `String(scoreOf)` → column index. */
  scoreKeys: Map<string, number>;
  segmentNames: string[];
  segmentIdx: Int32Array;
  /** The version used when a record has none (the model declares exactly one), else null. */
  defaultVersion: string | null;
}

export function compileEventPlan(model: ModelRecord): EventPlan {
  const columns = eventColumns(model.schema);
  const featureNames: string[] = [];
  const featureIdx: number[] = [];
  const scoreIdx: number[] = [];
  const scoreKeys = new Map<string, number>();
  const segmentNames: string[] = [];
  const segmentIdx: number[] = [];
  let predictionIdx = -1;
  columns.forEach((c, i) => {
    switch (c.role) {
      case 'feature':
        featureNames.push(c.name);
        featureIdx.push(i);
        break;
      case 'prediction':
        predictionIdx = i;
        break;
      case 'score':
        scoreIdx.push(i);
        scoreKeys.set(c.name, i);
        break;
      case 'segment':
        segmentNames.push(c.name);
        segmentIdx.push(i);
        break;
    }
  });
  for (const c of columns) {
    if (c.role === 'score' && c.scoreOf !== undefined && !scoreKeys.has(String(c.scoreOf))) scoreKeys.set(String(c.scoreOf), columns.indexOf(c));
  }
  const ignoredFeatureKeys = new Set(model.schema.columns.filter((c) => c.role === 'id' || c.role === 'timestamp' || c.role === 'target').map((c) => c.name));
  return {
    model: model.name,
    generation: model.generation,
    columns,
    kinds: Int8Array.from(columns.map((c) => kindCode(c.kind))),
    featureNames,
    featureIdx: Int32Array.from(featureIdx),
    featureSet: new Set(featureNames),
    ignoredFeatureKeys,
    predictionIdx,
    scoreIdx: Int32Array.from(scoreIdx),
    scoreKeys,
    segmentNames,
    segmentIdx: Int32Array.from(segmentIdx),
    defaultVersion: model.versions.length === 1 ? model.versions[0] : null,
  };
}

/** Data-quality findings of one request, for the response and metrics. */
export interface IngestQuality {
  /** Values that did not fit their column's kind. */
  typeViolations: number;
  /** Events with at least one unknown key / missing column. */
  eventsWithUnknownColumns: number;
  eventsWithMissingColumns: number;
  /** Up to 20 example names each. */
  typeViolationColumns: string[];
  unknownColumns: string[];
  missingColumns: string[];
}

export interface PreparedEvents {
  batch: EventBatch;
  /** Records accepted (the batch length). */
  accepted: number;
  /** The first `maxListed` rejections. */
  rejected: RejectedRecord[];
  rejectedCount: number;
  rejectedByReason: Map<RejectReason, number>;
  /** Accepted events per version. */
  versions: Map<string, number>;
  quality: IngestQuality;
}

const MAX_EXAMPLES = 20;

/** Kind codes of {@link EventPlan.kinds}. */
export { K_NUMERIC, K_STRING, K_BOOLEAN, K_DATETIME };

function newColumn(kind: number, n: number): EventColumnData {
  switch (kind) {
    case K_NUMERIC:
      return { type: 'number', values: new Float64Array(n), nulls: new Uint8Array(n) };
    case K_DATETIME:
      return { type: 'timestamp', values: new Float64Array(n), nulls: new Uint8Array(n) };
    case K_BOOLEAN:
      return { type: 'boolean', values: new Uint8Array(n).fill(2) };
    default:
      return { type: 'string', values: new Array<string | null>(n).fill(null) };
  }
}

function grownColumn(d: EventColumnData, n: number): EventColumnData {
  switch (d.type) {
    case 'number':
    case 'timestamp': {
      const values = new Float64Array(n);
      values.set(d.values);
      const nulls = new Uint8Array(n);
      nulls.set(d.nulls);
      return { type: d.type, values, nulls };
    }
    case 'boolean': {
      const values = new Uint8Array(n).fill(2);
      values.set(d.values);
      return { type: 'boolean', values };
    }
    case 'string': {
      const values = d.values;
      for (let i = values.length; i < n; i++) values.push(null);
      return d;
    }
  }
}

function grown<T extends Float64Array | Uint8Array | Uint16Array>(a: T, n: number, make: (n: number) => T): T {
  const b = make(n);
  b.set(a);
  return b;
}

/**
 * Writes value `v` into column `c` at `row`; returns false when the value does
 * not fit the kind (stored as missing). `null` is missing, not a violation.
 * Numeric: numbers only. Categorical/text: strings, numbers and booleans as
 * `String(v)`. Boolean: booleans, 0/1, "true"/"false". Datetime: as `ts`.
 */
export function put(data: EventColumnData, kind: number, row: number, v: unknown): boolean {
  switch (kind) {
    case K_NUMERIC: {
      const d = data as { values: Float64Array; nulls: Uint8Array };
      if (typeof v === 'number') {
        d.values[row] = v;
        return true;
      }
      d.nulls[row] = 1;
      return v === null;
    }
    case K_STRING: {
      const d = data as { values: (string | null)[] };
      if (typeof v === 'string') {
        d.values[row] = v;
        return true;
      }
      if (typeof v === 'number' || typeof v === 'boolean') {
        d.values[row] = String(v);
        return true;
      }
      return v === null;
    }
    case K_BOOLEAN: {
      const d = data as { values: Uint8Array };
      if (v === true || v === 1 || v === 'true') d.values[row] = 1;
      else if (v === false || v === 0 || v === 'false') d.values[row] = 0;
      else return v === null;
      return true;
    }
    default: {
      const d = data as { values: Float64Array; nulls: Uint8Array };
      if (v !== null && (typeof v === 'number' || typeof v === 'string')) {
        const ms = parseTimestamp(v);
        if (ms === ms) {
          d.values[row] = ms;
          return true;
        }
      }
      d.nulls[row] = 1;
      return v === null;
    }
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Scratch marker of a value the record does not have (distinct from an explicit `undefined` or `null`). */
export const ABSENT: unique symbol = Symbol('absent');

/**
 * A record's `features` given column-wise (a columnar batch, batch-rows.ts)
 * instead of as an object: each method answers exactly what
 * {@link EventRows.acceptParsed}'s walk of the object would.
 */
export interface FeatureSource {
  /** Whether record `i`'s `features` is an object. */
  isObject(i: number): boolean;
  /** Writes record `i`'s feature values into `rows.fv` and its unknown keys (sanitized, capped, in `for…in` order) into `rows.unknownFeatures`. */
  fill(rows: EventRows, i: number): void;
  /** `features[plan.segmentNames[g]]` of record `i`, or {@link ABSENT} when it lacks the key. */
  segment(g: number, i: number): unknown;
}

/** How a record gave its scores. */
export const SCORES_NONE = 0;
export const SCORES_VALUES = 1;

/**
 * The rows of one request under construction, in columns, plus the rejections
 * and data-quality findings. Either reader fills the per-record scratch (the
 * values of each schema column as JSON gave them, {@link ABSENT} when missing) and then
 * calls {@link commit}, so both apply exactly the same rules.
 */
export class EventRows {
  private capacity: number;
  /** Rows accepted so far. */
  row = 0;
  private ids: string[];
  private ts: Float64Array;
  private versions: string[];
  private latency: Float64Array;
  private errors: Uint8Array;
  private tags: (string | null)[];
  private dqCount: Uint16Array;
  private dqType: (string | null)[];
  private dqUnknown: (string | null)[];
  private dqMissing: (string | null)[];
  private data: EventColumnData[];
  private readonly rejected: RejectedRecord[] = [];
  private rejectedCount = 0;
  private readonly rejectedByReason = new Map<RejectReason, number>();
  private readonly versionCounts = new Map<string, number>();
  private lastVersion = '';
  private lastVersionCount = 0;
  private readonly quality: IngestQuality = {
    typeViolations: 0,
    eventsWithUnknownColumns: 0,
    eventsWithMissingColumns: 0,
    typeViolationColumns: [],
    unknownColumns: [],
    missingColumns: [],
  };
  private typeList: string[] = [];
  private unknownList: string[] = [];
  private missingList: string[] = [];

  // --- scratch of the current record (ABSENT = not given)
  /** Values by feature (plan order). */
  readonly fv: unknown[];
  /** The prediction. */
  pv: unknown = ABSENT;
  /** How scores were given: {@link SCORES_NONE} (absent or null) or {@link SCORES_VALUES}. */
  scoreMode = SCORES_NONE;
  /** Values by score column (plan order); absent when the scores object lacks the column. */
  readonly sv: unknown[];
  /** Values by segment column (plan order). */
  readonly gv: unknown[];
  /** Keys of `features` that are not schema columns (sanitized, at most {@link MAX_UNKNOWN_PER_EVENT}). */
  unknownFeatures: string[] = [];
  /** A prediction was given but the schema has no prediction column. */
  predictionUnknown = false;
  /** Keys of a scores object that name no score column (raw). */
  scoreUnknowns: string[] = [];
  /** Scores were given but the schema has no score column. */
  scoresUnknown = false;

  constructor(
    readonly plan: EventPlan,
    capacity: number,
    private readonly maxListed = 1000,
  ) {
    const n = Math.max(1, capacity);
    this.capacity = n;
    this.ids = new Array<string>(n);
    this.ts = new Float64Array(n);
    this.versions = new Array<string>(n);
    this.latency = new Float64Array(n);
    this.errors = new Uint8Array(n);
    this.tags = new Array<string | null>(n).fill(null);
    this.dqCount = new Uint16Array(n);
    this.dqType = new Array<string | null>(n).fill(null);
    this.dqUnknown = new Array<string | null>(n).fill(null);
    this.dqMissing = new Array<string | null>(n).fill(null);
    this.data = Array.from(plan.kinds, (k) => newColumn(k, n));
    this.fv = new Array<unknown>(plan.featureNames.length).fill(ABSENT);
    this.sv = new Array<unknown>(plan.scoreIdx.length).fill(ABSENT);
    this.gv = new Array<unknown>(plan.segmentNames.length).fill(ABSENT);
  }

  /** Records rejected so far. */
  get rejections(): number {
    return this.rejectedCount;
  }

  reject(index: number, field: string, reason: RejectReason, message: string): void {
    this.rejectedCount++;
    this.rejectedByReason.set(reason, (this.rejectedByReason.get(reason) ?? 0) + 1);
    if (this.rejected.length < this.maxListed) this.rejected.push({ index, field, reason, message });
  }

  /** Forgets the scratch of a record that will not be committed. */
  clearScratch(): void {
    this.fv.fill(ABSENT);
    this.sv.fill(ABSENT);
    this.gv.fill(ABSENT);
    this.pv = ABSENT;
    this.scoreMode = SCORES_NONE;
    if (this.unknownFeatures.length) this.unknownFeatures = [];
    if (this.scoreUnknowns.length) this.scoreUnknowns = [];
    this.predictionUnknown = false;
    this.scoresUnknown = false;
  }

  private grow(): void {
    const n = this.capacity * 2;
    this.capacity = n;
    this.ts = grown(this.ts, n, (k) => new Float64Array(k));
    this.latency = grown(this.latency, n, (k) => new Float64Array(k));
    this.errors = grown(this.errors, n, (k) => new Uint8Array(k));
    this.dqCount = grown(this.dqCount, n, (k) => new Uint16Array(k));
    for (const list of [this.tags, this.dqType, this.dqUnknown, this.dqMissing]) for (let i = list.length; i < n; i++) list.push(null);
    this.data = this.data.map((d) => grownColumn(d, n));
  }

  /**
   * Accepts the current record: writes its values (from the scratch) and
   * findings at the next row and clears the scratch.
   */
  commit(id: string, t: number, version: string, lat: number, err: number, tagsJson: string | null): void {
    if (this.row === this.capacity) this.grow();
    const row = this.row;
    const plan = this.plan;
    const { columns, kinds, featureNames, featureIdx, scoreIdx, segmentNames, segmentIdx, predictionIdx } = plan;
    const data = this.data;
    const typeList = this.typeList;
    const missingList = this.missingList;
    const unknownList = this.unknownList;
    const fv = this.fv;
    let violations = 0;
    for (let f = 0; f < featureNames.length; f++) {
      const c = featureIdx[f];
      const v = fv[f];
      if (v !== ABSENT) {
        fv[f] = ABSENT;
        if (!put(data[c], kinds[c], row, v)) {
          violations++;
          typeList.push(featureNames[f]);
        }
      } else {
        put(data[c], kinds[c], row, null);
        missingList.push(featureNames[f]);
      }
    }
    if (this.unknownFeatures.length) {
      for (const key of this.unknownFeatures) unknownList.push(key);
      this.unknownFeatures = [];
    }
    if (predictionIdx >= 0) {
      const v = this.pv;
      if (v !== ABSENT) {
        this.pv = ABSENT;
        if (!put(data[predictionIdx], kinds[predictionIdx], row, v)) {
          violations++;
          typeList.push(columns[predictionIdx].name);
        }
      } else {
        put(data[predictionIdx], kinds[predictionIdx], row, null);
        missingList.push(columns[predictionIdx].name);
      }
    } else if (this.predictionUnknown) {
      unknownList.push('prediction');
      this.predictionUnknown = false;
    }
    if (scoreIdx.length > 0) {
      const sv = this.sv;
      const given = this.scoreMode !== SCORES_NONE;
      for (let s = 0; s < scoreIdx.length; s++) {
        const c = scoreIdx[s];
        const v = sv[s];
        if (given && v !== ABSENT) {
          sv[s] = ABSENT;
          if (!put(data[c], kinds[c], row, v)) {
            violations++;
            typeList.push(columns[c].name);
          }
        } else {
          sv[s] = ABSENT;
          put(data[c], kinds[c], row, null);
          missingList.push(columns[c].name);
        }
      }
      this.scoreMode = SCORES_NONE;
      if (this.scoreUnknowns.length) {
        for (const key of this.scoreUnknowns) if (unknownList.length < MAX_UNKNOWN_PER_EVENT) unknownList.push(sanitizeName(`scores.${key}`));
        this.scoreUnknowns = [];
      }
    } else if (this.scoresUnknown) {
      unknownList.push('scores');
      this.scoresUnknown = false;
    }
    const gv = this.gv;
    for (let g = 0; g < segmentNames.length; g++) {
      const c = segmentIdx[g];
      const v = gv[g];
      if (v !== ABSENT) {
        gv[g] = ABSENT;
        put(data[c], kinds[c], row, v);
      } else {
        put(data[c], kinds[c], row, null);
        missingList.push(segmentNames[g]);
      }
    }

    this.ids[row] = id;
    this.ts[row] = t;
    this.versions[row] = version;
    this.latency[row] = lat;
    this.errors[row] = err;
    this.tags[row] = tagsJson;
    this.dqCount[row] = violations > 65535 ? 65535 : violations;
    const quality = this.quality;
    if (typeList.length > 0) {
      this.dqType[row] = typeList.join(NAME_LIST_SEPARATOR);
      quality.typeViolations += violations;
      for (const name of typeList) example(quality.typeViolationColumns, name);
      this.typeList = [];
    }
    if (unknownList.length > 0) {
      this.dqUnknown[row] = unknownList.join(NAME_LIST_SEPARATOR);
      quality.eventsWithUnknownColumns++;
      for (const name of unknownList) example(quality.unknownColumns, name);
      this.unknownList = [];
    }
    if (missingList.length > 0) {
      this.dqMissing[row] = missingList.join(NAME_LIST_SEPARATOR);
      quality.eventsWithMissingColumns++;
      for (const name of missingList) example(quality.missingColumns, name);
      this.missingList = [];
    }
    // Versions repeat: count runs, fold them into the map when the version changes.
    if (version === this.lastVersion) this.lastVersionCount++;
    else {
      if (this.lastVersionCount > 0) this.versionCounts.set(this.lastVersion, (this.versionCounts.get(this.lastVersion) ?? 0) + this.lastVersionCount);
      this.lastVersion = version;
      this.lastVersionCount = 1;
    }
    this.row = row + 1;
  }

  /**
   * Validates one parsed record (an `Error` stands for an unparseable NDJSON
   * line) and commits it or records its rejection. With `direct`, the record's
   * `features` come from it and `rec.features` is not read.
   */
  acceptParsed(rec: unknown, i: number, direct?: FeatureSource): void {
    const plan = this.plan;
    if (rec instanceof Error) {
      this.reject(i, '', 'invalid_json', `not valid JSON: ${rec.message}`);
      return;
    }
    if (!isPlainObject(rec)) {
      this.reject(i, '', 'not_object', 'each event must be a JSON object');
      return;
    }
    // --- structure
    const rawId = rec.id;
    if (rawId === undefined || rawId === null) {
      this.reject(i, 'id', 'missing_id', 'id is required');
      return;
    }
    const id = parseId(rawId);
    if (id === null) {
      this.reject(i, 'id', 'invalid_id', 'id must be a non-empty string of at most 256 characters or an integer');
      return;
    }
    const rawTs = rec.ts;
    if (rawTs === undefined || rawTs === null) {
      this.reject(i, 'ts', 'missing_ts', 'ts is required (ISO 8601 or epoch milliseconds)');
      return;
    }
    const t = parseTimestamp(rawTs);
    if (t !== t) {
      this.reject(i, 'ts', 'invalid_ts', 'ts must be an ISO 8601 date-time or epoch milliseconds between years 1900 and 2199');
      return;
    }
    let version: string;
    const rawVersion = rec.version;
    if (rawVersion === undefined || rawVersion === null) {
      if (plan.defaultVersion === null) {
        this.reject(i, 'version', 'missing_version', 'version is required (the model does not declare exactly one version)');
        return;
      }
      version = plan.defaultVersion;
    } else if (typeof rawVersion === 'string' && rawVersion.length > 0 && rawVersion.length <= MAX_VERSION_LENGTH) {
      version = rawVersion;
    } else if (typeof rawVersion === 'number' && Number.isFinite(rawVersion)) {
      version = String(rawVersion);
    } else {
      this.reject(i, 'version', 'invalid_version', 'version must be a non-empty string of at most 128 characters');
      return;
    }
    const features = (direct ? null : rec.features) as Record<string, unknown>;
    if (direct ? !direct.isObject(i) : !isPlainObject(features)) {
      this.reject(i, 'features', 'invalid_features', 'features must be an object of column name to value');
      return;
    }
    const scores = rec.scores;
    const scoreCount = plan.scoreIdx.length;
    if (scores !== undefined && scores !== null && typeof scores !== 'number' && !Array.isArray(scores) && !isPlainObject(scores)) {
      this.reject(i, 'scores', 'invalid_scores', 'scores must be an object of class to probability, a list, or a number');
      return;
    }
    if (typeof scores === 'number' && scoreCount !== 1) {
      this.reject(i, 'scores', 'invalid_scores', `a single number needs exactly one score column (the schema has ${scoreCount})`);
      return;
    }
    if (Array.isArray(scores) && scores.length !== scoreCount) {
      this.reject(i, 'scores', 'invalid_scores', `a list of scores needs one value per score column (${scoreCount})`);
      return;
    }
    const rawLatency = rec.latency_ms;
    let lat = NaN;
    if (rawLatency !== undefined && rawLatency !== null) {
      if (typeof rawLatency !== 'number' || !(rawLatency >= 0) || rawLatency === Infinity) {
        this.reject(i, 'latency_ms', 'invalid_latency', 'latency_ms must be a non-negative number');
        return;
      }
      lat = rawLatency;
    }
    const rawError = rec.error;
    let err = 2;
    if (rawError !== undefined && rawError !== null) {
      if (typeof rawError !== 'boolean') {
        this.reject(i, 'error', 'invalid_error', 'error must be true or false');
        return;
      }
      err = rawError ? 1 : 0;
    }
    const rawTags = rec.tags;
    let tagsJson: string | null = null;
    if (rawTags !== undefined && rawTags !== null) {
      const problem = tagsProblem(rawTags);
      if (problem) {
        this.reject(i, 'tags', 'invalid_tags', problem);
        return;
      }
      tagsJson = JSON.stringify(rawTags);
    }

    // --- values into the scratch (the record is accepted from here on)
    if (direct) direct.fill(this, i);
    else this.walkFeatures(features);
    if (plan.predictionIdx >= 0) {
      if (hasOwn.call(rec, 'prediction')) this.pv = rec.prediction;
    } else if (rec.prediction !== undefined) this.predictionUnknown = true;
    if (scoreCount > 0) {
      if (scores !== undefined && scores !== null) {
        this.scoreMode = SCORES_VALUES;
        if (typeof scores === 'number') this.sv[0] = scores;
        else if (Array.isArray(scores)) for (let s = 0; s < scoreCount; s++) this.sv[s] = scores[s];
        else {
          const obj = scores as Record<string, unknown>;
          let seen = 0;
          for (let s = 0; s < scoreCount; s++) {
            const col = plan.columns[plan.scoreIdx[s]];
            const key = hasOwn.call(obj, col.name) ? col.name : col.scoreOf !== undefined && hasOwn.call(obj, String(col.scoreOf)) ? String(col.scoreOf) : null;
            if (key === null) continue;
            seen++;
            this.sv[s] = obj[key];
          }
          let scoreKeyCount = 0;
          for (const _ in obj) scoreKeyCount++;
          if (scoreKeyCount > seen) for (const key in obj) if (!plan.scoreKeys.has(key)) this.scoreUnknowns.push(key);
        }
      }
    } else if (scores !== undefined && scores !== null) this.scoresUnknown = true;
    const tagsObj = rawTags as Record<string, unknown> | undefined | null;
    for (let g = 0; g < plan.segmentNames.length; g++) {
      const name = plan.segmentNames[g];
      if (tagsObj && hasOwn.call(tagsObj, name)) this.gv[g] = tagsObj[name];
      else if (direct) {
        const v = direct.segment(g, i);
        if (v !== ABSENT) this.gv[g] = v;
      } else if (hasOwn.call(features, name)) this.gv[g] = features[name];
    }
    this.commit(id, t, version, lat, err, tagsJson);
  }

  /** Feature values and unknown keys of a `features` object into the scratch. */
  private walkFeatures(features: Record<string, unknown>): void {
    const { featureNames } = this.plan;
    let found = 0;
    for (let f = 0; f < featureNames.length; f++) {
      const name = featureNames[f];
      if (hasOwn.call(features, name)) {
        found++;
        this.fv[f] = features[name];
      }
    }
    let keys = 0;
    for (const _ in features) keys++;
    if (keys > found) {
      for (const key in features) {
        if (this.plan.featureSet.has(key) || this.plan.ignoredFeatureKeys.has(key)) continue;
        if (this.unknownFeatures.length < MAX_UNKNOWN_PER_EVENT) this.unknownFeatures.push(sanitizeName(key));
      }
    }
  }

  /** The accepted rows as a batch, with the rejections and findings. */
  finish(): PreparedEvents {
    const accepted = this.row;
    const plan = this.plan;
    if (this.lastVersionCount > 0) {
      this.versionCounts.set(this.lastVersion, (this.versionCounts.get(this.lastVersion) ?? 0) + this.lastVersionCount);
      this.lastVersionCount = 0;
    }
    const whole = accepted === this.capacity;
    const batch: EventBatch = {
      model: plan.model,
      generation: plan.generation,
      length: accepted,
      ids: whole ? this.ids : this.ids.slice(0, accepted),
      ts: whole ? this.ts : this.ts.subarray(0, accepted),
      versions: whole ? this.versions : this.versions.slice(0, accepted),
      columns: whole ? this.data : this.data.map((d) => truncate(d, accepted)),
      latencyMs: whole ? this.latency : this.latency.subarray(0, accepted),
      errors: whole ? this.errors : this.errors.subarray(0, accepted),
      tags: whole ? this.tags : this.tags.slice(0, accepted),
      dqTypeViolations: whole ? this.dqCount : this.dqCount.subarray(0, accepted),
      dqTypeColumns: whole ? this.dqType : this.dqType.slice(0, accepted),
      dqUnknownColumns: whole ? this.dqUnknown : this.dqUnknown.slice(0, accepted),
      dqMissingColumns: whole ? this.dqMissing : this.dqMissing.slice(0, accepted),
    };
    return {
      batch,
      accepted,
      rejected: this.rejected,
      rejectedCount: this.rejectedCount,
      rejectedByReason: this.rejectedByReason,
      versions: this.versionCounts,
      quality: this.quality,
    };
  }
}

function example(list: string[], name: string): void {
  if (list.length < MAX_EXAMPLES && !list.includes(name)) list.push(name);
}

/**
 * Validates parsed records (an `Error` entry stands for an unparseable NDJSON
 * line) against the plan and builds the columnar batch of the accepted ones.
 */
export function prepareEvents(records: readonly unknown[], plan: EventPlan, opts: { maxListed?: number } = {}): PreparedEvents {
  const rows = new EventRows(plan, records.length, opts.maxListed);
  for (let i = 0; i < records.length; i++) rows.acceptParsed(records[i], i);
  return rows.finish();
}

function truncate(d: EventColumnData, n: number): EventColumnData {
  switch (d.type) {
    case 'number':
    case 'timestamp':
      return { type: d.type, values: d.values.subarray(0, n), nulls: d.nulls.subarray(0, n) };
    case 'boolean':
      return { type: 'boolean', values: d.values.subarray(0, n) };
    case 'string':
      return { type: 'string', values: d.values.slice(0, n) };
  }
}

/** Why `tags` cannot be stored, or null when it can. */
export function tagsProblem(tags: unknown): string | null {
  if (!isPlainObject(tags)) return 'tags must be an object of name to string, number or boolean';
  let count = 0;
  for (const key in tags) {
    if (++count > MAX_TAGS) return `at most ${MAX_TAGS} tags`;
    const v = tags[key];
    if (v === null || typeof v === 'number' || typeof v === 'boolean') continue;
    if (typeof v === 'string') {
      if (v.length > MAX_TAG_LENGTH) return `tag "${sanitizeName(key)}" is longer than ${MAX_TAG_LENGTH} characters`;
      continue;
    }
    return `tag "${sanitizeName(key)}" must be a string, number or boolean`;
  }
  return null;
}
