/**
 * `node dist/build/bundle-renderer.js`: bundles the HTML renderer
 * (`@modelwatch/ui`'s `renderReportHtml` with Observable Plot, linkedom and
 * their dependencies, ~350 modules) into one minified file,
 * `dist/renderer.bundle.js`, with a manifest of the files it was made from.
 *
 * Loading the modules one by one costs about 0.6 s of CPU on a 2-core machine,
 * the bundle about 0.15 s; the report renders the same HTML either way. The
 * CLI uses the bundle only while every input file is unchanged (see
 * `output/renderer.ts`), so a stale bundle is never used. Run after `tsc -b`;
 * needs esbuild (installed with tsx).
 *
 * It then bundles the CLI's program the same way (`bundle-cli.ts`:
 * `dist/main.bundle.js`), which `dist/cli.js` loads while it is fresh.
 */
import { statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FILE, MANIFEST_FILE, type BundleManifest } from '../output/renderer.js';
import { bundleCli } from './bundle-cli.js';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const here = fileURLToPath(new URL('.', import.meta.url));

const esbuild = await import('esbuild');
const result = await esbuild.build({
  stdin: { contents: "export { renderReportHtml } from '@modelwatch/ui';", resolveDir: here, loader: 'js' },
  bundle: true,
  platform: 'node',
  format: 'esm',
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
const cli = await bundleCli(dist);
console.error(`modelwatch: bundled the CLI's program from ${cli.inputs} files into ${relative(process.cwd(), cli.file)}`);
