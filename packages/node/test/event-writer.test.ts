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
import { event } from './event-arbitraries.js';

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
