/**
 * Builds the dashboard (`src/app/`) into `dist-app/`: `index.html` and
 * content-hashed files under `assets/`, which the service serves at `/`.
 * `npm run build` at the repository root runs it after `tsc -b`.
 *
 * Development: `npx vite --config packages/ui/vite.config.ts` serves the app
 * with hot reload and forwards `/v1` to a service on 127.0.0.1:8080
 * (`MODELWATCH_URL` to change it).
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const api = process.env.MODELWATCH_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: here('./src/app/'),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: true })],
  build: {
    outDir: here('./dist-app/'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: { proxy: { '/v1': api, '/docs': api, '/metrics': api } },
});
