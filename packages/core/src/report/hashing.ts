import type { Column, DictColumn, NumberColumn, Table } from '../data/table.js';
import { sortFloat64 } from '../util/sort.js';

/**
 * Finding duplicated rows and duplicated columns without comparing every pair of
 * values, and without holding every column at once (the CLI compares wide files a
 * batch of columns at a time). Rows: two 32-bit hash lanes (murmur3-style mixing)
 * per row, fed one column at a time, combined into one exactly representable
 * 53-bit double; sorted, equal neighbours are repeats. Columns: a digest of the
 * kind, the missing count, the values at a few evenly spaced rows and a 53-bit
 * hash of the whole sequence; equal digests are duplicated columns (a false match
 * needs a 53-bit collision on top of equal samples).
 */

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function stringHash(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return mix(h, s.length);
}

/** Lanes of a missing value (numeric and dictionary columns alike, so a null equals a null). */
const NULL_A = 0x5bd1e995;
const NULL_B = 0x1b873593;
const NEGATIVE_ZERO_HIGH = 0x80000000 | 0;

/** Lanes every row starts from. */
const SEED_A = 0x2f1b3c4d;
const SEED_B = 0x7a6b5c4d;

/** Mixes each row's numeric value into the row's lanes (`h[2r]`, `h[2r + 1]`); `-0` hashes as `+0`. */
function mixNumberColumn(col: NumberColumn, n: number, h: Int32Array): void {
  const v = col.values;
  const words = new Int32Array(v.buffer, v.byteOffset, 2 * n);
  const nulls = col.nulls;
  for (let j = 0; j < 2 * n; j += 2) {
    let lo = words[j];
    let hi = words[j + 1];
    if (nulls !== undefined && nulls[j >> 1] === 1) {
      lo = NULL_A;
      hi = NULL_B;
    } else {
      if (lo === 0 && hi === NEGATIVE_ZERO_HIGH) hi = 0;
      lo ^= 0x9e3779b9;
      hi ^= 0x85ebca6b;
    }
    // Both words go into both lanes: many values (small integers, halves) have a
    // constant low word, and each lane alone must tell them apart.
    h[j] = mix(mix(h[j], lo), hi);
    h[j + 1] = mix(mix(h[j + 1], hi), lo);
  }
}

/** The two hash lanes of each dictionary entry (by its string, so differently coded equal strings agree). */
function dictionaryHashes(col: DictColumn): [Int32Array, Int32Array] {
  const k = col.dictionary.length;
  const da = new Int32Array(k);
  const db = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    da[i] = stringHash(col.dictionary[i], 0x811c9dc5);
    db[i] = stringHash(col.dictionary[i], 0x01000193);
  }
  return [da, db];
}

/** Mixes each row's category (by its string, so differently coded equal strings agree) into the row's lanes. */
function mixDictColumn(col: DictColumn, n: number, h: Int32Array): void {
  const [da, db] = dictionaryHashes(col);
  const codes = col.codes;
  for (let r = 0; r < n; r++) {
    const c = codes[r];
    const j = 2 * r;
    h[j] = mix(h[j], c < 0 ? NULL_A : da[c]);
    h[j + 1] = mix(h[j + 1], c < 0 ? NULL_B : db[c]);
  }
}

/** Whether value `i` of a number column is missing. */
function isNull(col: NumberColumn, i: number): boolean {
  return col.nulls !== undefined && col.nulls[i] === 1;
}

/** Rows sampled for column digests. */
const DIGEST_ROWS = 64;

/** A 53-bit hash of a column's whole sequence of values (`-0` as `+0`, missing as missing). */
function sequenceHash(col: Column, n: number): number {
  let ha = 0x12345678;
  let hb = 0x9abcdef0;
  if (col.type === 'number') {
    const words = new Int32Array(col.values.buffer, col.values.byteOffset, 2 * n);
    for (let r = 0; r < n; r++) {
      let lo = words[2 * r];
      let hi = words[2 * r + 1];
      if (isNull(col, r)) {
        lo = NULL_A;
        hi = NULL_B;
      } else if (lo === 0 && hi === NEGATIVE_ZERO_HIGH) hi = 0;
      ha = mix(mix(ha, lo), hi);
      hb = mix(mix(hb, hi), lo);
    }
  } else {
    const [da, db] = dictionaryHashes(col);
    for (let r = 0; r < n; r++) {
      const c = col.codes[r];
      ha = mix(ha, c < 0 ? NULL_A : da[c]);
      hb = mix(hb, c < 0 ? NULL_B : db[c]);
    }
  }
  return (mix(ha, n) >>> 0) * 2097152 + ((mix(hb, n) >>> 0) & 0x1fffff);
}

/**
 * A digest of a column's values over its first `n` rows: equal columns have equal
 * digests; unequal ones collide with negligible probability.
 */
export function columnDigest(col: Column, n: number): string {
  const parts: (string | number)[] = [col.type];
  const step = Math.max(1, Math.floor(n / DIGEST_ROWS));
  if (col.type === 'number') {
    let nulls = 0;
    if (col.nulls) for (let i = 0; i < n; i++) nulls += col.nulls[i];
    parts.push(nulls);
    for (let i = 0; i < n; i += step) parts.push(isNull(col, i) ? 'null' : col.values[i] + 0);
  } else {
    let nulls = 0;
    for (let i = 0; i < n; i++) if (col.codes[i] < 0) nulls++;
    parts.push(nulls);
    for (let i = 0; i < n; i += step) parts.push(col.codes[i] < 0 ? '\u0000null' : JSON.stringify(col.dictionary[col.codes[i]]));
  }
  parts.push(sequenceHash(col, n));
  return parts.join('\u0001');
}

/**
 * Pairs `[i, j]` (`i < j`, indexes into `digests`) of columns with equal digests,
 * each duplicate paired with the first column it equals, ordered by `j`.
 */
export function duplicatedColumns(digests: readonly string[]): [number, number][] {
  const first = new Map<string, number>();
  const pairs: [number, number][] = [];
  digests.forEach((d, j) => {
    const i = first.get(d);
    if (i === undefined) first.set(d, j);
    else pairs.push([i, j]);
  });
  return pairs;
}

/** Whether two columns hold the same values in every row (`-0` equals `+0`; missing equals missing). */
export function sameValues(a: Column, b: Column): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'number' && b.type === 'number') {
    for (let i = 0; i < a.values.length; i++) {
      const na = isNull(a, i);
      if (na !== isNull(b, i)) return false;
      if (!na && !Object.is(a.values[i] + 0, b.values[i] + 0)) return false;
    }
    return true;
  }
  if (a.type === 'dict' && b.type === 'dict') {
    if (a.dictionary === b.dictionary) {
      for (let i = 0; i < a.codes.length; i++) if ((a.codes[i] < 0 ? -1 : a.codes[i]) !== (b.codes[i] < 0 ? -1 : b.codes[i])) return false;
      return true;
    }
    for (let i = 0; i < a.codes.length; i++) {
      const ca = a.codes[i];
      const cb = b.codes[i];
      if ((ca < 0) !== (cb < 0)) return false;
      if (ca >= 0 && a.dictionary[ca] !== b.dictionary[cb]) return false;
    }
    return true;
  }
  return false;
}

/**
 * Row hashes fed one column at a time; {@link RowHashes.duplicates} counts the
 * rows that repeat an earlier row (rows minus distinct rows), rows being compared
 * by a 53-bit hash of their values in the columns added (a false match needs two
 * distinct rows to collide in 53 bits). The order columns are added in does not
 * change the count.
 */
export class RowHashes {
  /** Both lanes of each row, interleaved (`2r`, `2r + 1`); `duplicates` turns them into keys in place. */
  private lanes: Int32Array | null;
  private columns = 0;

  constructor(readonly numRows: number) {
    // Filled now: the CLI makes the comparison while its first columns are
    // still being read, so the memory is touched (page faults) before they come.
    const lanes = new Int32Array(2 * numRows);
    for (let j = 0; j < lanes.length; j += 2) {
      lanes[j] = SEED_A;
      lanes[j + 1] = SEED_B;
    }
    this.lanes = lanes;
  }

  add(col: Column): void {
    if (!this.lanes) throw new Error('RowHashes: add after duplicates()');
    if (col.type === 'number') mixNumberColumn(col, this.numRows, this.lanes);
    else mixDictColumn(col, this.numRows, this.lanes);
    this.columns++;
  }

  /** Rows that repeat an earlier row. Call once: the lanes' memory becomes the keys. */
  duplicates(): number {
    const n = this.numRows;
    const lanes = this.lanes;
    if (!lanes) throw new Error('RowHashes: duplicates() called twice');
    this.lanes = null;
    if (n < 2 || this.columns === 0) return 0;
    return repeatedKeys(lanes, n);
  }
}

/**
 * Rows minus distinct keys, each row's key being 32 bits of one finished lane and
 * 21 of the other: an exact integer below 2^53, written as a double over the
 * row's own two lanes (no second buffer: fresh memory costs more than the
 * hashing here). Sorted, equal keys are neighbours. Sorting beats a hash set:
 * the radix sort streams through memory, a 2n-slot table misses the cache per row.
 */
function repeatedKeys(lanes: Int32Array, n: number): number {
  const keys = new Float64Array(lanes.buffer, lanes.byteOffset, n);
  writeKeys(lanes, keys, n);
  sortFloat64(keys);
  return equalNeighbours(keys);
}

/*
 * The two loops below are functions of their own: run on one or two tables per
 * process, a loop followed by more code in the same function gets optimized
 * mid-loop, then thrown away where it meets code it has no feedback for.
 */

function writeKeys(lanes: Int32Array, keys: Float64Array, n: number): void {
  for (let r = 0; r < n; r++) {
    // Element r of `keys` is lanes 2r and 2r + 1: both are read before it is written.
    keys[r] = (mix(lanes[2 * r], n) >>> 0) * 2097152 + ((mix(lanes[2 * r + 1], n) >>> 0) & 0x1fffff);
  }
}

/** Values equal to the one before them (in a sorted array: repeats). */
function equalNeighbours(keys: Float64Array): number {
  let duplicates = 0;
  for (let r = 1; r < keys.length; r++) if (keys[r] === keys[r - 1]) duplicates++;
  return duplicates;
}

/** Number of rows of `table` that repeat an earlier row over the given columns (see {@link RowHashes}). */
export function duplicateRowCount(table: Table, columns: readonly number[]): number {
  const hashes = new RowHashes(table.numRows);
  for (const ci of columns) hashes.add(table.columns[ci]);
  return hashes.duplicates();
}
