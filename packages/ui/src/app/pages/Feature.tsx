/**
 * One feature (or output column) over a time range: reference vs current
 * distribution (the report's overlay charts), out-of-range values and new
 * categories with examples, drift per window by monitor and method, missing
 * values per window, and the data-quality findings of the monitors, each
 * linked to the window that reported it.
 */
import type { FeatureResponse } from '../../dashboard-types.js';
import { categoryBars } from '../../charts/category-bars.js';
import { histogramOverlay } from '../../charts/histogram.js';
import { COLORS } from '../../charts/theme.js';
import { formatCount, formatNumber, formatPValue, formatShare, humanize, methodLabel } from '../../format.js';
import { useApi } from '../api.js';
import { ErrorBox, Loading, Num, Pill, Stat, Table } from '../components/bits.js';
import { PlotFigure } from '../components/Chart.js';
import { RangePicker, VersionPicker } from '../components/controls.js';
import { lineChart, seriesColor, type LineSeries } from '../charts/time.js';
import { modelPath, useLocation } from '../router.js';
import { apiQuery, formatTime, rangeOf, rangeParams, windowSearch, withParams } from '../state.js';

export function FeaturePage({ model, feature }: { model: string; feature: string }) {
  const loc = useLocation();
  const params = new URLSearchParams(loc.search);
  const version = params.get('version');
  const sel = rangeOf(loc.search);
  const { data, error } = useApi<FeatureResponse>(`/v1/dashboard/models/${encodeURIComponent(model)}/features/${encodeURIComponent(feature)}${apiQuery({ ...rangeParams(sel), version })}`);
  const back = modelPath(model) + withParams(loc.search, {});
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={`/${withParams(loc.search, { version: null, compare: null })}`}>Models</a> / <a href={back}>{model}</a> / <span aria-current="page">{feature}</span>
      </nav>
      <div class="page-head">
        <div>
          <h1 class="feature-title">{feature}</h1>
          {data && (
            <p class="muted">
              {data.kind} · {data.role} of <a href={back}>{model}</a>
              {data.version ? ` · version ${data.version}` : ''}
            </p>
          )}
        </div>
      </div>
      {error && <ErrorBox error={error} what={`feature "${feature}"`} />}
      {!data && !error && <Loading what={`feature ${feature}`} />}
      {data && (
        <>
          <div class="controls">
            <RangePicker range={data.range} />
            <VersionPickerFor model={model} version={version} />
          </div>
          <FeatureBody f={data} search={loc.search} />
        </>
      )}
    </>
  );
}

/** The version selector needs the model's versions (one small request, cached by the browser). */
function VersionPickerFor({ model, version }: { model: string; version: string | null }) {
  const { data } = useApi<{ versions: string[] }>(`/v1/models/${encodeURIComponent(model)}`);
  return data ? <VersionPicker versions={data.versions} version={version} compare={null} noCompare /> : null;
}

function FeatureBody({ f, search }: { f: FeatureResponse; search: string }) {
  const c = f.current;
  const numeric = f.histogram !== undefined;
  const outOfRange = (c.belowRange ?? 0) + (c.aboveRange ?? 0);
  const valid = c.rows - c.missing;
  return (
    <>
      <div class="stats" id="feature-stats">
        <Stat label="Values in range">
          <Num field="rows" value={c.rows} text={formatCount(c.rows)} />
        </Stat>
        <Stat label="Missing" tone={c.missing > 0 ? 'warn' : undefined}>
          <Num field="missing" value={c.missing} text={formatCount(c.missing)} />
          <div class="stat-sub">{formatShare(c.rows ? c.missing / c.rows : null)} of events</div>
        </Stat>
        {numeric ? (
          <>
            <Stat label="Out of reference range" tone={outOfRange > 0 ? 'warn' : undefined}>
              {c.belowRange !== undefined ? (
                <>
                  <Num field="outOfRange" value={outOfRange} text={formatCount(outOfRange)} />
                  <div class="stat-sub">
                    {formatCount(c.belowRange)} below {formatNumber(f.reference?.min)}, {formatCount(c.aboveRange)} above {formatNumber(f.reference?.max)}
                  </div>
                </>
              ) : (
                <span class="muted">no reference</span>
              )}
            </Stat>
            <Stat label="Mean (reference)">
              <Num field="mean" value={c.mean} text={formatNumber(c.mean)} /> <span class="muted">({formatNumber(f.reference?.mean)})</span>
            </Stat>
            <Stat label="Min … max">
              <Num field="min" value={c.min} text={formatNumber(c.min)} /> … <Num field="max" value={c.max} text={formatNumber(c.max)} />
            </Stat>
          </>
        ) : (
          <>
            <Stat label="Distinct values">
              <Num field="distinct" value={c.distinct} text={formatCount(c.distinct)} /> <span class="muted">(reference {formatCount(f.reference?.distinct)})</span>
            </Stat>
            <Stat label="New categories" tone={c.newCategoryCount ? 'warn' : undefined}>
              {c.newCategoryCount !== undefined ? <Num field="newCategories" value={c.newCategoryCount} text={formatCount(c.newCategoryCount)} /> : <span class="muted">no reference</span>}
            </Stat>
          </>
        )}
      </div>

      <section class="card" aria-labelledby="dist-h">
        <h2 id="dist-h">Distribution: reference vs this range</h2>
        {valid === 0 && !f.reference ? <p class="muted">No values in this range and no reference.</p> : <Distribution f={f} />}
        {c.newCategories && c.newCategories.length > 0 && (
          <div class="examples">
            <h3>Values not in the reference</h3>
            <Table
              rows={c.newCategories}
              rowKey={(x, i) => `${i}`}
              caption="Most frequent first (at most 10 shown)"
              columns={[
                { key: 'v', label: 'Value', rowHeader: true, cell: (x) => <code class="value">{x.value}</code> },
                { key: 'n', label: 'Events', numeric: true, cell: (x) => formatCount(x.count) },
                { key: 's', label: 'Share', numeric: true, cell: (x) => formatShare(valid ? x.count / valid : null) },
              ]}
            />
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="drift-h">
        <h2 id="drift-h">Drift per window</h2>
        <DriftHistory f={f} search={search} />
      </section>

      <section class="card" aria-labelledby="missing-h">
        <h2 id="missing-h">Missing values per window</h2>
        <MissingHistory f={f} />
      </section>

      <section class="card" aria-labelledby="findings-h">
        <h2 id="findings-h">Data-quality findings</h2>
        {f.findings.length === 0 ? (
          <p class="muted">No findings for this column in the range's data-quality windows.</p>
        ) : (
          <Table
            class="findings"
            rows={f.findings}
            rowKey={(x, i) => `${x.monitor}-${x.version}-${x.type}-${i}`}
            rowProps={(x) => ({ 'data-finding': x.type } as Record<string, string>)}
            columns={[
              { key: 'sev', label: 'Severity', cell: (x) => <Pill tone={x.severity === 'error' ? 'bad' : x.severity === 'warning' ? 'warn' : 'info'}>{x.severity}</Pill> },
              { key: 'type', label: 'Finding', rowHeader: true, cell: (x) => humanize(x.type) },
              { key: 'mon', label: 'Monitor', cell: (x) => `${x.monitor}${x.version ? ` · ${x.version}` : ''}` },
              { key: 'msg', label: 'Message (latest window)', cell: (x) => x.message },
              {
                key: 'ex',
                label: 'Examples',
                cell: (x) =>
                  x.examples.length ? (
                    <ul class="examples-list">
                      {x.examples.map((e, i) => (
                        <li key={i}>
                          <code class="value">{e}</code>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span class="muted">—</span>
                  ),
              },
              { key: 'n', label: 'Windows', numeric: true, cell: (x) => formatCount(x.windows) },
              {
                key: 'w',
                label: 'Latest window',
                cell: (x) => (
                  <a href={windowSearch(search, x.lastWindowStart, x.lastWindowEnd)} title="Show this window">
                    {formatTime(x.lastWindowStart)} – {formatTime(x.lastWindowEnd)}
                  </a>
                ),
              },
            ]}
          />
        )}
      </section>
    </>
  );
}

function Distribution({ f }: { f: FeatureResponse }) {
  const legend = [
    ...(f.reference ? [{ label: `reference (${formatCount(f.reference.rows - f.reference.missing)} values)`, color: COLORS.reference }] : []),
    { label: `this range (${formatCount(f.current.rows - f.current.missing)} values)`, color: COLORS.current },
  ];
  if (f.histogram) {
    const h = f.histogram;
    const input = { edges: h.edges, reference: h.reference, current: h.current, referenceOutside: h.referenceOutside ?? undefined, currentOutside: h.currentOutside };
    const sum = (a: readonly number[] | null, o: readonly [number, number] | null) => (a ? a.reduce((x, y) => x + y, 0) + (o ? o[0] + o[1] : 0) : 0);
    const rTotal = sum(h.reference, h.referenceOutside);
    const cTotal = sum(h.current, h.currentOutside);
    return (
      <PlotFigure
        id="distribution"
        legend={legend}
        build={(doc, width) => histogramOverlay(input, { document: doc, width: Math.min(width, 1000), height: 240, xLabel: f.feature, binTitles: true, label: `Histogram of ${f.feature}: reference and this range as shares of all values` })}
        deps={[f]}
        table={
          <table class="data compact">
            <caption>Shares per bin (values at or below the first edge and above the last are counted outside the bins)</caption>
            <thead>
              <tr>
                <th scope="col">Bin</th>
                <th scope="col" class="n">
                  Reference
                </th>
                <th scope="col" class="n">
                  This range
                </th>
              </tr>
            </thead>
            <tbody>
              {h.current.map((n, i) => (
                <tr key={i}>
                  <th scope="row">
                    ({formatNumber(h.edges[i], 4)}, {formatNumber(h.edges[i + 1], 4)}]
                  </th>
                  <td class="n">{h.reference ? formatShare(rTotal ? h.reference[i] / rTotal : 0) : '—'}</td>
                  <td class="n">{formatShare(cTotal ? n / cTotal : 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      />
    );
  }
  const c = f.categories!;
  return (
    <PlotFigure
      id="distribution"
      legend={legend}
      build={(doc, width) => categoryBars(c, { document: doc, width: Math.min(width, 1000), label: `Shares of categories of ${f.feature}: reference and this range` })}
      deps={[f]}
      table={
        <Table
          caption="Counts per category (the rest folded into other)"
          rows={[...c.categories.map((name, i) => ({ name, r: c.reference?.[i] ?? null, n: c.current[i] })), { name: '(other categories)', r: c.reference ? c.otherReference : null, n: c.otherCurrent }]}
          rowKey={(x, i) => String(i)}
          columns={[
            { key: 'c', label: 'Category', rowHeader: true, cell: (x) => x.name },
            { key: 'r', label: 'Reference', numeric: true, cell: (x) => formatCount(x.r) },
            { key: 'n', label: 'This range', numeric: true, cell: (x) => formatCount(x.n) },
          ]}
        />
      }
    />
  );
}

function DriftHistory({ f, search }: { f: FeatureResponse; search: string }) {
  if (f.drift.length === 0) return <p class="muted">No drift results for this column in the range.</p>;
  const series: LineSeries[] = f.drift.map((d, i) => ({
    name: `${d.monitor}${d.version ? ` · ${d.version}` : ''} · ${d.method ? methodLabel(d.method) : 'method n/a'}`,
    color: seriesColor(i),
    points: d.ends.map((t, w) => [t, d.scores[w]]),
    flagged: d.detected.map((x) => x === 1),
  }));
  const thresholds = f.drift.filter((d) => d.threshold !== null && d.pValues.every((p) => p === null)).map((d) => ({ value: d.threshold!, label: `${d.method ? methodLabel(d.method) : ''} threshold ${formatNumber(d.threshold)}` }));
  const domain: [number, number] = [f.range.from, f.range.to];
  return (
    <>
      <p class="muted small">One line per monitor, version and method (scores of different methods are on different scales); red dots: drift detected in that window.</p>
      <PlotFigure
        id="feature-drift"
        legend={series.map((s) => ({ label: s.name, color: s.color }))}
        build={(doc, width) => lineChart(doc, series, { width, domain, format: 'number', thresholds, label: `Drift score of ${f.feature} per window` })}
        deps={[f]}
        table={
          <Table
            caption="Every window (select one to see its distribution)"
            rows={f.drift.flatMap((d, i) => d.ends.map((end, w) => ({ d, i, w, end }))).sort((a, b) => b.end - a.end)}
            rowKey={(x) => `${x.i}-${x.w}`}
            columns={[
              { key: 'w', label: 'Window', rowHeader: true, cell: (x) => <a href={windowSearch(search, x.d.starts[x.w], x.end)}>{formatTime(x.d.starts[x.w])} – {formatTime(x.end)}</a> },
              { key: 's', label: 'Series', cell: (x) => series[x.i].name },
              { key: 'v', label: 'Score', numeric: true, cell: (x) => formatNumber(x.d.scores[x.w]) },
              { key: 'p', label: 'p-value', numeric: true, cell: (x) => formatPValue(x.d.pValues[x.w]) },
              { key: 'd', label: 'Drift', cell: (x) => (x.d.detected[x.w] === 1 ? <Pill tone="bad">Drift</Pill> : x.d.detected[x.w] === 0 ? <Pill tone="good">No drift</Pill> : <Pill tone="neutral">n/a</Pill>) },
            ]}
          />
        }
      />
    </>
  );
}

function MissingHistory({ f }: { f: FeatureResponse }) {
  if (f.missing.length === 0) return <p class="muted">No data-quality results for this column in the range.</p>;
  const series: LineSeries[] = f.missing.map((m, i) => ({ name: `${m.monitor}${m.version ? ` · ${m.version}` : ''}`, color: seriesColor(i), points: m.ends.map((t, w) => [t, m.values[w]]) }));
  if (series.every((s) => s.points.every((p) => !p[1]))) return <p class="muted">No missing values in any data-quality window of the range.</p>;
  return <PlotFigure id="feature-missing" legend={series.map((s) => ({ label: s.name, color: s.color }))} build={(doc, width) => lineChart(doc, series, { width, domain: [f.range.from, f.range.to], format: 'share', label: `Share of missing values of ${f.feature} per window` })} deps={[f]} />;
}

