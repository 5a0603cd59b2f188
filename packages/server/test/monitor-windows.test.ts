/**
 * Window arithmetic over event time: which windows exist, which ones an event
 * (or a batch of them) touches — checked against brute force — and their labels.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { WindowSpec } from '../src/config/types.js';
import {
  CUMULATIVE_ORIGIN,
  affectedEnds,
  countEnds,
  expandEnds,
  isWindowEnd,
  nextEnd,
  previousWindow,
  windowEndingAt,
  windowLabel,
} from '../src/monitor/windows.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const sliding = (sizeMs: number, everyMs: number): WindowSpec => ({ type: 'sliding', sizeMs, everyMs });
const tumbling = (sizeMs: number): WindowSpec => ({ type: 'tumbling', sizeMs, everyMs: sizeMs });
const cumulative = (everyMs: number): WindowSpec => ({ type: 'cumulative', sizeMs: null, everyMs });

/** The ends of the windows that contain one of the times (or, with `previous`, whose previous window does), by brute force over a range of k. */
function bruteEnds(spec: WindowSpec, times: number[], previous: boolean, horizon?: number): number[] {
  const every = spec.everyMs;
  const lo = Math.floor(Math.min(...times) / every) - 5;
  const hi = Math.floor(Math.max(...times, horizon ?? -Infinity) / every) + Math.ceil((spec.sizeMs ?? 0) / every) * 2 + 5;
  const out: number[] = [];
  for (let k = lo; k <= hi; k++) {
    const end = k * every;
    const w = windowEndingAt(spec, end);
    const inside = (win: { start: number; end: number }) => times.some((t) => t >= win.start && t < win.end);
    let hit = inside(w) || (previous && inside(previousWindow(spec, w)));
    // Cumulative windows end no later than the first boundary after the horizon.
    if (spec.type === 'cumulative' && end > nextEnd(spec, Math.max(...times, horizon ?? -Infinity))) hit = false;
    if (hit) out.push(end);
  }
  return out;
}

describe('windows', () => {
  test('window bounds: sliding, tumbling, cumulative; ends are multiples of every since the epoch', () => {
    const t = Date.UTC(2024, 4, 1, 12, 7, 30);
    const s = sliding(HOUR, 5 * MIN);
    const end = nextEnd(s, t);
    assert.equal(end, Date.UTC(2024, 4, 1, 12, 10));
    assert.ok(isWindowEnd(s, end));
    assert.ok(!isWindowEnd(s, end + 1));
    assert.deepEqual(windowEndingAt(s, end), { start: end - HOUR, end });
    assert.deepEqual(windowEndingAt(tumbling(DAY), Date.UTC(2024, 4, 2)), { start: Date.UTC(2024, 4, 1), end: Date.UTC(2024, 4, 2) });
    assert.deepEqual(windowEndingAt(cumulative(HOUR), end), { start: CUMULATIVE_ORIGIN, end });
    assert.equal(CUMULATIVE_ORIGIN, Date.parse('1900-01-01T00:00:00Z'));
  });

  test('an event exactly on a boundary belongs to the window that starts there, not the one that ends there', () => {
    const spec = tumbling(HOUR);
    const t = Date.UTC(2024, 0, 1, 10);
    assert.deepEqual(expandEnds(affectedEnds(spec, [t])), [t + HOUR]);
    assert.deepEqual(expandEnds(affectedEnds(spec, [t - 1])), [t]);
    // Sliding 1h every 15m: the four windows [t-45m, t+15m) … [t, t+1h).
    assert.deepEqual(expandEnds(affectedEnds(sliding(HOUR, 15 * MIN), [t])), [1, 2, 3, 4].map((k) => t + k * 15 * MIN));
  });

  test('days are 24 h of UTC: no daylight-saving shifts (Europe changed clocks on 2024-03-31 and 2024-10-27)', () => {
    for (const day of [Date.UTC(2024, 2, 31), Date.UTC(2024, 9, 27), Date.UTC(2024, 1, 29)]) {
      const ends = expandEnds(affectedEnds(tumbling(DAY), [day + 2.5 * HOUR]));
      assert.deepEqual(ends, [day + DAY]);
      const w = windowEndingAt(tumbling(DAY), ends[0]);
      assert.equal(w.end - w.start, DAY);
      assert.equal(new Date(w.start).toISOString().slice(11), '00:00:00.000Z');
    }
  });

  test('times before 1970 (negative epoch ms) are windowed like any other', () => {
    const t = Date.UTC(1969, 11, 31, 23, 30);
    assert.deepEqual(expandEnds(affectedEnds(tumbling(HOUR), [t])), [Date.UTC(1970, 0, 1)]);
    assert.deepEqual(expandEnds(affectedEnds(tumbling(DAY), [Date.UTC(1950, 5, 1, 12)])), [Date.UTC(1950, 5, 2)]);
  });

  test('previous windows: same size just before (sliding, tumbling); the previous boundary (cumulative)', () => {
    const s = sliding(24 * HOUR, HOUR);
    const w = windowEndingAt(s, Date.UTC(2024, 0, 3, 5));
    assert.deepEqual(previousWindow(s, w), { start: w.start - 24 * HOUR, end: w.start });
    const tw = windowEndingAt(tumbling(DAY), Date.UTC(2024, 0, 3));
    assert.deepEqual(previousWindow(tumbling(DAY), tw), { start: Date.UTC(2024, 0, 1), end: Date.UTC(2024, 0, 2) });
    const cw = windowEndingAt(cumulative(HOUR), Date.UTC(2024, 0, 3));
    assert.deepEqual(previousWindow(cumulative(HOUR), cw), { start: CUMULATIVE_ORIGIN, end: Date.UTC(2024, 0, 3) - HOUR });
  });

  test('affected windows equal brute force (sliding, tumbling; with and without the previous window)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 1, maxLength: 40 }),
        (every, mult, extra, isTumbling, previous, times) => {
          // Sizes need not be multiples of the step (e.g. 25 every 10).
          const size = every * mult + (isTumbling ? 0 : extra % every);
          const spec = isTumbling ? tumbling(every) : sliding(Math.max(size, every), every);
          const ranges = affectedEnds(spec, times, { previous });
          const ends = expandEnds(ranges);
          assert.deepEqual(ends, bruteEnds(spec, times, previous));
          assert.equal(countEnds(ranges), ends.length);
          // Ranges are merged: ascending, no duplicates.
          for (let i = 1; i < ends.length; i++) assert.ok(ends[i] > ends[i - 1]);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('cumulative: every boundary after the earliest time up to the first boundary after the horizon', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: -2000, max: 2000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: -2000, max: 4000 }),
        (every, times, horizon) => {
          const spec = cumulative(every);
          const ends = expandEnds(affectedEnds(spec, times, { horizon }));
          assert.deepEqual(ends, bruteEnds(spec, times, false, horizon));
          assert.equal(ends[0], nextEnd(spec, Math.min(...times)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('non-finite times are ignored; no times, no windows', () => {
    assert.deepEqual(affectedEnds(tumbling(HOUR), []), []);
    assert.deepEqual(affectedEnds(tumbling(HOUR), [NaN, Infinity]), []);
  });

  test('labels: the size, or cumulative', () => {
    assert.equal(windowLabel(sliding(HOUR, 5 * MIN)), '1h');
    assert.equal(windowLabel(tumbling(DAY)), '1d');
    assert.equal(windowLabel(sliding(90 * MIN, 30 * MIN)), '90m');
    assert.equal(windowLabel(cumulative(HOUR)), 'cumulative');
  });
});
