import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compare, tableFromColumns, type Table } from '@modelwatch/core';
import { columnDigest, duplicatedColumns, duplicateRowCount, RowHashes, sameValues } from '../src/report/hashing.js';

/** Brute force: rows minus distinct rows, rows keyed by their values (-0 as 0, missing as null). */
function bruteDuplicateRows(rows: (number | string | null)[][]): number {
  const seen = new Set(rows.map((r) => JSON.stringify(r.map((v) => (typeof v === 'number' && Object.is(v, -0) ? 0 : v)))));
  return rows.length - seen.size;
}

function tableOf(rows: (number | string | null)[][], kinds: ('n' | 's')[]): Table {
  const columns: Record<string, (number | string | null)[]> = {};
  kinds.forEach((k, c) => (columns[`c${c}_${k}`] = rows.map((r) => r[c])));
  return tableFromColumns(columns);
}

test('duplicateRowCount equals a brute-force count of repeated rows', () => {
  const value = (k: 'n' | 's') =>
    k === 'n'
      ? fc.oneof(fc.constantFrom(0, -0, 1, 2, 2.5, null), fc.integer({ min: -3, max: 3 }))
      : fc.oneof(fc.constantFrom('a', 'b', '', null), fc.string({ maxLength: 2 }));
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom<'n' | 's'>('n', 's'), { minLength: 1, maxLength: 4 }).chain((kinds) =>
        fc.tuple(fc.constant(kinds), fc.array(fc.tuple(...kinds.map(value)), { maxLength: 60 })),
      ),
      ([kinds, rows]) => {
        const t = tableOf(rows, kinds);
        assert.equal(duplicateRowCount(t, kinds.map((_, i) => i)), bruteDuplicateRows(rows));
      },
    ),
    { numRuns: 200 },
  );
});

test('duplicateRowCount on 200k rows with planted repeats', () => {
  const n = 200_000;
  const a = new Float64Array(n);
  const b: string[] = [];
  for (let i = 0; i < n; i++) {
    // Every 7th row repeats the row before it; the others are distinct.
    const k = i % 7 === 6 ? i - 1 : i;
    a[i] = k * 0.5;
    b.push(`cat${k % 13}`);
  }
  const t = tableFromColumns({ a: Array.from(a), b });
  const rows = Array.from({ length: n }, (_, i) => [a[i], b[i]]);
  assert.equal(duplicateRowCount(t, [0, 1]), bruteDuplicateRows(rows));
  assert.equal(duplicateRowCount(t, [0, 1]), Math.floor(n / 7));
});

test('column digests match identical columns whatever their coding, and only those', () => {
  const n = 5000;
  const x = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i % 5 === 0 ? -0 : (i * 37) % 101));
  const xPlusZero = x.map((v) => (v === 0 ? 0 : v)); // -0 written as +0: the same values
  const almost = x.slice();
  almost[n - 2] = 1234; // differs in one row that no fingerprint samples
  const s = x.map((v) => (v === null ? null : `v${v}`));
  const sReordered = s.slice(); // same strings, different dictionary order once encoded below
  const t = tableFromColumns({ x, xPlusZero, almost, s });
  const t2 = tableFromColumns({ s2: sReordered.slice().reverse() });
  // A dictionary column with the same strings coded in another order.
  const recoded = { ...t2.columns[0], codes: t2.columns[0].type === 'dict' ? t2.columns[0].codes.slice().reverse() : new Int32Array(0) };
  const table: Table = { names: [...t.names, 's2'], columns: [...t.columns, recoded as Table['columns'][number]], numRows: n };
  assert.ok(sameValues(table.columns[3], table.columns[4]), 'recoded dictionary column holds the same strings');
  assert.deepEqual(duplicatedColumns(table.columns.map((c) => columnDigest(c, n))), [[0, 1], [3, 4]]);
});

test('compare reports duplicated feature columns and duplicate rows of the current data', () => {
  const n = 3000;
  const ref = tableFromColumns({ a: Array.from({ length: n }, (_, i) => (i % 700) * 0.25), b: Array.from({ length: n }, (_, i) => ((i * 7) % 13) * 0.5), c: Array.from({ length: n }, (_, i) => `k${i % 17}`) });
  const a = Array.from({ length: n }, (_, i) => (i % (n / 2)) * 0.25); // the second half repeats the first
  const cur = tableFromColumns({ a, b: a.slice(), c: a.map((x) => `k${(x * 4) % 17}`) });
  const r = compare(ref, cur);
  assert.deepEqual(r.schema.columns.map((c) => c.role), ['feature', 'feature', 'feature']);
  const dup = r.dataQuality.findings.filter((f) => f.type === 'duplicated_column');
  assert.deepEqual(dup.map((f) => f.columns), [['a', 'b']]);
  assert.deepEqual(r.dataQuality.duplicateRows, { reference: 0, current: n / 2 });
  assert.ok(r.dataQuality.findings.some((f) => f.type === 'duplicate_rows'));
});

test('RowHashes: the count does not depend on the order or batching of columns', () => {
  const n = 10_000;
  const t = tableFromColumns({
    a: Array.from({ length: n }, (_, i) => i % 97),
    b: Array.from({ length: n }, (_, i) => `s${i % 89}`),
    c: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : (i % 5) / 2)),
  });
  const rows = Array.from({ length: n }, (_, i) => t.names.map((_, c) => {
    const col = t.columns[c];
    return col.type === 'number' ? (col.nulls?.[i] ? null : col.values[i]) : col.codes[i] < 0 ? null : col.dictionary[col.codes[i]];
  }));
  const want = bruteDuplicateRows(rows);
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    const h = new RowHashes(n);
    for (const c of order) h.add(t.columns[c]);
    assert.equal(h.duplicates(), want);
  }
});

test('RowHashes: the lanes become the keys once counted, so it counts once', () => {
  const t = tableFromColumns({ a: [1, 2, 1, 2, 3], b: ['x', 'y', 'x', 'z', 'x'] });
  const h = new RowHashes(t.numRows);
  h.add(t.columns[0]);
  h.add(t.columns[1]);
  assert.equal(h.duplicates(), 1);
  assert.throws(() => h.duplicates(), /called twice/);
  assert.throws(() => h.add(t.columns[0]), /after duplicates/);
  assert.equal(new RowHashes(3).duplicates(), 0, 'no columns: no repeats');
});
