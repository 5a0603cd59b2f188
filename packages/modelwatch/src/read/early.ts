import { extname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../worker-thread.js';

/**
 * The read worker, started as the first thing `cli.js` does for `report` and
 * `check`, before the rest of the CLI's modules load: booting a worker thread
 * and loading DuckDB in it begins the longest chain of a report (worker,
 * DuckDB, reading), and on a 2-core machine the CLI's own module graph takes
 * ~30 ms before it could start otherwise. `remote.ts` adopts it for its first
 * file; `cli.js` stops it if nothing did. This module loads next to nothing.
 */

let early: { worker: Worker; failed: boolean } | null = null;

/** Starts the read worker now if `argv` is a `report` or `check` that will read on it. */
export function startEarlyReadWorker(argv: readonly string[]): void {
  if (argv[0] !== 'report' && argv[0] !== 'check') return;
  if (argv.includes('--help') || argv.includes('-h') || process.env.MODELWATCH_READ_WORKER === '0') return;
  try {
    // Next to remote.ts: .ts in development (run through tsx), .js when built.
    const worker = startWorker(new URL(`./worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url));
    worker.unref();
    const started = { worker, failed: false };
    // Until adopted, a failure only means it is not used (remote.ts starts another).
    worker.on('error', () => (started.failed = true));
    worker.on('exit', () => (started.failed = true));
    early = started;
  } catch {
    // remote.ts starts one when it needs it
  }
}

/** The early worker for `remote.ts` (once), or null if there is none or it failed. */
export function takeEarlyReadWorker(): Worker | null {
  const started = early;
  early = null;
  if (!started) return null;
  if (started.failed) {
    void started.worker.terminate();
    return null;
  }
  return started.worker;
}

/** Stops the early worker if nothing adopted it. */
export async function dropEarlyReadWorker(): Promise<void> {
  const started = early;
  early = null;
  if (started) await started.worker.terminate();
}
