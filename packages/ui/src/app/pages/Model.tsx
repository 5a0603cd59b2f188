/**
 * One model over a time range: headline numbers, traffic / errors / latency,
 * dataset drift share over time, the feature × window drift grid, the output
 * distribution over time, model-quality metrics (cumulative vs sliding
 * windows, with thresholds), label coverage and lag, data quality, and the
 * features. A version selector narrows everything to one version; "compare
 * with" draws two versions side by side (A/B tests, canaries).
 */
import { useMemo, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import type { ModelTimelineResponse, MonitorInfo, MonitorSeries, PredictionSeries, TrafficSeries } from '../../dashboard-types.js';
import { COLORS } from '../../charts/theme.js';
import { formatCount, formatNumber, formatShare, methodLabel, metricLabel } from '../../format.js';
import { useApi, useAutoRefresh } from '../api.js';
import { Empty, ErrorBox, Loading, Num, Pill, Spark, Stat, Table } from '../components/bits.js';
import { PlotFigure, type LegendItem } from '../components/Chart.js';
import { RangePicker, VersionPicker } from '../components/controls.js';
import { ReportButton } from '../components/ReportButton.js';
import { barChart, bandChart, driftGrid, formatValue, lineChart, seriesColor, shareChart, type BarBucket, type GridCell, type LineSeries, type Threshold, type ValueFormat } from '../charts/time.js';
import { headlineQualityMetric, lowerIsBetter, NOT_QUALITY } from '../health.js';
import { featurePath, useLocation } from '../router.js';
import { apiQuery, formatDuration, formatLatency, formatRate, formatTime, isoTime, rangeOf, rangeParams, withParams } from '../state.js';

interface View {
  /** The selection's data; in compare mode, A then B. */
  data: ModelTimelineResponse[];
  /** Labels of the data sets (version names, or "all versions"). */
  names: string[];
  domain: [number, number];
  compare: boolean;
}

export function ModelPage({ model }: { model: string }) {
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const version = params.get('version');
  const compareWith = version ? params.get('compare') : null;
  const sel = rangeOf(loc.search);
  const base = `/v1/dashboard/models/${encodeURIComponent(model)}`;
  const a = useApi<ModelTimelineResponse>(`${base}${apiQuery({ ...rangeParams(sel), version })}`);
  // B covers A's resolved range. A preset range is asked for B at once, alongside A (one round trip, not two);
  // only when it resolves to another range (the versions' last events differ) is B asked again for A's range.
  const bPreset = useApi<ModelTimelineResponse>(compareWith && sel.kind === 'preset' ? `${base}${apiQuery({ ...rangeParams(sel), version: compareWith })}` : null);
  const presetFits = !!(a.data && bPreset.data && bPreset.data.range.from === a.data.range.from && bPreset.data.range.to === a.data.range.to);
  const needExact = !!(compareWith && a.data && (sel.kind === 'custom' || bPreset.error || (bPreset.data && !presetFits)));
  const bExact = useApi<ModelTimelineResponse>(needExact ? `${base}${apiQuery({ from: isoTime(a.data!.range.from), to: isoTime(a.data!.range.to), version: compareWith })}` : null);
  const b = presetFits ? bPreset : bExact;
  // Live data (a range that ends now) refreshes every minute.
  useAutoRefresh(a.reload, a.data?.range.anchor === 'now');
  // One view object per answer: charts are rebuilt only when their data changes, not on every render.
  const view = useMemo<View | null>(() => {
    const d = a.data;
    if (!d) return null;
    if (compareWith) return b.data ? { data: [d, b.data], names: [version!, compareWith], domain: [d.range.from, d.range.to], compare: true } : null;
    return { data: [d], names: [version ?? 'all versions'], domain: [d.range.from, d.range.to], compare: false };
  }, [a.data, b.data, compareWith, version]);

  if (a.error) {
    return (
      <>
        <h1 class="model-title">{model}</h1>
        <ErrorBox error={a.error} what={`model "${model}"`} />
        <p>
          <a href="/">All models</a>
        </p>
      </>
    );
  }
  if (!a.data) return <Loading what={`model ${model}`} />;
  const d = a.data;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={`/${withParams(loc.search, { version: null, compare: null })}`}>Models</a> / <span aria-current="page">{d.model}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1 class="model-title">{d.model}</h1>
          <p class="muted">
            {d.task ?? 'task not set'} · {formatCount(d.schema.filter((c) => c.role === 'feature').length)} features · versions {d.versions.join(', ') || '—'} · {d.hasReference ? 'reference uploaded' : 'no reference (drift compares with the previous window)'}
          </p>
        </div>
        <ReportButton model={d.model} from={d.range.from} to={d.range.to} version={version} />
      </div>
      <div class="controls">
        <RangePicker range={d.range} dataRange={d.bounds} />
        <VersionPicker versions={[...new Set([...d.versions, ...d.activeVersions])]} version={version} compare={compareWith} />
      </div>
      {b.error && <ErrorBox error={b.error} what={`version ${compareWith}`} />}
      {!view ? (
        <Loading what={`version ${compareWith}`} />
      ) : (
        <ModelBody view={view} search={loc.search} />
      )}
    </>
  );
}

function ModelBody({ view, search }: { view: View; search: string }) {
  const d = view.data[0];
  if (d.bounds.events === 0) {
    if (d.version !== null) {
      return (
        <Empty title={`No events of version ${d.version}`}>
          <p>Choose another version, or all versions.</p>
        </Empty>
      );
    }
    return (
      <Empty title="No events yet">
        <p>
          Send prediction events to <code>POST /v1/models/{d.model}/events</code>; this page fills in as windows are evaluated.
        </p>
      </Empty>
    );
  }
  return (
    <>
      {view.compare ? <CompareTable view={view} /> : <Headline d={d} />}
      <Section id="traffic" title="Traffic, errors and latency">
        <TrafficCharts view={view} />
      </Section>
      <Section id="drift" title="Drift">
        <DriftCharts view={view} search={search} />
      </Section>
      <Section id="predictions" title="Predictions over time">
        <PredictionCharts view={view} />
      </Section>
      <Section id="quality" title="Model quality">
        <QualityCharts view={view} />
      </Section>
      <Section id="labels" title="Ground truth: label coverage and lag">
        <LabelCharts view={view} />
      </Section>
      <Section id="data-quality" title="Data quality">
        <DataQualityCharts view={view} />
      </Section>
      <Section id="features" title="Features">
        <FeatureTable d={d} search={search} />
      </Section>
    </>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section id={id} aria-labelledby={`${id}-h`} class="card">
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
    </section>
  );
}

// ---------------------------------------------------------------------------
// Helpers over series

/** The latest window of each (monitor, version) of a type that has a value for `metric`. */
function latestValue(d: ModelTimelineResponse, type: MonitorSeries['type'], metric: string): { s: MonitorSeries; i: number; v: number } | null {
  let best: { s: MonitorSeries; i: number; v: number } | null = null;
  for (const s of d.series) {
    if (s.type !== type) continue;
    const vals = s.metrics[metric];
    if (!vals) continue;
    for (let i = vals.length - 1; i >= 0; i--) {
      const v = vals[i];
      if (v !== null) {
        if (!best || s.ends[i] > best.s.ends[best.i] || (s.ends[i] === best.s.ends[best.i] && s.version === null)) best = { s, i, v };
        break;
      }
    }
  }
  return best;
}

/** Line series of a metric over every (monitor, version) of a type, across the view's data sets. */
function metricSeries(view: View, type: MonitorSeries['type'], metric: string, monitors?: MonitorInfo[]): LineSeries[] {
  const out: LineSeries[] = [];
  view.data.forEach((d, k) => {
    const ofType = d.series.filter((s) => s.type === type && s.metrics[metric]);
    ofType.forEach((s, j) => {
      const info = (monitors ?? d.monitors).find((m) => m.name === s.monitor);
      const cumulative = info?.window.type === 'cumulative' || s.windowLabel === 'cumulative';
      const who = [s.monitor, s.windowLabel === s.monitor ? null : s.windowLabel, s.version ?? (d.version === null ? 'all versions' : null)].filter(Boolean).join(' · ');
      out.push({
        name: view.compare ? `${view.names[k]}: ${who}` : who,
        color: seriesColor(view.compare ? k : j),
        dashed: cumulative || (view.compare && j > 0),
        points: s.ends.map((t, i) => [t, s.metrics[metric][i]]),
        flagged: type === 'feature_drift' && metric === 'dataset_drift_share' ? s.metrics.dataset_drift_detected?.map((x) => x === 1) : undefined,
      });
    });
  });
  return out;
}

function thresholdsFor(d: ModelTimelineResponse, type: MonitorSeries['type'], metric: string, thresholdKey?: string): Threshold[] {
  const out: Threshold[] = [];
  for (const m of d.monitors) {
    if (m.type !== type) continue;
    const t = m.thresholds[thresholdKey ?? metric];
    if (t !== undefined && !out.some((x) => x.value === t)) out.push({ value: t, label: `${m.name} threshold ${formatNumber(t)}` });
    for (const r of m.rules) {
      if (r.metric === metric && r.feature === null && !out.some((x) => x.value === r.threshold)) out.push({ value: r.threshold, label: `alert ${r.name} ${r.op} ${formatNumber(r.threshold)}`, color: r.severity === 'critical' ? COLORS.drift : COLORS.warn });
    }
  }
  return out;
}

const legendOf = (series: LineSeries[], extra: LegendItem[] = []): LegendItem[] => [...series.map((s) => ({ label: s.name, color: s.color, dashed: s.dashed })), ...extra];

/** The numbers of line series as a table: one row per time, one column per series. */
function SeriesTable({ series, format, caption }: { series: LineSeries[]; format: ValueFormat; caption: string }) {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const lookup = series.map((s) => new Map(s.points.map((p) => [p[0], p[1]])));
  return (
    <table class="data compact">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Window end</th>
          {series.map((s) => (
            <th scope="col" class="n" key={s.name}>
              {s.name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {times.map((t) => (
          <tr key={t}>
            <th scope="row">{formatTime(t)}</th>
            {lookup.map((m, i) => (
              <td class="n" key={i}>
                {formatValue(m.get(t), format)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Chart({ id, title, series, format, view, thresholds, yDomain, label, empty }: { id: string; title: string; series: LineSeries[]; format: ValueFormat; view: View; thresholds?: Threshold[]; yDomain?: [number, number]; label: string; empty: string }) {
  if (series.length === 0 || series.every((s) => s.points.every((p) => p[1] === null))) return <p class="muted">{empty}</p>;
  return (
    <PlotFigure
      id={id}
      title={title}
      legend={legendOf(series)}
      build={(doc, width) => lineChart(doc, series, { width, domain: view.domain, format, thresholds, yDomain, label })}
      deps={[view, label, format]}
      table={<SeriesTable series={series} format={format} caption={label} />}
    />
  );
}

// ---------------------------------------------------------------------------
// Headline numbers

function Headline({ d }: { d: ModelTimelineResponse }) {
  const t = d.traffic[0].summary;
  const drift = latestValue(d, 'feature_drift', 'dataset_drift_share');
  const dq = latestValue(d, 'data_quality', 'data_quality_violations');
  const metric = headlineQualityMetric(d.series.filter((s) => s.type === 'model_quality').map((s) => ({ metrics: Object.fromEntries(Object.entries(s.metrics).map(([k, v]) => [k, v.findLast((x) => x !== null) ?? null])) })));
  const quality = metric ? latestValue(d, 'model_quality', metric) : null;
  const coverage = latestValue(d, 'model_quality', 'label_coverage_ratio');
  const driftDetected = drift ? drift.s.metrics.dataset_drift_detected?.[drift.i] === 1 : false;
  const when = (x: { s: MonitorSeries; i: number } | null) => (x ? `${x.s.monitor}${x.s.version ? ` · ${x.s.version}` : ''} · window ending ${formatTime(x.s.ends[x.i])}` : undefined);
  return (
    <div class="stats" id="headline">
      <Stat label="Events">
        <Num field="events" value={t.events} text={formatCount(t.events)} />
        <div class="stat-sub">{formatRate(t.eventsPerSecond)}</div>
      </Stat>
      <Stat label="Error rate" tone={t.errorRate ? 'warn' : undefined}>
        <Num field="errorRate" value={t.errorRate} text={t.errorRate === null ? 'not reported' : formatShare(t.errorRate)} />
        <div class="stat-sub">{formatCount(t.errors)} errors</div>
      </Stat>
      {t.quantilesSkipped ? (
        <Stat label="Latency (mean)">
          <Num field="latencyMean" value={t.latencyMeanMs} text={formatLatency(t.latencyMeanMs)} />
          <div class="stat-sub" title="The service does not estimate quantiles of ranges this long">
            p50/p99: choose a shorter range
          </div>
        </Stat>
      ) : (
        <Stat label={t.quantilesRelativeError ? 'Latency p50 (estimated)' : 'Latency p50'}>
          <span title={t.quantilesRelativeError ? `Estimated from logarithmic latency bins: within ±${formatShare(t.quantilesRelativeError)} of the exact value` : undefined}>
            <Num field="latencyP50" value={t.latencyP50Ms} text={`${t.quantilesRelativeError ? '≈ ' : ''}${formatLatency(t.latencyP50Ms)}`} />
          </span>
          <div class="stat-sub">
            p99 <Num field="latencyP99" value={t.latencyP99Ms} text={`${t.quantilesRelativeError ? '≈ ' : ''}${formatLatency(t.latencyP99Ms)}`} /> · mean {formatLatency(t.latencyMeanMs)}
          </div>
        </Stat>
      )}
      <Stat label="Dataset drift (latest window)" tone={drift ? (driftDetected ? 'bad' : 'good') : undefined}>
        {drift ? (
          <span title={when(drift)}>
            <Num field="driftShare" value={drift.v} text={formatShare(drift.v)} /> {driftDetected ? <Pill tone="bad">Drift</Pill> : <Pill tone="good">No drift</Pill>}
          </span>
        ) : (
          <span class="muted">no result</span>
        )}
      </Stat>
      <Stat label="Data-quality issues (latest)" tone={dq ? (dq.v > 0 ? 'warn' : 'good') : undefined}>
        {dq ? <Num field="dqViolations" value={dq.v} text={formatCount(dq.v)} title={when(dq)} /> : <span class="muted">no result</span>}
      </Stat>
      <Stat label={metric ? `${metricLabel(metric)} (latest)` : 'Model quality'}>
        {quality && metric ? <Num field="quality" value={quality.v} text={formatNumber(quality.v)} title={when(quality)} /> : <span class="muted">no labelled window</span>}
      </Stat>
      <Stat label="Label coverage (latest)">
        {coverage ? <Num field="labelCoverage" value={coverage.v} text={formatShare(coverage.v)} title={when(coverage)} /> : <span class="muted">—</span>}
      </Stat>
      <Stat label="Alerts" tone={d.alerts.firing ? 'bad' : undefined}>
        <a href="/alerts">
          <Num field="alertsFiring" value={d.alerts.firing} text={`${d.alerts.firing} firing`} />
        </a>
        <div class="stat-sub">{d.alerts.pending} pending</div>
      </Stat>
    </div>
  );
}

/** Side by side: the headline numbers of two versions over the same range. */
function CompareTable({ view }: { view: View }) {
  const [a, b] = view.data;
  const qualityMetrics = [...new Set(view.data.flatMap((d) => d.series.filter((s) => s.type === 'model_quality').flatMap((s) => Object.keys(s.metrics))))].filter((m) => !NOT_QUALITY.has(m));
  type Row = { key: string; label: string; get: (d: ModelTimelineResponse) => number | null; format: ValueFormat | 'latency'; lowerBetter?: boolean };
  const rows: Row[] = [
    { key: 'events', label: 'Events', get: (d) => d.traffic[0].summary.events, format: 'count' },
    { key: 'errorRate', label: 'Error rate', get: (d) => d.traffic[0].summary.errorRate, format: 'share', lowerBetter: true },
    { key: 'latencyMean', label: 'Latency mean', get: (d) => d.traffic[0].summary.latencyMeanMs, format: 'latency', lowerBetter: true },
    { key: 'latencyP50', label: 'Latency p50', get: (d) => d.traffic[0].summary.latencyP50Ms, format: 'latency', lowerBetter: true },
    { key: 'latencyP99', label: 'Latency p99', get: (d) => d.traffic[0].summary.latencyP99Ms, format: 'latency', lowerBetter: true },
    { key: 'driftShare', label: 'Dataset drift share (latest)', get: (d) => latestValue(d, 'feature_drift', 'dataset_drift_share')?.v ?? null, format: 'share', lowerBetter: true },
    { key: 'predictionDrift', label: 'Prediction drift score (latest)', get: (d) => latestValue(d, 'prediction_drift', 'prediction_drift_score')?.v ?? null, format: 'number', lowerBetter: true },
    { key: 'dqViolations', label: 'Data-quality issues (latest)', get: (d) => latestValue(d, 'data_quality', 'data_quality_violations')?.v ?? null, format: 'count', lowerBetter: true },
    { key: 'labelCoverage', label: 'Label coverage (latest)', get: (d) => latestValue(d, 'model_quality', 'label_coverage_ratio')?.v ?? null, format: 'share' },
  ];
  const headline = headlineQualityMetric(qualityMetrics.map((m) => ({ metrics: { [m]: 1 } })));
  const qualityRow = (m: string): Row => ({ key: `quality.${m}`, label: `${metricLabel(m)} (latest)`, get: (d) => latestValue(d, 'model_quality', m)?.v ?? null, format: 'number', lowerBetter: lowerIsBetter(m) });
  if (headline) rows.splice(rows.length - 1, 0, qualityRow(headline));
  const more = qualityMetrics.filter((m) => m !== headline).map(qualityRow);
  const fmt = (v: number | null, f: Row['format']) => (f === 'latency' ? formatLatency(v) : formatValue(v, f));
  const renderRow = (r: Row) => {
    const va = r.get(a);
    const vb = r.get(b);
    const diff = va !== null && vb !== null ? vb - va : null;
    const better = diff === null || diff === 0 || r.lowerBetter === undefined ? null : (diff < 0) === r.lowerBetter;
    return (
      <tr key={r.key} data-row={r.key}>
        <th scope="row">{r.label}</th>
        <td class="n">
          <Num field="a" value={va} text={fmt(va, r.format)} />
        </td>
        <td class="n">
          <Num field="b" value={vb} text={fmt(vb, r.format)} />
        </td>
        <td class={`n${better === null ? '' : better ? ' good-text' : ' bad-text'}`}>{diff === null ? '—' : `${diff > 0 ? '+' : diff < 0 ? '−' : '±'}${fmt(Math.abs(diff), r.format)}`}</td>
      </tr>
    );
  };
  const head = (
    <thead>
      <tr>
        <th scope="col">Metric</th>
        <th scope="col" class="n">
          <span class="sw" style={{ background: seriesColor(0) }} aria-hidden="true" /> {view.names[0]}
        </th>
        <th scope="col" class="n">
          <span class="sw" style={{ background: seriesColor(1) }} aria-hidden="true" /> {view.names[1]}
        </th>
        <th scope="col" class="n">
          {view.names[1]} − {view.names[0]}
        </th>
      </tr>
    </thead>
  );
  return (
    <div class="card compare-card">
      <h2>
        Version {view.names[0]} vs {view.names[1]}
      </h2>
      <div class="scroll">
        <table class="data compare" id="compare-table">
          <caption>Same range for both versions; "latest" is each version's latest window in the range.</caption>
          {head}
          <tbody>{rows.map(renderRow)}</tbody>
        </table>
        {more.length > 0 && (
          <details class="more-metrics">
            <summary>All model-quality metrics ({more.length} more)</summary>
            <table class="data compare">
              {head}
              <tbody>{more.map(renderRow)}</tbody>
            </table>
          </details>
        )}
      </div>
    </div>
  );
}

// ---------------------------------------------------------------------------
// Traffic

function trafficSets(view: View): { name: string; series: TrafficSeries }[] {
  if (view.compare) return view.data.map((d, k) => ({ name: view.names[k], series: d.traffic[0] }));
  const d = view.data[0];
  if (d.traffic.length > 1) return d.traffic.slice(1).map((t) => ({ name: t.version ?? 'all', series: t }));
  return [{ name: d.traffic[0].version ?? 'all versions', series: d.traffic[0] }];
}

function TrafficCharts({ view }: { view: View }) {
  const sets = trafficSets(view);
  const bucketMs = sets[0].series.bucketMs;
  const groups = sets.map((s, i) => ({ name: s.name, color: seriesColor(i) }));
  const bars: BarBucket[] = sets.flatMap((s) => s.series.buckets.map((b) => ({ start: b.start, end: b.start + bucketMs, value: b.events, group: s.name })));
  const errors: LineSeries[] = sets.map((s, i) => ({ name: s.name, color: seriesColor(i), points: s.series.buckets.map((b) => [b.start + bucketMs / 2, b.events ? b.errors / b.events : null]) }));
  const latency: LineSeries[] = sets.map((s, i) => ({ name: s.name, color: seriesColor(i), points: s.series.buckets.map((b) => [b.start + bucketMs / 2, b.latencyMeanMs]) }));
  const per = formatDuration(bucketMs);
  const anyErrors = sets.some((s) => s.series.summary.errorRate !== null);
  const anyLatency = sets.some((s) => s.series.summary.latencyCount > 0);
  return (
    <div class="grid3">
      <PlotFigure
        id="traffic"
        title={`Events per ${per}`}
        legend={sets.length > 1 ? groups.map((g) => ({ label: g.name, color: g.color })) : undefined}
        build={(doc, width) => barChart(doc, bars, groups, { width, domain: view.domain, format: 'count', label: `Events per ${per}${sets.length > 1 ? ', stacked by version' : ''}` })}
        deps={[view]}
        table={
          <table class="data compact">
            <caption>Events per {per}</caption>
            <thead>
              <tr>
                <th scope="col">Bucket start</th>
                {sets.map((s) => (
                  <th scope="col" class="n" key={s.name}>
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {sets[0].series.buckets.map((b, i) => (
                <tr key={b.start}>
                  <th scope="row">{formatTime(b.start)}</th>
                  {sets.map((s) => (
                    <td class="n" key={s.name}>
                      {formatCount(s.series.buckets[i]?.events ?? 0)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
      {anyErrors ? <Chart id="errors" title={`Error rate per ${per}`} series={errors} format="share" view={view} label={`Share of events flagged as errors per ${per}`} empty="" /> : <p class="muted">Events carry no error flag.</p>}
      {anyLatency ? <Chart id="latency" title={`Mean latency per ${per}`} series={latency} format="ms" view={view} label={`Mean serving latency per ${per}, milliseconds`} empty="" /> : <p class="muted">Events carry no latency.</p>}
    </div>
  );
}

// ---------------------------------------------------------------------------
// Drift

function DriftCharts({ view, search }: { view: View; search: string }) {
  const d = view.data[0];
  const share = metricSeries(view, 'feature_drift', 'dataset_drift_share');
  const pred = metricSeries(view, 'prediction_drift', 'prediction_drift_score');
  const gridSources = view.data.flatMap((x, k) => x.series.filter((s) => s.type === 'feature_drift' && s.features).map((s) => ({ s, k })));
  const [pick, setPick] = useState(0);
  const chosen = gridSources[Math.min(pick, gridSources.length - 1)];
  return (
    <>
      <div class="grid2">
        <Chart
          id="drift-share"
          title="Dataset drift share per window"
          series={share}
          format="share"
          view={view}
          yDomain={[0, 1]}
          thresholds={thresholdsFor(d, 'feature_drift', 'dataset_drift_share', 'drift_share')}
          label="Share of features that drifted, per window; red dots mark windows where dataset drift was detected"
          empty="No feature-drift results in this range."
        />
        <Chart id="prediction-drift" title="Prediction drift score per window" series={pred} format="number" view={view} thresholds={thresholdsFor(d, 'prediction_drift', 'prediction_drift_score')} label="Drift score of the model's output per window" empty="No prediction-drift results in this range." />
      </div>
      {chosen && (
        <div class="heat">
          <h3>
            Feature × window drift
            {gridSources.length > 1 && (
              <label class="inline-select">
                {' '}
                <span class="vh">Monitor</span>
                <select value={String(pick)} onChange={(e) => setPick(Number((e.target as HTMLSelectElement).value))}>
                  {gridSources.map((g, i) => (
                    <option key={i} value={String(i)}>
                      {view.compare ? `${view.names[g.k]}: ` : ''}
                      {g.s.monitor}
                      {g.s.version ? ` · ${g.s.version}` : ''}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </h3>
          <DriftGrid s={chosen.s} view={view} model={d.model} search={search} />
        </div>
      )}
    </>
  );
}

function DriftGrid({ s, view, model, search }: { s: MonitorSeries; view: View; model: string; search: string }) {
  const f = s.features!;
  const cells: GridCell[] = [];
  const step = s.ends.length > 1 ? Math.min(...s.ends.slice(1).map((e, i) => e - s.ends[i]).filter((x) => x > 0)) : s.ends[0] - s.starts[0];
  f.features.forEach((name, r) => {
    s.ends.forEach((end, w) => {
      const v = f.values[r][w];
      const det = f.detected?.[r][w] ?? null;
      cells.push({
        row: r,
        x1: Math.max(view.domain[0], end - step),
        x2: end,
        state: det === 1 ? 'drift' : det === 0 ? 'ok' : 'n/a',
        tip: `${name}\nwindow ${formatTime(s.starts[w])} – ${formatTime(end)}\n${f.methods[r] ? methodLabel(f.methods[r]!) : ''} ${formatNumber(v)}${det === 1 ? ' · drift' : det === 0 ? ' · no drift' : ''}`,
      });
    });
  });
  const driftedCounts = f.features.map((_, r) => (f.detected?.[r] ?? []).filter((x) => x === 1).length);
  return (
    <PlotFigure
      id="drift-grid"
      legend={[
        { label: 'drift detected', color: COLORS.drift },
        { label: 'no drift', color: '#cfe8d6' },
        { label: 'not tested', color: '#eef1f4' },
      ]}
      build={(doc, width) => driftGrid(doc, f.features, cells, { width, domain: view.domain, label: `Drift per feature (rows) and window (columns) of monitor ${s.monitor}: red where drift was detected` })}
      deps={[s]}
      table={
        <Table
          caption={`Windows with drift per feature (${s.ends.length} windows of ${s.windowLabel})`}
          rows={f.features.map((name, r) => ({ name, r }))}
          rowKey={(x) => x.name}
          columns={[
            { key: 'f', label: 'Feature', rowHeader: true, cell: (x) => <a href={featurePath(model, x.name) + search}>{x.name}</a> },
            { key: 'm', label: 'Method', cell: (x) => (f.methods[x.r] ? methodLabel(f.methods[x.r]!) : '—') },
            { key: 'n', label: 'Windows with drift', numeric: true, cell: (x) => `${driftedCounts[x.r]} of ${s.ends.length}` },
            { key: 'l', label: 'Latest score', numeric: true, cell: (x) => formatNumber(f.values[x.r][s.ends.length - 1]) },
          ]}
        />
      }
    />
  );
}

// ---------------------------------------------------------------------------
// Predictions

function PredictionCharts({ view }: { view: View }) {
  const blocks = view.data.flatMap((d, k) => d.predictions.map((p) => ({ p, k })));
  if (blocks.length === 0) return <p class="muted">The schema has no prediction or score column.</p>;
  return (
    <div class="grid2">
      {blocks.map(({ p, k }) => (
        <PredictionChart key={`${k}-${p.column}`} p={p} title={`${p.column}${view.compare ? ` · ${view.names[k]}` : ''}`} view={view} />
      ))}
    </div>
  );
}

function PredictionChart({ p, title, view }: { p: PredictionSeries; title: string; view: View }) {
  const per = formatDuration(p.bucketMs);
  if (p.kind === 'categorical') {
    const classes = [...(p.classes ?? []).map((c, i) => ({ name: c, color: seriesColor(i) })), { name: '(other)', color: '#bab0ac' }];
    const rows = p.starts.flatMap((start, b) => [
      ...(p.classes ?? []).map((c, i) => ({ start, end: start + p.bucketMs, cls: c, count: p.counts![i][b] })),
      { start, end: start + p.bucketMs, cls: '(other)', count: p.other![b] },
    ]);
    return (
      <PlotFigure
        id={`pred-${p.column}`}
        title={`${title}: share of each class per ${per}`}
        legend={classes.filter((c) => c.name !== '(other)' || p.other!.some((x) => x > 0)).map((c) => ({ label: c.name, color: c.color }))}
        build={(doc, width) => shareChart(doc, rows, classes, { width, domain: view.domain, format: 'share', label: `Share of each predicted class of ${p.column} per ${per}` })}
        deps={[p]}
        table={
          <table class="data compact">
            <caption>Predictions of {p.column} per {per}</caption>
            <thead>
              <tr>
                <th scope="col">Bucket start</th>
                <th scope="col" class="n">
                  Events
                </th>
                {(p.classes ?? []).map((c) => (
                  <th scope="col" class="n" key={c}>
                    {c}
                  </th>
                ))}
                <th scope="col" class="n">
                  other
                </th>
              </tr>
            </thead>
            <tbody>
              {p.starts.map((s, b) => (
                <tr key={s}>
                  <th scope="row">{formatTime(s)}</th>
                  <td class="n">{formatCount(p.rows[b])}</td>
                  {(p.classes ?? []).map((c, i) => (
                    <td class="n" key={c}>
                      {formatCount(p.counts![i][b])}
                    </td>
                  ))}
                  <td class="n">{formatCount(p.other![b])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
    );
  }
  const pts = p.starts.map((s, b) => ({ start: s, end: s + p.bucketMs, mean: p.mean![b], std: p.std![b] }));
  return (
    <PlotFigure
      id={`pred-${p.column}`}
      title={`${title}: mean ± 1 sd per ${per}`}
      legend={[{ label: 'mean ± 1 sd', color: COLORS.current }, ...(p.referenceMean !== null && p.referenceMean !== undefined ? [{ label: 'reference mean', color: COLORS.reference, dashed: true }] : [])]}
      build={(doc, width) => bandChart(doc, pts, COLORS.current, p.referenceMean ?? null, { width, domain: view.domain, format: 'number', label: `Mean and standard deviation of ${p.column} per ${per}` })}
      deps={[p]}
      table={
        <table class="data compact">
          <caption>
            {p.column} per {per}
          </caption>
          <thead>
            <tr>
              <th scope="col">Bucket start</th>
              <th scope="col" class="n">
                Events
              </th>
              <th scope="col" class="n">
                Mean
              </th>
              <th scope="col" class="n">
                Std
              </th>
            </tr>
          </thead>
          <tbody>
            {pts.map((x, b) => (
              <tr key={x.start}>
                <th scope="row">{formatTime(x.start)}</th>
                <td class="n">{formatCount(p.rows[b])}</td>
                <td class="n">{formatNumber(x.mean)}</td>
                <td class="n">{formatNumber(x.std)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    />
  );
}

// ---------------------------------------------------------------------------
// Model quality, labels, data quality

function QualityCharts({ view }: { view: View }) {
  const metrics = [...new Set(view.data.flatMap((d) => d.series.filter((s) => s.type === 'model_quality').flatMap((s) => Object.keys(s.metrics).filter((m) => !NOT_QUALITY.has(m) && s.metrics[m].some((v) => v !== null)))))];
  const first = headlineQualityMetric(metrics.map((m) => ({ metrics: { [m]: 1 } }))) ?? metrics[0];
  const [chosen, setChosen] = useState<string | null>(null);
  const metric = chosen && metrics.includes(chosen) ? chosen : first;
  if (!metric) return <p class="muted">No model-quality results with labelled events in this range (they need feedback with ground truth).</p>;
  const series = metricSeries(view, 'model_quality', metric);
  return (
    <>
      <label class="inline-select">
        Metric{' '}
        <select value={metric} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
          {metrics.map((m) => (
            <option key={m} value={m}>
              {metricLabel(m)}
            </option>
          ))}
        </select>
      </label>
      <p class="muted small">Solid lines: sliding or tumbling windows; dashed: cumulative windows (everything since the first event).</p>
      <Chart id="quality" title={`${metricLabel(metric)} per window`} series={series} format="number" view={view} thresholds={thresholdsFor(view.data[0], 'model_quality', metric)} label={`${metricLabel(metric)} on labelled events, per window`} empty="No values of this metric in this range." />
    </>
  );
}

function LabelCharts({ view }: { view: View }) {
  const coverage = metricSeries(view, 'model_quality', 'label_coverage_ratio');
  const lag = metricSeries(view, 'model_quality', 'label_lag_seconds').map((s) => ({ ...s, points: s.points.map(([t, v]) => [t, v === null ? null : v / 3600] as [number, number | null]) }));
  return (
    <div class="grid2">
      <Chart id="label-coverage" title="Label coverage per window" series={coverage} format="share" view={view} yDomain={[0, 1]} thresholds={thresholdsFor(view.data[0], 'model_quality', 'label_coverage_ratio')} label="Share of the window's events that have ground truth" empty="No model-quality monitor results in this range." />
      <Chart id="label-lag" title="Median label lag per window (hours)" series={lag} format="number" view={view} label="Median time from event to ground truth, hours" empty="No labelled events in this range." />
    </div>
  );
}

function DataQualityCharts({ view }: { view: View }) {
  const violations = metricSeries(view, 'data_quality', 'data_quality_violations');
  const missing = metricSeries(view, 'data_quality', 'missing_ratio');
  return (
    <div class="grid2">
      <Chart id="dq-violations" title="Data-quality issues per window" series={violations} format="count" view={view} thresholds={thresholdsFor(view.data[0], 'data_quality', 'data_quality_violations')} label="Type violations, unknown and missing columns, out-of-range values and new categories per window" empty="No data-quality results in this range." />
      <Chart id="dq-missing" title="Missing values per window" series={missing} format="share" view={view} thresholds={thresholdsFor(view.data[0], 'data_quality', 'missing_ratio')} label="Share of missing cells over the monitored columns, per window" empty="No data-quality results in this range." />
    </div>
  );
}

// ---------------------------------------------------------------------------
// Features

function FeatureTable({ d, search }: { d: ModelTimelineResponse; search: string }) {
  const cols = d.schema.filter((c) => ['feature', 'prediction', 'score', 'segment'].includes(c.role));
  const latestOf = (type: MonitorSeries['type'], name: string) => {
    let found: { s: MonitorSeries; w: number; r: number } | null = null;
    for (const s of d.series) {
      if (s.type !== type || !s.features) continue;
      const r = s.features.features.indexOf(name);
      if (r < 0) continue;
      for (let w = s.ends.length - 1; w >= 0; w--) {
        if (s.features.values[r][w] !== null) {
          if (!found || s.ends[w] > found.s.ends[found.w]) found = { s, w, r };
          break;
        }
      }
    }
    return found;
  };
  return (
    <Table
      class="features"
      caption="Latest window of each monitor in the range; open a feature for its distribution, drift history and findings."
      rows={cols}
      rowKey={(c) => c.name}
      rowProps={(c) => ({ 'data-feature': c.name } as Record<string, string>)}
      columns={[
        { key: 'name', label: 'Column', rowHeader: true, cell: (c) => <a href={featurePath(d.model, c.name) + withParams(search, { compare: null })}>{c.name}</a> },
        { key: 'kind', label: 'Kind', cell: (c) => `${c.kind} · ${c.role}` },
        {
          key: 'drift',
          label: 'Drift (latest)',
          cell: (c) => {
            const x = latestOf(c.role === 'feature' ? 'feature_drift' : 'prediction_drift', c.name);
            if (!x) return <span class="muted">—</span>;
            const f = x.s.features!;
            const det = f.detected?.[x.r][x.w];
            return (
              <span title={`${x.s.monitor} · window ending ${formatTime(x.s.ends[x.w])}`}>
                {det === 1 ? <Pill tone="bad">Drift</Pill> : det === 0 ? <Pill tone="good">No drift</Pill> : <Pill tone="neutral">n/a</Pill>} {f.methods[x.r] ? methodLabel(f.methods[x.r]!) : ''}{' '}
                <Num field="driftScore" value={f.values[x.r][x.w]} text={formatNumber(f.values[x.r][x.w])} />
              </span>
            );
          },
        },
        {
          key: 'trend',
          label: 'Drift score per window',
          cell: (c) => {
            const s = d.series.find((x) => x.type === (c.role === 'feature' ? 'feature_drift' : 'prediction_drift') && x.features?.features.includes(c.name));
            if (!s || s.ends.length < 2) return <span class="muted">—</span>;
            const r = s.features!.features.indexOf(c.name);
            return <Spark series={[{ values: s.features!.values[r], color: COLORS.drift }]} width={140} label={`Drift score of ${c.name} per window of ${s.monitor}${s.version ? ` (${s.version})` : ''}`} />;
          },
        },
        {
          key: 'missing',
          label: 'Missing (latest)',
          numeric: true,
          cell: (c) => {
            const x = latestOf('data_quality', c.name);
            return x ? <Num field="missing" value={x.s.features!.values[x.r][x.w]} text={formatShare(x.s.features!.values[x.r][x.w])} /> : <span class="muted">—</span>;
          },
        },
      ]}
    />
  );
}

