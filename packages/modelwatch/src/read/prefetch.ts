import { detectFormat } from './format.js';
import { loadData, WIDE_CELLS, type LoadedData } from './table.js';

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

/** Starts reading the data files named in `argv` of a `report` or `check` command. */
export function prefetchInputs(argv: readonly string[]): void {
  if (argv[0] !== 'report' && argv[0] !== 'check') return;
  if (argv.includes('--help') || argv.includes('-h')) return;
  const sample = integer(optionValue(argv, '--sample'));
  const seed = integer(optionValue(argv, '--seed'));
  if (sample === null || seed === null || sample === 0) return;
  for (const path of [optionValue(argv, '--reference', '-r'), optionValue(argv, '--current', '-c')]) {
    if (path === undefined || path.startsWith('-')) continue;
    let format;
    try {
      format = detectFormat(path);
    } catch {
      continue; // the command reports it
    }
    if (format === 'profile') continue;
    // Wide files are only opened: report/check read them a batch of columns at a time.
    const read = loadData(path, { format, sample, seed, batchCells: WIDE_CELLS });
    read.catch(() => {});
    pending.set(key(path, sample, seed), read);
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
