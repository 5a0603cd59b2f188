/**
 * The alert expression language: values against hand-computed ones, errors
 * naming the position, round trips and evaluation of random expression trees
 * against an independent evaluator (property tests), and what rules read from
 * a result (per feature or per window).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evalExpr, exprNames, exprProblem, formatExpr, parseExpr } from '../src/alerts/expr.js';
import type { Expr } from '../src/alerts/expr.js';
import { compileRule, ruleProblems, seriesOf } from '../src/alerts/rules.js';
import type { AlertRule } from '../src/index.js';
import { HOUR, T0, driftResult } from './helpers/alerts.js';

const VALUES: Record<string, number | null> = { a: 2, b: 3, c: -0.5, share: 0.4, rows: 1200, none: null, zero: 0 };
const ev = (src: string) => evalExpr(parseExpr(src), (n) => VALUES[n]);

describe('alert expressions', () => {
  test('values: precedence, unary minus, comparisons and logic as 1/0, functions', () => {
    const cases: [string, number | null][] = [
      ['a + b * 2', 8],
      ['(a + b) * 2', 10],
      ['a - b - 1', -2],
      ['a / b / 2', 2 / 3 / 2],
      ['7 % a', 1],
      ['-a * b', -6],
      ['- -a', 2],
      ['+a', 2],
      ['2 * -c', 1],
      ['1e-3 * rows', 1.2],
      ['.5 + 0.25', 0.75],
      ['share > 0.3', 1],
      ['share >= 0.4', 1],
      ['share < 0.4', 0],
      ['share <= 0.4', 1],
      ['a == 2', 1],
      ['a != 2', 0],
      ['share > 0.3 and rows > 1000', 1],
      ['share > 0.5 and rows > 1000', 0],
      ['share > 0.5 or rows > 1000', 1],
      ['share > 0.5 || rows < 1000', 0],
      ['share > 0.3 && not (rows < 1000)', 1],
      ['!zero', 1],
      ['not a', 0],
      ['not a + 1 == 3', 0],
      ['a < b == 1', null],
      ['abs(c)', 0.5],
      ['max(a, b, c)', 3],
      ['min(a, c)', -0.5],
      ['max(share - 0.1, 0) * 10', (0.4 - 0.1) * 10],
    ];
    for (const [src, want] of cases) {
      if (want === null) {
        assert.notEqual(exprProblem(src), null, src);
        continue;
      }
      assert.equal(ev(src), want, src);
    }
  });

  test('no value: a missing metric, division or remainder by zero, non-finite results (no short-circuit)', () => {
    for (const src of ['none + 1', 'a / zero', 'a % zero', 'none > 1 or a > 1', 'a > 1 and none', 'abs(none)', 'max(a, none)', 'unknown_metric * 2', '1e308 * 10', 'constructor + 1', '__proto__ > 0', 'toString == 0']) {
      assert.equal(ev(src), null, src);
    }
  });

  test('syntax errors name the position and the problem', () => {
    const cases: [string, RegExp][] = [
      ['', /the expression is empty/],
      ['a +', /position 4: expected a number, a metric name or "\(" \(got the end of the expression\)/],
      ['(a + b', /position 7: expected "\)" \(got the end of the expression\)/],
      ['a = 1', /position 3: unexpected "=" \(use == to compare\)/],
      ['1 < a < 3', /position 7: comparisons do not chain/],
      ['foo(1)', /position 1: unknown function "foo" \(functions: abs, min, max\)/],
      ['max(1)', /max takes 2 to 16 arguments \(got 1\)/],
      ['abs(1, 2)', /abs takes 1 argument \(got 2\)/],
      ['a $ b', /position 3: unexpected character "\$"/],
      ['process.exit(1)', /position 8: unexpected character "\."/],
      ['a b', /position 3: unexpected "b"/],
      ['and', /position 1: unexpected "and"/],
      ['x'.repeat(1001), /longer than 1000 characters/],
      ['('.repeat(70) + 'a' + ')'.repeat(70), /nested too deeply/],
      ['-'.repeat(200) + 'a', /nested too deeply/],
      ['not '.repeat(100) + 'a', /nested too deeply/],
      ['abs('.repeat(80) + 'a' + ')'.repeat(80), /nested too deeply/],
      [Array(300).fill('a').join('+'), /too large/],
    ];
    for (const [src, re] of cases) assert.match(String(exprProblem(src)), re, JSON.stringify(src.slice(0, 40)));
  });

  test('names are listed in first-use order', () => {
    assert.deepEqual(exprNames(parseExpr('b * a + max(b, c) / rows')), ['b', 'a', 'c', 'rows']);
  });

  // Random trees: printed, parsed back to the same tree, evaluated like an independent evaluator.
  const names = ['a', 'b', 'c', 'share', 'rows', 'none', 'zero'];
  const leaf: fc.Arbitrary<Expr> = fc.oneof(
    fc.constantFrom(...names).map((name) => ({ type: 'name', name }) as Expr),
    fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0.5, 0.25, 1.5, 1e-3)).map((value) => ({ type: 'number', value }) as Expr),
  );
  const tree = fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ type: fc.constant('unary' as const), op: fc.constantFrom('-' as const, 'not' as const), arg: tie('e') }),
      fc.record({
        type: fc.constant('binary' as const),
        op: fc.constantFrom('+', '-', '*', '/', '%', '<', '<=', '>', '>=', '==', '!=', 'and', 'or') as fc.Arbitrary<Extract<Expr, { type: 'binary' }>['op']>,
        left: tie('e'),
        right: tie('e'),
      }),
      fc.record({ type: fc.constant('call' as const), fn: fc.constant('abs' as const), args: fc.tuple(tie('e')) }),
      fc.record({ type: fc.constant('call' as const), fn: fc.constantFrom('min' as const, 'max' as const), args: fc.array(tie('e'), { minLength: 2, maxLength: 3 }) }),
    ) as fc.Arbitrary<Expr>,
  })).e;

  /** Independent evaluator: JavaScript's own operators on the tree, null for missing, zero divisors and non-finite values. */
  function reference(e: Expr): number | null {
    const ok = (x: number) => (Number.isFinite(x) ? x : null);
    switch (e.type) {
      case 'number':
        return e.value;
      case 'name':
        return VALUES[e.name] ?? null;
      case 'unary': {
        const a = reference(e.arg);
        return a === null ? null : e.op === '-' ? -a : Number(!a);
      }
      case 'call': {
        const xs = e.args.map(reference);
        if (xs.some((x) => x === null)) return null;
        const ns = xs as number[];
        return e.fn === 'abs' ? Math.abs(ns[0]) : e.fn === 'min' ? Math.min(...ns) : Math.max(...ns);
      }
      case 'binary': {
        const a = reference(e.left);
        const b = reference(e.right);
        if (a === null || b === null) return null;
        const table: Record<string, () => number | null> = {
          '+': () => ok(a + b),
          '-': () => ok(a - b),
          '*': () => ok(a * b),
          '/': () => (b === 0 ? null : ok(a / b)),
          '%': () => (b === 0 ? null : ok(a % b)),
          '<': () => Number(a < b),
          '<=': () => Number(a <= b),
          '>': () => Number(a > b),
          '>=': () => Number(a >= b),
          '==': () => Number(a === b),
          '!=': () => Number(a !== b),
          and: () => Number(Boolean(a) && Boolean(b)),
          or: () => Number(Boolean(a) || Boolean(b)),
        };
        return table[e.op]();
      }
    }
  }

  /** Parenthesises every composite operand, so any tree prints to text that parses back to it. */
  function print(e: Expr): string {
    switch (e.type) {
      case 'number':
        return String(e.value);
      case 'name':
        return e.name;
      case 'unary':
        return e.op === '-' ? `-(${print(e.arg)})` : `not (${print(e.arg)})`;
      case 'call':
        return `${e.fn}(${e.args.map(print).join(', ')})`;
      case 'binary':
        return `(${print(e.left)}) ${e.op} (${print(e.right)})`;
    }
  }

  test('random trees: parse(print(tree)) is the tree, and its value is the independent evaluator\'s', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const plain = (e: Expr) => JSON.parse(JSON.stringify(e)) as unknown;
        const parsed = parseExpr(print(t));
        assert.deepEqual(plain(parsed), plain(t));
        assert.deepEqual(plain(parseExpr(formatExpr(parsed))), plain(t), 'formatExpr is parseable and faithful');
        const got = evalExpr(parsed, (n) => VALUES[n]);
        const want = reference(t);
        assert.ok(Object.is(got, want) || got === want, `${print(t)}: ${got} vs ${want}`);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe('what rules read', () => {
  const rule = (r: Partial<AlertRule>): AlertRule => ({ name: 'r', monitor: 'drift', op: '>', threshold: 0, forMs: 0, severity: 'warning', notify: [], ...r });
  const result = driftResult({ end: T0 + HOUR, share: 0.5, features: { amount: { score: 0.3, detected: 1 }, age: { score: null, detected: null } } });

  test('window metrics: one series per version; per-feature-only metrics: one per feature; feature: that feature first, then the window', () => {
    const values = (r: Partial<AlertRule>) => seriesOf(compileRule(rule(r)), result).map((s) => [s.key, s.value, s.values]);
    assert.deepEqual(values({ metric: 'dataset_drift_share' }), [['version=v1', 0.5, { dataset_drift_share: 0.5 }]]);
    assert.deepEqual(values({ metric: 'drift_score' }), [
      ['version=v1,feature=amount', 0.3, { drift_score: 0.3 }],
      ['version=v1,feature=age', null, { drift_score: null }],
    ]);
    assert.deepEqual(values({ metric: 'drift_score', feature: 'age' }), [['version=v1,feature=age', null, { drift_score: null }]]);
    assert.deepEqual(values({ expr: 'drift_score / dataset_drift_share', feature: 'amount' }), [['version=v1,feature=amount', 0.3 / 0.5, { drift_score: 0.3, dataset_drift_share: 0.5 }]]);
    assert.deepEqual(values({ metric: 'drift_score', feature: 'missing' }), []);
    assert.deepEqual(values({ metric: 'drift_score', monitor: 'other' }), []);
    // All versions together: the __all__ series, as the Prometheus export labels it.
    assert.deepEqual(seriesOf(compileRule(rule({ metric: 'rows' })), { ...result, version: null }).map((s) => [s.key, s.labels.version, s.value]), [['version=__all__', '__all__', 100]]);
    // Keys stay unambiguous with odd names.
    const odd = driftResult({ end: T0 + HOUR, share: 0, version: 'v=1,x', features: { 'a,feature=b': { score: 1, detected: 1 } } });
    assert.deepEqual(seriesOf(compileRule(rule({ metric: 'drift_score' })), odd).map((s) => s.key), ['version=v%3D1%2Cx,feature=a%2Cfeature%3Db']);
  });

  test('problems: syntax errors are errors; metrics the monitor does not produce are warnings', () => {
    assert.deepEqual(ruleProblems(rule({ expr: 'a +' }), 'feature_drift').map((p) => [p.field, p.level]), [['expr', 'error']]);
    assert.deepEqual(ruleProblems(rule({ metric: 'f1' }), 'feature_drift').map((p) => [p.field, p.level, p.message]), [['metric', 'warning', 'a feature_drift monitor has no metric "f1"']]);
    assert.deepEqual(ruleProblems(rule({ metric: 'f1' }), 'model_quality'), []);
    assert.deepEqual(ruleProblems(rule({ metric: 'roc_auc', feature: 'x' }), 'model_quality').map((p) => p.field), ['feature']);
    assert.deepEqual(ruleProblems(rule({ expr: 'missing_ratio * 2 > out_of_range_ratio' }), 'data_quality'), []);
    assert.deepEqual(ruleProblems(rule({ metric: 'rows' }), undefined).map((p) => p.field), ['monitor']);
  });
});
