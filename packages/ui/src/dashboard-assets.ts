/**
 * Where the built dashboard lives (`npm run build` runs Vite after `tsc -b` and
 * writes the app to `packages/ui/dist-app/`). Node only: the service reads
 * these files once at start and serves them itself
 * (`@modelwatch/server`'s dashboard plugin).
 *
 * A separate entry (`@modelwatch/ui/dashboard`) so the service does not load
 * the report renderer (Observable Plot, linkedom) just to find the files.
 */
import { fileURLToPath } from 'node:url';

export type * from './dashboard-types.js';

/** Absolute path of the built dashboard (`index.html` and `assets/`), whether this module runs from `src/` or `dist/`. */
export function dashboardAssetsDir(): string {
  return fileURLToPath(new URL('../dist-app/', import.meta.url));
}

/** The page paths the dashboard routes on the client; the service answers them with `index.html`. */
export const DASHBOARD_ROUTES = ['/', '/models', '/models/*', '/alerts', '/alerts/*'] as const;
