import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` next to the caller's module
 * (`callerUrl` = its `import.meta.url`): `name.js` when built, `name.ts` in
 * development. Node 20 workers do not inherit tsx's loader (`--import tsx`), so
 * in development the worker registers tsx before importing the entry.
 */
export function startModuleWorker(callerUrl: string, name: string): Worker {
  const ext = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./${name}${ext}`, callerUrl);
  if (ext !== '.ts') return new Worker(entry);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
}
