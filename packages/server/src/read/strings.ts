import { duckdb } from './duckdb.js';

/**
 * Dictionary encoding of DuckDB VARCHAR vectors straight from their memory,
 * without making a JavaScript string per row.
 *
 * DuckDB stores each string of a vector as 16 bytes: a 32-bit byte length,
 * then either the bytes themselves (up to 12, "inlined") or a 4-byte prefix and
 * a pointer. Inlined strings — most category values — are looked up by those
 * 16 bytes in an open-addressing hash table; only a value not seen before is
 * decoded. Longer strings are fetched through the pointer, at most once per
 * distinct pointer within a chunk (Parquet dictionary pages make repeats share
 * one), and looked up by their text.
 *
 * This replaced casting to an ENUM in SQL, which cost DuckDB ~65 ns a value
 * plus a pass to collect the distinct values; this costs ~5–10 ns a value for
 * inlined strings.
 */

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

export class StringEncoder {
  /** Values in order of first appearance (see `finish` for the final order). */
  readonly dictionary: string[] = [];
  /** Open-addressing table of entry indices. */
  private slots = new Int32Array(1024).fill(EMPTY);
  /** Four 32-bit words per entry: length (or LONG), then the three inline words. */
  private keys = new Uint32Array(4 * 256);
  private readonly longIndex = new Map<string, number>();
  /** UTF-8 byte length of each entry (a pointer seen twice in a chunk with another length is another string: a substring). */
  private readonly lengths: number[] = [];

  /** Encodes `n` strings of a VARCHAR vector into `codes[offset…]` (-1 where missing). */
  encode(vector: duckdb.Vector, n: number, codes: Int32Array, offset: number): void {
    const data = duckdb.vector_get_data(vector, n * 16);
    const words = new Uint32Array(data.buffer, data.byteOffset, n * 4);
    const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8);
    let pointers: Map<number, number> | null = null;
    for (let i = 0; i < n; i++) {
      if (validity && !(validity[i >> 3] & (1 << (i & 7)))) {
        codes[offset + i] = -1;
        continue;
      }
      const w = i * 4;
      const len = words[w];
      if (len <= INLINE_MAX) {
        // Bytes past the length are not guaranteed to be zero: mask them.
        // (`>>> 0`: `&` yields a signed int, the stored keys are unsigned.)
        const a = (words[w + 1] & keep(len)) >>> 0;
        const b = (words[w + 2] & keep(len - 4)) >>> 0;
        const c = (words[w + 3] & keep(len - 8)) >>> 0;
        codes[offset + i] = this.inline(len, a, b, c, data, i * 16 + 4);
      } else {
        // Long string: a pointer (two words, little-endian) to `len` bytes.
        const ptr = words[w + 3] * 4294967296 + words[w + 2];
        pointers ??= new Map();
        let code = pointers.get(ptr);
        if (code === undefined || this.lengths[code] !== len) {
          const bytes = duckdb.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + w * 4 + 8, len);
          code = this.long(decoder.decode(bytes));
          pointers.set(ptr, code);
        }
        codes[offset + i] = code;
      }
    }
  }

  /**
   * The code of a value given as text (readers that have no vector memory to
   * encode from): short values take the same inline entries as `encode`'s.
   */
  codeOf(text: string): number {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > INLINE_MAX) return this.long(text);
    const padded = new Uint8Array(12);
    padded.set(bytes);
    const w = new Uint32Array(padded.buffer);
    return this.inline(bytes.length, w[0], w[1], w[2], padded, 0);
  }

  /** The code of an inlined string (`len` bytes at `data[at]`, key words `a`, `b`, `c`), decoding it only when new. */
  private inline(len: number, a: number, b: number, c: number, data: Uint8Array, at: number): number {
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
    const code = this.dictionary.length;
    this.dictionary.push(decoder.decode(new Uint8Array(data.buffer, data.byteOffset + at, len)));
    this.lengths.push(len);
    this.store(code, len, a, b, c);
    this.slots[s] = code;
    if (code * 2 >= this.slots.length) this.rehash();
    return code;
  }

  private long(text: string): number {
    let code = this.longIndex.get(text);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(text);
      this.lengths.push(Buffer.byteLength(text));
      this.store(code, LONG, 0, 0, 0);
      this.longIndex.set(text, code);
    }
    return code;
  }

  private store(code: number, len: number, a: number, b: number, c: number): void {
    if (code * 4 + 4 > this.keys.length) {
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
   * The dictionary in byte (code point) order, as DuckDB sorts VARCHAR, with
   * `codes` rewritten to match: the order does not depend on the row order.
   */
  finish(codes: Int32Array): string[] {
    return sortDictionary(this.dictionary, codes);
  }
}

/** Sorts a dictionary by code point (UTF-8 byte order) and rewrites `codes` to match; returns the sorted dictionary. */
export function sortDictionary(dict: string[], codes: Int32Array): string[] {
  const order = dict.map((_, i) => i);
  if (dict.some((s) => /[\ud800-\udfff]/.test(s))) {
    const bytes = dict.map((s) => Buffer.from(s, 'utf8'));
    order.sort((x, y) => Buffer.compare(bytes[x], bytes[y]));
  } else order.sort((x, y) => (dict[x] < dict[y] ? -1 : dict[x] > dict[y] ? 1 : 0));
  let sorted = true;
  for (let i = 0; i < order.length; i++) if (order[i] !== i) sorted = false;
  if (sorted) return dict;
  const remap = new Int32Array(order.length);
  order.forEach((old, i) => (remap[old] = i));
  for (let r = 0; r < codes.length; r++) {
    const c = codes[r];
    if (c >= 0) codes[r] = remap[c];
  }
  return order.map((i) => dict[i]);
}
