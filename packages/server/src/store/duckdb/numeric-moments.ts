/**
 * Merging numeric aggregates of groups (bins, hours, buckets) into one, shared
 * by the raw scan (duckdb-store.ts) and the rollup read (rollup-read.ts). A
 * group's row is `(…, rows, nonnull, nonfinite, n, min, max, sum, sumsq,
 * mean, m2)` from index 1 on (index 0 is the group key), where n and the
 * statistics after it are over the finite values and m2 = Σ(x − mean)².
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { NumericAggregate } from '../store.js';
import { count, num } from './values.js';

/** An aggregate being merged: the statistics plus the sum of squared deviations. */
export type MomentsAcc = NumericAggregate & { m2: number };

export function emptyMoments(): MomentsAcc {
  return { rows: 0, nulls: 0, nonFinite: 0, count: 0, min: NaN, max: NaN, sum: 0, sumSquares: 0, mean: NaN, variance: NaN, m2: 0 };
}

/** Adds a group's row to `m` (Chan et al. pairwise merge of count, mean, M2); returns the group's finite count. */
export function addMomentsRow(m: MomentsAcc, r: readonly DuckDBValue[]): number {
  const rows = count(r[1]);
  m.rows += rows;
  m.nulls += rows - count(r[2]);
  m.nonFinite += count(r[3]);
  const n = count(r[4]);
  if (n === 0) return 0;
  const min = num(r[5]);
  const max = num(r[6]);
  if (!(m.min <= min)) m.min = min;
  if (!(m.max >= max)) m.max = max;
  m.sum += num(r[7]);
  m.sumSquares += num(r[8]);
  const mean = num(r[9]);
  const m2 = num(r[10]);
  if (m.count === 0) {
    m.mean = mean;
    m.m2 = m2;
  } else {
    const total = m.count + n;
    const delta = mean - m.mean;
    m.mean += (delta * n) / total;
    m.m2 += m2 + (delta * delta * m.count * n) / total;
  }
  m.count += n;
  return n;
}

/** The merged aggregate: population variance m2 / count (NaN without finite values). */
export function finishMoments({ m2, ...m }: MomentsAcc): NumericAggregate {
  return { ...m, variance: m.count > 0 ? m2 / m.count : NaN };
}
