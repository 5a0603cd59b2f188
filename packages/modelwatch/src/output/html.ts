import { extname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Report } from '@modelwatch/core';
import { CliError } from '../errors.js';
import { startWorker } from '../worker-thread.js';
import { RenderError, renderOnReadWorker } from '../read/remote.js';
import { loadRenderer, type Renderer } from './renderer.js';

/**
 * The HTML report, rendered by `@modelwatch/ui` (the dashboard's renderer).
 *
 * Loading the renderer and its chart libraries costs about half a second of
 * CPU, so when `--html` is asked for, `startHtmlRenderer()` starts a worker
 * thread that loads it at once — in parallel with reading and comparing on
 * the main thread — and renders the report when it is ready. When the inputs
 * are read on the read worker (`read/remote.ts`), that worker renders, loading
 * the renderer once its reads are done (one thread fewer to start). Without
 * worker threads (or if the worker cannot start) the renderer is imported
 * in-thread.
 */
export interface HtmlRenderer {
  render(report: Report, title?: string): Promise<string>;
  close(): void;
}

function failure(message: string): CliError {
  return new CliError(`the HTML report could not be rendered: ${message}`);
}

/** Renders in this thread (imports the renderer on first use). */
export async function renderHtml(report: Report, title?: string): Promise<string> {
  let ui: Renderer;
  try {
    ui = await loadRenderer();
  } catch (e) {
    throw failure(`the renderer (@modelwatch/ui) could not be loaded: ${(e as Error).message}`);
  }
  return ui.renderReportHtml(report, title === undefined ? {} : { title });
}

/** Starts loading the renderer on a worker thread. */
export function startHtmlRenderer(): HtmlRenderer {
  const shared = renderOnReadWorker();
  if (shared) {
    return {
      render: (report, title) =>
        shared.render(report, title).catch((e: Error) => {
          if (e instanceof RenderError) throw failure(e.message);
          // The worker stopped: render here instead.
          return renderHtml(report, title);
        }),
      close: () => shared.close(),
    };
  }
  let worker: Worker;
  try {
    // The worker module sits next to this one: .ts in development (run through tsx), .js when built.
    worker = startWorker(new URL(`./html-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url));
  } catch {
    return { render: renderHtml, close: () => {} };
  }
  worker.unref();
  let failed: Error | null = null;
  worker.on('error', (e) => (failed = e));
  return {
    render(report, title) {
      if (failed) return renderHtml(report, title);
      // Keep the process alive while the worker renders.
      worker.ref();
      return new Promise<string>((resolve, reject) => {
        const onMessage = (msg: { html?: string; error?: string }) => {
          cleanup();
          if (msg.html !== undefined) resolve(msg.html);
          else reject(failure(msg.error ?? 'unknown error'));
        };
        const onError = (e: Error) => {
          cleanup();
          // The worker died (e.g. could not load its module): render here instead.
          renderHtml(report, title).then(resolve, reject);
          void e;
        };
        const cleanup = () => {
          worker.unref();
          worker.off('message', onMessage);
          worker.off('error', onError);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.postMessage({ report, title });
      });
    },
    close() {
      void worker.terminate();
    },
  };
}
