import type { NumericSample } from '../types.js';
import { finiteValues } from './clean.js';

/*
 * Fast ascending sort of finite doubles.
 *
 * Input that is already ascending or descending is detected in O(n) (the scan stops
 * at the first witness of disorder). Otherwise, below {@link RADIX_MIN_LENGTH}
 * values the native `Float64Array.prototype.sort` (numeric, C++ in V8) is used;
 * above it an LSD radix sort on the IEEE-754 bit pattern with 11-bit digits (at most
 * six passes over the 64-bit key; passes that cannot change the order are skipped).
 * Measured on Node 20, 1M values: random normals 75 ms vs 114 ms native; sorted /
 * reversed input 2-3 ms vs 36-52 ms; 31 distinct values 28 ms vs 68 ms.
 * Integer-valued input in a narrow range (hours, counts, ages, delays in minutes:
 * {@link countingSortIntegers}) is counted instead, in two linear passes.
 */

/**
 * Below this length the native typed-array sort is faster than the radix sort (its
 * fixed cost is the 11 x 2048-entry histogram tables; measured crossover on Node 20).
 */
export const RADIX_MIN_LENGTH = 10000;

const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS; // 2048
const DIGIT_MASK = BUCKETS - 1;
/** The third digit of each 32-bit word has 10 bits. */
const TOP_MASK = (1 << (32 - 2 * DIGIT_BITS)) - 1;
const PASSES = 6; // 11 + 11 + 10 bits of the low word, then of the high word
/** Five signed (two-table) histograms for the lower digits and one for the top digit. */
const HIST_LENGTH = (2 * PASSES - 1) * BUCKETS;

/** Radix sorting reads the two 32-bit halves of each double in little-endian order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Sort a Float64Array of finite values ascending, in place, and return it.
 *
 * Ordering is exactly that of the native `TypedArray.prototype.sort`: numeric
 * ascending, and every `-0` is placed before every `+0` (equal as numbers, but the
 * order-preserving bit key of `-0` is the one just below that of `+0`).
 * Subnormals and values of any finite magnitude are ordered exactly.
 *
 * Edge rules: the input must not contain `NaN` (use {@link sortedFiniteFast} on raw
 * samples); `±Infinity` are ordered correctly too. Empty and one-element arrays are
 * returned unchanged.
 */
export function sortFloat64(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < 2) return a;
  const order = monotoneOrder(a);
  if (order > 0) return a;
  if (order < 0) return a.reverse();
  if (n < RADIX_MIN_LENGTH || !LITTLE_ENDIAN) return a.sort();
  if (countingSortIntegers(a)) return a;
  radixSortFloat64(a);
  return a;
}

/**
 * Finite values of a sample (`null`, `undefined`, `NaN`, `±Infinity` dropped, spec:
 * Input hygiene), sorted ascending with {@link sortFloat64}. Always a new array.
 */
export function sortedFiniteFast(sample: NumericSample): Float64Array {
  const n = sample.length;
  // finiteValues always hands back a fresh buffer, never the caller's array.
  if (n < RADIX_MIN_LENGTH || !LITTLE_ENDIAN) return sortFloat64(finiteValues(sample));
  // Large input: clean and build the radix histograms in the same pass.
  let out = new Float64Array(n);
  const words = new Int32Array(out.buffer);
  const hist = new Int32Array(HIST_LENGTH);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = sample[i];
    // typeof handles null/undefined; v - v === 0 is false for NaN and ±Infinity.
    if (typeof v === 'number' && v - v === 0) {
      out[k] = v;
      countHighDigits(hist, words[2 * k + 1]);
      k++;
    }
  }
  if (k < n) out = out.slice(0, k);
  if (k < 2) return out;
  const order = monotoneOrder(out);
  if (order > 0) return out;
  if (order < 0) return out.reverse();
  if (k < RADIX_MIN_LENGTH) return out.sort();
  if (countingSortIntegers(out)) return out;
  radixSortFloat64(out, hist);
  return out;
}

/** Widest range (max − min) of integer values that {@link countingSortIntegers} sorts. */
export const COUNTING_MAX_RANGE = 1 << 16;

/**
 * Sorts `a` in place by counting when every value is an integer and the range
 * max − min is at most {@link COUNTING_MAX_RANGE} and at most the length;
 * otherwise returns false with `a` unchanged. The scan stops at the first
 * non-integer (so it costs almost nothing on continuous data) or as soon as the
 * range is too wide. `-0` is an integer here and is written before every `+0`,
 * the native sort's order.
 */
export function countingSortIntegers(a: Float64Array): boolean {
  const n = a.length;
  if (n === 0) return true;
  const limit = Math.min(COUNTING_MAX_RANGE, n);
  let min = a[0];
  let max = a[0];
  let negativeZeros = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    // NaN fails this test; ±Infinity pass it but make the range infinite.
    if (v !== Math.trunc(v)) return false;
    if (v < min) min = v;
    else if (v > max) max = v;
    if (v === 0 && 1 / v < 0) negativeZeros++;
    if (max - min > limit) return false;
  }
  const counts = new Int32Array(max - min + 1);
  for (let i = 0; i < n; i++) counts[a[i] - min]++;
  let k = 0;
  for (let b = 0; b < counts.length; b++) {
    const c = counts[b];
    if (c === 0) continue;
    const v = min + b;
    if (v === 0) {
      a.fill(-0, k, k + negativeZeros);
      a.fill(0, k + negativeZeros, k + c);
    } else a.fill(v, k, k + c);
    k += c;
  }
  return true;
}

/**
 * 1 when `a` is already in the target order (ascending, `-0` before `+0`), -1 when
 * reversing it gives the target order, 0 otherwise. Stops at the first witness, so
 * it costs almost nothing on unordered input.
 */
function monotoneOrder(a: Float64Array): number {
  const n = a.length;
  let ascending = true;
  for (let i = 1; i < n; i++) {
    const x = a[i - 1];
    const y = a[i];
    if (x > y || (x === 0 && y === 0 && 1 / x > 1 / y)) {
      ascending = false;
      break;
    }
  }
  if (ascending) return 1;
  for (let i = 1; i < n; i++) {
    const x = a[i - 1];
    const y = a[i];
    // Reversed target order: non-increasing, +0 before -0.
    if (x < y || (x === 0 && y === 0 && 1 / x < 1 / y)) return 0;
  }
  return -1;
}

/**
 * Radix sort on the order-preserving 64-bit key of each double: flip every bit of
 * a negative value, only the sign bit of a non-negative one. The key is derived on
 * the fly from the two 32-bit words; the doubles themselves are moved, so no bit
 * pattern is ever reinterpreted as a (possibly canonicalised) NaN.
 *
 * Most significant word first: an LSD radix sort on the high word (sign, exponent,
 * 20 mantissa bits; three passes), then each run of equal high words is ordered by
 * its low word ({@link sortRunsByLowWord}). On spread-out data the runs are short
 * (random doubles: almost all of length 1), so this costs three scatter passes
 * instead of six; on concentrated data (timestamps, narrow ranges) long runs are
 * radix-sorted on their low word alone.
 *
 * A pass is skipped when its digit is constant among the non-negative values and
 * constant among the negative ones: the sign is the most significant key bit, so
 * such a pass cannot change the final order (integers, float32-derived values and
 * other values with short mantissas skip most low passes this way).
 *
 * `firstPass`: 3 sorts by the high word and then the runs; 0 sorts by all six
 * digits (used on runs, whose high-word passes are all skipped).
 */
function radixSortFloat64(a: Float64Array, histograms?: Int32Array, firstPass: 0 | 3 = 3): void {
  const start: number = firstPass;
  const n = a.length;
  const words = new Int32Array(a.buffer, a.byteOffset, 2 * n);
  const hist = histograms ?? signedHistograms(words, n, firstPass);
  const offsets = new Int32Array(PASSES * BUCKETS);

  const active: number[] = [];
  for (let p = start; p < PASSES; p++) {
    const mask = p === 2 || p === 5 ? TOP_MASK : DIGIT_MASK;
    const out = p * BUCKETS;
    let sum = 0;
    if (p === PASSES - 1) {
      // The top digit holds the sign: its histogram is taken on the key itself.
      const src = (2 * PASSES - 2) * BUCKETS;
      let trivial = false;
      for (let b = 0; b <= mask; b++) {
        const c = hist[src + b];
        if (c === n) trivial = true;
        offsets[out + b] = sum;
        sum += c;
      }
      if (!trivial) active.push(p);
      continue;
    }
    const pos = 2 * p * BUCKETS;
    const neg = pos + BUCKETS;
    let posBuckets = 0;
    let negBuckets = 0;
    for (let b = 0; b <= mask; b++) {
      if (hist[pos + b] !== 0) posBuckets++;
      if (hist[neg + b] !== 0) negBuckets++;
      // Key digit of a negative value is the complement of its raw digit.
      const c = hist[pos + b] + hist[neg + (b ^ mask)];
      offsets[out + b] = sum;
      sum += c;
    }
    if (posBuckets > 1 || negBuckets > 1) active.push(p);
  }

  if (active.length > 0) {
    const scratch = new Float64Array(n);
    let src: Float64Array = a;
    let dst: Float64Array = scratch;
    let srcWords: Int32Array = words;
    let dstWords: Int32Array = new Int32Array(scratch.buffer);
    for (let k = 0; k < active.length; k++) {
      const p = active[k];
      const off = offsets.subarray(p * BUCKETS, (p + 1) * BUCKETS);
      if (p < 3) scatterByLowWord(src, srcWords, dst, off, p * DIGIT_BITS);
      else scatterByHighWord(src, srcWords, dst, off, (p - 3) * DIGIT_BITS);
      const t = src;
      src = dst;
      dst = t;
      const tw = srcWords;
      srcWords = dstWords;
      dstWords = tw;
    }
    if (src !== a) a.set(src);
  }
  if (firstPass === 3) sortRunsByLowWord(a, words);
}

/** Runs up to this length are finished by insertion sort. */
const INSERTION_MAX = 24;

/**
 * Orders each run of values that share their high 32-bit word (after the array is
 * sorted by the high word). Within a run all values have the same sign and
 * exponent, so numeric order is the order of the key; `-0` and `+0` differ in the
 * high word and never share a run.
 */
function sortRunsByLowWord(a: Float64Array, words: Int32Array): void {
  const n = a.length;
  let s = 0;
  while (s < n) {
    const hi = words[2 * s + 1];
    let e = s + 1;
    while (e < n && words[2 * e + 1] === hi) e++;
    if (e - s > 1) sortRun(a, words, s, e);
    s = e;
  }
}

function sortRun(a: Float64Array, words: Int32Array, s: number, e: number): void {
  const len = e - s;
  if (len <= INSERTION_MAX) {
    for (let i = s + 1; i < e; i++) {
      const v = a[i];
      let j = i - 1;
      while (j >= s && a[j] > v) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = v;
    }
    return;
  }
  // Runs of one repeated value (integers, ties) need nothing.
  const lo = words[2 * s];
  let k = s + 1;
  while (k < e && words[2 * k] === lo) k++;
  if (k === e) return;
  const run = a.subarray(s, e);
  if (len < RADIX_MIN_LENGTH) run.sort();
  else radixSortFloat64(run, undefined, 0);
}

/**
 * Digit histograms in one pass: for the lower digits from `firstPass` on, of the
 * raw bits split by sign (table 2p for non-negative values, 2p + 1 for negative
 * ones); for the top digit, of the key.
 */
function signedHistograms(words: Int32Array, n: number, firstPass: 0 | 3): Int32Array {
  const hist = new Int32Array(HIST_LENGTH);
  if (firstPass === 0) for (let j = 0; j < 2 * n; j += 2) countDigits(hist, words[j], words[j + 1]);
  else for (let j = 1; j < 2 * n; j += 2) countHighDigits(hist, words[j]);
  return hist;
}

/** Add one value, given by its low and high 32-bit words, to the histograms. */
function countDigits(hist: Int32Array, lo: number, hi: number): void {
  const s = (hi >>> 31) * BUCKETS; // 0 or BUCKETS
  hist[s + (lo & DIGIT_MASK)]++;
  hist[2 * BUCKETS + s + ((lo >>> 11) & DIGIT_MASK)]++;
  hist[4 * BUCKETS + s + (lo >>> 22)]++;
  countHighDigits(hist, hi);
}

/** Add one value's high word to the histograms of the three high digits. */
function countHighDigits(hist: Int32Array, hi: number): void {
  const s = (hi >>> 31) * BUCKETS;
  hist[6 * BUCKETS + s + (hi & DIGIT_MASK)]++;
  hist[8 * BUCKETS + s + ((hi >>> 11) & DIGIT_MASK)]++;
  hist[10 * BUCKETS + ((hi ^ ((hi >> 31) | 0x80000000)) >>> 22)]++;
}

/** One stable scatter pass on a digit of the low key word. */
function scatterByLowWord(
  src: Float64Array,
  srcWords: Int32Array,
  dst: Float64Array,
  offsets: Int32Array,
  shift: number,
): void {
  const n = src.length;
  const even = n & ~1;
  let i = 0;
  // Unrolled by two: measurably faster in V8.
  for (let j = 0; i < even; i += 2, j += 4) {
    const d0 = ((srcWords[j] ^ (srcWords[j + 1] >> 31)) >>> shift) & DIGIT_MASK;
    const o0 = offsets[d0];
    offsets[d0] = o0 + 1;
    dst[o0] = src[i];
    const d1 = ((srcWords[j + 2] ^ (srcWords[j + 3] >> 31)) >>> shift) & DIGIT_MASK;
    const o1 = offsets[d1];
    offsets[d1] = o1 + 1;
    dst[o1] = src[i + 1];
  }
  if (i < n) {
    const d = ((srcWords[2 * i] ^ (srcWords[2 * i + 1] >> 31)) >>> shift) & DIGIT_MASK;
    dst[offsets[d]++] = src[i];
  }
}

/** One stable scatter pass on a digit of the high key word. */
function scatterByHighWord(
  src: Float64Array,
  srcWords: Int32Array,
  dst: Float64Array,
  offsets: Int32Array,
  shift: number,
): void {
  const n = src.length;
  const even = n & ~1;
  let i = 0;
  for (let j = 1; i < even; i += 2, j += 4) {
    const h0 = srcWords[j];
    const d0 = ((h0 ^ ((h0 >> 31) | 0x80000000)) >>> shift) & DIGIT_MASK;
    const o0 = offsets[d0];
    offsets[d0] = o0 + 1;
    dst[o0] = src[i];
    const h1 = srcWords[j + 2];
    const d1 = ((h1 ^ ((h1 >> 31) | 0x80000000)) >>> shift) & DIGIT_MASK;
    const o1 = offsets[d1];
    offsets[d1] = o1 + 1;
    dst[o1] = src[i + 1];
  }
  if (i < n) {
    const h = srcWords[2 * i + 1];
    const d = ((h ^ ((h >> 31) | 0x80000000)) >>> shift) & DIGIT_MASK;
    dst[offsets[d]++] = src[i];
  }
}
