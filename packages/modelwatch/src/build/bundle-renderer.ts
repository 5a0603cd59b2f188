/**
 * `node dist/build/bundle-renderer.js`: bundles the HTML renderer
 * (`@modelwatch/ui`'s `renderReportHtml` with Observable Plot, linkedom and
 * their dependencies, ~350 modules) into one minified CommonJS file,
 * `dist/renderer.bundle.cjs`, with a manifest of the files it was made from,
 * and V8's code cache of it after rendering a sample report
 * (`dist/renderer.bundle.cache`; see `output/renderer.ts`).
 *
 * Loading the modules one by one costs about 0.6 s of CPU on a 2-core machine,
 * the bundle about 0.15 s; the report renders the same HTML either way. The
 * CLI uses the bundle only while every input file is unchanged (see
 * `output/renderer.ts`), so a stale bundle is never used. Run after `tsc -b`;
 * needs esbuild (installed with tsx).
 *
 * It then bundles the CLI's program the same way (`bundle-cli.ts`:
 * `dist/main.bundle.cjs`, run with a code cache), which `dist/cli.js` loads while
 * it is fresh.
 */
import { statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compare, tableFromColumns } from '@modelwatch/core';
import { BUNDLE_FILE, CACHE_FILE, MANIFEST_FILE, runRendererBundle, type BundleManifest } from '../output/renderer.js';
import { bundleCli } from './bundle-cli.js';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const here = fileURLToPath(new URL('.', import.meta.url));

const esbuild = await import('esbuild');
const result = await esbuild.build({
  stdin: { contents: "export { renderReportHtml } from '@modelwatch/ui';", resolveDir: here, loader: 'js' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  metafile: true,
  legalComments: 'eof',
  outfile: resolve(dist, BUNDLE_FILE),
  logLevel: 'warning',
});
const inputs: BundleManifest['inputs'] = {};
for (const input of Object.keys(result.metafile.inputs)) {
  if (input === '<stdin>') continue;
  const path = resolve(input);
  const st = statSync(path);
  inputs[relative(dist, path)] = { size: st.size, mtimeMs: st.mtimeMs };
}
const manifest: BundleManifest = { inputs };
writeFileSync(resolve(dist, MANIFEST_FILE), `${JSON.stringify(manifest)}\n`);
console.error(`modelwatch: bundled the HTML renderer from ${Object.keys(inputs).length} files into ${relative(process.cwd(), resolve(dist, BUNDLE_FILE))}`);

/** A report of the usual shape (numeric and categorical columns, drift, findings) to render once before caching. */
function sampleReport() {
  const side = (n: number, shift: number) => {
    const u = (i: number, k: number) => ((Math.imul(i + 1, 2654435761) ^ Math.imul(k + 7, 40503)) >>> 0) / 2 ** 32;
    return tableFromColumns({
      hour: Array.from({ length: n }, (_, i) => Math.floor(u(i, 1) * 24)),
      delay: Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : Math.round(-Math.log(1 - u(i, 3)) * 20 - 5 + shift * 10))),
      distance: Float64Array.from({ length: n }, (_, i) => 100 + u(i, 4) * 2000 + (i % 4) * 50),
      origin: Array.from({ length: n }, (_, i) => `A${Math.floor(u(i, 5) ** 2 * (60 + shift * 5))}`),
      destination: Array.from({ length: n }, (_, i) => (i % 50 === 0 ? null : `B${Math.floor(u(i, 6) ** 3 * 40)}`)),
    });
  };
  return compare(side(2000, 0), side(1800, 1), { now: new Date(0) });
}

// V8's code cache of the bundle, made after a render so it holds the render's functions too.
const bundleUrl = pathToFileURL(resolve(dist, BUNDLE_FILE));
const { exports: renderer, script } = runRendererBundle(bundleUrl);
renderer.renderReportHtml(sampleReport(), { title: 'sample' });
writeFileSync(resolve(dist, CACHE_FILE), script.createCachedData());
const cli = await bundleCli(dist);
console.error(`modelwatch: bundled the CLI's program from ${cli.inputs} files into ${relative(process.cwd(), cli.file)}`);
