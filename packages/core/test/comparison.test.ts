import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compare, Comparison, profile, tableFromColumns, type CompareOptions, type Table } from '@modelwatch/core';
import { choices, normals } from './helpers/random.js';

const now = new Date('2026-01-01T00:00:00Z');

/** A model's data: numeric and categorical features, a duplicated column, an id, target, prediction and score. */
function data(n: number, seed: number, shift = 0): Table {
  const x = normals(n, shift, 1, seed);
  const y = normals(n, 5, 2, seed + 1).map((v, i) => v + 0.8 * x[i]);
  const label = x.map((v, i) => (v + y[i] / 4 + (i % 7) / 7 > 1.6 ? 1 : 0));
  const score = x.map((v) => 1 / (1 + Math.exp(-2 * v)));
  return tableFromColumns({
    id: Array.from({ length: n }, (_, i) => `row-${seed}-${i}`),
    x,
    cat: choices(n, ['a', 'b', 'c', 'd'], [5, 3, 1 + shift, 1], seed + 2),
    y,
    x_copy: x.slice(),
    z: choices(n, [0, 1, 2], [1, 1, 1], seed + 3),
    label,
    pred: score.map((s) => (s > 0.5 ? 1 : 0)),
    score,
  });
}

function pick(t: Table, names: readonly string[]): Table {
  return { names: [...names], columns: names.map((n) => t.columns[t.names.indexOf(n)]), numRows: t.numRows };
}

/** Feeds the columns in batches given by cut points over the reference's column order. */
function batched(ref: Table, cur: Table, cuts: number[], options: CompareOptions) {
  const c = new Comparison({ referenceRows: ref.numRows, referenceColumns: ref.names, currentRows: cur.numRows, currentColumns: cur.names }, options);
  const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), ref.names.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const names = ref.names.slice(bounds[k], bounds[k + 1]);
    if (!names.length) continue;
    c.add(pick(ref, names), pick(cur, names.filter((n) => cur.names.includes(n))));
  }
  return c.finish();
}

const options: CompareOptions = { target: 'label', prediction: 'pred', scores: ['score'], now };

test('batches of columns give the same report as the whole tables (inferred schema)', () => {
  const ref = data(3000, 1);
  const cur = data(2500, 2, 0.4);
  const whole = compare(ref, cur, options);
  assert.ok(whole.dataQuality.findings.some((f) => f.type === 'duplicated_column'), 'the data has a duplicated column');
  assert.ok(whole.modelQuality, 'model quality is computed');
  assert.ok(whole.dataQuality.correlations, 'correlations are computed');
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: ref.names.length - 1 }), { maxLength: 5 }), (cuts) => {
      assert.deepEqual(batched(ref, cur, cuts, options), whole);
    }),
    { numRuns: 25 },
  );
});

test('batches with a given schema, a column missing from the current data and a new one', () => {
  const ref = data(2000, 3);
  const full = data(2000, 4, 0.2);
  const curNames = full.names.filter((n) => n !== 'y');
  const cur = { ...pick(full, curNames) };
  cur.names = [...cur.names, 'extra'];
  cur.columns = [...cur.columns, full.columns[full.names.indexOf('z')]];
  const schema = compare(ref, ref, options).schema;
  const opts = { ...options, schema };
  const whole = compare(ref, cur, opts);
  assert.ok(whole.dataQuality.findings.some((f) => f.type === 'missing_column' && f.column === 'y'));
  assert.ok(whole.dataQuality.findings.some((f) => f.type === 'new_column' && f.column === 'extra'));
  for (const cuts of [[1], [2, 5], [3, 4, 8]]) assert.deepEqual(batched(ref, cur, cuts, opts), whole);
});

test('a profile reference with current columns in batches', () => {
  const ref = data(2000, 5);
  const cur = data(1500, 6, 0.3);
  const p = JSON.parse(JSON.stringify(profile(ref, options)));
  const whole = compare(p, cur, options);
  const c = new Comparison({ referenceProfile: p, currentRows: cur.numRows, currentColumns: cur.names }, options);
  c.add(null, pick(cur, cur.names.slice(0, 4)));
  c.add(null, pick(cur, cur.names.slice(4)));
  assert.deepEqual(c.finish(), whole);
});

test('misuse is an error: a column twice, wrong row counts, a never-added reference column', () => {
  const ref = data(500, 7);
  const cur = data(400, 8);
  const init = { referenceRows: ref.numRows, referenceColumns: ref.names, currentRows: cur.numRows, currentColumns: cur.names };
  const twice = new Comparison(init, { now });
  twice.add(pick(ref, ['x']), pick(cur, ['x']));
  assert.throws(() => twice.add(pick(ref, ['x']), pick(cur, ['x'])), /"x" was added twice/);
  assert.throws(() => new Comparison(init, { now }).add(pick(ref, ['x']), pick(ref, ['x'])), /current batch has 500 rows, expected 400/);
  const partial = new Comparison(init, { now, schema: compare(ref, ref).schema });
  partial.add(pick(ref, ['x']), pick(cur, ['x']));
  assert.throws(() => partial.finish(), /never added/);
});

test('consumeInput: numeric columns sorted in their own buffers give the same report; model-quality columns are left intact', () => {
  // Missing and non-finite values, a regression target and prediction (numeric, kept for model quality).
  const withGaps = (t: Table): Table => {
    const out = tableFromColumns({
      x: Float64Array.from(t.columns[t.names.indexOf('x')].type === 'number' ? (t.columns[t.names.indexOf('x')] as { values: Float64Array }).values : [], (v, i) => (i % 11 === 0 ? NaN : i % 13 === 0 ? Infinity : v)),
      y: (t.columns[t.names.indexOf('y')] as { values: Float64Array }).values.slice(),
      cat: (() => {
        const c = t.columns[t.names.indexOf('cat')];
        return c.type === 'dict' ? Array.from(c.codes, (k) => c.dictionary[k]) : [];
      })(),
      target: (t.columns[t.names.indexOf('y')] as { values: Float64Array }).values.map((v) => v * 2),
      guess: (t.columns[t.names.indexOf('x')] as { values: Float64Array }).values.map((v) => v * 3 + 1),
    });
    const x = out.columns[0];
    if (x.type === 'number') {
      x.nulls = new Uint8Array(x.values.length);
      for (let i = 0; i < x.values.length; i += 11) x.nulls[i] = 1;
    }
    return out;
  };
  const opts: CompareOptions = { target: 'target', prediction: 'guess', task: 'regression', now };
  const ref = data(3000, 5);
  const cur = data(2000, 6, 0.3);
  const expected = compare(withGaps(ref), withGaps(cur), opts);
  const [r, c] = [withGaps(ref), withGaps(cur)];
  const targetBefore = (c.columns[3] as { values: Float64Array }).values.slice();
  const consumed = compare(r, c, { ...opts, consumeInput: true });
  assert.deepEqual(consumed, expected);
  assert.ok(expected.modelQuality, 'model quality was computed');
  // The feature's buffer was reused (its row order is gone); the target's was not.
  assert.notDeepEqual((c.columns[0] as { values: Float64Array }).values, (withGaps(cur).columns[0] as { values: Float64Array }).values);
  assert.deepEqual((c.columns[3] as { values: Float64Array }).values, targetBefore);
  // The same column object on both sides is not consumed before its second summary.
  const same = withGaps(ref);
  assert.deepEqual(compare(same, same, { ...opts, consumeInput: true }), compare(withGaps(ref), withGaps(ref), opts));
});
