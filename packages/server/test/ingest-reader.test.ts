/**
 * The ingest byte reader (src/ingest/event-reader.ts, json-scan.ts and the
 * timestamp fast path) against the original implementation, frozen in
 * test/helpers/events-reference.ts: for generated bodies — valid events, data-
 * quality findings, structural errors, junk lines, escapes, unicode, odd number
 * spellings, duplicate keys, whitespace — NDJSON and JSON-array bodies must give
 * exactly the batch, rejections, findings and whole-request errors that
 * `JSON.parse` + the original record walker give.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Schema } from '@modelwatch/core';
import { compileEventPlan } from '../src/ingest/events.js';
import type { PreparedEvents } from '../src/ingest/events.js';
import { BodyError, TooManyRecordsError, readEventsBody } from '../src/ingest/read-body.js';
import { readerFor } from '../src/ingest/event-reader.js';
import { scanNumber, scanned } from '../src/ingest/json-scan.js';
import { parseTimestamp, parseTimestampBytes } from '../src/ingest/values.js';
import type { ModelRecord } from '../src/store/store.js';
import { compileReferencePlan, referenceParseNdjson, referencePrepareEvents } from './helpers/events-reference.js';
import type { PreparedEvents as ReferencePrepared } from './helpers/events-reference.js';
import { SCHEMA, T0 } from './helpers/fixtures.js';

/** Schemas covering every column kind and every way of giving scores. */
const SCHEMAS: Record<string, Schema> = {
  fraud: SCHEMA,
  multi: {
    columns: [
      { name: 'x', kind: 'numeric', role: 'feature' },
      { name: 'note', kind: 'text', role: 'feature' },
      { name: 'ünï', kind: 'categorical', role: 'feature' },
      { name: '1', kind: 'numeric', role: 'feature' },
      { name: 'when', kind: 'datetime', role: 'feature' },
      { name: 'flag', kind: 'boolean', role: 'feature' },
      { name: 'y_hat', kind: 'numeric', role: 'prediction' },
      { name: 'p_a', kind: 'numeric', role: 'score', scoreOf: 'a' },
      { name: 'p_b', kind: 'numeric', role: 'score', scoreOf: 'b' },
      { name: 'b', kind: 'categorical', role: 'score' },
      { name: 'region', kind: 'categorical', role: 'segment' },
      { name: 'shard', kind: 'numeric', role: 'segment' },
      { name: 'uid', kind: 'categorical', role: 'id' },
    ],
  },
  bare: { columns: [{ name: 'f', kind: 'numeric', role: 'feature' }] },
  // Names that need escapes in JSON: the next-key shortcut must not match their raw bytes.
  quoted: {
    columns: [
      { name: 'a"b', kind: 'numeric', role: 'feature' },
      { name: 'c\\d', kind: 'categorical', role: 'feature' },
      { name: 'a', kind: 'numeric', role: 'feature' },
      { name: 'ab', kind: 'numeric', role: 'feature' },
    ],
  },
};

function model(name: string, versions: string[]): ModelRecord {
  return { name, task: null, schema: SCHEMAS[name], versions, generation: 3, createdAt: 0, updatedAt: 0 };
}

const MODELS = [model('fraud', ['v1']), model('fraud', ['v1', 'v2']), model('multi', []), model('bare', ['only'])];

// ---------------------------------------------------------------------------
// Generated records

const keyNames = ['amount', 'country', 'is_new', 'signup', 'channel', 'label', 'surprise', 'x', 'note', 'ünï', '1', 'when', 'flag', 'region', 'shard', 'uid', 'f', '__proto__', '10', 'a\u0000b', 'constructor'];

const isoDate = fc
  .tuple(
    fc.date({ min: new Date(Date.UTC(1850, 0, 1)), max: new Date(Date.UTC(2250, 0, 1)), noInvalidDate: true }),
    fc.constantFrom('Z', '', '+05:30', '-08:00', '+00:00', 'z', '+0100', '+24:00'),
    fc.constantFrom('T', ' ', 't'),
    fc.integer({ min: 0, max: 10 }),
  )
  .map(([d, zone, sep, frac]) => {
    const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    let s = iso.slice(0, 10) + sep + iso.slice(11, 19);
    if (frac === 0) s = s.slice(0, 16);
    else if (frac > 1) s += '.' + (iso.slice(20, 23) + '123456789').slice(0, frac - 1);
    return s + zone;
  });

const oddDate = fc.constantFrom('2024-02-30T00:00:00Z', '2024-02-29T12:00:00Z', '2023-02-29T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T23:59:60Z', '2024-13-01T00:00:00Z', '2024-01-01', 'May 1, 2024', 'yesterday', '', '2024-01-01T00:00:00.Z', '1899-12-31T23:59:59.999Z', '2199-12-31T23:59:59.999Z', '2200-01-01T00:00:00Z');

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('NL', 'DE', 'true', 'false', 'web', 'app', 'a"b', 'tab\there', 'ünï', '\u2028'));

const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, 1, 1.5, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER + 2, 0.1, 123.456));

const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: number },
  { weight: 3, arbitrary: text },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: isoDate },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const OMIT = Symbol('omit');
const maybe = <T>(arb: fc.Arbitrary<T>, omitWeight = 1): fc.Arbitrary<T | typeof OMIT> => fc.oneof({ weight: omitWeight, arbitrary: fc.constant(OMIT) }, { weight: 6, arbitrary: arb });

const record = fc.record({
  id: maybe(fc.oneof({ weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, fc.integer(), fc.double(), fc.constant(null), fc.constant(''), fc.constant('x'.repeat(257)), fc.boolean())),
  ts: maybe(fc.oneof({ weight: 4, arbitrary: isoDate }, { weight: 3, arbitrary: fc.integer({ min: T0 - 1e12, max: T0 + 1e12 }) }, oddDate, fc.double(), fc.constant(null), fc.boolean())),
  version: maybe(fc.oneof({ weight: 5, arbitrary: fc.constantFrom('v1', 'v2', 'v3') }, fc.integer(), fc.constant(''), fc.constant(null), fc.double(), fc.constant('v'.repeat(129)), fc.boolean()), 2),
  features: maybe(fc.oneof({ weight: 8, arbitrary: fc.dictionary(fc.constantFrom(...keyNames), value, { maxKeys: 8 }) }, fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.string())),
  prediction: maybe(value, 2),
  scores: maybe(
    fc.oneof(
      fc.dictionary(fc.constantFrom('1', '0', 'p_fraud', 'a', 'b', 'p_a', 'p_b', 'zz'), value, { maxKeys: 3 }),
      fc.array(number, { maxLength: 4 }),
      number,
      fc.constant(null),
      fc.string({ maxLength: 3 }),
    ),
    2,
  ),
  latency_ms: maybe(fc.oneof(fc.double({ min: 0, max: 1e6 }), fc.constant(-1), fc.constant(null), fc.string({ maxLength: 3 }), fc.constant(1e400)), 3),
  error: maybe(fc.oneof(fc.boolean(), fc.constant(null), fc.constant(1)), 3),
  tags: maybe(fc.oneof(fc.dictionary(fc.constantFrom('channel', 'region', 'shard', 'k', '2'), fc.oneof(text, number, fc.boolean(), fc.constant(null), fc.constant({})), { maxKeys: 3 }), fc.constant(null), fc.constant('web')), 3),
  extra: maybe(fc.jsonValue({ maxDepth: 3 }), 4),
});

// ---------------------------------------------------------------------------
// Serialization with varied spelling (a deterministic PRNG per body)

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function ws(r: () => number, newlines: boolean): string {
  const x = r();
  if (x < 0.8) return '';
  if (x < 0.9) return ' ';
  if (x < 0.95) return '\t';
  return newlines ? '\n ' : ' \r';
}

/** A JSON spelling of a number: shortest, exponent forms, trailing zeros. */
function numberText(x: number, r: () => number): string {
  if (!Number.isFinite(x)) return 'null';
  const plain = JSON.stringify(x);
  const k = r();
  if (k < 0.6) return plain;
  if (k < 0.7) return x.toExponential().replace('e+', r() < 0.5 ? 'E' : 'e+');
  if (k < 0.8 && Number.isInteger(x) && Math.abs(x) < 1e15) return `${plain}.000`;
  if (k < 0.9 && Number.isInteger(x) && Math.abs(x) < 1e15) return `${plain}0e-1`;
  if (Number.isInteger(x) && x !== 0 && Math.abs(x) < 1e12) return `${x * 1000}E-3`;
  return plain;
}

/** A JSON string with some characters written as escapes. */
function stringText(s: string, r: () => number, rate = 0.15): string {
  const plain = JSON.stringify(s);
  if (r() >= rate) return plain;
  let out = '"';
  for (const ch of s) {
    if (r() < 0.3 && ch.length === 1) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += JSON.stringify(ch).slice(1, -1);
  }
  return out + '"';
}

function serialize(v: unknown, r: () => number, newlines: boolean): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return numberText(v, r);
  if (typeof v === 'string') return stringText(v, r);
  if (Array.isArray(v)) return `[${ws(r, newlines)}${v.map((x) => serialize(x, r, newlines)).join(`${ws(r, newlines)},${ws(r, newlines)}`)}${ws(r, newlines)}]`;
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== OMIT);
  const parts = entries.map(([k, x]) => `${stringText(k, r, 0.01)}${ws(r, newlines)}:${ws(r, newlines)}${serialize(x, r, newlines)}`);
  // Now and then a key twice (JSON.parse keeps the last value).
  if (parts.length > 0 && r() < 0.01) parts.splice(Math.floor(r() * parts.length), 0, parts[Math.floor(r() * parts.length)].replace(/:.*/s, ':0'));
  return `{${ws(r, newlines)}${parts.join(`${ws(r, newlines)},${ws(r, newlines)}`)}${ws(r, newlines)}}`;
}

function recordText(rec: Record<string, unknown>, r: () => number, newlines: boolean): string {
  const entries = Object.entries(rec).filter(([, x]) => x !== OMIT);
  const obj: Record<string, unknown> = {};
  for (const [k, x] of entries) obj[k === 'extra' ? (r() < 0.5 ? 'model' : 'meta') : k] = x;
  return serialize(obj, r, newlines);
}

/** Mostly well-formed events of a model (what clients send), with the occasional finding or problem: these exercise the fast path. */
function plausible(m: ModelRecord): fc.Arbitrary<Record<string, unknown>> {
  const cols = m.schema.columns;
  const features = cols.filter((c) => c.role === 'feature').map((c) => c.name);
  const scoreKeys = cols.filter((c) => c.role === 'score').flatMap((c) => [c.name, ...(c.scoreOf === undefined ? [] : [String(c.scoreOf)])]);
  const featureKeys = fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...features) },
    { weight: 1, arbitrary: fc.constantFrom('channel', 'region', 'shard', 'uid', 'label', 'surprise', '__proto__', 'a\u0000b', '10', 'constructor') },
  );
  const typedValue = fc.oneof(
    { weight: 6, arbitrary: fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer()) },
    { weight: 4, arbitrary: fc.constantFrom('NL', 'DE', 'FR', 'true', 'false', 'web', 'ünï', 'a"b', '') },
    { weight: 2, arbitrary: fc.boolean() },
    { weight: 2, arbitrary: isoDate },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(fc.constant({}), fc.constant([1, { a: 'b' }])) },
  );
  const nScores = cols.filter((c) => c.role === 'score').length;
  return fc.record({
    id: fc.oneof({ weight: 9, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) }, fc.integer({ min: 0 })),
    ts: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: T0 - 1e11, max: T0 + 1e11 }) }, { weight: 3, arbitrary: isoDate }, { weight: 1, arbitrary: oddDate }),
    version: maybe(fc.constantFrom(...(m.versions.length ? m.versions : ['v1', 'v2'])), m.versions.length === 1 ? 3 : 1),
    features: fc.dictionary(featureKeys, typedValue, { maxKeys: Math.min(8, features.length + 1) }),
    prediction: maybe(typedValue, 1),
    scores: maybe(
      fc.oneof(
        { weight: 6, arbitrary: scoreKeys.length ? fc.dictionary(fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...scoreKeys) }, { weight: 1, arbitrary: fc.constant('zz') }), typedValue, { maxKeys: 3 }) : fc.constant({}) },
        { weight: 2, arbitrary: fc.array(typedValue, { minLength: nScores, maxLength: nScores }) },
        { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constant([]) },
      ),
      2,
    ),
    latency_ms: maybe(fc.double({ min: 0, max: 1e4, noNaN: true }), 2),
    error: maybe(fc.boolean(), 2),
    tags: maybe(fc.dictionary(fc.constantFrom('channel', 'region', 'shard', 'k'), fc.oneof(fc.constantFrom('web', 'app', 'eu'), fc.integer({ min: 0, max: 9 }), fc.constant(null)), { maxKeys: 3 }), 2),
    extra: maybe(fc.jsonValue({ maxDepth: 2 }), 6),
  });
}

const junk = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('{', '[]', 'null', '42', '"x"', '{"id":"a"} x', '{"id":"a",}', '{"id":01,"ts":1,"features":{}}', ' \t ', '\uFEFF{}'));

const ndjsonBody = (m: ModelRecord) => fc.tuple(fc.array(fc.oneof({ weight: 12, arbitrary: plausible(m) }, { weight: 4, arbitrary: record }, { weight: 1, arbitrary: junk }), { maxLength: 25 }), fc.integer(), fc.boolean(), fc.integer({ min: 0, max: 3 })).map(([items, seed, crlf, cut]) => {
  const r = prng(seed);
  const lines = items.map((it) => {
    if (typeof it === 'string') return it;
    let line = recordText(it as Record<string, unknown>, r, false);
    if (cut === 0 && r() < 0.05) line = line.slice(0, Math.floor(r() * line.length)); // a truncated line
    return line;
  });
  if (r() < 0.2) lines.splice(Math.floor(r() * (lines.length + 1)), 0, '');
  return lines.join(crlf ? '\r\n' : '\n') + (r() < 0.3 ? '\n' : '');
});

const arrayBody = (m: ModelRecord) => fc.tuple(fc.array(fc.oneof({ weight: 40, arbitrary: plausible(m) }, { weight: 4, arbitrary: record }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }), { maxLength: 25 }), fc.integer(), fc.integer({ min: 0, max: 30 })).map(([items, seed, spoil]) => {
  const r = prng(seed);
  const parts = items.map((it) => (it !== null && typeof it === 'object' && !Array.isArray(it) && 'features' in (it as object) ? recordText(it as Record<string, unknown>, r, true) : JSON.stringify(it)));
  let body = `${ws(r, true)}[${ws(r, true)}${parts.join(`${ws(r, true)},${ws(r, true)}`)}${ws(r, true)}]${ws(r, true)}`;
  if (spoil === 0) body = body.slice(0, Math.floor(r() * body.length)); // not JSON
  if (spoil === 1) body = body.replace('[', '{'); // not an array
  return body;
});

// ---------------------------------------------------------------------------
// Comparing results

type Outcome = { ok: Record<string, unknown> } | { error: string };

function normalize(p: PreparedEvents | ReferencePrepared): Record<string, unknown> {
  const b = p.batch;
  return {
    accepted: p.accepted,
    rejected: p.rejected,
    rejectedCount: p.rejectedCount,
    rejectedByReason: [...p.rejectedByReason].sort(),
    versions: [...p.versions],
    quality: p.quality,
    batch: {
      model: b.model,
      generation: b.generation,
      length: b.length,
      ids: [...b.ids],
      ts: Array.from(b.ts),
      versions: [...b.versions],
      latencyMs: Array.from(b.latencyMs),
      errors: Array.from(b.errors),
      tags: [...b.tags],
      dqTypeViolations: Array.from(b.dqTypeViolations),
      dqTypeColumns: [...b.dqTypeColumns],
      dqUnknownColumns: [...b.dqUnknownColumns],
      dqMissingColumns: [...b.dqMissingColumns],
      columns: b.columns.map((c) => {
        if (c.type === 'string') return { type: c.type, values: [...c.values] };
        if (c.type === 'boolean') return { type: c.type, values: Array.from(c.values) };
        // A missing value's slot content is not part of the contract: compare present values only.
        return { type: c.type, values: Array.from(c.values, (x, i) => (c.nulls[i] === 1 ? null : x)), nulls: Array.from(c.nulls) };
      }),
    },
  };
}

function errorText(err: unknown): string {
  if (err instanceof TooManyRecordsError) return `413 ${err.message}`;
  if (err instanceof BodyError) return `${err.code} ${err.message}`;
  throw err;
}

/** One plan per model, as the server caches them (so the readers and their interning tables are reused). */
const plans = new Map(MODELS.map((m) => [m, compileEventPlan(m)]));

function actual(body: string, ndjson: boolean, m: ModelRecord, max: number): Outcome {
  try {
    return { ok: normalize(readEventsBody(Buffer.from(body, 'utf8'), ndjson ? 'ndjson' : 'json', plans.get(m)!, max)) };
  } catch (err) {
    return { error: errorText(err) };
  }
}

/** What the original implementation answered for the same body. */
function expected(body: string, ndjson: boolean, m: ModelRecord, max: number): Outcome {
  let records: unknown[];
  if (ndjson) records = referenceParseNdjson(body);
  else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      return { error: `invalid_json the body is not valid JSON: ${(err as Error).message}` };
    }
    if (!Array.isArray(parsed)) return { error: 'bad_request expected a JSON array of records (or NDJSON with Content-Type: application/x-ndjson)' };
    records = parsed;
  }
  if (records.length > max) return { error: `413 at most ${max} records per request (got ${records.length}); split the batch` };
  return { ok: normalize(referencePrepareEvents(records, compileReferencePlan(m))) };
}

describe('ingest byte reader = JSON.parse + the original validation', () => {
  test('NDJSON bodies (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODELS).chain((m) => fc.tuple(fc.constant(m), ndjsonBody(m))), fc.constantFrom(1000, 10), ([m, body], max) => {
        // The body bytes as a client sends them (its UTF-8 encoding).
        assert.deepStrictEqual(actual(body, true, m, max), expected(body, true, m, max));
      }),
      { numRuns: 600 },
    );
    // The generated bodies must exercise the fast path, not only the fallback.
    const fast = MODELS.reduce((sum, m) => sum + readerFor(plans.get(m)!).stats.fast, 0);
    assert.ok(fast > 500, `only ${fast} records took the fast path`);
  });

  test('JSON array bodies (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODELS).chain((m) => fc.tuple(fc.constant(m), arrayBody(m))), fc.constantFrom(1000, 10), ([m, body], max) => {
        assert.deepStrictEqual(actual(body, false, m, max), expected(body, false, m, max));
      }),
      { numRuns: 600 },
    );
  });

  test('hand-picked edge cases', () => {
    const lines = [
      '{"id":"a","ts":1,"features":{"surprise":1,"surprise":2}}',
      '{"id":"a","ts":1,"features":{"amount":1,"amount":"x"}}',
      '{"id":"a","ts":1,"features":{"zz":1,"7":2,"yy":3}}',
      '{"id":"a","ts":1,"features":{"channel":"web"},"tags":{"channel":"app"}}',
      '{"id":"a","ts":1,"features":{"channel":"web"}}',
      '{"id":"a","ts":1,"features":{"label":1,"uid":"u"}}',
      '{"id":"a","ts":1,"features":{},"scores":{"1":0.5,"p_fraud":0.7}}',
      '{"id":"a","ts":1,"features":{},"scores":{"p_fraud":0.7,"1":0.5}}',
      '{"id":"a","ts":1,"features":{},"scores":{"1":0.5,"1":0.6}}',
      '{"id":"a","ts":1,"features":{},"scores":[0.5]}',
      '{"id":"a","ts":1,"features":{},"scores":[]}',
      '{"id":"a","ts":1,"features":{},"scores":0.25}',
      '{"id":"a","ts":1,"features":{},"scores":"0.25"}',
      '{"id":"a","ts":1,"features":{},"prediction":{"x":1}}',
      '{"id":"a","ts":1,"features":{},"id":"b"}',
      '{"id":1e3,"ts":"2024-01-01T00:00:00.5+01:00","features":{"signup":"2024-02-29T00:00:00Z","is_new":"false"}}',
      '{"id":1.5,"ts":1,"features":{}}',
      '{"id":"a","ts":1,"version":2,"features":{}}',
      '{"id":"a","ts":1,"latency_ms":1e400,"features":{}}',
      '{"id":"a","ts":1,"latency_ms":0,"error":null,"tags":null,"features":{}}',
      '{"id":"a","ts":1,"features":{},"tags":{"channel":{}}}',
      '{"id":"a","ts":1,"features":{"amount":-0,"country":-0}}',
      '{"id":"a","ts":1,"features":{"country":1e21,"amount":12345678901234567890}}',
      '  {"id":"a","ts":1,"features":{}}  \t',
      '{"id":"\\u0041\\n","ts":"\\u0032024-01-01T00:00:00Z","features":{"country":"\\ud800"}}',
    ];
    for (const m of MODELS) {
      const body = lines.join('\n');
      assert.deepStrictEqual(actual(body, true, m, 1000), expected(body, true, m, 1000), m.name);
      for (const line of lines) assert.deepStrictEqual(actual(`[${line}]`, false, m, 1000), expected(`[${line}]`, false, m, 1000), line);
    }
  });

  test('feature names that need escapes, and keys that extend the expected one', () => {
    const m = model('quoted', ['v1']);
    plans.set(m, compileEventPlan(m));
    const lines = [
      '{"id":"a","ts":1,"features":{"a\\"b":1,"c\\\\d":"z","a":2,"ab":3}}',
      '{"id":"a","ts":1,"features":{"a"b":1}}',
      '{"id":"a","ts":1,"features":{"a\\"b":1,"c\\d":"z"}}',
      '{"id":"a","ts":1,"features":{"a\\"b":1,"c\\\\d":"z","ab":3,"a":2}}',
      '{"id":"a","ts":1,"features":{"a\\"b":1,"c\\\\d":"z","abc":2,"a":4}}',
      '{"id":"a","ts":1,"features":{"a":2,"ab":3}}',
      '{"id":"a","ts":1,"features":{"ab":3,"a":2,"abc":1}}',
    ];
    const body = lines.join('\n');
    assert.deepStrictEqual(actual(body, true, m, 1000), expected(body, true, m, 1000));
    for (const line of lines) assert.deepStrictEqual(actual(`[${line}]`, false, m, 1000), expected(`[${line}]`, false, m, 1000), line);
    // Escaped names are features, not unknown keys.
    const first = actual(lines[0], true, m, 1000) as { ok?: { quality?: { unknownColumns?: string[] } } };
    assert.deepStrictEqual(first.ok?.quality?.unknownColumns, []);
    // Keys without escapes take the fast path, in and out of schema order.
    const fast = readerFor(plans.get(m)!).stats.fast;
    actual(lines.slice(-2).join('\n'), true, m, 1000);
    assert.equal(readerFor(plans.get(m)!).stats.fast, fast + 2);
  });

  test('invalid UTF-8 bytes decode like the whole-body decoding did', () => {
    const m = MODELS[0];
    const line = Buffer.concat([Buffer.from('{"id":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('","ts":1700000000000,"features":{"country":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}}')]);
    const body = Buffer.concat([line, Buffer.from('\n'), Buffer.from([0x80, 0x0a]), line]);
    const got = normalize(readEventsBody(body, 'ndjson', compileEventPlan(m), 100));
    const want = normalize(referencePrepareEvents(referenceParseNdjson(body.toString('utf8')), compileReferencePlan(m)));
    assert.deepStrictEqual(got, want);
    assert.equal((got.batch as { ids: string[] }).ids[0], 'a\ufffd\ufffd');
  });

  test('the common shape takes the fast path; odd records fall back', () => {
    const plan = compileEventPlan(MODELS[0]);
    const reader = readerFor(plan);
    const before = { ...reader.stats };
    const good = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ id: `e${i}`, ts: T0 + i, version: 'v1', features: { amount: i / 3, country: ['NL', 'DE'][i % 2], is_new: i % 2 === 0, signup: '2024-01-01T00:00:00Z' }, prediction: 1, scores: { '1': 0.5 }, tags: { channel: 'web' } }),
    );
    const odd = [JSON.stringify({ id: 'x', ts: T0, features: { '7': 1 } }), '{"id":"y","ts":1,"ts":2,"features":{}}', '{"id": "z"'];
    const prepared = readEventsBody(Buffer.from([...good, ...odd].join('\n')), 'ndjson', plan, 1000);
    assert.equal(prepared.accepted, 52);
    assert.equal(reader.stats.fast - before.fast, 50);
    assert.equal(reader.stats.slow - before.slow, 3);
    assert.deepEqual(prepared.rejected.map((r) => [r.index, r.reason]), [[52, 'invalid_json']]);
  });
});

describe('number and timestamp scanning', () => {
  test('numbers read exactly as JSON.parse reads them (property)', () => {
    const spellings = fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 4 })).map(([x, digits, form]) => {
      switch (form) {
        case 0:
          return JSON.stringify(x);
        case 1:
          return x.toExponential(Math.min(digits, 20));
        case 2:
          return Math.abs(x) < 1e21 ? x.toFixed(Math.min(digits, 20)) : JSON.stringify(x);
        case 3:
          return x.toPrecision(Math.max(1, Math.min(digits, 21))).replace('e+', 'E+');
        default:
          return `${Number.isInteger(x) && Math.abs(x) < 1e21 ? x : 1}e-${digits}`;
      }
    });
    fc.assert(
      fc.property(fc.oneof(spellings, fc.stringMatching(/^-?(0|[1-9][0-9]{0,25})(\.[0-9]{1,25})?([eE][+-]?[0-9]{1,3})?$/)), (t) => {
        const buf = Buffer.from(`${t},`);
        const end = scanNumber(buf, 0, buf.length);
        assert.equal(end, t.length, t);
        assert.ok(Object.is(scanned.number, JSON.parse(t)), `${t}: ${scanned.number} vs ${JSON.parse(t)}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('invalid number spellings are refused', () => {
    for (const t of ['-', '1.', '.5', '1e', '1e+', '-a', '+1', 'e5']) {
      const buf = Buffer.from(`${t} `);
      const end = scanNumber(buf, 0, buf.length);
      assert.ok(end < 0 || buf[end] !== 32 || !isJson(t), `${t} accepted`);
    }
    // '01' reads the 0 and stops: the caller then sees a digit where a separator must be.
    assert.equal(scanNumber(Buffer.from('01'), 0, 2), 1);
  });

  test('the timestamp fast path answers like parseTimestamp or not at all (property)', () => {
    const weird = fc.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,10})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$/);
    fc.assert(
      fc.property(fc.oneof(isoDate, weird, oddDate), (s) => {
        const buf = Buffer.from(s);
        const fast = parseTimestampBytes(buf, 0, buf.length);
        if (fast === fast) assert.equal(fast, parseTimestamp(s), s);
      }),
      { numRuns: 5000 },
    );
    // The usual spellings are answered (else the fast path would be dead code).
    const usual = fc.tuple(fc.date({ min: new Date(Date.UTC(1950, 0, 1)), max: new Date(Date.UTC(2150, 0, 1)), noInvalidDate: true }), fc.constantFrom('Z', '+02:00', ''), fc.integer({ min: 19, max: 23 }));
    fc.assert(
      fc.property(usual, ([d, zone, len]) => {
        const s = d.toISOString().slice(0, len) + zone;
        const buf = Buffer.from(s);
        assert.equal(parseTimestampBytes(buf, 0, buf.length), parseTimestamp(s), s);
      }),
      { numRuns: 2000 },
    );
  });
});

function isJson(t: string): boolean {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}
