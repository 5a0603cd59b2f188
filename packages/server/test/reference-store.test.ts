/**
 * References in the DuckDB store: the table and profile read back equal what
 * was written (typed arrays, nulls, non-finite values, dictionaries with long and
 * non-ASCII strings), a new reference replaces the old one whole (its tables are
 * dropped), and a reference survives closing and reopening the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { profile } from '@modelwatch/core';
import type { Column, Schema, Table } from '@modelwatch/core';
import { DuckDBStore, UnknownModelError, compileEventPlan, prepareEvents } from '../src/index.js';
import type { ReferenceRecord } from '../src/index.js';
import { PART_VALUES } from '../src/store/duckdb/references.js';
import { tempDir } from './helpers/fixtures.js';

const SCHEMA: Schema = {
  columns: [
    { name: 'x', kind: 'numeric', role: 'feature' },
    { name: 'when', kind: 'datetime', role: 'feature' },
    { name: 'city', kind: 'categorical', role: 'feature' },
    { name: 'empty', kind: 'categorical', role: 'feature' },
    { name: 'label', kind: 'boolean', role: 'target' },
    { name: 'tx', kind: 'text', role: 'id' },
  ],
};

/** A table exercising every stored form: nulls, NaN and ±Infinity, dates, violations, long and non-ASCII strings, an all-missing column. */
function sampleTable(n: number, shift = 0): Table {
  const x = new Float64Array(n);
  const xNulls = new Uint8Array(n);
  const when = new Float64Array(n);
  const city = new Int32Array(n);
  const empty = new Int32Array(n).fill(-1);
  const label = new Int32Array(n);
  // Unique values: a dictionary of n entries (several stored parts for large n).
  const tx = Int32Array.from({ length: n }, (_, i) => (i === 3 ? -1 : i));
  const txDictionary = Array.from({ length: n }, (_, i) => `tx-${(i * 7919 + shift) % 1_000_003}-é`);
  const cities = ['Zürich', 'a city whose name is longer than twelve bytes', '', '東京', 'NL'];
  for (let i = 0; i < n; i++) {
    x[i] = i % 17 === 0 ? NaN : i % 19 === 0 ? (i % 2 ? Infinity : -Infinity) : (i + shift) * 0.37 - 40;
    if (i % 13 === 0) {
      x[i] = NaN;
      xNulls[i] = 1;
    }
    when[i] = Date.UTC(2024, 0, 1) + i * 3_600_000 + 0.25;
    city[i] = i % 11 === 0 ? -1 : (i + shift) % cities.length;
    label[i] = i % 7 === 0 ? -1 : i % 2;
  }
  const columns: Column[] = [
    { type: 'number', values: x, nulls: xNulls, typeViolations: 3 },
    { type: 'number', values: when, date: true },
    { type: 'dict', codes: city, dictionary: cities },
    { type: 'dict', codes: empty, dictionary: [] },
    { type: 'dict', codes: label, dictionary: ['false', 'true'] },
    { type: 'dict', codes: tx, dictionary: txDictionary },
  ];
  return { names: SCHEMA.columns.map((c) => c.name), columns, numRows: n };
}

function record(table: Table, extra: Partial<ReferenceRecord> = {}): ReferenceRecord {
  return {
    model: 'm',
    profile: profile(table, { schema: SCHEMA, source: 'test' }),
    table,
    rows: table.numRows,
    source: 'test.parquet',
    uploadedAt: 1_700_000_000_123,
    fingerprint: null,
    schemaInferred: false,
    keptRows: table.numRows,
    ...extra,
  };
}

/** Column contents as plain arrays (`null` = missing), for exact comparison. */
function plain(t: Table) {
  return t.columns.map((c) =>
    c.type === 'number'
      ? { type: c.type, date: c.date ?? false, typeViolations: c.typeViolations ?? 0, values: Array.from(c.values, (v, i) => (c.nulls?.[i] ? null : Object.is(v, -0) ? 0 : v)) }
      : { type: c.type, typeViolations: c.typeViolations ?? 0, values: Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k])) },
  );
}

async function referenceTables(path: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const conn = await instance.connect();
    const res = await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'ref%' ORDER BY 1`);
    conn.disconnectSync();
    return res.getRows().map((r) => r[0] as string);
  } finally {
    instance.closeSync();
  }
}

describe('DuckDB store: references', () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'db', 'ref.duckdb');
  let store: DuckDBStore;

  before(async () => {
    store = await DuckDBStore.open({ path });
    await store.putModel({ name: 'm', schema: SCHEMA });
  });
  after(async () => {
    await store.close();
    tmp.cleanup();
  });

  test('a reference reads back equal to what was written, with or without its rows', async () => {
    assert.equal(await store.getReference('m'), null);
    // More rows than one stored part, and not a multiple of it.
    const table = sampleTable(PART_VALUES + 5000);
    const rec = record(table, { sampledFrom: 12_345, rows: 12_345 });
    await store.putReference(rec);
    const back = await store.getReference('m', { rows: true });
    assert.ok(back && back.table);
    assert.deepEqual(plain(back.table), plain(table));
    assert.deepEqual(back.table.names, table.names);
    assert.equal(back.table.numRows, PART_VALUES + 5000);
    // Typed arrays, not per-row objects.
    assert.ok(back.table.columns[0].type === 'number' && back.table.columns[0].values instanceof Float64Array);
    assert.ok(back.table.columns[2].type === 'dict' && back.table.columns[2].codes instanceof Int32Array);
    assert.deepEqual(back.profile, JSON.parse(JSON.stringify(rec.profile)));
    // The profile of the rows read back is the profile of the rows written.
    assert.deepEqual({ ...profile(back.table, { schema: SCHEMA, source: 'test' }), createdAt: '' }, { ...rec.profile, createdAt: '' });
    assert.equal(back.rows, 12_345);
    assert.equal(back.sampledFrom, 12_345);
    assert.equal(back.keptRows, PART_VALUES + 5000);
    assert.equal(back.source, 'test.parquet');
    assert.equal(back.uploadedAt, 1_700_000_000_123);
    assert.equal(back.fingerprint, null);
    const meta = await store.getReference('m');
    assert.ok(meta);
    assert.equal(meta.table, null);
    assert.equal(meta.keptRows, PART_VALUES + 5000);
    assert.equal(meta.sampledFrom, 12_345);
  });

  test('a new reference replaces the old one whole', async () => {
    const second = sampleTable(777, 3);
    await store.putReference(record(second, { source: 'second.csv', fingerprint: 'abc', schemaInferred: true }));
    const back = await store.getReference('m', { rows: true });
    assert.ok(back && back.table);
    assert.deepEqual(plain(back.table), plain(second));
    assert.equal(back.rows, 777);
    assert.equal(back.sampledFrom, undefined);
    assert.equal(back.source, 'second.csv');
    assert.equal(back.fingerprint, 'abc');
    assert.equal(back.schemaInferred, true);
    // Only the profile: no rows kept.
    await store.putReference(record(second, { table: null, keptRows: 0, source: 'third' }));
    const third = await store.getReference('m', { rows: true });
    assert.ok(third);
    assert.equal(third.table, null);
    assert.equal(third.keptRows, 0);
    assert.equal(third.rows, 777);
  });

  test('references of unknown models are refused', async () => {
    await assert.rejects(store.putReference({ ...record(sampleTable(3)), model: 'nope' }), UnknownModelError);
    assert.equal(await store.getReference('nope'), null);
  });

  test('a reference survives closing and reopening; replaced tables are gone', async () => {
    const table = sampleTable(2500, 1);
    await store.putReference(record(table, { source: 'durable.parquet' }));
    await store.close();
    const tables = await referenceTables(path);
    assert.equal(tables.length, 1, tables.join());
    assert.match(tables[0], /^ref_\d+$/);
    // Rows staged by a process that stopped before switching to them: dropped at the next open.
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    await conn.run('CREATE TABLE ref_999 (col INTEGER, kind VARCHAR, part INTEGER, data BLOB)');
    conn.disconnectSync();
    instance.closeSync();
    assert.equal((await referenceTables(path)).length, 2);
    store = await DuckDBStore.open({ path });
    const back = await store.getReference('m', { rows: true });
    assert.ok(back && back.table);
    assert.equal(back.source, 'durable.parquet');
    assert.deepEqual(plain(back.table), plain(table));
    await store.close();
    assert.deepEqual(await referenceTables(path), tables);
    store = await DuckDBStore.open({ path });
  });

  test('rows are written beside event appends; both land', async () => {
    const big = sampleTable(200_000, 5);
    const { model } = await store.putModel({ name: 'events', schema: { columns: [{ name: 'v', kind: 'numeric', role: 'feature' }] }, versions: ['v1'] });
    const batch = prepareEvents(
      Array.from({ length: 100 }, (_, i) => ({ id: `e${i}`, ts: 1_700_000_000_000 + i, version: 'v1', features: { v: i } })),
      compileEventPlan(model),
    ).batch;
    const [, appended] = await Promise.all([store.putReference(record(big, { source: 'big' })), store.appendEvents([batch])]);
    assert.equal(appended[0].inserted, 100);
    const back = await store.getReference('m', { rows: true });
    assert.ok(back?.table);
    assert.equal(back.source, 'big');
    assert.deepEqual(plain(back.table), plain(big));
    assert.equal((await store.eventCounts({ model: 'events', from: 0, to: 2e12 }))[0].events, 100);
  });
});
