/**
 * The in-memory duplicate pre-check (src/store/duckdb/recent-keys.ts): it may
 * only ever say "clean" when no key of the group was stored before or repeats
 * in the group — anything else must fall back to the exact SQL check — and the
 * store must skip exactly the duplicates whatever the index knows: inside one
 * request, across requests of one group, across commits, after a restart,
 * before the floor, after eviction.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBStore, compileEventPlan, prepareEvents } from '../src/index.js';
import type { EventBatch, ModelRecord } from '../src/index.js';
import { attachKeyHashes, keyHashes, keyHashesOf } from '../src/store/duckdb/key-hash.js';
import { RecentKeys } from '../src/store/duckdb/recent-keys.js';
import { HOUR, SCHEMA, T0, event, tempDir } from './helpers/fixtures.js';

/** A minimal batch for the index (only ids and ts are read). */
function keysBatch(keys: readonly [string, number][]): EventBatch {
  return { length: keys.length, ids: keys.map((k) => k[0]), ts: Float64Array.from(keys, (k) => k[1]) } as unknown as EventBatch;
}

function admit(index: RecentKeys, groups: (readonly [string, number][])[], newest = -Infinity): string {
  const batches = groups.map(keysBatch);
  return index.admit(1, batches, batches.map((_, i) => i), index.knows(1) ? undefined : newest * 1000);
}

describe('recent keys (duplicate pre-check)', () => {
  test('new keys are clean; a key seen before, repeated in a group or not later than the floor is not', () => {
    const index = new RecentKeys();
    assert.equal(admit(index, [[['a', T0], ['b', T0]]], T0 - 1), 'clean');
    // Same id at another time, another id at the same time: other events.
    assert.equal(admit(index, [[['a', T0 + 1], ['c', T0]]]), 'clean');
    assert.equal(admit(index, [[['d', T0 + 5]], [['a', T0]]]), 'maybe'); // stored before
    assert.equal(admit(index, [[['e', T0 + 5]], [['e', T0 + 5]]]), 'maybe'); // twice across batches of a group
    assert.equal(admit(index, [[['f', T0 + 5], ['f', T0 + 5]]]), 'maybe'); // twice in one batch
    assert.equal(admit(index, [[['g', T0 - 1]]]), 'maybe'); // at the floor: maybe stored by an earlier process
    assert.equal(admit(index, [[['h', T0 - 2]]]), 'maybe'); // below it
    assert.equal(index.floorOf(1), (T0 - 1) * 1000);
    // Microseconds count: ts differing below a millisecond are different keys.
    assert.equal(admit(index, [[['i', T0 + 0.001]], [['i', T0 + 0.002]]]), 'clean');
  });

  test('dropping old keys raises the floor, so they are "maybe" again, never "clean"', () => {
    const maxKeys = 1 << 17;
    const index = new RecentKeys(maxKeys);
    const key = (i: number): [string, number] => [`k${i}`, T0 + i];
    for (let i = 0; i < 400_000; i += 1000) assert.equal(admit(index, [Array.from({ length: 1000 }, (_, j) => key(i + j))], T0 - 1), 'clean');
    assert.ok(index.size <= maxKeys, `${index.size} keys held`);
    const floor = index.floorOf(1)!;
    assert.ok(floor > T0 * 1000, 'the floor rose');
    const firstKept = Math.floor(floor / 1000 - T0) + 1;
    assert.equal(admit(index, [[key(0)]]), 'maybe'); // dropped, below the floor
    assert.equal(admit(index, [[key(firstKept - 1)]]), 'maybe'); // at the floor
    assert.equal(admit(index, [[key(399_999)]]), 'maybe'); // still held
    assert.equal(admit(index, [[[`new`, T0 + 400_000]]]), 'clean');
  });

  test('property: "clean" only when the group is new and has no repeats', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1 << 10, max: 1 << 17 }),
        fc.array(fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 40 })), { maxLength: 6 }), { minLength: 1, maxLength: 3 }), { maxLength: 40 }),
        (maxKeys, groups) => {
          const index = new RecentKeys(maxKeys);
          const stored = new Set<string>();
          // Events up to T0 + 5 were stored by "an earlier process".
          for (let t = 0; t <= 5; t++) stored.add(`x${t}|${T0 + t}`);
          let first = true;
          for (const g of groups) {
            const keys = g.map((b) => b.map(([i, t]): [string, number] => [`x${i}`, T0 + t]));
            const verdict = admit(index, keys, first ? T0 + 5 : undefined);
            first = false;
            const flat = keys.flat().map(([id, ts]) => `${id}|${ts}`);
            if (verdict === 'clean') {
              assert.equal(new Set(flat).size, flat.length, 'repeated key called clean');
              for (const k of flat) assert.ok(!stored.has(k), `stored key ${k} called clean`);
            }
            for (const k of flat) stored.add(k);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('attached hashes are used only when they fit the batch', () => {
    const b = keysBatch([['a', T0], ['b', T0 + 1]]);
    const h = keyHashes(b.ids, b.ts, b.length);
    assert.deepEqual(keyHashesOf(b), h);
    attachKeyHashes(b, new Uint32Array(2)); // wrong length: ignored
    assert.deepEqual(keyHashesOf(b), h);
    const other = new Uint32Array(4).fill(7);
    attachKeyHashes(b, other);
    assert.equal(keyHashesOf(b), other);
  });
});

function batchOf(model: ModelRecord, records: unknown[]): EventBatch {
  const prepared = prepareEvents(records, compileEventPlan(model));
  assert.equal(prepared.rejectedCount, 0, JSON.stringify(prepared.rejected));
  return prepared.batch;
}

describe('DuckDB store: duplicates with the pre-check', () => {
  test('within a request, across requests of a group, across commits, after a restart, older than what is stored', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, 'd.duckdb');
      let store = await DuckDBStore.open({ path });
      let { model } = await store.putModel({ name: 'd', schema: SCHEMA, versions: ['v1'] });
      const ev = (i: number) => event(i);
      // One group: a repeat inside the first request and across the two.
      let [a, b] = await store.appendEvents([batchOf(model, [ev(1), ev(2), ev(1)]), batchOf(model, [ev(2), ev(3)])]);
      assert.deepEqual(a, { inserted: 2, duplicates: 1, duplicateIndexes: [2] });
      assert.deepEqual(b, { inserted: 1, duplicates: 1, duplicateIndexes: [0] });
      // Across commits: a retry of stored events, mixed with new ones.
      [a] = await store.appendEvents([batchOf(model, [ev(4), ev(3), ev(5)])]);
      assert.deepEqual(a, { inserted: 2, duplicates: 1, duplicateIndexes: [1] });
      // A clean group after a slow one (the index still knows everything).
      [a] = await store.appendEvents([batchOf(model, [ev(6), ev(7)])]);
      assert.deepEqual(a, { inserted: 2, duplicates: 0, duplicateIndexes: [] });
      await store.close();

      // A new process knows nothing in memory: what it sees must still be exact.
      store = await DuckDBStore.open({ path });
      model = (await store.getModel('d'))!;
      [a] = await store.appendEvents([batchOf(model, [ev(7), ev(8)])]); // 7 is the newest stored
      assert.deepEqual(a, { inserted: 1, duplicates: 1, duplicateIndexes: [0] });
      [a] = await store.appendEvents([batchOf(model, [ev(2), ev(0), ev(9)])]); // older than stored: one known, one new
      assert.deepEqual(a, { inserted: 2, duplicates: 1, duplicateIndexes: [0] });
      [a, b] = await store.appendEvents([batchOf(model, [ev(10), ev(11)]), batchOf(model, [ev(11), ev(8)])]);
      assert.deepEqual(a, { inserted: 2, duplicates: 0, duplicateIndexes: [] });
      assert.deepEqual(b, { inserted: 0, duplicates: 2, duplicateIndexes: [0, 1] });
      const bounds = await store.eventTimeBounds('d');
      assert.equal(bounds.events, 12); // e0 … e11, each once
      assert.equal((await store.eventCounts({ model: 'd', from: T0 - HOUR, to: T0 + HOUR }))[0].events, 12);
      await store.close();
    } finally {
      tmp.cleanup();
    }
  });
});
