/**
 * A chart drawn by Observable Plot (or any builder of an SVG element) into the
 * page: built for the container's width and rebuilt when it changes, with a
 * text alternative (the SVG's `aria-label` and `<title>`), an optional legend,
 * and the numbers behind it as a table in a `<details>` block (put in the page
 * only once opened: a model page's tables would double its DOM).
 *
 * Plot's per-chart `<style>` element is removed before insertion (the page's
 * stylesheet styles `.mw-plot`; the Content-Security-Policy allows no inline
 * styles).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface LegendItem {
  label: string;
  color: string;
  dashed?: boolean;
}

export function Legend({ items }: { items: LegendItem[] }) {
  if (items.length === 0) return null;
  return (
    <ul class="legend" aria-label="Legend">
      {items.map((it) => (
        <li key={it.label}>
          <span class={`sw${it.dashed ? ' dashed' : ''}`} style={{ background: it.dashed ? undefined : it.color, borderColor: it.color }} aria-hidden="true" />
          {it.label}
        </li>
      ))}
    </ul>
  );
}

export interface PlotFigureProps {
  /** Builds the chart for a width in pixels. */
  build: (document: Document, width: number) => Element;
  /** Short text shown above the chart. */
  title?: string;
  legend?: LegendItem[];
  /** The numbers behind the chart (a table), shown on demand. */
  table?: ComponentChildren;
  /** Extra class of the figure. */
  class?: string;
  /** Used as the chart's test id (`data-chart`). */
  id?: string;
  /** Rebuild when any of these change. */
  deps?: unknown[];
}

function useWidth(ref: { current: HTMLElement | null }): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(Math.floor(el.clientWidth));
    if (typeof ResizeObserver === 'undefined') return;
    let timer: number | undefined;
    const ro = new ResizeObserver(() => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => setWidth(Math.floor(el.clientWidth)), 120);
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      window.clearTimeout(timer);
    };
  }, []);
  return width;
}

/**
 * True once the element is near the viewport — or, for charts further down,
 * a moment after the page's first charts, so that every chart is drawn
 * without scrolling but the first screen is not kept waiting for them.
 */
function useSoon(ref: { current: HTMLElement | null }): boolean {
  const [soon, setSoon] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') {
      setSoon(true);
      return;
    }
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setSoon(true);
    }, { rootMargin: '200px 0px' });
    io.observe(el);
    const timer = window.setTimeout(() => setSoon(true), 120);
    return () => {
      io.disconnect();
      window.clearTimeout(timer);
    };
  }, []);
  return soon;
}

export function PlotFigure(props: PlotFigureProps) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const soon = useSoon(box);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || width <= 0 || !soon) return;
    try {
      const chart = props.build(document, Math.max(240, width));
      for (const s of Array.from(chart.querySelectorAll('style'))) s.remove();
      el.replaceChildren(chart);
      setFailure(null);
    } catch (err) {
      el.replaceChildren();
      setFailure((err as Error).message);
    }
  }, [width, soon, ...(props.deps ?? [])]);
  return (
    <figure class={`chart${props.class ? ` ${props.class}` : ''}`} data-chart={props.id}>
      {props.title && <figcaption>{props.title}</figcaption>}
      {props.legend && <Legend items={props.legend} />}
      <div class="plot" ref={box} />
      {failure && <p class="error">The chart could not be drawn: {failure}</p>}
      {props.table && <DataTable table={props.table} />}
    </figure>
  );
}

/** The numbers behind a chart, rendered when the block is first opened. */
function DataTable({ table }: { table: ComponentChildren }) {
  const [opened, setOpened] = useState(false);
  return (
    <details class="chart-data" onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && setOpened(true)}>
      <summary>Data table</summary>
      {opened && <div class="scroll">{table}</div>}
    </details>
  );
}
