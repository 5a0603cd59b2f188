/**
 * What a notification says, and the bodies the channels send.
 *
 * - `webhook`: an Alertmanager-style JSON document (`version: "4"`, `status`,
 *   `receiver`, `groupLabels`, `commonLabels`, `commonAnnotations`,
 *   `externalURL`, `alerts[]` with `status`, `labels`, `annotations`,
 *   `startsAt`, `endsAt`, `generatorURL`, `fingerprint`), so receivers written
 *   for Alertmanager's webhook work unchanged; each alert also carries
 *   modelwatch's own fields: `window`, `value`, `values`, `threshold`, `op`,
 *   `firingAt`, `links`.
 * - `slack`: a Slack incoming-webhook message (`text` as the notification
 *   fallback, `blocks` with a header, the condition, fields and links).
 */
import { createHash } from 'node:crypto';
import type { AlertOp, Severity } from '../config/types.js';

/** One notification: a series started firing or resolved. */
export interface AlertNotice {
  /** Unique per notification (all delivery attempts share it). */
  id: string;
  status: 'firing' | 'resolved';
  model: string;
  rule: string;
  /** The series (`version=v1` or `version=v1,feature=amount`). */
  key: string;
  /** `alertname`, `model`, `monitor`, `version`, `severity`, and `feature` for per-feature series. */
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
  severity: Severity;
  /** Event time (ms) the condition started holding: the end of the first window of the run. */
  startsAt: number;
  /** Event time it started firing (after `for`). */
  firingAt: number | null;
  /** Event time it resolved (the end of the window whose condition failed); null while firing. */
  endsAt: number | null;
  /** The window whose result caused this notification. */
  window: { start: number; end: number; label: string | null };
  value: number | null;
  /** The metric values the rule read in that window. */
  values: Record<string, number | null>;
  metric?: string;
  expr?: string;
  op: AlertOp;
  threshold: number;
  forMs: number;
  /** Paths (from the server's root) of the window's stored results and of its report. */
  links: { results: string; report: string };
}

/** Alertmanager's "zero" time, sent as `endsAt` of firing alerts. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

const iso = (ms: number) => new Date(ms).toISOString();

/** `base` + `path` (paths alone when the server's URL is unknown). */
export function absolute(base: string | undefined, path: string): string {
  return base ? `${base.replace(/\/+$/, '')}${path}` : path;
}

/** A stable identity of a series (Alertmanager's `fingerprint`: 16 hex digits). */
export function fingerprint(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function webhookPayload(n: AlertNotice, receiver: string, externalUrl: string | undefined): Record<string, unknown> {
  const groupLabels = { alertname: n.labels.alertname, model: n.labels.model };
  const links = { results: absolute(externalUrl, n.links.results), report: absolute(externalUrl, n.links.report) };
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(groupLabels.alertname)}, model=${JSON.stringify(groupLabels.model)}}`,
    truncatedAlerts: 0,
    status: n.status,
    receiver,
    groupLabels,
    commonLabels: n.labels,
    commonAnnotations: n.annotations,
    externalURL: externalUrl ?? '',
    notificationId: n.id,
    alerts: [
      {
        status: n.status,
        labels: n.labels,
        annotations: n.annotations,
        startsAt: iso(n.startsAt),
        endsAt: n.endsAt === null ? ZERO_TIME : iso(n.endsAt),
        generatorURL: links.results,
        fingerprint: fingerprint(n.labels),
        firingAt: n.firingAt === null ? null : iso(n.firingAt),
        window: { start: iso(n.window.start), end: iso(n.window.end), label: n.window.label },
        value: n.value,
        values: n.values,
        ...(n.metric !== undefined ? { metric: n.metric } : {}),
        ...(n.expr !== undefined ? { expr: n.expr } : {}),
        op: n.op,
        threshold: n.threshold,
        for: n.forMs / 1000,
        links,
      },
    ],
  };
}

/** Slack's mrkdwn needs `&`, `<` and `>` escaped. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link target inside `<url|text>` must not contain `|` or `>`. */
function linkTarget(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
}

export function formatValue(v: number | null): string {
  if (v === null) return 'no value';
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

export function slackPayload(n: AlertNotice, externalUrl: string | undefined): Record<string, unknown> {
  const what = n.metric ?? n.expr ?? '';
  const title = `${n.status === 'firing' ? 'FIRING' : 'RESOLVED'}: ${n.rule} (${n.severity})`;
  const where = [`model ${n.model}`, `version ${n.labels.version}`, ...(n.labels.feature !== undefined ? [`feature ${n.labels.feature}`] : [])].join(', ');
  const text = `[${n.status.toUpperCase()}] ${n.rule} on ${where}: ${what} = ${formatValue(n.value)} (${n.status === 'firing' ? '' : 'no longer '}${n.op} ${formatValue(n.threshold)})`;
  const results = absolute(externalUrl, n.links.results);
  const report = absolute(externalUrl, n.links.report);
  const linkText = externalUrl ? `<${linkTarget(results)}|results> · <${linkTarget(report)}|report>` : `results: ${esc(results)}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: esc(n.annotations.description).slice(0, 3000) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Model*\n${esc(n.model)}` },
          { type: 'mrkdwn', text: `*Version*\n${esc(n.labels.version ?? '')}` },
          { type: 'mrkdwn', text: `*Condition*\n\`${esc(what)} ${n.op} ${formatValue(n.threshold)}\`` },
          { type: 'mrkdwn', text: `*Value*\n${formatValue(n.value)}` },
          ...(n.labels.feature !== undefined ? [{ type: 'mrkdwn', text: `*Feature*\n${esc(n.labels.feature)}` }] : []),
          { type: 'mrkdwn', text: `*Severity*\n${n.severity}` },
        ],
      },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `Window ${iso(n.window.start)} – ${iso(n.window.end)} (event time) · ${linkText}` }],
      },
    ],
  };
}
