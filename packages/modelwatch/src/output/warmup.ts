import { compare, tableFromColumns, type Report } from '@modelwatch/core';

/**
 * A small report shaped like a real one, for warming the HTML renderer up (see
 * `warmUpRenderer`): continuous and small-integer numeric columns, categorical
 * columns with a long tail and new categories, missing values, repeated rows,
 * drift on some columns. `build/bundle-renderer` saves it next to the bundle.
 */
export function warmupReport(): Report {
  const side = (n: number, shift: number) => {
    // A deterministic sequence in [0, 1): no RNG state.
    const u = (i: number, k: number) => ((Math.imul(i + 1, 2654435761) ^ Math.imul(k + 7, 40503)) >>> 0) / 2 ** 32;
    return tableFromColumns({
      hour: Array.from({ length: n }, (_, i) => Math.floor(u(i, 1) * 24)),
      weekday: Array.from({ length: n }, (_, i) => Math.floor(u(i, 2) * 7 + shift * 2) % 7),
      delay: Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : Math.round(-Math.log(1 - u(i, 3)) * 20 - 5 + shift * 10))),
      distance: Float64Array.from({ length: n }, (_, i) => 100 + u(i, 4) * 2000 + (i % 4) * 50),
      origin: Array.from({ length: n }, (_, i) => `A${Math.floor(u(i, 5) ** 2 * (60 + shift * 5))}`),
      destination: Array.from({ length: n }, (_, i) => (i % 50 === 0 ? null : `B${Math.floor(u(i, 6) ** 3 * 40)}`)),
    });
  };
  return compare(side(2000, 0), side(1800, 1), { now: new Date(0), referenceSource: 'reference.parquet', currentSource: 'current.parquet' });
}
