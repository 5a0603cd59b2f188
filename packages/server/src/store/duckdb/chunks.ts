/**
 * Filling DuckDB data chunks from columnar JS arrays, for the Appender.
 *
 * `@duckdb/node-api` vectors keep their values in a typed array that `flush()`
 * copies to DuckDB. Where that array is reachable (`items`), numbers are copied in
 * bulk and timestamps written without allocating a BigInt per row; otherwise the
 * public `setItem` is used. Both paths produce the same chunk.
 */
import { DuckDBTimestampValue } from '@duckdb/node-api';
import type { DuckDBVector } from '@duckdb/node-api';
import { storedMicros } from './key-hash.js';

/** Rows per data chunk (DuckDB's vector size). */
export const CHUNK_ROWS = 2048;

interface ItemsVector {
  items?: unknown;
  setItem(i: number, v: unknown): void;
  flush(): void;
}

const TWO_32 = 4294967296;

/** Doubles from `values[offset .. offset+count)`, missing where `nulls[i] === 1` (if given). */
export function writeDoubles(vector: DuckDBVector, values: Float64Array, offset: number, count: number, nulls?: Uint8Array): void {
  const v = vector as unknown as ItemsVector;
  if (v.items instanceof Float64Array && v.items.length >= count) {
    v.items.set(values.subarray(offset, offset + count));
    if (nulls) for (let r = 0; r < count; r++) if (nulls[offset + r] === 1) v.setItem(r, null);
  } else {
    for (let r = 0; r < count; r++) v.setItem(r, nulls && nulls[offset + r] === 1 ? null : values[offset + r]);
  }
  v.flush();
}

/** Doubles where NaN means missing (latencies). */
export function writeDoublesNaNNull(vector: DuckDBVector, values: Float64Array, offset: number, count: number): void {
  const v = vector as unknown as ItemsVector;
  for (let r = 0; r < count; r++) {
    const x = values[offset + r];
    v.setItem(r, x === x ? x : null);
  }
  v.flush();
}

/**
 * Timestamps (microsecond precision) from epoch milliseconds; missing where
 * `nulls[i] === 1`. The conversion ms·1000 is exact for integral milliseconds
 * before the year 2255; the ingest layer accepts years 1900–2199 only.
 */
export function writeTimestamps(vector: DuckDBVector, ms: Float64Array, offset: number, count: number, nulls?: Uint8Array): void {
  const v = vector as unknown as ItemsVector;
  if (v.items instanceof BigInt64Array && v.items.length >= count) {
    const words = new Uint32Array(v.items.buffer, v.items.byteOffset, count * 2);
    for (let r = 0; r < count; r++) {
      if (nulls && nulls[offset + r] === 1) {
        v.setItem(r, null);
        continue;
      }
      const us = storedMicros(ms[offset + r]);
      const hi = Math.floor(us / TWO_32);
      words[2 * r] = us - hi * TWO_32; // little-endian low word
      words[2 * r + 1] = hi; // two's complement high word (wraps for negatives)
    }
  } else {
    for (let r = 0; r < count; r++) {
      v.setItem(r, nulls && nulls[offset + r] === 1 ? null : new DuckDBTimestampValue(BigInt(storedMicros(ms[offset + r]))));
    }
  }
  v.flush();
}

/** Strings; `null` entries are missing. */
export function writeStrings(vector: DuckDBVector, values: readonly (string | null)[], offset: number, count: number): void {
  const v = vector as unknown as ItemsVector;
  for (let r = 0; r < count; r++) v.setItem(r, values[offset + r]);
  v.flush();
}

/** One string repeated on every row. */
export function writeConstantString(vector: DuckDBVector, value: string, count: number): void {
  const v = vector as unknown as ItemsVector;
  for (let r = 0; r < count; r++) v.setItem(r, value);
  v.flush();
}

/** Booleans coded 0 = false, 1 = true, 2 = missing. */
export function writeBooleans(vector: DuckDBVector, codes: Uint8Array, offset: number, count: number): void {
  const v = vector as unknown as ItemsVector;
  for (let r = 0; r < count; r++) {
    const c = codes[offset + r];
    v.setItem(r, c === 2 ? null : c === 1);
  }
  v.flush();
}

/** Small non-negative integers (USMALLINT / INTEGER columns). */
export function writeIntegers(vector: DuckDBVector, values: ArrayLike<number>, offset: number, count: number): void {
  const v = vector as unknown as ItemsVector;
  const items = v.items;
  if ((items instanceof Uint16Array || items instanceof Int32Array) && items.length >= count) {
    for (let r = 0; r < count; r++) items[r] = values[offset + r];
  } else {
    for (let r = 0; r < count; r++) v.setItem(r, values[offset + r]);
  }
  v.flush();
}

/** The integers `start, start+1, …` (row numbers). */
export function writeSequence(vector: DuckDBVector, start: number, count: number): void {
  const v = vector as unknown as ItemsVector;
  for (let r = 0; r < count; r++) v.setItem(r, start + r);
  v.flush();
}

/** One integer repeated on every row. */
export function writeConstantInteger(vector: DuckDBVector, value: number, count: number): void {
  const v = vector as unknown as ItemsVector;
  for (let r = 0; r < count; r++) v.setItem(r, value);
  v.flush();
}

/** Every row missing. */
export function writeNulls(vector: DuckDBVector, count: number): void {
  const v = vector as unknown as ItemsVector;
  for (let r = 0; r < count; r++) v.setItem(r, null);
  v.flush();
}
