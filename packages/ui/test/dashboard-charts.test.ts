/**
 * The dashboard's line downsampling (charts/time.ts): long series drawn with
 * about one point per pixel column keep their shape — a subsequence in time
 * order, first and last points, every group's lowest and highest value (so
 * the overall extremes), every flagged point, and gaps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { downsample } from '../src/app/charts/time.js';

type P = { t: number; v: number | null; flagged?: boolean };

test('downsample: bounded size, a subsequence with the ends, extremes, flagged points and gaps', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ v: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null, freq: 8 }), flagged: fc.boolean() }), { minLength: 0, maxLength: 3000 }),
      fc.integer({ min: 8, max: 900 }),
      (raw, max) => {
        const pts: P[] = raw.map((r, i) => ({ t: i, v: r.v, flagged: r.flagged && i % 37 === 0 }));
        const out = downsample(pts, max);
        if (pts.length <= max) return assert.equal(out, pts);
        // Order kept, every output point is an input point.
        for (let i = 1; i < out.length; i++) assert.ok(out[i].t > out[i - 1].t);
        assert.equal(out[0], pts[0]);
        assert.equal(out[out.length - 1], pts[pts.length - 1]);
        const values = pts.filter((p) => p.v !== null).map((p) => p.v!);
        if (values.length) {
          const kept = out.filter((p) => p.v !== null).map((p) => p.v!);
          assert.equal(Math.min(...kept), Math.min(...values));
          assert.equal(Math.max(...kept), Math.max(...values));
        }
        for (const p of pts) if (p.flagged) assert.ok(out.includes(p), `flagged point ${p.t} kept`);
        // Every gap of the input shows up: between two kept values around a null, a null is kept.
        const firstNull = pts.find((p) => p.v === null);
        if (firstNull) assert.ok(out.some((p) => p.v === null));
        // Size: at most 4 points per group (plus flagged points and gaps).
        const extras = pts.filter((p) => p.flagged || p.v === null).length;
        assert.ok(out.length <= max + extras + 8, `${out.length} points for max ${max}`);
      },
    ),
    { numRuns: 200 },
  );
});

test('downsample: a line ending in a run of gaps keeps its last point (found by the property, seed 1033366599)', () => {
  const pts: P[] = [null, null, null, null, 0, null, null, null, null].map((v, t) => ({ t, v, flagged: false }));
  const out = downsample(pts, 8);
  assert.equal(out[0], pts[0]);
  assert.equal(out[out.length - 1], pts[8], 'the last point (a null) is kept');
  for (let i = 1; i < out.length; i++) assert.ok(out[i].t > out[i - 1].t, 'time order');
});

test('downsample: a 10,000-point line for a 600 px chart keeps about 600 points and its spikes', () => {
  const pts: P[] = Array.from({ length: 10_000 }, (_, i) => ({ t: i, v: Math.sin(i / 100) + (i === 4321 ? 50 : 0) }));
  const out = downsample(pts, 600);
  assert.ok(out.length <= 600 && out.length >= 300, String(out.length));
  assert.ok(out.some((p) => p.t === 4321));
});
