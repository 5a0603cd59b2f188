/**
 * A deterministic uniform sample of a table's rows: the reference rows kept for
 * exact tests when the reference has more rows than the configured limit. The
 * same table, limit and seed always give the same rows (in their original order).
 */
import type { Column, DictColumn, Table } from '@modelwatch/core';

/** mulberry32: a small, fast 32-bit PRNG; good enough to pick rows, fully reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `k` distinct row indexes out of `n`, ascending, every subset of size `k`
 * equally likely (Knuth's selection sampling, Algorithm S: one pass, row `i` is
 * taken with probability still-needed / still-left).
 */
export function sampleIndexes(n: number, k: number, seed: number): Uint32Array {
  if (!(Number.isSafeInteger(n) && Number.isSafeInteger(k) && k >= 0)) throw new RangeError(`invalid sample of ${k} out of ${n}`);
  if (k >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const out = new Uint32Array(k);
  const random = mulberry32(seed);
  let taken = 0;
  for (let i = 0; i < n && taken < k; i++) {
    if ((n - i) * random() < k - taken) out[taken++] = i;
  }
  return out;
}

/** The rows `indexes` of a table; dictionaries keep only the values still used (in their order). */
export function takeRows(table: Table, indexes: Uint32Array): Table {
  const columns = table.columns.map((c) => takeColumn(c, indexes));
  return { names: [...table.names], columns, numRows: indexes.length };
}

function takeColumn(col: Column, idx: Uint32Array): Column {
  const m = idx.length;
  if (col.type === 'number') {
    const values = new Float64Array(m);
    for (let j = 0; j < m; j++) values[j] = col.values[idx[j]];
    const out: Column = { type: 'number', values };
    if (col.nulls) {
      const nulls = new Uint8Array(m);
      let any = false;
      for (let j = 0; j < m; j++) if ((nulls[j] = col.nulls[idx[j]])) any = true;
      if (any) out.nulls = nulls;
    }
    if (col.date) out.date = true;
    return out;
  }
  const used = new Int32Array(col.dictionary.length).fill(-1);
  const codes = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    const c = col.codes[idx[j]];
    codes[j] = c;
    if (c >= 0) used[c] = 0;
  }
  const dictionary: string[] = [];
  for (let c = 0; c < used.length; c++) {
    if (used[c] === 0) {
      used[c] = dictionary.length;
      dictionary.push(col.dictionary[c]);
    }
  }
  for (let j = 0; j < m; j++) if (codes[j] >= 0) codes[j] = used[codes[j]];
  const out: DictColumn = { type: 'dict', codes, dictionary };
  return out;
}
