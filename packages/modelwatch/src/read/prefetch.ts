import { detectFormat, type Format } from './format.js';
import { batchPlan, columnIndexes, isWide, WIDE_CELLS } from './plan.js';
import { openRemote, readAhead } from './remote.js';
// Types only: the reader (and DuckDB) loads on the worker, or here on demand.
import type { LoadedData, OpenedSource } from './table.js';

/**
 * Starting to read before the program has loaded. `modelwatch report` spends
 * ~100 ms loading the statistics engine and the command-line parser; DuckDB
 * can read the inputs on its own threads meanwhile. `prefetchInputs(argv)`
 * looks for `--reference`/`--current` (and `--sample`/`--seed`) in the raw
 * arguments and starts reading those files; `takePrefetched` hands a read to
 * the command when the command, after real parsing, asks for the same file
 * with the same options. A guess that does not match is simply not used, and
 * errors surface only when the command reads the file itself.
 *
 * The files are opened on the read worker (`remote.ts`) and handed over opened
 * (`kind: 'columns'`), to be compared a batch of columns at a time; once both
 * are open, every batch is read ahead (only the first, for wide files). The main
 * thread meanwhile loads the program, and later compares one batch while the
 * worker reads the next. Without worker threads, files are read here as before.
 *
 * This module imports nothing from the engine, so it loads in milliseconds.
 */

const pending = new Map<string, Promise<LoadedData>>();

function key(path: string, sample: number | undefined, seed: number | undefined): string {
  return JSON.stringify([path, sample ?? null, seed ?? null]);
}

/** The value of an option in raw arguments (`--name v`, `--name=v`, `-x v`), last one wins, like commander. */
function optionValue(argv: readonly string[], long: string, short?: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if ((a === long || (short && a === short)) && i + 1 < argv.length) value = argv[++i];
    else if (a.startsWith(`${long}=`)) value = a.slice(long.length + 1);
  }
  return value;
}

function integer(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  return /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * Starts reading the data files named in `argv` of a `report` or `check`
 * command: on the read worker unless `local` (default: `MODELWATCH_READ_WORKER=0`),
 * else on this thread, whole (wide files are then only opened). Returns whether
 * it started anything.
 */
export function prefetchInputs(argv: readonly string[], opts: { local?: boolean } = {}): boolean {
  const local = opts.local ?? process.env.MODELWATCH_READ_WORKER === '0';
  if (argv[0] !== 'report' && argv[0] !== 'check') return false;
  if (argv.includes('--help') || argv.includes('-h')) return false;
  const sample = integer(optionValue(argv, '--sample'));
  const seed = integer(optionValue(argv, '--seed'));
  if (sample === null || seed === null || sample === 0) return false;
  const formats: (Format | null)[] = [];
  const opened: (Promise<OpenedSource> | null)[] = [];
  for (const path of [optionValue(argv, '--reference', '-r'), optionValue(argv, '--current', '-c')]) {
    let format: Format | null = null;
    try {
      if (path !== undefined && !path.startsWith('-')) format = detectFormat(path);
    } catch {
      // the command reports it
    }
    formats.push(format);
    opened.push(null);
    if (path === undefined || format === null || format === 'profile') continue;
    let read: Promise<LoadedData>;
    if (local) read = import('./table.js').then((t) => t.loadData(path, { format, sample, seed, batchCells: WIDE_CELLS }));
    else {
      const source = openRemote(path, { format, sample, seed });
      opened[opened.length - 1] = source;
      read = source.then((s) => ({ kind: 'columns', source: s, totalRows: s.totalRows, sampled: s.sampled, sourceTypes: s.sourceTypes }));
    }
    read.catch(() => {});
    pending.set(key(path, sample, seed), read);
  }
  const [ref, cur] = opened;
  if (cur && (ref || formats[0] === 'profile')) void startBatches(ref, cur);
  return pending.size > 0;
}

/** Reads the first batches of the comparison ahead (the same plan `report`/`check` compare by). */
async function startBatches(reference: Promise<OpenedSource> | null, current: Promise<OpenedSource>): Promise<void> {
  let ref: OpenedSource | null;
  let cur: OpenedSource;
  try {
    [ref, cur] = await Promise.all([reference, current]);
  } catch {
    return; // the command reads the file itself and reports the problem
  }
  const plan = batchPlan(ref, cur);
  // Wide inputs: one batch ahead (the comparison reads the next itself), to bound memory.
  // Inputs that are not wide are read ahead whole (as much memory as reading them whole),
  // so the worker never waits for the comparison to ask; wide ones one batch ahead.
  for (const names of isWide(ref, cur) ? plan.slice(0, 1) : plan) {
    if (ref) readAhead(ref, columnIndexes(ref.names, names));
    readAhead(cur, columnIndexes(cur.names, names));
  }
}

/** A read started by `prefetchInputs` for these arguments, if any (each is handed out once). */
export function takePrefetched(path: string, sample: number | undefined, seed: number | undefined): Promise<LoadedData> | undefined {
  const k = key(path, sample, seed);
  const read = pending.get(k);
  pending.delete(k);
  return read;
}

/** Waits for every read still running (so the database can be closed); unused reads are dropped. */
export async function settlePrefetches(): Promise<void> {
  const reads = [...pending.values()];
  pending.clear();
  for (const r of await Promise.allSettled(reads)) if (r.status === 'fulfilled' && r.value.kind === 'columns') await r.value.source.close();
}
