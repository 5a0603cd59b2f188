/**
 * Events tables fix their string columns' compression (sql.ts
 * `columnCompression`): ids and free text FSST, categories and versions
 * dictionaries — so checkpoints skip DuckDB's per-segment analysis. The data
 * is chosen so that DuckDB's own choice would differ (repeating ids,
 * all-distinct categories): the test fails if the fixed choice is lost, for
 * columns created with the table and columns added by a schema change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Schema } from '@modelwatch/core';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import type { EventBatch } from '../src/store/store.js';
import { tempDir } from './helpers/fixtures.js';

const N = 60_000;
const hex = (i: number) => ((i * 2654435761) >>> 0).toString(16).padStart(8, '0') + i.toString(36);

function batch(generation: number, columns: EventBatch['columns']): EventBatch {
  return {
    model: 'cmp',
    generation,
    length: N,
    // Ten ids, each at many times: DuckDB alone would make this a dictionary.
    ids: Array.from({ length: N }, (_, i) => `id-${i % 10}`),
    ts: Float64Array.from({ length: N }, (_, i) => 1.7e12 + i),
    versions: Array.from({ length: N }, (_, i) => (i % 2 ? 'v1' : 'v2')),
    columns,
    latencyMs: new Float64Array(N).fill(NaN),
    errors: new Uint8Array(N).fill(2),
    tags: new Array<string | null>(N).fill(null),
    dqTypeViolations: new Uint16Array(N),
    dqTypeColumns: new Array<string | null>(N).fill(null),
    dqUnknownColumns: new Array<string | null>(N).fill(null),
    dqMissingColumns: new Array<string | null>(N).fill(null),
  };
}

test('events tables store ids and text as FSST, categories as dictionaries, also for added columns', async () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'compression.duckdb');
  try {
    const store = await DuckDBStore.open({ path });
    const v1: Schema = {
      columns: [
        { name: 'cat', kind: 'categorical', role: 'feature' },
        { name: 'note', kind: 'text', role: 'feature' },
        { name: 'x', kind: 'numeric', role: 'feature' },
      ],
    };
    const v2: Schema = { columns: [...v1.columns, { name: 'added', kind: 'categorical', role: 'feature' }] };
    await store.putModel({ name: 'cmp', schema: v1 });
    const { model } = await store.putModel({ name: 'cmp', schema: v2 });
    const distinct = Array.from({ length: N }, (_, i) => hex(i));
    const r = await store.appendEvents([
      batch(model.generation, [
        { type: 'string', values: distinct },
        // Free text that repeats: DuckDB alone would pick a dictionary.
        { type: 'string', values: Array.from({ length: N }, (_, i) => `note ${i % 3}`) },
        { type: 'number', values: Float64Array.from({ length: N }, (_, i) => i / 4), nulls: new Uint8Array(N) },
        { type: 'string', values: distinct.map((s) => `a-${s}`) },
      ]),
    ]);
    assert.equal(r[0].inserted, N);
    await store.close();

    const db = await DuckDBInstance.create(path);
    const conn = await db.connect();
    try {
      const layout = JSON.parse(String((await conn.runAndReadAll(`SELECT layout_json FROM mw_models WHERE name = 'cmp'`)).getRows()[0][0])) as {
        id: number;
        columns: { name: string; physical: string }[];
      };
      const physical = (name: string) => layout.columns.find((c) => c.name === name)!.physical;
      const rows = (await conn.runAndReadAll(`SELECT column_name, compression FROM pragma_storage_info('ev_${layout.id}') WHERE segment_type <> 'VALIDITY'`)).getRows();
      const used = (column: string) => new Set(rows.filter((x) => x[0] === column).map((x) => String(x[1])).filter((c) => c !== 'Constant'));
      assert.deepEqual([...used('id')], ['FSST']);
      assert.deepEqual([...used('version')], ['Dictionary']);
      assert.deepEqual([...used(physical('cat'))], ['Dictionary']);
      assert.deepEqual([...used(physical('added'))], ['Dictionary']);
      assert.deepEqual([...used(physical('note'))], ['FSST']);
      // The values read back unchanged.
      const check = await conn.runAndReadAll(
        `SELECT count(*), count(DISTINCT "${physical('cat')}"), min("${physical('added')}"), count(DISTINCT id), sum("${physical('x')}") FROM ev_${layout.id}`,
      );
      const [count, cats, minAdded, ids, sumX] = check.getRows()[0];
      assert.equal(Number(count), N);
      assert.equal(Number(cats), N);
      assert.equal(minAdded, `a-${[...distinct].sort()[0]}`);
      assert.equal(Number(ids), 10);
      assert.equal(Number(sumX), ((N - 1) * N) / 2 / 4);
    } finally {
      conn.disconnectSync();
      db.closeSync();
    }
  } finally {
    tmp.cleanup();
  }
});
