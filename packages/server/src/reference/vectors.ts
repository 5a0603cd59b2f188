/**
 * Copying DuckDB result vectors into the core's columnar arrays.
 *
 * `@duckdb/node-api` exposes fixed-width vectors as typed-array views over
 * DuckDB's memory (`items`) and validity masks as 64-bit words; where those are
 * present they are copied in bulk, otherwise the public `getItem` is used. Both
 * paths produce the same arrays.
 */
import type { DuckDBVector } from '@duckdb/node-api';

interface ItemsVector {
  items?: unknown;
  validity?: { data?: BigUint64Array | null };
  getItem(i: number): unknown;
}

/** The validity mask of a vector as bytes (bit `i & 7` of byte `i >> 3`; 1 = valid), or `null` when every row is valid. */
function validityBytes(vector: DuckDBVector): Uint8Array | null | undefined {
  const v = vector as unknown as ItemsVector;
  const words = v.validity?.data;
  if (words === null) return null;
  if (words instanceof BigUint64Array) return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  return undefined;
}

/** Calls `onNull(row)` for each invalid row of the first `n` rows. */
function forEachNull(vector: DuckDBVector, n: number, onNull: (row: number) => void): void {
  const bytes = validityBytes(vector);
  if (bytes === null) return;
  if (bytes === undefined) {
    for (let i = 0; i < n; i++) if (vector.getItem(i) === null) onNull(i);
    return;
  }
  const full = n >> 3;
  for (let b = 0; b <= full && b < bytes.length; b++) {
    const byte = bytes[b];
    if (byte === 0xff) continue;
    const end = Math.min(8, n - b * 8);
    for (let bit = 0; bit < end; bit++) if (!(byte & (1 << bit))) onNull(b * 8 + bit);
  }
}

/** A number column being filled chunk by chunk. */
export interface NumberSink {
  values: Float64Array;
  nulls?: Uint8Array;
}

/** Copies `n` DOUBLE values into `sink` at `offset`; missing rows become NaN with their `nulls` bit set. */
export function copyDoubles(vector: DuckDBVector, n: number, sink: NumberSink, offset: number): void {
  const items = (vector as unknown as ItemsVector).items;
  if (items instanceof Float64Array && items.length >= n) sink.values.set(items.subarray(0, n), offset);
  else for (let i = 0; i < n; i++) sink.values[offset + i] = (vector.getItem(i) as number | null) ?? NaN;
  forEachNull(vector, n, (row) => {
    sink.values[offset + row] = NaN;
    (sink.nulls ??= new Uint8Array(sink.values.length))[offset + row] = 1;
  });
}

/** Copies `n` INTEGER values into `codes` at `offset`; missing rows become -1. */
export function copyCodes(vector: DuckDBVector, n: number, codes: Int32Array, offset: number): void {
  const items = (vector as unknown as ItemsVector).items;
  if (items instanceof Int32Array && items.length >= n) codes.set(items.subarray(0, n), offset);
  else for (let i = 0; i < n; i++) codes[offset + i] = (vector.getItem(i) as number | null) ?? -1;
  forEachNull(vector, n, (row) => {
    codes[offset + row] = -1;
  });
}

const INLINE_MAX = 12;
const EMPTY = -1;
/** Key marker of entries that are long strings (never equal to an inline length). */
const LONG = 0xffffffff;
const decoder = new TextDecoder();

/** Mask keeping the first `bytes` (0–4) bytes of a little-endian 32-bit word. */
function keep(bytes: number): number {
  return bytes >= 4 ? 0xffffffff : bytes <= 0 ? 0 : (1 << (8 * bytes)) - 1;
}

function mix(len: number, a: number, b: number, c: number): number {
  let h = Math.imul(len ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ a ^ (h >>> 15), 0xc2b2ae35);
  h = Math.imul(h ^ b ^ (h >>> 13), 0x27d4eb2f);
  h = Math.imul(h ^ c ^ (h >>> 16), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Dictionary encoding of VARCHAR vectors from DuckDB's memory. DuckDB stores
 * each string of a vector as 16 bytes: its byte length, then the bytes when at
 * most 12 ("inlined") or a prefix and a pointer. Inlined strings — most
 * category values — are looked up by those 16 bytes in an open-addressing hash
 * table, and only a value not seen before is decoded; longer strings are
 * decoded and looked up by their text. (Decoding every value cost ~350 ns a
 * value on the flights data; this ~20 ns.)
 */
export class StringDictionary {
  /** Values in order of first appearance (see `finish` for the final order). */
  readonly dictionary: string[] = [];
  private slots = new Int32Array(1024).fill(EMPTY);
  /** Four 32-bit words per entry: length (or LONG), then the three inline words. */
  private keys = new Uint32Array(4 * 256);
  private readonly longIndex = new Map<string, number>();

  /** Encodes `n` strings of a VARCHAR vector into `codes` at `offset` (-1 where missing). */
  encode(vector: DuckDBVector, n: number, codes: Int32Array, offset: number): void {
    const view = (vector as unknown as { dataView?: unknown }).dataView;
    const bytes = validityBytes(vector);
    if (!(view instanceof DataView) || view.byteLength < n * 16 || bytes === undefined) {
      for (let i = 0; i < n; i++) {
        const s = vector.getItem(i) as string | null;
        codes[offset + i] = s === null ? -1 : this.long(s);
      }
      return;
    }
    const words = new Uint32Array(view.buffer, view.byteOffset, n * 4);
    for (let i = 0; i < n; i++) {
      if (bytes && !(bytes[i >> 3] & (1 << (i & 7)))) {
        codes[offset + i] = -1;
        continue;
      }
      const w = i * 4;
      const len = words[w];
      if (len <= INLINE_MAX) {
        // Bytes past the length are not guaranteed to be zero: mask them.
        const a = (words[w + 1] & keep(len)) >>> 0;
        const b = (words[w + 2] & keep(len - 4)) >>> 0;
        const c = (words[w + 3] & keep(len - 8)) >>> 0;
        codes[offset + i] = this.inline(len, a, b, c, view, i);
      } else {
        codes[offset + i] = this.long(vector.getItem(i) as string);
      }
    }
  }

  private inline(len: number, a: number, b: number, c: number, view: DataView, i: number): number {
    const mask = this.slots.length - 1;
    const keys = this.keys;
    let s = mix(len, a, b, c) & mask;
    for (;;) {
      const e = this.slots[s];
      if (e === EMPTY) break;
      const k = e * 4;
      if (keys[k] === len && keys[k + 1] === a && keys[k + 2] === b && keys[k + 3] === c) return e;
      s = (s + 1) & mask;
    }
    const text = decoder.decode(new Uint8Array(view.buffer, view.byteOffset + i * 16 + 4, len));
    // The same text may already be known as a "long" entry (from the getItem path): keep one code per value.
    const known = this.longIndex.get(text);
    const code = known ?? this.dictionary.length;
    if (known === undefined) {
      this.dictionary.push(text);
      this.longIndex.set(text, code);
    }
    this.store(code, len, a, b, c);
    this.slots[s] = code;
    if (this.dictionary.length * 2 >= this.slots.length) this.rehash();
    return code;
  }

  private long(text: string): number {
    let code = this.longIndex.get(text);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(text);
      this.store(code, LONG, 0, 0, 0);
      this.longIndex.set(text, code);
    }
    return code;
  }

  private store(code: number, len: number, a: number, b: number, c: number): void {
    while (code * 4 + 4 > this.keys.length) {
      const grown = new Uint32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const k = code * 4;
    this.keys[k] = len;
    this.keys[k + 1] = a;
    this.keys[k + 2] = b;
    this.keys[k + 3] = c;
  }

  /** Doubles the table and re-inserts the inline entries. */
  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    const keys = this.keys;
    for (let e = 0; e < this.dictionary.length; e++) {
      const k = e * 4;
      if (keys[k] === LONG) continue;
      let s = mix(keys[k], keys[k + 1], keys[k + 2], keys[k + 3]) & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = e;
    }
    this.slots = slots;
  }

  /**
   * The dictionary in code point order (DuckDB's VARCHAR order, and the order
   * `modelwatch profile` uses), with `codes` rewritten to match: the result does
   * not depend on the order of the rows.
   */
  finish(codes: Int32Array): string[] {
    return sortDictionary(this.dictionary, codes);
  }
}

/** Sorts a dictionary by code point and rewrites `codes` to match; returns the sorted dictionary. */
export function sortDictionary(dict: string[], codes: Int32Array): string[] {
  const order = dict.map((_, i) => i);
  if (dict.some((s) => /[\ud800-\udfff]/.test(s))) {
    const bytes = dict.map((s) => Buffer.from(s, 'utf8'));
    order.sort((x, y) => Buffer.compare(bytes[x], bytes[y]));
  } else order.sort((x, y) => (dict[x] < dict[y] ? -1 : dict[x] > dict[y] ? 1 : 0));
  if (order.every((old, i) => old === i)) return dict;
  const remap = new Int32Array(order.length);
  order.forEach((old, i) => (remap[old] = i));
  for (let r = 0; r < codes.length; r++) {
    const c = codes[r];
    if (c >= 0) codes[r] = remap[c];
  }
  return order.map((i) => dict[i]);
}
