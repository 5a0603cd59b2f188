#!/usr/bin/env node
/**
 * The `modelwatch` executable: runs `main` on the process's arguments and exits
 * with its code once stdout and stderr have drained (exiting directly also
 * skips tearing down DuckDB and the heap, which only costs time).
 *
 * Commands that read data start opening DuckDB's in-memory database — or, for
 * `report`/`check`, start reading their inputs on the read worker (see
 * `read/prefetch.ts`) — before the rest of the program loads: DuckDB and the
 * worker work on their own threads while the main thread compiles modules.
 */
import { dropEarlyReadWorker, startEarlyReadWorker } from './read/early.js';

const argv = process.argv.slice(2);
// Before anything else loads: the read worker (see read/early.ts).
startEarlyReadWorker(argv);
const { CLI_BUNDLE_FILE, CLI_CACHE_FILE, CLI_MANIFEST_FILE, freshBundleFile, runBundle } = await import('./bundles.js');
const { prefetchInputs, settlePrefetches } = await import('./read/prefetch.js');
const { readWorkerSettled } = await import('./read/remote.js');
const DATA_COMMANDS = new Set(['report', 'check', 'profile', 'schema', 'demo-data']);
/** The reader's module, being loaded (the bundle requires it: it must have loaded first). */
let reader: Promise<unknown> = Promise.resolve();
if (argv.some((a) => DATA_COMMANDS.has(a)) && !argv.includes('--help') && !argv.includes('-h')) {
  // report/check: the read worker opens the inputs and reads their first
  // columns while the engine loads; this thread's database opens only if needed.
  // Either way the reader loads now: for the read worker, DuckDB's library
  // (~50 MB to map and relocate) is then loaded when the worker asks for it.
  const loading = import('@modelwatch/server/read');
  reader = loading.catch(() => {});
  if (!prefetchInputs(argv)) {
    loading
      .then((r) => r.openDatabase())
      .catch(() => {
        // Reported when a command first uses the database.
      });
  }
}
// The program as one file when `npm run build` made it and it is up to date (see bundles.ts).
const bundle = freshBundleFile(new URL('./', import.meta.url), CLI_BUNDLE_FILE, CLI_MANIFEST_FILE);
type Program = typeof import('./main.js');
await reader;
const { main } = bundle ? runBundle<Program>(bundle, new URL(CLI_CACHE_FILE, bundle)).exports : ((await import('./main.js')) as Program);
const code = await main(argv);
// Exiting while DuckDB works on the read worker's thread would abort: close
// the files no command took, and wait for reads and closes in flight.
await settlePrefetches();
await readWorkerSettled();
await dropEarlyReadWorker();
const drain = (s: NodeJS.WriteStream) => new Promise<void>((done) => (s.writableLength === 0 ? done() : s.write('', () => done())));
await Promise.all([drain(process.stdout), drain(process.stderr)]);
process.exit(code);
