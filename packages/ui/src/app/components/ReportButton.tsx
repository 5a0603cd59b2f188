/**
 * "Download report": the Report of a window as the CLI's self-contained HTML
 * file, fetched with the API token (so it works with auth) and saved through
 * a temporary object URL.
 */
import { useState } from 'preact/hooks';
import { apiFetch } from '../api.js';
import { apiQuery, isoTime } from '../state.js';

export function ReportButton({ model, from, to, version }: { model: string; from: number; to: number; version: string | null }) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const url = `/v1/models/${encodeURIComponent(model)}/report.html${apiQuery({ from: isoTime(from), to: isoTime(to), version, download: 'true' })}`;
  const download = async (e: Event) => {
    e.preventDefault();
    setState({ busy: true, error: null });
    try {
      const res = await apiFetch(url);
      const blob = await res.blob();
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'modelwatch-report.html';
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      setState({ busy: false, error: null });
    } catch (err) {
      setState({ busy: false, error: (err as Error).message });
    }
  };
  return (
    <span class="report-button">
      <a class="button" href={url} onClick={download} aria-busy={state.busy} data-report-url={url}>
        {state.busy ? 'Preparing report…' : 'Download report (HTML)'}
      </a>
      {state.error && (
        <span class="error small" role="alert">
          {' '}
          {state.error}
        </span>
      )}
    </span>
  );
}
