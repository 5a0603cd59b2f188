import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centredRows, pearsonFromCentred } from '../src/report/correlations.js';

/** Pearson of two centred columns on the rows where both are finite, summed in row order (the report's definition). */
function pearsonPair(x: Float64Array, y: Float64Array): number | null {
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = 0;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      sx += x[i];
      sy += y[i];
      sxx += x[i] * x[i];
      syy += y[i] * y[i];
      sxy += x[i] * y[i];
      n++;
    }
  }
  if (n < 2) return null;
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  return vx > 1e-12 * sxx && vy > 1e-12 * syy ? Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy))) : null;
}

test('pearsonFromCentred: every pair equals the pairwise-finite Pearson, bit for bit; constant and non-numeric columns give null', () => {
  const n = 5000;
  const raw = [
    Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 3 + (i % 11)),
    Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : Math.cos(i * 0.7) + i / 1000)),
    Float64Array.from({ length: n }, (_, i) => (i % 13 === 0 ? Infinity : (i * 7919) % 101)),
    new Float64Array(n).fill(4), // constant
  ];
  const cols = [...raw.map((v) => centredRows({ type: 'number', values: v }, n, 2)), null];
  const m = pearsonFromCentred(cols);
  for (let a = 0; a < cols.length; a++) {
    for (let b = 0; b < cols.length; b++) {
      const want = a === b ? (cols[a] ? 1 : null) : cols[a] && cols[b] ? pearsonPair(cols[a]!, cols[b]!) : null;
      assert.equal(m[a][b], want, `pair ${a}, ${b}`);
    }
  }
  assert.ok(Math.abs(m[0][1]!) > 0 && m[0][3] === null && m[4][0] === null);
});
