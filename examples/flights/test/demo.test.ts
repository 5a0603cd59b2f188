/**
 * The demo, end to end, as `npm run demo` runs it — with a short, fast replay
 * and a real Prometheus scraping both processes with a configuration
 * equivalent to deploy/prometheus.yml and the rule files as shipped.
 *
 * Replay: 1–5 February 2001 (all ~83k flights, as fast as the model server
 * answers), truth 6 h after departure, and one fault a day:
 *   2 Feb  dep_hour is null all day (a broken source)
 *   3 Feb→ distance arrives in km (an upstream unit change)
 *   4 Feb→ ORD arrives as KORD (a new category)
 *   5 Feb→ 5% of flights go to v2 (a canary)
 *
 * Asserted, against computations made here from the parquet file with DuckDB
 * (not through the example's code) and the trained model files:
 * - the results API (final evaluation of each daily window): each signal fires
 *   in the windows of its fault and not before; exact ratios, counts, label
 *   coverage and lag, and v1's / v2's quality on their flights;
 * - the alert engine (GET /v1/alerts, /v1/alerts/history);
 * - Prometheus: exact counters from both processes, the latest-window gauges,
 *   alerts pending on the faults, and every PromQL expression of every rule and
 *   every dashboard panel and variable parses and returns data;
 * - promtool/amtool on the shipped files;
 * - Ctrl-C (SIGINT) stops the demo and every child.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { unitHash } from '@modelwatch/node';
import { loadModel, rocAuc } from '../src/model.js';
import type { DelayModel } from '../src/model.js';
import { AMTOOL_BIN, PROMTOOL_BIN, REPO_ROOT, comparisonOperands, freePort, pollUntil, portOpen, ruleExpressions, run, startPrometheus } from './helpers.js';
import type { PrometheusServer } from './helpers.js';

const DAY = 86_400_000;
const FEB = (d: number) => Date.UTC(2001, 1, d);
const DAYS = [1, 2, 3, 4, 5];
const NULL_DAY = 2;
const KM_FROM = 3;
const KORD_FROM = 4;
const CANARY_FROM = 5;
const CANARY = 5;
const KM = 1.609344;
const LAG_HOURS = 6;
const PARQUET = join(REPO_ROOT, 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');
const DEPLOY = join(REPO_ROOT, 'deploy');

interface Expected {
  rows: Record<number, number>;
  /** Share of flights of the day whose origin (destination) is not a January origin (destination) after the ORD→KORD change. */
  newOrigin: Record<number, number>;
  newDestination: Record<number, number>;
  /** Share of flights of the day whose sent distance lies outside January's [min, max]. */
  outOfRange: Record<number, number>;
  /** Flight rows routed to v2 (the SDK router: stable hash of the id ≥ 0.95), by day. */
  v2Rows: Record<number, number[]>;
  flights: Map<number, { row: number; hour: number; dow: number; distance: number; origin: string; destination: string; delay: number }[]>;
}

/** What the replay must produce, from the parquet file (SQL written here, independently of src/flights.ts). */
async function expected(): Promise<Expected> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const src = PARQUET.replaceAll("'", "''");
    await con.run(`CREATE TEMP TABLE f AS SELECT row_number() OVER (ORDER BY date, origin, destination, distance, delay) AS row, * FROM read_parquet('${src}')
                   WHERE date IS NOT NULL AND delay IS NOT NULL AND distance IS NOT NULL AND origin IS NOT NULL AND destination IS NOT NULL`);
    const jan = (await con.runAndReadAll(`SELECT min(distance)::DOUBLE, max(distance)::DOUBLE FROM f WHERE date < '2001-02-01'`)).getRows()[0] as number[];
    const out: Expected = { rows: {}, newOrigin: {}, newDestination: {}, outOfRange: {}, v2Rows: {}, flights: new Map() };
    for (const d of DAYS) {
      const res = await con.runAndReadAll(
        `SELECT row::DOUBLE, hour(date)::DOUBLE, dayofweek(date)::DOUBLE, distance::DOUBLE, origin, destination, delay::DOUBLE,
                origin NOT IN (SELECT origin FROM f WHERE date < '2001-02-01') AS o_new,
                destination NOT IN (SELECT destination FROM f WHERE date < '2001-02-01') AS d_new
         FROM f WHERE date >= $1::TIMESTAMP AND date < $1::TIMESTAMP + INTERVAL 1 DAY ORDER BY row`,
        [new Date(FEB(d)).toISOString().slice(0, 19)],
      );
      const rows = res.getRows();
      const flights = rows.map((r) => ({ row: r[0] as number, hour: r[1] as number, dow: r[2] as number, distance: r[3] as number, origin: r[4] as string, destination: r[5] as string, delay: r[6] as number }));
      out.flights.set(d, flights);
      out.rows[d] = rows.length;
      const kord = d >= KORD_FROM;
      out.newOrigin[d] = rows.filter((r) => (kord && r[4] === 'ORD') || r[7] === true).length / rows.length;
      out.newDestination[d] = rows.filter((r) => (kord && r[5] === 'ORD') || r[8] === true).length / rows.length;
      const factor = d >= KM_FROM ? KM : 1;
      out.outOfRange[d] = flights.filter((f) => f.distance * factor > jan[1] || f.distance * factor < jan[0]).length / rows.length;
      out.v2Rows[d] = d >= CANARY_FROM ? flights.filter((f) => unitHash(`f${f.row}`) >= 1 - CANARY / 100).map((f) => f.row) : [];
    }
    return out;
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

interface Result {
  type: string;
  monitor: string;
  version: string | null;
  window: { start: number; end: number };
  metrics: Record<string, number | null>;
  features?: { feature: string; metrics: Record<string, number | null>; skipped?: string }[];
}

const feature = (r: Result, name: string) => {
  const f = r.features?.find((x) => x.feature === name);
  assert.ok(f, `${r.monitor} ${new Date(r.window.start).toISOString().slice(0, 10)}: no feature ${name}`);
  return f.metrics;
};

const close = (a: number | null | undefined, b: number, tol: number, what: string) => {
  assert.ok(typeof a === 'number' && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);
};

describe('the flights demo: fast replay, faults found, real Prometheus', { timeout: 420_000 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mw-flights-demo-'));
  let servePort: number;
  let modelPort: number;
  let prom: PrometheusServer;
  let demo: ChildProcess;
  let demoOut = '';
  let demoExit: Promise<number | null>;
  /** Wall clock when the replay finished: rates are evaluated just after it, while traffic flowed. */
  let replayEnd = 0;
  let summary: { predictions: number; feedback: number; errors: number; byVersion: Record<string, number>; days: { day: string; predictions: number; byVersion: Record<string, number> }[] };
  let exp: Expected;
  let serviceUrl: string;
  let results: Result[];
  const ruleFiles = readdirSync(DEPLOY).filter((f) => f.endsWith('.rules.yml')).sort();

  before(async () => {
    [servePort, modelPort] = [await freePort(), await freePort()];
    // deploy/prometheus.yml with the test's targets, a 1 s scrape and evaluation, no Alertmanager; the rule files as shipped.
    let config = readFileSync(join(DEPLOY, 'prometheus.yml'), 'utf8');
    const replace = (from: string | RegExp, to: string) => {
      const next = config.replace(from, to);
      assert.notEqual(next, config, `deploy/prometheus.yml no longer contains ${String(from)}: update this test`);
      config = next;
    };
    replace('"modelwatch:8080"', `"127.0.0.1:${servePort}"`);
    replace('"flights:3000"', `"127.0.0.1:${modelPort}"`);
    replace(/scrape_interval: 15s/, 'scrape_interval: 1s');
    replace(/scrape_timeout: 10s/, 'scrape_timeout: 1s');
    replace(/evaluation_interval: 15s/, 'evaluation_interval: 1s');
    replace(/alerting:\n(\s+.*\n)+?\n/, '\n');
    prom = await startPrometheus(config, Object.fromEntries(ruleFiles.map((f) => [f, readFileSync(join(DEPLOY, f), 'utf8')])));

    const expectedP = expected();
    demo = spawn(
      process.execPath,
      [
        '--conditions=development',
        '--import',
        'tsx',
        join(REPO_ROOT, 'examples', 'flights', 'src', 'demo.ts'),
        '--dir', join(tmp, 'demo'),
        '--port', String(servePort),
        '--model-port', String(modelPort),
        '--fast',
        '--from', '2001-02-01',
        '--to', '2001-02-06',
        '--label-lag', `${LAG_HOURS}h`,
        '--null-feature', `2001-02-0${NULL_DAY}:dep_hour`,
        '--unit-change', `2001-02-0${KM_FROM}:distance`,
        '--new-airport', `2001-02-0${KORD_FROM}:ORD=KORD`,
        '--canary', `2001-02-0${CANARY_FROM}:${CANARY}`,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo.stdout!.setEncoding('utf8').on('data', (d: string) => (demoOut += d));
    demo.stderr!.setEncoding('utf8').on('data', (d: string) => (demoOut += d));
    demoExit = new Promise((res) => demo.on('exit', (code) => res(code)));
    const line = await pollUntil(
      'the replay to finish',
      async () => {
        if (demo.exitCode !== null) throw new Error(`the demo exited (${demo.exitCode}):\n${demoOut}`);
        return /replay finished (\{.*\})/.exec(demoOut)?.[1];
      },
      300_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- demo output ---\n${demoOut.slice(-4000)}`);
    });
    replayEnd = Date.now();
    summary = JSON.parse(line) as typeof summary;
    serviceUrl = `http://127.0.0.1:${servePort}`;
    exp = await expectedP;

    // Every daily window evaluated on all its events and all its labels.
    results = await pollUntil(
      'every window evaluated with all events and labels',
      async () => {
        const res = await fetch(`${serviceUrl}/v1/models/flights/results?limit=10000`);
        const body = (await res.json()) as { results: Result[] };
        const of = (monitor: string, version: string | null, start: number) => body.results.find((r) => r.monitor === monitor && r.version === version && r.window.start === start);
        for (const d of DAYS) {
          for (const m of ['data_quality', 'feature_drift']) if (of(m, null, FEB(d))?.metrics.rows !== exp.rows[d]) return undefined;
          const v1Rows = exp.rows[d] - exp.v2Rows[d].length;
          if (of('model_quality', 'v1', FEB(d))?.metrics.labelled_rows !== v1Rows) return undefined;
          if (exp.v2Rows[d].length > 0 && of('model_quality', 'v2', FEB(d))?.metrics.labelled_rows !== exp.v2Rows[d].length) return undefined;
        }
        // The weekly monitors: one window, Thursday 1 to Thursday 8 February.
        const v2Week = DAYS.reduce((a, d) => a + exp.v2Rows[d].length, 0);
        const v1Week = DAYS.reduce((a, d) => a + exp.rows[d], 0) - v2Week;
        for (const m of ['prediction_drift', 'model_quality_weekly']) {
          if (of(m, 'v1', FEB(1))?.metrics.rows !== v1Week || of(m, 'v2', FEB(1))?.metrics.rows !== v2Week) return undefined;
        }
        if (of('model_quality_weekly', 'v1', FEB(1))?.metrics.labelled_rows !== v1Week || of('model_quality_weekly', 'v2', FEB(1))?.metrics.labelled_rows !== v2Week) return undefined;
        return body.results;
      },
      180_000,
      1000,
    );
  });

  after(async () => {
    if (demo && demo.exitCode === null) {
      demo.kill('SIGTERM');
      await demoExit;
    }
    await prom?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const dayResult = (monitor: string, version: string | null, d: number) => {
    const r = results.find((x) => x.monitor === monitor && x.version === version && x.window.start === FEB(d));
    assert.ok(r, `no ${monitor} result for version ${version} on 2001-02-0${d}`);
    assert.equal(r.window.end, FEB(d) + DAY);
    return r;
  };
  /** The result of a weekly monitor for the week of 1–7 February (2001-02-01 is a Thursday, as is the Unix epoch). */
  const weekResult = (monitor: string, version: string) => {
    const r = results.find((x) => x.monitor === monitor && x.version === version && x.window.start === FEB(1));
    assert.ok(r, `no ${monitor} result for version ${version} for the week of 2001-02-01`);
    assert.equal(r.window.end, FEB(8));
    return r;
  };

  test('the shipped Prometheus, Alertmanager and dashboard files pass their tools', () => {
    const config = run(PROMTOOL_BIN, ['check', 'config', 'deploy/prometheus.yml']);
    assert.equal(config.code, 0, config.out);
    assert.match(config.out, new RegExp(`SUCCESS: ${ruleFiles.length} rule files found`));
    const rules = run(PROMTOOL_BIN, ['check', 'rules', ...ruleFiles.map((f) => `deploy/${f}`)]);
    assert.equal(rules.code, 0, rules.out);
    // The rule parser of this test sees every rule promtool sees.
    const counted = [...rules.out.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((a, m) => a + Number(m[1]), 0);
    const parsed = ruleFiles.flatMap((f) => ruleExpressions(readFileSync(join(DEPLOY, f), 'utf8')));
    assert.equal(parsed.length, counted);
    const unit = run(PROMTOOL_BIN, ['test', 'rules', 'deploy/tests/rules.test.yml', 'deploy/tests/staleness.test.yml']);
    assert.equal(unit.code, 0, unit.out);
    // scripts/test.sh installs amtool; under CI=1 its absence fails rather than skips.
    if (existsSync(AMTOOL_BIN) || process.env.CI) {
      const am = run(AMTOOL_BIN, ['check-config', 'deploy/alertmanager.yml']);
      assert.equal(am.code, 0, am.out);
    } else {
      console.log(`# ${AMTOOL_BIN} not installed (Debian's prometheus-alertmanager): alertmanager.yml not checked`);
    }
    const dash = run(process.execPath, ['deploy/grafana/dashboards.mjs', '--check']);
    assert.equal(dash.code, 0, dash.out);
  });

  test('the replay sent every flight of 1–5 February and its truth', () => {
    assert.equal(summary.errors, 0);
    assert.deepEqual(
      summary.days.map((d) => [d.day, d.predictions]),
      DAYS.map((d) => [`2001-02-0${d}`, exp.rows[d]]),
    );
    const total = DAYS.reduce((a, d) => a + exp.rows[d], 0);
    assert.equal(summary.predictions, total);
    assert.equal(summary.feedback, total);
    const v2 = DAYS.reduce((a, d) => a + exp.v2Rows[d].length, 0);
    assert.deepEqual(summary.byVersion, { v1: total - v2, v2 });
    // The canary is about 5% of 5 February (binomial, 5 standard deviations).
    const n = exp.rows[CANARY_FROM];
    const share = exp.v2Rows[CANARY_FROM].length / n;
    assert.ok(Math.abs(share - 0.05) < 5 * Math.sqrt((0.05 * 0.95) / n), `v2 share ${share}`);
  });

  test('missing values: dep_hour is missing on 2 February only', () => {
    for (const d of DAYS) {
      const dq = dayResult('data_quality', null, d);
      assert.equal(dq.metrics.rows, exp.rows[d]);
      assert.equal(feature(dq, 'dep_hour').missing_ratio, d === NULL_DAY ? 1 : 0, `dep_hour missing on 2001-02-0${d}`);
      for (const f of ['day_of_week', 'distance', 'origin', 'destination', 'delayed', 'p_delayed']) assert.equal(feature(dq, f).missing_ratio, 0, `${f} on 2001-02-0${d}`);
      // The window's missing ratio is over its 7 columns (5 features, prediction, score).
      close(dq.metrics.missing_ratio, d === NULL_DAY ? 1 / 7 : 0, 1e-12, `missing_ratio 2001-02-0${d}`);
      assert.equal(dq.metrics.type_violations, 0);
      assert.equal(dq.metrics.unknown_columns, 0);
    }
    // With no values, dep_hour has no drift statistic that day; on the other days it does not drift.
    for (const d of DAYS) {
      const fd = feature(dayResult('feature_drift', null, d), 'dep_hour');
      if (d === NULL_DAY) assert.equal(fd.drift_score, null);
      else assert.equal(fd.drift_detected, 0, `dep_hour drift on 2001-02-0${d}: ${fd.drift_score}`);
    }
  });

  test('the unit change: distance drifts and leaves the reference range from 3 February on', () => {
    for (const d of DAYS) {
      const fd = feature(dayResult('feature_drift', null, d), 'distance');
      assert.equal(fd.drift_detected, d >= KM_FROM ? 1 : 0, `distance drift on 2001-02-0${d}: ${fd.drift_score}`);
      const dq = feature(dayResult('data_quality', null, d), 'distance');
      close(dq.out_of_range_ratio, exp.outOfRange[d], 1e-12, `distance out of range 2001-02-0${d}`);
      if (d >= KM_FROM) assert.ok(exp.outOfRange[d] > 0.001, `${exp.outOfRange[d]}`);
      else assert.equal(exp.outOfRange[d], 0);
    }
  });

  test('the new airport code: new categories and origin/destination drift from 4 February on', () => {
    for (const d of DAYS) {
      const dq = dayResult('data_quality', null, d);
      close(feature(dq, 'origin').new_category_ratio, exp.newOrigin[d], 1e-12, `origin new categories 2001-02-0${d}`);
      close(feature(dq, 'destination').new_category_ratio, exp.newDestination[d], 1e-12, `destination new categories 2001-02-0${d}`);
      if (d >= KORD_FROM) assert.ok(exp.newOrigin[d] > 0.03 && exp.newDestination[d] > 0.03);
      else assert.ok(exp.newOrigin[d] < 0.001 && exp.newDestination[d] < 0.001);
      const drift = dayResult('feature_drift', null, d);
      for (const f of ['origin', 'destination']) assert.equal(feature(drift, f).drift_detected, d >= KORD_FROM ? 1 : 0, `${f} drift on 2001-02-0${d}: ${feature(drift, f).drift_score}`);
    }
  });

  test('the canary: v2 has results from 5 February only, on exactly the flights the router sent it', () => {
    const v2 = results.filter((r) => r.version === 'v2');
    assert.deepEqual(v2.map((r) => r.monitor).sort(), ['model_quality', 'model_quality_weekly', 'prediction_drift']);
    for (const r of v2) {
      const weekly = r.monitor !== 'model_quality';
      assert.equal(r.window.start, weekly ? FEB(1) : FEB(CANARY_FROM), `a v2 ${r.monitor} result for ${new Date(r.window.start).toISOString()}`);
    }
    assert.equal(dayResult('model_quality', 'v2', CANARY_FROM).metrics.rows, exp.v2Rows[CANARY_FROM].length);
    assert.equal(dayResult('model_quality', 'v1', CANARY_FROM).metrics.rows, exp.rows[CANARY_FROM] - exp.v2Rows[CANARY_FROM].length);
    for (const m of ['prediction_drift', 'model_quality_weekly']) assert.equal(weekResult(m, 'v2').metrics.rows, exp.v2Rows[CANARY_FROM].length);
    // The canary answers differently from v1 on the reference (v1's January outputs), and worse than v1 on the same day.
    assert.equal(weekResult('prediction_drift', 'v2').metrics.prediction_drift_detected, 1);
    assert.ok(dayResult('model_quality', 'v2', CANARY_FROM).metrics.roc_auc! < dayResult('model_quality', 'v1', CANARY_FROM).metrics.roc_auc!);
  });

  test('model quality: all labels arrive 6 h after departure; v1 and v2 quality equal their models on their flights', () => {
    for (const d of DAYS) {
      const q = dayResult('model_quality', 'v1', d);
      assert.equal(q.metrics.label_coverage_ratio, 1);
      assert.equal(q.metrics.label_lag_seconds, LAG_HOURS * 3600);
    }
    const models = Object.fromEntries(['v1', 'v2'].map((v) => [v, loadModel(JSON.parse(readFileSync(join(tmp, 'demo', 'models', `${v}.json`), 'utf8')))])) as Record<string, DelayModel>;
    const check = (version: string, d: number, rows: Set<number> | null) => {
      const flights = exp.flights.get(d)!.filter((f) => rows === null || rows.has(f.row));
      const scores: number[] = [];
      const labels: number[] = [];
      let correct = 0;
      for (const f of flights) {
        // The request as the replay sent it that day (faults applied by hand here).
        const sent = {
          dep_hour: d === NULL_DAY ? null : f.hour,
          day_of_week: f.dow,
          distance: d >= KM_FROM ? f.distance * KM : f.distance,
          origin: d >= KORD_FROM && f.origin === 'ORD' ? 'KORD' : f.origin,
          destination: d >= KORD_FROM && f.destination === 'ORD' ? 'KORD' : f.destination,
        };
        const p = models[version].predict(sent);
        const y = f.delay > 15 ? 1 : 0;
        scores.push(p.scores['1']);
        labels.push(y);
        if (p.prediction === y) correct++;
      }
      const q = dayResult('model_quality', version, d);
      assert.equal(q.metrics.labelled_rows, flights.length);
      close(q.metrics.accuracy, correct / flights.length, 1e-12, `${version} accuracy 2001-02-0${d}`);
      close(q.metrics.roc_auc, rocAuc(scores, labels), 1e-9, `${version} ROC AUC 2001-02-0${d}`);
    };
    check('v1', 1, null);
    check('v1', NULL_DAY, null);
    check('v2', CANARY_FROM, new Set(exp.v2Rows[CANARY_FROM]));
  });

  test('the alert engine: rules fire on the faults, missing values only for 2 February', async () => {
    const res = await fetch(`${serviceUrl}/v1/alerts?model=flights&state=firing,pending,resolved,inactive`);
    assert.equal(res.status, 200, await res.clone().text());
    const { alerts } = (await res.json()) as { alerts: { rule: string; key: string; state: string; window: { start: string } | null }[] };
    const state = (rule: string, key?: string) => alerts.filter((a) => a.rule === rule && (key === undefined || a.key.includes(key))).map((a) => a.state);
    // The latest windows (5 February) are drifted and carry new categories and out-of-range distances.
    assert.deepEqual(state('feature-drift', 'feature=distance'), ['firing']);
    assert.deepEqual(state('feature-drift', 'feature=origin'), ['firing']);
    assert.deepEqual(state('new-categories'), ['firing']);
    assert.deepEqual(state('out-of-range'), ['firing']);
    assert.ok(!state('missing-values').includes('firing'), `missing-values: ${state('missing-values')}`);

    const history = async (rule: string) => {
      const r = await fetch(`${serviceUrl}/v1/alerts/history?model=flights&rule=${rule}&limit=10000`);
      assert.equal(r.status, 200);
      return ((await r.json()) as { transitions: { key: string; to: string; window: { start: string } }[] }).transitions;
    };
    const firedWindows = (t: { to: string; window: { start: string } }[]) => [...new Set(t.filter((x) => x.to === 'firing').map((x) => Date.parse(x.window.start)))].sort();
    assert.deepEqual(firedWindows(await history('missing-values')), [FEB(NULL_DAY)]);
    const fired = async (rule: string, from: number, key?: string) => {
      const w = firedWindows((await history(rule)).filter((x) => key === undefined || x.key.includes(key)));
      assert.ok(w.length > 0, `${rule} never fired`);
      assert.ok(w[0] >= FEB(from), `${rule}${key ? ` ${key}` : ''} fired for the window of ${new Date(w[0]).toISOString()}`);
    };
    await fired('out-of-range', KM_FROM);
    await fired('new-categories', KORD_FROM);
    await fired('feature-drift', KM_FROM, 'feature=distance');
  });

  test('Prometheus: exact counters from both processes and the latest windows', async () => {
    const q = async (expr: string) => (await prom.query(expr)).series;
    const targets = await prom.targets();
    assert.equal(targets.length, 2);
    for (const t of targets) assert.equal(t.health, 'up', `${t.scrapeUrl}: ${t.lastError}`);
    const total = DAYS.reduce((a, d) => a + exp.rows[d], 0);
    const v2 = DAYS.reduce((a, d) => a + exp.v2Rows[d].length, 0);
    // Scraped every second: the last scrape follows the last request.
    await pollUntil('the counters to be scraped', async () => ((await q('sum(modelwatch_predictions_total{job="flights-model",model="flights"})'))[0]?.value === total ? true : undefined), 30_000);
    const byVersion = Object.fromEntries((await q('sum by (version) (modelwatch_predictions_total{job="flights-model",outcome="ok"})')).map((s) => [s.metric.version, s.value]));
    assert.deepEqual(byVersion, { v1: total - v2, v2 });
    assert.equal((await q('sum(modelwatch_feature_missing_total{job="flights-model",feature="dep_hour"})'))[0].value, exp.rows[NULL_DAY]);
    assert.equal((await q('sum(modelwatch_exporter_sent_total{job="flights-model",kind="events"})'))[0].value, total);
    assert.equal((await q('sum(modelwatch_exporter_dropped_total{job="flights-model"})'))[0].value, 0);
    assert.equal((await q('sum(modelwatch_events_ingested_total{job="modelwatch",model="flights"})'))[0].value, total);
    assert.equal((await q('sum(modelwatch_feedback_ingested_total{job="modelwatch",model="flights"})'))[0].value, total);
    // The model-health gauges show the latest window (5 February).
    const end = await q('max(modelwatch_window_end_timestamp_seconds{job="modelwatch",model="flights",monitor="feature_drift"})');
    assert.equal(end[0].value, (FEB(5) + DAY) / 1000);
    const drift = Object.fromEntries((await q('modelwatch_feature_drift_detected{model="flights",monitor="feature_drift"}')).map((s) => [s.metric.feature, s.value]));
    assert.deepEqual(drift, { dep_hour: 0, distance: 1, origin: 1, destination: 1 });
    // The rules' alerts are pending (their `for` has not elapsed) or firing on the faults of the latest window.
    const active = await pollUntil(
      'alerts on the latest window',
      async () => {
        const a = await prom.alerts();
        const drifted = a.some((x) => x.labels.alertname === 'ModelFeatureDrift' && x.labels.feature === 'distance');
        const dq = a.some((x) => x.labels.alertname === 'ModelDataQualityViolations');
        return drifted && dq ? a : undefined;
      },
      30_000,
    );
    assert.ok(!active.some((x) => x.labels.alertname === 'ModelFeatureDrift' && x.labels.feature === 'dep_hour'));
    assert.ok(!active.some((x) => x.labels.alertname === 'ModelPredictionErrorRateHigh'));
  });

  test('Prometheus: every expression of every rule and dashboard parses and returns data', async () => {
    // Evaluated at the end of the replay (rates need traffic; the services are idle afterwards),
    // or — for the gauges of windows evaluated after it, like the weekly prediction drift once its
    // last events and labels are in — now, when every result has been read back (before this test).
    const at = Math.min(Date.now(), replayEnd + 3000);
    const hasData = (r: { series: { value: number }[] }) => r.series.length > 0 && !r.series.every((x) => Number.isNaN(x.value));
    // Template variables as Grafana would substitute them; `offset 1d` → 5s (Prometheus has the replay's seconds of data, not a day).
    const substitute = (expr: string) =>
      expr
        .replaceAll('$__rate_interval', '1m')
        .replaceAll('$model', 'flights')
        .replaceAll('$version', '.+')
        .replaceAll('$feature', '.+')
        .replaceAll('$metric', 'roc_auc')
        .replaceAll('offset 1d', 'offset 5s');
    const checked: string[] = [];
    const problems: string[] = [];
    const expectData = async (where: string, expr: string) => {
      const e = substitute(expr);
      assert.ok(!e.includes('$'), `${where}: an unsubstituted variable in ${e}`);
      try {
        if (!hasData(await prom.query(e, at)) && !hasData(await prom.query(e))) problems.push(`${where}: no data for ${e}`);
      } catch (err) {
        problems.push(`${where}: ${(err as Error).message}`);
      }
      checked.push(e);
    };
    // Rules: recording rules return data; an alert's expression parses, and every operand of its comparisons returns data.
    for (const f of ruleFiles) {
      for (const r of ruleExpressions(readFileSync(join(DEPLOY, f), 'utf8'))) {
        if (r.kind === 'record') {
          await expectData(`${f} ${r.name}`, r.expr);
          continue;
        }
        try {
          await prom.query(substitute(r.expr), at);
        } catch (err) {
          problems.push(`${f} ${r.name}: ${(err as Error).message}`);
        }
        const operands = comparisonOperands(r.expr);
        assert.ok(operands.length > 0, `${r.name}: no operand found in ${r.expr}`);
        for (const o of operands) await expectData(`${f} ${r.name}`, o);
      }
    }
    // Dashboards: every panel target and every query variable.
    const dashboards = readdirSync(join(DEPLOY, 'grafana', 'dashboards')).filter((f) => f.endsWith('.json'));
    assert.deepEqual(dashboards.sort(), ['feature-drift.json', 'model-health.json', 'service-health.json', 'version-comparison.json']);
    for (const file of dashboards) {
      const d = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'dashboards', file), 'utf8')) as {
        panels: { title: string; type: string; targets?: { expr: string }[] }[];
        templating: { list: { name: string; type: string; query?: { query: string } | string }[] };
      };
      let targets = 0;
      for (const p of d.panels) {
        for (const t of p.targets ?? []) {
          targets++;
          await expectData(`${file} "${p.title}"`, t.expr);
        }
      }
      assert.ok(targets >= 6, `${file}: ${targets} targets`);
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const q = typeof v.query === 'string' ? v.query : v.query!.query;
        const m = /^label_values\((.+),\s*([a-z_]+)\)$/.exec(q);
        assert.ok(m, `${file} variable ${v.name}: ${q}`);
        await expectData(`${file} variable ${v.name}`, m[1]);
        const r = await prom.query(substitute(m[1]), at);
        assert.ok(r.series.some((s) => s.metric[m[2]] !== undefined), `${file} variable ${v.name}: no ${m[2]} label in ${m[1]}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked.length > 60, `${checked.length} expressions`);
  });

  test('Ctrl-C stops the demo and every process it started', async () => {
    assert.equal(await portOpen(servePort), true);
    assert.equal(await portOpen(modelPort), true);
    demo.kill('SIGINT');
    const code = await demoExit;
    assert.equal(code, 0, demoOut.slice(-2000));
    assert.match(demoOut, /demo: stopped/);
    assert.equal(await portOpen(servePort), false);
    assert.equal(await portOpen(modelPort), false);
    // modelwatch serve committed and closed its store: the DuckDB file has no write-ahead log left.
    assert.equal(existsSync(join(tmp, 'demo', 'modelwatch-data', 'modelwatch.duckdb.wal')), false);
  });
});
