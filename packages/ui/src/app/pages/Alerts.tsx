/**
 * Alerts: the alert engine's series (`GET /v1/alerts`) — firing, pending and
 * resolved — and their history (`GET /v1/alerts/history`), every state change
 * linked to the window that caused it on the model (or feature) page. Event
 * times are those of the windows; when the service has no alert engine the
 * page says so.
 */
import { useState } from 'preact/hooks';
import { formatNumber } from '../../format.js';
import { useApi, type ApiError } from '../api.js';
import { Empty, ErrorBox, Loading, Num, Pill, Table } from '../components/bits.js';
import { featurePath, modelPath } from '../router.js';
import { apiQuery, formatTime, isoTime, parseTime } from '../state.js';

type StateName = 'inactive' | 'pending' | 'firing' | 'resolved';

/** An alert series as `GET /v1/alerts` lists it (the fields this page reads). */
export interface AlertDoc {
  model: string;
  rule: string;
  key: string;
  state: StateName;
  severity: string;
  labels: Record<string, string>;
  value: number | null;
  condition: { monitor: string; metric?: string; expr?: string; feature?: string; op: string; threshold: number; for: number };
  activeAt: string | null;
  firingAt: string | null;
  resolvedAt: string | null;
  since: string | null;
  window: { start: string; end: string; label: string | null } | null;
}

/** A state change as `GET /v1/alerts/history` lists it. */
export interface TransitionDoc {
  model: string;
  rule: string;
  key: string;
  labels: Record<string, string>;
  from: StateName;
  to: StateName;
  at: string;
  value: number | null;
  cause: string;
  window: { start: string; end: string };
}

const ORDER = ['firing', 'pending', 'resolved'] as const;
const TITLES = { firing: 'Firing', pending: 'Pending', resolved: 'Resolved' } as const;
/** Labels every series has, not worth a column. */
const COMMON_LABELS = new Set(['alertname', 'model', 'severity', 'monitor']);
const ALL_VERSIONS = '__all__';

const ms = (iso: string | null | undefined) => (iso ? parseTime(iso) : null);

/** The dashboard page of the window an alert points at: the feature page for per-feature rules, else the model page. */
function windowHref(model: string, labels: Record<string, string>, w: { start: string; end: string }): string {
  const from = ms(w.start);
  const to = ms(w.end);
  const version = labels.version && labels.version !== ALL_VERSIONS ? labels.version : null;
  const path = labels.feature ? featurePath(model, labels.feature) : modelPath(model);
  return `${path}${apiQuery({ from: from === null ? null : isoTime(from), to: to === null ? null : isoTime(to), version })}`;
}

function Series({ labels }: { labels: Record<string, string> }) {
  const own = Object.entries(labels).filter(([k]) => !COMMON_LABELS.has(k));
  if (own.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="labels">
      {own.map(([k, v]) => (
        <li key={k}>
          {k} <code class="value">{v}</code>
        </li>
      ))}
    </ul>
  );
}

const sevTone = (s: string) => (s === 'critical' ? 'bad' : s === 'warning' ? 'warn' : 'info');
const stateTone = (s: StateName) => (s === 'firing' ? 'bad' : s === 'pending' ? 'warn' : s === 'resolved' ? 'good' : 'neutral');

function condition(a: AlertDoc): string {
  const c = a.condition;
  return `${c.expr ?? c.metric ?? '?'}${c.feature ? ` (${c.feature})` : ''} ${c.op} ${formatNumber(c.threshold)}${c.for ? ` for ${c.for} s` : ''}`;
}

export function AlertsPage() {
  const [within, setWithin] = useState('7d');
  const alerts = useApi<{ alerts: AlertDoc[] }>(`/v1/alerts${apiQuery({ resolvedWithin: within })}`);
  const history = useApi<{ transitions: TransitionDoc[] }>(alerts.data ? '/v1/alerts/history?limit=200' : null);
  const missing = alerts.error && (alerts.error as ApiError).status === 404;
  return (
    <>
      <div class="page-head">
        <h1>Alerts</h1>
        {!missing && (
          <label class="inline-select">
            Show resolved alerts of the last{' '}
            <select value={within} onChange={(e) => setWithin((e.target as HTMLSelectElement).value)}>
              <option value="1h">hour</option>
              <option value="24h">24 hours</option>
              <option value="7d">7 days</option>
              <option value="30d">30 days</option>
            </select>
          </label>
        )}
      </div>
      {alerts.loading && !alerts.data && <Loading what="alerts" />}
      {missing && (
        <Empty title="No alert engine in this service">
          <p>
            This service does not evaluate alert rules (<code>GET /v1/alerts</code> is not available). Drift, data quality and model quality are on the <a href="/">model pages</a>, and every
            signal is exported on <a href="/metrics">/metrics</a> for Prometheus alerting rules.
          </p>
        </Empty>
      )}
      {alerts.error && !missing && <ErrorBox error={alerts.error} what="alerts" />}
      {alerts.data && <AlertLists alerts={alerts.data.alerts} />}
      {alerts.data && (
        <section class="card" aria-labelledby="history-h" id="history">
          <h2 id="history-h">History</h2>
          {history.error && <ErrorBox error={history.error} what="the alert history" />}
          {!history.data && !history.error && <Loading what="history" />}
          {history.data && <History transitions={history.data.transitions} />}
        </section>
      )}
    </>
  );
}

function AlertLists({ alerts }: { alerts: AlertDoc[] }) {
  const shown = alerts.filter((a) => a.state !== 'inactive');
  const count = (s: StateName) => shown.filter((a) => a.state === s).length;
  return (
    <>
      <p class="counts" id="alert-counts">
        {ORDER.map((s) => (
          <span key={s} class="count">
            <Num field={`alerts.${s}`} value={count(s)} text={String(count(s))} /> {s}
          </span>
        ))}
      </p>
      {shown.length === 0 && (
        <Empty title="No alerts">
          <p>
            No alert rule is firing or pending, and none resolved in the chosen period. Rules are defined per model (<code>alerts:</code> in modelwatch.yaml).
          </p>
        </Empty>
      )}
      {ORDER.map((state) => {
        const list = shown.filter((a) => a.state === state).sort((a, b) => (ms(b.since) ?? 0) - (ms(a.since) ?? 0));
        if (list.length === 0) return null;
        return (
          <section class="card" key={state} aria-labelledby={`alerts-${state}`} data-state={state}>
            <h2 id={`alerts-${state}`}>
              {TITLES[state]} ({list.length})
            </h2>
            <div class="scroll">
              <Table
                rows={list}
                rowKey={(a) => `${a.model}|${a.rule}|${a.key}`}
                rowProps={(a) => ({ 'data-rule': a.rule, 'data-key': a.key } as Record<string, string>)}
                columns={[
                  { key: 'rule', label: 'Rule', rowHeader: true, cell: (a) => a.rule },
                  { key: 'sev', label: 'Severity', cell: (a) => <Pill tone={sevTone(a.severity)}>{a.severity}</Pill> },
                  { key: 'model', label: 'Model', cell: (a) => <a href={modelPath(a.model)}>{a.model}</a> },
                  { key: 'series', label: 'Series', cell: (a) => <Series labels={a.labels} /> },
                  { key: 'cond', label: 'Condition', cell: (a) => <code>{condition(a)}</code> },
                  { key: 'value', label: 'Value (latest window)', numeric: true, cell: (a) => <Num field="value" value={a.value} text={formatNumber(a.value)} /> },
                  {
                    key: 'since',
                    label: state === 'firing' ? 'Firing since' : state === 'pending' ? 'Pending since' : 'Resolved at',
                    cell: (a) => formatTime(ms(state === 'firing' ? a.firingAt ?? a.since : state === 'pending' ? a.activeAt ?? a.since : a.resolvedAt ?? a.since)),
                  },
                  {
                    key: 'window',
                    label: 'Latest window',
                    cell: (a) =>
                      a.window ? (
                        <a href={windowHref(a.model, a.labels, a.window)}>
                          {formatTime(ms(a.window.start))} – {formatTime(ms(a.window.end))}
                        </a>
                      ) : (
                        <span class="muted">—</span>
                      ),
                  },
                ]}
              />
            </div>
          </section>
        );
      })}
    </>
  );
}

function History({ transitions }: { transitions: TransitionDoc[] }) {
  if (transitions.length === 0) return <p class="muted">No state changes recorded yet.</p>;
  return (
    <div class="scroll">
      <Table
        caption={`The latest ${transitions.length} state changes, latest event time first; each links to the window that caused it.`}
        rows={transitions}
        rowKey={(t, i) => `${t.model}|${t.rule}|${t.key}|${t.at}|${i}`}
        rowProps={(t) => ({ 'data-to': t.to } as Record<string, string>)}
        columns={[
          { key: 'at', label: 'At (event time)', rowHeader: true, cell: (t) => formatTime(ms(t.at)) },
          { key: 'rule', label: 'Rule', cell: (t) => t.rule },
          { key: 'model', label: 'Model', cell: (t) => <a href={modelPath(t.model)}>{t.model}</a> },
          { key: 'series', label: 'Series', cell: (t) => <Series labels={t.labels} /> },
          {
            key: 'change',
            label: 'Change',
            cell: (t) => (
              <span>
                <Pill tone={stateTone(t.from)}>{t.from}</Pill> → <Pill tone={stateTone(t.to)}>{t.to}</Pill>
                {t.cause === 'gap' && <span class="muted small"> (no result for a window)</span>}
              </span>
            ),
          },
          { key: 'value', label: 'Value', numeric: true, cell: (t) => formatNumber(t.value) },
          {
            key: 'window',
            label: 'Window',
            cell: (t) => (
              <a href={windowHref(t.model, t.labels, t.window)}>
                {formatTime(ms(t.window.start))} – {formatTime(ms(t.window.end))}
              </a>
            ),
          },
        ]}
      />
    </div>
  );
}
