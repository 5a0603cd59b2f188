/**
 * Two-sample Anderson-Darling (k-sample, midrank) — `anderson`, `andersonSorted`:
 * golden vectors (SciPy 1.10.1 anderson_ksamp), an independent O(N L) transcription
 * of SciPy's formula, the least-squares property of the p-value fit, edge rules
 * and fast-check properties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EMPTY_CURRENT, EMPTY_REFERENCE } from '../src/types.js';
import { anderson, andersonPValue, andersonSorted } from '../src/two-sample/anderson.js';
import { checkGolden, decode, goldenCases } from './helpers/two-sample-golden.js';

// ---- golden vectors ---------------------------------------------------------------

const cases = goldenCases('anderson');

test('golden: anderson (SciPy 1.10.1 anderson_ksamp)', () => {
  assert.ok(cases.length > 0, 'no anderson vectors');
  const failures: string[] = [];
  for (const c of cases) {
    const args = { ref: c.args.ref.map(decode), cur: c.args.cur.map(decode) } as { ref: number[]; cur: number[] };
    const p = checkGolden(c, anderson(args.ref, args.cur));
    if (p.length) failures.push(`${c.name}: ${p.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});

test('golden: andersonSorted on sorted clean arrays gives the same result', () => {
  for (const c of cases) {
    const clean = (xs: unknown[]) =>
      Float64Array.from(xs.map(decode).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))).sort();
    const a = anderson(c.args.ref.map(decode) as number[], c.args.cur.map(decode) as number[]);
    const b = andersonSorted(clean(c.args.ref), clean(c.args.cur));
    assert.deepEqual(b, a, c.name);
  }
});

// ---- independent transcription of SciPy's midrank formula --------------------------

/** SciPy's `_anderson_ksamp_midrank` + standardisation, literally (searchsorted loops). */
function naiveAnderson(x: number[], y: number[]): number {
  const samples = [x, y];
  const Z = [...x, ...y].sort((p, q) => p - q);
  const N = Z.length;
  const Zstar = [...new Set(Z)];
  const k = 2;
  const n = [x.length, y.length];
  const countLess = (arr: number[], v: number) => arr.filter((w) => w < v).length;
  const countLeq = (arr: number[], v: number) => arr.filter((w) => w <= v).length;
  let A2akN = 0;
  for (let i = 0; i < k; i++) {
    let inner = 0;
    for (const z of Zstar) {
      const lj = N === Zstar.length ? 1 : countLeq(Z, z) - countLess(Z, z);
      const Bj = countLess(Z, z) + lj / 2;
      const fij = countLeq(samples[i], z) - countLess(samples[i], z);
      const Mij = countLeq(samples[i], z) - fij / 2;
      inner += ((lj / N) * (N * Mij - Bj * n[i]) ** 2) / (Bj * (N - Bj) - (N * lj) / 4);
    }
    A2akN += inner / n[i];
  }
  A2akN *= (N - 1) / N;
  const H = 1 / n[0] + 1 / n[1];
  let h = 0;
  for (let i = 1; i < N; i++) h += 1 / i;
  let g = 0;
  for (let i = 1; i <= N - 2; i++) for (let j = i + 1; j <= N - 1; j++) g += 1 / ((N - i) * j);
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k ** 2 - 4 * h * k;
  const sigmasq = (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
  return (A2akN - (k - 1)) / Math.sqrt(sigmasq);
}

test('statistic matches a literal transcription of SciPy (with and without ties)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 1, maxLength: 25 }),
      fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 1, maxLength: 25 }),
      fc.boolean(),
      (xi, yi, jitter) => {
        // jitter: distinct values (no ties) by adding a tiny index-dependent offset
        const x = jitter ? xi.map((v, i) => v + i / 1000) : xi;
        const y = jitter ? yi.map((v, i) => v + (i + 0.5) / 1000) : yi;
        if (x.length + y.length < 4 || new Set([...x, ...y]).size < 2) return;
        const got = anderson(x, y).value;
        const want = naiveAnderson(x, y);
        assert.ok(Math.abs(got - want) <= 1e-10 * Math.max(1, Math.abs(want)), `${got} vs ${want}`);
      },
    ),
    { numRuns: 300 },
  );
});

// ---- the p-value rule ---------------------------------------------------------------

const CRIT = [0.325, 1.226, 1.961, 2.718, 3.752, 4.592, 6.546];
const SIG = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

test('p-value: capped at 0.25 below 0.325, floored at 0.001 above 6.546', () => {
  assert.equal(andersonPValue(0.3249), 0.25);
  assert.equal(andersonPValue(-3), 0.25);
  assert.equal(andersonPValue(6.5461), 0.001);
  assert.equal(andersonPValue(40), 0.001);
  // the fit itself, not the cap: about 0.2457 just above 0.325, above 0.001 at 6.546
  assert.ok(Math.abs(andersonPValue(0.3251) - 0.2457) < 1e-3);
  assert.ok(andersonPValue(6.546) > 0.001);
  assert.ok(Number.isNaN(andersonPValue(NaN)));
});

test('p-value fit is the least-squares quadratic of log(sig) on the critical values', () => {
  // log p(x) = c2 x^2 + c1 x + c0; recover c from three evaluations, then check the
  // normal equations V^T (V c - log sig) = 0.
  const f = (x: number) => Math.log(andersonPValue(x));
  const x0 = 1;
  const x1 = 3;
  const x2 = 5;
  const c2 = ((f(x2) - f(x1)) / (x2 - x1) - (f(x1) - f(x0)) / (x1 - x0)) / (x2 - x0);
  const c1 = (f(x1) - f(x0)) / (x1 - x0) - c2 * (x0 + x1);
  const c0 = f(x0) - c2 * x0 * x0 - c1 * x0;
  const resid = CRIT.map((x, i) => c2 * x * x + c1 * x + c0 - Math.log(SIG[i]));
  for (const power of [0, 1, 2]) {
    const dot = resid.reduce((s, r, i) => s + r * CRIT[i] ** power, 0);
    assert.ok(Math.abs(dot) < 1e-9, `normal equation ${power}: ${dot}`);
  }
  // and the residuals are not all zero (it is a fit, not an interpolation)
  assert.ok(Math.max(...resid.map(Math.abs)) > 1e-3);
});

// ---- edge rules ---------------------------------------------------------------------

test('edge rules: empty sides, N < 4, a single distinct value', () => {
  assert.equal(anderson([], [1, 2, 3]).reason, EMPTY_REFERENCE);
  assert.equal(anderson([1, 2], [null, NaN]).reason, EMPTY_CURRENT);
  for (const [x, y] of [
    [[1], [2]],
    [[1], [2, 3]],
    [[1, 2], [3]],
    [[1], [1, 2]],
    [[4, 4, 4], [4, 4]],
  ] as const) {
    const r = anderson(x, y);
    assert.ok(Number.isNaN(r.value) && Number.isNaN(r.pValue as number), `${x} | ${y}`);
    assert.ok(r.reason && r.reason.length > 0);
  }
  const ok = anderson([1], [2, 3, 4]);
  assert.ok(Number.isFinite(ok.value));
  assert.equal(ok.reason, undefined);
});

// ---- properties ---------------------------------------------------------------------

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 60 });
const intSample = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 60 });

test('property: p in [0.001, 0.25], identical samples do not drift', () => {
  fc.assert(
    fc.property(sample, sample, (x, y) => {
      const r = anderson(x, y);
      if (Number.isNaN(r.value)) return;
      const p = r.pValue as number;
      assert.ok(p >= 0.001 && p <= 0.25, `p = ${p}`);
      const same = anderson(x, x.slice());
      if (!Number.isNaN(same.value)) {
        assert.ok(same.value < 0, `identical samples: T = ${same.value}`);
        assert.equal(same.pValue, 0.25);
      }
    }),
  );
});

test('property: symmetric in (ref, cur) and invariant under strictly monotone transforms', () => {
  fc.assert(
    fc.property(intSample, intSample, (x, y) => {
      const r = anderson(x, y);
      const s = anderson(y, x);
      if (Number.isNaN(r.value)) {
        assert.ok(Number.isNaN(s.value));
        return;
      }
      assert.ok(Math.abs(r.value - s.value) <= 1e-12 * Math.max(1, Math.abs(r.value)));
      // x -> x^3 + 7 and x -> -(...) reversed order are exact on small integers
      const t = anderson(x.map((v) => v ** 3 + 7), y.map((v) => v ** 3 + 7));
      assert.equal(t.value, r.value);
      assert.equal(t.pValue, r.pValue);
      const u = anderson(x.map((v) => Math.exp(v / 10)), y.map((v) => Math.exp(v / 10)));
      assert.equal(u.value, r.value);
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
        const dirty = [...junk, ...x, ...junk];
        assert.deepEqual(anderson(dirty, [...y, ...junk]), anderson(x, y));
      },
    ),
  );
});
