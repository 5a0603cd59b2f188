/**
 * THE ORACLE for the ingest tests: a frozen copy of the original record-by-record
 * implementation of event validation (`JSON.parse` per record, then object
 * walking), kept verbatim so that the fast byte reader and the refactored
 * builder can be checked against it on generated input. Do not optimise this
 * file; it is the specification by example.
 *
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
import { NAME_LIST_SEPARATOR, eventColumns } from '../../src/store/store.js';
import type { EventBatch, EventColumnData, ModelRecord } from '../../src/store/store.js';
import { MAX_VERSION_LENGTH, parseId, parseTimestamp, sanitizeName } from '../../src/ingest/values.js';

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

export function compileReferencePlan(model: ModelRecord): EventPlan {
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

class Columns {
  readonly data: EventColumnData[];
  constructor(kinds: Int8Array, n: number) {
    this.data = Array.from(kinds, (k): EventColumnData => {
      switch (k) {
        case K_NUMERIC:
          return { type: 'number', values: new Float64Array(n), nulls: new Uint8Array(n) };
        case K_DATETIME:
          return { type: 'timestamp', values: new Float64Array(n), nulls: new Uint8Array(n) };
        case K_BOOLEAN:
          return { type: 'boolean', values: new Uint8Array(n).fill(2) };
        default:
          return { type: 'string', values: new Array<string | null>(n).fill(null) };
      }
    });
  }
}

/**
 * Writes value `v` into column `c` at `row`; returns false when the value does
 * not fit the kind (stored as missing). `null` is missing, not a violation.
 * Numeric: numbers only. Categorical/text: strings, numbers and booleans as
 * `String(v)`. Boolean: booleans, 0/1, "true"/"false". Datetime: as `ts`.
 */
function put(data: EventColumnData, kind: number, row: number, v: unknown): boolean {
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Validates parsed records (an `Error` entry stands for an unparseable NDJSON
 * line) against the plan and builds the columnar batch of the accepted ones.
 */
export function referencePrepareEvents(records: readonly unknown[], plan: EventPlan, opts: { maxListed?: number } = {}): PreparedEvents {
  const maxListed = opts.maxListed ?? 1000;
  const n = records.length;
  const cols = new Columns(plan.kinds, n);
  const ids = new Array<string>(n);
  const ts = new Float64Array(n);
  const versions = new Array<string>(n);
  const latency = new Float64Array(n);
  const errors = new Uint8Array(n);
  const tags = new Array<string | null>(n);
  const dqCount = new Uint16Array(n);
  const dqType = new Array<string | null>(n);
  const dqUnknown = new Array<string | null>(n);
  const dqMissing = new Array<string | null>(n);
  const rejected: RejectedRecord[] = [];
  const rejectedByReason = new Map<RejectReason, number>();
  const versionCounts = new Map<string, number>();
  const quality: IngestQuality = {
    typeViolations: 0,
    eventsWithUnknownColumns: 0,
    eventsWithMissingColumns: 0,
    typeViolationColumns: [],
    unknownColumns: [],
    missingColumns: [],
  };
  let rejectedCount = 0;
  const reject = (index: number, field: string, reason: RejectReason, message: string) => {
    rejectedCount++;
    rejectedByReason.set(reason, (rejectedByReason.get(reason) ?? 0) + 1);
    if (rejected.length < maxListed) rejected.push({ index, field, reason, message });
  };
  const example = (list: string[], name: string) => {
    if (list.length < MAX_EXAMPLES && !list.includes(name)) list.push(name);
  };

  const { columns, kinds, featureNames, featureIdx, scoreIdx, segmentNames, segmentIdx, predictionIdx } = plan;
  const data = cols.data;
  const nFeatures = featureNames.length;
  let typeList: string[] = [];
  let unknownList: string[] = [];
  let missingList: string[] = [];
  let row = 0;

  for (let i = 0; i < n; i++) {
    const rec = records[i];
    if (rec instanceof Error) {
      reject(i, '', 'invalid_json', `not valid JSON: ${rec.message}`);
      continue;
    }
    if (!isPlainObject(rec)) {
      reject(i, '', 'not_object', 'each event must be a JSON object');
      continue;
    }
    // --- structure
    const rawId = rec.id;
    if (rawId === undefined || rawId === null) {
      reject(i, 'id', 'missing_id', 'id is required');
      continue;
    }
    const id = parseId(rawId);
    if (id === null) {
      reject(i, 'id', 'invalid_id', 'id must be a non-empty string of at most 256 characters or an integer');
      continue;
    }
    const rawTs = rec.ts;
    if (rawTs === undefined || rawTs === null) {
      reject(i, 'ts', 'missing_ts', 'ts is required (ISO 8601 or epoch milliseconds)');
      continue;
    }
    const t = parseTimestamp(rawTs);
    if (t !== t) {
      reject(i, 'ts', 'invalid_ts', 'ts must be an ISO 8601 date-time or epoch milliseconds between years 1900 and 2199');
      continue;
    }
    let version: string;
    const rawVersion = rec.version;
    if (rawVersion === undefined || rawVersion === null) {
      if (plan.defaultVersion === null) {
        reject(i, 'version', 'missing_version', 'version is required (the model does not declare exactly one version)');
        continue;
      }
      version = plan.defaultVersion;
    } else if (typeof rawVersion === 'string' && rawVersion.length > 0 && rawVersion.length <= MAX_VERSION_LENGTH) {
      version = rawVersion;
    } else if (typeof rawVersion === 'number' && Number.isFinite(rawVersion)) {
      version = String(rawVersion);
    } else {
      reject(i, 'version', 'invalid_version', 'version must be a non-empty string of at most 128 characters');
      continue;
    }
    const features = rec.features;
    if (!isPlainObject(features)) {
      reject(i, 'features', 'invalid_features', 'features must be an object of column name to value');
      continue;
    }
    const scores = rec.scores;
    if (scores !== undefined && scores !== null && typeof scores !== 'number' && !Array.isArray(scores) && !isPlainObject(scores)) {
      reject(i, 'scores', 'invalid_scores', 'scores must be an object of class to probability, a list, or a number');
      continue;
    }
    if (typeof scores === 'number' && scoreIdx.length !== 1) {
      reject(i, 'scores', 'invalid_scores', `a single number needs exactly one score column (the schema has ${scoreIdx.length})`);
      continue;
    }
    if (Array.isArray(scores) && scores.length !== scoreIdx.length) {
      reject(i, 'scores', 'invalid_scores', `a list of scores needs one value per score column (${scoreIdx.length})`);
      continue;
    }
    const rawLatency = rec.latency_ms;
    let lat = NaN;
    if (rawLatency !== undefined && rawLatency !== null) {
      if (typeof rawLatency !== 'number' || !(rawLatency >= 0) || rawLatency === Infinity) {
        reject(i, 'latency_ms', 'invalid_latency', 'latency_ms must be a non-negative number');
        continue;
      }
      lat = rawLatency;
    }
    const rawError = rec.error;
    let err = 2;
    if (rawError !== undefined && rawError !== null) {
      if (typeof rawError !== 'boolean') {
        reject(i, 'error', 'invalid_error', 'error must be true or false');
        continue;
      }
      err = rawError ? 1 : 0;
    }
    const rawTags = rec.tags;
    let tagsJson: string | null = null;
    if (rawTags !== undefined && rawTags !== null) {
      const problem = tagsProblem(rawTags);
      if (problem) {
        reject(i, 'tags', 'invalid_tags', problem);
        continue;
      }
      tagsJson = JSON.stringify(rawTags);
    }

    // --- values (the record is accepted from here on)
    let violations = 0;
    let found = 0;
    for (let f = 0; f < nFeatures; f++) {
      const name = featureNames[f];
      const c = featureIdx[f];
      if (hasOwn.call(features, name)) {
        found++;
        if (!put(data[c], kinds[c], row, features[name])) {
          violations++;
          typeList.push(name);
        }
      } else {
        put(data[c], kinds[c], row, null);
        missingList.push(name);
      }
    }
    let keys = 0;
    for (const _ in features) keys++;
    if (keys > found) {
      for (const key in features) {
        if (plan.featureSet.has(key) || plan.ignoredFeatureKeys.has(key)) continue;
        if (unknownList.length < MAX_UNKNOWN_PER_EVENT) unknownList.push(sanitizeName(key));
      }
    }
    if (predictionIdx >= 0) {
      if (hasOwn.call(rec, 'prediction')) {
        if (!put(data[predictionIdx], kinds[predictionIdx], row, rec.prediction)) {
          violations++;
          typeList.push(columns[predictionIdx].name);
        }
      } else {
        put(data[predictionIdx], kinds[predictionIdx], row, null);
        missingList.push(columns[predictionIdx].name);
      }
    } else if (rec.prediction !== undefined) {
      unknownList.push('prediction');
    }
    if (scoreIdx.length > 0) {
      if (scores === undefined || scores === null) {
        for (let s = 0; s < scoreIdx.length; s++) {
          put(data[scoreIdx[s]], kinds[scoreIdx[s]], row, null);
          missingList.push(columns[scoreIdx[s]].name);
        }
      } else if (typeof scores === 'number' || Array.isArray(scores)) {
        for (let s = 0; s < scoreIdx.length; s++) {
          const c = scoreIdx[s];
          if (!put(data[c], kinds[c], row, typeof scores === 'number' ? scores : scores[s])) {
            violations++;
            typeList.push(columns[c].name);
          }
        }
      } else {
        const obj = scores as Record<string, unknown>;
        let seen = 0;
        for (let s = 0; s < scoreIdx.length; s++) {
          const c = scoreIdx[s];
          const col = columns[c];
          const key = hasOwn.call(obj, col.name) ? col.name : col.scoreOf !== undefined && hasOwn.call(obj, String(col.scoreOf)) ? String(col.scoreOf) : null;
          if (key === null) {
            put(data[c], kinds[c], row, null);
            missingList.push(col.name);
            continue;
          }
          seen++;
          if (!put(data[c], kinds[c], row, obj[key])) {
            violations++;
            typeList.push(col.name);
          }
        }
        let scoreKeyCount = 0;
        for (const _ in obj) scoreKeyCount++;
        if (scoreKeyCount > seen) {
          for (const key in obj) {
            if (!plan.scoreKeys.has(key) && unknownList.length < MAX_UNKNOWN_PER_EVENT) unknownList.push(sanitizeName(`scores.${key}`));
          }
        }
      }
    } else if (scores !== undefined && scores !== null) {
      unknownList.push('scores');
    }
    for (let g = 0; g < segmentNames.length; g++) {
      const name = segmentNames[g];
      const c = segmentIdx[g];
      const tagsObj = rawTags as Record<string, unknown> | undefined | null;
      if (tagsObj && hasOwn.call(tagsObj, name)) put(data[c], kinds[c], row, tagsObj[name]);
      else if (hasOwn.call(features, name)) put(data[c], kinds[c], row, features[name]);
      else {
        put(data[c], kinds[c], row, null);
        missingList.push(name);
      }
    }

    ids[row] = id;
    ts[row] = t;
    versions[row] = version;
    latency[row] = lat;
    errors[row] = err;
    tags[row] = tagsJson;
    dqCount[row] = violations > 65535 ? 65535 : violations;
    if (typeList.length > 0) {
      dqType[row] = typeList.join(NAME_LIST_SEPARATOR);
      quality.typeViolations += violations;
      for (const name of typeList) example(quality.typeViolationColumns, name);
      typeList = [];
    } else dqType[row] = null;
    if (unknownList.length > 0) {
      dqUnknown[row] = unknownList.join(NAME_LIST_SEPARATOR);
      quality.eventsWithUnknownColumns++;
      for (const name of unknownList) example(quality.unknownColumns, name);
      unknownList = [];
    } else dqUnknown[row] = null;
    if (missingList.length > 0) {
      dqMissing[row] = missingList.join(NAME_LIST_SEPARATOR);
      quality.eventsWithMissingColumns++;
      for (const name of missingList) example(quality.missingColumns, name);
      missingList = [];
    } else dqMissing[row] = null;
    versionCounts.set(version, (versionCounts.get(version) ?? 0) + 1);
    row++;
  }

  const accepted = row;
  const batch: EventBatch = {
    model: plan.model,
    generation: plan.generation,
    length: accepted,
    ids: accepted === n ? ids : ids.slice(0, accepted),
    ts: accepted === n ? ts : ts.subarray(0, accepted),
    versions: accepted === n ? versions : versions.slice(0, accepted),
    columns: accepted === n ? cols.data : cols.data.map((d) => truncate(d, accepted)),
    latencyMs: accepted === n ? latency : latency.subarray(0, accepted),
    errors: accepted === n ? errors : errors.subarray(0, accepted),
    tags: accepted === n ? tags : tags.slice(0, accepted),
    dqTypeViolations: accepted === n ? dqCount : dqCount.subarray(0, accepted),
    dqTypeColumns: accepted === n ? dqType : dqType.slice(0, accepted),
    dqUnknownColumns: accepted === n ? dqUnknown : dqUnknown.slice(0, accepted),
    dqMissingColumns: accepted === n ? dqMissing : dqMissing.slice(0, accepted),
  };
  return { batch, accepted, rejected, rejectedCount, rejectedByReason, versions: versionCounts, quality };
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

function tagsProblem(tags: unknown): string | null {
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

/** The original NDJSON splitter: each non-blank line parsed on its own; an unparseable line becomes an `Error`. */
export function referenceParseNdjson(body: string): unknown[] {
  const out: unknown[] = [];
  let start = 0;
  const n = body.length;
  while (start < n) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = n;
    let lineEnd = end;
    if (lineEnd > start && body.charCodeAt(lineEnd - 1) === 13) lineEnd--; // CRLF
    let blank = true;
    for (let i = start; i < lineEnd; i++) {
      const c = body.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 13) blank = false;
    }
    if (!blank) {
      const line = body.slice(start, lineEnd);
      try {
        out.push(JSON.parse(line));
      } catch (err) {
        out.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    start = end + 1;
  }
  return out;
}
