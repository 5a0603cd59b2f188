/**
 * Copying `@duckdb/node-api` result vectors (the store's queries) into the
 * core's columnar arrays with the file reader's code (`src/read/`): a node-api
 * vector wraps the C API vector the reader works on (`vector`, and typed-array
 * views `items` / validity words), so strings are dictionary-encoded straight
 * from DuckDB's memory by the same `StringEncoder`, and numbers copied by the
 * same `copyDoubles`. Vectors without those views (none today) go through the
 * public `getItem`, with the same results.
 */
import type { DuckDBVector } from '@duckdb/node-api';
import type duckdb from '@duckdb/node-bindings';
import { StringEncoder } from '../read/strings.js';
import { copyDoubles as copyDoubleValues } from '../read/vectors.js';
import type { NumberSink } from '../read/vectors.js';

export type { NumberSink } from '../read/vectors.js';

/** What node-api's vector classes hold (not part of its typed API). */
interface VectorInternals {
  vector?: duckdb.Vector;
  itemOffset?: number;
  items?: unknown;
  validity?: { data?: BigUint64Array | null };
}

/** The validity mask as bytes (`null`: every row valid), or `undefined` when the vector does not expose it. */
function validityBytes(vector: DuckDBVector): Uint8Array | null | undefined {
  const words = (vector as unknown as VectorInternals).validity?.data;
  if (words === null) return null;
  if (words instanceof BigUint64Array) return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  return undefined;
}

/** Copies `n` DOUBLE values into `sink` at `offset`; missing rows become NaN with their `nulls` bit set. */
export function copyDoubles(vector: DuckDBVector, n: number, sink: NumberSink, offset: number): void {
  const items = (vector as unknown as VectorInternals).items;
  const validity = validityBytes(vector);
  if (items instanceof Float64Array && items.length >= n && validity !== undefined) {
    copyDoubleValues(items, validity, n, sink, offset);
    return;
  }
  for (let i = 0; i < n; i++) {
    const x = vector.getItem(i) as number | null;
    sink.values[offset + i] = x ?? NaN;
    if (x === null) (sink.nulls ??= new Uint8Array(sink.values.length))[offset + i] = 1;
  }
}

/** Dictionary encoding of VARCHAR vectors (see `StringEncoder`): codes in order of first appearance until `finish`. */
export class StringDictionary {
  private readonly encoder = new StringEncoder();

  /** Values in order of first appearance (see `finish` for the final order). */
  get dictionary(): readonly string[] {
    return this.encoder.dictionary;
  }

  /** Encodes `n` strings of a VARCHAR vector into `codes` at `offset` (-1 where missing). */
  encode(vector: DuckDBVector, n: number, codes: Int32Array, offset: number): void {
    const v = vector as unknown as VectorInternals;
    if (v.vector !== undefined && v.itemOffset === 0) {
      this.encoder.encode(v.vector, n, codes, offset);
      return;
    }
    for (let i = 0; i < n; i++) {
      const s = vector.getItem(i) as string | null;
      codes[offset + i] = s === null ? -1 : this.encoder.codeOf(s);
    }
  }

  /** The dictionary in code point order (DuckDB's VARCHAR order), with `codes` rewritten to match. */
  finish(codes: Int32Array): string[] {
    return this.encoder.finish(codes);
  }
}
