/**
 * The state machine of one alert series, over **event time**.
 *
 * A series is a sequence of points — one per evaluated window, keyed by the
 * window's end — each with the rule's value (or none). The states and their
 * transitions are a pure function of that sequence **sorted by window end**, so
 * the order results arrive in (backfill, concurrent evaluation, late
 * re-evaluations) does not change them. Walking the points in order:
 *
 * - the condition **holds** (`value op threshold`): an inactive or resolved
 *   series becomes `pending`, its run starting at this window's end
 *   (`activeAt`); a pending series becomes `firing` once
 *   `windowEnd − activeAt ≥ for` (with `for: 0` it fires at once);
 * - the condition **fails**: pending → `inactive`, firing → `resolved`;
 * - **no value** (a metric that could not be computed, e.g. quality before
 *   labels arrive): nothing changes — the window is neither evidence for nor
 *   against the condition;
 * - a **gap** (a window of the monitor's step between two points has no result:
 *   no events, or not evaluated yet) breaks a pending run (pending → inactive at
 *   the first missing window's end) but does not resolve a firing series:
 *   reaching `firing` needs an unbroken run of windows, leaving it needs a window
 *   where the condition fails.
 *
 * The gap rule is what keeps late results from flapping: a window that arrives
 * after its successors can only fill a gap, which either joins two runs (the
 * series may fire sooner, never un-fire) or confirms a break that was already
 * counted; only a window whose condition fails can end a firing series, and it
 * does so at its own place in event time, as it would have had it arrived in
 * order.
 */
import type { AlertStateName } from '../store/store.js';

export interface Machine {
  state: AlertStateName;
  /** Event time (ms) the current run of the condition began: the end of its first window; null when not active. */
  activeAt: number | null;
  /** Event time the series last started firing. */
  firingAt: number | null;
  /** Event time the series last resolved. */
  resolvedAt: number | null;
  /** End of the last window walked (any value). */
  lastEnd: number | null;
  /** Event time of the last transition. */
  since: number | null;
}

/** One window of a series. */
export interface Point {
  start: number;
  end: number;
  value: number | null;
}

export interface Transition {
  /** Event time: the end of the window that caused it. */
  at: number;
  from: AlertStateName;
  to: AlertStateName;
  value: number | null;
  windowStart: number;
  windowEnd: number;
  /** Start of the run the series is in after the transition (pending, firing), else of the run that ended. */
  activeAt: number | null;
  /** `condition`: the window's value; `gap`: a window without a result broke a pending run. */
  cause: 'condition' | 'gap';
}

export function initialMachine(): Machine {
  return { state: 'inactive', activeAt: null, firingAt: null, resolvedAt: null, lastEnd: null, since: null };
}

export interface StepOptions {
  forMs: number;
  /** The monitor's step between window ends (`null`: unknown, no gap detection). */
  everyMs: number | null;
}

/**
 * Walks one point (whose end is after `m.lastEnd`), mutating `m`; returns the
 * transitions it caused (two when a gap ended a pending run first).
 */
export function step(m: Machine, p: Point, holds: boolean | null, o: StepOptions): Transition[] {
  const out: Transition[] = [];
  const move = (to: AlertStateName, at: number, t: Omit<Transition, 'at' | 'from' | 'to' | 'activeAt'>, activeAt: number | null) => {
    out.push({ at, from: m.state, to, activeAt, ...t });
    m.state = to;
    m.since = at;
  };
  if (m.state === 'pending' && o.everyMs !== null && m.lastEnd !== null && p.end - m.lastEnd > o.everyMs) {
    const at = m.lastEnd + o.everyMs;
    move('inactive', at, { value: null, windowStart: at - (p.end - p.start), windowEnd: at, cause: 'gap' }, m.activeAt);
    m.activeAt = null;
  }
  m.lastEnd = p.end;
  if (holds === null) return out;
  const t = { value: p.value, windowStart: p.start, windowEnd: p.end, cause: 'condition' as const };
  if (holds) {
    if (m.state === 'inactive' || m.state === 'resolved') {
      m.activeAt = p.end;
      if (o.forMs <= 0) {
        m.firingAt = p.end;
        move('firing', p.end, t, m.activeAt);
      } else move('pending', p.end, t, m.activeAt);
    } else if (m.state === 'pending' && m.activeAt !== null && p.end - m.activeAt >= o.forMs) {
      m.firingAt = p.end;
      move('firing', p.end, t, m.activeAt);
    }
  } else if (m.state === 'pending') {
    move('inactive', p.end, t, m.activeAt);
    m.activeAt = null;
  } else if (m.state === 'firing') {
    m.resolvedAt = p.end;
    move('resolved', p.end, t, m.activeAt);
    m.activeAt = null;
  }
  return out;
}

/** The states after walking `points` (sorted by end, all after `base.lastEnd`) from `base`, and every transition. */
export function replay(base: Machine, points: readonly Point[], holds: (value: number | null) => boolean | null, o: StepOptions): { machine: Machine; transitions: Transition[] } {
  const m = { ...base };
  const transitions: Transition[] = [];
  for (const p of points) transitions.push(...step(m, p, holds(p.value), o));
  return { machine: m, transitions };
}

export function sameTransition(a: Transition, b: Transition): boolean {
  return (
    a.at === b.at &&
    a.from === b.from &&
    a.to === b.to &&
    a.value === b.value &&
    a.windowStart === b.windowStart &&
    a.windowEnd === b.windowEnd &&
    a.activeAt === b.activeAt &&
    a.cause === b.cause
  );
}

export function sameMachine(a: Machine, b: Machine): boolean {
  return a.state === b.state && a.activeAt === b.activeAt && a.firingAt === b.firingAt && a.resolvedAt === b.resolvedAt && a.lastEnd === b.lastEnd && a.since === b.since;
}
