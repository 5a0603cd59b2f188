/**
 * Welch's two-sample t-test — `tTest`, `tTestValues`: golden vectors (SciPy 1.10.1
 * ttest_ind(equal_var=False)), an independent recomputation (two-pass moments and
 * cephes' incomplete beta for the t tail), SciPy's arithmetic on nearly constant
 * samples, edge rules and fast-check properties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { EMPTY_CURRENT, EMPTY_REFERENCE } from '../src/types.js';
import { tTest, tTestValues } from '../src/two-sample/t-test.js';
import { checkGolden, decode, goldenCases } from './helpers/two-sample-golden.js';

/** cephes (WASM, independent reference); its package `exports` hide its types under NodeNext. */
const cephes = createRequire(import.meta.url)('cephes') as {
  compiled: Promise<void>;
  incbet(a: number, b: number, x: number): number;
};

const cases = goldenCases('t_test');

test('golden: t_test (SciPy 1.10.1 ttest_ind, equal_var=False)', () => {
  assert.ok(cases.length > 0, 'no t_test vectors');
  const failures: string[] = [];
  for (const c of cases) {
    const r = tTest(c.args.ref.map(decode) as number[], c.args.cur.map(decode) as number[]);
    const p = checkGolden(c, r);
    if (p.length) failures.push(`${c.name}: ${p.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});

// ---- independent recomputation ----------------------------------------------------------

/** Welch t, df and two-sided p from textbook two-pass moments and I_x(df/2, 1/2). */
function reference(x: number[], y: number[]): { t: number; df: number; p: number } {
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const variance = (a: number[], m: number) => a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1);
  const m1 = mean(x);
  const m2 = mean(y);
  const a = variance(x, m1) / x.length;
  const b = variance(y, m2) / y.length;
  const t = (m1 - m2) / Math.sqrt(a + b);
  const df = (a + b) ** 2 / (a ** 2 / (x.length - 1) + b ** 2 / (y.length - 1));
  // P(|T_df| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2)
  const p = cephes.incbet(df / 2, 0.5, df / (df + t * t));
  return { t, df, p };
}

test('t and p match an independent recomputation (two-pass moments, cephes incbet)', async () => {
  await cephes.compiled;
  // Well-conditioned samples: multiples of 1/8 with at least two distinct values per
  // side (nearly constant samples are covered below, where rounding decides).
  const value = fc.integer({ min: -8000, max: 8000 }).map((v) => v / 8);
  const side = fc.array(value, { minLength: 2, maxLength: 80 }).filter((a) => new Set(a).size >= 2);
  fc.assert(
    fc.property(side, side, fc.double({ min: -50, max: 50, noNaN: true }), (x, y, shift) => {
      const ys = y.map((v) => v + shift);
      const ref = reference(x, ys);
      const r = tTest(x, ys);
      assert.ok(Math.abs(r.value - ref.t) <= 1e-9 * Math.max(1, Math.abs(ref.t)), `t ${r.value} vs ${ref.t}`);
      const p = r.pValue as number;
      assert.ok(Math.abs(p - ref.p) <= Math.max(1e-10, 1e-7 * ref.p), `p ${p} vs ${ref.p}`);
    }),
    { numRuns: 300 },
  );
});

// ---- SciPy's arithmetic ---------------------------------------------------------------

test('nearly constant samples follow NumPy rounding like SciPy', () => {
  // values checked against scipy.stats.ttest_ind(..., equal_var=False)
  // mean([0.1, 0.1, 0.1]) rounds to 0.10000000000000002 in NumPy, so SciPy reports
  // a finite t here (scipy.stats.ttest_ind([.1,.1,.1], [.1,.1], equal_var=False)).
  const r = tTest([0.1, 0.1, 0.1], [0.1, 0.1]);
  assert.ok(Math.abs(r.value - 1.414213562373095) <= 1e-12);
  assert.ok(Math.abs((r.pValue as number) - 0.29289321881345254) <= 1e-9);
  // variances that underflow when squared: SciPy's df = inf/0 -> inf, normal tail
  const u = tTest([3.761057040557037e-81, 0, 0], [0, 0]);
  assert.equal(u.value, 1);
  assert.ok(Math.abs((u.pValue as number) - 0.31731050786291415) <= 1e-9);
  // equal values that stay exactly equal: zero variances, different means
  const z = tTest([0, 0], new Array(8).fill(-1.0579242370867835e-8));
  assert.equal(z.value, Infinity);
  assert.equal(z.pValue, 0);
});

// ---- edge rules ---------------------------------------------------------------------

test('edge rules: empty side, n = 1, zero variance', () => {
  assert.equal(tTest([], [1, 2]).reason, EMPTY_REFERENCE);
  assert.equal(tTest([1, 2], [null, -Infinity]).reason, EMPTY_CURRENT);
  for (const [x, y] of [
    [[1], [2, 3]],
    [[1, 2], [3]],
    [[1], [1]],
    [[2, 2], [2, 2, 2]],
  ]) {
    const r = tTest(x, y);
    assert.ok(Number.isNaN(r.value) && Number.isNaN(r.pValue as number), `${x} | ${y}`);
    assert.ok(r.reason && r.reason.length > 0);
  }
  // zero variance on both sides, different means: SciPy gives -inf / 0
  const d = tTest([1, 1], [2, 2]);
  assert.equal(d.value, -Infinity);
  assert.equal(d.pValue, 0);
  assert.equal(d.reason, undefined);
  // zero variance on one side only is fine
  const one = tTest([1, 1, 1], [1, 2, 3]);
  assert.ok(Number.isFinite(one.value) && (one.pValue as number) > 0);
});

// ---- properties ---------------------------------------------------------------------

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 50 });

test('property: antisymmetric under swapping, p symmetric and in [0, 1]', () => {
  fc.assert(
    fc.property(sample, sample, (x, y) => {
      const r = tTest(x, y);
      const s = tTest(y, x);
      if (Number.isNaN(r.value)) {
        assert.ok(Number.isNaN(s.value));
        return;
      }
      assert.equal(s.value, -r.value);
      assert.equal(s.pValue, r.pValue);
      const p = r.pValue as number;
      assert.ok(p >= 0 && p <= 1, `p = ${p}`);
    }),
  );
});

test('property: identical samples give t = 0, p = 1', () => {
  fc.assert(
    fc.property(sample, (x) => {
      const r = tTest(x, x.slice());
      if (Number.isNaN(r.value)) return; // constant sample: 0/0
      assert.equal(r.value, 0);
      assert.equal(r.pValue, 1);
    }),
  );
});

test('property: null / NaN / ±Infinity are removed before the test', () => {
  fc.assert(
    fc.property(
      sample,
      sample,
      fc.array(fc.constantFrom(null, NaN, Infinity, -Infinity, undefined), { maxLength: 5 }),
      (x, y, junk) => {
        // junk only at the ends keeps the order of the finite values (summation order)
        assert.deepEqual(tTest([...junk, ...x], [...y, ...junk]), tTest(x, y));
        assert.deepEqual(tTestValues(Float64Array.from(x), Float64Array.from(y)), tTest(x, y));
      },
    ),
  );
});
