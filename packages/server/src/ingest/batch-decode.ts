/**
 * The columnar event batch (`application/vnd.modelwatch.batch`, spec:
 * docs/event-batch-format.md): validated into typed views over the body
 * ({@link readEventBatch}) and rebuilt into plain records
 * ({@link decodeEventBatch}) — record *i* deep-equals what `JSON.parse` gives
 * for line *i* of the equivalent NDJSON body.
 *
 * Every rule of the spec is checked here; a body that breaks one throws
 * {@link BatchFormatError} naming the column path and the rule (the HTTP
 * layer answers 400), or {@link BatchTooManyRowsError} (413, as for JSON).
 */
import { isAscii } from 'node:buffer';

export const BATCH_CONTENT_TYPE = 'application/vnd.modelwatch.batch';

/** Most columns of a batch. */
export const MAX_BATCH_COLUMNS = 4096;
/** Longest key of a column path (UTF-16 code units). */
export const MAX_BATCH_KEY_LENGTH = 256;
/** Most entries of a `dict` column's dictionary. */
export const MAX_BATCH_DICT = 65536;
/** `rows × (columns + 1)` is at most this many times the body's size in bytes. */
export const MAX_VALUES_PER_BYTE = 2;

const MAGIC = [0x4d, 0x57, 0x42, 0x31]; // "MWB1"

/** A body that does not follow the spec (HTTP 400). */
export class BatchFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchFormatError';
  }
}

/** A batch of more rows than the limit (HTTP 413, like a JSON body of too many records). */
export class BatchTooManyRowsError extends BatchFormatError {
  constructor(
    readonly max: number,
    readonly got: number,
  ) {
    super(`the batch has ${got} rows; at most ${max} records per request`);
    this.name = 'BatchTooManyRowsError';
  }
}

/** Row states of a column: present, JSON `null`, or absent (the record lacks the key). */
export const ROW_PRESENT = 0;
export const ROW_NULL = 1;
export const ROW_ABSENT = 2;

interface ColumnBase {
  /** `[key]` or `[key, subkey]`. */
  path: [string] | [string, string];
  /** The last key of the path: the key this column sets in its object. */
  key: string;
  /** Row states ({@link ROW_PRESENT} …), or null when every row is present. */
  states: Uint8Array | null;
}

export type BatchColumn =
  | (ColumnBase & { enc: 'f64'; values: Float64Array })
  | (ColumnBase & { enc: 'dict'; dict: unknown[]; codes: Uint8Array | Uint16Array | Uint32Array })
  | (ColumnBase & { enc: 'utf8'; strings: (string | undefined)[] })
  | (ColumnBase & { enc: 'json'; values: unknown[] })
  | (ColumnBase & { enc: 'object'; children: BatchColumn[] });

/** A validated batch: its top-level columns (objects hold their `[key, subkey]` columns). */
export interface EventBatchColumns {
  rows: number;
  columns: BatchColumn[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(where: string, rule: string): never {
  throw new BatchFormatError(`${where}: ${rule}`);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Reads a batch body into validated columns. Throws {@link BatchFormatError}
 * (or {@link BatchTooManyRowsError}) when the body breaks a rule of the spec.
 */
export function readEventBatch(body: Uint8Array, limits: { maxEvents: number }): EventBatchColumns {
  if (body.length < 8) fail('body', `${body.length} bytes, shorter than the 8-byte preamble (magic "MWB1" and header length)`);
  for (let i = 0; i < 4; i++) if (body[i] !== MAGIC[i]) fail('body', 'does not start with the magic "MWB1"');
  const h = body[4] | (body[5] << 8) | (body[6] << 16) | (body[7] * 0x1000000);
  if (8 + h > body.length) fail('header', `length ${h} runs past the end of the ${body.length}-byte body`);
  const dataStart = Math.ceil((8 + h) / 8) * 8;
  if (dataStart > body.length) fail('header', `padding to offset ${dataStart} runs past the end of the ${body.length}-byte body`);
  for (let i = 8 + h; i < dataStart; i++) if (body[i] !== 0) fail('header', `padding byte at offset ${i} is not zero`);
  let header: unknown;
  try {
    header = JSON.parse(utf8.decode(body.subarray(8, 8 + h)));
  } catch (err) {
    fail('header', `not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header', 'must be a JSON object');
  const { rows, columns } = header as { rows?: unknown; columns?: unknown };
  if (!isIndex(rows) || rows < 1) fail('header.rows', 'must be an integer ≥ 1');
  if (rows > limits.maxEvents) throw new BatchTooManyRowsError(limits.maxEvents, rows);
  if (!Array.isArray(columns)) fail('header.columns', 'must be an array');
  if (columns.length > MAX_BATCH_COLUMNS) fail('header.columns', `${columns.length} columns, more than ${MAX_BATCH_COLUMNS}`);
  // Columns may share data and object columns have none: bound the values a small body can ask for.
  const values = rows * (columns.length + 1);
  if (values > MAX_VALUES_PER_BYTE * body.length) {
    fail('header', `${rows} rows × (${columns.length} columns + 1) = ${values} values, more than ${MAX_VALUES_PER_BYTE} per byte of the ${body.length}-byte body`);
  }

  const data = new DataSection(body, dataStart);
  const out: BatchColumn[] = [];
  const seen = new Set<string>();
  const objects = new Map<string, Extract<BatchColumn, { enc: 'object' }>>();
  for (let c = 0; c < columns.length; c++) {
    const spec: unknown = columns[c];
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) fail(`column #${c}`, 'must be a JSON object');
    const col = spec as Record<string, unknown>;
    const path = col.path;
    if (!Array.isArray(path) || (path.length !== 1 && path.length !== 2)) fail(`column #${c}`, 'path must be [key] or [key, subkey]');
    const where = `column ${JSON.stringify(path)}`;
    for (const key of path) {
      if (typeof key !== 'string') fail(where, 'path keys must be strings');
      if (key.length > MAX_BATCH_KEY_LENGTH) fail(where, `path key longer than ${MAX_BATCH_KEY_LENGTH} characters`);
    }
    const id = JSON.stringify(path);
    if (seen.has(id)) fail(where, 'path repeats an earlier column');
    seen.add(id);
    const parent = path.length === 2 ? objects.get(path[0] as string) : undefined;
    if (path.length === 2 && !parent) fail(where, `needs an earlier column [${JSON.stringify(path[0])}] of enc "object"`);
    const states = rowStates(col, rows, where);
    if (parent) {
      // A member exists only where its object does.
      const ps = parent.states;
      if (ps) for (let r = 0; r < rows; r++) if (ps[r] !== ROW_PRESENT && (!states || states[r] !== ROW_ABSENT)) fail(where, `row ${r} must be in absent: its object ${JSON.stringify([path[0]])} is ${ps[r] === ROW_NULL ? 'null' : 'absent'} there`);
    }
    const column = readColumn(col, path as [string] | [string, string], states, rows, data, where);
    if (parent) parent.children.push(column);
    else {
      out.push(column);
      if (column.enc === 'object') objects.set(path[0] as string, column);
    }
  }
  return { rows, columns: out };
}

/** The `absent` and `nulls` lists of a column as row states. */
function rowStates(col: Record<string, unknown>, rows: number, where: string): Uint8Array | null {
  let states: Uint8Array | null = null;
  for (const [name, state] of [
    ['absent', ROW_ABSENT],
    ['nulls', ROW_NULL],
  ] as const) {
    const list = col[name];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(where, `${name} must be an array of row indexes`);
    if (list.length > rows) fail(where, `${name} lists ${list.length} rows, more than the ${rows} rows`);
    if (list.length === 0) continue;
    states ??= new Uint8Array(rows);
    let last = -1;
    for (const r of list as unknown[]) {
      if (!isIndex(r) || r >= rows) fail(where, `${name} has ${JSON.stringify(r)}, not a row index below ${rows}`);
      if (r <= last) fail(where, `${name} must be sorted and distinct (${r} after ${last})`);
      if (states[r] !== ROW_PRESENT) fail(where, `row ${r} is in both absent and nulls`);
      states[r] = state;
      last = r;
    }
  }
  return states;
}

/** Bounds-checked, aligned typed views of the data section. */
class DataSection {
  constructor(
    private readonly body: Uint8Array,
    private readonly start: number,
  ) {}

  /** The body bytes at data offset `field` of `col`, `length` bytes long. */
  bytes(col: Record<string, unknown>, field: string, length: number, where: string): Uint8Array {
    const off = col[field];
    if (!isIndex(off)) fail(where, `${field} must be a non-negative integer offset`);
    if (off % 8 !== 0) fail(where, `${field} ${off} is not a multiple of 8`);
    const at = this.start + off;
    if (at + length > this.body.length) fail(where, `${field} ${off} + ${length} bytes runs past the end of the data section (${this.body.length - this.start} bytes)`);
    return this.body.subarray(at, at + length);
  }

  f64(col: Record<string, unknown>, field: string, n: number, where: string): Float64Array {
    return view(this.bytes(col, field, n * 8, where), 8, Float64Array);
  }

  uint(col: Record<string, unknown>, field: string, n: number, width: 1 | 2 | 4, where: string): Uint8Array | Uint16Array | Uint32Array {
    const b = this.bytes(col, field, n * width, where);
    return width === 1 ? b : width === 2 ? view(b, 2, Uint16Array) : view(b, 4, Uint32Array);
  }
}

type TypedCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T };

/** `b` as little-endian elements: a view when aligned (and the host is little-endian), else a copy. */
function view<T extends Float64Array | Uint16Array | Uint32Array>(b: Uint8Array, size: number, Ctor: TypedCtor<T>): T {
  const n = b.length / size;
  if (littleEndian) {
    if (b.byteOffset % size === 0) return new Ctor(b.buffer, b.byteOffset, n);
    const copy = new Uint8Array(b.length);
    copy.set(b);
    return new Ctor(copy.buffer, 0, n);
  }
  const out = new Ctor(n);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < n; i++) out[i] = size === 8 ? dv.getFloat64(i * 8, true) : size === 4 ? dv.getUint32(i * 4, true) : dv.getUint16(i * 2, true);
  return out;
}

function readColumn(col: Record<string, unknown>, path: [string] | [string, string], states: Uint8Array | null, rows: number, data: DataSection, where: string): BatchColumn {
  const enc = col.enc;
  const key = path[path.length - 1];
  switch (enc) {
    case 'f64': {
      const values = data.f64(col, 'data', rows, where);
      for (let r = 0; r < rows; r++) {
        const v = values[r];
        if (v - v !== 0 && (!states || states[r] === ROW_PRESENT)) fail(where, `row ${r} is ${v}, not finite (list it in nulls)`);
      }
      return { path, key, states, enc, values };
    }
    case 'dict': {
      const dict = col.dict;
      if (!Array.isArray(dict)) fail(where, 'dict must be an array');
      if (dict.length > MAX_BATCH_DICT) fail(where, `dict has ${dict.length} entries, more than ${MAX_BATCH_DICT}`);
      for (let k = 0; k < dict.length; k++) {
        const v: unknown = dict[k];
        if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') fail(where, `dict entry ${k} is not a scalar (string, number, boolean or null)`);
      }
      const width = col.width;
      if (width !== 1 && width !== 2 && width !== 4) fail(where, 'width must be 1, 2 or 4');
      const codes = data.uint(col, 'data', rows, width, where);
      for (let r = 0; r < rows; r++) {
        if (codes[r] >= dict.length && (!states || states[r] === ROW_PRESENT)) fail(where, `row ${r} has index ${codes[r]}, outside its ${dict.length}-entry dict`);
      }
      return { path, key, states, enc, dict, codes };
    }
    case 'utf8':
      return { path, key, states, enc, strings: readStrings(col, states, rows, data, where) };
    case 'json': {
      const values = col.values;
      if (!Array.isArray(values)) fail(where, 'values must be an array');
      if (values.length !== rows) fail(where, `values has ${values.length} entries for ${rows} rows`);
      return { path, key, states, enc, values };
    }
    case 'object':
      if (path.length !== 1) fail(where, 'enc "object" needs a path of one key');
      return { path, key, states, enc, children: [] };
    default:
      fail(where, `enc ${JSON.stringify(enc)} is not one of f64, dict, utf8, json, object`);
  }
}

/** The strings of a `utf8` column (undefined on absent and null rows). */
function readStrings(col: Record<string, unknown>, states: Uint8Array | null, rows: number, data: DataSection, where: string): (string | undefined)[] {
  const byteLength = col.byteLength;
  if (!isIndex(byteLength)) fail(where, 'byteLength must be a non-negative integer');
  const offsets = data.uint(col, 'offsets', rows + 1, 4, where);
  const bytes = data.bytes(col, 'bytes', byteLength, where);
  if (offsets[0] !== 0) fail(where, `offsets[0] is ${offsets[0]}, not 0`);
  if (offsets[rows] !== byteLength) fail(where, `offsets[${rows}] is ${offsets[rows]}, not byteLength ${byteLength}`);
  for (let r = 0; r < rows; r++) if (offsets[r + 1] < offsets[r]) fail(where, `offsets decrease at row ${r}`);
  const out = new Array<string | undefined>(rows);
  if (isAscii(bytes)) {
    // One string for the column, sliced per row (ASCII: bytes are characters).
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    for (let r = 0; r < rows; r++) out[r] = !states || states[r] === ROW_PRESENT ? text.slice(offsets[r], offsets[r + 1]) : undefined;
    return out;
  }
  for (let r = 0; r < rows; r++) {
    if (states && states[r] !== ROW_PRESENT) continue;
    try {
      out[r] = utf8.decode(bytes.subarray(offsets[r], offsets[r + 1]));
    } catch {
      fail(where, `row ${r} is not valid UTF-8`);
    }
  }
  return out;
}

/** Sets `key` as an own data property, as `JSON.parse` does (also for `__proto__`). */
function setKey(obj: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[key] = v;
}

/** The value of `col` on row `r`, which is neither absent nor null. */
export function valueAt(col: BatchColumn, r: number): unknown {
  switch (col.enc) {
    case 'f64':
      return col.values[r] + 0; // -0 reads as 0
    case 'dict':
      return col.dict[col.codes[r]];
    case 'utf8':
      return col.strings[r];
    case 'json':
      return col.values[r];
    case 'object': {
      const obj: Record<string, unknown> = {};
      fill(obj, col.children, r);
      return obj;
    }
  }
}

function fill(obj: Record<string, unknown>, columns: readonly BatchColumn[], r: number): void {
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c];
    const s = col.states === null ? ROW_PRESENT : col.states[r];
    if (s === ROW_ABSENT) continue;
    setKey(obj, col.key, s === ROW_NULL ? null : valueAt(col, r));
  }
}

/** The records of a validated batch, as plain objects. */
export function batchRecords(batch: EventBatchColumns): Record<string, unknown>[] {
  const out = new Array<Record<string, unknown>>(batch.rows);
  for (let r = 0; r < batch.rows; r++) {
    const rec: Record<string, unknown> = {};
    fill(rec, batch.columns, r);
    out[r] = rec;
  }
  return out;
}

/**
 * The records of a batch body: record *i* deep-equals `JSON.parse` of line *i*
 * of the equivalent NDJSON body. Throws {@link BatchFormatError} (400) or
 * {@link BatchTooManyRowsError} (413).
 */
export function decodeEventBatch(body: Uint8Array, limits: { maxEvents: number }): Record<string, unknown>[] {
  return batchRecords(readEventBatch(body, limits));
}
