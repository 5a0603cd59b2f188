import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/**
 * One-file bundles next to the built program (`dist/`), made by
 * `build/bundle-renderer` after `tsc -b`: the HTML renderer and the CLI's
 * commands. Loading one file instead of hundreds of modules saves most of
 * their start-up time. A bundle is used only while every file it was made
 * from is unchanged (sizes and modification times in its manifest), so a
 * stale bundle is never run: without it the modules load one by one.
 *
 * Bundles are CommonJS scripts run through `vm.Script` with V8's code cache,
 * which the build saves after running them once on sample data: the functions
 * that run then (most of a report's) are not compiled again. A cache V8
 * rejects (another Node, other flags) is ignored.
 *
 * No imports besides Node's: `cli.ts` checks its bundle before anything loads.
 */

/** The CLI's commands (`main.js` and everything it loads) as one file, and its manifest. */
export const CLI_BUNDLE_FILE = 'main.bundle.cjs';
export const CLI_CACHE_FILE = 'main.bundle.cache';
export const CLI_MANIFEST_FILE = 'main.bundle.json';

/** The files a bundle was made from (paths relative to `dist/`), as they were when bundled. */
export interface BundleManifest {
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

/** `dist/<bundle>` if it is there and its manifest `dist/<manifest>` matches every input, else null. */
export function freshBundleFile(dist: URL, bundle: string, manifest: string): URL | null {
  try {
    const m = JSON.parse(readFileSync(new URL(manifest, dist), 'utf8')) as BundleManifest;
    const base = fileURLToPath(dist);
    for (const [path, was] of Object.entries(m.inputs)) {
      const st = statSync(`${base}${path}`);
      if (st.size !== was.size || st.mtimeMs !== was.mtimeMs) return null;
    }
    return new URL(bundle, dist);
  } catch {
    return null;
  }
}

/**
 * Runs the CommonJS bundle at `file` (with the code cache at `cache` when
 * there is one); returns its exports and the script (for `createCachedData`).
 * Package specifiers given to its `__import(specifier)` resolve from this
 * package, like `import()` here.
 */
export function runBundle<T>(file: URL, cache?: URL): { exports: T; script: Script } {
  const path = fileURLToPath(file);
  let cachedData: Buffer | undefined;
  try {
    if (cache) cachedData = readFileSync(cache);
  } catch {
    // no cache: compiled as usual
  }
  const source = readFileSync(path, 'utf8');
  // `import()` in a script compiled from a code cache has no loader to call
  // (Node drops it): the bundle's `import()`s of packages are `__import()`, this
  // module's (see `build/bundle-cli.ts`).
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __import) {${source}\n})`, { filename: path, cachedData });
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string, i: (s: string) => Promise<unknown>) => void;
  wrapper(module.exports as object, createRequire(path), module, path, fileURLToPath(new URL('.', file)), (specifier) => import(specifier));
  return { exports: module.exports, script };
}
