import { statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Metafile, Plugin } from 'esbuild';
import { CLI_BUNDLE_FILE, CLI_MANIFEST_FILE, type BundleManifest } from '../bundles.js';

/**
 * Bundles the CLI's program — `dist/main.js`, the commands, `@modelwatch/core`
 * and commander, ~100 modules — into `dist/main.bundle.js`, which `cli.js`
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

/** Files (absolute) that `entry` imports statically, directly or not, itself included. */
function staticGraph(metafile: Metafile, entry: string): Set<string> {
  const cwd = process.cwd();
  const seen = new Set<string>();
  const visit = (rel: string) => {
    const abs = resolve(cwd, rel);
    if (seen.has(abs)) return;
    seen.add(abs);
    for (const imp of metafile.inputs[rel]?.imports ?? []) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
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
    format: 'esm',
    target: 'node20',
    external: PACKAGES.flatMap((p) => [p, `${p}/*`]),
    plugins: [shareModules],
    // commander is CommonJS and requires Node's modules.
    banner: { js: "import { createRequire as __mwCreateRequire } from 'node:module'; const require = __mwCreateRequire(import.meta.url);" },
    metafile: true,
    legalComments: 'eof',
    outfile,
    logLevel: 'warning',
  });
  const inputs: BundleManifest['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const st = statSync(resolve(input));
    inputs[relative(dist, resolve(input))] = { size: st.size, mtimeMs: st.mtimeMs };
  }
  writeFileSync(resolve(dist, CLI_MANIFEST_FILE), `${JSON.stringify({ inputs } satisfies BundleManifest)}\n`);
  return { file: outfile, inputs: Object.keys(inputs).length };
}
