import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile, Plugin } from 'esbuild';
import { CLI_BUNDLE_FILE, CLI_CACHE_FILE, CLI_MANIFEST_FILE, runBundle, type BundleManifest } from '../bundles.js';

/**
 * Bundles the CLI's program — `dist/main.js`, the commands, `@modelwatch/core`
 * and commander, ~100 modules — into `dist/main.bundle.cjs`, which `cli.js`
 * imports instead of `main.js` while it is fresh (see `bundles.ts`): one file
 * to read and compile instead of a hundred to resolve, read and link.
 *
 * Not copied into the bundle, but imported from it by path (so there is one
 * instance of each):
 * - the modules `cli.js` itself loads before the program (the read worker's
 *   client, `prefetch.js` with the reads it started, the error classes that
 *   `instanceof` checks rely on);
 * - modules that find files next to themselves through `import.meta.url`
 *   (worker scripts, the renderer bundle);
 * - packages that hold state or native code (`@modelwatch/server`, DuckDB's
 *   bindings, `@modelwatch/ui`).
 * The bundle lives in `dist/` like `main.js`, so `main.js`'s own
 * `import.meta.url` (its package.json) means the same there.
 */

/** Modules (relative to `dist/`) that locate files relative to themselves. */
const LOCATED = ['output/renderer.js', 'output/html.js', 'read/remote.js', 'worker-thread.js'];
/**
 * Packages left to Node's resolution. (Not `yaml`: a package left out is
 * imported at the top of the bundle, loaded by every command; bundled, it
 * runs only when a command that needs it does.)
 */
const PACKAGES = ['@duckdb/node-bindings', '@modelwatch/server', '@modelwatch/ui'];

/** Files (absolute) that `entry` imports (statically or with `import()`), directly or not, itself included. */
function staticGraph(metafile: Metafile, entry: string): Set<string> {
  const cwd = process.cwd();
  const seen = new Set<string>();
  const visit = (rel: string) => {
    const abs = resolve(cwd, rel);
    if (seen.has(abs)) return;
    seen.add(abs);
    for (const imp of metafile.inputs[rel]?.imports ?? []) if ((imp.kind === 'import-statement' || imp.kind === 'dynamic-import') && !imp.external) visit(imp.path);
  };
  visit(relative(cwd, entry));
  return seen;
}

export async function bundleCli(dist: string): Promise<{ file: string; inputs: number }> {
  const esbuild = await import('esbuild');
  const cli = resolve(dist, 'cli.js');
  const leaveMain: Plugin = { name: 'leave-main', setup: (b) => b.onResolve({ filter: /^\.\/main\.js$/ }, (a) => ({ path: a.path, external: true })) };
  const probe = await esbuild.build({ entryPoints: [cli], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', packages: 'external', plugins: [leaveMain], logLevel: 'silent' });
  const shared = staticGraph(probe.metafile, cli);
  for (const m of LOCATED) shared.add(resolve(dist, m));
  // Imports of shared modules become imports of the file in dist/, by a path relative to the bundle.
  const shareModules: Plugin = {
    name: 'share-modules',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (a) => {
        const abs = resolve(a.resolveDir, a.path);
        if (!shared.has(abs)) return undefined;
        return { path: `./${relative(dist, abs).split('\\').join('/')}`, external: true };
      });
    },
  };
  const outfile = resolve(dist, CLI_BUNDLE_FILE);
  const result = await esbuild.build({
    entryPoints: [resolve(dist, 'main.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: PACKAGES.flatMap((p) => [p, `${p}/*`]),
    plugins: [shareModules],
    // Run as a CommonJS script (see bundles.ts): import.meta.url is the bundle's own URL.
    define: { 'import.meta.url': '__mwImportMetaUrl' },
    banner: { js: "const __mwImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    metafile: true,
    legalComments: 'eof',
    outfile,
    logLevel: 'warning',
  });
  // `import()` of a package (the server, for `serve` and `rules`) becomes the
  // wrapper's `__import()`: a script run from a code cache has no loader for
  // `import()` of its own (see bundles.ts).
  const code = readFileSync(outfile, 'utf8');
  const rewritten = code.replace(/\bimport\(("[^"]+")\)/g, '__import($1)');
  if (/\bimport\(/.test(rewritten)) throw new Error(`${outfile}: an import() with a computed specifier cannot run from a code cache`);
  writeFileSync(outfile, rewritten);
  const inputs: BundleManifest['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const st = statSync(resolve(input));
    inputs[relative(dist, resolve(input))] = { size: st.size, mtimeMs: st.mtimeMs };
  }
  writeFileSync(resolve(dist, CLI_MANIFEST_FILE), `${JSON.stringify({ inputs } satisfies BundleManifest)}\n`);
  try {
    await saveCodeCache(outfile);
  } catch (e) {
    // The bundle works without it, only compiles more.
    console.error(`modelwatch: no code cache for the CLI bundle: ${(e as Error).message}`);
  }
  return { file: outfile, inputs: Object.keys(inputs).length };
}

/**
 * Runs the bundle once — `modelwatch report` on two small CSV files, compared a
 * batch of columns at a time like the CLI compares files — and saves V8's code
 * cache of it, which then holds most of the functions a report runs.
 */
async function saveCodeCache(bundle: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bundle-'));
  const wide = process.env.MODELWATCH_WIDE_CELLS;
  try {
    const rows = (shift: number) =>
      ['hour,amount,size,place,kind', ...Array.from({ length: 3000 }, (_, i) => `${(i * 7) % 24},${((i * 7919) % 1000) / 7 + shift},${i % 97 === 0 ? '' : (i * 31) % 2000},p${(i * 13 + shift) % 40},k${i % 8}`)].join('\n');
    writeFileSync(join(dir, 'ref.csv'), rows(0));
    writeFileSync(join(dir, 'cur.csv'), rows(3));
    // Small files read in batches, as the read worker hands files over.
    process.env.MODELWATCH_WIDE_CELLS = '1';
    const { exports, script } = runBundle<typeof import('../main.js')>(pathToFileURL(bundle));
    const code = await exports.main(['report', '--reference', join(dir, 'ref.csv'), '--current', join(dir, 'cur.csv'), '--json', join(dir, 'out.json'), '--quiet']);
    if (code !== 0) throw new Error(`the sample report exited ${code}`);
    writeFileSync(resolve(bundle, '..', CLI_CACHE_FILE), script.createCachedData());
  } finally {
    if (wide === undefined) delete process.env.MODELWATCH_WIDE_CELLS;
    else process.env.MODELWATCH_WIDE_CELLS = wide;
    rmSync(dir, { recursive: true, force: true });
  }
}
