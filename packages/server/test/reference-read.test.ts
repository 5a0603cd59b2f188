/**
 * The parts of reference ingestion below HTTP: format detection, reading files
 * with DuckDB (mixed and odd columns), fitting columns to schema kinds (checked
 * against the core's own summaries), and the deterministic uniform row sample.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { dictColumn, numberColumn, profile } from '@modelwatch/core';
import type { Column, ColumnKind, DictColumn, NumberColumn, Table } from '@modelwatch/core';
import { conformColumn } from '../src/reference/conform.js';
import { ReferenceInputError } from '../src/reference/errors.js';
import { detectFormat, formatFromFileName, formatFromMediaType, parseFormatParam } from '../src/reference/format.js';
import { readDataFile } from '../src/reference/read.js';
import { sampleIndexes, takeRows } from '../src/reference/sample.js';
import { tempDir } from './helpers/fixtures.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ReferenceInputError, String(err));
    return err.code;
  }
  assert.fail('expected a ReferenceInputError');
}

describe('reference formats', () => {
  test('detected from the first bytes', () => {
    assert.deepEqual(detectFormat(bytes('PAR1\u0000\u0001'), null), { format: 'parquet', compression: null });
    assert.deepEqual(detectFormat(bytes('a,b\n1,2\n'), null), { format: 'csv', compression: null });
    assert.deepEqual(detectFormat(bytes('a;b\n1;2\n'), null), { format: 'csv', compression: null });
    assert.deepEqual(detectFormat(bytes('a\tb\n1\t2\n'), null), { format: 'tsv', compression: null });
    assert.deepEqual(detectFormat(bytes('  \n[{"a": 1}]'), null), { format: 'json', compression: null });
    assert.deepEqual(detectFormat(bytes('{"a": 1}\n{"a": 2}\n'), null), { format: 'ndjson', compression: null });
    assert.deepEqual(detectFormat(gzipSync(bytes('{"a": 1}\n')), null), { format: 'ndjson', compression: 'gzip' });
    // A partial gzip stream (the first bytes of a large file) is enough.
    const big = gzipSync(bytes(`a,b\n${'1,2\n'.repeat(100_000)}`));
    assert.deepEqual(detectFormat(big.subarray(0, 64), null), { format: 'csv', compression: 'gzip' });
    assert.deepEqual(detectFormat(gzipSync(bytes('a,b\n1,2\n')), 'csv'), { format: 'csv', compression: 'gzip' });
    assert.deepEqual(detectFormat(bytes('whatever'), 'tsv'), { format: 'tsv', compression: null });
  });

  test('refused: empty, blank, binary, a declared Parquet that is not one', () => {
    assert.equal(code(() => detectFormat(new Uint8Array(0), null)), 'empty_reference');
    assert.equal(code(() => detectFormat(bytes(' \n\t\n'), null)), 'empty_reference');
    assert.equal(code(() => detectFormat(Uint8Array.from({ length: 512 }, (_, i) => i % 256), null)), 'unsupported_media_type');
    assert.equal(code(() => detectFormat(bytes('a,b\n'), 'parquet')), 'invalid_reference');
  });

  test('from Content-Type, ?format= and file names', () => {
    assert.equal(formatFromMediaType('text/csv; charset=utf-8'), 'csv');
    assert.equal(formatFromMediaType('application/x-ndjson'), 'ndjson');
    assert.equal(formatFromMediaType('application/vnd.apache.parquet'), 'parquet');
    assert.equal(formatFromMediaType('application/json'), 'json');
    assert.equal(formatFromMediaType('application/octet-stream'), null);
    assert.equal(formatFromMediaType(undefined), null);
    assert.equal(code(() => formatFromMediaType('image/png')), 'unsupported_media_type');
    assert.equal(parseFormatParam('JSONL'), 'ndjson');
    assert.equal(parseFormatParam('parquet'), 'parquet');
    assert.equal(code(() => parseFormatParam('xlsx')), 'bad_request');
    assert.deepEqual(formatFromFileName('/d/train.csv.gz'), { format: 'csv', compression: 'gzip' });
    assert.deepEqual(formatFromFileName('train.jsonl'), { format: 'ndjson', compression: null });
    assert.equal(formatFromFileName('train'), null);
  });
});

describe('reading files with DuckDB', () => {
  test('a CSV number column with a stray word beyond the sniffer sample: numbers with a type violation', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, "it's odd.csv");
      const lines = ['x,"we""ird name",when'];
      for (let i = 0; i < 30_000; i++) lines.push(`${i === 29_999 ? 'oops' : i / 4},${i % 3 === 0 ? 'a' : 'b'},2024-01-0${1 + (i % 9)} 10:00:00`);
      writeFileSync(path, `${lines.join('\n')}\n`);
      const { table } = await readDataFile(path, { format: 'csv', compression: null });
      assert.deepEqual(table.names, ['x', 'we"ird name', 'when']);
      assert.equal(table.numRows, 30_000);
      const x = table.columns[0] as NumberColumn;
      assert.equal(x.type, 'number');
      assert.equal(x.typeViolations, 1);
      assert.equal(x.nulls?.[29_999], 1);
      assert.equal(x.values[10], 2.5);
      const name = table.columns[1] as DictColumn;
      assert.deepEqual(name.dictionary, ['a', 'b']);
      assert.equal(name.dictionary[name.codes[0]], 'a');
      const when = table.columns[2] as NumberColumn;
      assert.equal(when.date, true);
      assert.equal(when.values[1], Date.UTC(2024, 0, 2, 10));
    } finally {
      tmp.cleanup();
    }
  });

  test('JSON values of mixed types, nested values, nulls', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, 'mixed.ndjson');
      const rows = [
        { n: 1, s: 'x', nested: { a: 1 }, flag: true },
        { n: 'two', s: null, nested: { a: 2 }, flag: false },
        { n: 3.5, s: 'y', nested: null, flag: null },
        { n: 4, s: 'x', nested: { a: 3 }, flag: true },
      ];
      writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n'));
      const { table } = await readDataFile(path, { format: 'ndjson', compression: null });
      const n = table.columns[table.names.indexOf('n')] as NumberColumn;
      assert.equal(n.type, 'number');
      assert.deepEqual(Array.from(n.values).map((v, i) => (n.nulls?.[i] ? null : v)), [1, null, 3.5, 4]);
      assert.equal(n.typeViolations, 1);
      const s = table.columns[table.names.indexOf('s')] as DictColumn;
      assert.deepEqual(Array.from(s.codes, (c) => (c < 0 ? null : s.dictionary[c])), ['x', null, 'y', 'x']);
      const flag = table.columns[table.names.indexOf('flag')] as DictColumn;
      assert.deepEqual(Array.from(flag.codes, (c) => (c < 0 ? null : flag.dictionary[c])), ['true', 'false', null, 'true']);
      const nested = table.columns[table.names.indexOf('nested')] as DictColumn;
      assert.equal(nested.type, 'dict');
      assert.equal(nested.codes[2], -1);
    } finally {
      tmp.cleanup();
    }
  });

  test('a file that is not what it claims is refused with its name', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, 'bad.json');
      writeFileSync(path, '[{"a": 1}, {"a": ');
      await assert.rejects(readDataFile(path, { format: 'json', compression: null }, { displayName: 'upload' }), (err: unknown) => {
        assert.ok(err instanceof ReferenceInputError);
        assert.equal(err.code, 'invalid_reference');
        assert.match(err.message, /^upload: cannot read as a JSON array/);
        return true;
      });
    } finally {
      tmp.cleanup();
    }
  });
});

/** The core's profile of one column summarised as `kind`. */
function columnProfile(col: Column, kind: ColumnKind) {
  const t: Table = { names: ['c'], columns: [col], numRows: col.type === 'number' ? col.values.length : col.codes.length };
  const p = profile(t, { schema: { columns: [{ name: 'c', kind, role: 'feature' }] } });
  return p.columns[0];
}

describe('fitting columns to schema kinds', () => {
  test('numeric from text: the core counts the same values, missing and violations', () => {
    const col = dictColumn(['1.5', ' 2 ', 'abc', null, '', 'NaN', 'Infinity', '-3e2', 'nan', '0x10']);
    const fitted = conformColumn(col, 'numeric') as NumberColumn;
    assert.equal(fitted.type, 'number');
    assert.deepEqual(columnProfile(fitted, 'numeric'), columnProfile(col, 'numeric'));
    assert.equal(fitted.typeViolations, 2);
  });

  test('categorical from numbers: String(v), as the core compares them', () => {
    const col = numberColumn([0, 1, 1, null, 2.5, NaN, 1, -0]);
    const fitted = conformColumn(col, 'categorical') as DictColumn;
    assert.equal(fitted.type, 'dict');
    assert.deepEqual(Array.from(fitted.codes, (c) => (c < 0 ? null : fitted.dictionary[c])), ['0', '1', '1', null, '2.5', 'NaN', '1', '0']);
    assert.deepEqual(columnProfile(fitted, 'categorical'), columnProfile(col, 'categorical'));
  });

  test('datetime from text (ISO 8601, no offset = UTC) and from numbers (epoch ms)', () => {
    const fitted = conformColumn(dictColumn(['2024-01-02T03:04:05Z', '2024-01-02 03:04:05', 'soon', null]), 'datetime') as NumberColumn;
    assert.equal(fitted.date, true);
    assert.deepEqual(Array.from(fitted.values).slice(0, 2), [Date.UTC(2024, 0, 2, 3, 4, 5), Date.UTC(2024, 0, 2, 3, 4, 5)]);
    assert.deepEqual(Array.from(fitted.nulls!), [0, 0, 1, 1]);
    assert.equal(fitted.typeViolations, 1);
    const fromNumbers = conformColumn(numberColumn([1_700_000_000_000]), 'datetime') as NumberColumn;
    assert.equal(fromNumbers.date, true);
    assert.equal(fromNumbers.values[0], 1_700_000_000_000);
    // A date column declared numeric stays numbers without the date flag.
    assert.equal((conformColumn(numberColumn([5], { date: true }), 'numeric') as NumberColumn).date, undefined);
  });

  test('boolean: "true"/"false" whatever the spelling, 1/0; anything else is a violation', () => {
    const text = conformColumn(dictColumn(['True', 'FALSE', 'yes', '0', 'maybe', null, 't']), 'boolean') as DictColumn;
    assert.deepEqual(text.dictionary, ['false', 'true']);
    assert.deepEqual(Array.from(text.codes), [1, 0, 1, 0, -1, -1, 1]);
    assert.equal(text.typeViolations, 1);
    const numbers = conformColumn(numberColumn([1, 0, 2, null]), 'boolean') as DictColumn;
    assert.deepEqual(Array.from(numbers.codes), [1, 0, -1, -1]);
    assert.equal(numbers.typeViolations, 1);
  });
});

describe('the row sample', () => {
  test('k distinct ascending indexes out of n, the same for the same seed', () => {
    const a = sampleIndexes(100_000, 1000, 7);
    assert.equal(a.length, 1000);
    for (let i = 1; i < a.length; i++) assert.ok(a[i] > a[i - 1]);
    assert.ok(a[a.length - 1] < 100_000);
    assert.deepEqual(sampleIndexes(100_000, 1000, 7), a);
    assert.notDeepEqual(sampleIndexes(100_000, 1000, 8), a);
    assert.deepEqual(Array.from(sampleIndexes(5, 10, 1)), [0, 1, 2, 3, 4]);
    assert.equal(sampleIndexes(10, 0, 1).length, 0);
  });

  test('uniform: over 4000 seeds every row of 20 is taken about k/n of the time', () => {
    const n = 20;
    const k = 5;
    const seeds = 4000;
    const counts = new Array<number>(n).fill(0);
    for (let seed = 1; seed <= seeds; seed++) for (const i of sampleIndexes(n, k, seed)) counts[i]++;
    const expected = (seeds * k) / n;
    const sd = Math.sqrt(seeds * (k / n) * (1 - k / n));
    for (const c of counts) assert.ok(Math.abs(c - expected) < 4.5 * sd, `${counts}`);
    // Pairs too: rows 0 and 19 together about k(k-1)/(n(n-1)) of the time.
    let together = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const s = new Set(sampleIndexes(n, k, seed));
      if (s.has(0) && s.has(19)) together++;
    }
    const p = (k * (k - 1)) / (n * (n - 1));
    assert.ok(Math.abs(together - seeds * p) < 4.5 * Math.sqrt(seeds * p * (1 - p)), String(together));
  });

  test('taken rows keep their values; dictionaries keep only the values used', () => {
    const t: Table = {
      names: ['x', 'c'],
      columns: [numberColumn([10, null, 30, 40, 50]), dictColumn(['a', 'b', null, 'c', 'a'])],
      numRows: 5,
    };
    const s = takeRows(t, Uint32Array.from([1, 2, 4]));
    const x = s.columns[0] as NumberColumn;
    assert.deepEqual(Array.from(x.values, (v, i) => (x.nulls?.[i] ? null : v)), [null, 30, 50]);
    const c = s.columns[1] as DictColumn;
    assert.deepEqual(c.dictionary, ['a', 'b']);
    assert.deepEqual(Array.from(c.codes, (k) => (k < 0 ? null : c.dictionary[k])), ['b', null, 'a']);
  });
});
