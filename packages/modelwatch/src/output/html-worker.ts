/**
 * The HTML renderer on a worker thread. `@modelwatch/ui` and its chart
 * libraries take about half a second of CPU to load; on their own thread they
 * load while the main thread reads the inputs and compares them, and the
 * report is rendered here once it is ready.
 *
 * Messages in: `{ report, title? }`. Out: `{ html }` or `{ error }`.
 */
import { parentPort } from 'node:worker_threads';
import type { Report } from '@modelwatch/core';
import { loadRenderer } from './renderer.js';

const port = parentPort;
if (!port) throw new Error('html-worker must run as a worker thread');
const ui = loadRenderer();
ui.catch(() => {
  // Reported with the first render request.
});

port.on('message', async (msg: { report: Report; title?: string }) => {
  try {
    const { renderReportHtml } = await ui;
    port.postMessage({ html: renderReportHtml(msg.report, msg.title === undefined ? {} : { title: msg.title }) });
  } catch (e) {
    port.postMessage({ error: (e as Error)?.message ?? String(e) });
  }
});
