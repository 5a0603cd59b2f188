/**
 * The report's header (title, provenance, datasets) and overview (dataset
 * drift verdict, share drifted, findings by severity, suite verdict, model
 * quality headline).
 */
import type { ColumnDrift, DatasetInfo, Finding, TestStatus } from '@modelwatch/core';
import { formatCount, formatDateTime, formatNumber, formatPValue, formatShare, methodLabel, metricLabel, plural } from '../format.js';
import { html, type HtmlValue, type SafeHtml } from '../html.js';
import { countNum, num, shareNum } from '../tables.js';
import { columnLink, type RenderContext } from './context.js';

function datasetBlock(label: string, side: 'reference' | 'current', info: DatasetInfo): SafeHtml {
  const notes: HtmlValue[] = [];
  if (info.sampledFrom !== undefined) notes.push(html`<li>sampled: ${countNum(info.rows)} of ${countNum(info.sampledFrom, `${side}.sampledFrom`)} rows</li>`);
  if (info.profileOnly) notes.push(html`<li>given as a stored profile, not raw rows: some tests compare binned or quantile equivalents (marked ≈)</li>`);
  if (info.from || info.to) notes.push(html`<li>window: <time>${formatDateTime(info.from)}</time> to <time>${formatDateTime(info.to)}</time></li>`);
  return html`<div class="dataset ${side}"><p class="dataset-label"><span class="sw ${side === 'reference' ? 'ref' : 'cur'}" aria-hidden="true"></span>${label}</p>
<p class="source" title="${info.source ?? ''}">${info.source ?? html`<span class="muted">source not recorded</span>`}</p>
<p class="rows">${countNum(info.rows, `${side}.rows`)} rows</p>${notes.length ? html`<ul class="notes">${notes}</ul>` : ''}</div>`;
}

/** Page header: title, generation time and generator, reference and current datasets. */
export function renderHeader(ctx: RenderContext, title: string): SafeHtml {
  const r = ctx.report;
  return html`<header class="top"><div class="wrap">
<p class="brand"><span class="logo" aria-hidden="true">◉</span> modelwatch report</p>
<h1>${title}</h1>
<p class="generated">Generated <time datetime="${r.generatedAt}">${formatDateTime(r.generatedAt)}</time> by ${r.generator}</p>
<div class="datasets">${datasetBlock('Reference', 'reference', r.reference)}${datasetBlock('Current', 'current', r.current)}</div>
</div></header>`;
}

/** Counts of findings per severity. */
export function findingCounts(findings: readonly Finding[]): Record<Finding['severity'], number> {
  const c = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

const STATUS_WORD: Record<TestStatus, string> = { pass: 'Passed', warn: 'Passed with warnings', fail: 'Failed', error: 'Errored' };

/** A status pill for a test status; with `field`, it carries `data-field="status"` and the exact value. */
export function statusPill(status: TestStatus, field = false): SafeHtml {
  return field
    ? html`<span class="pill st-${status}" data-field="status" data-value="${JSON.stringify(status)}">${status}</span>`
    : html`<span class="pill st-${status}">${status}</span>`;
}

function driftCard(ctx: RenderContext, label: string, d: ColumnDrift, field: string): SafeHtml {
  return html`<div class="card ${d.detected ? 'bad' : 'good'}"><h3>${label}</h3>
<p class="big">${d.detected ? 'Drift' : 'No drift'}</p>
<p class="sub">${columnLink(ctx, d.column)} · ${methodLabel(d.method)} ${num(d.value, formatNumber(d.value), { field: `${field}.value`, reason: d.reason })}${d.pValue !== null ? html`, p = ${num(d.pValue, formatPValue(d.pValue), { field: `${field}.pValue` })}` : ''}</p></div>`;
}

/** The overview: verdict banner and summary cards. */
export function renderOverview(ctx: RenderContext): SafeHtml {
  const r = ctx.report;
  const d = r.drift;
  const counts = findingCounts(r.dataQuality.findings);
  let verdictClass: string;
  let verdict: SafeHtml;
  if (d.tested === 0) {
    verdictClass = 'neutral';
    verdict = html`<strong>No features were tested for drift.</strong> ${d.columns.length ? 'Only non-feature columns were compared.' : 'See the skipped columns below.'}`;
  } else if (d.detected) {
    verdictClass = 'bad';
    verdict = html`<strong>Dataset drift detected.</strong> ${num(d.drifted, formatCount(d.drifted), { field: 'drift.drifted' })} of ${num(d.tested, formatCount(d.tested), { field: 'drift.tested' })} features drifted (${shareNum(d.share, 'drift.share')}), at or above the threshold of ${shareNum(d.shareThreshold, 'drift.shareThreshold')}.`;
  } else {
    verdictClass = 'good';
    verdict = html`<strong>No dataset drift.</strong> ${num(d.drifted, formatCount(d.drifted), { field: 'drift.drifted' })} of ${num(d.tested, formatCount(d.tested), { field: 'drift.tested' })} features drifted (${shareNum(d.share, 'drift.share')}), below the threshold of ${shareNum(d.shareThreshold, 'drift.shareThreshold')}.`;
  }
  const cards: SafeHtml[] = [];
  cards.push(html`<div class="card ${d.detected ? 'bad' : d.tested ? 'good' : ''}"><h3>Drifted features</h3>
<p class="big">${num(d.drifted, formatCount(d.drifted))} <span class="of">of ${num(d.tested, formatCount(d.tested))}</span></p>
<div class="meter" role="img" aria-label="${formatShare(d.share)} of features drifted; threshold ${formatShare(d.shareThreshold)}"><span class="fill" style="width:${(Math.min(1, Math.max(0, d.share)) * 100).toFixed(1)}%"></span><span class="mark" style="left:${(Math.min(1, Math.max(0, d.shareThreshold)) * 100).toFixed(1)}%"></span></div>
<p class="sub">${shareNum(d.share)} drifted · threshold ${shareNum(d.shareThreshold)}</p></div>`);
  const dq = r.dataQuality;
  cards.push(html`<div class="card ${counts.error ? 'bad' : counts.warning ? 'warn' : 'good'}"><h3>Data quality</h3>
<p class="big">${plural(dq.findings.length, 'finding')}</p>
<p class="sub sev"><a href="#quality-error" class="sev-error">${num(counts.error, formatCount(counts.error), { field: 'findings.error' })} ${counts.error === 1 ? 'error' : 'errors'}</a> · <a href="#quality-warning" class="sev-warning">${num(counts.warning, formatCount(counts.warning), { field: 'findings.warning' })} ${counts.warning === 1 ? 'warning' : 'warnings'}</a> · <a href="#quality-info" class="sev-info">${num(counts.info, formatCount(counts.info), { field: 'findings.info' })} info</a></p></div>`);
  if (r.predictionDrift) cards.push(driftCard(ctx, 'Prediction drift', r.predictionDrift, 'predictionDrift'));
  if (r.targetDrift) cards.push(driftCard(ctx, 'Target drift', r.targetDrift, 'targetDrift'));
  const mq = r.modelQuality;
  if (mq && mq.metrics.length) {
    const m = mq.metrics[0];
    cards.push(html`<div class="card"><h3>Model quality</h3>
<p class="big">${metricLabel(m.name)} ${num(m.current, formatNumber(m.current, 4), { field: `modelQuality.metrics.${m.name}.current`, reason: m.reason })}</p>
<p class="sub">reference ${num(m.reference, formatNumber(m.reference, 4))} · ${mq.task} · <a href="#model">${plural(mq.metrics.length, 'metric')}</a></p></div>`);
  }
  if (r.tests) {
    const t = r.tests;
    cards.push(html`<div class="card ${t.status === 'pass' ? 'good' : t.status === 'warn' ? 'warn' : 'bad'}"><h3>Test suite</h3>
<p class="big" data-field="tests.status" data-value="${JSON.stringify(t.status)}">${STATUS_WORD[t.status]}</p>
<p class="sub"><a href="#tests">${countNum(t.counts.pass)} passed · ${countNum(t.counts.warn)} warned · ${countNum(t.counts.fail)} failed${t.counts.error ? html` · ${countNum(t.counts.error)} errored` : ''}</a></p></div>`);
  }
  return html`<section id="overview" aria-labelledby="overview-h"><h2 id="overview-h">Overview</h2>
<div class="verdict ${verdictClass}" role="status" data-field="drift.detected" data-value="${JSON.stringify(d.detected)}"><span class="verdict-icon" aria-hidden="true">${verdictClass === 'bad' ? '▲' : verdictClass === 'good' ? '✓' : '•'}</span><p>${verdict}</p></div>
<div class="cards">${cards}</div></section>`;
}
