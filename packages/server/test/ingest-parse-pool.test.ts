/**
 * Event bodies parsed on worker threads (src/ingest/parse-pool.ts): the result
 * must be exactly what the main thread's `readEventsBody` gives for the same
 * body — rejections, data-quality findings and every column — errors must be
 * the same classes, a changed model must be parsed with its new plan, and the
 * key hashes the worker attaches must be the ones the store would compute.
 * Also the wire form of string columns (src/ingest/parse-wire.ts), and the
 * HTTP route with off-thread parsing end to end.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileEventPlan, createServer, resolveConfig } from '../src/index.js';
import type { ModelRecord } from '../src/index.js';
import { ParsePool } from '../src/ingest/parse-pool.js';
import { decodeStrings, encodeStrings } from '../src/ingest/parse-wire.js';
import { BodyError, TooManyRecordsError, readEventsBody } from '../src/ingest/read-body.js';
import type { BodyFormat } from '../src/ingest/read-body.js';
import { keyHashes, keyHashesOf } from '../src/store/duckdb/key-hash.js';
import { SCHEMA, T0, event, tempDir } from './helpers/fixtures.js';

const MODEL: ModelRecord = { name: 'pool', task: 'binary', schema: SCHEMA, versions: ['v1'], generation: 1, createdAt: T0, updatedAt: T0 };

function ndjson(records: unknown[]): Buffer {
  return Buffer.from(records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n'));
}

/** A body mixing valid records, rejections and data-quality findings. */
function mixedRecords(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 97 === 5) return '{"id": broken';
    if (i % 89 === 7) return { id: `r${i}`, ts: 'not a time', features: {} };
    if (i % 13 === 3) return event(i, { id: i, features: { amount: 'n/a', country: 'NL', colour: 'red' } });
    if (i % 11 === 1) return event(i, { id: `ü-${i}-😀`, version: undefined, tags: { channel: `ch-${i % 300}` } });
    return event(i);
  });
}

describe('wire form of string columns', () => {
  test('round-trips any strings and nulls (property), dictionary and joined forms', () => {
    const str = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', 'NL', 'a\u0000b', '\ud800'));
    fc.assert(
      fc.property(fc.array(fc.option(str, { nil: null })), fc.nat(400), (values, extra) => {
        // Sometimes many distinct values, so both forms are exercised.
        const all = [...values, ...Array.from({ length: extra }, (_, i) => (extra > 300 ? `u${i}` : values[i % Math.max(1, values.length)] ?? null))];
        assert.deepEqual(decodeStrings(structuredClone(encodeStrings(all, all.length))), all);
      }),
      { numRuns: 300 },
    );
    assert.equal(encodeStrings(['a', 'b', 'a', null], 4).t, 'dict');
    assert.equal(encodeStrings(Array.from({ length: 1000 }, (_, i) => `id-${i}`), 1000).t, 'joined');
    assert.equal(encodeStrings([null, null], 2).t, 'null');
  });
});

describe('parse pool', () => {
  const pool = new ParsePool({ threads: 2, minBytes: 0 });
  after(() => pool.close());

  test('a worker gives exactly what the main thread gives, with the same key hashes', async () => {
    const plan = compileEventPlan(MODEL);
    const bodies: [Buffer, BodyFormat][] = [
      [ndjson(mixedRecords(3000)), 'ndjson'],
      [ndjson(mixedRecords(10)), 'ndjson'],
      [Buffer.from(JSON.stringify(mixedRecords(500).filter((r) => typeof r !== 'string'))), 'json'],
      // A JSON array the byte reader hands to JSON.parse (escapes in keys).
      [Buffer.from(`[{"i\\u0064":"x1","ts":${T0},"version":"v1","features":{"amount":1}}]`), 'json'],
    ];
    const before = pool.stats.offThread;
    const results = await Promise.all(bodies.map(([b, nd]) => pool.read(Buffer.from(b), nd, MODEL, plan, 100_000)));
    assert.equal(pool.stats.offThread - before, bodies.length);
    results.forEach((got, i) => {
      const want = readEventsBody(bodies[i][0], bodies[i][1], plan, 100_000);
      assert.deepEqual(got, want);
      assert.ok(got.accepted > 0);
      assert.deepEqual(keyHashesOf(got.batch), keyHashes(want.batch.ids, want.batch.ts, want.batch.length));
    });
    assert.ok(results[0].rejectedCount > 0 && results[0].quality.typeViolations > 0);
  });

  test('errors come back as the main thread would throw them', async () => {
    const plan = compileEventPlan(MODEL);
    await assert.rejects(pool.read(Buffer.from('{"not": "an array"}'), 'json', MODEL, plan, 100), (e: unknown) => e instanceof BodyError && e.code === 'bad_request');
    await assert.rejects(pool.read(Buffer.from('[{"id": '), 'json', MODEL, plan, 100), (e: unknown) => e instanceof BodyError && e.code === 'invalid_json');
    await assert.rejects(pool.read(ndjson(mixedRecords(20)), 'ndjson', MODEL, plan, 10), (e: unknown) => e instanceof TooManyRecordsError && e.max === 10);
    // The pool still works afterwards.
    assert.equal((await pool.read(ndjson([event(1)]), 'ndjson', MODEL, plan, 10)).accepted, 1);
  });

  test('a changed model is parsed with its new plan', async () => {
    const noVersion = ndjson([event(1, { version: undefined }), event(2, { version: undefined })]);
    let p = await pool.read(Buffer.from(noVersion), 'ndjson', MODEL, compileEventPlan(MODEL), 100);
    assert.equal(p.accepted, 2); // one declared version: it is the default
    const two: ModelRecord = { ...MODEL, versions: ['v1', 'v2'], updatedAt: T0 + 1 };
    p = await pool.read(Buffer.from(noVersion), 'ndjson', two, compileEventPlan(two), 100);
    assert.equal(p.accepted, 0);
    assert.deepEqual(p.rejected.map((r) => r.reason), ['missing_version', 'missing_version']);
  });

  test('small bodies stay in-thread; zero threads parse everything in-thread', async () => {
    const small = new ParsePool({ threads: 1 });
    const none = new ParsePool({ threads: 0, minBytes: 0 });
    try {
      const plan = compileEventPlan(MODEL);
      const body = ndjson([event(1)]);
      assert.equal((await small.read(Buffer.from(body), 'ndjson', MODEL, plan, 10)).accepted, 1);
      assert.equal((await none.read(Buffer.from(body), 'ndjson', MODEL, plan, 10)).accepted, 1);
      assert.deepEqual([small.stats, none.stats], [{ offThread: 0, inThread: 1 }, { offThread: 0, inThread: 1 }]);
    } finally {
      await small.close();
      await none.close();
    }
  });
});

describe('POST events parsed off-thread', () => {
  test('a large body is answered, stored and deduplicated like an in-thread one', async () => {
    const tmp = tempDir();
    const config = resolveConfig({ server: { dataDir: tmp.dir, queue: { parseThreads: 1 } } }, { baseDir: tmp.dir, env: {} });
    const s = await createServer({ config, defaultMetrics: false });
    try {
      let res = await s.app.inject({ method: 'PUT', url: '/v1/models/pool', payload: { schema: SCHEMA, versions: ['v1'] } });
      assert.equal(res.statusCode, 201);
      const records = mixedRecords(2000);
      const body = ndjson(records);
      assert.ok(body.length > 64 * 1024);
      const want = readEventsBody(body, 'ndjson', compileEventPlan((await s.store.getModel('pool'))!), 100_000);
      const post = () => s.app.inject({ method: 'POST', url: '/v1/models/pool/events', headers: { 'content-type': 'application/x-ndjson' }, payload: Buffer.from(body) });
      res = await post();
      assert.equal(res.statusCode, 200, res.body);
      const first = res.json();
      assert.equal(first.accepted, want.accepted);
      assert.equal(first.inserted, want.accepted);
      assert.equal(first.rejectedCount, want.rejectedCount);
      assert.deepEqual(first.dataQuality, want.quality);
      res = await post();
      assert.deepEqual([res.json().inserted, res.json().duplicates], [0, want.accepted]);
      assert.equal((await s.store.eventTimeBounds('pool')).events, want.accepted);
    } finally {
      await s.close();
      tmp.cleanup();
    }
  });
});
