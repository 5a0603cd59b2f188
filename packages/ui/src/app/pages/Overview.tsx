/**
 * Every model at a glance: traffic, error rate, latency, drift, data quality,
 * the headline quality metric, label coverage and firing alerts, with
 * sparklines over the chosen range. One request (`/v1/dashboard/overview`).
 */
import type { OverviewModel, OverviewResponse, ResultStatus } from '../../dashboard-types.js';
import { COLORS } from '../../charts/theme.js';
import { formatCount, formatNumber, formatShare, metricLabel, plural } from '../../format.js';
import { useApi, useAutoRefresh } from '../api.js';
import { Empty, ErrorBox, Loading, Num, Pill, Spark } from '../components/bits.js';
import { RangePicker } from '../components/controls.js';
import { headlineQualityMetric, trendOf, worstOf } from '../health.js';
import { modelPath, useLocation } from '../router.js';
import { apiQuery, formatDuration, formatLatency, formatRate, formatTime, rangeOf, withParams } from '../state.js';

export function OverviewPage() {
  const loc = useLocation();
  const sel = rangeOf(loc.search);
  // The overview takes preset ranges only; a custom range on the URL falls back to 24 h.
  const range = sel.kind === 'preset' ? sel.range : '24h';
  const { data, error, loading, reload } = useApi<OverviewResponse>(`/v1/dashboard/overview${apiQuery({ range })}`);
  // Live data (a range that ends now) refreshes every minute.
  useAutoRefresh(reload, data?.models.some((m) => m.range.anchor === 'now') ?? false);
  const first = data?.models[0]?.range ?? null;
  return (
    <>
      <div class="page-head">
        <h1>Models</h1>
        <RangePicker range={null} presetsOnly />
      </div>
      {error && <ErrorBox error={error} what="the models" />}
      {loading && !data && <Loading what="models" />}
      {data && data.models.length === 0 && (
        <Empty title="No models yet">
          <p>Register one and send it events, for example:</p>
          <pre>{`curl -X PUT ${location.origin}/v1/models/fraud -H 'content-type: application/json' \\
  -d '{"task":"binary","schema":{"columns":[{"name":"amount","kind":"numeric","role":"feature"},{"name":"pred","kind":"categorical","role":"prediction"}]}}'`}</pre>
        </Empty>
      )}
      {data && data.models.length > 0 && (
        <div class="card flush">
          <div class="scroll">
            <table class="data overview" id="models-table">
              <caption>
                {plural(data.models.length, 'model')}
                {first && first.anchor !== 'custom' ? ` · ${range === 'all' ? 'all stored events' : `the last ${range}`} of each model's data (ending now, or at its last event when that is older)` : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" class="n">Traffic</th>
                  <th scope="col" class="n">Errors</th>
                  <th scope="col" class="n">Latency p50 / p99</th>
                  <th scope="col">Drift</th>
                  <th scope="col">Data quality</th>
                  <th scope="col">Model quality</th>
                  <th scope="col" class="n">Labels</th>
                  <th scope="col" class="n">Alerts</th>
                </tr>
              </thead>
              <tbody>
                {data.models.map((m) => (
                  <ModelRow key={m.name} m={m} search={loc.search} />
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </>
  );
}

function ModelRow({ m, search }: { m: OverviewModel; search: string }) {
  const t = m.traffic;
  const bucket = formatDuration(t.bucketMs);
  const drift = worstOf(m.latest, 'feature_drift', 'dataset_drift_share');
  const pdrift = worstOf(m.latest, 'prediction_drift', 'prediction_drift_score');
  const dq = worstOf(m.latest, 'data_quality', 'data_quality_violations');
  const qualityResults = m.latest.filter((s) => s.type === 'model_quality');
  const metric = headlineQualityMetric(qualityResults);
  const quality = metric ? worstOf(m.latest, 'model_quality', metric, ['rmse', 'mae', 'log_loss'].includes(metric)) : worstOf(m.latest, 'model_quality', 'label_coverage_ratio', false);
  const coverage = quality?.metrics.label_coverage_ratio ?? null;
  const driftTrend = trendOf(m.trends, drift, 'dataset_drift_share');
  const qualityTrend = metric ? trendOf(m.trends, quality, metric) : null;
  const dqTrend = trendOf(m.trends, dq, 'data_quality_violations');
  const href = modelPath(m.name) + withParams(search, {});
  const stale = m.range.anchor === 'data';
  return (
    <tr data-model={m.name}>
      <th scope="row">
        <a href={href} class="model-link">
          {m.name}
        </a>
        <div class="muted small">
          {m.task ?? 'task not set'}
          {m.versions.length > 0 && ` · ${m.versions.length === 1 ? 'version' : 'versions'} ${m.versions.join(', ')}`}
        </div>
        {stale && m.bounds.last !== null && (
          <div class="small warn-text" title="No events since; the range ends at the last event">
            last event {formatTime(m.bounds.last)}
          </div>
        )}
        {m.bounds.events === 0 && <div class="small muted">no events yet</div>}
      </th>
      <td class="n">
        <Num field="traffic.events" value={t.summary.events} text={formatCount(t.summary.events)} />
        <div class="muted small">
          <Num field="traffic.rate" value={t.summary.eventsPerSecond} text={formatRate(t.summary.eventsPerSecond)} />
        </div>
        <Spark series={[{ values: t.buckets.map((b) => b.events), color: COLORS.reference, fillOpacity: 0.25, step: true }]} label={`Events per ${bucket}`} />
      </td>
      <td class="n">
        <Num field="traffic.errorRate" value={t.summary.errorRate} text={t.summary.errorRate === null ? 'not reported' : formatShare(t.summary.errorRate)} />
        <div class="muted small">
          <Num field="traffic.errors" value={t.summary.errors} text={`${formatCount(t.summary.errors)} errors`} />
        </div>
        {t.summary.errorRate !== null && <Spark series={[{ values: t.buckets.map((b) => (b.events ? b.errors / b.events : null)), color: COLORS.drift }]} label={`Error rate per ${bucket}`} />}
      </td>
      <td class="n">
        {t.summary.latencyCount > 0 ? (
          <>
            {t.summary.quantilesSkipped ? (
              <span title="The service does not estimate p50 and p99 of ranges this long; choose a shorter range">
                mean <Num field="traffic.latencyMean" value={t.summary.latencyMeanMs} text={formatLatency(t.summary.latencyMeanMs)} />
              </span>
            ) : (
              <>
                <span title={t.summary.quantilesRelativeError ? `p50 / p99 estimated from logarithmic latency bins (within ±${formatShare(t.summary.quantilesRelativeError)})` : 'p50 / p99'}>
                  {t.summary.quantilesRelativeError ? '≈ ' : ''}
                  <Num field="traffic.latencyP50" value={t.summary.latencyP50Ms} text={formatLatency(t.summary.latencyP50Ms)} /> /{' '}
                  <Num field="traffic.latencyP99" value={t.summary.latencyP99Ms} text={formatLatency(t.summary.latencyP99Ms)} />
                </span>
              </>
            )}
            <Spark series={[{ values: t.buckets.map((b) => b.latencyMeanMs), color: COLORS.info }]} label={`Mean latency per ${bucket}`} />
          </>
        ) : (
          <span class="muted">not reported</span>
        )}
      </td>
      <td>
        <DriftCell s={drift} />
        {pdrift && pdrift.metrics.prediction_drift_detected === 1 && (
          <div>
            <Pill tone="bad">prediction drift</Pill>
          </div>
        )}
        {driftTrend && driftTrend.points.length > 1 && <Spark series={[{ values: driftTrend.points.map((p) => p[1]), color: COLORS.drift }]} min={0} max={1} label={`Dataset drift share per ${driftTrend.monitor} window`} />}
      </td>
      <td>
        <QualityCell s={dq} />
        {dqTrend && dqTrend.points.length > 1 && <Spark series={[{ values: dqTrend.points.map((p) => p[1]), color: COLORS.warn }]} label={`Data-quality violations per ${dqTrend.monitor} window`} />}
      </td>
      <td>
        {quality && metric ? (
          <>
            <span class="metric-name">{metricLabel(metric)}</span>{' '}
            <Num field="quality.value" value={quality.metrics[metric]} text={formatNumber(quality.metrics[metric])} title={`${quality.monitor}${quality.version ? ` · ${quality.version}` : ''} · window ending ${formatTime(quality.windowEnd)}`} />
            <span class="vh" data-field="quality.metric">
              {metric}
            </span>
            {qualityTrend && qualityTrend.points.length > 1 && <Spark series={[{ values: qualityTrend.points.map((p) => p[1]), color: COLORS.ok }]} label={`${metricLabel(metric)} per ${qualityTrend.monitor} window`} />}
          </>
        ) : (
          <span class="muted">{qualityResults.length ? 'no labelled events' : 'no monitor'}</span>
        )}
      </td>
      <td class="n">
        {coverage !== null ? (
          <>
            <Num field="labels.coverage" value={coverage} text={formatShare(coverage)} />
            <div class="muted small">lag {formatDuration(quality?.metrics.label_lag_seconds !== null && quality?.metrics.label_lag_seconds !== undefined ? quality.metrics.label_lag_seconds * 1000 : null)}</div>
          </>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td class="n">
        <a href="/alerts" class="alerts-link" aria-label={`${m.alerts.firing} firing, ${m.alerts.pending} pending alerts`}>
          {m.alerts.firing > 0 ? <Pill tone="bad">{m.alerts.firing} firing</Pill> : m.alerts.pending > 0 ? <Pill tone="warn">{m.alerts.pending} pending</Pill> : <Pill tone="neutral">none</Pill>}
        </a>
        <Num field="alerts.firing" value={m.alerts.firing} text="" />
      </td>
    </tr>
  );
}

function windowTitle(s: ResultStatus): string {
  return `${s.monitor}${s.version ? ` · version ${s.version}` : ''} · ${s.windowLabel} window ${formatTime(s.windowStart)} – ${formatTime(s.windowEnd)}`;
}

function DriftCell({ s }: { s: ResultStatus | null }) {
  if (!s) return <span class="muted">no monitor</span>;
  const share = s.metrics.dataset_drift_share;
  if (share === null || share === undefined) return <span class="muted" title={s.note}>{s.note ?? 'no verdict'}</span>;
  const drifted = s.metrics.drifted_features ?? 0;
  const tested = s.metrics.tested_features ?? 0;
  return (
    <span title={windowTitle(s)}>
      {s.metrics.dataset_drift_detected === 1 ? <Pill tone="bad">Drift</Pill> : <Pill tone="good">No drift</Pill>}{' '}
      <Num field="drift.share" value={share} text={formatShare(share)} /> <span class="muted small">({formatCount(drifted)} of {formatCount(tested)})</span>
    </span>
  );
}

function QualityCell({ s }: { s: ResultStatus | null }) {
  if (!s) return <span class="muted">no monitor</span>;
  const v = s.metrics.data_quality_violations;
  if (v === null || v === undefined) return <span class="muted">{s.note ?? 'no verdict'}</span>;
  const missing = s.metrics.missing_ratio;
  return (
    <span title={windowTitle(s)}>
      {v > 0 ? <Pill tone="warn">{formatCount(v)} issues</Pill> : <Pill tone="good">OK</Pill>}
      <Num field="dq.violations" value={v} text="" />
      {missing !== null && missing !== undefined && <span class="muted small"> {formatShare(missing)} missing</span>}
    </span>
  );
}
