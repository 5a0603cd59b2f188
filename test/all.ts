/**
 * One entry for the whole suite: importing every test file into one process is
 * ~10x faster than node:test's process per file. Test files are found, not
 * listed, so a new `*.test.ts` under `packages/<pkg>/test/` or `examples/<name>/test/` runs without edits here.
 *
 * `MODELWATCH_TEST_FILTER=core/golden` limits the run to paths containing the text.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.env.MODELWATCH_TEST_FILTER ?? '';

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = ['packages', 'examples']
  .flatMap((top) => readdirSync(join(root, top)).sort().map((pkg) => join(root, top, pkg, 'test')))
  .flatMap((dir) => {
    try {
      return findTests(dir);
    } catch {
      return [];
    }
  })
  .filter((f) => relative(root, f).replace('packages/', '').includes(filter));

for (const file of files) await import(pathToFileURL(file).href);
