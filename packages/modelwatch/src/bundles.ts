import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * One-file bundles next to the built program (`dist/`), made by
 * `build/bundle-renderer` after `tsc -b`: the HTML renderer and the CLI's
 * commands. Loading one file instead of hundreds of modules saves most of
 * their start-up time. A bundle is used only while every file it was made
 * from is unchanged (sizes and modification times in its manifest), so a
 * stale bundle is never run: without it the modules load one by one.
 *
 * No imports besides Node's: `cli.ts` checks its bundle before anything loads.
 */

/** The CLI's commands (`main.js` and everything it loads) as one file, and its manifest. */
export const CLI_BUNDLE_FILE = 'main.bundle.js';
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
