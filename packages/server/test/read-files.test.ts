/**
 * The file reader shared by the CLI and the server (`@modelwatch/server/read`),
 * on what neither caller's tests pin down: the sandboxed DuckDB (one file and
 * nothing else, configuration locked), the same Table with or without the
 * sandbox, the CSV read again as text when its sniffed types break (for both
 * callers), the type names against `@duckdb/node-api`'s own, and the string
 * encoder's text entry point against its vector path.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Column, Table } from '@modelwatch/core';
import { DataFileError, DuckConnection, StringEncoder, duckMessage, openSource, readTable, typeName } from '../src/read/index.js';
import { duckdb } from '../src/read/duckdb.js';
import { tempDir } from './helpers/fixtures.js';

const cell = (col: Column, i: number) => (col.type === 'number' ? (col.nulls?.[i] ? null : col.values[i]) : col.codes[i] < 0 ? null : col.dictionary[col.codes[i]]);
const values = (t: Table, name: string) => Array.from({ length: t.numRows }, (_, i) => cell(t.columns[t.names.indexOf(name)], i));

describe('the shared file reader', { timeout: 120_000 }, () => {
  const tmp = tempDir('mw-read-files-');
  let oracle: DuckDBConnection;
  let instance: DuckDBInstance;
  const file = (name: string, text: string) => {
    const p = join(tmp.dir, name);
    writeFileSync(p, text);
    return p;
  };
  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    oracle = await instance.connect();
  });
  after(() => {
    oracle.disconnectSync();
    instance.closeSync();
    tmp.cleanup();
  });

  test('a sandboxed connection reads its one file and nothing else, and its configuration cannot be changed', async () => {
    const allowed = file('allowed.csv', 'a,b\n1,x\n2,y\n');
    const other = file('other.csv', 'secret\n42\n');
    const con = await DuckConnection.openSandboxed(allowed, { threads: 1 });
    try {
      const ok = await con.query('SELECT count(*) FROM read_csv($1)', [allowed]);
      assert.equal(duckdb.row_count(ok), 1);
      const denied = /^Permission Error: Cannot access file .* file system operations are disabled by configuration/;
      const locked = /^Invalid Input Error: Cannot change configuration option .* the configuration has been locked/;
      for (const [sql, params, why] of [
        ['SELECT * FROM read_csv($1)', [other], denied],
        [`SELECT * FROM read_csv('${join(tmp.dir, '*.csv')}')`, [], denied],
        ['COPY (SELECT 1) TO $1', [join(tmp.dir, 'written.csv')], denied],
        ['SET enable_external_access = true', [], locked],
        ['SET allowed_paths = [$1]', [other], locked],
      ] as const) {
        await assert.rejects(con.query(sql, [...params]), (err: unknown) => {
          assert.match(duckMessage(err), why, sql);
          return true;
        });
      }
    } finally {
      con.close();
    }
  });

  test('the same Table from the sandbox and from the shared database; a CSV whose sniffed types break is read as text by both', async () => {
    const lines = ['x,name,when,flag'];
    for (let i = 0; i < 30_000; i++) lines.push(`${i === 29_999 ? 'oops' : i / 4},${i % 3 === 0 ? 'a' : 'b'},2024-01-0${1 + (i % 9)} 10:00:00,${i % 2 === 0}`);
    const path = file('stray.csv', `${lines.join('\n')}\n`);
    const shared = await readTable(path, { format: 'csv' });
    const sandboxed = await readTable(path, { format: 'csv', sandbox: { threads: 1 } });
    assert.deepEqual(sandboxed, shared);
    const t = shared.table;
    assert.equal(t.numRows, 30_000);
    const x = t.columns[0];
    assert.ok(x.type === 'number' && x.typeViolations === 1);
    assert.deepEqual(values(t, 'x').slice(0, 3), [0, 0.25, 0.5]);
    assert.equal(values(t, 'x')[29_999], null);
    assert.deepEqual(values(t, 'when').slice(0, 2), [Date.UTC(2024, 0, 1, 10), Date.UTC(2024, 0, 2, 10)]);
    // Read as text: every column's DuckDB type is VARCHAR; "true"/"false" stay a dictionary of two.
    assert.deepEqual(shared.sourceTypes, ['VARCHAR', 'VARCHAR', 'VARCHAR', 'VARCHAR']);
    const flag = t.columns[3];
    assert.ok(flag.type === 'dict');
    assert.deepEqual(flag.dictionary, ['false', 'true']);
    // The oracle: DuckDB reading the same file as text.
    const rows = (await oracle.runAndReadAll(`SELECT count(*) FILTER (WHERE TRY_CAST(x AS DOUBLE) IS NULL) FROM read_csv($1, all_varchar=true)`, [path])).getRows();
    assert.equal(Number(rows[0][0]), 1);
  });

  test('columns, maxColumns and requireRows; errors go through the caller’s constructor', async () => {
    const path = file('three.csv', 'a,b,c\n1,x,2\n3,y,4\n');
    const some = await openSource(path, { format: 'csv', columns: ['c', 'a', 'zz'] });
    try {
      assert.deepEqual(some.names, ['a', 'c']);
      assert.deepEqual(some.fileColumns, ['a', 'b', 'c']);
      assert.deepEqual(values(await some.read(), 'c'), [2, 4]);
    } finally {
      await some.close();
    }
    await assert.rejects(openSource(path, { format: 'csv', maxColumns: 2, displayName: 'upload' }), (e: unknown) => {
      assert.ok(e instanceof DataFileError);
      assert.equal(e.code, 'too_many_columns');
      assert.deepEqual(e.columns, { count: 3, max: 2 });
      assert.equal(e.message, 'upload: the file has 3 columns; at most 2 can be read');
      return true;
    });
    const header = file('header.csv', 'a,b\n');
    assert.equal((await readTable(header, { format: 'csv' })).table.numRows, 0);
    class Mine extends Error {}
    await assert.rejects(readTable(header, { format: 'csv', requireRows: true, error: (e) => new Mine(`${e.code}: ${e.message}`) }), (e: unknown) => {
      assert.ok(e instanceof Mine);
      assert.equal(e.message, `empty: ${header}: the file has a header but no rows`);
      return true;
    });
    const bad = file('bad.json', '[{"a": 1}, {"a": ');
    await assert.rejects(readTable(bad, { format: 'json', sandbox: {} }), (e: unknown) => e instanceof DataFileError && e.code === 'unreadable' && e.message.startsWith(`${bad}: cannot read as a JSON array: `));
  });

  test("type names are @duckdb/node-api's", async () => {
    const sql = `SELECT CAST(1 AS TINYINT) a, CAST(1 AS UBIGINT) b, CAST(1.5 AS DECIMAL(18,3)) c, TIMESTAMPTZ '2020-01-01 00:00:00+00' d,
      CAST('2020-01-01' AS TIMESTAMP_NS) e, TIME '10:00:00' f, CAST('10:00:00+02' AS TIMETZ) g, INTERVAL 1 DAY h, [1, 2] i, [['x']] j,
      CAST([1, 2, 3] AS INTEGER[3]) k, {'a': 1, 'b c': 'x', 'q"': [1.5]} l, MAP {'k': 1.5} m, CAST('x' AS ENUM('x', 'it''s')) n,
      union_value(num := 2) o, uuid() p, CAST('ab' AS BLOB) q, '{"a": 1}'::JSON r, CAST(1 AS HUGEINT) s, DATE '2020-01-01' t, 1.5::FLOAT u`;
    const expected = (await oracle.runAndReadAll(`${sql} LIMIT 0`)).columnTypes().map((t) => t.toString());
    const path = join(tmp.dir, 'types.parquet');
    await oracle.run(`COPY (${sql}) TO '${path}' (FORMAT parquet)`);
    const con = await DuckConnection.open();
    try {
      const res = await con.query(`${sql} LIMIT 0`);
      const got = Array.from({ length: duckdb.column_count(res) }, (_, i) => typeName(duckdb.column_logical_type(res, i)));
      assert.deepEqual(got, expected);
    } finally {
      con.close();
    }
    // Through a file (Parquet keeps most of them): the reader reports what node-api reports for the same file.
    const fromFile = (await oracle.runAndReadAll('SELECT * FROM read_parquet($1) LIMIT 0', [path])).columnTypes().map((t) => t.toString());
    assert.deepEqual((await readTable(path, { format: 'parquet' })).sourceTypes, fromFile);
  });

  test('StringEncoder: a value given as text gets the code its bytes in a vector got', async () => {
    const words = ['', 'a', 'twelve bytes', 'thirteen byte', 'é', '€uro', '😀😀😀', 'a much longer string value', 'x'];
    const con = await DuckConnection.open();
    try {
      const res = await con.query(`SELECT unnest($1::VARCHAR[])`, [JSON.stringify(words).replaceAll('"', "'")]);
      const chunk = duckdb.result_get_chunk(res, 0);
      const n = duckdb.data_chunk_get_size(chunk);
      assert.equal(n, words.length);
      const enc = new StringEncoder();
      const codes = new Int32Array(n);
      enc.encode(duckdb.data_chunk_get_vector(chunk, 0), n, codes, 0);
      assert.deepEqual(enc.dictionary, words);
      for (const [i, w] of words.entries()) assert.equal(enc.codeOf(w), codes[i], JSON.stringify(w));
      // New values by text, then in a vector: still one entry each.
      const fresh = new StringEncoder();
      assert.deepEqual(words.map((w) => fresh.codeOf(w)), words.map((_, i) => i));
      const again = new Int32Array(n);
      fresh.encode(duckdb.data_chunk_get_vector(chunk, 0), n, again, 0);
      assert.deepEqual(Array.from(again), words.map((_, i) => i));
      assert.equal(fresh.dictionary.length, words.length);
    } finally {
      con.close();
    }
  });
});
