/**
 * Delta folds of the dashboard rollups (rollups.ts `foldDelta`, driven by
 * rollup-maintainer.ts): the rollup tables they leave equal, row for row,
 * the tables a fold from scratch computes from the same events — counts
 * exactly, sums, means and M2 up to rounding — across backfilled hours, new
 * versions, non-finite and missing values, a column turning too varied to
 * keep its value counts, a histogram edge set built between deltas, and
 * appends folded in several chunks. A write the deltas did not expect (a
 * delete) is caught and repaired by a full check, and under commits that
 * never pause both deltas and a due full check still run.
 *
 * Real DuckDB (in memory); the maintainer's host is a small serialised
 * writer like the store's.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RollupMaintainer, foldCounts } from '../src/store/duckdb/rollup-maintainer.js';
import { MAX_CATEGORIES_PER_HOUR, rollupDdl, rollupTable } from '../src/store/duckdb/rollups.js';
import type { RollupLayout } from '../src/store/duckdb/rollups.js';
import { createEventsTableSql } from '../src/store/duckdb/sql.js';
import type { PhysicalColumn } from '../src/store/duckdb/sql.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 2, 1);

const col = (name: string, kind: PhysicalColumn['kind']): PhysicalColumn => ({ name, kind, physical: `c_${name}`, active: true });
const X = col('x', 'numeric');
const N = col('n', 'numeric');
const D = col('d', 'datetime');
const CAT = col('cat', 'categorical');
const B = col('b', 'boolean');
const CODE = col('code', 'categorical');

/** A serialised writer over one connection: every write (the test's appends too) in its own transaction. */
class Writer {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(readonly c: DuckDBConnection) {}
  write<T>(fn: (w: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => {
      await this.c.run('BEGIN TRANSACTION');
      try {
        const out = await fn(this.c);
        await this.c.run('COMMIT');
        return out;
      } catch (err) {
        await this.c.run('ROLLBACK');
        throw err;
      }
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}

async function setup(id: number) {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const layout: RollupLayout = { id, model: `m${id}`, events: `ev_${id}`, numeric: [X, N, D], categorical: [CAT, B, CODE] };
  await c.run(createEventsTableSql(layout.events, [X, N, D, CAT, B, CODE]));
  for (const sql of rollupDdl(id)) await c.run(sql);
  const writer = new Writer(c);
  return { db, c, layout, writer };
}

/**
 * Appends events `from … to-1` (ids `e<i>`), one every `stepMs` from `start`:
 * missing, infinite and NaN values, two versions (or `version`), `code` values
 * `k0…k6` or, with `varied`, one per event.
 */
function appendSql(l: RollupLayout, o: { from: number; to: number; start: number; stepMs: number; version?: string; varied?: boolean }): [string, number[]] {
  const r = (salt: number) => `(hash(i * 31 + ${salt}) % 1000003) / 1000003.0`;
  const version = o.version ? `'${o.version}'` : `CASE WHEN i % 3 = 0 THEN 'v2' ELSE 'v1' END`;
  const code = o.varied ? `'burst-' || i` : `'k' || (i % 7)`;
  return [
    `INSERT INTO ${l.events} (id, ts, version, latency_ms, error, dq_type_violations, c_x, c_n, c_d, c_cat, c_b, c_code)
     SELECT 'e' || i, epoch_ms($3::BIGINT + (i - $1) * $4::BIGINT), ${version},
       CASE WHEN i % 17 = 0 THEN NULL WHEN i % 53 = 0 THEN 0 ELSE 0.5 + ${r(1)} * ${r(1)} * 40 END,
       CASE WHEN i % 41 = 0 THEN true WHEN i % 7 = 0 THEN NULL ELSE false END,
       0,
       CASE WHEN i % 19 = 0 THEN NULL WHEN i % 97 = 0 THEN 'inf'::DOUBLE WHEN i % 89 = 0 THEN 'nan'::DOUBLE ELSE round(${r(2)} * 1e6) / 997 END,
       CASE WHEN i % 23 = 0 THEN NULL ELSE (i % 15)::DOUBLE END,
       CASE WHEN i % 29 = 0 THEN NULL ELSE epoch_ms(${T0} - CAST(floor(${r(3)} * 40) AS BIGINT) * ${DAY}) END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE ['NL', 'DE', 'FR', 'BE', 'PL'][i % 5 + 1] END,
       CASE WHEN i % 11 = 0 THEN NULL ELSE i % 2 = 0 END,
       ${code}
     FROM range($1, $2) r(i)`,
    [o.from, o.to, o.start, o.stepMs],
  ];
}

/** Appends (in its own transaction) and tells the maintainer which hours were written. */
async function append(s: Awaited<ReturnType<typeof setup>>, m: RollupMaintainer, o: Parameters<typeof appendSql>[1]): Promise<void> {
  const [sql, params] = appendSql(s.layout, o);
  await s.writer.write((w) => w.run(sql, params));
  m.note(s.layout.model, Array.from({ length: o.to - o.from }, (_, k) => o.start + k * o.stepMs));
}

const PARTS = ['hours', 'traffic', 'lat', 'num', 'cat', 'nval', 'hist', 'cols'] as const;

/** Every rollup table's rows in key order (counts as bigint, doubles as numbers). */
async function dump(s: Awaited<ReturnType<typeof setup>>): Promise<Record<string, unknown[][]>> {
  const out: Record<string, unknown[][]> = {};
  for (const p of PARTS) {
    const rows = (await s.c.runAndReadAll(`SELECT * FROM ${rollupTable(s.layout.id, p)} ORDER BY ALL`)).getRows();
    out[p] = rows;
  }
  return out;
}

/** The rollups a fold from scratch computes from the same events (every hour refolded whole by a full check). */
async function fromScratch(s: Awaited<ReturnType<typeof setup>>, m: RollupMaintainer): Promise<Record<string, unknown[][]>> {
  await s.writer.write((w) => w.run(`DELETE FROM ${rollupTable(s.layout.id, 'hours')}`));
  m.invalidate(s.layout.id);
  const full = foldCounts.full;
  m.schedule(true);
  await m.idle();
  assert.ok(foldCounts.full > full, 'a full check ran');
  return dump(s);
}

function assertSameRollups(a: Record<string, unknown[][]>, b: Record<string, unknown[][]>): void {
  for (const p of PARTS) {
    assert.equal(a[p].length, b[p].length, `${p}: ${a[p].length} vs ${b[p].length} rows`);
    a[p].forEach((row, i) =>
      row.forEach((x, j) => {
        const y = b[p][i][j];
        const where = `${p}[${i}][${j}] (${row.slice(0, 3).map(String).join(", ")})`;
        if (typeof x === 'number' && typeof y === 'number') {
          assert.ok(x === y || Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y)), `${where}: ${x} vs ${y}`);
        } else assert.deepEqual(x, y, where);
      }),
    );
  }
}

describe('dashboard rollups: delta folds', { timeout: 120_000 }, () => {
  const open: DuckDBConnection[] = [];
  after(() => {
    for (const c of open) c.closeSync();
  });

  test('delta folds leave the rollups a fold from scratch computes', async () => {
    const s = await setup(1);
    open.push(s.c);
    const m = new RollupMaintainer({ write: (fn) => s.writer.write(fn), layouts: () => [s.layout] }, 5, 50, 700);
    // Two days, one event every 70 s: the first pass is a full check, and leaves the rollups complete.
    await append(s, m, { from: 0, to: 2500, start: T0 + 30_000, stepMs: 70_000 });
    await m.idle();
    assert.equal(m.complete.get(1), 2500);

    const deltas = foldCounts.delta;
    // Backfill into folded hours, and later hours; 900 events fold in two chunks of row ids.
    await append(s, m, { from: 10_000, to: 10_900, start: T0 + 7 * HOUR + 5_000, stepMs: 9_000 });
    await m.idle();
    assert.ok(foldCounts.delta >= deltas + 2, 'folded as deltas, in chunks');
    assert.equal(m.complete.get(1), 3400);

    // A histogram edge set, built (asked for twice) from what the rollups hold, then kept by the next deltas.
    const edges = [0, 100, 250.5, 500, 1000];
    m.requestHistogram(s.layout, X, edges);
    m.requestHistogram(s.layout, X, edges);
    await m.idle();
    const [[sets]] = (await s.c.runAndReadAll(`SELECT count(*) FROM ${rollupTable(1, 'hsets')} WHERE ready`)).getRows();
    assert.equal(Number(sets), 1);

    // A new version in hours already folded and new ones; then an hour with more codes than are kept: `code` is left out.
    await append(s, m, { from: 20_000, to: 20_600, start: T0 + 20 * HOUR, stepMs: 30_000, version: 'v3' });
    // (two versions share the hour: one of them holds more than the limit)
    await append(s, m, { from: 30_000, to: 30_000 + 2 * MAX_CATEGORIES_PER_HOUR, start: T0 + DAY + 3 * HOUR + 1, stepMs: 1_500, varied: true });
    await m.idle();
    const [[state]] = (await s.c.runAndReadAll(`SELECT state FROM ${rollupTable(1, 'cols')} WHERE col = 'c_code'`)).getRows();
    assert.equal(state, 'off');
    const [[histRows]] = (await s.c.runAndReadAll(`SELECT count(*) FROM ${rollupTable(1, 'hist')} WHERE version = 'v3'`)).getRows();
    assert.ok(Number(histRows) > 0, 'the kept edge set counts the later deltas');

    const delta = await dump(s);
    assert.ok(delta.num.length > 100 && delta.cat.length > 100 && delta.hist.length > 50);
    assertSameRollups(delta, await fromScratch(s, m));
    await m.close();
  });

  test('a write the deltas did not expect is caught: a full check refolds, and the rollups are right again', async () => {
    const s = await setup(2);
    open.push(s.c);
    const m = new RollupMaintainer({ write: (fn) => s.writer.write(fn), layouts: () => [s.layout] }, 5, 50);
    await append(s, m, { from: 0, to: 1500, start: T0, stepMs: 60_000 });
    await m.idle();
    // Rows deleted behind the maintainer's back (no invalidate), then appends: base + appends no longer adds up.
    await s.writer.write((w) => w.run(`DELETE FROM ev_2 WHERE ts < epoch_ms(${T0 + 5 * HOUR + 123})`));
    const full = foldCounts.full;
    await append(s, m, { from: 5000, to: 5400, start: T0 + 2 * HOUR, stepMs: 20_000 });
    await m.idle();
    assert.ok(foldCounts.full > full, 'the delta refused and a full check ran');
    const [[n]] = (await s.c.runAndReadAll(`SELECT count(*) FROM ev_2`)).getRows();
    assert.equal(m.complete.get(2), Number(n));
    assertSameRollups(await dump(s), await fromScratch(s, m));
    await m.close();
  });

  test('commits that never pause: deltas still fold, and a full check that is due runs by its deadline', async () => {
    const s = await setup(3);
    open.push(s.c);
    // Folds wait for 300 ms without commits, 1.5 s at most; the test commits every 40 ms.
    const m = new RollupMaintainer({ write: (fn) => s.writer.write(fn), layouts: () => [s.layout] }, 300, 1500);
    await append(s, m, { from: 0, to: 1000, start: T0, stepMs: 60_000 });
    await m.idle();
    let i = 1000;
    const trickle = async (until: () => boolean) => {
      // Bounded: the deadline is 1.5 s; 30 s of trickling is far beyond it.
      for (let k = 0; k < 750 && !until(); k++) {
        await append(s, m, { from: i, to: i + 20, start: T0 + 10 * HOUR + i * 1000, stepMs: 1000 });
        i += 20;
        await new Promise((r) => setTimeout(r, 40));
      }
    };
    const deltas = foldCounts.delta;
    await trickle(() => foldCounts.delta > deltas);
    assert.ok(foldCounts.delta > deltas, 'a delta folded while commits kept coming');
    // Retention or a schema change makes a full check due.
    m.invalidate(3);
    const full = foldCounts.full;
    await trickle(() => foldCounts.full > full && m.complete.has(3));
    assert.ok(foldCounts.full > full && m.complete.has(3), 'the full check ran and completed while commits kept coming');
    await m.idle();
    const [[n]] = (await s.c.runAndReadAll(`SELECT count(*) FROM ev_3`)).getRows();
    assert.equal(m.complete.get(3), Number(n));
    assertSameRollups(await dump(s), await fromScratch(s, m));
    await m.close();
  });
});
