/**
 * Clocks for the hot path. On some machines (VMs without a fast clock source)
 * every clock read costs ~80 ns, so a prediction reads the clock twice (start
 * and end) and derives its wall-clock event time from the end reading plus an
 * offset refreshed once a second, instead of calling `Date.now()` a third time.
 */

/** Monotonic milliseconds (`performance.now`, bound: ~20% cheaper than the method call). */
export const now: () => number = performance.now.bind(performance);

let offset = Date.now() - now();
const timer = setInterval(() => {
  offset = Date.now() - now();
}, 1000);
timer.unref();

/** Wall-clock epoch milliseconds of a monotonic reading taken with {@link now}. */
export function wallClock(monotonic: number): number {
  return Math.round(offset + monotonic);
}

/** An event time given by the caller (`tsOf`, `record({ ts })`). */
export type EventTime = number | string | Date;

/**
 * The event time as sent: epoch milliseconds (a finite number, or a valid
 * Date's time) or a non-empty string as given (ISO 8601; the service rejects
 * one it cannot read). Undefined for anything else.
 */
export function eventTime(v: unknown): number | string | undefined {
  if (typeof v === 'number') return v - v === 0 ? v : undefined;
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (v instanceof Date) {
    const t = v.getTime();
    return t - t === 0 ? t : undefined;
  }
  return undefined;
}
