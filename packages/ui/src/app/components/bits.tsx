/** Small shared pieces: status pills, stat cards, messages, tables, sparklines, links. */
import type { ComponentChildren, HTMLAttributes } from 'preact';
import { sparkline, type SparkSeries } from '../../charts/sparkline.js';
import { exactValue } from '../../format.js';
import type { ApiError } from '../api.js';

export type Tone = 'bad' | 'warn' | 'good' | 'neutral' | 'info';

export function Pill({ tone, children, title }: { tone: Tone; children: ComponentChildren; title?: string }) {
  return (
    <span class={`pill ${tone}`} title={title}>
      {children}
    </span>
  );
}

/** A number shown formatted, with its exact value in `data-value` (JSON) and `data-field` for tests and tools. */
export function Num({ value, text, field, title }: { value: number | null | undefined; text: string; field?: string; title?: string }) {
  return (
    <span class="num" data-field={field} data-value={exactValue(value ?? null)} title={title}>
      {text}
    </span>
  );
}

export function Stat({ label, children, sub, tone }: { label: string; children: ComponentChildren; sub?: ComponentChildren; tone?: Tone }) {
  return (
    <div class={`stat${tone ? ` tone-${tone}` : ''}`}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{children}</div>
      {sub !== undefined && <div class="stat-sub">{sub}</div>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error, what }: { error: Error | ApiError; what: string }) {
  const status = (error as ApiError).status;
  return (
    <div class="message error" role="alert">
      <strong>Could not load {what}.</strong> {status ? `${status}: ` : ''}
      {error.message}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="message empty">
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

/** An inline sparkline (safe SVG markup from the report's builder: every label escaped). */
export function Spark({ series, label, width = 96, height = 24, min, max }: { series: SparkSeries[]; label: string; width?: number; height?: number; min?: number; max?: number }) {
  const svg = sparkline(series, { label, width, height, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
  return <span class="sparkwrap" dangerouslySetInnerHTML={{ __html: svg.value }} />;
}

export interface Column<T> {
  key: string;
  label: ComponentChildren;
  numeric?: boolean;
  cell: (row: T, index: number) => ComponentChildren;
  /** Header cell for the row (`<th scope="row">`). */
  rowHeader?: boolean;
}

export function Table<T>({ rows, columns, caption, rowKey, class: cls, rowProps }: { rows: T[]; columns: Column<T>[]; caption?: ComponentChildren; rowKey: (row: T, i: number) => string; class?: string; rowProps?: (row: T, i: number) => HTMLAttributes<HTMLTableRowElement> }) {
  return (
    <table class={`data${cls ? ` ${cls}` : ''}`}>
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.key} scope="col" class={c.numeric ? 'n' : undefined}>
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={rowKey(r, i)} {...(rowProps ? rowProps(r, i) : {})}>
            {columns.map((c) =>
              c.rowHeader ? (
                <th key={c.key} scope="row" class={c.numeric ? 'n' : undefined}>
                  {c.cell(r, i)}
                </th>
              ) : (
                <td key={c.key} class={c.numeric ? 'n' : undefined}>
                  {c.cell(r, i)}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
