/**
 * What a page shows is in its URL's query: the time range (`range=24h`,
 * `range=all`, or `from=…&to=…`), the version (`version=v2`) and a version to
 * compare with (`compare=v1`). Links and the back button keep the view.
 */
import type { DashboardRange } from '../dashboard-types.js';

export const PRESETS = [
  { value: '1h', label: 'Last 1 h' },
  { value: '24h', label: 'Last 24 h' },
  { value: '7d', label: 'Last 7 d' },
  { value: 'all', label: 'All data' },
] as const;

export type RangeSelection = { kind: 'preset'; range: string } | { kind: 'custom'; from: number; to: number };

const RANGE_RE = /^(\d+(?:\.\d+)?(ms|s|m|h|d|w))+$|^all$/;

/** The range of a query string (default: last 24 h). */
export function rangeOf(search: string): RangeSelection {
  const p = new URLSearchParams(search);
  const from = p.get('from');
  const to = p.get('to');
  if (from && to) {
    const f = parseTime(from);
    const t = parseTime(to);
    if (f !== null && t !== null && f < t) return { kind: 'custom', from: f, to: t };
  }
  const r = p.get('range');
  return { kind: 'preset', range: r && RANGE_RE.test(r) ? r : '24h' };
}

/** Epoch ms of `2001-03-01T00:00:00Z`-style text or epoch digits; null when invalid. */
export function parseTime(s: string): number | null {
  const t = /^-?\d{1,16}$/.test(s) ? Number(s) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isFinite(t) ? t : null;
}

/** ISO text of a time for URLs: `2001-03-01T00:00:00Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** The API query parameters of a range selection. */
export function rangeParams(sel: RangeSelection): Record<string, string> {
  return sel.kind === 'custom' ? { from: isoTime(sel.from), to: isoTime(sel.to) } : { range: sel.range };
}

/** A query string with some parameters set (`null` removes one); keeps the others. */
export function withParams(search: string, changes: Record<string, string | null | undefined>): string {
  const p = new URLSearchParams(search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') p.delete(k);
    else p.set(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The query string of a fixed window (a link to "the window that caused it"). */
export function windowSearch(search: string, from: number, to: number): string {
  return withParams(search, { range: null, from: isoTime(from), to: isoTime(to) });
}

/** `?a=b&…` of an API call from parameters (undefined and empty values left out). */
export function apiQuery(params: Record<string, string | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** What the range is, in words: "Last 24 h of data, ending 2001-03-15 00:00 UTC (the last event)". */
export function describeRange(r: DashboardRange): string {
  const span = `${formatTime(r.from)} – ${formatTime(r.to)}`;
  if (r.anchor === 'data') return `${span} · ends at the last event (no events since)`;
  if (r.anchor === 'now') return `${span} · ends now`;
  return span;
}

/** A time as `2001-03-01 14:05 UTC` (seconds when not whole minutes). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const iso = new Date(ms).toISOString();
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  return `${date} ${time.endsWith(':00') ? time.slice(0, 5) : time} UTC`;
}

/** A duration for people: `45 s`, `12 min`, `3.5 h`, `2.1 d`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = ms / 1000;
  if (s < 90) return `${+s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 5400) return `${+(s / 60).toFixed(s < 600 ? 1 : 0)} min`;
  if (s < 129600) return `${+(s / 3600).toFixed(1)} h`;
  return `${+(s / 86400).toFixed(1)} d`;
}

/** Milliseconds as a latency: `3.2 ms`, `1.25 s`. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${+(ms / 1000).toPrecision(3)} s`;
  return `${+ms.toPrecision(3)} ms`;
}

/** A rate of events for people: per second when at least one a second, else per minute or per hour. */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return '—';
  const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : `${+x.toPrecision(3)}`);
  if (perSecond === 0) return '0/s';
  if (perSecond >= 1) return `${fmt(perSecond)}/s`;
  if (perSecond * 60 >= 1) return `${fmt(perSecond * 60)}/min`;
  return `${fmt(perSecond * 3600)}/h`;
}
