/**
 * Two-sided Mann-Whitney U — `mannWhitney`, `mannWhitneySorted` — and the exact U
 * distribution: golden vectors (SciPy 1.10.1 mannwhitneyu), the exact distribution
 * against brute-force enumeration of rank subsets, an independent recomputation of
 * U and of the normal approximation, edge rules and fast-check properties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { EMPTY_CURRENT, EMPTY_REFERENCE } from '../src/types.js';
import { midranks } from '../src/util/rank.js';
import { mannWhitneyCounts, mannWhitneyExactCdf, mannWhitneyExactSf } from '../src/special/mann-whitney.js';
import { mannWhitney, mannWhitneySorted } from '../src/two-sample/mann-whitney.js';
import { checkGolden, decode, goldenCases } from './helpers/two-sample-golden.js';

/** cephes (WASM, independent reference); its package `exports` hide its types under NodeNext. */
const cephes = createRequire(import.meta.url)('cephes') as {
  compiled: Promise<void>;
  ndtr(x: number): number;
};

const cases = goldenCases('mann_whitney');

test('golden: mann_whitney (SciPy 1.10.1 mannwhitneyu, two-sided, method auto)', () => {
  assert.ok(cases.length > 0, 'no mann_whitney vectors');
  const failures: string[] = [];
  for (const c of cases) {
    const r = mannWhitney(c.args.ref.map(decode) as number[], c.args.cur.map(decode) as number[]);
    const p = checkGolden(c, r);
    if (p.length) failures.push(`${c.name}: ${p.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});

test('golden: mannWhitneySorted on sorted clean arrays gives the same result', () => {
  for (const c of cases) {
    const clean = (xs: unknown[]) =>
      Float64Array.from(xs.map(decode).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))).sort();
    const a = mannWhitney(c.args.ref.map(decode) as number[], c.args.cur.map(decode) as number[]);
    assert.deepEqual(mannWhitneySorted(clean(c.args.ref), clean(c.args.cur)), a, c.name);
  }
});

// ---- exact distribution ---------------------------------------------------------------

/** Frequencies of U = sum(x-ranks) - m(m+1)/2 over all m-subsets of {1..m+n}. */
function bruteForceCounts(m: number, n: number): number[] {
  const counts = new Array<number>(m * n + 1).fill(0);
  const N = m + n;
  const rec = (start: number, left: number, sum: number) => {
    if (left === 0) {
      counts[sum - (m * (m + 1)) / 2]++;
      return;
    }
    for (let v = start; v <= N - left + 1; v++) rec(v + 1, left - 1, sum + v);
  };
  rec(1, m, 0);
  return counts;
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

test('exact counts equal brute-force enumeration of rank subsets', () => {
  for (let m = 0; m <= 7; m++) {
    for (let n = 0; n <= 8; n++) {
      const want = bruteForceCounts(m, n);
      assert.deepEqual(Array.from(mannWhitneyCounts(m, n, m * n)), want, `m=${m} n=${n}`);
      assert.deepEqual(Array.from(mannWhitneyCounts(n, m, m * n)), want, `m=${n} n=${m}`);
    }
  }
});

test('exact distribution sums to 1 and is symmetric, also for large n', () => {
  for (const [m, n] of [
    [3, 9],
    [8, 8],
    [8, 40],
    [5, 300],
    [8, 1000],
  ]) {
    const c = mannWhitneyCounts(m, n, m * n);
    const total = c.reduce((s, v) => s + v, 0);
    const want = binom(m + n, m);
    assert.ok(Math.abs(total - want) <= 1e-12 * want, `sum ${total} vs C(${m + n},${m}) = ${want}`);
    for (let k = 0; k <= m * n; k++) assert.ok(Math.abs(c[k] - c[m * n - k]) <= 1e-12 * c[k] + 1e-9, `symmetry k=${k}`);
    for (const v of c) assert.ok(v >= 0);
    assert.ok(Math.abs(mannWhitneyExactCdf(m * n, m, n) - 1) < 1e-15);
  }
});

test('exact counts match exact BigInt arithmetic where float64 rounds (large n)', () => {
  // The same recurrence f(m, n, k) = f(m-1, n, k-n) + f(m, n-1, k) (Mann & Whitney 1947),
  // one row n at a time, in BigInt; compared on the half SciPy evaluates, k <= mn/2.
  for (const [m, n] of [
    [8, 300],
    [6, 900],
  ]) {
    const K = Math.floor((m * n) / 2);
    // rows[i][k] = f(i, nn, k) for the current nn; f(i, 0, k) = [k == 0]
    let rows: bigint[][] = Array.from({ length: m + 1 }, () => {
      const r = new Array<bigint>(K + 1).fill(0n);
      r[0] = 1n;
      return r;
    });
    for (let nn = 1; nn <= n; nn++) {
      const next: bigint[][] = [rows[0]];
      for (let i = 1; i <= m; i++) {
        const r = rows[i].slice();
        for (let k = nn; k <= K; k++) r[k] += next[i - 1][k - nn];
        next.push(r);
      }
      rows = next;
    }
    const got = mannWhitneyCounts(m, n, K);
    for (let k = 0; k <= K; k++) {
      const want = Number(rows[m][k]);
      assert.ok(Math.abs(got[k] - want) <= 1e-14 * want, `m=${m} n=${n} k=${k}: ${got[k]} vs ${want}`);
    }
  }
});

test('exact cdf / sf equal brute-force tail probabilities', () => {
  for (const [m, n] of [
    [1, 1],
    [2, 3],
    [4, 4],
    [3, 8],
    [6, 7],
  ]) {
    const counts = bruteForceCounts(m, n);
    const total = binom(m + n, m);
    for (let k = 0; k <= m * n; k++) {
      const cdf = counts.slice(0, k + 1).reduce((s, v) => s + v, 0) / total;
      const sf = counts.slice(k).reduce((s, v) => s + v, 0) / total;
      assert.ok(Math.abs(mannWhitneyExactCdf(k, m, n) - cdf) < 1e-14, `cdf m=${m} n=${n} k=${k}`);
      assert.ok(Math.abs(mannWhitneyExactSf(k, m, n) - sf) < 1e-14, `sf m=${m} n=${n} k=${k}`);
    }
    assert.equal(mannWhitneyExactSf(0, m, n), 1);
    assert.equal(mannWhitneyExactSf(m * n + 1, m, n), 0);
    assert.equal(mannWhitneyExactCdf(-1, m, n), 0);
  }
});

test('exact two-sided p-value = min(1, 2 P(U >= max(U1, U2))) from enumeration', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 2, maxLength: 16 }),
      fc.integer({ min: 1, max: 8 }),
      (values, cut) => {
        const m = Math.min(cut, values.length - 1);
        const x = values.slice(0, m);
        const y = values.slice(m);
        const r = mannWhitney(x, y);
        assert.equal(r.pValueMethod, 'exact');
        const counts = bruteForceCounts(x.length, y.length);
        const u = Math.max(r.value, x.length * y.length - r.value);
        const tail = counts.slice(u).reduce((s, v) => s + v, 0) / binom(values.length, x.length);
        assert.ok(Math.abs((r.pValue as number) - Math.min(1, 2 * tail)) < 1e-14);
      },
    ),
    { numRuns: 150 },
  );
});

// ---- statistic and normal approximation, recomputed independently ----------------------

test('U and the asymptotic p-value match an independent recomputation (ties included)', async () => {
  await cephes.compiled;
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -10, max: 10 }), { minLength: 9, maxLength: 60 }),
      fc.array(fc.integer({ min: -10, max: 10 }), { minLength: 9, maxLength: 60 }),
      (x, y) => {
        const n1 = x.length;
        const n2 = y.length;
        const { ranks, tieTerm } = midranks(Float64Array.from([...x, ...y]));
        let r1 = 0;
        for (let i = 0; i < n1; i++) r1 += ranks[i];
        const u1 = r1 - (n1 * (n1 + 1)) / 2;
        const u = Math.max(u1, n1 * n2 - u1);
        const N = n1 + n2;
        const s = Math.sqrt(((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1))));
        const z = (u - (n1 * n2) / 2 - 0.5) / s;
        const p = s === 0 ? 1 : Math.min(1, 2 * cephes.ndtr(-z));
        const r = mannWhitney(x, y);
        assert.equal(r.value, u1);
        assert.equal(r.pValueMethod, 'asymptotic');
        assert.ok(Math.abs((r.pValue as number) - p) <= 1e-12 + 1e-9 * p, `${r.pValue} vs ${p}`);
      },
    ),
    { numRuns: 200 },
  );
});

test('method choice: exact iff min(n) <= 8 and no ties (SciPy code, not its docstring)', () => {
  const a = [1, 2, 3, 4, 5, 6, 7, 8];
  const b = Array.from({ length: 30 }, (_, i) => i + 0.5);
  assert.equal(mannWhitney(a, b).pValueMethod, 'exact');
  assert.equal(mannWhitney(b, a).pValueMethod, 'exact');
  assert.equal(mannWhitney([...a, 9.25], b).pValueMethod, 'asymptotic');
  assert.equal(mannWhitney([1, 2, 2.25], b).pValueMethod, 'exact');
  assert.equal(mannWhitney([1, 2, 1.5], b).pValueMethod, 'asymptotic'); // tie with cur
  assert.equal(mannWhitney([1, 1, 3], [4, 5]).pValueMethod, 'asymptotic'); // tie within ref
});

// ---- edge rules ---------------------------------------------------------------------

test('edge rules: empty sides; all values tied gives p = 1', () => {
  assert.equal(mannWhitney([], [1, 2]).reason, EMPTY_REFERENCE);
  assert.equal(mannWhitney([1], [Infinity]).reason, EMPTY_CURRENT);
  const tied = mannWhitney([3, 3, 3], [3, 3]);
  assert.equal(tied.value, 3);
  assert.equal(tied.pValue, 1);
  assert.equal(tied.reason, undefined);
  const one = mannWhitney([1], [2]);
  assert.equal(one.value, 0);
  assert.equal(one.pValue, 1);
});

// ---- properties ---------------------------------------------------------------------

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 });
const intSample = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 50 });

test('property: U(ref, cur) + U(cur, ref) = n1 n2, p symmetric and in [0, 1]', () => {
  fc.assert(
    fc.property(sample, sample, (x, y) => {
      const r = mannWhitney(x, y);
      const s = mannWhitney(y, x);
      assert.equal(r.value + s.value, x.length * y.length);
      assert.equal(r.pValue, s.pValue);
      const p = r.pValue as number;
      assert.ok(p >= 0 && p <= 1);
    }),
  );
});

test('property: identical samples do not drift (p = 1)', () => {
  fc.assert(
    fc.property(sample, (x) => {
      const r = mannWhitney(x, x.slice());
      assert.equal(r.value, (x.length * x.length) / 2);
      assert.ok((r.pValue as number) >= 0.05);
    }),
  );
});

test('property: invariant under strictly monotone transforms', () => {
  fc.assert(
    fc.property(intSample, intSample, (x, y) => {
      const r = mannWhitney(x, y);
      assert.deepEqual(mannWhitney(x.map((v) => v ** 3 + 1), y.map((v) => v ** 3 + 1)), r);
      assert.deepEqual(mannWhitney(x.map((v) => Math.exp(v / 5)), y.map((v) => Math.exp(v / 5))), r);
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
        assert.deepEqual(mannWhitney([...x, ...junk], [...junk, ...y]), mannWhitney(x, y));
      },
    ),
  );
});
