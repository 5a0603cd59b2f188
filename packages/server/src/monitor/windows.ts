/**
 * Windows over event time, in UTC epoch milliseconds (no calendars, no DST).
 *
 * Every window of a monitor is named by its **end** (exclusive), a multiple of
 * the window's `everyMs` since the epoch:
 * - `sliding`: `[end − sizeMs, end)` for every `end = k · everyMs`, so windows
 *   overlap when `sizeMs > everyMs` (24 h every 1 h: each event is in 24 windows);
 * - `tumbling`: the same with `everyMs = sizeMs`: back-to-back windows;
 * - `cumulative`: every event before `end` (`[CUMULATIVE_ORIGIN, end)`), i.e. from
 *   the model's first event to each boundary.
 *
 * An event at `t` belongs to the windows with `start ≤ t < end`. These functions
 * decide which windows a batch of events (or labels) touches, which is what
 * makes a replay of history evaluate the same windows as living through it.
 */
import type { WindowSpec } from '../config/types.js';
import { formatDuration } from '../config/units.js';

/**
 * The start of every cumulative window: 1900-01-01T00:00:00Z, the earliest event
 * time ingestion accepts, so `[CUMULATIVE_ORIGIN, end)` holds every event before
 * `end`. Results of cumulative windows are stored under this start (their key does
 * not move when older events are backfilled); the result's `window.start` shows
 * the first event.
 */
export const CUMULATIVE_ORIGIN = Date.UTC(1900, 0, 1);

/** A half-open window `[start, end)`, epoch ms. */
export interface WindowBounds {
  start: number;
  end: number;
}

/** Window sizes and steps in whole milliseconds (at least 1). */
function step(spec: WindowSpec): number {
  return Math.max(1, Math.round(spec.everyMs));
}

function size(spec: WindowSpec): number {
  return spec.type === 'tumbling' ? step(spec) : Math.max(1, Math.round(spec.sizeMs ?? spec.everyMs));
}

/** The `window` label of exported metrics: the size (`1h`, `1d`, `90m`), or `cumulative`. */
export function windowLabel(spec: WindowSpec): string {
  return spec.type === 'cumulative' ? 'cumulative' : formatDuration(size(spec));
}

/** Whether `end` is a window end of the spec (a multiple of `everyMs`). */
export function isWindowEnd(spec: WindowSpec, end: number): boolean {
  return Number.isInteger(end) && end % step(spec) === 0;
}

/** The window that ends at `end` (a multiple of `everyMs`). */
export function windowEndingAt(spec: WindowSpec, end: number): WindowBounds {
  if (spec.type === 'cumulative') return { start: CUMULATIVE_ORIGIN, end };
  return { start: end - size(spec), end };
}

/**
 * The window a `reference: previous` monitor compares with: for sliding and
 * tumbling windows the window of the same size just before this one
 * (`[start − size, start)`, not overlapping it); for cumulative windows the
 * cumulative window at the previous boundary (`[origin, end − every)`).
 */
export function previousWindow(spec: WindowSpec, w: WindowBounds): WindowBounds {
  if (spec.type === 'cumulative') return { start: CUMULATIVE_ORIGIN, end: w.end - step(spec) };
  const s = size(spec);
  return { start: w.start - s, end: w.start };
}

/** The first window end after `t` (the end of the earliest window containing `t` that ends soonest). */
export function nextEnd(spec: WindowSpec, t: number): number {
  const e = step(spec);
  return (Math.floor(t / e) + 1) * e;
}

/** A run of window ends `k · every` for `k` in `[firstK, lastK]`. */
export interface EndRange {
  firstK: number;
  lastK: number;
  every: number;
}

/** Number of window ends in a list of ranges. */
export function countEnds(ranges: readonly EndRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.lastK - r.firstK + 1;
  return n;
}

/** The window ends of a list of ranges, ascending (ranges from {@link affectedEnds} do not overlap). */
export function expandEnds(ranges: readonly EndRange[]): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let k = r.firstK; k <= r.lastK; k++) out.push(k * r.every);
  return out;
}

export interface AffectedOptions {
  /**
   * The monitor compares with the previous window: a window is also affected
   * when events land in the window before it.
   */
  previous?: boolean;
  /**
   * For cumulative windows: the latest event time known for the model. Every
   * boundary after an event up to the first boundary after this time is affected.
   */
  horizon?: number;
}

/**
 * The windows whose contents (or, with `previous`, whose previous window's
 * contents) change when events with these times are added or labelled, as
 * merged ranges of window ends. Exact: a window is listed iff one of the times
 * lies in it (or in its previous window).
 *
 * Times are grouped by `everyMs` bucket: within one bucket the windows of the
 * earliest and latest time bracket all the others' (a window is at least one step long).
 */
export function affectedEnds(spec: WindowSpec, times: ArrayLike<number>, opts: AffectedOptions = {}): EndRange[] {
  const every = step(spec);
  // min and max time per bucket
  const buckets = new Map<number, { min: number; max: number }>();
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    if (!Number.isFinite(t)) continue;
    const b = Math.floor(t / every);
    const x = buckets.get(b);
    if (!x) buckets.set(b, { min: t, max: t });
    else if (t < x.min) x.min = t;
    else if (t > x.max) x.max = t;
  }
  if (buckets.size === 0) return [];
  const ranges: EndRange[] = [];
  if (spec.type === 'cumulative') {
    // Every boundary after the earliest time, up to the boundary after the horizon.
    let earliest = Infinity;
    let latest = -Infinity;
    for (const x of buckets.values()) {
      earliest = Math.min(earliest, x.min);
      latest = Math.max(latest, x.max);
    }
    const horizon = Math.max(latest, opts.horizon ?? latest);
    return [{ firstK: Math.floor(earliest / every) + 1, lastK: Math.floor(horizon / every) + 1, every }];
  }
  // Windows [end − size, end) containing t: end in (t, t + size]; with the previous
  // window too: end in (t, t + 2·size].
  const span = size(spec) * (opts.previous ? 2 : 1);
  for (const x of buckets.values()) {
    ranges.push({ firstK: Math.floor(x.min / every) + 1, lastK: Math.floor((x.max + span) / every), every });
  }
  ranges.sort((a, b) => a.firstK - b.firstK);
  const merged: EndRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.firstK <= last.lastK + 1) last.lastK = Math.max(last.lastK, r.lastK);
    else merged.push({ ...r });
  }
  return merged;
}
