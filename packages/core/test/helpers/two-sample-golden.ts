/**
 * The two-sample golden vectors (`two_sample.json` in `$MODELWATCH_GOLDEN_DIR`,
 * default `../shared/golden`) for one test function, and the check of a
 * `StatResult` against a case: statistic and p-value within the case's
 * tolerances, the reason for an undefined result, and — where the case's note
 * names SciPy's code path ("-> exact" / "-> asymp") — the same p-value method.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMPTY_CURRENT, EMPTY_REFERENCE } from '../../src/types.js';
import type { StatResult } from '../../src/types.js';

interface Tol {
  rel: number;
  abs: number;
  [field: string]: number | { rel?: number; abs?: number };
}

export interface GoldenCase {
  name: string;
  function: string;
  args: { ref: unknown[]; cur: unknown[] };
  expected: { statistic: unknown; pvalue: unknown };
  tol: Tol;
  reason?: string;
  note?: string;
}

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const goldenDir = resolve(repoRoot, process.env.MODELWATCH_GOLDEN_DIR ?? '../shared/golden');

/** JSON's spelled-out non-finite numbers back to numbers. */
export function decode(v: unknown): unknown {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

/** The cases of `two_sample.json` for the function `fn`. */
export function goldenCases(fn: string): GoldenCase[] {
  const data = JSON.parse(readFileSync(resolve(goldenDir, 'two_sample.json'), 'utf8')) as { cases: GoldenCase[] };
  return data.cases.filter((c) => c.function === fn);
}

function within(got: number, want: number, tol: { rel?: number; abs?: number }, fallback: { rel: number; abs: number }): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  const rel = tol.rel ?? fallback.rel;
  const abs = tol.abs ?? fallback.abs;
  return Math.abs(got - want) <= Math.max(abs, rel * Math.abs(want));
}

/** What differs between the result and the case (empty when it passes). */
export function checkGolden(c: GoldenCase, r: StatResult): string[] {
  const problems: string[] = [];
  const base = { rel: c.tol.rel, abs: c.tol.abs };
  const st = typeof c.tol.statistic === 'object' ? c.tol.statistic : base;
  const pt = typeof c.tol.pvalue === 'object' ? c.tol.pvalue : base;
  const es = decode(c.expected.statistic) as number;
  const ep = decode(c.expected.pvalue) as number;
  if (!within(r.value, es, st, base)) problems.push(`statistic ${r.value} != ${es}`);
  if (!within(r.pValue as number, ep, pt, base)) problems.push(`pvalue ${r.pValue} != ${ep}`);
  if (c.reason !== undefined) {
    if (!r.reason) problems.push('missing reason');
    else if ((c.reason === EMPTY_REFERENCE || c.reason === EMPTY_CURRENT) && r.reason !== c.reason) {
      problems.push(`reason "${r.reason}" != "${c.reason}"`);
    }
  } else if (r.reason !== undefined) problems.push(`unexpected reason ${r.reason}`);
  // The note names SciPy's code path ("-> exact" / "-> asymp"): ours must take it too.
  if (c.note?.includes('-> exact') && r.pValueMethod !== 'exact') problems.push(`method ${r.pValueMethod}, want exact`);
  if (c.note?.includes('-> asymp') && r.pValueMethod !== 'asymptotic') {
    problems.push(`method ${r.pValueMethod}, want asymptotic`);
  }
  return problems;
}
