/**
 * `modelwatch rules`: the alert rules of a modelwatch.yaml as a Prometheus
 * rules file. Checked with Debian's real `promtool`: `check rules` accepts the
 * output; `test rules` fires the drift alerts on input series of the exported
 * gauges; and, differentially, every translated expression evaluated by
 * Prometheus on the gauges that the real export (`ModelMetrics`) makes of a
 * result equals the value modelwatch's own engine computes from that result.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import { loadConfigFile, rulePromQL } from '@modelwatch/server';
import type { AlertRule } from '@modelwatch/server';
import { ModelMetrics } from '../../server/src/metrics/model-metrics.js';
import { compileRule, seriesOf } from '../../server/src/alerts/rules.js';
import type { FeatureResult, MonitorResult } from '../../server/src/monitor/result.js';
import { main } from '../src/main.js';
import type { CommandContext } from '../src/commands/context.js';
import { Progress } from '../src/output/progress.js';
import { runCli } from './helpers/cli.js';

const PROMTOOL = '/usr/bin/promtool';
const dir = mkdtempSync(join(tmpdir(), 'mw-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = `
models:
  fraud:
    task: binary
    schema:
      columns:
        - { name: amount, kind: numeric, role: feature }
        - { name: age, kind: numeric, role: feature }
        - { name: pred, kind: categorical, role: prediction }
        - { name: label, kind: categorical, role: target }
    monitors:
      - { name: drift, type: feature_drift, window: 1h }
      - { name: quality, type: model_quality, window: 1d }
      - { name: dq, type: data_quality, window: 1h }
    alerts:
      - { name: drift-high, monitor: drift, metric: dataset_drift_share, op: ">=", threshold: 0.5, for: 30m, severity: critical, notify: [ops] }
      - { name: amount-drift, monitor: drift, metric: drift_detected, feature: amount, op: "==", threshold: 1 }
      - { name: feature-drift, monitor: drift, metric: drift_detected, op: "==", threshold: 1, for: 20m, severity: info }
      - { name: e-rows, monitor: drift, expr: "dataset_drift_share * rows / 100", op: ">", threshold: 5 }
      - { name: e-amount, monitor: drift, expr: "drift_score * 10 + dataset_drift_share", feature: amount, op: ">", threshold: 3 }
      - { name: e-clamp, monitor: drift, expr: "max(drift_score, 0.1) / dataset_drift_share", feature: amount, op: ">", threshold: 1 }
      - { name: e-logic, monitor: drift, expr: "drift_score > 0.2 and drift_detected == 1", op: "==", threshold: 1 }
      - { name: e-not, monitor: drift, expr: "not dataset_drift_detected or rows < 50", op: "==", threshold: 1 }
      - { name: e-abs, monitor: drift, expr: "abs(drift_score - 0.5) * (2 + 1) % 7", op: "<", threshold: 1 }
      - { name: e-neg, monitor: drift, expr: "-dataset_drift_share + 10 % 3", op: ">", threshold: 0 }
      - { name: e-quality, monitor: quality, expr: "f1 < 0.8 and label_coverage_ratio > 0.2", op: "==", threshold: 1 }
      - { name: e-min, monitor: dq, expr: "min(missing_ratio, 0.5, 0.7) + data_quality_violations", feature: amount, op: ">", threshold: 0.1 }
      - { name: pvalue, monitor: drift, metric: p_value, feature: amount, op: "<", threshold: 0.01 }
      - { name: two-max, monitor: quality, expr: "max(f1, precision)", op: "<", threshold: 0.5 }
      - { name: window-missing, monitor: dq, metric: missing_ratio, op: ">", threshold: 0.1 }
notifications:
  - { name: ops, type: webhook, url: "http://127.0.0.1:9/hook", headers: { authorization: "Bearer x" } }
auth:
  tokens: [{ name: ingest, tokenEnv: MW_RULES_TEST_UNSET_TOKEN, scopes: [write] }]
`;
const configPath = join(dir, 'modelwatch.yaml');
writeFileSync(configPath, CONFIG);

function capture(): { ctx: () => CommandContext; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stream = (w: (s: string) => void) => ({ write: (s: string) => (w(s), true), isTTY: false });
  return {
    ctx: () => ({ stdout: stream((s) => (out += s)), stderr: stream((s) => (err += s)), progress: new Progress(false, stream(() => undefined)), style: { color: false }, quiet: false }),
    out: () => out,
    err: () => err,
  };
}

function promtool(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

interface RulesFile {
  groups: { name: string; rules: { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[];
}

describe('modelwatch rules', { timeout: 180_000 }, () => {
  const rulesPath = join(dir, 'rules.yml');

  test('writes a Prometheus rules file; untranslatable rules are named in a comment and on stderr', async () => {
    const c = capture();
    const code = await main(['rules', '--config', configPath, '--out', rulesPath], c.ctx);
    assert.equal(code, 0, c.err());
    assert.equal(c.out(), `Wrote ${rulesPath}: 12 rules in 1 group (3 not translated)\n`);
    const text = readFileSync(rulesPath, 'utf8');
    const notTranslated = [
      'models.fraud.alerts "pvalue": no PromQL equivalent: "p_value" per feature of a feature_drift monitor is not exported to Prometheus',
      'models.fraud.alerts "two-max": no PromQL equivalent: max() of 2 metrics has no PromQL equivalent (only max of one metric and constants)',
      'models.fraud.alerts "window-missing": no PromQL equivalent: "missing_ratio" of a data_quality monitor is not exported to Prometheus',
    ];
    for (const n of notTranslated) {
      assert.ok(text.includes(`#   ${n}\n`), n);
      assert.ok(c.err().includes(`modelwatch rules: warning: ${n}\n`), n);
    }
    const doc = parse(text) as RulesFile;
    assert.equal(doc.groups.length, 1);
    assert.equal(doc.groups[0].name, 'modelwatch:fraud');
    const by = new Map(doc.groups[0].rules.map((r) => [r.alert, r]));
    assert.deepEqual([...by.keys()], ['drift-high', 'amount-drift', 'feature-drift', 'e-rows', 'e-amount', 'e-clamp', 'e-logic', 'e-not', 'e-abs', 'e-neg', 'e-quality', 'e-min']);
    assert.deepEqual(by.get('drift-high'), {
      alert: 'drift-high',
      expr: 'modelwatch_dataset_drift_share{model="fraud",monitor="drift"} >= 0.5',
      for: '30m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'drift-high: dataset_drift_share >= 0.5 on {{ $labels.model }} version {{ $labels.version }} (value {{ $value }})',
        description:
          'dataset_drift_share = {{ $value }} >= 0.5 in the latest {{ $labels.window }} window of monitor drift ({{ $labels.model }} version {{ $labels.version }}). Held for 30m of Prometheus evaluation time (modelwatch itself counts event time).',
      },
    });
    assert.equal(by.get('amount-drift')!.expr, 'modelwatch_feature_drift_detected{model="fraud",monitor="drift",feature="amount"} == 1');
    assert.equal(by.get('amount-drift')!.for, undefined);
    assert.equal(by.get('feature-drift')!.expr, 'modelwatch_feature_drift_detected{model="fraud",monitor="drift"} == 1');
    assert.equal(by.get('e-amount')!.expr, '((modelwatch_feature_drift_score{model="fraud",monitor="drift",feature="amount"} * 10) + on(model, version, monitor, window) group_left modelwatch_dataset_drift_share{model="fraud",monitor="drift"}) > 3');
    assert.equal(by.get('e-rows')!.annotations.note, 'A division by zero gives no value in modelwatch and ±Inf/NaN in PromQL.');
    assert.equal(by.get('drift-high')!.annotations.note, undefined);

    // stdout without --out; --strict refuses untranslatable rules.
    const c2 = capture();
    assert.equal(await main(['rules', '--config', configPath], c2.ctx), 0);
    assert.equal(c2.out(), text);
    const c3 = capture();
    assert.equal(await main(['rules', '--config', configPath, '--strict'], c3.ctx), 2);
    assert.equal(c3.out(), '');
    for (const n of notTranslated) assert.ok(c3.err().includes(`modelwatch: ${n}\n`), c3.err());
  });

  test('promtool check rules accepts the output', async () => {
    const r = await promtool(['check', 'rules', rulesPath], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: 12 rules found/);
  });

  test('promtool test rules: the drift alerts fire on the exported gauges (for in Prometheus time)', async () => {
    const base = 'model="fraud",version="v1",monitor="drift",window="1h"';
    const tests = {
      rule_files: [rulesPath],
      evaluation_interval: '1m',
      tests: [
        {
          // Scraped every minute (a sample older than Prometheus' 5 min lookback would end the alert); drift from 20m on.
          interval: '1m',
          input_series: [
            { series: `modelwatch_feature_drift_detected{${base},feature="amount",method="wasserstein_normed"}`, values: '0x19 1x40' },
            { series: `modelwatch_feature_drift_detected{${base},feature="age",method="wasserstein_normed"}`, values: '0x60' },
            { series: `modelwatch_dataset_drift_share{${base}}`, values: '0x19 0.5x40' },
          ],
          alert_rule_test: [
            { eval_time: '19m', alertname: 'amount-drift', exp_alerts: [] },
            {
              eval_time: '20m',
              alertname: 'amount-drift',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', model: 'fraud', version: 'v1', monitor: 'drift', window: '1h', feature: 'amount', method: 'wasserstein_normed' },
                  exp_annotations: {
                    summary: 'amount-drift: drift_detected == 1 on fraud version v1 feature amount (value 1)',
                    description: 'drift_detected = 1 == 1 in the latest 1h window of monitor drift (fraud version v1 feature amount).',
                  },
                },
              ],
            },
            // for: 20m — pending from 20m, firing from 40m; only the drifting feature.
            { eval_time: '39m', alertname: 'feature-drift', exp_alerts: [] },
            {
              eval_time: '40m',
              alertname: 'feature-drift',
              exp_alerts: [
                {
                  exp_labels: { severity: 'info', model: 'fraud', version: 'v1', monitor: 'drift', window: '1h', feature: 'amount', method: 'wasserstein_normed' },
                  exp_annotations: {
                    summary: 'feature-drift: drift_detected == 1 on fraud version v1 feature amount (value 1)',
                    description: 'drift_detected = 1 == 1 in the latest 1h window of monitor drift (fraud version v1 feature amount). Held for 20m of Prometheus evaluation time (modelwatch itself counts event time).',
                  },
                },
              ],
            },
            // for: 30m on the share.
            { eval_time: '49m', alertname: 'drift-high', exp_alerts: [] },
            {
              eval_time: '50m',
              alertname: 'drift-high',
              exp_alerts: [
                {
                  exp_labels: { severity: 'critical', model: 'fraud', version: 'v1', monitor: 'drift', window: '1h' },
                  exp_annotations: {
                    summary: 'drift-high: dataset_drift_share >= 0.5 on fraud version v1 (value 0.5)',
                    description: 'dataset_drift_share = 0.5 >= 0.5 in the latest 1h window of monitor drift (fraud version v1). Held for 30m of Prometheus evaluation time (modelwatch itself counts event time).',
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const path = join(dir, 'rules.test.yml');
    writeFileSync(path, stringify(tests));
    const r = await promtool(['test', 'rules', path], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
    // The test file can fail: expecting the drift alert one interval too early is reported.
    tests.tests[0].alert_rule_test[5].eval_time = '40m';
    tests.tests[0].alert_rule_test.splice(4, 1);
    writeFileSync(path, stringify(tests));
    const bad = await promtool(['test', 'rules', path], dir);
    assert.equal(bad.code, 1, bad.stdout);
    assert.match(bad.stdout + bad.stderr, /drift-high/);
  });

  test('differential: Prometheus on the exported gauges computes what the modelwatch engine computes from the result', async () => {
    const config = await loadConfigFile(configPath, { env: { MW_RULES_TEST_UNSET_TOKEN: 'x'.repeat(20) } });
    const model = config.models[0];
    const rules = model.alerts.filter((r) => !('error' in rulePromQL(model, r)));
    assert.equal(rules.length, 12);
    // Deterministic pseudo-random numbers (no zero divisors: division by zero differs by design).
    let seed = 12345;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const testGroups: unknown[] = [];
    let checked = 0;
    for (let g = 0; g < 25; g++) {
      const results: MonitorResult[] = [];
      for (const version of ['v1', 'v2']) {
        const feature = (name: string): FeatureResult => {
          const score = pick([0.05, 0.15, 0.25, 0.5, 0.75, 1.2, rand()]);
          return { feature: name, kind: 'numeric', method: 'wasserstein_normed', threshold: 0.1, metrics: { drift_score: score, drift_detected: score > 0.1 ? 1 : 0, p_value: null } };
        };
        const features = [feature('amount'), feature('age')];
        const drifted = features.filter((f) => f.metrics.drift_detected === 1).length;
        const rows = pick([10, 49, 50, 200, 1234]);
        const end = Date.UTC(2024, 5, 1, 1);
        const common = { resultVersion: 1 as const, model: 'fraud', version, reference: null, computedAt: end };
        results.push({ ...common, type: 'feature_drift', monitor: 'drift', window: { type: 'tumbling', start: end - 3_600_000, end, label: '1h' }, metrics: { rows, dataset_drift_share: pick([drifted / 2, 0.25, 0.8]), dataset_drift_detected: drifted >= 1 ? 1 : 0, drifted_features: drifted, tested_features: 2 }, features });
        results.push({ ...common, type: 'model_quality', monitor: 'quality', window: { type: 'tumbling', start: end - 86_400_000, end, label: '1d' }, metrics: { rows, f1: pick([0.5, 0.79, 0.8, 0.95, rand()]), precision: 0.7, label_coverage_ratio: pick([0.1, 0.2, 0.5]), label_lag_seconds: 3600, labelled_rows: 5 } });
        results.push({
          ...common,
          type: 'data_quality',
          monitor: 'dq',
          window: { type: 'tumbling', start: end - 3_600_000, end, label: '1h' },
          metrics: { rows, missing_ratio: 0.1, data_quality_violations: pick([0, 1, 3]) },
          features: [{ feature: 'amount', kind: 'numeric', metrics: { missing_ratio: pick([0, 0.05, 0.6, rand()]) } }, { feature: 'age', kind: 'numeric', metrics: { missing_ratio: 0.2 } }],
        });
      }
      // The real export of these results.
      const registry = new Registry();
      const mm = new ModelMetrics(registry);
      mm.update(results);
      const input = (await registry.getMetricsAsJSON()).flatMap((m) => (m.values as { labels: Record<string, string | number>; value: number }[]).map((v) => ({ series: `${m.name}{${Object.entries(v.labels).map(([k, x]) => `${k}=${JSON.stringify(String(x))}`).join(',')}}`, values: `${v.value}x3` })));
      assert.ok(input.length > 10);
      const exprTests: unknown[] = [];
      for (const rule of rules) {
        const t = rulePromQL(model, rule) as { value: string };
        const expected = results
          .flatMap((r) => seriesOf(compileRule(rule as AlertRule), r))
          .filter((s) => s.value !== null)
          .map((s) => ({ labels: `{${['model', 'version', 'feature'].filter((k) => s.labels[k] !== undefined).map((k) => `${k}="${s.labels[k]}"`).join(',')}}`, value: s.value }));
        assert.ok(expected.length > 0, rule.name);
        checked += expected.length;
        exprTests.push({ expr: `sum by (model, version, feature) (${t.value})`, eval_time: '0m', exp_samples: expected });
      }
      testGroups.push({ interval: '1m', input_series: input, promql_expr_test: exprTests });
    }
    const path = join(dir, 'differential.test.yml');
    writeFileSync(path, stringify({ rule_files: [rulesPath], evaluation_interval: '1m', tests: testGroups }));
    const r = await promtool(['test', 'rules', path], dir);
    assert.equal(r.code, 0, (r.stdout + r.stderr).slice(0, 4000));
    assert.ok(checked > 25 * 12, `${checked} values compared`);
  });

  test('errors: no --config, a bad configuration (named setting), a missing file — exit 2', async () => {
    const none = capture();
    assert.equal(await main(['rules'], none.ctx), 2);
    assert.match(none.err(), /--config: required/);
    const badPath = join(dir, 'bad.yaml');
    writeFileSync(badPath, 'models:\n  m:\n    schema: { columns: [{ name: x, kind: numeric, role: feature }] }\n    monitors: [{ name: d, type: feature_drift, window: 1h }]\n    alerts: [{ name: a, monitor: nope, metric: rows, op: ">", threshold: 1 }]\n');
    const bad = capture();
    assert.equal(await main(['rules', '--config', badPath], bad.ctx), 2);
    assert.match(bad.err(), /models\.m\.alerts\[0\]\.monitor: no monitor named "nope" in this model/);
    const missing = await runCli(['rules', '--config', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: invalid configuration[^]*cannot read the file: ENOENT/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  });
});
