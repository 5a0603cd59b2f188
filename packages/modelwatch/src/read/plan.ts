/**
 * Which columns are compared together when inputs are read a batch of columns
 * at a time: the reference's columns in its order (schema inference needs it),
 * then the columns only the current data has; the first alone, then as many
 * as fit in a batch.
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

/**
 * The same for wide inputs (12 MB of numbers): with the read worker, a batch is
 * compared, the next is read and one is in flight between the threads, and
 * smaller batches keep 1M rows × 100 columns ~35 MiB lower for ~5% more CPU.
 */
export const WIDE_BATCH_CELLS = positiveEnv('MODELWATCH_BATCH_CELLS') ?? 1_500_000;

/** Column names and rows of one side. */
export interface SideShape {
  names: readonly string[];
  rows: number;
}

/** Whether either side holds more than `WIDE_CELLS` cells. */
export function isWide(reference: SideShape | null, current: SideShape): boolean {
  return [reference, current].some((s) => s !== null && s.rows * s.names.length > WIDE_CELLS);
}

/** The batches of column names, in the order they are compared. `reference` is null for a profile. */
export function batchPlan(reference: SideShape | null, current: SideShape, batchCells = isWide(reference, current) ? WIDE_BATCH_CELLS : BATCH_CELLS): string[][] {
  const refNames = reference ? reference.names : [];
  const refSet = new Set(refNames);
  const order = [...refNames, ...current.names.filter((n) => !refSet.has(n))];
  const perBatch = Math.max(1, Math.floor(batchCells / Math.max(1, reference ? reference.rows : 0, current.rows)));
  // The first batch is one column: comparing starts as soon as it is read.
  const batches: string[][] = order.length ? [order.slice(0, 1)] : [];
  for (let i = 1; i < order.length; i += perBatch) batches.push(order.slice(i, i + perBatch));
  return batches;
}

/** Positions of `names` among `all` (names `all` lacks are left out). */
export function columnIndexes(all: readonly string[], names: readonly string[]): number[] {
  return names.map((n) => all.indexOf(n)).filter((i) => i >= 0);
}
