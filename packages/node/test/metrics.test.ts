/**
 * Metrics of `@modelwatch/node`: values after N predictions against counts
 * computed independently in the test, read back from the Prometheus text the
 * application would serve (parsed here without prom-client).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { DEFAULT_LATENCY_BUCKETS, DEFAULT_SCORE_BUCKETS, FastCounter, FastHistogram, ID_PREFIX, ModelMonitor, OTHER, dependencyHash, wrap } from '@modelwatch/node';
import { find, flightModel, parseExposition, rng, tempDir, value } from './helpers.js';
import type { FlightInput, Sample } from './helpers.js';

const FEATURES = { hour: 'numeric', distance: 'numeric', origin: 'categorical' } as const;

async function scrape(registry: Registry): Promise<Sample[]> {
  return parseExposition(await registry.metrics());
}

/** Cumulative bucket counts under Prometheus' rule: a value is counted in every bucket with le >= value. */
function cumulative(values: number[], bounds: readonly number[]): number[] {
  return bounds.map((b) => values.filter((v) => v <= b).length);
}

describe('FastCounter / FastHistogram', () => {
  test('expose exactly what prom-client’s own Counter and Histogram expose for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const c1 = new FastCounter({ name: 'x_total', help: 'h', labelNames: ['a', 'b'], registers: [ours] });
    const c2 = new Counter({ name: 'x_total', help: 'h', labelNames: ['a', 'b'], registers: [theirs] });
    const buckets = [0.1, 0.5, 1, 5];
    const h1 = new FastHistogram({ name: 'y', help: 'h', labelNames: ['a'], buckets, registers: [ours] });
    const h2 = new Histogram({ name: 'y', help: 'h', labelNames: ['a'], buckets, registers: [theirs] });
    const r = rng(1);
    const cells = { p: c1.cell({ a: 'p', b: 'q' }), r: c1.cell({ a: 'r', b: 's"\\\n' }) };
    for (let i = 0; i < 1000; i++) {
      const k = r() < 0.3 ? 'p' : 'r';
      cells[k].value++;
      c2.inc(k === 'p' ? { a: 'p', b: 'q' } : { a: 'r', b: 's"\\\n' });
      const x = r() * 7 - 1;
      const lab = r() < 0.5 ? 'u' : 'v';
      h1.cell({ a: lab }).observe(x);
      h2.observe({ a: lab }, x);
    }
    const a = parseExposition(await ours.metrics());
    const b = parseExposition(await theirs.metrics());
    const key = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
    const mb = new Map(b.map((s) => [key(s), s.value]));
    assert.equal(a.length, b.length);
    for (const s of a) {
      assert.ok(mb.has(key(s)), `prom-client has no ${key(s)}`);
      assert.ok(Math.abs(mb.get(key(s))! - s.value) <= 1e-9 * Math.max(1, Math.abs(s.value)), `${key(s)}: ${s.value} vs ${mb.get(key(s))}`);
    }
    // The registry finds them and their parent API routes to the cells.
    assert.equal(ours.getSingleMetric('x_total'), c1);
    c1.inc({ a: 'p', b: 'q' }, 5);
    c1.labels('p', 'q').inc(2);
    h1.observe({ a: 'u' }, 100);
    const after = parseExposition(await ours.metrics());
    assert.equal(value(after, 'x_total', { a: 'p', b: 'q' }), cells.p.value);
    assert.equal(value(after, 'x_total', { a: 'p', b: 'q' }), value(a, 'x_total', { a: 'p', b: 'q' }) + 7);
    assert.equal(value(after, 'y_bucket', { a: 'u', le: '+Inf' }), value(a, 'y_bucket', { a: 'u', le: '+Inf' }) + 1);
    assert.equal(value(after, 'y_bucket', { a: 'u', le: '5' }), value(a, 'y_bucket', { a: 'u', le: '5' }));
    // NaN and ±Infinity are refused, not counted.
    const cell = h1.cell({ a: 'w' });
    assert.equal(cell.observe(NaN), false);
    assert.equal(cell.observe(Infinity), false);
    assert.equal(cell.count, 0);
    ours.resetMetrics();
    assert.equal(cells.p.value, 0);
  });

  test('cells of one histogram may have their own buckets', async () => {
    const reg = new Registry();
    const h = new FastHistogram({ name: 'z', help: 'h', labelNames: ['m'], buckets: [1, 2], registers: [reg] });
    h.cell({ m: 'a' }).observe(1.5);
    h.cell({ m: 'b' }, [10, 20, 30]).observe(25);
    const s = await scrape(reg);
    assert.deepEqual(find(s, 'z_bucket', { m: 'a' }).map((x) => x.labels.le), ['1', '2', '+Inf']);
    assert.deepEqual(find(s, 'z_bucket', { m: 'b' }).map((x) => [x.labels.le, x.value]), [['10', 0], ['20', 0], ['30', 1], ['+Inf', 1]]);
  });
});

describe('wrap: metrics after N predictions', () => {
  test('outcomes, latency, classes, scores, missing, categories (top-K) and non-finite inputs equal independent counts', async () => {
    const registry = new Registry();
    const r = rng(42);
    const airports = Array.from({ length: 30 }, (_, i) => `A${String(i).padStart(2, '0')}`);
    const N = 2000;
    const inputs: FlightInput[] = [];
    for (let i = 0; i < N; i++) {
      const u = r();
      inputs.push({
        hour: u < 0.05 ? null : Math.floor(r() * 24),
        distance: u > 0.97 ? (u > 0.985 ? NaN : Infinity) : Math.round(100 + r() * 2500),
        origin: u > 0.05 && u < 0.08 ? '' : airports[Math.floor(r() ** 2 * airports.length)],
      });
    }
    // The model fails on some inputs.
    const failing = (x: FlightInput) => x.hour === 3 && x.origin === 'A00';
    const predict = wrap(
      (x: FlightInput) => {
        if (failing(x)) throw new Error('model failure');
        return flightModel(x);
      },
      { model: 'flights', version: 'v7', task: 'binary', features: FEATURES, topK: 5, registry, processMetrics: false },
    );
    let thrown = 0;
    for (const x of inputs) {
      try {
        predict(x);
      } catch (err) {
        assert.equal((err as Error).message, 'model failure');
        thrown++;
      }
    }
    const s = await scrape(registry);
    const mv = { model: 'flights', version: 'v7' };

    // Independent expectations.
    const ok = inputs.filter((x) => !failing(x));
    assert.ok(thrown > 0 && thrown === N - ok.length);
    assert.equal(value(s, 'modelwatch_predictions_total', { ...mv, outcome: 'ok' }), ok.length);
    assert.equal(value(s, 'modelwatch_predictions_total', { ...mv, outcome: 'error' }), thrown);
    assert.equal(value(s, 'modelwatch_prediction_latency_seconds_count', mv), N);
    const latencyBuckets = find(s, 'modelwatch_prediction_latency_seconds_bucket', mv);
    assert.deepEqual(latencyBuckets.map((b) => b.labels.le), [...DEFAULT_LATENCY_BUCKETS.map(String), '+Inf']);
    for (let k = 1; k < latencyBuckets.length; k++) assert.ok(latencyBuckets[k].value >= latencyBuckets[k - 1].value, 'buckets are cumulative');

    const outputs = ok.map(flightModel);
    for (const cls of ['0', '1']) {
      assert.equal(value(s, 'modelwatch_predicted_class_total', { ...mv, class: cls }), outputs.filter((o) => String(o.prediction) === cls).length);
    }
    const allScores = outputs.map((o) => o.scores['1']);
    const scores = allScores.filter(Number.isFinite);
    // NaN distances give NaN scores: counted as non-finite outputs, not observed.
    assert.ok(allScores.length - scores.length > 0);
    assert.equal(value(s, 'modelwatch_prediction_nonfinite_total', mv), allScores.length - scores.length);
    const expectedScoreBuckets = cumulative(scores, DEFAULT_SCORE_BUCKETS);
    const scoreBuckets = find(s, 'modelwatch_prediction_score_bucket', mv);
    assert.deepEqual(scoreBuckets.map((b) => b.value), [...expectedScoreBuckets, scores.length]);
    assert.ok(Math.abs(value(s, 'modelwatch_prediction_score_sum', mv) - scores.reduce((a, b) => a + b, 0)) < 1e-9 * N);
    // A binary model has no regression-output series.
    assert.equal(find(s, 'modelwatch_prediction_value_count').length, 0);

    // Inputs are counted for failed predictions too.
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 'hour' }), inputs.filter((x) => x.hour === null).length);
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 'origin' }), inputs.filter((x) => x.origin === '').length);
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 'distance' }), 0);
    assert.equal(value(s, 'modelwatch_feature_nonfinite_total', { ...mv, feature: 'distance' }), inputs.filter((x) => !Number.isFinite(x.distance)).length);
    assert.equal(value(s, 'modelwatch_feature_nonfinite_total', { ...mv, feature: 'hour' }), 0);

    // Top-K: the first 5 distinct origins in arrival order have series, the rest fold into __other__.
    const firstK: string[] = [];
    for (const x of inputs) if (x.origin && !firstK.includes(x.origin) && firstK.length < 5) firstK.push(x.origin);
    const cats = find(s, 'modelwatch_feature_category_total', { ...mv, feature: 'origin' });
    assert.deepEqual(cats.map((c) => c.labels.category).sort(), [...firstK, OTHER].sort());
    for (const c of firstK) assert.equal(value(s, 'modelwatch_feature_category_total', { ...mv, feature: 'origin', category: c }), inputs.filter((x) => x.origin === c).length);
    assert.equal(
      value(s, 'modelwatch_feature_category_total', { ...mv, feature: 'origin', category: OTHER }),
      inputs.filter((x) => x.origin && !firstK.includes(x.origin)).length,
    );
    // Numeric features have no category series.
    assert.equal(find(s, 'modelwatch_feature_category_total', { feature: 'distance' }).length, 0);
  });

  test('regression: prediction histogram on configured buckets; NaN/Infinity outputs counted as non-finite', async () => {
    const registry = new Registry();
    const buckets = [0, 10, 20, 40, 80];
    const predict = wrap((x: { d: number }) => (x.d < 0 ? NaN : x.d > 1000 ? Infinity : x.d / 10), {
      model: 'delay',
      task: 'regression',
      features: { d: 'numeric' },
      predictionBuckets: buckets,
      registry,
      processMetrics: false,
    });
    const ds = Array.from({ length: 500 }, (_, i) => (i % 50 === 0 ? -1 : i % 77 === 0 ? 5000 : i * 1.7));
    for (const d of ds) predict({ d });
    const s = await scrape(registry);
    const mv = { model: 'delay', version: 'v1' };
    const finite = ds.filter((d) => d >= 0 && d <= 1000).map((d) => d / 10);
    assert.deepEqual(find(s, 'modelwatch_prediction_value_bucket', mv).map((b) => b.value), [...cumulative(finite, buckets), finite.length]);
    assert.equal(value(s, 'modelwatch_prediction_nonfinite_total', mv), ds.length - finite.length);
    assert.equal(find(s, 'modelwatch_predicted_class_total').length, 0);
    assert.equal(find(s, 'modelwatch_prediction_score_count').length, 0);
  });

  test('multiclass: the score histogram observes the predicted class’s score; scoreClass picks another', async () => {
    const registry = new Registry();
    const classes = ['cat', 'dog', 'eel'];
    const model = (x: { v: number }) => {
      const raw = classes.map((_, k) => Math.exp(-((x.v - k) ** 2)));
      const sum = raw.reduce((a, b) => a + b, 0);
      const probs = Object.fromEntries(classes.map((c, k) => [c, raw[k] / sum]));
      const best = classes.reduce((a, b) => (probs[a] >= probs[b] ? a : b));
      return { prediction: best, probabilities: probs };
    };
    const vs = Array.from({ length: 300 }, (_, i) => (i / 300) * 2.5);
    const conf = wrap(model, { model: 'zoo', task: 'multiclass', registry, processMetrics: false, features: ['v'] });
    const eel = wrap(model, { model: 'zoo2', task: 'multiclass', registry, processMetrics: false, features: ['v'], scoreClass: 'eel' });
    for (const v of vs) {
      conf({ v });
      eel({ v });
    }
    const s = await scrape(registry);
    const outs = vs.map((v) => model({ v }));
    assert.ok(Math.abs(value(s, 'modelwatch_prediction_score_sum', { model: 'zoo' }) - outs.reduce((a, o) => a + o.probabilities[o.prediction], 0)) < 1e-9);
    assert.ok(Math.abs(value(s, 'modelwatch_prediction_score_sum', { model: 'zoo2' }) - outs.reduce((a, o) => a + o.probabilities.eel, 0)) < 1e-9);
    for (const c of classes) assert.equal(value(s, 'modelwatch_predicted_class_total', { model: 'zoo', class: c }), outs.filter((o) => o.prediction === c).length);
  });

  test('learned features: names come from the inputs, an absent known feature counts as missing, at most maxFeatures names', async () => {
    const registry = new Registry();
    const monitor = new ModelMonitor({ model: 'learn', registry, processMetrics: false, maxFeatures: 3 });
    const rec = monitor.version();
    const inputs: Record<string, unknown>[] = [
      { a: 1, b: 'x' },
      { a: 2 }, // b missing
      { a: null, b: 'y', c: true }, // a missing
      { a: 3, b: 'x', c: false, d: 5, e: 'z' }, // d and e beyond maxFeatures
      { b: 'x', c: true, d: 1 }, // a missing
    ];
    for (const x of inputs) rec.record({ features: x, prediction: 1 });
    const s = await scrape(registry);
    const mv = { model: 'learn', version: 'v1' };
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 'a' }), 2);
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 'b' }), 1);
    // c is known from the third input on; absent from none after that.
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 'c' }), 0);
    assert.deepEqual(find(s, 'modelwatch_feature_missing_total', mv).map((x) => x.labels.feature).sort(), [OTHER, 'a', 'b', 'c']);
    assert.equal(value(s, 'modelwatch_feature_category_total', { ...mv, feature: 'b', category: 'x' }), 3);
    assert.equal(value(s, 'modelwatch_feature_category_total', { ...mv, feature: 'c', category: 'true' }), 2);
    // d (twice, numeric) and e (once, a string) share the __other__ feature.
    assert.equal(value(s, 'modelwatch_feature_category_total', { ...mv, feature: OTHER, category: 'z' }), 1);
  });

  test('array inputs are read in declared feature order; wrong-kind values count as missing', async () => {
    const registry = new Registry();
    const monitor = new ModelMonitor({ model: 'arr', registry, processMetrics: false, features: { x: 'numeric', c: 'categorical', t: 'presence' } });
    const rec = monitor.version();
    rec.record({ features: [1, 'a', 'some text'], prediction: 0 });
    rec.record({ features: ['oops', 7, null], prediction: 0 }); // x: a string in a numeric feature
    rec.record({ features: [true, false, ''], prediction: 0 });
    rec.record({ features: null, prediction: 0 });
    const s = await scrape(registry);
    const mv = { model: 'arr', version: 'v1' };
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 'x' }), 3);
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 'c' }), 1);
    assert.equal(value(s, 'modelwatch_feature_missing_total', { ...mv, feature: 't' }), 3);
    assert.deepEqual(
      find(s, 'modelwatch_feature_category_total', { ...mv, feature: 'c' }).map((x) => [x.labels.category, x.value]),
      [['a', 1], ['7', 1], ['false', 1]],
    );
    // Free text (presence) gets no category series.
    assert.equal(find(s, 'modelwatch_feature_category_total', { feature: 't' }).length, 0);
  });

  test('label bounds: classes, versions and over-long categories fold into __other__; hostile strings survive the exposition', async () => {
    const registry = new Registry();
    const monitor = new ModelMonitor({ model: 'bounds', registry, processMetrics: false, maxClasses: 3, classes: ['yes', 'no'], maxVersions: 2, features: { c: 'categorical' }, topK: 3 });
    let s = await scrape(registry);
    // Declared classes exist from the start.
    assert.equal(value(s, 'modelwatch_predicted_class_total', { version: 'v1', class: 'yes' }), 0);
    const rec = monitor.version();
    for (const p of ['yes', 'no', 'maybe', 'perhaps', 'never', 'yes']) rec.record({ prediction: p, features: { c: 'x' } });
    const hostile = 'a"b\\c\nd';
    rec.record({ prediction: 'no', features: { c: hostile } });
    rec.record({ prediction: 'no', features: { c: 'L'.repeat(200) } });
    rec.record({ prediction: 'no', features: { c: 'z' } });
    monitor.record({ version: 'v2', prediction: 'yes' });
    monitor.record({ version: 'v3', prediction: 'yes' });
    monitor.record({ version: 'v4', prediction: 'yes' });
    s = await scrape(registry);
    assert.deepEqual(
      find(s, 'modelwatch_predicted_class_total', { version: 'v1' }).map((x) => [x.labels.class, x.value]),
      [['yes', 2], ['no', 4], ['maybe', 1], [OTHER, 2]],
    );
    assert.deepEqual(find(s, 'modelwatch_predictions_total', { outcome: 'ok' }).map((x) => [x.labels.version, x.value]), [['v1', 9], ['v2', 1], [OTHER, 2]]);
    // The hostile value keeps its own series and round-trips; the 200-character value folds.
    assert.equal(value(s, 'modelwatch_feature_category_total', { feature: 'c', category: hostile }), 1);
    assert.equal(value(s, 'modelwatch_feature_category_total', { feature: 'c', category: OTHER }), 1);
    assert.equal(value(s, 'modelwatch_feature_category_total', { feature: 'c', category: 'z' }), 1);
  });

  test('async predict: results recorded when the promise settles; a rejection is recorded and passed on unchanged', async () => {
    const registry = new Registry();
    const boom = new Error('boom');
    const predict = wrap(
      async (x: { v: number }) => {
        // At least 2 ms by the monotonic clock (a timer alone may fire early against it).
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, 2));
        while (performance.now() - t0 < 2);
        if (x.v < 0) throw boom;
        return x.v;
      },
      { model: 'asy', task: 'regression', registry, processMetrics: false, predictionBuckets: [1, 2, 3] },
    );
    assert.equal(await predict({ v: 2 }), 2);
    await assert.rejects(predict({ v: -1 }), (err) => err === boom);
    const s = await scrape(registry);
    assert.equal(value(s, 'modelwatch_predictions_total', { outcome: 'ok' }), 1);
    assert.equal(value(s, 'modelwatch_predictions_total', { outcome: 'error' }), 1);
    assert.equal(value(s, 'modelwatch_prediction_value_sum', {}), 2);
    // Both waited ≥ 2 ms: the latency is the promise's, not the synchronous call's.
    assert.ok(value(s, 'modelwatch_prediction_latency_seconds_sum', {}) >= 0.004);
    assert.equal(value(s, 'modelwatch_prediction_latency_seconds_bucket', { le: '0.0005' }), 0);
  });

  test('a throwing extractor never reaches the caller; the prediction is still counted', async () => {
    const registry = new Registry();
    const warnings: string[] = [];
    const predict = wrap((x: number) => x * 2, {
      model: 'ext',
      registry,
      processMetrics: false,
      featuresOf: () => {
        throw new Error('bad extractor');
      },
      logger: { warn: (obj) => warnings.push(JSON.stringify(obj)) },
    });
    assert.equal(predict(21), 42);
    assert.equal(predict(1), 2);
    const s = await scrape(registry);
    assert.equal(value(s, 'modelwatch_predictions_total', { outcome: 'ok' }), 2);
    assert.equal(warnings.length, 1, 'reported once (rate-limited)');
    assert.match(warnings[0], /bad extractor/);
  });

  test('record() returns the given id or a generated, unique one', () => {
    const monitor = new ModelMonitor({ model: 'ids', registry: new Registry(), processMetrics: false });
    assert.equal(monitor.record({ id: 'req-1', prediction: 1 }), 'req-1');
    const ids = new Set(Array.from({ length: 1000 }, () => monitor.record({ prediction: 1 })));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.ok(String(id).startsWith(ID_PREFIX));
  });
});

describe('model info and process metrics', () => {
  test('deps_hash follows the dependencies: lockfile and dependency changes show, reformatting does not', async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { a: '^1.0.0' } }));
      writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}}}');
      const h1 = dependencyHash({ dir });
      assert.match(h1, /^[0-9a-f]{12}$/);
      // The app's own version and the formatting are not dependencies.
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '1.0.1', name: 'app', dependencies: { a: '^1.0.0' } }, null, 2));
      assert.equal(dependencyHash({ dir }), h1);
      writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.1"}}}');
      const h2 = dependencyHash({ dir });
      assert.notEqual(h2, h1);
      writeFileSync(join(dir, 'model.bin'), Buffer.from([1, 2, 3]));
      const h3 = dependencyHash({ dir, artefacts: ['model.bin'] });
      assert.notEqual(h3, h2);
      writeFileSync(join(dir, 'model.bin'), Buffer.from([1, 2, 4]));
      assert.notEqual(dependencyHash({ dir, artefacts: ['model.bin'] }), h3);
      assert.throws(() => dependencyHash({ dir, artefacts: ['nope.bin'] }), /artefact .*nope\.bin does not exist/);

      const registry = new Registry();
      const loadedAt = Date.UTC(2024, 4, 1);
      const monitor = new ModelMonitor({ model: 'info', version: 'v2', registry, depsHash: { dir }, loadedAt });
      let s = await scrape(registry);
      assert.equal(value(s, 'modelwatch_model_info', { model: 'info', version: 'v2', deps_hash: h2 }), 1);
      assert.equal(value(s, 'modelwatch_model_loaded_timestamp_seconds', { model: 'info', version: 'v2' }), loadedAt / 1000);
      // A reload with new artefacts replaces the series.
      monitor.markLoaded('v2', loadedAt + 60_000, 'abc123');
      s = await scrape(registry);
      assert.deepEqual(find(s, 'modelwatch_model_info', { model: 'info' }).map((x) => x.labels.deps_hash), ['abc123']);
      assert.equal(value(s, 'modelwatch_model_loaded_timestamp_seconds', { model: 'info', version: 'v2' }), loadedAt / 1000 + 60);
      // Process metrics are on by default.
      assert.ok(find(s, 'process_cpu_user_seconds_total').length === 1);
      assert.ok(find(s, 'process_resident_memory_bytes').length === 1);
      assert.ok(find(s, 'nodejs_eventloop_lag_seconds').length === 1);
    } finally {
      cleanup();
    }
  });

  test('processMetrics: false leaves them out; a second monitor on the registry shares the families', async () => {
    const registry = new Registry();
    new ModelMonitor({ model: 'a', registry, processMetrics: false, depsHash: 'x' });
    new ModelMonitor({ model: 'b', registry, processMetrics: false, depsHash: 'y' });
    const s = await scrape(registry);
    assert.equal(find(s, 'process_cpu_user_seconds_total').length, 0);
    assert.deepEqual(find(s, 'modelwatch_model_info').map((x) => x.labels.model), ['a', 'b']);
  });
});

describe('option errors name the field', () => {
  const registry = new Registry();
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['model name', { model: 'bad name!' }, /^TypeError: model: expected a model name/],
    ['version', { model: 'm', version: '' }, /version: expected a non-empty string/],
    ['task', { model: 'm', task: 'ranking' }, /task: expected "binary", "multiclass" or "regression"/],
    ['feature kind', { model: 'm', features: { a: 'number' } }, /features\.a: expected "numeric"/],
    ['duplicate feature', { model: 'm', features: ['a', 'a'] }, /"a" is declared twice/],
    ['buckets', { model: 'm', latencyBuckets: [1, 1] }, /latencyBuckets\[1\]: bucket bounds must increase strictly/],
    ['topK', { model: 'm', topK: 0 }, /topK: expected an integer between 1 and/],
    ['classes', { model: 'm', classes: ['a', 'b'], maxClasses: 1 }, /classes: 2 classes but maxClasses is 1/],
  ];
  for (const [what, opts, re] of cases) {
    test(what, () => {
      assert.throws(() => new ModelMonitor({ registry, processMetrics: false, depsHash: 'x', ...opts } as never), (err: Error) => re.test(String(err)));
    });
  }
  test('a foreign metric with one of our names', () => {
    const reg = new Registry();
    new Counter({ name: 'modelwatch_predictions_total', help: 'theirs', registers: [reg] });
    assert.throws(() => new ModelMonitor({ model: 'm', registry: reg, processMetrics: false, depsHash: 'x' }), /already has a metric named modelwatch_predictions_total/);
  });
});
