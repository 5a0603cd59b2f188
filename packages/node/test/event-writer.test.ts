/**
 * The exporter's byte writer of prediction events (src/exporter/event-writer.ts)
 * against its reference, `predictionLine` (records.ts: template strings and
 * JSON.stringify): the same bytes for any event, hostile values included, or a
 * throw from both.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { EventWriter } from '../src/exporter/event-writer.js';
import { LineQueue } from '../src/exporter/queue.js';
import { PredictionEvent, predictionLine } from '../src/exporter/records.js';

/** The line the writer queues for `e`, or the error it throws. */
function written(e: PredictionEvent): { line: string } | { error: string } {
  const q = new LineQueue(10, 10);
  try {
    new EventWriter(q).write(e);
  } catch (err) {
    assert.equal(q.size, 0, 'nothing is queued when the event cannot be written');
    return { error: (err as Error).constructor.name };
  }
  const b = q.take()!;
  assert.equal(b.count, 1);
  return { line: b.body().toString('utf8') };
}

function reference(e: PredictionEvent): { line: string } | { error: string } {
  try {
    return { line: predictionLine(e) + '\n' };
  } catch (err) {
    return { error: (err as Error).constructor.name };
  }
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

// Strings with everything JSON escapes or that UTF-8 makes interesting.
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 3000 }),
  fc.constantFrom('', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', 'x\udfffy', 'a\ud83d\ude00b', 'é', '__proto__', 'toJSON', '0', '12', '4294967295', '-1', '1.5'),
);
const hostileNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, NaN, Infinity, -Infinity, 1e21, 1e-7, 2 ** 53, 5e-324, Number.MAX_VALUE));
const primitive = fc.oneof(hostileText, hostileNumber, fc.boolean(), fc.constant(null), fc.constant(undefined));
const odd = fc.constantFrom<unknown>(
  () => 1,
  Symbol('s'),
  new Date(0),
  new Date(NaN),
  new Point(1, 2),
  { toJSON: () => 'custom' },
  { toJSON: (key: string) => `key:${key}` },
  Object.assign(Object.create(null) as object, { a: 1, b: 'x' }),
  new Map([[1, 2]]),
  Object(3),
  [1, , 3],
  Object.assign([1, 2], { extra: 'ignored' }),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: primitive },
  { weight: 1, arbitrary: odd },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: fc.dictionary(hostileText, fc.oneof(primitive, odd), { maxKeys: 6 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(primitive, odd), { maxLength: 6 }) },
);
const names = fc.uniqueArray(hostileText, { maxLength: 6 });

const event = fc
  .record({
    id: fc.oneof(fc.constant(undefined), hostileText, hostileNumber, value),
    seq: fc.nat(),
    ts: fc.oneof(fc.integer({ min: 0, max: 4e12 }), fc.double({ min: 0, max: 4e12, noNaN: true }), hostileText),
    version: hostileText,
    withNames: fc.boolean(),
    names,
    features: fc.oneof(value, fc.array(fc.oneof(primitive, odd), { maxLength: 7 })),
    prediction: fc.oneof(fc.constant(undefined), value),
    scores: fc.oneof(fc.constant(undefined), fc.constant(null), value, fc.dictionary(fc.constantFrom('0', '1', '2', 'yes'), hostileNumber)),
    latencyMs: fc.oneof(
      fc.constant(-1),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.double({ min: 0, max: 1e13, noNaN: true }),
      fc.integer({ min: 0, max: 2e6 }).map((n) => n / 1000),
      fc.constantFrom(0, 0.0004999, 0.0005, 0.0015, 0.1, 12.3456, 1099511627.7755, 1099511627.776, 5e12, Infinity),
    ),
    error: fc.boolean(),
    tags: fc.oneof(fc.constant(undefined), fc.constant(null), fc.dictionary(hostileText, hostileText, { maxKeys: 3 }), value),
  })
  .map(
    (r) =>
      new PredictionEvent(
        r.id as string | number | undefined,
        r.seq,
        r.ts,
        JSON.stringify(r.version),
        r.features,
        r.withNames ? r.names : null,
        r.prediction,
        r.scores,
        r.latencyMs,
        r.error,
        r.tags,
      ),
  );

describe('event writer', () => {
  test('writes exactly what predictionLine (JSON.stringify) writes, for any event', () => {
    fc.assert(
      fc.property(event, (e) => {
        assert.deepEqual(written(e), reference(e));
      }),
      { numRuns: 3000 },
    );
  });

  test('what cannot be JSON (BigInt, cycles) throws and queues nothing, as predictionLine throws', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const ev = (features: unknown, names: string[] | null = null, scores?: unknown) => new PredictionEvent('x', 0, 1, '"v1"', features, names, 1, scores, 1, false, undefined);
    for (const e of [ev(cyclic), ev({ big: 10n }), ev([10n], ['a']), ev({}, null, [1n]), ev({}, null, { s: cyclic })]) {
      assert.deepEqual(reference(e), { error: 'TypeError' });
      assert.deepEqual(written(e), { error: 'TypeError' });
    }
  });

  test('lines of many events in one batch, the buffer growing in the middle of a line, and the queue bound', () => {
    const q = new LineQueue(1000, 50);
    const w = new EventWriter(q);
    const events: PredictionEvent[] = [];
    for (let i = 0; i < 60; i++) {
      const long = 'é"x'.repeat(i * 40) + 'plain'.repeat(i * 30);
      const e = new PredictionEvent(i % 2 ? `id-${i}` : undefined, i, 981_000_000_000 + i, '"v2"', { origin: long, distance: i * 1.5, hour: i % 24, ok: i % 3 === 0 }, null, i % 2, { '1': i / 61 }, i / 7, i % 5 === 0, { region: 'eu' });
      events.push(e);
      assert.equal(w.write(e), i >= 50, 'past 50 lines the oldest is dropped');
    }
    const b = q.take()!;
    assert.equal(b.count, 50);
    assert.equal(b.body().toString('utf8'), events.slice(10).map((e) => predictionLine(e) + '\n').join(''));
  });

  test('features given as an array are matched to the names; index-like names and __proto__ keep JSON.stringify\'s order', () => {
    const line = (names: string[], values: unknown[]) => (written(new PredictionEvent('a', 0, 1, '"v1"', values, names, undefined, undefined, -1, false, undefined)) as { line: string }).line;
    assert.equal(line(['hour', 'origin'], [9, 'ORD']), '{"id":"a","ts":1,"version":"v1","features":{"hour":9,"origin":"ORD"}}\n');
    assert.equal(line(['b', '2', 'a', '1'], [1, 2, 3, 4]), '{"id":"a","ts":1,"version":"v1","features":{"1":4,"2":2,"b":1,"a":3}}\n');
    assert.equal(line(['__proto__', 'x'], [{ polluted: true }, undefined]), '{"id":"a","ts":1,"version":"v1","features":{}}\n');
  });
});
