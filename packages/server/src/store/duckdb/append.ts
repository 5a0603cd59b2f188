/**
 * Appending event batches to DuckDB as whole columns.
 *
 * Data chunks are filled through DuckDB's C API (`@duckdb/node-bindings`) one
 * vector at a time, never one value at a time: numbers, timestamps, booleans
 * and small integers are laid out in a typed array and copied in one call,
 * missing values become one validity-mask copy, and strings are written as
 * DuckDB's 16-byte string structs — inline for up to 12 bytes, otherwise a
 * pointer into one blob per vector that DuckDB holds (the blob is handed to
 * DuckDB with a single `assign_string_element` call and its address read back).
 * About 20 native calls per 2048 rows instead of one or more per value.
 */
import duckdb from '@duckdb/node-bindings';
import type { DataChunk, LogicalType, Vector } from '@duckdb/node-bindings';
import { DuckDBDataChunk } from '@duckdb/node-api';
import type { DuckDBAppender } from '@duckdb/node-api';
import type { EventBatch, EventColumnData } from '../store.js';
import { storedMicros } from './key-hash.js';

/** Rows per data chunk (DuckDB's vector size). */
export const CHUNK_ROWS = 2048;

/** Column types of an append target, in table order. */
export type ColumnType = 'varchar' | 'timestamp' | 'double' | 'boolean' | 'usmallint' | 'integer';

const TYPE_IDS: Record<ColumnType, duckdb.Type> = {
  varchar: duckdb.Type.VARCHAR,
  timestamp: duckdb.Type.TIMESTAMP,
  double: duckdb.Type.DOUBLE,
  boolean: duckdb.Type.BOOLEAN,
  usmallint: duckdb.Type.USMALLINT,
  integer: duckdb.Type.INTEGER,
};

const logicalTypes = new Map<ColumnType, LogicalType>();
function logicalType(t: ColumnType): LogicalType {
  let lt = logicalTypes.get(t);
  if (!lt) {
    lt = duckdb.create_logical_type(TYPE_IDS[t]);
    logicalTypes.set(t, lt);
  }
  return lt;
}

/** The system columns of an events table (see `EVENT_SYSTEM_COLUMNS` in sql.ts), in order. */
export const SYSTEM_COLUMN_TYPES: readonly ColumnType[] = ['varchar', 'timestamp', 'varchar', 'double', 'boolean', 'varchar', 'usmallint', 'varchar', 'varchar', 'varchar'];

/** Where each data column of a table comes from. */
export interface AppendLayout {
  /** DuckDB types of all columns, in table order. */
  types: ColumnType[];
  /** For each data column (after the system columns): index into `EventBatch.columns`, or -1 for a retired column (all missing). */
  source: number[];
  /** Staging tables end with `_req` (batch index) and `_row` (row in the batch). */
  staging: boolean;
}

// Scratch space shared by all appends (one append runs at a time: the store serialises writes).
const f64 = new Float64Array(CHUNK_ROWS);
const words = new Uint32Array(CHUNK_ROWS * 2); // int64 as little-endian word pairs
const u8 = new Uint8Array(CHUNK_ROWS);
const i32 = new Int32Array(CHUNK_ROWS);
const validity = new Uint8Array(CHUNK_ROWS / 8);
const structs = new Uint8Array(CHUNK_ROWS * 16);
const structWords = new Uint32Array(structs.buffer);
const TWO_32 = 4294967296;

/** Marks `row` missing in the validity scratch; the caller copies it if anything was marked. */
function setInvalid(row: number): void {
  validity[row >> 3] &= ~(1 << (row & 7));
}

function copyValidity(vector: Vector, count: number): void {
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, validity.buffer as ArrayBuffer, 0, Math.ceil(count / 64) * 8);
}

function copyData(vector: Vector, data: ArrayBufferView, bytes: number): void {
  duckdb.copy_data_to_vector(vector, 0, data.buffer as ArrayBuffer, data.byteOffset, bytes);
}

/** Doubles `values[offset…offset+count)`, missing where `nulls[i] === 1`. */
export function writeDoubles(vector: Vector, values: Float64Array, offset: number, count: number, nulls?: Uint8Array): void {
  copyData(vector, values.subarray(offset, offset + count), count * 8);
  if (!nulls) return;
  let missing = false;
  for (let r = 0; r < count; r++) {
    if (nulls[offset + r] === 1) {
      if (!missing) {
        validity.fill(0xff);
        missing = true;
      }
      setInvalid(r);
    }
  }
  if (missing) copyValidity(vector, count);
}

/** Doubles where NaN means missing (latencies). */
export function writeDoublesNaNNull(vector: Vector, values: Float64Array, offset: number, count: number): void {
  let missing = false;
  for (let r = 0; r < count; r++) {
    const x = values[offset + r];
    if (x !== x) {
      if (!missing) {
        validity.fill(0xff);
        missing = true;
      }
      setInvalid(r);
      f64[r] = 0;
    } else f64[r] = x;
  }
  if (missing && allInvalid(count)) {
    writeNulls(vector, count);
    return;
  }
  copyData(vector, f64, count * 8);
  if (missing) copyValidity(vector, count);
}

function allInvalid(count: number): boolean {
  const full = count >> 3;
  for (let b = 0; b < full; b++) if (validity[b] !== 0) return false;
  for (let r = full << 3; r < count; r++) if (validity[r >> 3] & (1 << (r & 7))) return false;
  return true;
}

/**
 * Timestamps (microseconds) from epoch milliseconds, missing where
 * `nulls[i] === 1`. ms·1000 rounded is exact for the ingest range (1900–2199).
 */
export function writeTimestamps(vector: Vector, ms: Float64Array, offset: number, count: number, nulls?: Uint8Array): void {
  let missing = false;
  for (let r = 0; r < count; r++) {
    if (nulls && nulls[offset + r] === 1) {
      if (!missing) {
        validity.fill(0xff);
        missing = true;
      }
      setInvalid(r);
      words[2 * r] = 0;
      words[2 * r + 1] = 0;
      continue;
    }
    const us = storedMicros(ms[offset + r]);
    const hi = Math.floor(us / TWO_32);
    words[2 * r] = us - hi * TWO_32; // low word
    words[2 * r + 1] = hi; // high word, two's complement for negatives
  }
  copyData(vector, words, count * 8);
  if (missing) copyValidity(vector, count);
}

/** Booleans coded 0 = false, 1 = true, 2 = missing. */
export function writeBooleans(vector: Vector, codes: Uint8Array, offset: number, count: number): void {
  let missing = false;
  for (let r = 0; r < count; r++) {
    const c = codes[offset + r];
    if (c === 2) {
      if (!missing) {
        validity.fill(0xff);
        missing = true;
      }
      setInvalid(r);
      u8[r] = 0;
    } else u8[r] = c;
  }
  if (missing && allInvalid(count)) {
    writeNulls(vector, count);
    return;
  }
  copyData(vector, u8, count);
  if (missing) copyValidity(vector, count);
}

/** Unsigned 16-bit integers. */
export function writeUint16(vector: Vector, values: Uint16Array, offset: number, count: number): void {
  copyData(vector, values.subarray(offset, offset + count), count * 2);
}

/** 32-bit integers `start + step·r`. */
export function writeIntegers(vector: Vector, start: number, step: number, count: number): void {
  for (let r = 0; r < count; r++) i32[r] = start + step * r;
  copyData(vector, i32, count * 4);
}

/** Every row missing. */
export function writeNulls(vector: Vector, count: number): void {
  validity.fill(0, 0, Math.ceil(count / 8));
  copyValidity(vector, count);
}

const ASCII_ONLY = /^[\0-\x7f]*$/;

/** Rows of the current string vector that need the blob (scratch). */
const longRows = new Int32Array(CHUNK_ROWS);

/**
 * Strings (`null` = missing) as 16-byte structs: length, then up to 12 bytes
 * inline, or a 4-byte prefix and a pointer into a blob assigned to the vector.
 * Strings of up to 12 UTF-8 bytes (categories, versions, predictions) are
 * written inline straight from their characters; only longer ones (ids) are
 * joined into the blob.
 */
export function writeStrings(vector: Vector, values: readonly (string | null)[], offset: number, count: number): void {
  structs.fill(0, 0, count * 16);
  let missing = false;
  let long: string[] | null = null;
  let longCount = 0;
  let nonNull = 0;
  for (let r = 0; r < count; r++) {
    const s = values[offset + r];
    if (s === null || s === undefined) {
      if (!missing) {
        validity.fill(0xff);
        missing = true;
      }
      setInvalid(r);
      continue;
    }
    nonNull++;
    if (s.length <= 12) {
      const len = writeInline(s, r * 16);
      if (len >= 0) {
        structWords[r * 4] = len;
        continue;
      }
    }
    (long ??= []).push(s);
    longRows[longCount++] = r;
  }
  if (nonNull === 0) {
    writeNulls(vector, count);
    return;
  }
  if (long !== null) {
    // One blob with every string longer than 12 UTF-8 bytes, in row order.
    const joined = long.join('');
    const ascii = ASCII_ONLY.test(joined);
    const blob = Buffer.from(joined, ascii ? 'latin1' : 'utf8');
    duckdb.vector_assign_string_element_len(vector, 0, blob);
    const head = duckdb.vector_get_data(vector, 16);
    const w = new Uint32Array(head.buffer, head.byteOffset, 4);
    const base = w[2];
    const baseHigh = w[3];
    let at = 0; // byte position in the blob
    for (let k = 0; k < longCount; k++) {
      const s = long[k];
      const r = longRows[k];
      const b = r * 16;
      const len = ascii ? s.length : Buffer.byteLength(s, 'utf8'); // > 12: such strings never fit inline
      structWords[r * 4] = len;
      for (let j = 0; j < 4; j++) structs[b + 4 + j] = blob[at + j];
      const lo = base + at;
      const carry = lo >= TWO_32 ? 1 : 0;
      structWords[r * 4 + 2] = lo - carry * TWO_32;
      structWords[r * 4 + 3] = baseHigh + carry;
      at += len;
    }
  }
  copyData(vector, structs, count * 16);
  if (missing) copyValidity(vector, count);
}

/**
 * A string of at most 12 UTF-16 units into the struct at `b`, inline; returns
 * its UTF-8 length, or -1 when that is over 12 bytes (it needs the blob).
 */
function writeInline(s: string, b: number): number {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x80) {
      const len = Buffer.byteLength(s, 'utf8');
      if (len > 12) return -1;
      structs.fill(0, b + 4, b + 16);
      Buffer.from(structs.buffer, structs.byteOffset + b + 4, 12).write(s, 'utf8');
      return len;
    }
    structs[b + 4 + k] = c;
  }
  return s.length;
}

function writeColumn(vector: Vector, data: EventColumnData, offset: number, count: number): void {
  switch (data.type) {
    case 'number':
      writeDoubles(vector, data.values, offset, count, data.nulls);
      break;
    case 'timestamp':
      writeTimestamps(vector, data.values, offset, count, data.nulls);
      break;
    case 'boolean':
      writeBooleans(vector, data.values, offset, count);
      break;
    case 'string':
      writeStrings(vector, data.values, offset, count);
      break;
  }
}

/** A data chunk of some column types, kept and reused, with its vectors. */
interface ReusableChunk {
  chunk: DataChunk;
  vectors: Vector[];
  /** The appender's view of it. */
  wrapped: DuckDBDataChunk;
}

/** Reusable chunks by column types (one append runs at a time). */
const chunks = new Map<string, ReusableChunk>();
/** Most kinds of chunks kept (a model's table layout and its staging layout each make one). */
const MAX_CHUNKS = 64;

/**
 * An emptied data chunk of `types` with `count` rows. Chunks are reused: the
 * appender copies what it is given, and a fresh chunk per 2048 rows (22 vectors,
 * ~0.5 MB, freed only when its JavaScript wrapper is collected) cost a page fault
 * per 4 KiB on first touch and kept native memory waiting for the GC.
 */
function reusableChunk(types: readonly ColumnType[], count: number): ReusableChunk {
  const key = types.join(',');
  let c = chunks.get(key);
  if (c) duckdb.data_chunk_reset(c.chunk);
  else {
    if (chunks.size >= MAX_CHUNKS) chunks.clear();
    const chunk = duckdb.create_data_chunk(types.map(logicalType));
    c = { chunk, vectors: types.map((_, i) => duckdb.data_chunk_get_vector(chunk, i)), wrapped: new DuckDBDataChunk(chunk) };
    chunks.set(key, c);
  }
  duckdb.data_chunk_set_size(c.chunk, count);
  return c;
}

/**
 * Writes the batch's rows `[offset, offset+count)` into a data chunk of
 * `layout` (`req` is the batch's index, written to `_req` in staging layouts)
 * and returns it; the chunk is reused by the next call.
 */
export function eventChunk(layout: AppendLayout, b: EventBatch, offset: number, count: number, req: number): DuckDBDataChunk {
  const { vectors, wrapped } = reusableChunk(layout.types, count);
  let c = 0;
  const vec = () => vectors[c++];
  writeStrings(vec(), b.ids, offset, count);
  writeTimestamps(vec(), b.ts, offset, count);
  writeStrings(vec(), b.versions, offset, count);
  writeDoublesNaNNull(vec(), b.latencyMs, offset, count);
  writeBooleans(vec(), b.errors, offset, count);
  writeStrings(vec(), b.tags, offset, count);
  writeUint16(vec(), b.dqTypeViolations, offset, count);
  writeStrings(vec(), b.dqTypeColumns, offset, count);
  writeStrings(vec(), b.dqUnknownColumns, offset, count);
  writeStrings(vec(), b.dqMissingColumns, offset, count);
  for (const from of layout.source) {
    if (from < 0) writeNulls(vec(), count);
    else writeColumn(vec(), b.columns[from], offset, count);
  }
  if (layout.staging) {
    writeIntegers(vec(), req, 0, count);
    writeIntegers(vec(), offset, 1, count);
  }
  return wrapped;
}

/** Appends the batches `indexes` of `batches` through `appender` (flushed, not closed). */
export function appendEventBatches(appender: DuckDBAppender, layout: AppendLayout, batches: readonly EventBatch[], indexes: readonly number[]): void {
  for (const req of indexes) {
    const b = batches[req];
    for (let off = 0; off < b.length; off += CHUNK_ROWS) {
      const m = Math.min(CHUNK_ROWS, b.length - off);
      appender.appendDataChunk(eventChunk(layout, b, off, m, req));
    }
  }
  appender.flushSync();
}

/** The append type of a schema column kind. */
export function columnType(kind: string): ColumnType {
  return kind === 'numeric' ? 'double' : kind === 'boolean' ? 'boolean' : kind === 'datetime' ? 'timestamp' : 'varchar';
}
