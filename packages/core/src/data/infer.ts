import type { Label } from '../types.js';
import type { Column, Table } from './table.js';
import type { ColumnKind, ColumnRole, ColumnSchema, Schema, Task } from './schema.js';

/** Roles the caller knows; every other column is a feature (or an id / timestamp when it looks like one). */
export interface RoleHints {
  target?: string;
  prediction?: string;
  /** Score (probability) columns; for multiclass, `{column: classLabel}` or a list whose class is parsed from the name. */
  scores?: string[] | Record<string, Label>;
  id?: string;
  timestamp?: string;
  segments?: string[];
  /** Explicit roles by column name; win over everything else. */
  roles?: Record<string, ColumnRole>;
  task?: Task;
  positiveLabel?: Label;
}

/** A text column: long strings, or mostly unique values over enough rows. */
const TEXT_MEAN_LENGTH = 50;
const ID_MIN_ROWS = 20;

/** Facts about one column that inference decides on. */
export interface ColumnFacts {
  present: number;
  /**
   * Distinct values. Categorical columns: exact. Integer numeric columns: exact
   * when at most {@link EXACT_DISTINCT_MAX} or when every value is distinct (what
   * id and task inference ask); otherwise {@link EXACT_DISTINCT_MAX} + 1, meaning
   * "more, with repeats". -1 for non-integer numeric columns, where it is not counted.
   */
  distinct: number;
  meanLength: number;
  allIntegers: boolean;
}

/** Integer columns: distinct values are counted exactly up to this many (classes of a target). */
export const EXACT_DISTINCT_MAX = 20;

/** Counts the facts inference needs (one pass over the column, plus a uniqueness check when needed). */
export function columnFacts(col: Column): ColumnFacts {
  if (col.type === 'number') {
    let present = 0;
    let allIntegers = true;
    let min = Infinity;
    let max = -Infinity;
    const { values, nulls } = col;
    for (let i = 0; i < values.length; i++) {
      if (nulls && nulls[i]) continue;
      present++;
      const v = values[i];
      if (allIntegers && !Number.isInteger(v)) allIntegers = false;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // Distinct values matter only for integer columns (ids, class labels).
    if (!allIntegers) return { present, distinct: -1, meanLength: 0, allIntegers };
    const few = new Set<number>();
    for (let i = 0; i < values.length; i++) {
      if (nulls && nulls[i]) continue;
      few.add(values[i]);
      if (few.size > EXACT_DISTINCT_MAX) break;
    }
    if (few.size <= EXACT_DISTINCT_MAX) return { present, distinct: few.size, meanLength: 0, allIntegers };
    const unique = allDistinct(values, nulls, present, min, max);
    return { present, distinct: unique ? present : EXACT_DISTINCT_MAX + 1, meanLength: 0, allIntegers };
  }
  const counts = new Uint32Array(col.dictionary.length);
  let present = 0;
  for (let i = 0; i < col.codes.length; i++) {
    const c = col.codes[i];
    if (c >= 0) {
      counts[c]++;
      present++;
    }
  }
  let totalLength = 0;
  let distinct = 0;
  for (let c = 0; c < counts.length; c++) {
    if (counts[c] > 0) {
      distinct++;
      totalLength += col.dictionary[c].length * counts[c];
    }
  }
  return { present, distinct, meanLength: present ? totalLength / present : 0, allIntegers: false };
}

/**
 * Whether the present integer values are pairwise distinct: impossible when the
 * range holds fewer integers than values; a bitmap over the range when it is
 * small; otherwise a set, stopping at the first repeat.
 */
function allDistinct(values: Float64Array, nulls: Uint8Array | undefined, present: number, min: number, max: number): boolean {
  const range = max - min + 1;
  if (range < present) return false;
  if (range <= 64 * present + 1024) {
    const bits = new Uint32Array(Math.ceil(range / 32));
    for (let i = 0; i < values.length; i++) {
      if (nulls && nulls[i]) continue;
      const k = values[i] - min;
      const word = k >>> 5;
      const bit = 1 << (k & 31);
      if (bits[word] & bit) return false;
      bits[word] |= bit;
    }
    return true;
  }
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    if (nulls && nulls[i]) continue;
    const v = values[i] + 0; // -0 and +0 are one value
    if (seen.has(v)) return false;
    seen.add(v);
  }
  return true;
}

/** The kind of a column judged from its values. */
export function inferKind(col: Column, facts: ColumnFacts = columnFacts(col)): ColumnKind {
  if (col.type === 'number') return col.date ? 'datetime' : 'numeric';
  const dict = col.dictionary;
  if (dict.length > 0 && dict.length <= 2 && dict.every((v) => v === 'true' || v === 'false')) return 'boolean';
  if (facts.meanLength > TEXT_MEAN_LENGTH) return 'text';
  if (facts.present >= ID_MIN_ROWS && facts.distinct === facts.present) return 'text';
  return 'categorical';
}

/** Whether a column looks like an identifier: unique values over enough rows, or a name like `id`/`*_id` with unique values. */
export function looksLikeId(name: string, facts: ColumnFacts, kind: ColumnKind): boolean {
  if (facts.present < 2 || facts.distinct !== facts.present) return false;
  const idName = /(^|[_\-\s.])(id|uuid|guid|key)$/i.test(name) || /^(id|uuid|guid)$/i.test(name) || /Id$/.test(name);
  if (idName) return true;
  if (facts.present < ID_MIN_ROWS) return false;
  return kind === 'text' || (kind === 'numeric' && facts.allIntegers && facts.present >= 1000);
}

/**
 * Infers a schema from data: each column's kind from its values, roles from the
 * hints (target, prediction, scores, id, timestamp, segments) and from the data
 * (a unique-valued column is an `id`, the only datetime column the `timestamp`),
 * and the task from the target (or prediction) when not given.
 *
 * The result is a suggestion users edit: `modelwatch schema DATA` prints it.
 */
export function inferSchema(table: Table, hints: RoleHints = {}): Schema {
  const inference = new SchemaInference(hints);
  table.names.forEach((name, i) => inference.add(name, table.columns[i]));
  return inference.finish();
}

/**
 * {@link inferSchema} one column at a time, for callers that never hold every
 * column at once (the CLI reads wide files in batches of columns). Columns must
 * be added in table order; the result equals `inferSchema` on the whole table.
 */
export class SchemaInference {
  private readonly scoreClasses: Map<string, Label | undefined>;
  private readonly columns: ColumnSchema[] = [];
  /** Columns whose role was not given nor inferred as id: candidates for the timestamp role. */
  private readonly defaulted = new Set<ColumnSchema>();
  private readonly datetime: ColumnSchema[] = [];
  private hasId = false;
  private targetFacts: ColumnFacts | undefined;
  private predictionFacts: ColumnFacts | undefined;

  constructor(private readonly hints: RoleHints = {}) {
    this.scoreClasses = normalizeScores(hints.scores);
  }

  /** Infers the next column's kind and role (the timestamp role is settled by `finish`). */
  add(name: string, column: Column): ColumnSchema {
    const hints = this.hints;
    const facts = columnFacts(column);
    const kind = inferKind(column, facts);
    let role: ColumnRole = 'feature';
    let defaulted = false;
    if (hints.roles?.[name]) role = hints.roles[name];
    else if (name === hints.target) role = 'target';
    else if (name === hints.prediction) role = 'prediction';
    else if (this.scoreClasses.has(name)) role = 'score';
    else if (name === hints.id) role = 'id';
    else if (name === hints.timestamp) role = 'timestamp';
    else if (hints.segments?.includes(name)) role = 'segment';
    else if (!hints.id && looksLikeId(name, facts, kind)) role = 'id';
    else defaulted = true;
    // At most one id (the first); hints included.
    if (role === 'id') {
      if (this.hasId) role = 'feature';
      this.hasId = true;
    }
    const col: ColumnSchema = { name, kind, role };
    if (role === 'score' && this.scoreClasses.get(name) !== undefined) col.scoreOf = this.scoreClasses.get(name);
    if (defaulted) this.defaulted.add(col);
    if (kind === 'datetime') this.datetime.push(col);
    if (role === 'target') this.targetFacts ??= facts;
    if (role === 'prediction') this.predictionFacts ??= facts;
    this.columns.push(col);
    return col;
  }

  /** The schema of every column added: the only datetime column becomes the timestamp, and the task is inferred. */
  finish(): Schema {
    const hints = this.hints;
    const columns = this.columns;
    if (!hints.timestamp && this.datetime.length === 1 && this.defaulted.has(this.datetime[0])) this.datetime[0].role = 'timestamp';
    // At most one timestamp: the first in table order.
    const timestamps = columns.filter((c) => c.role === 'timestamp');
    for (const c of timestamps.slice(1)) c.role = 'feature';
    const schema: Schema = { columns };
    const task = hints.task ?? this.inferTask();
    if (task) schema.task = task;
    if (hints.positiveLabel !== undefined) schema.positiveLabel = hints.positiveLabel;
    return schema;
  }

  private inferTask(): Task | undefined {
    const target = this.columns.find((c) => c.role === 'target') ?? this.columns.find((c) => c.role === 'prediction');
    if (!target) return undefined;
    const facts = target.role === 'target' ? this.targetFacts! : this.predictionFacts!;
    return taskFromFacts(target, facts);
  }
}

function normalizeScores(scores: RoleHints['scores']): Map<string, Label | undefined> {
  const out = new Map<string, Label | undefined>();
  if (!scores) return out;
  if (Array.isArray(scores)) {
    for (const s of scores) out.set(s, scoreClassFromName(s, scores.length));
  } else for (const [col, label] of Object.entries(scores)) out.set(col, label);
  return out;
}

/** `proba_cat`, `score_1`, `p(dog)` → the class label; a single score column scores the positive class. */
function scoreClassFromName(name: string, count: number): Label | undefined {
  if (count === 1) return undefined;
  const m = /^(?:p|proba?|prob|probability|score)[_:(\-\s]?(.+?)\)?$/i.exec(name);
  return m ? m[1] : undefined;
}


/** The task a target (or prediction) column suggests. */
function taskFromFacts(target: ColumnSchema, facts: ColumnFacts): Task {
  if (target.kind === 'boolean') return 'binary';
  if (target.kind === 'numeric') {
    if (facts.allIntegers && facts.distinct <= 2) return 'binary';
    if (facts.allIntegers && facts.distinct <= 20) return 'multiclass';
    return 'regression';
  }
  return facts.distinct <= 2 ? 'binary' : 'multiclass';
}

/** The task suggested by the target (or, failing that, the prediction) column. */
export function inferTask(table: Table, columns: ColumnSchema[]): Task | undefined {
  const target = columns.find((c) => c.role === 'target') ?? columns.find((c) => c.role === 'prediction');
  if (!target) return undefined;
  return taskFromFacts(target, columnFacts(table.columns[table.names.indexOf(target.name)]));
}
