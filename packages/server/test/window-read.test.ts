/**
 * The sampled window read of the DuckDB store (`windowTable` above the sample
 * limit): the rows kept are the `limit` events with the smallest md5 of
 * `seed ␟ id ␟ ts`, computed here independently, in (ts, id) order — through
 * the fast path (a pre-filter on the key below a threshold) and through its
 * fallback (forced by a threshold too low to hold `limit` keys), for events and
 * for labelled events only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { SAMPLE_HEADROOM } from '../src/store/duckdb/window-read.js';
import type { WindowTable } from '../src/store/store.js';
import { tempDir } from './helpers/fixtures.js';
import { MONITOR_SCHEMA, generateEvents, hashSample, storeEvents, storeFeedback, tableOf } from './helpers/monitors.js';

const T0 = Date.UTC(2024, 6, 1);
const COLUMNS = ['amount', 'country', 'is_new', 'signup', 'pred', 'p_fraud'];
const SEED = 'window-read-test';

describe('sampled window reads', { timeout: 120_000 }, () => {
  const tmp = tempDir('mw-window-read-');
  let store: DuckDBStore;
  const events = generateEvents({ n: 6000, t0: T0, stepMs: 10_000, seed: 8, problems: 0.05 });
  const labels = new Map(events.filter((_, i) => i % 3 !== 0).map((e, i) => [String(e.id), i % 2 ? '1' : '0']));

  before(async () => {
    store = await DuckDBStore.open({ path: `${tmp.dir}/w.duckdb` });
    // Two appends, the second first in time: the table's order is not the window's.
    await storeEvents(store, 'fraud', events.slice(3000));
    await storeEvents(store, 'fraud', events.slice(0, 3000));
    await storeFeedback(store, 'fraud', [...labels].map(([id, target]) => ({ id, target, ts: T0 + 86_400_000 })), Date.now());
  });
  after(async () => {
    await store?.close();
    tmp.cleanup();
  });

  const read = (limit: number, labelledOnly = false) =>
    store.windowTable({ model: 'fraud', from: T0 + 600_000, to: T0 + 50_000_000, columns: labelledOnly ? [...COLUMNS, 'label'] : COLUMNS, labelledOnly, sample: { limit, seed: SEED } });
  const inWindow = events.filter((e) => (e.ts as number) >= T0 + 600_000 && (e.ts as number) < T0 + 50_000_000);

  function check(got: WindowTable, pool: readonly Record<string, unknown>[], limit: number, labelled = false): void {
    assert.equal(got.total, pool.length);
    assert.equal(got.size, Math.min(limit, pool.length));
    assert.equal(got.sampled, pool.length > limit);
    const kept = hashSample(pool, limit, SEED);
    assert.deepEqual(got.table, tableOf(kept, labelled ? [...COLUMNS, 'label'] : COLUMNS, MONITOR_SCHEMA, labels));
  }

  for (const limit of [1, 10, 500, 4000, 4999]) {
    test(`limit ${limit}: the ${limit} smallest keys, in (ts, id) order`, async () => {
      check(await read(limit), inWindow, limit);
    });
  }

  test('the fallback to every key (fewer than `limit` keys below the threshold) reads the same rows', async () => {
    const saved = { ...SAMPLE_HEADROOM };
    try {
      SAMPLE_HEADROOM.factor = 0.3;
      SAMPLE_HEADROOM.extra = 0;
      for (const limit of [10, 500, 4000]) check(await read(limit), inWindow, limit);
      check(await read(700, true), inWindow.filter((e) => labels.has(String(e.id))), 700, true);
    } finally {
      Object.assign(SAMPLE_HEADROOM, saved);
    }
  });

  test('labelled events only: sampled among them, the target joined', async () => {
    const pool = inWindow.filter((e) => labels.has(String(e.id)));
    for (const limit of [100, 2000, pool.length + 1]) check(await read(limit, true), pool, limit, true);
  });

  test('no sample at or above the window size', async () => {
    check(await read(inWindow.length), inWindow, inWindow.length);
    check(await read(10_000), inWindow, 10_000);
  });
});
