/**
 * The whole-column DuckDB append (src/store/duckdb/append.ts): every value
 * written through typed arrays, validity masks and 16-byte string structs must
 * read back from the database file exactly — strings of every length around the
 * 12-byte inline limit, multi-byte and astral characters, NULs, lone
 * surrogates (stored as U+FFFD, as UTF-8 requires), missing values in every
 * pattern, chunk boundaries, timestamps before 1970, non-finite doubles.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Schema } from '@modelwatch/core';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import type { EventBatch, ModelRecord } from '../src/store/store.js';
import { tempDir } from './helpers/fixtures.js';

const SCHEMA: Schema = {
  columns: [
    { name: 's', kind: 'categorical', role: 'feature' },
    { name: 'x', kind: 'numeric', role: 'feature' },
    { name: 'b', kind: 'boolean', role: 'feature' },
    { name: 'd', kind: 'datetime', role: 'feature' },
  ],
};

interface Row {
  id: string;
  ts: number;
  s: string | null;
  x: number | null;
  b: boolean | null;
  d: number | null;
  latency: number | null;
  tags: string | null;
}

function batchOf(m: ModelRecord, rows: Row[]): EventBatch {
  const n = rows.length;
  return {
    model: m.name,
    generation: m.generation,
    length: n,
    ids: rows.map((r) => r.id),
    ts: Float64Array.from(rows, (r) => r.ts),
    versions: rows.map((_, i) => (i % 3 === 0 ? 'v1' : 'a-longer-version-name')),
    columns: [
      { type: 'string', values: rows.map((r) => r.s) },
      { type: 'number', values: Float64Array.from(rows, (r) => r.x ?? 0), nulls: Uint8Array.from(rows, (r) => (r.x === null ? 1 : 0)) },
      { type: 'boolean', values: Uint8Array.from(rows, (r) => (r.b === null ? 2 : r.b ? 1 : 0)) },
      { type: 'timestamp', values: Float64Array.from(rows, (r) => r.d ?? 0), nulls: Uint8Array.from(rows, (r) => (r.d === null ? 1 : 0)) },
    ],
    latencyMs: Float64Array.from(rows, (r) => r.latency ?? NaN),
    errors: Uint8Array.from(rows, (_, i) => i % 3),
    tags: rows.map((r) => r.tags),
    dqTypeViolations: Uint16Array.from(rows, (_, i) => (i * 7919) % 65536),
    dqTypeColumns: rows.map((_, i) => (i % 5 === 0 ? 'x\u001fs' : null)),
    dqUnknownColumns: rows.map(() => null),
    dqMissingColumns: rows.map((_, i) => (i % 2 === 0 ? 'd' : null)),
  };
}

/** What DuckDB stores for a JS string: its UTF-8 encoding (lone surrogates become U+FFFD). */
const stored = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8').toString('utf8'));

const stringValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.integer({ min: 0, max: 40 }).map((n) => 'abcdefghijklmnopqrstuvwxyz0123456789ABCD'.slice(0, n)),
  fc.integer({ min: 0, max: 16 }).map((n) => 'é'.repeat(n)),
  fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', 'x\udfff', '😀', '😀😀😀😀', 'ünï-code', '1234567890ab', '1234567890abc'),
);
const ms = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2199, 11, 31) });
const row = fc.record({
  id: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 0 }).map(String)),
  ts: ms,
  s: fc.option(stringValue, { freq: 4 }),
  x: fc.option(fc.oneof(fc.double(), fc.constantFrom(Infinity, -Infinity, -0, 0)), { freq: 4 }),
  b: fc.option(fc.boolean(), { freq: 3 }),
  d: fc.option(fc.oneof(ms, ms.map((t) => t + 0.5)), { freq: 3 }),
  latency: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { freq: 2 }),
  tags: fc.option(stringValue.map((s) => JSON.stringify({ k: s })), { freq: 2 }),
});

describe('whole-column append', () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'append.duckdb');
  const written: { model: string; rows: Row[]; local: number[] }[] = [];
  let store: DuckDBStore;

  before(async () => {
    store = await DuckDBStore.open({ path });
  });
  after(() => tmp.cleanup());

  test('generated rows (property), in batches that cross chunk boundaries', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 2 }), async (rows, extra) => {
        const name = `m${k++}`;
        const { model } = await store.putModel({ name, schema: SCHEMA, versions: ['v1'] });
        // Unique (id, ts): the ids get the row number.
        const unique = rows.map((r, i) => ({ ...r, id: `${i}:${r.id}` }));
        // Now and then a batch longer than one chunk (2048 rows).
        const big = extra === 0 ? Array.from({ length: 4100 }, (_, i) => ({ ...unique[i % unique.length], id: `big${i}` })) : [];
        const all = [...unique, ...big];
        const results = await store.appendEvents([batchOf(model, unique), ...(big.length ? [batchOf(model, big)] : [])]);
        assert.equal(results.reduce((s, r) => s + r.inserted, 0), all.length);
        written.push({ model: name, rows: all, local: [...unique.keys(), ...big.keys()] });
      }),
      { numRuns: 40 },
    );
    // Read every table back from the file with a fresh DuckDB.
    await store.close();
    const db = await DuckDBInstance.create(path);
    const conn = await db.connect();
    try {
      for (const [m, { model: name, rows, local }] of written.entries()) {
        const layout = JSON.parse(String((await conn.runAndReadAll(`SELECT layout_json FROM mw_models WHERE name = $1`, [name])).getRows()[0][0])) as { id: number; columns: { physical: string }[] };
        const [cs, cx, cb, cd] = layout.columns.map((c) => `"${c.physical}"`);
        const res = await conn.runAndReadAll(
          `SELECT id, epoch_ms(ts), version, latency_ms, error, tags, dq_type_violations, dq_type_columns, dq_unknown, dq_missing,
                  ${cs}, ${cx}, ${cb}, CAST(epoch_us(${cd}) AS DOUBLE) FROM ev_${layout.id} ORDER BY rowid`,
        );
        const got = res.getRows();
        assert.equal(got.length, rows.length, name);
        rows.forEach((r, row) => {
          const g = got[row];
          const i = local[row]; // the row's index in its batch
          const at = `${name} row ${i} (model ${m})`;
          assert.equal(g[0], r.id, at);
          assert.equal(Number(g[1]), r.ts, at);
          assert.equal(g[2], i % 3 === 0 ? 'v1' : 'a-longer-version-name', at);
          assert.equal(g[3], r.latency, at);
          assert.equal(g[4], [false, true, null][i % 3], at);
          assert.equal(g[5], stored(r.tags), at);
          assert.equal(Number(g[6]), (i * 7919) % 65536, at);
          assert.equal(g[7], i % 5 === 0 ? 'x\u001fs' : null, at);
          assert.equal(g[8], null, at);
          assert.equal(g[9], i % 2 === 0 ? 'd' : null, at);
          assert.equal(g[10], stored(r.s), `${at}: ${JSON.stringify(r.s)}`);
          // DuckDB stores -0 as 0 (whatever the writer); NaN and ±Infinity are kept.
          assert.ok(r.x === 0 ? g[11] === 0 : Object.is(g[11], r.x), `${at}: ${g[11]} vs ${r.x}`);
          assert.equal(g[12], r.b, at);
          assert.equal(g[13], r.d === null ? null : Math.round(r.d * 1000), at);
        });
        // Strings compare and hash like DuckDB's own: equal values group together.
        const groups = await conn.runAndReadAll(`SELECT count(DISTINCT ${cs}), count(DISTINCT id) FROM ev_${layout.id}`);
        const [distinctS, distinctIds] = groups.getRows()[0].map(Number);
        assert.equal(distinctS, new Set(rows.filter((r) => r.s !== null).map((r) => stored(r.s))).size, name);
        assert.equal(distinctIds, new Set(rows.map((r) => r.id)).size, name);
        // Equality with a constant compares all 16 bytes of an inline string: padding must be zero.
        const counts = new Map<string, number>();
        for (const r of rows) if (r.s !== null) counts.set(stored(r.s)!, (counts.get(stored(r.s)!) ?? 0) + 1);
        for (const [value, n] of [...counts].slice(0, 5)) {
          const eq = await conn.runAndReadAll(`SELECT count(*) FROM ev_${layout.id} WHERE ${cs} = $1`, [value]);
          assert.equal(Number(eq.getRows()[0][0]), n, `${name}: ${JSON.stringify(value)}`);
        }
        const versions = await conn.runAndReadAll(`SELECT count(*) FROM ev_${layout.id} WHERE version = 'v1'`);
        assert.equal(Number(versions.getRows()[0][0]), local.filter((i) => i % 3 === 0).length, name);
      }
    } finally {
      conn.disconnectSync();
      db.closeSync();
    }
  });
});

describe('retired columns', () => {
  test('a column removed from the schema gets nulls; the new one values', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'retired.duckdb');
    const store = await DuckDBStore.open({ path });
    const v1: Schema = { columns: [{ name: 'a', kind: 'numeric', role: 'feature' }, { name: 'b', kind: 'categorical', role: 'feature' }] };
    const v2: Schema = { columns: [{ name: 'b', kind: 'categorical', role: 'feature' }, { name: 'c', kind: 'boolean', role: 'feature' }] };
    await store.putModel({ name: 'r', schema: v1 });
    const { model } = await store.putModel({ name: 'r', schema: v2 });
    const batch: EventBatch = {
      model: 'r',
      generation: model.generation,
      length: 2,
      ids: ['p', 'q'],
      ts: Float64Array.of(1e12, 1e12 + 1),
      versions: ['v', 'v'],
      columns: [
        { type: 'string', values: ['long enough to be a pointer', 'NL'] },
        { type: 'boolean', values: Uint8Array.of(1, 2) },
      ],
      latencyMs: Float64Array.of(NaN, NaN),
      errors: Uint8Array.of(2, 2),
      tags: [null, null],
      dqTypeViolations: Uint16Array.of(0, 0),
      dqTypeColumns: [null, null],
      dqUnknownColumns: [null, null],
      dqMissingColumns: [null, null],
    };
    await store.appendEvents([batch]);
    await store.close();
    const db = await DuckDBInstance.create(path);
    const conn = await db.connect();
    try {
      const rows = (await conn.runAndReadAll('SELECT * EXCLUDE (ts) FROM ev_1 ORDER BY id')).getRowObjectsJson();
      assert.deepEqual(
        rows.map((r) => Object.entries(r).filter(([k]) => /^c\d/.test(k))),
        [
          [['c0_a', null], ['c1_b', 'long enough to be a pointer'], ['c2_c', true]],
          [['c0_a', null], ['c1_b', 'NL'], ['c2_c', null]],
        ],
      );
    } finally {
      conn.disconnectSync();
      db.closeSync();
      tmp.cleanup();
    }
  });
});
