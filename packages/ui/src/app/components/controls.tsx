/** The time-range picker and the version selector: both write the page's query string. */
import { useState } from 'preact/hooks';
import type { DashboardRange } from '../../dashboard-types.js';
import { navigate, useLocation } from '../router.js';
import { PRESETS, describeRange, isoTime, parseTime, rangeOf, withParams } from '../state.js';

/** `YYYY-MM-DDTHH:mm` of a time in UTC, for `<input type="datetime-local">`. */
const localInput = (ms: number) => new Date(ms).toISOString().slice(0, 16);

export function RangePicker({ range, dataRange, presetsOnly }: { range: DashboardRange | null; dataRange?: { first: number | null; last: number | null }; presetsOnly?: boolean }) {
  const loc = useLocation();
  const sel = rangeOf(loc.search);
  const [custom, setCustom] = useState(sel.kind === 'custom');
  const [from, setFrom] = useState(range ? localInput(range.from) : '');
  const [to, setTo] = useState(range ? localInput(range.to) : '');
  const [problem, setProblem] = useState<string | null>(null);
  const go = (changes: Record<string, string | null>) => navigate(loc.pathname + withParams(loc.search, changes));
  const apply = (e: Event) => {
    e.preventDefault();
    const f = parseTime(from);
    const t = parseTime(to);
    if (f === null || t === null) return setProblem('Enter both times.');
    if (!(f < t)) return setProblem('The end must be after the start.');
    setProblem(null);
    go({ range: null, from: isoTime(f), to: isoTime(t) });
  };
  return (
    <div class="range-picker">
      <div class="seg" role="group" aria-label="Time range">
        {PRESETS.map((p) => {
          const active = sel.kind === 'preset' && sel.range === p.value && !custom;
          return (
            <button
              type="button"
              key={p.value}
              aria-pressed={active}
              class={active ? 'on' : ''}
              title={p.value === 'all' ? 'From the first to the last stored event (history, backfills)' : undefined}
              onClick={() => {
                setCustom(false);
                go({ range: p.value === '24h' ? null : p.value, from: null, to: null });
              }}
            >
              {p.label}
            </button>
          );
        })}
        {!presetsOnly && (
        <button type="button" aria-pressed={custom || sel.kind === 'custom'} aria-expanded={custom} class={custom || sel.kind === 'custom' ? 'on' : ''} onClick={() => setCustom(!custom)}>
          Custom…
        </button>
        )}
      </div>
      {custom && (
        <form class="custom-range" onSubmit={apply}>
          <label>
            From (UTC) <input type="datetime-local" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} required />
          </label>
          <label>
            To (UTC) <input type="datetime-local" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} required />
          </label>
          <button type="submit">Apply</button>
          {dataRange?.first !== null && dataRange?.first !== undefined && dataRange.last !== null && (
            <span class="muted small">
              Data: {localInput(dataRange.first).replace('T', ' ')} – {localInput(dataRange.last).replace('T', ' ')} UTC
            </span>
          )}
          {problem && (
            <span class="error" role="alert">
              {problem}
            </span>
          )}
        </form>
      )}
      {range && (
        <p class="range-text" data-field="range" data-from={range.from} data-to={range.to} data-anchor={range.anchor}>
          {describeRange(range)}
        </p>
      )}
    </div>
  );
}

export function VersionPicker({ versions, version, compare, noCompare }: { versions: string[]; version: string | null; compare: string | null; noCompare?: boolean }) {
  const loc = useLocation();
  const go = (changes: Record<string, string | null>) => navigate(loc.pathname + withParams(loc.search, changes));
  if (versions.length === 0) return null;
  return (
    <div class="version-picker">
      <label>
        Version{' '}
        <select value={version ?? ''} onChange={(e) => go({ version: (e.target as HTMLSelectElement).value || null, compare: null })}>
          <option value="">All versions</option>
          {versions.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </label>
      {versions.length > 1 && !noCompare && (
        <label>
          Compare with{' '}
          <select value={compare ?? ''} disabled={version === null} title={version === null ? 'Choose a version first' : undefined} onChange={(e) => go({ compare: (e.target as HTMLSelectElement).value || null })}>
            <option value="">—</option>
            {versions
              .filter((v) => v !== version)
              .map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
          </select>
        </label>
      )}
    </div>
  );
}
