/**
 * Two-sample Kolmogorov-Smirnov — `ks`, `ksSorted` — and the Kolmogorov
 * distributions behind it (`kstwoSf`, `kstwoCdf`, `smirnovSf`, `kolmogorovSf`):
 * golden vectors (SciPy 1.10.1 ks_2samp), the distributions against SciPy literals
 * and against the cephes WASM build, the exact p-value against brute-force
 * enumeration of every split, SciPy's exact->asymptotic fallback, edge rules and
 * fast-check properties.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { EMPTY_CURRENT, EMPTY_REFERENCE } from '../src/types.js';
import {
  kolmogorovCdf,
  kolmogorovSf,
  kstwoCdf,
  kstwoSf,
  roundHalfEven,
  smirnovCdf,
  smirnovSf,
} from '../src/special/kolmogorov.js';
import {
  computeOuterProbInsideMethod,
  computeProbOutsideSquare,
  ks,
  ksSorted,
  ksStatisticSorted,
} from '../src/two-sample/ks.js';
import { sortedFiniteFast } from '../src/util/sort.js';
import { normals, rng } from './helpers/random.js';
import { checkGolden, decode, goldenCases } from './helpers/two-sample-golden.js';

/** cephes (WASM, independent reference); its package `exports` hide its types under NodeNext. */
const cephes = createRequire(import.meta.url)('cephes') as {
  compiled: Promise<void>;
  smirnov(n: number, d: number): number;
  kolmogorov(x: number): number;
};

const cases = goldenCases('ks');

test('golden: ks (SciPy 1.10.1 ks_2samp, method auto, two-sided)', () => {
  assert.ok(cases.length > 0, 'no ks vectors');
  const failures: string[] = [];
  for (const c of cases) {
    const r = ks(c.args.ref.map(decode) as number[], c.args.cur.map(decode) as number[]);
    const p = checkGolden(c, r);
    if (p.length) failures.push(`${c.name}: ${p.join('; ')}`);
  }
  assert.deepEqual(failures, []);
});

test('golden: ksSorted on sorted clean arrays gives the same result as ks', () => {
  for (const c of cases) {
    const a = sortedFiniteFast(c.args.ref.map(decode) as number[]);
    const b = sortedFiniteFast(c.args.cur.map(decode) as number[]);
    const aCopy = a.slice();
    const r = ksSorted(a, b);
    assert.deepEqual(r, ks(c.args.ref.map(decode) as number[], c.args.cur.map(decode) as number[]), c.name);
    assert.deepEqual(a, aCopy, 'ksSorted must not modify its input');
  }
});

// ---- the Kolmogorov distributions ---------------------------------------------------

const relClose = (got: number, want: number, rel: number, abs = 0): boolean =>
  got === want || Math.abs(got - want) <= Math.max(abs, rel * Math.abs(want));

/**
 * scipy.stats.kstwo, one point per branch of SciPy's `_kolmogn` (Ruben-Gambino both
 * ways, 2*smirnov exact and Miller, Durbin/MTW, Pomeranz, Pelz-Good, the SF cut-offs).
 * Produced with the local SciPy 1.17.1 (identical under SciPy 1.10.1):
 *   python3 -c "from scipy.stats import kstwo; print(repr(float(kstwo.sf(d, n))), repr(float(kstwo.cdf(d, n))))"
 * for each (d, n) below; `null` where only the other function is informative.
 */
const KSTWO: Array<[d: number, n: number, sf: number | null, cdf: number | null]> = [
  [0.7, 1, 0.6000000000000001, 0.3999999999999999], // t <= 1, n <= 140 product
  [0.08, 10, 0.9999978058034054, 2.194196594688005e-6], // t <= 1, product
  [0.004, 200, 1.0, 2.0947856200911138e-130], // t <= 1, n > 140: Stirling
  [0.95, 10, 1.9531250000000172e-13, 0.9999999999998047], // t >= n - 1
  [0.6, 10, 0.0005681672000000003, 0.9994318328], // x >= 0.5: 2 * smirnov
  [0.1, 50, 0.6623112704658186, 0.3376887295341814], // n <= 140, nx^2 <= 0.754693: DMTW
  [0.2, 50, 0.03143877776953241, 0.9685612222304676], // n <= 140, nx^2 <= 4: Pomeranz
  [0.35, 50, 5.573523514803185e-6, 0.9999944264764852], // n <= 140: Miller 2 * smirnov
  [0.06, 100, 0.8428847956274123, 0.15711520437258772], // DMTW
  [0.15, 100, 0.019839242125641813, 0.9801607578743582], // Pomeranz
  [0.02, 1000, 0.8108971656895577, 0.18910283431044228], // n > 140: Pelz-Good
  [0.005, 1000, 1.0, 1.0361134147293507e-19], // n > 140: DMTW
  [0.06, 1000, 0.001428597887952891, null], // SF: nx^2 >= 2.2, 2 * smirnov
  [0.7, 1000, 0.0, null], // x >= 0.5
  [0.62, 1000, 0.0, null], // SF: nx^2 >= 370
  [0.009214478552144856, 4445, 0.8412672199218044, null], // golden ks asymptotic case
  [0.020299999999999985, 6667, 0.008103040951855702, null], // golden ks asymptotic case
  [0.003, 100001, 0.32845050055711633, 0.6715494994428837], // n > 100000: Pelz-Good
  [0.0004, 100000, 1.0, 1.2103803252065982e-32], // n <= 100000, n x^1.5 <= 1.4: DMTW (m = 79)
  [0.01, 100000, 4.093278023549254e-9, 0.9999999959067223], // 2 * smirnov, ~10^5 terms
  [0.0012, 500000, 0.4671992770600679, 0.5328007229399321], // Pelz-Good, 1M vs 1M scale
];

test('kstwoSf / kstwoCdf match scipy.stats.kstwo on every branch of kolmogn', () => {
  const failures: string[] = [];
  for (const [d, n, sf, cdf] of KSTWO) {
    if (sf !== null && !relClose(kstwoSf(d, n), sf, 1e-12, 1e-300)) failures.push(`sf(${d}, ${n}) = ${kstwoSf(d, n)} != ${sf}`);
    if (cdf !== null && !relClose(kstwoCdf(d, n), cdf, 1e-12, 1e-300)) {
      failures.push(`cdf(${d}, ${n}) = ${kstwoCdf(d, n)} != ${cdf}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('kstwo edge rules: support [0.5/n, 1], invalid n, NaN', () => {
  assert.equal(kstwoSf(0.05, 10), 1); // d <= 0.5/n
  assert.equal(kstwoCdf(0.05, 10), 0);
  assert.equal(kstwoSf(1, 10), 0);
  assert.equal(kstwoCdf(1.5, 10), 1);
  assert.ok(Number.isNaN(kstwoSf(0.3, 0)));
  assert.ok(Number.isNaN(kstwoSf(0.3, 2.5)));
  assert.ok(Number.isNaN(kstwoSf(NaN, 10)));
  assert.ok(Number.isNaN(kstwoCdf(0.3, NaN)));
});

test('kstwo: sf + cdf = 1 and sf is non-increasing in d (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, d) => {
      const sf = kstwoSf(d, n);
      const cdf = kstwoCdf(d, n);
      assert.ok(sf >= 0 && sf <= 1 && cdf >= 0 && cdf <= 1);
      // Above n = 140 SciPy (and so this) takes the CDF from the Pelz-Good
      // approximation and the SF from 2 * smirnov where n d^2 >= 2.2: the two then
      // agree only to the approximation's accuracy (see the SciPy literals below).
      const tolerance = n <= 140 ? 1e-12 : 1e-6;
      assert.ok(Math.abs(sf + cdf - 1) <= tolerance, `n=${n} d=${d}: ${sf} + ${cdf}`);
      const d2 = Math.min(1, d * 1.05 + 1e-3);
      assert.ok(kstwoSf(d2, n) <= sf + 1e-12, `n=${n}: sf(${d2}) > sf(${d})`);
    }),
    { numRuns: 200 },
  );
});

test('kstwo above n = 140 follows SciPy where its sf and cdf come from different approximations', () => {
  // python3 -c "from scipy.stats import kstwo; print(repr(kstwo.sf(d, n)), repr(kstwo.cdf(d, n)))" (SciPy 1.17.1)
  const cases: Array<[n: number, d: number, sf: number, cdf: number]> = [
    [141, 0.12491131605836449, 0.022396359228156186, 0.9776031240828449],
    [318, 0.0831759520156559, 0.023141975390322235, 0.9768579490844298],
  ];
  for (const [n, d, sf, cdf] of cases) {
    assert.ok(Math.abs(kstwoSf(d, n) - sf) <= 4e-16 * sf, `sf(${d}, ${n}) = ${kstwoSf(d, n)} vs ${sf}`);
    assert.ok(Math.abs(kstwoCdf(d, n) - cdf) <= 4e-16, `cdf(${d}, ${n}) = ${kstwoCdf(d, n)} vs ${cdf}`);
  }
});

/**
 * scipy.special.smirnov / kolmogorov literals from the local SciPy 1.17.1:
 *   python3 -c "from scipy.special import smirnov; print(repr(float(smirnov(n, d))))"
 *   python3 -c "from scipy.special import kolmogorov; print(repr(float(kolmogorov(x))))"
 */
const SMIRNOV: Array<[n: number, d: number, sf: number]> = [
  [5, 0.1, 0.85359],
  [20, 0.05, 0.873652490231218],
  [100, 0.05, 0.5871453380805337],
  [1000, 0.02, 0.44342498843949424],
  [1000, 0.001, 0.9972857902774867], // x <= 1/n
  [3, 0.9, 0.0009999999999999994], // x >= 1 - 1/n
  [50, 0.5, 2.196426749559874e-12],
  [1000, 0.604, 0.0],
  [10, 0.0, 1.0],
  [10, 1.0, 0.0],
  [1, 0.25, 0.75],
  [1000001, 0.001, 0.1352448117787778], // n > 10^6: approximation
];
const KOLMOGOROV: Array<[x: number, sf: number]> = [
  [0.0, 1.0],
  [0.04, 1.0],
  [0.3, 0.9999906941986655],
  [0.5, 0.9639452436648751],
  [0.82, 0.5119717052984973],
  [0.83, 0.4961909953505036],
  [1.0, 0.26999967167735456],
  [1.36, 0.049485876755377876],
  [2.0, 0.0006709252557796953],
  [5.0, 3.8574996959278356e-22],
];

test('smirnovSf and kolmogorovSf match SciPy literals', () => {
  for (const [n, d, sf] of SMIRNOV) {
    assert.ok(relClose(smirnovSf(n, d), sf, 1e-13, 1e-300), `smirnov(${n}, ${d}) = ${smirnovSf(n, d)} != ${sf}`);
    assert.ok(Math.abs(smirnovSf(n, d) + smirnovCdf(n, d) - 1) <= 1e-15);
  }
  for (const [x, sf] of KOLMOGOROV) {
    assert.ok(relClose(kolmogorovSf(x), sf, 1e-14), `kolmogorov(${x}) = ${kolmogorovSf(x)} != ${sf}`);
    assert.ok(Math.abs(kolmogorovSf(x) + kolmogorovCdf(x) - 1) <= 1e-15);
  }
  assert.ok(Number.isNaN(smirnovSf(10, NaN)));
  assert.ok(Number.isNaN(smirnovSf(0, 0.5)));
  assert.ok(Number.isNaN(smirnovSf(10, 1.5)));
  assert.ok(Number.isNaN(kolmogorovSf(NaN)));
});

test('smirnovSf and kolmogorovSf agree with cephes (WASM) on a grid', async () => {
  await cephes.compiled;
  const failures: string[] = [];
  for (const n of [2, 3, 7, 10, 31, 100, 250, 1000, 4000]) {
    for (let k = 1; k < 40; k++) {
      const d = k / 40;
      const got = smirnovSf(n, d);
      const want = cephes.smirnov(n, d);
      // cephes' own sum loses a few digits for large n; absolute 1e-13 covers the tail.
      if (!relClose(got, want, 1e-9, 1e-13)) failures.push(`smirnov(${n}, ${d}): ${got} vs ${want}`);
    }
  }
  // (cephes' alternating series does not terminate at x = 0, and is inaccurate near it)
  for (let k = 20; k <= 300; k++) {
    const x = k / 100;
    const got = kolmogorovSf(x);
    const want = cephes.kolmogorov(x);
    if (!relClose(got, want, 1e-12, 1e-300)) failures.push(`kolmogorov(${x}): ${got} vs ${want}`);
  }
  assert.deepEqual(failures, []);
});

test('kolmogorovSf is the n -> infinity limit of kstwoSf(x / sqrt(n), n)', () => {
  for (const x of [0.6, 0.9, 1.2, 1.6]) {
    const n = 200000;
    // The finite-n correction is O(1/sqrt(n)).
    assert.ok(Math.abs(kstwoSf(x / Math.sqrt(n), n) - kolmogorovSf(x)) < 5e-3, `x=${x}`);
  }
});

test('roundHalfEven rounds ties to even like numpy.round', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, 4444.641964335315, 6666.5].map(roundHalfEven), [0, 2, 2, 4, 2, 3, 4445, 6666]);
});

// ---- exact p-value against brute force -----------------------------------------------

/** All k-subsets of {0..n-1} as boolean masks, via Gosper's hack. */
function* subsets(n: number, k: number): Generator<number> {
  if (k === 0) {
    yield 0;
    return;
  }
  let s = (1 << k) - 1;
  const limit = 1 << n;
  while (s < limit) {
    yield s;
    const c = s & -s;
    const r = s + c;
    s = (((r ^ s) >>> 2) / c) | r;
  }
}

/** n1*n2*D for the split in which pooled ranks with set bits belong to sample 1. */
function scaledD(mask: number, n1: number, n2: number): number {
  let i = 0;
  let j = 0;
  let best = 0;
  for (let p = 0; p < n1 + n2; p++) {
    if (mask & (1 << p)) i++;
    else j++;
    best = Math.max(best, Math.abs(i * n2 - j * n1));
  }
  return best;
}

/** Exact two-sided P(D >= d) under H0 by enumerating every split of distinct data. */
function bruteForcePValue(n1: number, n2: number, observed: number): number {
  let hits = 0;
  let total = 0;
  for (const mask of subsets(n1 + n2, n1)) {
    total++;
    if (scaledD(mask, n1, n2) >= observed) hits++;
  }
  return hits / total;
}

test('exact p-value equals brute-force enumeration of all splits (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (n1, n2, seed) => {
        // A random split of the ranks 0..N-1 (distinct values, no ties).
        const u = rng(seed);
        const ranks = Array.from({ length: n1 + n2 }, (_, i) => i);
        for (let i = ranks.length - 1; i > 0; i--) {
          const j = Math.floor(u() * (i + 1));
          [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
        }
        const a = ranks.slice(0, n1);
        const b = ranks.slice(n1);
        let mask = 0;
        for (const r of a) mask |= 1 << r;
        const observed = scaledD(mask, n1, n2);
        const r = ks(a, b);
        assert.ok(Math.abs(r.value - observed / (n1 * n2)) < 1e-15, `D ${r.value} vs ${observed}/${n1 * n2}`);
        const want = bruteForcePValue(n1, n2, observed);
        if (r.pValueMethod === 'exact') {
          assert.ok(Math.abs((r.pValue as number) - want) <= 1e-12 * want + 1e-15, `${n1}x${n2}: ${r.pValue} vs ${want}`);
        } else {
          // SciPy's fallback when the lattice-path probability rounds outside [0, 1]:
          // that only happens where the truth is 1 (within rounding), and the p-value is
          // then the finite-n Kolmogorov tail at n = round_half_even(n1 n2 / (n1 + n2)).
          assert.ok(Math.abs(want - 1) <= 1e-12, `${n1}x${n2}: fell back although the exact p is ${want}`);
          assert.equal(r.pValueMethod, 'asymptotic');
          assert.equal(r.pValue, Math.min(1, kstwoSf(r.value, roundHalfEven((n1 * n2) / (n1 + n2)))));
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('exact lattice-path probabilities match brute force directly', () => {
  for (const [m, n] of [
    [6, 4],
    [8, 6],
    [9, 3],
    [7, 5],
  ]) {
    const g = gcdInt(m, n);
    const lcm = (m / g) * n;
    for (let h = 1; h <= lcm; h++) {
      // h/lcm = D <=> scaled statistic n1*n2*D = h * g
      const want = bruteForcePValue(m, n, h * g);
      const got = computeOuterProbInsideMethod(m, n, g, h);
      assert.ok(Math.abs(got - want) <= 1e-13, `${m}x${n} h=${h}: ${got} vs ${want}`);
    }
  }
  for (const n of [3, 6, 8]) {
    for (let h = 1; h <= n; h++) {
      const want = bruteForcePValue(n, n, h * n);
      assert.ok(Math.abs(computeProbOutsideSquare(n, h) - want) <= 1e-13, `${n}x${n} h=${h}`);
    }
  }
});

function gcdInt(a: number, b: number): number {
  return b === 0 ? a : gcdInt(b, a % b);
}

test("SciPy's exact -> asymptotic fallback: equal sizes with D = 1/n (probability rounds above 1)", () => {
  // SciPy 1.10.1 warns "Exact calculation unsuccessful. Switching to method=asymp" here:
  // _compute_prob_outside_square(5, 1) = 1.0000000000000002; ks_2samp gives D=0.2, p=1.0.
  assert.ok(computeProbOutsideSquare(5, 1) > 1);
  const r = ks([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]);
  assert.equal(r.value, 0.2);
  assert.equal(r.pValue, 1);
  assert.equal(r.pValueMethod, 'asymptotic');
  // ... while n = 6 stays exact (the probability is exactly 1).
  assert.equal(ks([1, 3, 5, 7, 9, 11], [2, 4, 6, 8, 10, 12]).pValueMethod, 'exact');
});

test('method choice: exact up to max(n) = 10000, asymptotic with round-half-even n above', () => {
  const a = normals(10001, 0, 1, 11);
  const b = normals(3, 0, 1, 12);
  const r = ks(a, b);
  assert.equal(r.pValueMethod, 'asymptotic');
  // n = 10001*3/10004 = 2.99910... -> 3
  assert.equal(r.pValue, Math.min(1, Math.max(0, kstwoSf(r.value, 3))));
  assert.equal(ks(a.subarray(0, 10000), b).pValueMethod, 'exact');
});

// ---- edge rules -----------------------------------------------------------------------

test('empty sides: NaN statistic and p-value with the contract reasons', () => {
  assert.deepEqual(ks([], [1, 2]), { value: NaN, pValue: NaN, reason: EMPTY_REFERENCE });
  assert.deepEqual(ks([1, 2], [null, NaN, Infinity]), { value: NaN, pValue: NaN, reason: EMPTY_CURRENT });
  assert.deepEqual(ks([], []), { value: NaN, pValue: NaN, reason: EMPTY_REFERENCE });
  assert.deepEqual(ksSorted(new Float64Array(0), new Float64Array([1])).reason, EMPTY_REFERENCE);
  assert.deepEqual(ksSorted(new Float64Array([1]), new Float64Array(0)).reason, EMPTY_CURRENT);
});

test('null, NaN and ±Infinity are dropped: same result as the cleaned samples', () => {
  const dirty = [0.3, null, 1.2, NaN, -0.7, Infinity, 2.5, -Infinity, 0.1, undefined];
  const clean = [0.3, 1.2, -0.7, 2.5, 0.1];
  const other = [1.1, NaN, 0.9, 3.2, null, -0.2, 0.4];
  const otherClean = [1.1, 0.9, 3.2, -0.2, 0.4];
  assert.deepEqual(ks(dirty, other), ks(clean, otherClean));
  const big = Array.from(normals(12000, 0, 1, 3));
  const bigDirty: Array<number | null> = big.flatMap((v, i) => (i % 97 === 0 ? [v, null, NaN] : [v]));
  const cur = Array.from(normals(500, 0.1, 1, 4));
  assert.deepEqual(ks(bigDirty, cur), ks(big, cur));
});

// ---- properties ---------------------------------------------------------------------------

/** Samples with ties: small integers, or doubles, of sizes covering both methods. */
const sampleArb = fc.oneof(
  fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 40 }),
  fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
);

test('identical samples: D = 0 and p = 1', () => {
  fc.assert(
    fc.property(sampleArb, (a) => {
      const r = ks(a, a);
      assert.equal(r.value, 0);
      assert.equal(r.pValue, 1);
    }),
  );
  const big = normals(20000, 0, 1, 5);
  assert.deepEqual(ks(big, big.slice().reverse()), { value: 0, pValue: 1, pValueMethod: 'asymptotic' });
});

test('symmetry: swapping the samples gives the same D and p', () => {
  fc.assert(
    fc.property(sampleArb, sampleArb, (a, b) => {
      const r1 = ks(a, b);
      const r2 = ks(b, a);
      assert.equal(r1.value, r2.value);
      assert.equal(r1.pValue, r2.pValue);
    }),
  );
  const a = normals(15000, 0, 1, 6);
  const b = normals(11000, 0.03, 1, 7);
  assert.deepEqual(ks(a, b), ks(b, a));
});

test('0 <= D <= 1 and 0 <= p <= 1', () => {
  fc.assert(
    fc.property(sampleArb, sampleArb, (a, b) => {
      const r = ks(a, b);
      assert.ok(r.value >= 0 && r.value <= 1);
      assert.ok((r.pValue as number) >= 0 && (r.pValue as number) <= 1);
    }),
  );
});

test('invariance under strictly increasing transforms (x -> 3x + 1 on integers, x -> exp(x/8))', () => {
  const ints = fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 1, maxLength: 50 });
  fc.assert(
    fc.property(ints, ints, (a, b) => {
      const r = ks(a, b);
      assert.deepEqual(ks(a.map((x) => 3 * x + 1), b.map((x) => 3 * x + 1)), r);
      assert.deepEqual(ks(a.map((x) => Math.exp(x / 8)), b.map((x) => Math.exp(x / 8))), r);
      // A decreasing transform mirrors both ECDFs: D and p are unchanged too.
      assert.deepEqual(ks(a.map((x) => -x), b.map((x) => -x)), r);
    }),
  );
});

test('ksStatisticSorted equals the definition max |F1 - F2| over pooled points', () => {
  fc.assert(
    fc.property(sampleArb, sampleArb, (a, b) => {
      const sa = Float64Array.from(a).sort();
      const sb = Float64Array.from(b).sort();
      let want = 0;
      for (const t of [...a, ...b]) {
        const f1 = a.filter((x) => x <= t).length / a.length;
        const f2 = b.filter((x) => x <= t).length / b.length;
        want = Math.max(want, Math.abs(f1 - f2));
      }
      assert.equal(ksStatisticSorted(sa, sb), want);
    }),
  );
});

test('larger samples: p-value falls as the shift grows (asymptotic path)', () => {
  const a = normals(20000, 0, 1, 21);
  let last = 1.01;
  for (const shift of [0, 0.02, 0.05, 0.1]) {
    const r = ks(a, normals(20000, shift, 1, 22));
    assert.equal(r.pValueMethod, 'asymptotic');
    assert.ok((r.pValue as number) < last, `shift ${shift}: ${r.pValue} >= ${last}`);
    last = r.pValue as number;
  }
  assert.ok(last < 1e-10);
});
