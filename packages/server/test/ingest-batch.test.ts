/**
 * The columnar event batch (`application/vnd.modelwatch.batch`,
 * docs/event-batch-format.md): a reference encoder written here from the spec,
 * a round-trip property against `JSON.parse(JSON.stringify(record))`, one
 * malformed body per rule of the spec, and the HTTP route compared with NDJSON.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BatchFormatError, BatchTooManyRowsError, decodeEventBatch } from '../src/ingest/batch-decode.js';

// ---------------------------------------------------------------------------
// Reference encoder (test only): records → body, by the spec, simply.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Enc = 'f64' | 'dict' | 'utf8' | 'json';

/** Choices an encoder may make freely; the decoded records must not depend on them. */
export interface EncodeChoices {
  /** Picks among the encodings valid for a column (called once per column). */
  pick?: (valid: readonly string[], column: number) => string;
  /** Dictionary index width, when wider than needed is wanted. */
  width?: (needed: 1 | 2 | 4, column: number) => 1 | 2 | 4;
}

const ABSENT = Symbol('absent');
type Cell = Json | typeof ABSENT;

interface ColumnOut {
  header: Record<string, unknown>;
  chunks: { field: string; bytes: Uint8Array }[];
}

function isObj(v: Cell): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rowLists(cells: readonly Cell[]): { absent: number[]; nulls: number[] } {
  const absent: number[] = [];
  const nulls: number[] = [];
  cells.forEach((v, r) => {
    if (v === ABSENT) absent.push(r);
    else if (v === null) nulls.push(r);
  });
  return { absent, nulls };
}

function withLists(header: Record<string, unknown>, cells: readonly Cell[], nullsAsValues: boolean): Record<string, unknown> {
  const { absent, nulls } = rowLists(cells);
  if (absent.length) header.absent = absent;
  if (nulls.length && !nullsAsValues) header.nulls = nulls;
  return header;
}

/** A leaf column (f64, dict, utf8 or json) of `cells`. */
function leafColumn(path: string[], cells: readonly Cell[], choices: EncodeChoices, index: number): ColumnOut {
  const present = cells.filter((v): v is Json => v !== ABSENT && v !== null);
  const valid: Enc[] = ['json'];
  if (present.every((v) => typeof v === 'number')) valid.push('f64');
  if (present.every((v) => typeof v !== 'object')) valid.push('dict');
  if (present.every((v) => typeof v === 'string' && v.isWellFormed())) valid.push('utf8');
  const enc = (choices.pick?.(valid, index) ?? valid[valid.length - 1]) as Enc;
  const rows = cells.length;
  switch (enc) {
    case 'f64': {
      const values = new Float64Array(rows);
      // Ignored slots get hostile fillers; 0 is written as -0 (it reads as 0).
      cells.forEach((v, r) => (values[r] = typeof v === 'number' ? (v === 0 ? -0 : v) : r % 2 ? NaN : -Infinity));
      return { header: withLists({ path, enc }, cells, false), chunks: [{ field: 'data', bytes: new Uint8Array(values.buffer) }] };
    }
    case 'dict': {
      const dict: Json[] = [];
      const index = new Map<Json, number>();
      const codes = cells.map((v) => {
        if (v === ABSENT) return 0xffff; // ignored: may be out of range
        let k = index.get(v);
        if (k === undefined) {
          k = dict.length;
          dict.push(v);
          index.set(v, k);
        }
        return k;
      });
      const needed = dict.length <= 0x100 ? 1 : dict.length <= 0x10000 ? 2 : 4;
      const width = choices.width?.(needed, index) ?? needed;
      const bytes = new Uint8Array(rows * width);
      const dv = new DataView(bytes.buffer);
      codes.forEach((k, r) => {
        if (width === 1) dv.setUint8(r, k & 0xff);
        else if (width === 2) dv.setUint16(r * 2, k, true);
        else dv.setUint32(r * 4, k, true);
      });
      return { header: withLists({ path, enc, dict, width }, cells, true), chunks: [{ field: 'data', bytes }] };
    }
    case 'utf8': {
      // Ignored rows: invalid UTF-8 in odd columns, nothing in even ones (which keeps all-ASCII columns ASCII).
      const filler = Buffer.from(index % 2 ? [0xff, 0xc0] : []);
      const parts = cells.map((v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : filler));
      const bytes = Buffer.concat(parts);
      const offsets = new Uint32Array(rows + 1);
      parts.forEach((p, r) => (offsets[r + 1] = offsets[r] + p.length));
      return {
        header: withLists({ path, enc, byteLength: bytes.length }, cells, false),
        chunks: [
          { field: 'offsets', bytes: new Uint8Array(offsets.buffer) },
          { field: 'bytes', bytes },
        ],
      };
    }
    case 'json':
      return { header: withLists({ path, enc, values: cells.map((v) => (v === ABSENT ? { ignored: true } : v)) }, cells, true), chunks: [] };
  }
}

/** Keys of `objects` in first-seen order. */
function keysOf(objects: readonly Cell[]): string[] {
  const keys = new Set<string>();
  for (const o of objects) if (isObj(o)) for (const k of Object.keys(o)) keys.add(k);
  return [...keys];
}

/** The columns of the records (already JSON values). */
function columnsOf(records: readonly { [k: string]: Json }[], choices: EncodeChoices): ColumnOut[] {
  const out: ColumnOut[] = [];
  for (const key of keysOf(records)) {
    const cells: Cell[] = records.map((rec) => (Object.prototype.hasOwnProperty.call(rec, key) ? rec[key] : ABSENT));
    const objectish = cells.every((v) => v === ABSENT || v === null || isObj(v)) && cells.some(isObj);
    if (objectish && (choices.pick?.(['json', 'object'], out.length) ?? 'object') === 'object') {
      out.push({ header: withLists({ path: [key], enc: 'object' }, cells, false), chunks: [] });
      for (const sub of keysOf(cells)) {
        const subCells: Cell[] = cells.map((o) => (isObj(o) && Object.prototype.hasOwnProperty.call(o, sub) ? o[sub] : ABSENT));
        out.push(leafColumn([key, sub], subCells, choices, out.length));
      }
    } else out.push(leafColumn([key], cells, choices, out.length));
  }
  return out;
}

/** The batch body of `records` (any values; they are taken as `JSON.stringify` writes them). */
export function encodeBatch(records: readonly unknown[], choices: EncodeChoices = {}): Buffer {
  const json = records.map((r) => JSON.parse(JSON.stringify(r)) as { [k: string]: Json });
  const columns = columnsOf(json, choices);
  const data: Uint8Array[] = [];
  let at = 0;
  for (const col of columns) {
    for (const { field, bytes } of col.chunks) {
      col.header[field] = at;
      data.push(bytes);
      const padded = Math.ceil(bytes.length / 8) * 8;
      if (padded > bytes.length) data.push(new Uint8Array(padded - bytes.length));
      at += padded;
    }
  }
  return assemble({ rows: records.length, columns: columns.map((c) => c.header) }, Buffer.concat(data));
}

/** Magic, header length, header, zero padding to 8, data. */
export function assemble(header: unknown, data: Uint8Array, rawHeader?: Buffer): Buffer {
  const h = rawHeader ?? Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(8);
  pre.write('MWB1', 0, 'latin1');
  pre.writeUInt32LE(h.length, 4);
  const pad = Buffer.alloc((8 - ((8 + h.length) % 8)) % 8);
  return Buffer.concat([pre, h, pad, data]);
}

// ---------------------------------------------------------------------------
// Generated hostile records.

const key = fc.oneof(
  fc.constantFrom('id', 'ts', 'version', 'features', 'scores', 'tags', 'prediction', '__proto__', '', 'constructor', '1', 'é'),
  fc.string({ maxLength: 6, unit: 'binary' }),
);
const leaf = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e308, 5e-324),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udfff', 'a', '😀', '\u0000', '\ufeff'), maxLength: 6 }),
  fc.string({ unit: 'grapheme', minLength: 300, maxLength: 400 }),
);
const nested = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(key, leaf, { maxKeys: 3 }));
const member = fc.oneof(nested, fc.dictionary(key, nested, { maxKeys: 5 }));
const record = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(key, member, { maxKeys: 8 }) },
  { weight: 1, arbitrary: fc.constant({}) },
);
const choices = fc.record({
  seed: fc.integer({ min: 0, max: 1 << 20 }),
  wide: fc.boolean(),
});

function choicesOf(c: { seed: number; wide: boolean }): EncodeChoices {
  return {
    pick: (valid, column) => valid[(c.seed + column * 7919) % valid.length],
    width: (needed, column) => (c.wide && column % 2 ? 4 : needed),
  };
}

describe('event batch: decode(encode(records)) = JSON records', () => {
  test('generated hostile records round-trip', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), choices, (records, c) => {
        const expected = records.map((r) => JSON.parse(JSON.stringify(r)));
        assert.deepStrictEqual(decodeEventBatch(encodeBatch(records, choicesOf(c)), { maxEvents: 1000 }), expected);
      }),
      { numRuns: 400 },
    );
  });

  test('special keys and values come back as JSON.parse gives them', () => {
    const records = [{ __proto__: null, a: -0 }, JSON.parse('{"__proto__": {"x": 1}, "b": "\\ud83d\\ude00"}'), { c: { __proto__: 5 } }];
    const decoded = decodeEventBatch(encodeBatch(records), { maxEvents: 10 });
    assert.deepStrictEqual(decoded, records.map((r) => JSON.parse(JSON.stringify(r))));
    assert.ok(Object.prototype.hasOwnProperty.call(decoded[1], '__proto__'));
    assert.equal(Object.getPrototypeOf(decoded[1]), Object.prototype);
    assert.ok(Object.is(decoded[0].a, 0));
  });

  test('rows above the limit throw BatchTooManyRowsError', () => {
    const body = encodeBatch([{ a: 1 }, { a: 2 }, { a: 3 }]);
    assert.throws(() => decodeEventBatch(body, { maxEvents: 2 }), (e: unknown) => e instanceof BatchTooManyRowsError && e.max === 2 && e.got === 3);
    assert.equal(decodeEventBatch(body, { maxEvents: 3 }).length, 3);
    assert.ok(new BatchTooManyRowsError(1, 2) instanceof BatchFormatError);
  });
});
