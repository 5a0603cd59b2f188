/**
 * Time charts of the dashboard, drawn with Observable Plot like the report's
 * charts (same colours, class and text alternatives): lines of window metrics
 * with threshold rules, bucketed bars (traffic, stacked by version), shares
 * of classes per bucket, a mean ± standard deviation band, and the feature ×
 * window drift grid. Time axes are in UTC, like every time the dashboard shows.
 */
import * as Plot from '@observablehq/plot';
import { labelSvg, PLOT_CLASS } from '../../charts/svg.js';
import { COLORS } from '../../charts/theme.js';
import { formatCount, formatNumber, formatShare, truncate } from '../../format.js';
import { formatTime } from '../state.js';

/** Colours of series that are not reference/current (versions, monitors, classes): Tableau 10. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const seriesColor = (i: number) => PALETTE[i % PALETTE.length];

export type ValueFormat = 'share' | 'number' | 'count' | 'ms' | 'seconds';

export function formatValue(v: number | null | undefined, f: ValueFormat): string {
  if (v === null || v === undefined) return '—';
  switch (f) {
    case 'share':
      return formatShare(v);
    case 'count':
      return formatCount(v);
    case 'ms':
      return `${formatNumber(v)} ms`;
    case 'seconds':
      return `${formatNumber(v)} s`;
    default:
      return formatNumber(v);
  }
}

const tick = (f: ValueFormat) => (v: number) => (f === 'share' ? `${+(v * 100).toFixed(1)}%` : f === 'count' ? formatCount(v) : formatNumber(v));

export interface LineSeries {
  name: string;
  color: string;
  /** `[time, value]`, time ascending; `null` values leave a gap. */
  points: [number, number | null][];
  dashed?: boolean;
  /** Draw a dot per point (with a tooltip); on by default up to 150 points. */
  dots?: boolean;
  /** Points to mark in red (e.g. windows where drift was detected). */
  flagged?: boolean[];
}

export interface Threshold {
  value: number;
  label: string;
  color?: string;
}

export interface TimeChartOptions {
  width: number;
  height?: number;
  /** The x range (the page's time range). */
  domain: [number, number];
  format: ValueFormat;
  yDomain?: [number, number];
  thresholds?: Threshold[];
  /** Text alternative. */
  label: string;
  yLabel?: string;
}

function frame(svg: Element, document: Document, label: string): SVGSVGElement {
  labelSvg(svg, document, label);
  return svg as SVGSVGElement;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** UTC tick labels, 24-hour: dates at midnight (`Mar 5`), times otherwise (`12:00`); the year on January 1. */
export function utcTick(d: Date): string {
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0) {
    return d.getUTCMonth() === 0 && d.getUTCDate() === 1 ? String(d.getUTCFullYear()) : `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
  }
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

const xAxis = (domain: [number, number]) => ({ type: 'utc' as const, domain: [new Date(domain[0]), new Date(domain[1])], label: null, ticks: 6, tickFormat: utcTick });

/**
 * At most about `maxPoints` points of a line, keeping its shape: per group of
 * consecutive points, the first, the lowest, the highest and the last (in
 * time order), a gap (null) kept as one null point and flagged points always
 * kept. Lines with no more points than that are returned as they are.
 */
export function downsample<P extends { v: number | null; flagged?: boolean }>(pts: P[], maxPoints: number): P[] {
  if (pts.length <= maxPoints || maxPoints < 8) return pts;
  const size = Math.ceil(pts.length / Math.floor(maxPoints / 4));
  const end = pts[pts.length - 1];
  const out: P[] = [];
  for (let start = 0; start < pts.length; start += size) {
    const group = pts.slice(start, start + size);
    const keep = new Set<P>([group[0], group[group.length - 1]]);
    let lo: P | null = null;
    let hi: P | null = null;
    for (const p of group) {
      if (p.v === null || p.flagged) keep.add(p);
      else {
        if (!lo || p.v < lo.v!) lo = p;
        if (!hi || p.v > hi.v!) hi = p;
      }
    }
    if (lo) keep.add(lo);
    if (hi) keep.add(hi);
    // A run of gaps needs one null only — but the line's last point stays, null or not (its end time).
    let lastNull = false;
    for (const p of group) {
      if (!keep.has(p)) continue;
      if (p.v === null && lastNull && p !== end) continue;
      lastNull = p.v === null;
      out.push(p);
    }
  }
  return out;
}

/** Lines over time, one per series, with optional thresholds as dashed rules; long series are downsampled to the chart's width. */
export function lineChart(document: Document, series: LineSeries[], o: TimeChartOptions): SVGSVGElement {
  const marks: Plot.Markish[] = [Plot.frame({ stroke: COLORS.grid })];
  for (const t of o.thresholds ?? []) {
    marks.push(Plot.ruleY([t.value], { stroke: t.color ?? COLORS.drift, strokeDasharray: '5,4', strokeWidth: 1.2 }));
    marks.push(Plot.text([t.value], { y: (d: number) => d, frameAnchor: 'right', dx: -4, dy: -7, text: () => t.label, fill: t.color ?? COLORS.drift, stroke: 'white', strokeWidth: 3, fontSize: 10.5 }));
  }
  let any = false;
  for (const s of series) {
    // About one point per pixel column of the plot (no visible difference, far fewer SVG nodes).
    const pts = downsample(s.points.map(([t, v], i) => ({ t: new Date(t), v, flagged: s.flagged?.[i] ?? false })), Math.max(60, Math.round(o.width - 66)));
    if (pts.some((p) => p.v !== null)) any = true;
    marks.push(Plot.lineY(pts, { x: 't', y: 'v', stroke: s.color, strokeWidth: 1.8, strokeDasharray: s.dashed ? '6,3' : undefined, curve: 'linear', clip: true }));
    if (s.dots ?? pts.length <= 150) {
      marks.push(
        Plot.dot(
          pts.filter((p) => p.v !== null),
          { x: 't', y: 'v', r: 2.6, clip: true, fill: (p: { flagged: boolean }) => (p.flagged ? COLORS.drift : s.color), stroke: 'white', strokeWidth: 0.6, title: (p: { t: Date; v: number }) => `${s.name}\n${formatTime(p.t.getTime())}\n${formatValue(p.v, o.format)}` },
        ),
      );
    } else if (s.flagged) {
      marks.push(Plot.dot(pts.filter((p) => p.flagged && p.v !== null), { x: 't', y: 'v', r: 2.6, fill: COLORS.drift, clip: true }));
    }
  }
  if (!any) marks.push(Plot.text(['no values in this range'], { frameAnchor: 'middle', fill: COLORS.muted }));
  const svg = Plot.plot({
    document,
    className: PLOT_CLASS,
    width: o.width,
    height: o.height ?? 220,
    marginLeft: 52,
    marginRight: 14,
    x: xAxis(o.domain),
    y: { grid: true, label: o.yLabel ?? null, domain: o.yDomain, tickFormat: tick(o.format), ticks: 5, nice: !o.yDomain, zero: o.format === 'count' },
    marks,
  });
  return frame(svg, document, o.label);
}

export interface BarBucket {
  start: number;
  end: number;
  value: number;
  group: string;
}

/** Bars per time bucket, stacked by group (versions). */
export function barChart(document: Document, bars: BarBucket[], groups: { name: string; color: string }[], o: TimeChartOptions): SVGSVGElement {
  const names = groups.map((g) => g.name);
  const data = bars.map((b) => ({ x1: new Date(b.start), x2: new Date(b.end), y: b.value, g: b.group }));
  const marks: Plot.Markish[] = [
    Plot.rectY(data, {
      x1: 'x1',
      x2: 'x2',
      y: 'y',
      fill: 'g',
      insetLeft: 0.5,
      insetRight: 0.5,
      clip: true,
      title: (d: { x1: Date; g: string; y: number }) => `${d.g}\n${formatTime(d.x1.getTime())}\n${formatValue(d.y, o.format)}`,
    }),
    Plot.ruleY([0], { stroke: COLORS.muted }),
  ];
  if (!bars.some((b) => b.value > 0)) marks.push(Plot.text(['no events in this range'], { frameAnchor: 'middle', fill: COLORS.muted }));
  const svg = Plot.plot({
    document,
    className: PLOT_CLASS,
    width: o.width,
    height: o.height ?? 220,
    marginLeft: 52,
    marginRight: 14,
    x: xAxis(o.domain),
    y: { grid: true, label: o.yLabel ?? null, tickFormat: tick(o.format), ticks: 4 },
    color: { domain: names, range: groups.map((g) => g.color) },
    marks,
  });
  return frame(svg, document, o.label);
}

/** Shares of classes per bucket (stacked to 100%). */
export function shareChart(document: Document, rows: { start: number; end: number; cls: string; count: number }[], classes: { name: string; color: string }[], o: TimeChartOptions): SVGSVGElement {
  const data = rows.filter((r) => r.count > 0).map((r) => ({ x1: new Date(r.start), x2: new Date(r.end), y: r.count, c: r.cls }));
  const totals = new Map<number, number>();
  for (const d of data) totals.set(d.x1.getTime(), (totals.get(d.x1.getTime()) ?? 0) + d.y);
  const svg = Plot.plot({
    document,
    className: PLOT_CLASS,
    width: o.width,
    height: o.height ?? 200,
    marginLeft: 52,
    marginRight: 14,
    x: xAxis(o.domain),
    y: { grid: true, label: null, tickFormat: tick('share'), ticks: 5, domain: [0, 1] },
    color: { domain: classes.map((c) => c.name), range: classes.map((c) => c.color) },
    marks: [
      Plot.rectY(data, {
        x1: 'x1',
        x2: 'x2',
        y: 'y',
        fill: 'c',
        offset: 'normalize',
        insetLeft: 0.5,
        insetRight: 0.5,
        clip: true,
        title: (d: { x1: Date; c: string; y: number }) => `${d.c}\n${formatTime(d.x1.getTime())}\n${formatShare(d.y / (totals.get(d.x1.getTime()) || 1))} (${formatCount(d.y)})`,
      }),
      ...(data.length ? [] : [Plot.text(['no predictions in this range'], { frameAnchor: 'middle', fill: COLORS.muted })]),
    ],
  });
  return frame(svg, document, o.label);
}

/** Mean per bucket with a ±1 standard deviation band and an optional baseline (the reference mean). */
export function bandChart(document: Document, pts: { start: number; end: number; mean: number | null; std: number | null }[], color: string, baseline: number | null, o: TimeChartOptions): SVGSVGElement {
  const data = pts.map((p) => ({ t: new Date((p.start + p.end) / 2), mean: p.mean, lo: p.mean !== null && p.std !== null ? p.mean - p.std : null, hi: p.mean !== null && p.std !== null ? p.mean + p.std : null }));
  const marks: Plot.Markish[] = [
    Plot.frame({ stroke: COLORS.grid }),
    Plot.areaY(data, { x: 't', y1: 'lo', y2: 'hi', fill: color, fillOpacity: 0.2, clip: true }),
    Plot.lineY(data, { x: 't', y: 'mean', stroke: color, strokeWidth: 1.8, clip: true }),
    Plot.dot(data.filter((d) => d.mean !== null), { x: 't', y: 'mean', r: 2.2, fill: color, clip: true, title: (d: { t: Date; mean: number; lo: number | null; hi: number | null }) => `${formatTime(d.t.getTime())}\nmean ${formatNumber(d.mean)}${d.lo !== null ? `\n±1 sd ${formatNumber(d.lo)} … ${formatNumber(d.hi)}` : ''}` }),
  ];
  if (baseline !== null && Number.isFinite(baseline)) {
    marks.push(Plot.ruleY([baseline], { stroke: COLORS.reference, strokeDasharray: '5,4' }));
    marks.push(Plot.text([baseline], { y: (d: number) => d, frameAnchor: 'right', dx: -4, dy: -7, text: () => 'reference mean', fill: COLORS.reference, stroke: 'white', strokeWidth: 3, fontSize: 10.5 }));
  }
  const svg = Plot.plot({ document, className: PLOT_CLASS, width: o.width, height: o.height ?? 200, marginLeft: 52, marginRight: 14, x: xAxis(o.domain), y: { grid: true, label: null, ticks: 5, tickFormat: tick('number') }, marks });
  return frame(svg, document, o.label);
}

export interface GridCell {
  row: number;
  x1: number;
  x2: number;
  state: 'drift' | 'ok' | 'n/a';
  tip: string;
}

/** Feature × window grid: one row per feature, one cell per window (from the previous window's end to its end), red where drift was detected. */
export function driftGrid(document: Document, rows: string[], cells: GridCell[], o: { width: number; domain: [number, number]; label: string; maxLabel?: number }): SVGSVGElement {
  const maxLabel = o.maxLabel ?? 22;
  const labels = rows.map((r) => truncate(r, maxLabel));
  const longest = Math.max(4, ...labels.map((l) => l.length));
  const rowH = 20;
  const data = cells.map((c) => ({ ...c, x1: new Date(c.x1), x2: new Date(c.x2), y: String(c.row) }));
  const svg = Plot.plot({
    document,
    className: PLOT_CLASS,
    width: o.width,
    height: Math.max(90, rows.length * rowH + 40),
    marginLeft: Math.min(180, 14 + longest * 6.4),
    marginRight: 14,
    x: xAxis(o.domain),
    y: { domain: rows.map((_, i) => String(i)), tickFormat: (k: string) => labels[Number(k)] ?? '', label: null, tickSize: 0, padding: 0.1 },
    color: { domain: ['drift', 'ok', 'n/a'], range: [COLORS.drift, '#cfe8d6', '#eef1f4'] },
    marks: [Plot.barX(data, { x1: 'x1', x2: 'x2', y: 'y', fill: 'state', title: 'tip', insetRight: 0.3, clip: true })],
  });
  return frame(svg, document, o.label);
}
