/**
 * fast-check generators of hostile prediction events (test/event-writer.test.ts,
 * test/batch-encoder.test.ts): strings JSON escapes or UTF-8 makes interesting
 * (lone surrogates included), every kind of number, odd objects (toJSON,
 * Dates, class instances, null prototypes, Maps, holes), feature arrays with
 * names that JavaScript reorders.
 */
import fc from 'fast-check';
import { PredictionEvent } from '../src/exporter/records.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

// Strings with everything JSON escapes or that UTF-8 makes interesting.
export const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 3000 }),
  fc.constantFrom('', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', 'x\udfffy', 'a\ud83d\ude00b', 'é', '__proto__', 'toJSON', '0', '12', '4294967295', '-1', '1.5'),
);
export const hostileNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, NaN, Infinity, -Infinity, 1e21, 1e-7, 2 ** 53, 5e-324, Number.MAX_VALUE));
export const primitive = fc.oneof(hostileText, hostileNumber, fc.boolean(), fc.constant(null), fc.constant(undefined));
export const odd = fc.constantFrom<unknown>(
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
export const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: primitive },
  { weight: 1, arbitrary: odd },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: fc.dictionary(hostileText, fc.oneof(primitive, odd), { maxKeys: 6 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(primitive, odd), { maxLength: 6 }) },
);
const names = fc.uniqueArray(hostileText, { maxLength: 6 });

export const event = fc
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
