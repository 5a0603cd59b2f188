import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on one of this package's modules (`*.js` when built).
 * In development the sources run through tsx (`--import tsx`), which Node 20
 * does not apply inside worker threads: there the worker registers tsx first,
 * then imports the `.ts` module.
 */
export function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true });
}
