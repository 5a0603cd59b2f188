/**
 * The flights example's parts, each on its own: model metrics against brute
 * force, training on synthetic data with a known signal, model files round
 * trips, fault parsing and application, the model server's request handling
 * (Fastify inject, no exporter), and the test helpers' PromQL splitter.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { FlightColumns } from '../src/flights.js';
import { isoDay, parseTime } from '../src/flights.js';
import { DEFAULT_FAULTS, applyInputFaults, canaryWeightAt, parseCanary, parseNewAirport, parseNullFeature, parseUnitChange } from '../src/faults.js';
import { ForestModel, LogisticModel, bestF1Threshold, loadModel, rng, rocAuc, scoreColumns } from '../src/model.js';
import { parseDuration, replayOptionsFrom } from '../src/replay.js';
import { buildModelServer } from '../src/server.js';
import { REPO_ROOT, comparisonOperands, ruleExpressions } from './helpers.js';

const AIRPORTS = ['ORD', 'ATL', 'DFW', 'LAX', 'SFO', 'JFK', 'DEN', 'PHX', 'IAH', 'LAS', 'SEA', 'BOS'];

/**
 * Synthetic flights whose delay probability depends on hour, origin and distance
 * through a known logistic model (the truth the trainer should recover).
 */
function synthetic(n: number, seed: number): FlightColumns {
  const u = rng(seed);
  const c: FlightColumns = {
    n,
    row: new Float64Array(n),
    ts: new Float64Array(n),
    depHour: new Float64Array(n),
    dayOfWeek: new Float64Array(n),
    distance: new Float64Array(n),
    delay: new Float64Array(n),
    origin: [],
    destination: [],
  };
  for (let i = 0; i < n; i++) {
    const hour = Math.floor(u() * 24);
    const origin = AIRPORTS[Math.floor(u() * AIRPORTS.length)];
    const destination = AIRPORTS[Math.floor(u() * AIRPORTS.length)];
    const distance = Math.round(100 + u() * 2400);
    const z = -2 + 0.12 * (hour - 12) + (origin === 'ORD' ? 1.2 : origin === 'ATL' ? 0.6 : 0) + 0.0004 * (distance - 1000);
    const delayed = u() < 1 / (1 + Math.exp(-z));
    c.row[i] = i + 1;
    c.ts[i] = Date.UTC(2001, 0, 1) + i * 1000;
    c.depHour[i] = hour;
    c.dayOfWeek[i] = Math.floor(u() * 7);
    c.distance[i] = distance;
    c.delay[i] = delayed ? 30 + Math.floor(u() * 60) : -5 + Math.floor(u() * 15);
    c.origin.push(origin);
    c.destination.push(destination);
  }
  return c;
}

const labels = (c: FlightColumns) => Float64Array.from(c.delay, (d) => (d > 15 ? 1 : 0));
const WINDOW = { from: Date.UTC(2001, 0, 1), to: Date.UTC(2001, 1, 1) };

describe('model metrics', () => {
  test('rocAuc equals the share of correctly ordered (positive, negative) pairs, ties counting half', () => {
    const u = rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(u() * 60);
      const s = Array.from({ length: n }, () => Math.round(u() * 10) / 10); // many ties
      const y = Array.from({ length: n }, () => (u() < 0.4 ? 1 : 0));
      let good = 0;
      let pairs = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (y[i] !== 1 || y[j] !== 0) continue;
          pairs++;
          good += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
      }
      const expected = pairs === 0 ? NaN : good / pairs;
      const got = rocAuc(s, y);
      if (Number.isNaN(expected)) assert.ok(Number.isNaN(got));
      else assert.ok(Math.abs(got - expected) < 1e-12, `${got} vs ${expected}`);
    }
  });

  test('bestF1Threshold is the best threshold among the scores, by brute force', () => {
    const u = rng(12);
    for (let trial = 0; trial < 20; trial++) {
      const n = 10 + Math.floor(u() * 50);
      const s = Array.from({ length: n }, () => Math.round(u() * 20) / 20);
      const y = Array.from({ length: n }, (_, i) => (u() < 0.2 + 0.6 * s[i] ? 1 : 0));
      if (!y.includes(1)) continue;
      let best = 0;
      for (const t of new Set(s)) {
        let tp = 0;
        let fp = 0;
        let fn = 0;
        for (let i = 0; i < n; i++) {
          if (s[i] >= t && y[i] === 1) tp++;
          else if (s[i] >= t) fp++;
          else if (y[i] === 1) fn++;
        }
        best = Math.max(best, (2 * tp) / (2 * tp + fp + fn));
      }
      const got = bestF1Threshold(s, y);
      assert.ok(Math.abs(got.f1 - best) < 1e-12, `${got.f1} vs ${best}`);
      // The threshold reproduces its F1.
      let tp = 0;
      let predicted = 0;
      const positives = y.filter((v) => v === 1).length;
      for (let i = 0; i < n; i++) {
        if (s[i] >= got.threshold) {
          predicted++;
          if (y[i] === 1) tp++;
        }
      }
      assert.ok(Math.abs((2 * tp) / (predicted + positives) - got.f1) < 1e-12);
    }
  });
});

describe('models', () => {
  const train = synthetic(40_000, 1);
  const holdout = synthetic(10_000, 2);

  test('v1 (logistic regression) recovers the signal: holdout ROC AUC close to the true model\'s', () => {
    // 40k flights need more passes than January's 508k to converge (about the same number of steps).
    const m = LogisticModel.train(train, WINDOW, { topAirports: AIRPORTS.length, epochs: 40 });
    const y = labels(holdout);
    const auc = rocAuc(scoreColumns(m, holdout), y);
    // The true model's AUC on the same flights: the ceiling.
    const truth = Float64Array.from({ length: holdout.n }, (_, i) => -2 + 0.12 * (holdout.depHour[i] - 12) + (holdout.origin[i] === 'ORD' ? 1.2 : holdout.origin[i] === 'ATL' ? 0.6 : 0) + 0.0004 * (holdout.distance[i] - 1000));
    const ceiling = rocAuc(truth, y);
    assert.ok(auc > ceiling - 0.005 && auc <= ceiling + 0.005, `AUC ${auc}, true model ${ceiling}`);
    assert.equal(m.training.rows, train.n);
    assert.equal(m.training.from, '2001-01-01');
    // Deterministic for a seed.
    const again = LogisticModel.train(train, WINDOW, { topAirports: AIRPORTS.length, epochs: 40 });
    assert.deepEqual(again.params.weights, m.params.weights);
    assert.equal(again.threshold, m.threshold);
  });

  test('model files round-trip: the loaded model scores every flight exactly as the trained one', () => {
    const v1 = LogisticModel.train(train, WINDOW, { topAirports: 8 });
    const v2 = ForestModel.train(train, WINDOW, { sampleSize: 300, trees: 5, maxDepth: 4 });
    for (const m of [v1, v2]) {
      const loaded = loadModel(JSON.parse(JSON.stringify(m.toJSON())));
      assert.equal(loaded.kind, m.kind);
      assert.equal(loaded.threshold, m.threshold);
      assert.deepEqual(scoreColumns(loaded, holdout), scoreColumns(m, holdout));
    }
    assert.ok(rocAuc(scoreColumns(v2, holdout), labels(holdout)) > 0.6);
    assert.throws(() => loadModel({ format: 'something else' }, 'x.json'), /x\.json: not a flights model file/);
    assert.throws(() => loadModel({ format: 'modelwatch-flights-model/1', kind: 'svm' }, 'x.json'), /unknown model kind "svm"/);
  });

  test('missing and unknown inputs give a finite score (a broken source must not take the service down)', () => {
    const v1 = LogisticModel.train(train, WINDOW, { topAirports: 8 });
    const v2 = ForestModel.train(train, WINDOW, { sampleSize: 300, trees: 3, maxDepth: 3 });
    const inputs = [
      { dep_hour: null, day_of_week: null, distance: null, origin: null, destination: null },
      { dep_hour: 7, day_of_week: 2, distance: 1e9, origin: 'KORD', destination: 'ZZZ' },
      { dep_hour: 25, day_of_week: -1, distance: -5, origin: '', destination: 'ATL' },
    ];
    for (const m of [v1, v2]) {
      for (const x of inputs) {
        const p = m.predict(x);
        assert.ok(Number.isFinite(p.scores['1']) && p.scores['1'] >= 0 && p.scores['1'] <= 1, `${m.kind}: ${JSON.stringify(x)} → ${p.scores['1']}`);
        assert.equal(p.prediction, p.scores['1'] >= m.threshold ? 1 : 0);
      }
    }
    // An unknown airport is the "other" airport of training.
    assert.equal(v1.score({ dep_hour: 7, day_of_week: 2, distance: 500, origin: 'KORD', destination: 'ATL' }), v1.score({ dep_hour: 7, day_of_week: 2, distance: 500, origin: 'XXX', destination: 'ATL' }));
  });
});

describe('faults', () => {
  const x = { dep_hour: 8, day_of_week: 3, distance: 1000, origin: 'ORD', destination: 'ORD' };
  const at = (day: string) => parseTime(day, 't');

  test('flags parse with their defaults, and errors name the flag', () => {
    assert.deepEqual(parseUnitChange('2001-05-01'), { type: 'unit_change', from: at('2001-05-01'), feature: 'distance', factor: 1.609344 });
    assert.deepEqual(parseUnitChange('2001-05-01T06:00:distance:2'), { type: 'unit_change', from: Date.UTC(2001, 4, 1, 6), feature: 'distance', factor: 2 });
    assert.deepEqual(parseNullFeature('2001-02-20'), { type: 'null_feature', from: at('2001-02-20'), to: at('2001-02-21'), feature: 'dep_hour' });
    assert.deepEqual(parseNullFeature('2001-02-20:origin:2'), { type: 'null_feature', from: at('2001-02-20'), to: at('2001-02-22'), feature: 'origin' });
    assert.deepEqual(parseNewAirport('2001-03-15'), { type: 'new_category', from: at('2001-03-15'), old: 'ORD', replacement: 'KORD' });
    assert.deepEqual(parseCanary('2001-04-02:10'), { type: 'canary', from: at('2001-04-02'), weight: 10 });
    assert.throws(() => parseUnitChange('2001-05-01:origin'), /--unit-change 2001-05-01:origin: the feature must be one of distance, dep_hour, day_of_week/);
    assert.throws(() => parseNullFeature('2001-02-20:colour'), /--null-feature .*: the feature must be one of/);
    assert.throws(() => parseNewAirport('2001-03-15:ORD'), /--new-airport .*: expected DATE\[:OLD=NEW\]/);
    assert.throws(() => parseCanary('2001-04-02:150'), /--canary .*: the share must be a percentage/);
    assert.throws(() => parseCanary('yesterday'), /expected a date like 2001-02-01/);
    assert.deepEqual(DEFAULT_FAULTS.map((f) => [f.type, isoDay(f.from)]), [
      ['null_feature', '2001-02-20'],
      ['new_category', '2001-03-15'],
      ['canary', '2001-04-02'],
      ['unit_change', '2001-05-01'],
    ]);
  });

  test('input faults apply from their date (null features only for their days), without changing the input', () => {
    const faults = [parseNullFeature('2001-02-02'), parseUnitChange('2001-02-03'), parseNewAirport('2001-02-04')];
    const copy = { ...x };
    assert.deepEqual(applyInputFaults(x, at('2001-02-01') + 5, faults), x);
    assert.deepEqual(applyInputFaults(x, at('2001-02-02') + 5, faults), { ...x, dep_hour: null });
    assert.deepEqual(applyInputFaults(x, at('2001-02-03') - 1, faults), { ...x, dep_hour: null });
    assert.deepEqual(applyInputFaults(x, at('2001-02-03'), faults), { ...x, distance: 1609.344 });
    assert.deepEqual(applyInputFaults(x, at('2001-02-04'), faults), { ...x, distance: 1609.344, origin: 'KORD', destination: 'KORD' });
    assert.deepEqual(x, copy);
  });

  test('the canary weight in force is the latest canary that started', () => {
    const faults = [parseCanary('2001-02-05:5'), parseCanary('2001-02-07:20')];
    assert.equal(canaryWeightAt(at('2001-02-04'), faults), 0);
    assert.equal(canaryWeightAt(at('2001-02-05'), faults), 5);
    assert.equal(canaryWeightAt(at('2001-02-08'), faults), 20);
  });

  test('replay options: defaults, fast concurrency, errors', () => {
    const o = replayOptionsFrom({}, 'http://x');
    assert.equal(isoDay(o.from), '2001-02-01');
    assert.equal(isoDay(o.to), '2001-07-01');
    assert.equal(o.daysPerMinute, 2);
    assert.equal(o.concurrency, 8);
    assert.equal(o.labelLagMs, 6 * 3_600_000);
    assert.equal(o.faults.length, 4);
    assert.equal(o.maxBacklog, 100_000);
    assert.equal(replayOptionsFrom({ 'max-backlog': '0' }, 'http://x').maxBacklog, 0);
    assert.equal(replayOptionsFrom({ fast: true }, 'http://x').concurrency, 32);
    assert.deepEqual(replayOptionsFrom({ 'no-faults': true }, 'http://x').faults, []);
    assert.deepEqual(replayOptionsFrom({ canary: ['2001-02-05'] }, 'http://x').faults, [parseCanary('2001-02-05')]);
    assert.throws(() => replayOptionsFrom({ from: '2001-03-01', to: '2001-02-01' }, 'http://x'), /--to: must be after --from/);
    assert.throws(() => replayOptionsFrom({ sample: '2' }, 'http://x'), /--sample: expected a number 0..1/);
    assert.equal(parseDuration('90s', 'x'), 90_000);
    assert.throws(() => parseDuration('soon', '--label-lag'), /--label-lag: expected a duration/);
  });
});

describe('model server (no exporter)', () => {
  const v1 = LogisticModel.train(synthetic(5000, 3), WINDOW, { topAirports: 8 });
  const v2 = ForestModel.train(synthetic(5000, 4), WINDOW, { sampleSize: 200, trees: 3, maxDepth: 3 });

  test('predicts, keeps null as missing (never coerced to 0), rejects malformed input with 400', async () => {
    const registry = new Registry();
    const s = await buildModelServer({ v1, v2, registry });
    try {
      const body = { id: 'f1', ts: Date.UTC(2001, 1, 1), dep_hour: 7, day_of_week: 4, distance: 700, origin: 'ORD', destination: 'ATL' };
      let res = await s.app.inject({ method: 'POST', url: '/predict', payload: body });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { id: 'f1', version: 'v1', ...v1.predict(body) });
      res = await s.app.inject({ method: 'POST', url: '/predict', payload: { ...body, id: 'f2', dep_hour: null } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().scores['1'], v1.score({ ...body, dep_hour: null }));
      assert.notEqual(res.json().scores['1'], v1.score({ ...body, dep_hour: 0 }));
      for (const bad of [{ ...body, dep_hour: 30 }, { ...body, origin: 'X'.repeat(40) }, { ...body, colour: 'red' }, { dep_hour: 7 }]) {
        res = await s.app.inject({ method: 'POST', url: '/predict', payload: bad });
        assert.equal(res.statusCode, 400, JSON.stringify(bad));
      }
      const metrics = await registry.metrics();
      assert.match(metrics, /modelwatch_predictions_total\{model="flights",version="v1",outcome="ok"\} 2\n/);
      assert.match(metrics, /modelwatch_feature_missing_total\{model="flights",version="v1",feature="dep_hour"\} 1\n/);
      res = await s.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /modelwatch_model_info\{model="flights",version="v2",deps_hash="[0-9a-f]{12}"\} 1/);
    } finally {
      await s.close();
    }
  });

  test('the canary: weights over PUT /canary route flights by a stable hash of their id', async () => {
    const s = await buildModelServer({ v1, v2, registry: new Registry() });
    try {
      let res = await s.app.inject({ method: 'PUT', url: '/canary', payload: { v1: 50, v2: 50 } });
      assert.deepEqual(res.json(), { v1: 50, v2: 50 });
      const versions: Record<string, string> = {};
      for (let i = 0; i < 400; i++) {
        res = await s.app.inject({ method: 'POST', url: '/predict', payload: { id: `f${i}`, dep_hour: 7, day_of_week: 1, distance: 500, origin: 'ATL', destination: 'ORD' } });
        versions[`f${i}`] = res.json().version;
      }
      const v2Share = Object.values(versions).filter((v) => v === 'v2').length / 400;
      assert.ok(Math.abs(v2Share - 0.5) < 5 * Math.sqrt(0.25 / 400), `${v2Share}`);
      // Sticky: the same flight gets the same version again.
      res = await s.app.inject({ method: 'POST', url: '/predict', payload: { id: 'f7', dep_hour: 7, day_of_week: 1, distance: 500, origin: 'ATL', destination: 'ORD' } });
      assert.equal(res.json().version, versions.f7);
      res = await s.app.inject({ method: 'PUT', url: '/canary', payload: { v3: 5 } });
      assert.equal(res.statusCode, 400);
      res = await s.app.inject({ method: 'PUT', url: '/canary', payload: { v1: 0, v2: 0 } });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().message, /must not all be 0/);
      res = await s.app.inject({ method: 'POST', url: '/feedback', payload: [{ id: 'f1', delay: 20 }] });
      assert.deepEqual(res.json(), { accepted: 1, forwarded: false });
    } finally {
      await s.close();
    }
  });
});

describe('test helpers', () => {
  test('comparisonOperands finds the non-constant sides of comparisons and set operations', () => {
    assert.deepEqual(comparisonOperands('a:b:rate5m > 0.01'), ['a:b:rate5m']);
    assert.deepEqual(comparisonOperands('up{job=~"a|b"} == 0'), ['up{job=~"a|b"}']);
    assert.deepEqual(comparisonOperands('x{a!="b",c="d"} >= 0.5'), ['x{a!="b",c="d"}']);
    assert.deepEqual(comparisonOperands('time() - max by (j) (m) > 30 * 86400'), ['time() - max by (j) (m)']);
    assert.deepEqual(comparisonOperands('h(0.99, rate(b[30m])) > 1.5 * h(0.99, rate(b[30m] offset 1d)) and h(0.99, rate(b[30m])) > 0.005'), [
      'h(0.99, rate(b[30m]))',
      '1.5 * h(0.99, rate(b[30m] offset 1d))',
      'h(0.99, rate(b[30m]))',
    ]);
    assert.deepEqual(comparisonOperands('min by (m, v) (q{metric="roc_auc"}) < 0.58 and on (m, v) max by (m, v) (c) > 0.5'), ['min by (m, v) (q{metric="roc_auc"})', 'max by (m, v) (c)']);
    assert.deepEqual(comparisonOperands('a > bool on (x) group_left (y) b'), ['a', 'b']);
    assert.deepEqual(comparisonOperands('sum(operand) > 1'), ['sum(operand)']);
  });

  test('ruleExpressions reads every rule of the shipped files', () => {
    const rules = ['service.rules.yml', 'model.rules.yml'].flatMap((f) => ruleExpressions(readFileSync(join(REPO_ROOT, 'deploy', f), 'utf8')));
    const names = rules.map((r) => r.name);
    for (const n of ['modelwatch:prediction_error_ratio:rate5m', 'ModelPredictionLatencyRegression', 'ModelStale', 'ModelFeatureDrift', 'ModelQualityDrop', 'ModelLabelLagHigh', 'ModelFeatureMissingValuesLive']) {
      assert.ok(names.includes(n), n);
    }
    const latency = rules.find((r) => r.name === 'ModelPredictionLatencyRegression')!;
    assert.match(latency.expr, /offset 1d\)\)\) and histogram_quantile/);
  });
});
