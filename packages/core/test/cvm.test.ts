/**
 * Two-sample Cramér-von Mises — `cvm`, `cvmSorted` — and its special functions:
 * golden vectors (SciPy 1.10.1 cramervonmises_2samp), Bessel K_nu against its
 * integral representation and against cephes' I_nu, the limiting distribution
 * against published quantiles, the exact p-value against brute-force enumeration
 * of every split, edge rules and fast-check properties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { EMPTY_CURRENT, EMPTY_REFERENCE } from '../src/types.js';
import { midranks } from '../src/util/rank.js';
import { besselK, besselKe } from '../src/special/bessel.js';
import { cvm2SampAsymptoticPValue, cvm2SampExactPValue, cvmCdfInf } from '../src/special/cvm.js';
import { cvm, cvmSorted } from '../src/two-sample/cvm.js';
import { checkGolden, decode, goldenCases } from './helpers/two-sample-golden.js';

/** cephes (WASM, independent reference); its package `exports` hide its types under NodeNext. */
const cephes = createRequire(import.meta.url)('cephes') as {
  compiled: Promise<void>;
  iv(v: number, x: number): number;
};

const cases = goldenCases('cvm');

test('golden: cvm (SciPy 1.10.1 cramervonmises_2samp, method auto)', () => {
  assert.ok(cases.length > 0, 'no cvm vectors');
  const failures: string[] = [];
  for (const c of cases) {
    const r = cvm(c.args.ref.map(decode) as number[], c.args.cur.map(decode) as number[]);
    const p = checkGolden(c, r);
    if (p.length) failures.push(`${c.name}: ${p.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});

test('golden: cvmSorted on sorted clean arrays gives the same result', () => {
  for (const c of cases) {
    const clean = (xs: unknown[]) =>
      Float64Array.from(xs.map(decode).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))).sort();
    const a = cvm(c.args.ref.map(decode) as number[], c.args.cur.map(decode) as number[]);
    assert.deepEqual(cvmSorted(clean(c.args.ref), clean(c.args.cur)), a, c.name);
  }
});

// ---- Bessel K_nu ------------------------------------------------------------------

/**
 * K_nu(x) = int_0^inf exp(-x cosh t) cosh(nu t) dt by the trapezoidal rule, which
 * converges geometrically for this analytic, doubly-exponentially decaying integrand.
 */
function besselKIntegral(nu: number, x: number): number {
  const h = 0.02;
  let sum = 0.5 * Math.exp(-x);
  for (let i = 1; ; i++) {
    const t = i * h;
    const term = Math.exp(-x * Math.cosh(t)) * Math.cosh(nu * t);
    sum += term;
    if (term < 1e-18 * sum && x * Math.cosh(t) > 40) break;
  }
  return sum * h;
}

test('besselK matches the integral representation (orders 1/4, 3/4, 5/4, 0, 2.3)', () => {
  const xs = [1e-6, 1e-3, 0.02, 0.1, 0.5, 1, 1.5, 1.999, 2, 2.001, 3, 5, 10, 25, 60];
  for (const nu of [0.25, 0.75, 1.25, 0, 2.3]) {
    for (const x of xs) {
      const want = besselKIntegral(nu, x);
      const got = besselK(nu, x);
      assert.ok(Math.abs(got - want) <= 1e-13 * want, `K_${nu}(${x}) = ${got}, integral ${want}`);
      const scaled = besselKe(nu, x);
      assert.ok(Math.abs(scaled - want * Math.exp(x)) <= 1e-13 * want * Math.exp(x), `Ke_${nu}(${x})`);
    }
  }
});

test('besselK_{1/4} matches cephes: pi/2 (I_{-1/4} - I_{1/4}) / sin(pi/4)', async () => {
  await cephes.compiled;
  // the difference cancels for larger x (I_nu grows like e^x), so only x <= 2
  for (const x of [1e-4, 0.01, 0.3, 1, 2]) {
    const want = ((Math.PI / 2) * (cephes.iv(-0.25, x) - cephes.iv(0.25, x))) / Math.sin(Math.PI / 4);
    const got = besselK(0.25, x);
    assert.ok(Math.abs(got - want) <= 1e-12 * want, `K_1/4(${x}) = ${got}, cephes ${want}`);
  }
});

test('besselK edge rules', () => {
  assert.equal(besselK(0.25, 0), Infinity);
  assert.ok(Number.isNaN(besselK(0.25, -1)));
  assert.ok(Number.isNaN(besselK(NaN, 1)));
  assert.equal(besselK(0.25, Infinity), 0);
  assert.equal(besselK(0.25, 800), 0);
  assert.equal(besselK(-0.25, 1.3), besselK(0.25, 1.3));
  // closed form K_{1/2}(x) = sqrt(pi / (2x)) exp(-x)
  for (const x of [0.01, 0.7, 3, 30]) {
    const want = Math.sqrt(Math.PI / (2 * x)) * Math.exp(-x);
    assert.ok(Math.abs(besselK(0.5, x) - want) <= 2e-15 * want);
  }
});

// ---- limiting distribution ----------------------------------------------------------

test('cvmCdfInf: published upper quantiles of the limiting CvM distribution', () => {
  // Anderson & Darling (1952): P(W^2 > 0.34730) = 0.10, > 0.46136 = 0.05, > 0.74346 = 0.01
  assert.ok(Math.abs(cvmCdfInf(0.3473) - 0.9) < 2e-5);
  assert.ok(Math.abs(cvmCdfInf(0.46136) - 0.95) < 2e-5);
  assert.ok(Math.abs(cvmCdfInf(0.74346) - 0.99) < 2e-5);
  assert.equal(cvmCdfInf(0), 0);
  assert.equal(cvmCdfInf(-1), 0);
  // monotone and bounded
  let prev = 0;
  for (let x = 0.01; x < 3; x += 0.01) {
    const v = cvmCdfInf(x);
    assert.ok(v >= prev - 1e-12 && v <= 1 + 1e-7, `V(${x}) = ${v}`);
    prev = v;
  }
});

test('asymptotic p-value: 1 for tn < 0.003, in [0, 1]', () => {
  assert.equal(cvm2SampAsymptoticPValue(0, 30, 40), 1);
  for (const t of [0.01, 0.1, 0.5, 1, 2, 5, 20]) {
    const p = cvm2SampAsymptoticPValue(t, 30, 40);
    assert.ok(p >= 0 && p <= 1, `p(${t}) = ${p}`);
  }
});

// ---- exact p-value vs enumeration -----------------------------------------------------

/** Calls fn with every m-subset of {1..N} (ascending). */
function forEachSubset(N: number, m: number, fn: (s: number[]) => void): void {
  const s: number[] = [];
  const rec = (start: number) => {
    if (s.length === m) {
      fn(s);
      return;
    }
    for (let v = start; v <= N - (m - s.length) + 1; v++) {
      s.push(v);
      rec(v + 1);
      s.pop();
    }
  };
  rec(1);
}

/** U = m sum (r_i - i)^2 + n sum (s_j - j)^2 for the split whose x-ranks are `xr`. */
function splitU(xr: number[], N: number): number {
  const m = xr.length;
  const n = N - m;
  const inX = new Set(xr);
  let ux = 0;
  xr.forEach((r, i) => (ux += (r - (i + 1)) ** 2));
  let uy = 0;
  let j = 0;
  for (let r = 1; r <= N; r++) if (!inX.has(r)) uy += (r - ++j) ** 2;
  return m * ux + n * uy;
}

test('exact p-value equals the fraction of all C(m+n, m) splits with U >= observed', () => {
  for (const [m, n] of [
    [2, 2],
    [2, 5],
    [3, 4],
    [4, 4],
    [5, 3],
    [3, 7],
    [6, 6],
  ]) {
    const N = m + n;
    const us: number[] = [];
    forEachSubset(N, m, (s) => us.push(splitU(s, N)));
    for (const u of new Set(us)) {
      const want = us.filter((v) => v >= u).length / us.length;
      assert.equal(cvm2SampExactPValue(u, m, n), want, `m=${m} n=${n} U=${u}`);
    }
  }
});

// ---- statistic vs an independent recomputation ------------------------------------

test('statistic equals the midrank formula (Anderson 1962 eqs. 9-10), ties included', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 2, maxLength: 40 }),
      fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 2, maxLength: 40 }),
      (x, y) => {
        const xs = [...x].sort((p, q) => p - q);
        const ys = [...y].sort((p, q) => p - q);
        const { ranks } = midranks(Float64Array.from([...xs, ...ys]));
        const nx = xs.length;
        const ny = ys.length;
        let u = 0;
        for (let i = 0; i < nx; i++) u += nx * (ranks[i] - (i + 1)) ** 2;
        for (let j = 0; j < ny; j++) u += ny * (ranks[nx + j] - (j + 1)) ** 2;
        const k = nx * ny;
        const N = nx + ny;
        const want = u / (k * N) - (4 * k - 1) / (6 * N);
        const r = cvm(x, y);
        assert.ok(Math.abs(r.value - want) <= 1e-12 * Math.max(1, Math.abs(want)));
        assert.equal(r.pValueMethod, Math.max(nx, ny) <= 20 ? 'exact' : 'asymptotic');
      },
    ),
    { numRuns: 200 },
  );
});

// ---- edge rules ---------------------------------------------------------------------

test('edge rules: empty sides and sides with a single value', () => {
  assert.equal(cvm([], [1, 2, 3]).reason, EMPTY_REFERENCE);
  assert.equal(cvm([1, 2], [NaN, null]).reason, EMPTY_CURRENT);
  for (const [x, y] of [
    [[1], [2, 3]],
    [[1, 2], [3]],
    [[1], [2]],
  ]) {
    const r = cvm(x, y);
    assert.ok(Number.isNaN(r.value) && Number.isNaN(r.pValue as number));
    assert.ok(r.reason && r.reason.length > 0);
  }
  // all tied: SciPy's midrank formula gives T > 0, kept
  const tied = cvm([5, 5, 5], [5, 5]);
  assert.ok(tied.value > 0);
  assert.equal(tied.reason, undefined);
});

// ---- properties ---------------------------------------------------------------------

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 40 });
const intSample = fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 2, maxLength: 40 });

test('property: 0 <= p <= 1, identical samples do not drift', () => {
  fc.assert(
    fc.property(sample, sample, (x, y) => {
      const r = cvm(x, y);
      const p = r.pValue as number;
      assert.ok(p >= 0 && p <= 1, `p = ${p}`);
      const same = cvm(x, x.slice());
      assert.ok((same.pValue as number) >= 0.05, `identical samples: p = ${same.pValue}`);
    }),
    { numRuns: 60 },
  );
});

test('property: symmetric in (ref, cur), invariant under strictly monotone transforms', () => {
  fc.assert(
    fc.property(intSample, intSample, (x, y) => {
      const r = cvm(x, y);
      const s = cvm(y, x);
      assert.ok(Math.abs(r.value - s.value) <= 1e-12 * Math.max(1, r.value));
      assert.equal(r.pValue, s.pValue);
      const t = cvm(x.map((v) => v ** 3 - 2), y.map((v) => v ** 3 - 2));
      assert.equal(t.value, r.value);
      assert.equal(t.pValue, r.pValue);
      const e = cvm(x.map((v) => Math.exp(v / 7)), y.map((v) => Math.exp(v / 7)));
      assert.equal(e.value, r.value);
    }),
    { numRuns: 60 },
  );
});

test('property: null / NaN / ±Infinity are removed before the test', () => {
  fc.assert(
    fc.property(
      sample,
      sample,
      fc.array(fc.constantFrom(null, NaN, Infinity, -Infinity, undefined), { maxLength: 5 }),
      (x, y, junk) => {
        assert.deepEqual(cvm([...junk, ...x], [...y, ...junk, ...junk]), cvm(x, y));
      },
    ),
    { numRuns: 60 },
  );
});
