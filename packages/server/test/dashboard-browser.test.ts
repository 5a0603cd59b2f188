/**
 * The dashboard in a real browser (Debian's chromium driven by
 * playwright-core) over a real service (`startServer`, listening on a free
 * loopback port, with a read token) loaded with a replay of real data: US
 * flights of 2001, January as the reference, 15 Feb – 14 Mar as events with
 * their real times, delayed ground truth, a canary version (see
 * `helpers/flights-replay.ts`).
 *
 * The flow a user takes: token prompt → overview → model page (versions
 * compared) → feature page → alerts. Checked: the numbers shown equal the
 * API's answers, every chart is drawn with a text alternative, hostile
 * strings in feature names, categories and versions show as text and never
 * run, links work from the keyboard, the report downloads, every request
 * stays on the service's origin (works offline), no console errors.
 * Screenshots go to `packages/ui/test/screenshots/` (look at them).
 *
 * Skips only when `/usr/bin/chromium` is absent and `CI` is not set.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { dashboardAssetsDir } from '@modelwatch/ui/dashboard';
import type { FeatureResponse, ModelTimelineResponse, OverviewResponse, ResultStatus } from '@modelwatch/ui/dashboard';
import { resolveConfig, startServer } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import { tempDir } from './helpers/fixtures.js';
import { FLIGHTS_ALERTS, FLIGHTS_MONITORS, FLIGHTS_SCHEMA, HOSTILE_IMG, HOSTILE_SCRIPT, loadFlightsReplay, loadService } from './helpers/flights-replay.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../ui/test/screenshots/', import.meta.url));
const built = existsSync(join(dashboardAssetsDir(), 'index.html'));
// In CI (CI=1) a missing browser or an unbuilt dashboard fails the test instead of skipping it.
const skip = process.env.CI ? false : !existsSync(CHROMIUM) ? `${CHROMIUM} not found (apt-get install -y chromium); set CI=1 to make this a failure` : !built ? 'packages/ui/dist-app is not built: run npm run build' : false;

const READ = 'browser-read-token-0123456789';
const WRITE = 'browser-write-token-0123456789';

describe('dashboard in chromium over a flights replay', { skip, timeout: 600_000 }, () => {
  const tmp = tempDir('mw-dash-browser-');
  let server: ModelwatchServer;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const foreign: string[] = [];
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  const timings: Record<string, number> = {};

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${READ}` } });
    const body = await res.text();
    assert.equal(res.status, 200, `${path}: ${body}`);
    return JSON.parse(body) as T;
  };
  /** `data-value` (JSON) of the first element with `data-field` inside `scope`. */
  const value = async (scope: string, field: string) => {
    const loc = page.locator(`${scope} [data-field="${field}"]`).first();
    return JSON.parse((await loc.getAttribute('data-value'))!) as unknown;
  };
  const shot = async (name: string, fullPage = false) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  };
  /** Goes to a path and waits for the app to settle (no request in flight). */
  const visit = async (path: string, label: string) => {
    const t0 = Date.now();
    await page.goto(base + path, { waitUntil: 'networkidle' });
    timings[label] = Date.now() - t0;
  };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const config = resolveConfig(
      {
        server: { dataDir: tmp.dir, port: 0, host: '127.0.0.1' },
        auth: { tokens: [{ name: 'reader', token: READ, scopes: ['read'] }, { name: 'writer', token: WRITE, scopes: ['write'] }] },
        models: { flights: { task: 'binary', versions: ['v1', 'v2'], schema: FLIGHTS_SCHEMA, monitors: FLIGHTS_MONITORS, alerts: FLIGHTS_ALERTS } },
      },
      { baseDir: tmp.dir },
    );
    server = await startServer({ config, defaultMetrics: false, monitors: { debounceMs: 20 } });
    base = server.url!;
    const replay = await loadFlightsReplay({ referenceRows: 20_000, perDay: 800 });
    await loadService(server, replay, { authorization: `Bearer ${WRITE}` });
    await server.monitors.idle();
    profile = mkdtempSync(join(tmpdir(), 'modelwatch-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      viewport: { width: 1366, height: 860 },
      acceptDownloads: true,
    });
    context.on('request', (r) => {
      if (!r.url().startsWith(`${base}/`) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url());
    });
    page = await context.newPage();
    page.on('console', (m) => {
      // Chromium logs error answers: the 401 before the token prompt and the 400 of a hostile model name are on purpose.
      if (m.type() === 'error' && !/status of 40[01] /.test(m.text())) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.close();
    tmp.cleanup();
    console.log(`dashboard page loads (navigation to network idle, ms): ${JSON.stringify(timings)}`);
  });

  test('the token prompt: the shell loads without a token, the API asks for one, the page fills in once given', async () => {
    await visit('/', 'overview (token prompt)');
    await page.getByRole('dialog').waitFor();
    assert.match(await page.getByRole('dialog').innerText(), /needs an access token/);
    await page.getByLabel('Token', { exact: true }).fill(READ);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#models-table tbody tr').first().waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('modelwatch.token')), READ);
  });

  test('overview: every model with the API\'s numbers, sparklines drawn, hostile versions as text', async () => {
    await visit('/', 'overview');
    await page.locator('#models-table tbody tr[data-model="flights"]').waitFor();
    const o = await api<OverviewResponse>('/v1/dashboard/overview?range=24h');
    assert.deepEqual(await page.$$eval('#models-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-model'))), o.models.map((m) => m.name));
    const m = o.models.find((x) => x.name === 'flights')!;
    const row = 'tr[data-model="flights"]';
    assert.equal(await value(row, 'traffic.events'), m.traffic.summary.events);
    assert.equal(await value(row, 'traffic.errorRate'), m.traffic.summary.errorRate);
    assert.equal(await value(row, 'traffic.latencyP50'), m.traffic.summary.latencyP50Ms);
    assert.equal(await value(row, 'traffic.latencyP99'), m.traffic.summary.latencyP99Ms);
    // The status cells show the worst version's latest window.
    const worst = (type: string, metric: string, higherIsWorse = true) =>
      m.latest.filter((l: ResultStatus) => l.type === type && l.metrics[metric] !== null).reduce<ResultStatus | null>((a, b) => (!a || (higherIsWorse ? b.metrics[metric]! > a.metrics[metric]! : b.metrics[metric]! < a.metrics[metric]!) ? b : a), null);
    assert.equal(await value(row, 'drift.share'), worst('feature_drift', 'dataset_drift_share')!.metrics.dataset_drift_share);
    assert.equal(await value(row, 'dq.violations'), worst('data_quality', 'data_quality_violations')!.metrics.data_quality_violations);
    const auc = worst('model_quality', 'roc_auc', false)!;
    assert.equal(await page.locator(`${row} [data-field="quality.metric"]`).textContent(), 'roc_auc');
    assert.equal(await value(row, 'quality.value'), auc.metrics.roc_auc);
    assert.equal(await value(row, 'labels.coverage'), auc.metrics.label_coverage_ratio);
    assert.equal(await value(row, 'alerts.firing'), m.alerts.firing);
    // What a reader sees is the same number, formatted.
    assert.equal((await page.locator(`${row} [data-field="traffic.events"]`).innerText()).trim(), m.traffic.summary.events.toLocaleString('en-US'));
    // Sparklines: drawn, with a text alternative.
    const sparks = await page.$$eval(`${row} svg.spark`, (svgs) => svgs.map((s) => ({ label: s.getAttribute('aria-label'), role: s.getAttribute('role'), d: s.querySelector('path')?.getAttribute('d') ?? '' })));
    assert.ok(sparks.length >= 4, JSON.stringify(sparks));
    for (const s of sparks) {
      assert.equal(s.role, 'img');
      assert.ok(s.label && s.label.length > 5);
      assert.match(s.d, /^M[\d.]+,[\d.]+/);
      assert.match(s.d, /[LHV][\d.]/, 'at least one segment drawn');
    }
    // The hostile model's version is shown as text.
    assert.ok((await page.locator('tr[data-model="hostile-strings"] th').innerText()).includes(HOSTILE_IMG));
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await shot('overview');
  });

  test('keyboard: skip link first, model link opens with Enter', async () => {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
    await page.focus('tr[data-model="flights"] a.model-link');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/models\/flights/);
    await page.locator('#headline').waitFor();
  });

  test('model page: headline numbers equal the API; every chart drawn with a text alternative and a data table', async () => {
    await visit('/models/flights?range=all', 'model (all data)');
    await page.locator('#headline').waitFor();
    await page.locator('figure[data-chart="drift-grid"] svg').waitFor();
    const t = await api<ModelTimelineResponse>('/v1/dashboard/models/flights?range=all');
    assert.equal(await value('#headline', 'events'), t.traffic[0].summary.events);
    assert.equal(await value('#headline', 'errorRate'), t.traffic[0].summary.errorRate);
    assert.equal(await value('#headline', 'latencyP50'), t.traffic[0].summary.latencyP50Ms);
    assert.equal(await value('#headline', 'latencyP99'), t.traffic[0].summary.latencyP99Ms);
    assert.equal(await page.locator('[data-field="range"]').getAttribute('data-from'), String(t.range.from));
    assert.equal(await page.locator('[data-field="range"]').getAttribute('data-to'), String(t.range.to));
    // Latest window over all versions: the one ending last (an all-versions monitor wins a tie).
    const latest = (type: string, metric: string) => {
      let best: { end: number; v: number } | null = null;
      for (const s of t.series.filter((x) => x.type === type)) {
        const vals = s.metrics[metric] ?? [];
        for (let i = vals.length - 1; i >= 0; i--) {
          if (vals[i] !== null) {
            if (!best || s.ends[i] > best.end) best = { end: s.ends[i], v: vals[i]! };
            break;
          }
        }
      }
      return best?.v ?? null;
    };
    assert.equal(await value('#headline', 'driftShare'), latest('feature_drift', 'dataset_drift_share'));
    assert.equal(await value('#headline', 'dqViolations'), latest('data_quality', 'data_quality_violations'));
    assert.equal(await value('#headline', 'quality'), latest('model_quality', 'roc_auc'));
    assert.equal(await value('#headline', 'labelCoverage'), latest('model_quality', 'label_coverage_ratio'));
    // Charts: laid out, with marks, each an image with a label.
    const charts = await page.$$eval('figure[data-chart]', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg.mw-plot');
        const box = svg?.getBoundingClientRect();
        return {
          id: f.getAttribute('data-chart'),
          role: svg?.getAttribute('role') ?? null,
          label: svg?.getAttribute('aria-label') ?? '',
          width: box?.width ?? 0,
          marks: svg ? svg.querySelectorAll('path, rect, circle').length : 0,
        };
      }),
    );
    const ids = charts.map((c) => c.id);
    for (const id of ['traffic', 'errors', 'latency', 'drift-share', 'prediction-drift', 'drift-grid', 'pred-delayed', 'pred-p_delayed', 'quality', 'label-coverage', 'label-lag', 'dq-violations', 'dq-missing']) {
      assert.ok(ids.includes(id), `chart ${id} missing: ${ids.join(', ')}`);
    }
    for (const c of charts) {
      assert.equal(c.role, 'img', c.id!);
      assert.ok(c.label.length > 10, c.id!);
      assert.ok(c.width > 200, `${c.id} width ${c.width}`);
      assert.ok(c.marks > 5, `${c.id} has ${c.marks} marks`);
    }
    // The drift grid: one row per feature, one cell per window.
    const drift = t.series.find((s) => s.type === 'feature_drift' && s.version === 'v1')!;
    // The numbers behind a chart: the drift share table lists every window.
    // (The table is put in the page when the block is first opened.)
    assert.equal(await page.locator('figure[data-chart="drift-share"] details tbody tr').count(), 0);
    await page.locator('figure[data-chart="drift-share"] details summary').click();
    await page.locator('figure[data-chart="drift-share"] details tbody tr').first().waitFor();
    const rows = await page.locator('figure[data-chart="drift-share"] details tbody tr').count();
    assert.equal(rows, new Set(t.series.filter((s) => s.type === 'feature_drift').flatMap((s) => s.ends)).size);
    assert.ok(drift.features!.features.length === 5);
    // The features table links every stored column.
    assert.deepEqual(
      await page.$$eval('table.features tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-feature'))),
      t.schema.filter((c) => ['feature', 'prediction', 'score', 'segment'].includes(c.role)).map((c) => c.name),
    );
    await page.locator('figure[data-chart="drift-share"] details summary').click();
    await shot('model-top');
    await shot('model-full', true);
  });

  test('model page: the report of the range downloads as the self-contained HTML file', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download report (HTML)' }).click()]);
    assert.match(download.suggestedFilename(), /^modelwatch-flights-20010215T000000Z-20010315T000000Z\.html$/);
    const path = join(tmp.dir, 'report.html');
    await download.saveAs(path);
    const html = readFileSync(path, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Content-Security-Policy/);
    assert.match(html, /data-field="drift\.share"/);
    assert.ok(!html.includes(HOSTILE_SCRIPT), 'hostile origins are escaped in the report');
  });

  test('versions side by side: v2 (canary) vs v1 over the same range, numbers equal the API', async () => {
    await page.locator('.version-picker select').first().selectOption('v2');
    await page.waitForURL(/version=v2/);
    await page.locator('.version-picker select').nth(1).selectOption('v1');
    await page.waitForURL(/compare=v1/);
    await page.locator('#compare-table').waitFor();
    await page.waitForLoadState('networkidle');
    const a = await api<ModelTimelineResponse>('/v1/dashboard/models/flights?range=all&version=v2');
    const b = await api<ModelTimelineResponse>(`/v1/dashboard/models/flights?from=${a.range.from}&to=${a.range.to}&version=v1`);
    const cell = async (row: string, side: 'a' | 'b') => JSON.parse((await page.locator(`#compare-table tr[data-row="${row}"] [data-field="${side}"]`).getAttribute('data-value'))!);
    assert.equal(await cell('events', 'a'), a.traffic[0].summary.events);
    assert.equal(await cell('events', 'b'), b.traffic[0].summary.events);
    // v2 started on 1 March: the range is v2's data, and both versions together are every event in it.
    assert.ok(a.range.from >= Date.UTC(2001, 2, 1) && a.range.from < Date.UTC(2001, 2, 1, 6), String(a.range.from));
    assert.equal(await cell('events', 'a') + (await cell('events', 'b')), (await api<ModelTimelineResponse>(`/v1/dashboard/models/flights?from=${a.range.from}&to=${a.range.to}`)).traffic[0].summary.events);
    assert.equal(await cell('latencyP50', 'a'), a.traffic[0].summary.latencyP50Ms);
    assert.equal(await cell('latencyP50', 'b'), b.traffic[0].summary.latencyP50Ms);
    assert.ok((await cell('latencyP50', 'a')) > (await cell('latencyP50', 'b')), 'the canary is slower');
    // Overlaid charts carry both versions.
    const legend = await page.locator('figure[data-chart="traffic"] ul.legend').innerText();
    assert.match(legend, /v2/);
    assert.match(legend, /v1/);
    await shot('model-compare');
  });

  test('feature page: reference vs current, new categories and findings with hostile examples shown as text', async () => {
    await visit('/models/flights?range=all', 'model (all data, again)');
    await page.locator('table.features a', { hasText: /^origin$/ }).click();
    await page.waitForURL(/\/models\/flights\/features\/origin/);
    await page.locator('figure[data-chart="distribution"] svg').waitFor();
    await page.waitForLoadState('networkidle');
    const f = await api<FeatureResponse>('/v1/dashboard/models/flights/features/origin?range=all');
    assert.equal(await value('#feature-stats', 'rows'), f.current.rows);
    assert.equal(await value('#feature-stats', 'missing'), f.current.missing);
    assert.equal(await value('#feature-stats', 'distinct'), f.current.distinct);
    assert.equal(await value('#feature-stats', 'newCategories'), f.current.newCategoryCount);
    // Hostile categories: shown as the text they are, never as markup.
    const shown = await page.$$eval('.examples tbody code.value', (els) => els.map((e) => e.textContent));
    assert.deepEqual(shown, f.current.newCategories!.map((c) => c.value));
    assert.ok(shown.includes(HOSTILE_SCRIPT) && shown.includes(HOSTILE_IMG));
    const findingExamples = await page.$$eval('table.findings code.value', (els) => els.map((e) => e.textContent));
    assert.ok(findingExamples.includes(HOSTILE_SCRIPT), JSON.stringify(findingExamples));
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.equal(await page.locator('main script').count(), 0);
    // Distribution and drift history drawn.
    const bars = await page.locator('figure[data-chart="distribution"] svg rect').count();
    assert.ok(bars >= 2 * f.categories!.categories.length, `${bars} bars`);
    assert.ok((await page.locator('figure[data-chart="feature-drift"] svg circle').count()) > 10);
    await shot('feature-origin', true);
    // A finding links to its window: the page then shows that window.
    const first = f.findings[0];
    await page.locator('table.findings tbody tr').first().locator('a').last().click();
    await page.waitForURL(/from=/);
    await page.waitForFunction((from) => document.querySelector('[data-field="range"]')?.getAttribute('data-from') === from, String(first.lastWindowStart));
    assert.equal(await page.locator('[data-field="range"]').getAttribute('data-from'), String(first.lastWindowStart));
    assert.equal(await page.locator('[data-field="range"]').getAttribute('data-to'), String(first.lastWindowEnd));
  });

  test('numeric feature: histogram overlay and out-of-range counts equal the API', async () => {
    const q = 'from=2001-03-04T00:00:00Z&to=2001-03-08T00:00:00Z';
    await visit(`/models/flights/features/distance?${q}`, 'feature distance (custom range)');
    await page.locator('figure[data-chart="distribution"] svg').waitFor();
    const f = await api<FeatureResponse>(`/v1/dashboard/models/flights/features/distance?${q}`);
    assert.deepEqual(f.range, { from: Date.UTC(2001, 2, 4), to: Date.UTC(2001, 2, 8), anchor: 'custom' });
    assert.equal(await value('#feature-stats', 'missing'), f.current.missing);
    assert.ok(f.current.missing > 0, 'the broken distance feed of 5-6 March is in the range');
    assert.equal(await value('#feature-stats', 'outOfRange'), (f.current.belowRange ?? 0) + (f.current.aboveRange ?? 0));
    assert.equal(await value('#feature-stats', 'mean'), f.current.mean);
    assert.ok((await page.locator('figure[data-chart="distribution"] svg path').count()) >= 4);
    assert.ok((await page.locator('figure[data-chart="feature-missing"] svg').count()) === 1);
    await shot('feature-distance', true);
  });

  test('hostile feature names and a hostile model name in the URL show as text', async () => {
    await visit('/models/hostile-strings?range=all', 'model hostile-strings');
    await page.locator('table.features').waitFor();
    const names = await page.$$eval('table.features tbody th a', (as) => as.map((a) => a.textContent));
    assert.deepEqual(names, [HOSTILE_SCRIPT, HOSTILE_IMG, 'pred']);
    await page.locator('table.features tbody th a').first().click();
    await page.locator('h1.feature-title').waitFor();
    assert.equal(await page.locator('h1.feature-title').textContent(), HOSTILE_SCRIPT);
    await page.locator('figure[data-chart="distribution"] svg').waitFor();
    assert.equal(await page.title(), `${HOSTILE_SCRIPT} · hostile-strings — modelwatch`);
    await visit(`/models/${encodeURIComponent(HOSTILE_SCRIPT)}`, 'hostile model URL');
    await page.locator('.message.error').waitFor();
    assert.equal(await page.locator('h1.model-title').textContent(), HOSTILE_SCRIPT);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    // The API never accepts such a name in the first place.
    const put = await fetch(`${base}/v1/models/${encodeURIComponent(HOSTILE_SCRIPT)}`, { method: 'PUT', headers: { authorization: `Bearer ${WRITE}`, 'content-type': 'application/json' }, body: JSON.stringify({ schema: FLIGHTS_SCHEMA }) });
    assert.equal(put.status, 400);
  });

  test('alerts: firing, pending and resolved as the API lists them, history linked to the windows that caused it', async () => {
    await visit('/alerts', 'alerts');
    await page.locator('#alert-counts').waitFor();
    await page.locator('#history table').waitFor();
    const { alerts } = await api<{ alerts: { state: string; rule: string; window: { start: string; end: string } | null; labels: Record<string, string> }[] }>('/v1/alerts?resolvedWithin=7d');
    for (const state of ['firing', 'pending', 'resolved']) {
      assert.equal(await value('#alert-counts', `alerts.${state}`), alerts.filter((a) => a.state === state).length, state);
      assert.equal(await page.locator(`section[data-state="${state}"] tbody tr`).count(), alerts.filter((a) => a.state === state).length, state);
    }
    assert.ok(alerts.some((a) => a.state === 'firing'), 'the replay makes drift-high fire');
    const { transitions } = await api<{ transitions: unknown[] }>('/v1/alerts/history?limit=200');
    assert.equal(await page.locator('#history tbody tr').count(), transitions.length);
    await shot('alerts', true);
    // The window of a firing alert opens the model page on that window.
    const firing = alerts.find((a) => a.state === 'firing')!;
    await page.locator('section[data-state="firing"] tbody tr').first().locator('a').last().click();
    await page.waitForURL(/\/models\/flights\?/);
    await page.locator('#headline').waitFor();
    const firstRow = await page.locator('[data-field="range"]').getAttribute('data-from');
    const shownFiring = alerts.filter((a) => a.state === 'firing');
    assert.ok(shownFiring.some((a) => String(Date.parse(a.window!.start)) === firstRow), `${firstRow} vs ${JSON.stringify(firing.window)}`);
  });

  test('nothing left the service\'s origin, nothing ran that should not, no console errors', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(consoleErrors, []);
  });
});
