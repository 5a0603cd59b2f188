#!/usr/bin/env node
/**
 * The `modelwatch` executable: runs `main` on the process's arguments and exits
 * with its code once stdout and stderr have drained (exiting directly also
 * skips tearing down DuckDB and the heap, which only costs time).
 *
 * Commands that read data start opening DuckDB's in-memory database — and
 * `report`/`check` start reading their inputs (see `read/prefetch.ts`) —
 * before the rest of the program loads: DuckDB works on its own threads while
 * the main thread compiles modules.
 */
import { openDatabase } from '@modelwatch/server/read';
import { prefetchInputs } from './read/prefetch.js';

const argv = process.argv.slice(2);
const DATA_COMMANDS = new Set(['report', 'check', 'profile', 'schema', 'demo-data']);
if (argv.some((a) => DATA_COMMANDS.has(a)) && !argv.includes('--help') && !argv.includes('-h')) {
  openDatabase().catch(() => {
    // Reported when a command first uses the database.
  });
  // report/check: DuckDB starts reading the inputs while the engine loads.
  prefetchInputs(argv);
}
const { main } = await import('./main.js');
const code = await main(argv);
const drain = (s: NodeJS.WriteStream) => new Promise<void>((done) => (s.writableLength === 0 ? done() : s.write('', () => done())));
await Promise.all([drain(process.stdout), drain(process.stderr)]);
process.exit(code);
