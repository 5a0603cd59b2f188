import type { ColumnKind } from '../data/schema.js';
import type { Column } from '../data/table.js';
import { sortFloat64 } from '../util/sort.js';

/**
 * One pass over a column into the form every later step uses: numeric columns
 * become one sorted Float64Array of their finite values (sorted once, then shared
 * by quantiles, bins, drift tests and range checks); categorical columns become
 * category counts.
 */
export interface NumericSummary {
  type: 'numeric';
  rows: number;
  missing: number;
  nonFinite: number;
  typeViolations: number;
  /** Finite values, ascending. */
  sorted: Float64Array;
  min: number;
  max: number;
  mean: number;
  /** ddof = 1 (pandas); NaN below 2 values. */
  std: number;
  /** ddof = 0. */
  stdPopulation: number;
  distinct: number;
}

export interface CategoricalSummary {
  type: 'categorical';
  rows: number;
  missing: number;
  typeViolations: number;
  /** Categories by descending count (ties by first appearance). */
  values: string[];
  counts: Float64Array;
  /** Sum of `counts`. */
  valid: number;
}

export type ColumnSummary = NumericSummary | CategoricalSummary;

/** Kinds whose values are compared as numbers. */
export function isNumericKind(kind: ColumnKind): boolean {
  return kind === 'numeric' || kind === 'datetime';
}

/**
 * Summarises a column as the given kind (a number column summarised as
 * categorical compares `String(v)`). `inPlace`: a number column's values may be
 * overwritten (see {@link summarizeNumeric}).
 */
export function summarize(col: Column, kind: ColumnKind, inPlace = false): ColumnSummary {
  return isNumericKind(kind) ? summarizeNumeric(col, inPlace) : summarizeCategorical(col);
}

/**
 * `inPlace`: a number column's finite values are moved to the front of its own
 * `values` and sorted there (the column is left unusable), saving a copy of the
 * size of the column — the same summary either way.
 */
export function summarizeNumeric(col: Column, inPlace = false): NumericSummary {
  const rows = col.type === 'number' ? col.values.length : col.codes.length;
  let missing = 0;
  let nonFinite = 0;
  let typeViolations = col.typeViolations ?? 0;
  // In place: value i moves to position n <= i, so no value is overwritten before it is read.
  const finite = inPlace && col.type === 'number' ? col.values : new Float64Array(rows);
  let n = 0;
  if (col.type === 'number') {
    const { values, nulls } = col;
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      if (v - v === 0) finite[n++] = v;
      else if (nulls && nulls[i]) missing++;
      else nonFinite++;
    }
    // Type violations were stored as nulls: count them once, as violations.
    missing -= Math.min(missing, col.typeViolations ?? 0);
  } else {
    // Strings in a numeric column: parse; unparsable values are type violations.
    const parsed = col.dictionary.map((s) => (s.trim() === '' ? NaN : Number(s)));
    for (let i = 0; i < rows; i++) {
      const c = col.codes[i];
      if (c < 0) {
        missing++;
        continue;
      }
      const v = parsed[c];
      if (v - v === 0) finite[n++] = v;
      else if (Number.isNaN(v) && !/^[+-]?nan$/i.test(col.dictionary[c].trim())) typeViolations++;
      else nonFinite++;
    }
  }
  // A view, not a copy, unless most of the buffer would be wasted.
  const sorted = sortFloat64(n === rows ? finite : n >= rows / 2 ? finite.subarray(0, n) : finite.slice(0, n));
  return { type: 'numeric', rows, missing, nonFinite, typeViolations, sorted, ...sortedMoments(sorted) };
}

/** min, max, mean, std (ddof 1 and 0) and distinct count of a sorted finite sample. */
export function sortedMoments(sorted: Float64Array): Pick<NumericSummary, 'min' | 'max' | 'mean' | 'std' | 'stdPopulation' | 'distinct'> {
  const n = sorted.length;
  if (n === 0) return { min: NaN, max: NaN, mean: NaN, std: NaN, stdPopulation: NaN, distinct: 0 };
  let sum = 0;
  let distinct = 1;
  for (let i = 0; i < n; i++) {
    sum += sorted[i];
    if (i > 0 && sorted[i] !== sorted[i - 1]) distinct++;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = sorted[i] - mean;
    ss += d * d;
  }
  return {
    min: sorted[0],
    max: sorted[n - 1],
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : NaN,
    stdPopulation: Math.sqrt(ss / n),
    distinct,
  };
}

export function summarizeCategorical(col: Column): CategoricalSummary {
  if (col.type === 'dict') {
    const counts = new Float64Array(col.dictionary.length);
    let missing = 0;
    const { codes } = col;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c < 0) missing++;
      else counts[c]++;
    }
    return fromCounts(col.dictionary, counts, codes.length, missing, col.typeViolations ?? 0);
  }
  // A number column compared as categories: String(v) of each value.
  const index = new Map<number, number>();
  const keys: number[] = [];
  const tally: number[] = [];
  let missing = 0;
  const { values, nulls } = col;
  for (let i = 0; i < values.length; i++) {
    if (nulls && nulls[i]) {
      missing++;
      continue;
    }
    const v = values[i];
    let k = index.get(v);
    if (k === undefined) {
      k = keys.length;
      index.set(v, k);
      keys.push(v);
      tally.push(0);
    }
    tally[k]++;
  }
  return fromCounts(keys.map((v) => String(v)), Float64Array.from(tally), values.length, missing, col.typeViolations ?? 0);
}

function fromCounts(dictionary: string[], counts: Float64Array, rows: number, missing: number, typeViolations: number): CategoricalSummary {
  const order: number[] = [];
  for (let c = 0; c < counts.length; c++) if (counts[c] > 0) order.push(c);
  order.sort((a, b) => counts[b] - counts[a] || a - b);
  const values = order.map((c) => dictionary[c]);
  const sortedCounts = Float64Array.from(order, (c) => counts[c]);
  let valid = 0;
  for (const c of order) valid += counts[c];
  return { type: 'categorical', rows, missing, typeViolations, values, counts: sortedCounts, valid };
}
