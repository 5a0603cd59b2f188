/**
 * A columnar event batch (`application/vnd.modelwatch.batch`, specified in
 * packages/server/docs/event-batch-format.md): prediction events appended row
 * by row into columns (columns.ts), sealed into one request body.
 *
 * Record *i* of the body, decoded, is exactly `JSON.parse(predictionLine(e))`
 * (records.ts, the reference): the same keys in the same order, undefined
 * members left out, NaN and ±Infinity as null, `toJSON` and Dates applied,
 * arrays of features matched to their names. The common values take the fast
 * paths — numbers are stored as doubles, strings and booleans as dictionary
 * indexes, plain objects walked with `for…in` into per-key columns — and
 * anything else (a class instance, a value with `toJSON`, a nested object)
 * goes through its `JSON.stringify` text, so the result is the same by
 * construction; the property tests decode batches with the server's decoder
 * and compare.
 */
import { ID_PREFIX } from '../ids.js';
import { Column, DICT, F64, JSON_, OBJECT, UTF8 } from './columns.js';
import type { ColumnSet } from './columns.js';
import { PredictionEvent, recordLine } from './records.js';
import type { EventRecord } from './records.js';

export const BATCH_CONTENT_TYPE = 'application/vnd.modelwatch.batch';
const MAGIC = [0x4d, 0x57, 0x42, 0x31];
/** The format allows 4096 columns. */
const MAX_COLUMNS = 4096;

const OBJECT_PROTO = Object.prototype;
const EMPTY: object = Object.freeze({});

/** Whether the typed arrays are little-endian, as the format's are (the exporter sends NDJSON otherwise). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A record kept for a batch: a prediction, or a ready-made event record. */
export type BatchRecord = PredictionEvent | EventRecord;

export class EventBatch implements ColumnSet {
  columns = 0;
  readonly maxColumns = MAX_COLUMNS;
  /** Rows written (dropped ones included). */
  rows = 0;
  /** Rows before this one were dropped (the queue was full). */
  start = 0;
  /** The records of the rows, kept while the service may still refuse the format (see exporter.ts). */
  records: BatchRecord[] | null;
  private readonly root: Column;
  private readonly id: Column;
  private readonly ts: Column;
  private readonly version: Column;
  private readonly features: Column;
  private readonly prediction: Column;
  private readonly scores: Column;
  private readonly latency: Column;
  private readonly error: Column;
  private readonly tags: Column;
  /** The last feature names found to keep their order in an object (see {@link namesKeepOrder}). */
  private orderedNames: readonly string[] | null = null;
  private sealed: Buffer | null = null;

  constructor(
    /** Rows this batch will hold at most. */
    readonly capacity: number,
    keepRecords: boolean,
  ) {
    this.records = keepRecords ? [] : null;
    const root = (this.root = new Column(this, '', 0));
    root.begin(OBJECT);
    // A prediction's keys, in predictionLine's order.
    this.id = root.define('id');
    this.ts = root.define('ts');
    this.version = root.define('version');
    this.features = root.define('features');
    this.prediction = root.define('prediction');
    this.scores = root.define('scores');
    this.latency = root.define('latency_ms');
    this.error = root.define('error');
    this.tags = root.define('tags');
  }

  /** Empties the batch for reuse: its columns keep their arrays and cheap encodings (see Column.reset). */
  reset(keepRecords: boolean): void {
    this.rows = 0;
    this.start = 0;
    this.records = keepRecords ? [] : null;
    this.sealed = null;
    this.root.reset();
    this.columns = 0;
    for (const c of this.root.children) this.columns += 1 + c.children.length;
  }

  /** Rows queued (not dropped). */
  get count(): number {
    return this.rows - this.start;
  }

  /** Appends a prediction. Throws (nothing appended) when it cannot be JSON (BigInt, cycles). */
  add(e: PredictionEvent): void {
    const r = this.rows;
    protoClean = !enumerableInObjectPrototype();
    try {
      this.event(r, e);
    } catch (err) {
      this.root.filled = r + 1;
      this.root.truncate(r);
      throw err;
    }
    this.rows = r + 1;
    this.records?.push(e);
  }

  /**
   * The fast path of {@link add} for the common prediction, appended as it is
   * recorded (no PredictionEvent kept): features and scores plain objects
   * shaped like their columns with numbers and categories (a category new to
   * the batch is added to the column's dictionary, as add() would)
   * (Column.fastObject), scores also a number or absent, no tags, a primitive
   * prediction. Returns false, with nothing appended, for anything else: the
   * caller then appends the PredictionEvent with {@link add}. What is appended
   * decodes exactly as add() would have written it.
   */
  addPrediction(
    id: string | number | undefined,
    seq: number,
    ts: number | string,
    versionJson: string,
    features: unknown,
    prediction: unknown,
    scores: unknown,
    latencyMs: number,
    error: boolean,
    tags: unknown,
  ): boolean {
    if (this.records !== null || (tags !== undefined && tags !== null)) return false;
    if (prediction !== null && typeof prediction !== 'string' && typeof prediction !== 'number' && typeof prediction !== 'boolean' && prediction !== undefined) return false;
    if (features === null || typeof features !== 'object' || Array.isArray(features)) return false;
    // (Column.fastObject matches the keys for…in lists exactly, so an enumerable key on Object.prototype
    // fails it: no need for protoClean here.)
    if (!plainNoToJSON(features)) return false;
    const r = this.rows;
    if (!this.features.fastObject(r, features)) return false;
    if (scores !== undefined && scores !== null) {
      const ok =
        typeof scores === 'number'
          ? this.scores.fastValue(r, scores)
          : typeof scores === 'object' && !Array.isArray(scores) && plainNoToJSON(scores) && this.scores.fastObject(r, scores);
      if (!ok) {
        this.features.truncate(r);
        return false;
      }
    }
    // The rest as event() writes it (these writes cannot fail: the prediction is a primitive).
    this.scalars(r, id, seq, ts, versionJson, prediction, latencyMs, error);
    this.rows = r + 1;
    return true;
  }

  /**
   * Appends a ready-made record (`sendEvent`): its `recordLine` text read back.
   * Its keys come in the columns' order (the service reads them by name).
   */
  addRecord(rec: EventRecord): void {
    const r = this.rows;
    const line = recordLine(rec);
    protoClean = !enumerableInObjectPrototype();
    try {
      const obj: unknown = line === undefined ? EMPTY : JSON.parse(line);
      this.root.filled = r;
      this.root.object(r, obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? obj : EMPTY, member);
    } catch (err) {
      this.root.filled = r + 1;
      this.root.truncate(r);
      throw err;
    }
    this.rows = r + 1;
    this.records?.push(rec);
  }

  private event(r: number, e: PredictionEvent): void {
    this.scalars(r, e.id, e.seq, e.ts, e.versionJson, e.prediction, e.latencyMs, e.error);
    this.featuresOf(r, e.features, e.names);
    if (e.scores !== undefined && e.scores !== null) value(this.scores, r, e.scores);
    if (e.tags !== undefined && e.tags !== null) value(this.tags, r, e.tags);
  }

  /** A prediction's id, time, version, prediction, latency and error flag (every column but features, scores and tags). */
  private scalars(r: number, id: string | number | undefined, seq: number, ts: number | string, versionJson: string, prediction: unknown, latencyMs: number, error: boolean): void {
    if (id === undefined) this.id.generated(r, ID_PREFIX, seq);
    else value(this.id, r, id);
    if (typeof ts === 'number') this.ts.number(r, ts);
    else this.ts.string(r, ts);
    this.version.dictText(r, versionJson);
    if (prediction !== undefined) value(this.prediction, r, prediction);
    if (latencyMs >= 0) this.latency.number(r, Math.round(latencyMs * 1000) / 1000);
    if (error) this.error.boolean(r, true);
  }

  /** As records.ts `featuresJson`: an array matched to `names`, an object as JSON.stringify writes it, anything else `{}`. */
  private featuresOf(r: number, f: unknown, names: readonly string[] | null): void {
    const c = this.features;
    if (f === null || typeof f !== 'object') c.object(r, EMPTY, member);
    else if (Array.isArray(f)) {
      if (names === null) c.object(r, EMPTY, member);
      else if (names === this.orderedNames || namesKeepOrder(names)) {
        this.orderedNames = names;
        c.object(r, objectOf(f, names), member);
      } else parsed(c, r, JSON.stringify(objectOf(f, names)));
    } else if (isPlain(f)) c.object(r, f, member);
    else parsed(c, r, JSON.stringify(f) ?? '{}');
  }

  /** The request body (sealed once; later calls return it again). */
  body(spare: Buffer | null = null): Buffer {
    return (this.sealed ??= this.seal(spare));
  }

  /** The body buffer, for reuse once the batch is sent. */
  get buffer(): Buffer | null {
    return this.sealed;
  }

  private seal(spare: Buffer | null): Buffer {
    const s = this.start;
    const end = this.rows;
    const rows = end - s;
    const heads: string[] = [];
    const parts: { c: Column; off: number; off2: number }[] = [];
    let size = 0;
    const place = (bytes: number) => {
      const off = size;
      size += (bytes + 7) & ~7;
      return off;
    };
    const emit = (c: Column, path: string) => {
      c.finish(end);
      if (c.allAbsent(s, end)) return false;
      let h = `{"path":${path},"enc":`;
      switch (c.kind) {
        case F64: {
          const off = place(rows * 8);
          parts.push({ c, off, off2: 0 });
          h += `"f64","data":${off}`;
          break;
        }
        case DICT: {
          const width = c.dictTexts.length <= 256 ? 1 : 2;
          const off = place(rows * width);
          parts.push({ c, off, off2: width });
          h += `"dict","dict":[${c.dictTexts.join(',')}],"width":${width},"data":${off}`;
          break;
        }
        case UTF8: {
          const off = place((rows + 1) * 4);
          const byteLength = c.offsets[end] - c.offsets[s];
          const off2 = place(byteLength);
          parts.push({ c, off, off2 });
          h += `"utf8","offsets":${off},"bytes":${off2},"byteLength":${byteLength}`;
          break;
        }
        case JSON_:
          h += `"json","values":[${(s === 0 ? c.json : c.json.slice(s)).join(',')}]`;
          break;
        default:
          h += '"object"';
      }
      if (c.nulls.length > 0) h += rowList(',"nulls":', c.nulls, s);
      if (c.absent.length > 0) h += rowList(',"absent":', c.absent, s);
      heads.push(h + '}');
      return true;
    };
    for (const c of this.root.children) {
      if (c.kind === 0) continue; // never given a value
      const key = JSON.stringify(c.key);
      if (!emit(c, `[${key}]`) || c.kind !== OBJECT) continue;
      for (const sub of c.children) if (sub.kind !== 0) emit(sub, `[${key},${JSON.stringify(sub.key)}]`);
    }
    const header = `{"rows":${rows},"columns":[${heads.join(',')}]}`;
    const h = Buffer.byteLength(header, 'utf8');
    const d = (8 + h + 7) & ~7;
    // The spec allows rows × (columns + 1) values for at most twice the body's bytes. Events meet
    // it by far (every column but `object` costs a byte per row, ts eight); ready-made records made
    // of empty objects might not: zero padding at the end (free after gzip) makes up the bytes.
    const total = Math.max(d + size, Math.ceil((rows * (heads.length + 1)) / 2));
    // A new buffer has room to spare (whole pages, +1/8), so that it fits the next bodies when reused.
    const buf = spare !== null && spare.length >= total ? spare.subarray(0, total) : Buffer.allocUnsafeSlow((total + (total >> 3) + 4095) & ~4095).subarray(0, total);
    for (let i = 0; i < 4; i++) buf[i] = MAGIC[i];
    buf.writeUInt32LE(h, 4);
    buf.write(header, 8, 'utf8');
    // Zero padding (a reused buffer holds an older body): after the header and after each array.
    buf.fill(0, 8 + h, d);
    buf.fill(0, d + size, total);
    for (const { c, off, off2 } of parts) {
      const at = d + off;
      if (c.kind === F64) buf.fill(0, at + rows * 8, at + ((rows * 8 + 7) & ~7));
      else if (c.kind === DICT) buf.fill(0, at + rows * off2, at + ((rows * off2 + 7) & ~7));
      else {
        const n = c.offsets[end] - c.offsets[s];
        buf.fill(0, at + (rows + 1) * 4, at + (((rows + 1) * 4 + 7) & ~7));
        buf.fill(0, d + off2 + n, d + off2 + ((n + 7) & ~7));
      }
    }
    for (const { c, off, off2 } of parts) {
      const at = d + off;
      switch (c.kind) {
        case F64:
          copyBytes(buf, at, c.f64, s * 8, rows * 8);
          break;
        case DICT:
          if (off2 === 2) copyBytes(buf, at, c.idx, s * 2, rows * 2);
          else for (let i = 0; i < rows; i++) buf[at + i] = c.idx[s + i];
          break;
        case UTF8: {
          const base = c.offsets[s];
          if (base === 0) copyBytes(buf, at, c.offsets, s * 4, (rows + 1) * 4);
          else for (let i = 0; i <= rows; i++) buf.writeUInt32LE(c.offsets[s + i] - base, at + i * 4);
          c.bytes.copy(buf, d + off2, base, c.offsets[end]);
          break;
        }
      }
    }
    return buf;
  }
}

/** The batch of `events` (for tests and tools). Throws on an event that cannot be JSON. */
export function encodeEvents(events: readonly PredictionEvent[]): Buffer {
  const b = new EventBatch(Math.max(1, events.length), false);
  for (const e of events) b.add(e);
  return b.body();
}

function copyBytes(dst: Buffer, at: number, src: ArrayBufferView, from: number, n: number): void {
  dst.set(new Uint8Array(src.buffer, src.byteOffset + from, n), at);
}

/** `,"absent":[…]` with the rows from `s` on, counted from `s`. */
function rowList(name: string, list: number[], s: number): string {
  if (s === 0) return `${name}[${list.join(',')}]`;
  let i = 0;
  while (i < list.length && list[i] < s) i++;
  if (i === list.length) return '';
  let out = `${name}[${list[i] - s}`;
  for (i++; i < list.length; i++) out += `,${list[i] - s}`;
  return out + ']';
}

/** A plain object without a `toJSON` (own or inherited): JSON.stringify writes its own enumerable keys. */
function plainNoToJSON(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  return (proto === OBJECT_PROTO || proto === null) && typeof (o as { toJSON?: unknown }).toJSON !== 'function';
}

/** A plain object (JSON.stringify writes its own enumerable keys, as for…in lists them). */
function isPlain(o: object): boolean {
  return plainNoToJSON(o) && protoClean;
}

/** Nothing enumerable on Object.prototype (checked once per record): for…in lists an object's own keys only. */
let protoClean = true;

/** A top-level value, as records.ts `valueJson` writes it (`JSON.stringify(v) ?? 'null'`). */
function value(c: Column, r: number, v: unknown): void {
  switch (typeof v) {
    case 'number':
      c.number(r, v);
      return;
    case 'string':
      c.string(r, v);
      return;
    case 'boolean':
      c.boolean(r, v);
      return;
    case 'object':
      if (v === null) c.null(r);
      else if (!Array.isArray(v) && isPlain(v)) c.object(r, v, member);
      else parsed(c, r, JSON.stringify(v) ?? 'null');
      return;
    case 'bigint':
      JSON.stringify(v); // throws, as predictionLine does
      return;
    default:
      c.null(r); // undefined, a function, a symbol
  }
}

/** A member `k` of an object (its value not undefined, a function or a symbol). */
function member(c: Column, r: number, k: string, v: unknown): void {
  switch (typeof v) {
    case 'number':
      c.number(r, v);
      return;
    case 'string':
      c.string(r, v);
      return;
    case 'boolean':
      c.boolean(r, v);
      return;
    case 'object': {
      if (v === null) {
        c.null(r);
        return;
      }
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        // toJSON is given the member's key: stringify the member inside an object and cut it out.
        const text = JSON.stringify({ [k]: v });
        if (text.length > 2) parsed(c, r, text.slice(JSON.stringify(k).length + 2, -1));
        return;
      }
      if (c.depth < 2 && !Array.isArray(v) && isPlain(v)) c.object(r, v, member);
      else parsed(c, r, JSON.stringify(v));
      return;
    }
    default:
      JSON.stringify(v); // a BigInt: throws, as JSON.stringify of the whole object does
  }
}

/** A value given by its JSON text (its own JSON.stringify output: plain JSON from here on). */
function parsed(c: Column, r: number, text: string): void {
  const ch = text.charCodeAt(0);
  if (ch === 0x5b /* [ */ || (ch === 0x7b /* { */ && c.depth >= 2)) c.jsonText(r, text);
  else if (ch === 0x7b) c.object(r, JSON.parse(text) as object, member);
  else {
    const v = JSON.parse(text) as string | number | boolean | null;
    if (typeof v === 'number') c.number(r, v);
    else if (typeof v === 'string') c.string(r, v);
    else if (typeof v === 'boolean') c.boolean(r, v);
    else c.null(r);
  }
}

/** The object records.ts builds from feature names and an array of values. */
function objectOf(values: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) obj[names[i]] = values[i];
  return obj;
}

/**
 * Whether an object built from these names is a plain object that
 * JSON.stringify writes as for…in lists it: not when a name is `__proto__`
 * (assigning it sets the prototype) or `toJSON` (a function there would
 * replace the object).
 */
function namesKeepOrder(names: readonly string[]): boolean {
  for (const n of names) if (n === '__proto__' || n === 'toJSON') return false;
  return true;
}

/** Whether anything enumerable was added to Object.prototype (for-in would list it after an object's own keys). */
function enumerableInObjectPrototype(): boolean {
  for (const _ in OBJECT_PROTO) return true;
  return false;
}

export { PredictionEvent };
