/**
 * Which columns are compared together when inputs are read a batch of columns
 * at a time: the reference's columns in its order (schema inference needs it),
 * then the columns only the current data has, `batchColumns` at a time.
 */

/** A positive integer from the environment, if set. */
export function positiveEnv(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/**
 * Files with more cells (rows × columns) than this are compared a batch of
 * columns at a time instead of being read whole (peak memory stays near two
 * batches of both files, whatever the width). `MODELWATCH_WIDE_CELLS` overrides it.
 */
export const WIDE_CELLS = positiveEnv('MODELWATCH_WIDE_CELLS') ?? 10_000_000;

/** Rows × columns read per side and batch (16 MB of numbers); `MODELWATCH_BATCH_CELLS` overrides it. */
export const BATCH_CELLS = positiveEnv('MODELWATCH_BATCH_CELLS') ?? 2_000_000;

/** Column names and rows of one side. */
export interface SideShape {
  names: readonly string[];
  rows: number;
}

/** The batches of column names, in the order they are compared. `reference` is null for a profile. */
export function batchPlan(reference: SideShape | null, current: SideShape, batchCells = BATCH_CELLS): string[][] {
  const refNames = reference ? reference.names : [];
  const refSet = new Set(refNames);
  const order = [...refNames, ...current.names.filter((n) => !refSet.has(n))];
  const perBatch = Math.max(1, Math.floor(batchCells / Math.max(1, reference ? reference.rows : 0, current.rows)));
  const batches: string[][] = [];
  for (let i = 0; i < order.length; i += perBatch) batches.push(order.slice(i, i + perBatch));
  return batches;
}

/** Positions of `names` among `all` (names `all` lacks are left out). */
export function columnIndexes(all: readonly string[], names: readonly string[]): number[] {
  return names.map((n) => all.indexOf(n)).filter((i) => i >= 0);
}
