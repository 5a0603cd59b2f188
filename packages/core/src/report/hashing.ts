import type { Column, DictColumn, NumberColumn, Table } from '../data/table.js';
import { sortFloat64 } from '../util/sort.js';

/**
 * Finding duplicated rows and duplicated columns without comparing every pair of
 * values. Rows: two 32-bit hash lanes (murmur3-style mixing) per row, combined
 * into one exactly representable 53-bit double; sorted, equal neighbours are
 * repeats. Columns: a cheap fingerprint (kind, missing count, values at a few
 * evenly spaced rows) groups candidates, and only equal fingerprints are compared
 * value by value.
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

/** Mixes each row's numeric value into the row's lanes; `-0` hashes as `+0`. */
function mixNumberColumn(col: NumberColumn, n: number, ha: Int32Array, hb: Int32Array): void {
  const v = col.values;
  const words = new Int32Array(v.buffer, v.byteOffset, 2 * n);
  const nulls = col.nulls;
  for (let r = 0; r < n; r++) {
    let lo = words[2 * r];
    let hi = words[2 * r + 1];
    if (nulls !== undefined && nulls[r] === 1) {
      lo = NULL_A;
      hi = NULL_B;
    } else {
      if (lo === 0 && hi === NEGATIVE_ZERO_HIGH) hi = 0;
      lo ^= 0x9e3779b9;
      hi ^= 0x85ebca6b;
    }
    // Both words go into both lanes: many values (small integers, halves) have a
    // constant low word, and each lane alone must tell them apart.
    ha[r] = mix(mix(ha[r], lo), hi);
    hb[r] = mix(mix(hb[r], hi), lo);
  }
}

/** Mixes each row's category (by its string, so differently coded equal strings agree) into the row's lanes. */
function mixDictColumn(col: DictColumn, n: number, ha: Int32Array, hb: Int32Array): void {
  const k = col.dictionary.length;
  const da = new Int32Array(k);
  const db = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    da[i] = stringHash(col.dictionary[i], 0x811c9dc5);
    db[i] = stringHash(col.dictionary[i], 0x01000193);
  }
  const codes = col.codes;
  for (let r = 0; r < n; r++) {
    const c = codes[r];
    ha[r] = mix(ha[r], c < 0 ? NULL_A : da[c]);
    hb[r] = mix(hb[r], c < 0 ? NULL_B : db[c]);
  }
}

/** Whether value `i` of a number column is missing. */
function isNull(col: NumberColumn, i: number): boolean {
  return col.nulls !== undefined && col.nulls[i] === 1;
}

/** Rows sampled for column fingerprints. */
const FINGERPRINT_ROWS = 64;

/**
 * A fingerprint of a column's values: equal columns have equal fingerprints.
 * Used to group candidate duplicate columns before {@link sameValues}.
 */
function fingerprint(col: Column, n: number): string {
  const parts: (string | number)[] = [col.type];
  const step = Math.max(1, Math.floor(n / FINGERPRINT_ROWS));
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
  return parts.join('\u0001');
}

/**
 * Pairs `[i, j]` (`i < j`, indexes into `table.columns`) of columns holding the
 * same value in every row, each duplicate paired with the first column it equals.
 */
export function duplicatedColumns(table: Table): [number, number][] {
  const n = table.numRows;
  const groups = new Map<string, number[]>();
  table.columns.forEach((col, i) => {
    const key = fingerprint(col, n);
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const pairs: [number, number][] = [];
  for (const members of groups.values()) {
    const firsts: number[] = [];
    for (const j of members) {
      const first = firsts.find((i) => sameValues(table.columns[i], table.columns[j]));
      if (first === undefined) firsts.push(j);
      else pairs.push([first, j]);
    }
  }
  return pairs.sort((a, b) => a[1] - b[1]);
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
 * Number of rows that repeat an earlier row: rows minus distinct rows, rows being
 * compared by a 53-bit hash of their values in `columns` (a false match needs two
 * distinct rows to collide in 53 bits).
 */
export function duplicateRowCount(table: Table, columns: readonly number[]): number {
  const n = table.numRows;
  if (n < 2 || columns.length === 0) return 0;
  const ha = new Int32Array(n).fill(0x2f1b3c4d);
  const hb = new Int32Array(n).fill(0x7a6b5c4d);
  for (const ci of columns) {
    const col = table.columns[ci];
    if (col.type === 'number') mixNumberColumn(col, n, ha, hb);
    else mixDictColumn(col, n, ha, hb);
  }
  // Sorting the keys and counting equal neighbours beats a hash set here: the
  // radix sort streams through memory, a 2n-slot table misses the cache per row.
  const keys = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    // 32 bits of one lane and 21 of the other: an exact integer below 2^53.
    keys[r] = (mix(ha[r], n) >>> 0) * 2097152 + ((mix(hb[r], n) >>> 0) & 0x1fffff);
  }
  sortFloat64(keys);
  let duplicates = 0;
  for (let r = 1; r < n; r++) if (keys[r] === keys[r - 1]) duplicates++;
  return duplicates;
}
