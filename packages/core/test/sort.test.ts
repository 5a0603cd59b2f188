/**
 * `sortFloat64` (native sort below RADIX_MIN_LENGTH, LSD radix sort on the IEEE-754
 * key above, O(n) exits for ordered input) and `sortedFiniteFast`: fast-check
 * comparisons with the native `Float64Array.prototype.sort`, element by element with
 * `Object.is` so that -0 / +0 order is checked too (documented order: -0 before +0,
 * as the native sort), on small arrays, on arrays large enough for the radix path,
 * with subnormals, huge magnitudes, heavy ties and ordered inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { COUNTING_MAX_RANGE, countingSortIntegers, RADIX_MIN_LENGTH, sortedFiniteFast, sortFloat64 } from '../src/util/sort.js';
import { rng } from './helpers/random.js';

/** Index of the first element where `got` and the native sort of `input` differ, or -1. */
function firstDifference(input: Float64Array, got: Float64Array): number {
  const want = input.slice().sort();
  if (want.length !== got.length) return 0;
  for (let i = 0; i < want.length; i++) if (!Object.is(want[i], got[i])) return i;
  return -1;
}

function checkSorted(input: Float64Array): void {
  const copy = input.slice();
  const out = sortFloat64(copy);
  assert.equal(out, copy, 'sorts in place and returns its argument');
  const i = firstDifference(input, out);
  assert.equal(i, -1, `differs from native sort at ${i}: ${out[i]} (n=${input.length})`);
}

/** Doubles with every awkward class: ±0, subnormals, extremes, infinities. */
const awkwardDouble = fc.oneof(
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -0, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, -2.2250738585072014e-308),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, 1e308, -1e308, Infinity, -Infinity, 1, -1, 0.5),
  fc.double({ min: -1e-300, max: 1e-300, noNaN: true }),
  fc.integer({ min: -3, max: 3 }),
);

test('small arrays: same order as the native sort, including -0 before +0', () => {
  fc.assert(
    fc.property(fc.array(awkwardDouble, { maxLength: 300 }), (xs) => checkSorted(Float64Array.from(xs))),
    { numRuns: 500 },
  );
});

type Kind = 'normal' | 'ties' | 'zeros' | 'subnormal' | 'huge' | 'float32' | 'timestamps' | 'narrow' | 'mixed' | 'sorted' | 'reversed' | 'nearly';

/** A deterministic large array of the given kind (n above the radix threshold). */
function largeArray(kind: Kind, n: number, seed: number): Float64Array {
  const u = rng(seed);
  const a = new Float64Array(n);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  for (let i = 0; i < n; i++) {
    const g = gauss();
    switch (kind) {
      case 'normal':
        a[i] = g;
        break;
      case 'ties':
        a[i] = Math.round(g * 3); // includes -0 from Math.round(-0.2)
        break;
      case 'zeros':
        a[i] = u() < 0.5 ? 0 : -0;
        break;
      case 'subnormal':
        a[i] = g * 1e-310;
        break;
      case 'huge':
        a[i] = g * 1e307 * (u() < 0.01 ? 17 : 1);
        break;
      case 'float32':
        a[i] = Math.fround(g * 100);
        break;
      case 'timestamps':
        // Epoch ms within ~17 min share the high word: runs longer than the radix threshold.
        a[i] = 1.7e12 + Math.floor(u() * 6e4) + u();
        break;
      case 'narrow':
        // Runs of a few dozen to hundreds of values sharing the high word.
        a[i] = -(1 + u() * 2 ** -14);
        break;
      case 'mixed': {
        const r = u();
        a[i] = r < 0.2 ? g * 1e-310 : r < 0.4 ? g * 1e300 : r < 0.5 ? (u() < 0.5 ? 0 : -0) : r < 0.6 ? Math.round(g) : g;
        break;
      }
      default:
        a[i] = g;
    }
  }
  if (kind === 'sorted' || kind === 'reversed' || kind === 'nearly') a.sort();
  if (kind === 'reversed') a.reverse();
  if (kind === 'nearly') {
    const i = Math.floor(u() * (n - 1));
    [a[i], a[i + 1]] = [a[i + 1], a[i]];
  }
  return a;
}

const KINDS: Kind[] = ['normal', 'ties', 'zeros', 'subnormal', 'huge', 'float32', 'timestamps', 'narrow', 'mixed', 'sorted', 'reversed', 'nearly'];

test('large arrays (radix path): same order as the native sort for every data kind', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...KINDS),
      fc.integer({ min: RADIX_MIN_LENGTH, max: 3 * RADIX_MIN_LENGTH }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (kind, n, seed) => checkSorted(largeArray(kind, n, seed)),
    ),
    { numRuns: 40 },
  );
  for (const kind of KINDS) checkSorted(largeArray(kind, 50000, 7));
});

test('large arrays of arbitrary doubles (radix path), from fast-check values', () => {
  fc.assert(
    fc.property(fc.array(awkwardDouble, { minLength: 1, maxLength: 50 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (pool, seed) => {
      // Resample the generated pool to a radix-sized array (heavy ties included).
      const u = rng(seed);
      const n = RADIX_MIN_LENGTH + Math.floor(u() * 5000);
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = pool[Math.floor(u() * pool.length)];
      checkSorted(a);
    }),
    { numRuns: 30 },
  );
});

test('-0 and +0: all -0 first, then all +0, on both paths and after reversal detection', () => {
  for (const n of [10, RADIX_MIN_LENGTH + 5]) {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = i % 3 === 0 ? -0 : 0;
    sortFloat64(a);
    const negatives = Math.ceil(n / 3);
    for (let i = 0; i < n; i++) assert.ok(Object.is(a[i], i < negatives ? -0 : 0), `n=${n} i=${i}`);
  }
  // Non-increasing by value but with -0 before +0: not a reversal case.
  const b = new Float64Array([1, -0, 0, -1]);
  assert.deepEqual(Array.from(sortFloat64(b)).map((x) => Object.is(x, -0)), [false, true, false, false]);
  // Ascending by value but +0 before -0: not already sorted.
  const c = new Float64Array([-1, 0, -0, 1]);
  assert.ok(Object.is(sortFloat64(c)[1], -0));
});

test('trivial inputs', () => {
  assert.deepEqual(sortFloat64(new Float64Array(0)), new Float64Array(0));
  assert.deepEqual(sortFloat64(new Float64Array([3])), new Float64Array([3]));
  const sub = new Float64Array(new ArrayBuffer(8 * 40000), 8 * 100, 30000);
  for (let i = 0; i < sub.length; i++) sub[i] = (i * 7919) % 1000;
  checkSorted(sub); // a view with a byte offset
  const view = sub.slice();
  sortFloat64(sub);
  assert.deepEqual(sub, view.sort());
});

test('sortedFiniteFast drops null, NaN and ±Infinity, sorts, and copies', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.double(), fc.constant(null), fc.constant(undefined)), { maxLength: 200 }),
      (xs) => {
        const got = sortedFiniteFast(xs);
        const want = Float64Array.from(xs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))).sort();
        assert.equal(firstDifference(want, got), -1);
        assert.equal(got.length, want.length);
      },
    ),
  );
  // Large inputs take the fused clean + histogram path: every kind, dirty or not,
  // including ones that fall below the radix threshold once cleaned.
  for (const kind of KINDS) {
    for (const dirtShare of [0, 0.01, 0.7]) {
      const values = largeArray(kind, RADIX_MIN_LENGTH + 4000, 99);
      const u = rng(5);
      const dirty: Array<number | null | undefined> = Array.from(values, (v) => {
        const r = u();
        if (r >= dirtShare) return v;
        return [null, undefined, NaN, Infinity, -Infinity][Math.floor((r / dirtShare) * 5)];
      });
      const got = sortedFiniteFast(dirty);
      const want = Float64Array.from(dirty.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))).sort();
      assert.equal(got.length, want.length, `${kind} ${dirtShare}`);
      assert.equal(firstDifference(want, got), -1, `${kind} ${dirtShare}`);
    }
  }
  const input = new Float64Array([3, 1, 2]);
  const out = sortedFiniteFast(input);
  assert.deepEqual(input, new Float64Array([3, 1, 2]), 'input untouched');
  assert.deepEqual(out, new Float64Array([1, 2, 3]));
});

test('integer arrays in a narrow range (counting path): same order as the native sort, -0 before +0', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: RADIX_MIN_LENGTH, max: 3 * RADIX_MIN_LENGTH }),
      fc.integer({ min: -70000, max: 70000 }),
      fc.integer({ min: 0, max: 80000 }),
      fc.double({ min: 0, max: 0.2, noNaN: true }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (n, low, width, zeroShare, seed) => {
        const u = rng(seed);
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) a[i] = u() < zeroShare ? (u() < 0.5 ? -0 : 0) : low + Math.floor(u() * (width + 1));
        checkSorted(a);
      },
    ),
    { numRuns: 60 },
  );
});

test('countingSortIntegers declines what it cannot count, leaving the array unchanged', () => {
  const cases: number[][] = [
    [1, 2, 0.5, 3], // a fraction
    [1, NaN, 2], // NaN
    [0, Infinity, 1], // infinite range
    [0, COUNTING_MAX_RANGE + 1], // range wider than the limit
    [0, 5, 10], // range wider than the length
  ];
  for (const xs of cases) {
    const a = Float64Array.from(xs);
    assert.equal(countingSortIntegers(a), false, `declines ${xs}`);
    assert.deepEqual([...a], xs);
  }
  const b = Float64Array.from([3, -0, 1, 0, -0, 2, 1]);
  assert.equal(countingSortIntegers(b), true);
  assert.deepEqual([...b].map((v) => (Object.is(v, -0) ? '-0' : String(v))), ['-0', '-0', '0', '1', '1', '2', '3']);
});
