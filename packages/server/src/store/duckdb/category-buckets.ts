/**
 * Decoding the rows of a "top-K categories per bucket" query, shared by the
 * raw scan (duckdb-store.ts) and the rollup read (rollup-read.ts). Both
 * queries return rows `(part, b, v, n, x)` ordered by bucket, then part:
 *
 * - part 0: a top-K value `v` with its count `n` (x = its rank);
 * - part 1: the values beyond the top K: their total `n` and how many (x);
 * - part 2: the bucket's rows `n` and how many of them have a value (x).
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { CategoryCounts } from '../store.js';
import { num } from './values.js';

/** The buckets of a top-K query's rows; `startOf(b)` is bucket index `b`'s start time. */
export function categoryBucketsOf(rows: readonly (readonly DuckDBValue[])[], startOf: (bucket: number) => number): (CategoryCounts & { start: number })[] {
  const out: (CategoryCounts & { start: number })[] = [];
  let cur: (CategoryCounts & { start: number }) | undefined;
  for (const r of rows) {
    const start = startOf(num(r[1]));
    if (!cur || cur.start !== start) out.push((cur = { start, rows: 0, nulls: 0, distinct: 0, top: [], otherCount: 0, otherDistinct: 0 }));
    const part = num(r[0]);
    if (part === 0) cur.top.push({ value: typeof r[2] === 'string' ? r[2] : num(r[2]), count: num(r[3]) });
    else if (part === 1) {
      cur.otherCount = num(r[3]);
      cur.otherDistinct = num(r[4]);
    } else {
      cur.rows = num(r[3]);
      cur.nulls = cur.rows - num(r[4]);
    }
  }
  for (const b of out) b.distinct = b.top.length + b.otherDistinct;
  return out;
}
