/**
 * The columnar batch encoder (src/exporter/batch-encoder.ts) against its
 * reference: a batch of events, decoded by the service's own decoder, is
 * exactly `JSON.parse(predictionLine(e))` for every event — hostile values,
 * encodings that change in the middle of a batch, rows dropped from the
 * front, events that cannot be JSON — and the queue of batches keeps its
 * bounds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeEventBatch } from '../../server/src/ingest/batch-decode.js';
import { EventBatch, encodeEvents } from '../src/exporter/batch-encoder.js';
import { BatchQueue } from '../src/exporter/batch-queue.js';
import { PredictionEvent, predictionLine } from '../src/exporter/records.js';
import type { EventRecord } from '../src/exporter/records.js';
import { ID_PREFIX } from '../src/ids.js';
import { event, hostileNumber, hostileText, value } from './event-arbitraries.js';

const LIMITS = { maxEvents: 1_000_000 };

/** Deep equality and the same key order (deepStrictEqual ignores the order of keys). */
function assertSame(actual: unknown[], expected: unknown[]): void {
  assert.deepStrictEqual(actual, expected);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}

/** What NDJSON would carry: the parsed line, or undefined when the line is not JSON (a latency of Infinity). */
function reference(e: PredictionEvent): unknown {
  try {
    return JSON.parse(predictionLine(e)) as unknown;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Events whose predictionLine is valid JSON (the property's domain; cannot-be-JSON cases are tested apart). */
function jsonable(events: PredictionEvent[]): PredictionEvent[] {
  return events.filter((e) => {
    try {
      return reference(e) !== undefined;
    } catch {
      return false;
    }
  });
}

const ev = (over: Partial<Record<keyof PredictionEvent, unknown>>) => {
  const e = { id: 'a', seq: 0, ts: 1, versionJson: '"v1"', features: {}, names: null, prediction: undefined, scores: undefined, latencyMs: -1, error: false, tags: undefined, ...over };
  return new PredictionEvent(e.id as string, e.seq, e.ts as number, e.versionJson, e.features, e.names as string[] | null, e.prediction, e.scores, e.latencyMs, e.error, e.tags);
};

describe('batch encoder', () => {
  test('decoded, a batch is exactly JSON.parse(predictionLine(e)) for each event, hostile ones included', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 40 }), (all) => {
        const events = jsonable(all);
        fc.pre(events.length > 0);
        assertSame(decodeEventBatch(encodeEvents(events), LIMITS), events.map(reference));
      }),
      { numRuns: 1500 },
    );
  });

  test('the fast path (addPrediction, as a monitor records) appends exactly what add() would, and steps aside for anything else', () => {
    // Mostly regular predictions, as a model server records them (one shape of numbers and categories), with
    // irregular ones mixed in: a new category, a missing, extra, reordered or undefined key, NaN, a string for a
    // number, index-key and nested scores, tags, array or class-instance features, object predictions.
    const cats = fc.constantFrom('ORD', 'ATL', 'DFW', 'é', '"q"');
    const regular = fc.record({ a: fc.integer({ min: 0, max: 23 }), b: fc.double({ min: -1e6, max: 1e6, noNaN: true }), c: cats });
    const features = fc.oneof(
      { weight: 60, arbitrary: regular },
      { weight: 1, arbitrary: regular.map((f) => ({ ...f, c: `new-${f.a}` })) },
      { weight: 1, arbitrary: regular.map((f) => ({ a: f.a, c: f.c })) },
      { weight: 1, arbitrary: regular.map((f) => ({ ...f, extra: 1 })) },
      { weight: 1, arbitrary: regular.map((f) => ({ c: f.c, b: f.b, a: f.a })) },
      { weight: 1, arbitrary: regular.map((f) => ({ ...f, b: undefined })) },
      { weight: 1, arbitrary: regular.map((f) => ({ ...f, a: NaN })) },
      { weight: 1, arbitrary: regular.map((f) => ({ ...f, a: String(f.a) })) },
      { weight: 1, arbitrary: regular.map((f) => Object.assign(Object.create({ inherited: 1 }) as object, f)) },
      { weight: 1, arbitrary: fc.constant([1, 'x']) },
      { weight: 1, arbitrary: value },
    );
    const scores = fc.oneof(
      { weight: 40, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((p) => ({ '1': p })) },
      { weight: 2, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
      { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((p) => ({ '0': 1 - p, '1': p })) },
      { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((p) => ({ no: 1 - p, yes: p })) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, null, NaN, [0.2, 0.8], { '1': { nested: 1 } }) },
    );
    const prediction = fc.oneof({ weight: 20, arbitrary: fc.constantFrom(0, 1, 'yes', true) }, { weight: 1, arbitrary: value });
    const arb = fc.record({
      id: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 12 }), fc.integer(), hostileText),
      seq: fc.nat(),
      ts: fc.oneof(fc.integer({ min: 0, max: 4e12 }), hostileText),
      features,
      prediction,
      scores,
      latencyMs: fc.oneof(fc.constant(-1), fc.double({ min: 0, max: 1e6, noNaN: true })),
      error: fc.boolean(),
      tags: fc.oneof({ weight: 20, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant({ region: 'eu' }) }),
    });
    let fastRows = 0;
    fc.assert(
      fc.property(fc.array(arb, { minLength: 1, maxLength: 60 }), (rows) => {
        const events = jsonable(rows.map((x) => new PredictionEvent(x.id, x.seq, x.ts, '"v1"', x.features, null, x.prediction, x.scores, x.latencyMs, x.error, x.tags)));
        fc.pre(events.length > 0);
        const b = new EventBatch(events.length, false);
        for (const e of events) {
          if (b.addPrediction(e.id, e.seq, e.ts, e.versionJson, e.features, e.prediction, e.scores, e.latencyMs, e.error, e.tags)) fastRows++;
          else b.add(e);
        }
        assert.equal(b.count, events.length, 'every event appended once');
        assertSame(decodeEventBatch(b.body(), LIMITS), events.map(reference));
      }),
      { numRuns: 1500 },
    );
    // Irregular rows turn columns to json for the rest of their batch, so the mixture takes the fast path for a
    // few percent of its rows (~1.5k of ~45k): enough to compare both paths row by row.
    assert.ok(fastRows > 300, `the fast path was taken for ${fastRows} rows`);

    // Regular traffic takes it for every row but the batch's first, new categories included.
    const regularBatch = new EventBatch(1000, false);
    const regularEvents = Array.from({ length: 1000 }, (_, i) =>
      ev({ id: `f-${i}`, ts: 1e12 + i, features: { dep_hour: i % 24, distance: 100 + i * 0.5, origin: ['ORD', 'ATL', 'SEA'][Math.floor(i / 334)] }, prediction: i % 2, scores: { '1': (i % 100) / 100 }, latencyMs: 0.25 }),
    );
    let regularFast = 0;
    for (const e of regularEvents) {
      if (regularBatch.addPrediction(e.id, e.seq, e.ts, e.versionJson, e.features, e.prediction, e.scores, e.latencyMs, e.error, e.tags)) regularFast++;
      else regularBatch.add(e);
    }
    assert.equal(regularFast, 1000 - 1, 'all but the first row (it gives the columns their shape) took the fast path, new categories included');
    assertSame(decodeEventBatch(regularBatch.body(), LIMITS), regularEvents.map(reference));

    // A batch that keeps its records (the service may still refuse the format) never takes it.
    const keeping = new EventBatch(4, true);
    keeping.add(ev({ features: { a: 1 } }));
    assert.equal(keeping.addPrediction('b', 0, 1, '"v1"', { a: 2 }, 1, undefined, -1, false, undefined), false, 'no fast path while records are kept');
  });

  test('columns change encoding in the middle of a batch: dict to utf8, f64 to dict or json, objects to json, key order kept', () => {
    // Long batches of one shape with a change somewhere: every row before and after must survive the re-encoding.
    const shapes = fc.constantFrom(
      (i: number) => ev({ id: `id-${i}`, features: { x: i * 1.5, c: `cat-${i % 3}` } }),
      (i: number) => ev({ id: undefined, seq: i, features: { x: i % 7 === 0 ? null : i, c: i % 5 === 0 ? null : 'k' } }),
      (i: number) => ev({ id: i, features: { c: `unique-${i}-é` } }),
      (i: number) => ev({ id: `x${i}`, prediction: i % 2 ? 'yes' : 'no', scores: { yes: i / 100, no: 1 - i / 100 }, latencyMs: i / 7 }),
    );
    const odd = fc.oneof(hostileText, hostileNumber, fc.constant(null), fc.jsonValue({ maxDepth: 2 }), fc.constant({ b: 1, a: 2 }));
    fc.assert(
      fc.property(shapes, fc.integer({ min: 1, max: 400 }), fc.array(fc.tuple(fc.nat(399), fc.constantFrom('features', 'prediction', 'scores', 'id', 'tags'), odd), { maxLength: 4 }), (shape, n, changes) => {
        const events = Array.from({ length: n }, (_, i) => shape(i));
        for (const [at, key, v] of changes) {
          if (at >= n) continue;
          const e = events[at];
          const features = key === 'features' ? { ...(e.features as object), c: v, z: v } : e.features;
          events[at] = new PredictionEvent(key === 'id' ? (v as string) : e.id, e.seq, e.ts, e.versionJson, features, e.names, key === 'prediction' ? v : e.prediction, key === 'scores' ? v : e.scores, e.latencyMs, e.error, key === 'tags' ? v : e.tags);
        }
        const ok = jsonable(events);
        fc.pre(ok.length > 0);
        assertSame(decodeEventBatch(encodeEvents(ok), LIMITS), ok.map(reference));
      }),
      { numRuns: 300 },
    );
  });

  test('features in another key order than the columns keep their order (the column becomes json)', () => {
    const events = [ev({ features: { a: 1, b: 2 } }), ev({ features: { b: 3, a: 4 } }), ev({ features: { '2': 1, z: 'q', '1': 0 } })];
    const out = decodeEventBatch(encodeEvents(events), LIMITS) as { features: object }[];
    assert.deepStrictEqual(out.map((r) => Object.keys(r.features)), [['a', 'b'], ['b', 'a'], ['1', '2', 'z']]);
  });

  test('generated ids are the prefix and the counter; NaN, Infinity and a latency of Infinity become null', () => {
    const events = [ev({ id: undefined, seq: 7, features: { x: NaN, y: -Infinity, z: -0 }, latencyMs: Infinity }), ev({ id: undefined, seq: 12_345_678_901, features: { x: 1, y: 2, z: 3 }, latencyMs: 0.0015 })];
    const out = decodeEventBatch(encodeEvents(events), LIMITS) as Record<string, unknown>[];
    assert.deepStrictEqual(out, [
      { id: `${ID_PREFIX}7`, ts: 1, version: 'v1', features: { x: null, y: null, z: 0 }, latency_ms: null },
      { id: `${ID_PREFIX}12345678901`, ts: 1, version: 'v1', features: { x: 1, y: 2, z: 3 }, latency_ms: 0.002 },
    ]);
  });

  test('a batch larger than the columns\' first arrays (they grow): 20 000 rows of ids, numbers, strings, nulls and absent keys', () => {
    const events = Array.from({ length: 20_000 }, (_, i) =>
      ev({ id: i % 3 ? `id-${i}-é` : undefined, seq: i, features: { x: i % 11 ? i / 3 : null, c: `c${i % 300}`, ...(i % 7 ? { w: 'word '.repeat(i % 5) } : {}) }, prediction: i % 2, latencyMs: i % 13 ? i / 1000 : -1 }),
    );
    assertSame(decodeEventBatch(encodeEvents(events), LIMITS), events.map(reference));
  });

  test('ready-made records of empty objects still give the server at least one body byte per two values (padding)', () => {
    const b = new EventBatch(500, false);
    const rec = Object.fromEntries([['id', 'x'], ['ts', 1], ...Array.from({ length: 60 }, (_, i) => [`k${i}`, {}])]) as unknown as EventRecord;
    for (let i = 0; i < 500; i++) b.addRecord(rec);
    const body = b.body();
    const header = JSON.parse(body.toString('utf8', 8, 8 + body.readUInt32LE(4))) as { rows: number; columns: unknown[] };
    assert.ok(header.rows * (header.columns.length + 1) <= 2 * body.length, `${header.rows} × ${header.columns.length + 1} values, ${body.length} bytes`);
    assertSame(decodeEventBatch(body, LIMITS), Array.from({ length: 500 }, () => JSON.parse(JSON.stringify(rec)) as unknown));
  });

  test('an event that cannot be JSON (BigInt, cycles) throws and leaves the batch as it was', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const bad = [ev({ features: { a: 1, big: 10n } }), ev({ features: cyclic }), ev({ features: [1, 10n], names: ['a', 'b'] }), ev({ scores: [1n] }), ev({ tags: { s: cyclic } }), ev({ prediction: 5n })];
    const good = (i: number) => ev({ id: `g${i}`, features: { a: i, b: `s${i}` }, prediction: i, scores: { '1': i / 10 }, tags: { t: 'x' } });
    const b = new EventBatch(100, false);
    const expected: PredictionEvent[] = [];
    for (let i = 0; i < bad.length; i++) {
      b.add(good(i));
      expected.push(good(i));
      assert.throws(() => predictionLine(bad[i]), TypeError);
      assert.throws(() => b.add(bad[i]), TypeError);
    }
    b.add(good(99));
    expected.push(good(99));
    assert.equal(b.count, expected.length);
    assertSame(decodeEventBatch(b.body(), LIMITS), expected.map(reference));
  });

  test('batches reused after they were sent (columns keep their arrays and encodings) decode exactly, batch after batch', () => {
    fc.assert(
      fc.property(fc.array(fc.array(event, { minLength: 1, maxLength: 30 }), { minLength: 2, maxLength: 6 }), (groups) => {
        const q = new BatchQueue(1000, 100_000, false);
        for (const all of groups) {
          const events = jsonable(all);
          if (events.length === 0) continue;
          for (const e of events) q.push(e);
          const b = q.take()!;
          assertSame(decodeEventBatch(q.body(b), LIMITS), events.map(reference));
          q.recycle(b);
        }
      }),
      { numRuns: 400 },
    );
    // Long runs of one shape, then another: kept encodings meet other values.
    const q = new BatchQueue(300, 100_000, false);
    const shapes = [
      (i: number) => ev({ id: `id-${i}`, features: { x: i * 1.5, c: `c${i % 3}`, o: { n: i } }, scores: { '1': i / 300 } }),
      (i: number) => ev({ id: i % 2 ? i : `s${i}`, features: { x: `t${i}`, c: i, d: null }, tags: { a: 'b' } }),
      (i: number) => ev({ id: undefined, seq: i, features: { c: i % 4 ? 'k' : null }, prediction: { label: i } }),
    ];
    for (let round = 0; round < 6; round++) {
      const events = Array.from({ length: 300 }, (_, i) => shapes[round % 3](i));
      for (const e of events) q.push(e);
      const b = q.take()!;
      assertSame(decodeEventBatch(q.body(b), LIMITS), events.map(reference));
      q.recycle(b);
    }
  });

  test('batch queue: sent batches are reused (at most 8 kept), given back one per idle trim, and decode exactly when reused', () => {
    const q = new BatchQueue(10, 1000, false);
    const mk = (i: number) => ev({ id: `r-${i}`, features: { x: i, c: i % 2 ? 'odd' : 'even' }, scores: { '1': i / 200 } });
    let i = 0;
    const fill = (rows: number) => {
      for (let k = 0; k < rows; k++) {
        const e = mk(i++);
        const b = q.appendable();
        if (b !== null && b.addPrediction(e.id, e.seq, e.ts, e.versionJson, e.features, e.prediction, e.scores, e.latencyMs, e.error, e.tags)) q.added();
        else q.push(e);
      }
    };
    fill(120); // 12 batches queued: a slow service
    const taken = [];
    for (let b = q.take(); b !== null; b = q.take()) taken.push(b);
    assert.equal(taken.length, 12);
    for (const b of taken) {
      b.body();
      q.recycle(b);
    }
    assert.equal(q.spareBatchCount, 8, 'at most 8 sent batches kept');
    // Refilled from the spares: the rows decode exactly.
    const from = i;
    fill(30);
    const again = [];
    for (let b = q.take(); b !== null; b = q.take()) again.push(b);
    assert.ok(again.every((b) => taken.includes(b)), 'the new batches are reused ones');
    assertSame(again.flatMap((b) => decodeEventBatch(b.body(), LIMITS)), Array.from({ length: 30 }, (_, k) => reference(mk(from + k))));
    assert.equal(q.spareBatchCount, 5);
    q.trimSpares(); // batches were opened since the last trim: nothing goes
    assert.equal(q.spareBatchCount, 5);
    for (let t = 0; t < 10; t++) q.trimSpares();
    assert.equal(q.spareBatchCount, 1, 'idle trims let spares go, one kept');
  });

  test('batch queue: batches of batchSize rows, the oldest rows dropped past maxRows, records kept only when asked', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 150 }), fc.boolean(), (batchSize, maxRows, n, keep) => {
        const q = new BatchQueue(batchSize, maxRows, keep);
        // Absent keys and nulls in places, so that dropping rows shifts the rows' lists.
        const events = Array.from({ length: n }, (_, i) => ev({ id: `e${i}`, features: i % 3 === 0 ? { s: null } : { i: i % 4 === 0 ? NaN : i, s: `v${i % 4}` }, prediction: i % 5 === 0 ? undefined : i, tags: i % 2 ? { t: 'x' } : undefined }));
        let dropped = 0;
        for (const e of events) if (q.push(e)) dropped++;
        assert.equal(dropped, Math.max(0, n - maxRows));
        assert.equal(q.size, n - dropped);
        const batches = [];
        for (let b = q.take(); b !== null; b = q.take()) batches.push(b);
        assert.equal(q.size, 0);
        const rows = batches.flatMap((b) => {
          assert.ok(b.count >= 1 && b.count <= batchSize);
          assert.equal(b.records === null, !keep);
          return decodeEventBatch(b.body(), LIMITS);
        });
        assertSame(rows, events.slice(dropped).map(reference));
        if (keep) assert.deepEqual(batches.flatMap((b) => b.records!.slice(b.start)), events.slice(dropped));
      }),
      { numRuns: 300 },
    );
  });
});
