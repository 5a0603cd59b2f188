/**
 * The columnar event batch (`application/vnd.modelwatch.batch`,
 * docs/event-batch-format.md): a reference encoder written here from the spec,
 * a round-trip property against `JSON.parse(JSON.stringify(record))`, one
 * malformed body per rule of the spec, and the HTTP route compared with NDJSON.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import { BatchFormatError, BatchTooManyRowsError, batchRecords, decodeEventBatch, readEventBatch } from '../src/ingest/batch-decode.js';
import { prepareBatchEvents } from '../src/ingest/batch-rows.js';
import { compileEventPlan, prepareEvents } from '../src/ingest/events.js';
import { SCHEMA, T0, event, tempDir } from './helpers/fixtures.js';

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

/** No lone surrogates (they cannot be UTF-8). */
function wellFormed(s: string): boolean {
  return Buffer.from(s, 'utf8').toString('utf8') === s;
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
  if (present.every((v) => typeof v === 'string' && wellFormed(v))) valid.push('utf8');
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
      const seen = new Map<Json, number>();
      const listed = index % 3 === 0; // nulls listed, their stored index ignored
      const codes = cells.map((v) => {
        if (v === ABSENT || (listed && v === null)) return 0xffff; // ignored: may be out of range
        let k = seen.get(v);
        if (k === undefined) {
          k = dict.length;
          dict.push(v);
          seen.set(v, k);
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
      return { header: withLists({ path, enc, dict, width }, cells, !listed), chunks: [{ field: 'data', bytes }] };
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
    case 'json': {
      const listed = index % 3 === 0; // nulls listed, their values ignored
      const values = cells.map((v) => (v === ABSENT || (listed && v === null) ? { ignored: true } : v));
      return { header: withLists({ path, enc, values }, cells, !listed), chunks: [] };
    }
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
  assert.ok(json.every((r) => isObj(r)), 'a batch carries JSON objects only');
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
    width: (needed, column) => (c.wide ? (column % 2 ? 4 : needed === 1 ? 2 : needed) : needed),
  };
}

describe('event batch: decode(encode(records)) = JSON records', () => {
  test('generated hostile records round-trip', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), choices, (records, c) => {
        const expected = records.map((r) => JSON.parse(JSON.stringify(r)));
        const body = encodeBatch(records, choicesOf(c));
        assert.deepStrictEqual(decodeEventBatch(body, { maxEvents: 1000 }), expected);
        // At an odd address, typed arrays cannot view the body: the same records.
        const odd = new Uint8Array(new ArrayBuffer(body.length + 1), 1);
        odd.set(body);
        assert.deepStrictEqual(decodeEventBatch(odd, { maxEvents: 1000 }), expected);
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

// ---------------------------------------------------------------------------
// Column-wise preparation (batch-rows.ts) = acceptParsed over the rebuilt records.

const featureKey = fc.constantFrom('amount', 'country', 'is_new', 'signup', 'channel', 'label', 'colour', '1', '10', '2', '01', '__proto__', '', 'a.b', '4294967295');
const eventish = fc.record(
  {
    id: fc.oneof({ weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.constant(''), fc.double()) }),
    ts: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: T0, max: T0 + 1e9 }) }, { weight: 1, arbitrary: fc.constantFrom('2024-01-01T00:00:00Z', 'bad', null, NaN) }),
    version: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('v1', 'v2') }, { weight: 1, arbitrary: fc.constantFrom(3, null, '', true) }),
    features: fc.oneof({ weight: 8, arbitrary: fc.dictionary(featureKey, fc.oneof(leaf, fc.array(leaf, { maxLength: 2 })), { maxKeys: 9 }) }, { weight: 1, arbitrary: fc.constantFrom(null, 'x', [1], 0) }),
    prediction: leaf,
    scores: fc.oneof(fc.dictionary(fc.constantFrom('1', 'p_fraud', 'x', '0'), leaf, { maxKeys: 3 }), fc.array(fc.double(), { maxLength: 2 }), fc.double(), fc.constant(null)),
    latency_ms: fc.oneof(fc.double(), fc.constant(null)),
    error: fc.oneof(fc.boolean(), fc.constant('no')),
    tags: fc.oneof(fc.dictionary(fc.constantFrom('channel', 'a', '1'), fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null), fc.constant([])), { maxKeys: 3 }), fc.constant(null), fc.constant(5)),
    extra: leaf,
  },
  { requiredKeys: ['id', 'ts', 'features'] },
);

describe('event batch: prepared column by column = acceptParsed over the rebuilt records', () => {
  const model = { name: 'm', task: 'binary' as const, schema: SCHEMA, versions: ['v1', 'v2'], generation: 1, createdAt: T0, updatedAt: T0 };
  const plans = [compileEventPlan(model), compileEventPlan({ ...model, versions: ['v1'], schema: { ...SCHEMA, columns: SCHEMA.columns.filter((c) => c.role !== 'prediction' && c.role !== 'score') } })];

  test('generated event-like records, any encodings (property)', () => {
    fc.assert(
      fc.property(fc.array(eventish, { minLength: 1, maxLength: 30 }), choices, fc.nat(1), (records, c, p) => {
        const batch = readEventBatch(encodeBatch(records, choicesOf(c)), { maxEvents: 1000 });
        const want = prepareEvents(batchRecords(batch), plans[p]);
        assert.deepStrictEqual(prepareBatchEvents(batch, plans[p]), want);
      }),
      { numRuns: 500 },
    );
  });

  test('unknown feature names come in for…in order (integer keys first), as from the object', () => {
    const rec = { id: 'a', ts: T0, version: 'v1', features: { zeta: 1, '10': 2, amount: 3, '2': 4, alpha: 5, '01': 6 } };
    const batch = readEventBatch(encodeBatch([rec]), { maxEvents: 1 });
    const got = prepareBatchEvents(batch, plans[0]);
    assert.equal(got.batch.dqUnknownColumns[0], prepareEvents([rec], plans[0]).batch.dqUnknownColumns[0]);
    assert.deepEqual(got.quality.unknownColumns, ['2', '10', 'zeta', 'alpha', '01']);
  });
});

// ---------------------------------------------------------------------------
// Malformed bodies: one case per rule of the spec.

const T = Date.UTC(2024, 0, 1);
const BASE = [
  { id: 'a', ts: T, version: 'v1', features: { amount: 1.5, country: 'NL' }, note: 'héllo' },
  { id: 'b', ts: T + 1, version: 'v1', features: { amount: 2.5 }, note: 'x' },
  { id: 'c', ts: T + 2, version: 'v1', note: null },
];
/** BASE's columns: 0 id utf8, 1 ts f64, 2 version dict, 3 features object, 4 features.amount f64, 5 features.country dict, 6 note utf8. */
const BASE_CHOICES: EncodeChoices = {
  pick: (valid, i) => {
    const want = ({ 2: 'dict', 5: 'dict' } as Record<number, string>)[i];
    return want && valid.includes(want) ? want : (['utf8', 'f64', 'object', 'json'].find((e) => valid.includes(e)) ?? 'json');
  },
};

/** A body's parts: header (parsed), data section. */
function split(body: Buffer): { header: any; data: Buffer } {
  const h = body.readUInt32LE(4);
  return { header: JSON.parse(body.subarray(8, 8 + h).toString('utf8')), data: body.subarray(Math.ceil((8 + h) / 8) * 8) };
}

function baseBody(): { header: any; data: Buffer } {
  return split(encodeBatch(BASE, BASE_CHOICES));
}

/** BASE with `edit` applied to its header (and data). */
function edited(edit: (header: any, data: Buffer) => void): Buffer {
  const { header, data } = baseBody();
  const copy = Buffer.from(data);
  edit(header, copy);
  return assemble(header, copy);
}

const f64At = (data: Buffer, header: any, column: number, row: number, v: number) => data.writeDoubleLE(v, header.columns[column].data + row * 8);

const MALFORMED: [rule: string, body: () => Buffer, message: RegExp][] = [
  ['body shorter than the preamble', () => Buffer.from('MWB1'), /^body: .*shorter/],
  ['bad magic', () => Buffer.concat([Buffer.from('MWB2'), encodeBatch(BASE).subarray(4)]), /^body: .*magic "MWB1"/],
  ['header length past the end', () => { const b = encodeBatch(BASE); b.writeUInt32LE(b.length, 4); return b; }, /^header: length \d+ runs past the end/],
  ['header not JSON', () => assemble(null, Buffer.alloc(0), Buffer.from('{"rows": 1,')), /^header: not UTF-8 JSON/],
  ['header not UTF-8', () => assemble(null, Buffer.alloc(0), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), /^header: not UTF-8 JSON/],
  ['header not an object', () => assemble([1, 2], Buffer.alloc(0)), /^header: must be a JSON object/],
  ['padding not zero', () => { const b = assemble({ rows: 1, columns: [] }, Buffer.alloc(0), Buffer.from('{"rows":1,"columns":[]}')); b[b.length - 1] = 7; return b; }, /^header: padding byte at offset \d+ is not zero/],
  ['padding past the end', () => assemble({ rows: 1, columns: [] }, Buffer.alloc(0), Buffer.from('{"rows":1,"columns":[]}')).subarray(0, 8 + 23), /^header: padding to offset 32 runs past the end/],
  ['rows not an integer', () => edited((h) => (h.rows = 2.5)), /^header\.rows: must be an integer/],
  ['rows zero', () => assemble({ rows: 0, columns: [] }, Buffer.alloc(0)), /^header\.rows: must be an integer ≥ 1/],
  ['columns not an array', () => assemble({ rows: 1, columns: {} }, Buffer.alloc(0)), /^header\.columns: must be an array/],
  ['too many columns', () => assemble({ rows: 1, columns: Array.from({ length: 4097 }, (_, i) => ({ path: [`k${i}`], enc: 'json', values: [1] })) }, Buffer.alloc(0)), /^header\.columns: 4097 columns, more than 4096/],
  ['more values than the body can hold', () => assemble({ rows: 90, columns: Array.from({ length: 50 }, (_, i) => ({ path: [`o${i}`], enc: 'object' })) }, Buffer.alloc(0)), /^header: 90 rows × \(50 columns \+ 1\) = 4590 values, more than 2 per byte of the \d+-byte body/],
  ['column not an object', () => edited((h) => h.columns.push('x')), /^column #7: must be a JSON object/],
  ['path of three keys', () => edited((h) => (h.columns[4].path = ['features', 'amount', 'x'])), /^column #4: path must be \[key\] or \[key, subkey\]/],
  ['path key not a string', () => edited((h) => (h.columns[6].path = [7])), /^column \[7\]: path keys must be strings/],
  ['path key too long', () => edited((h) => (h.columns[6].path = ['n'.repeat(257)])), /^column \["n{257}"\]: path key longer than 256/],
  ['repeated path', () => edited((h) => (h.columns[6].path = ['id'])), /^column \["id"\]: path repeats an earlier column/],
  ['subkey without an object column', () => edited((h) => (h.columns[6].path = ['nope', 'x'])), /^column \["nope","x"\]: needs an earlier column \["nope"\] of enc "object"/],
  ['subkey of a non-object column', () => edited((h) => (h.columns[6].path = ['ts', 'x'])), /^column \["ts","x"\]: needs an earlier column \["ts"\] of enc "object"/],
  ['subkey before its object column', () => edited((h) => ([h.columns[3], h.columns[4]] = [h.columns[4], h.columns[3]])), /^column \["features","amount"\]: needs an earlier column \["features"\]/],
  ['member present where its object is absent', () => edited((h) => (h.columns[5].absent = [1])), /^column \["features","country"\]: row 2 must be in absent: its object \["features"\] is absent/],
  ['member present where its object is null', () => edited((h) => { delete h.columns[3].absent; h.columns[3].nulls = [2]; h.columns[4].absent = [2]; h.columns[5].absent = [1]; }), /^column \["features","country"\]: row 2 must be in absent: its object \["features"\] is null/],
  ['unknown enc', () => edited((h) => (h.columns[1].enc = 'f32')), /^column \["ts"\]: enc "f32" is not one of/],
  ['object column of a subkey path', () => edited((h) => (h.columns[4].enc = 'object')), /^column \["features","amount"\]: enc "object" needs a path of one key/],
  ['offset not a multiple of 8', () => edited((h) => (h.columns[1].data += 4)), /^column \["ts"\]: data \d+ is not a multiple of 8/],
  ['offset not an integer', () => edited((h) => (h.columns[1].data = -8)), /^column \["ts"\]: data must be a non-negative integer offset/],
  ['offset missing', () => edited((h) => delete h.columns[1].data), /^column \["ts"\]: data must be a non-negative integer offset/],
  ['data past the end', () => edited((h, d) => (h.columns[1].data = d.length)), /^column \["ts"\]: data \d+ \+ 24 bytes runs past the end of the data section/],
  ['f64 not finite', () => edited((h, d) => f64At(d, h, 1, 1, Infinity)), /^column \["ts"\]: row 1 is Infinity, not finite \(list it in nulls\)/],
  ['f64 NaN', () => edited((h, d) => f64At(d, h, 4, 0, NaN)), /^column \["features","amount"\]: row 0 is NaN, not finite/],
  ['dict not an array', () => edited((h) => (h.columns[2].dict = 'v1')), /^column \["version"\]: dict must be an array/],
  ['dict too long', () => edited((h) => (h.columns[2].dict = Array.from({ length: 65537 }, (_, i) => i))), /^column \["version"\]: dict has 65537 entries, more than 65536/],
  ['dict entry not a scalar', () => edited((h) => h.columns[2].dict.push({ a: 1 })), /^column \["version"\]: dict entry 1 is not a scalar/],
  ['width not 1, 2 or 4', () => edited((h) => (h.columns[2].width = 3)), /^column \["version"\]: width must be 1, 2 or 4/],
  ['index outside the dict', () => edited((h, d) => (d[h.columns[5].data] = 9)), /^column \["features","country"\]: row 0 has index 9, outside its 1-entry dict/],
  ['utf8 byteLength missing', () => edited((h) => delete h.columns[0].byteLength), /^column \["id"\]: byteLength must be a non-negative integer/],
  ['utf8 offsets not from 0', () => edited((h, d) => d.writeUInt32LE(1, h.columns[0].offsets)), /^column \["id"\]: offsets\[0\] is 1, not 0/],
  ['utf8 offsets not to byteLength', () => edited((h) => (h.columns[0].byteLength = 2)), /^column \["id"\]: offsets\[3\] is 3, not byteLength 2/],
  ['utf8 offsets decreasing', () => edited((h, d) => d.writeUInt32LE(3, h.columns[0].offsets + 4)), /^column \["id"\]: offsets decrease at row 1/],
  ['invalid UTF-8', () => edited((h, d) => (d[h.columns[6].bytes + 1] = 0xff)), /^column \["note"\]: row 0 is not valid UTF-8/],
  ['json values not an array', () => edited((h) => h.columns.push({ path: ['j'], enc: 'json', values: 1 })), /^column \["j"\]: values must be an array/],
  ['json values of the wrong length', () => edited((h) => h.columns.push({ path: ['j'], enc: 'json', values: [1, 2] })), /^column \["j"\]: values has 2 entries for 3 rows/],
  ['absent not an array', () => edited((h) => (h.columns[1].absent = 1)), /^column \["ts"\]: absent must be an array of row indexes/],
  ['absent longer than rows', () => edited((h) => (h.columns[1].absent = [0, 1, 2, 3])), /^column \["ts"\]: absent lists 4 rows, more than the 3 rows/],
  ['absent not sorted', () => edited((h) => (h.columns[1].absent = [2, 1])), /^column \["ts"\]: absent must be sorted and distinct \(1 after 2\)/],
  ['absent repeats a row', () => edited((h) => (h.columns[1].absent = [1, 1])), /^column \["ts"\]: absent must be sorted and distinct \(1 after 1\)/],
  ['absent out of range', () => edited((h) => (h.columns[1].absent = [3])), /^column \["ts"\]: absent has 3, not a row index below 3/],
  ['nulls not an integer', () => edited((h) => (h.columns[1].nulls = [0.5])), /^column \["ts"\]: nulls has 0.5, not a row index/],
  ['row in absent and nulls', () => edited((h) => { h.columns[1].absent = [1]; h.columns[1].nulls = [1]; }), /^column \["ts"\]: row 1 is in both absent and nulls/],
];

describe('event batch: malformed bodies', () => {
  test('the base body decodes (so each case breaks exactly its rule)', () => {
    const { header } = baseBody();
    assert.deepEqual(
      header.columns.map((c: any) => [c.path, c.enc]),
      [[['id'], 'utf8'], [['ts'], 'f64'], [['version'], 'dict'], [['features'], 'object'], [['features', 'amount'], 'f64'], [['features', 'country'], 'dict'], [['note'], 'utf8']],
    );
    assert.deepEqual(decodeEventBatch(encodeBatch(BASE, BASE_CHOICES), { maxEvents: 3 }), BASE);
  });

  for (const [rule, body, message] of MALFORMED) {
    test(`${rule}: BatchFormatError naming the path and rule`, () => {
      assert.throws(
        () => decodeEventBatch(body(), { maxEvents: 100 }),
        (e: unknown) => {
          assert.ok(e instanceof BatchFormatError && !(e instanceof BatchTooManyRowsError), String(e));
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});

// ---------------------------------------------------------------------------
// Through the HTTP server: a batch is answered and stored exactly as NDJSON.

/** Valid events, data-quality findings, rejections of every kind, and generated junk. */
function hostileEvents(n: number, seed: number): unknown[] {
  const junk = fc.sample(record, { numRuns: Math.ceil(n / 10) + 1, seed });
  return Array.from({ length: n }, (_, i) => {
    switch (i % 12) {
      case 0:
        // Junk keys make columns of their own (rows × 8 bytes each): a few.
        return i < 240 ? junk[i / 12] : event(i, { features: { amount: `${i}`, country: null, colour: 'red' } });
      case 1:
        return event(i, { features: { amount: i % 24 === 1 ? NaN : 'n/a', country: i, is_new: 'true', signup: '2024-01-01T00:00:00Z', extra: { nested: [1, '\ud800'] } } });
      case 2:
        return event(i, { id: i, ts: new Date(T0 + i).toISOString(), scores: [0.5], prediction: null });
      case 3:
        return event(i, { version: undefined, tags: { channel: `ch-😀-${i % 7}`, other: true } });
      case 4:
        return event(i, { ts: i % 2 ? 'not a time' : null });
      case 5:
        return event(i, { scores: i % 2 ? 0.25 : { '1': null, x: 2 }, latency_ms: i % 4 ? 3.5 : -1 });
      case 6:
        return event(i, { features: i % 2 ? null : 'x' });
      case 7:
        return event(i, { id: `é-${i}-😀`, features: { amount: Infinity, country: 'é'.repeat(300), is_new: i % 24 === 7 ? 1 : 'maybe', signup: -0 } });
      case 8:
        return event(i, { error: i % 3 ? true : 'no', version: 2 });
      case 9:
        return event(i, { latency_ms: Infinity, tags: { channel: null }, prediction: undefined });
      case 10:
        return i % 4 ? {} : { ...event(i), id: null }; // (a batch carries objects only)
      default:
        return event(i, { features: { amount: -0, country: 'DE', is_new: false, signup: T0 } });
    }
  });
}

const ndjsonOf = (records: readonly unknown[]) => Buffer.from(records.map((r) => JSON.stringify(r)).join('\n'));

describe('POST /v1/models/{model}/events with application/vnd.modelwatch.batch', () => {
  const tmp = tempDir();
  let s: ModelwatchServer;
  let url = '';
  let closed = false;
  const MAX = 3000;
  const LIMIT = 4 << 20;
  before(async () => {
    const config = resolveConfig({ server: { dataDir: tmp.dir, bodyLimit: LIMIT, maxRecordsPerRequest: MAX, queue: { parseThreads: 1 } } }, { baseDir: tmp.dir, env: {} });
    s = await createServer({ config, defaultMetrics: false });
    url = await s.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    if (!closed) await s.close();
    tmp.cleanup();
  });

  async function putModel(name: string): Promise<void> {
    const res = await fetch(`${url}/v1/models/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema: SCHEMA, versions: ['v1', 'v2'] }) });
    assert.ok(res.status === 201, await res.text());
  }

  async function post(name: string, body: Buffer, type: string, gzip = false): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'content-type': type };
    if (gzip) headers['content-encoding'] = 'gzip';
    const res = await fetch(`${url}/v1/models/${name}/events`, { method: 'POST', headers, body: gzip ? gzipSync(body) : body });
    return { status: res.status, body: await res.json() };
  }

  const BATCH = 'application/vnd.modelwatch.batch';
  const sizes = [
    ['small', 60, 1],
    ['large', 2500, 2],
  ] as const;

  test('rows above the record limit, and bodies over the body limit, are refused as NDJSON bodies are', async () => {
    await putModel('limits');
    const many = Array.from({ length: MAX + 1 }, (_, i) => ({ id: `m${i}` }));
    const nd = await post('limits', ndjsonOf(many), 'application/x-ndjson');
    assert.equal(nd.status, 413);
    assert.equal(nd.body.error, 'payload_too_large');
    assert.deepStrictEqual(await post('limits', encodeBatch(many), BATCH), nd);
    assert.deepStrictEqual(await post('limits', encodeBatch(many), BATCH, true), nd);
    // One string longer than the body limit: refused before it is read, compressed or not.
    const huge = [{ id: 'x', note: 'n'.repeat(LIMIT) }];
    const ndHuge = await post('limits', ndjsonOf(huge), 'application/x-ndjson');
    assert.equal(ndHuge.status, 413);
    assert.equal(ndHuge.body.error, 'payload_too_large');
    assert.deepStrictEqual(await post('limits', encodeBatch(huge), BATCH), ndHuge);
    const gz = await post('limits', encodeBatch(huge), BATCH, true);
    assert.equal(gz.status, 413);
    assert.match(gz.body.message, new RegExp(`decompressed request body is larger than the limit of ${LIMIT} bytes`));
    assert.deepStrictEqual(gz, await post('limits', ndjsonOf(huge), 'application/x-ndjson', true));
    // A malformed batch: 400 naming the column and the rule; feedback takes no batch.
    const bad = await post('limits', edited((h) => (h.columns[4].absent = [3])), BATCH);
    assert.equal(bad.status, 400);
    assert.deepStrictEqual(bad.body, { error: 'bad_request', message: 'malformed application/vnd.modelwatch.batch body: column ["features","amount"]: absent has 3, not a row index below 3' });
    const fb = await fetch(`${url}/v1/models/limits/feedback`, { method: 'POST', headers: { 'content-type': BATCH }, body: encodeBatch([{ id: 'm1', target: 1 }]) });
    assert.equal(fb.status, 415);
    assert.match(((await fb.json()) as { message: string }).message, /feedback takes application\/json or application\/x-ndjson/);
    const csv = await fetch(`${url}/v1/models/limits/events`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b' });
    assert.equal(csv.status, 415);
    assert.match(((await csv.json()) as { message: string }).message, /application\/vnd\.modelwatch\.batch/);
  });

  test('the same records as NDJSON, as a batch and as a gzip batch: identical responses and stored rows', async () => {
    for (const [size, n, seed] of sizes) {
      const records = hostileEvents(n, seed);
      for (const m of ['nd', 'bt', 'gz']) await putModel(`${m}-${size}`);
      const batch = encodeBatch(records, choicesOf({ seed, wide: true }));
      if (size === 'large') assert.ok(batch.length > 64 * 1024); // parsed off-thread
      const nd = await post(`nd-${size}`, ndjsonOf(records), 'application/x-ndjson');
      const bt = await post(`bt-${size}`, batch, BATCH);
      const gz = await post(`gz-${size}`, batch, `${BATCH}; charset=binary`, true);
      assert.equal(nd.status, 200, JSON.stringify(nd.body));
      assert.ok(nd.body.accepted > n / 3 && nd.body.rejectedCount > n / 6, JSON.stringify(nd.body).slice(0, 300));
      const q = nd.body.dataQuality;
      assert.ok(q.typeViolations > 0 && q.eventsWithUnknownColumns > 0 && q.eventsWithMissingColumns > 0, JSON.stringify(q));
      assert.deepStrictEqual(bt, nd);
      assert.deepStrictEqual(gz, nd);
    }
    // The stored rows, read from the database file.
    closed = true;
    await s.close();
    const db = await DuckDBInstance.create(join(tmp.dir, 'modelwatch.duckdb'));
    const conn = await db.connect();
    try {
      const ids = new Map((await conn.runAndReadAll('SELECT name, id FROM mw_models')).getRows().map(([name, id]) => [String(name), Number(id)]));
      const rows = async (model: string) => (await conn.runAndReadAll(`SELECT * FROM ev_${ids.get(model)} ORDER BY ALL`)).getRowsJson();
      for (const [size, n] of sizes) {
        const want = await rows(`nd-${size}`);
        assert.ok(want.length > n / 3);
        assert.deepStrictEqual(await rows(`bt-${size}`), want);
        assert.deepStrictEqual(await rows(`gz-${size}`), want);
      }
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
