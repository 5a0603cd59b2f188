import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, tableFromColumns } from '@modelwatch/core';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml, startHtmlRenderer } from '../src/output/html.js';
import { BUNDLE_FILE, freshBundle, MANIFEST_FILE, runRendererBundle as runBundle } from '../src/output/renderer.js';
import { openRemote, RenderError, renderOnReadWorker } from '../src/read/remote.js';
import { startWorker } from '../src/worker-thread.js';

/** The worker-thread renderer gives the same bytes as rendering in-thread, hostile names escaped. */
test('HTML from the worker equals HTML rendered in-thread', async () => {
  const name = '<script>alert(1)</script>';
  const n = 400;
  const ref = tableFromColumns({ x: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 3), [name]: Array.from({ length: n }, (_, i) => `c${i % 4}`) });
  const cur = tableFromColumns({ x: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 3 + 1), [name]: Array.from({ length: n }, (_, i) => `c${i % 5}`) });
  const report = compare(ref, cur, { now: new Date('2024-01-01T00:00:00Z'), referenceSource: 'ref.csv', currentSource: 'cur.csv' });
  const renderer = startHtmlRenderer();
  try {
    const [viaWorker, inThread] = await Promise.all([renderer.render(report, 'T & <b>'), renderHtml(report, 'T & <b>')]);
    assert.equal(viaWorker, inThread);
    assert.ok(viaWorker.length > 1000);
    assert.ok(!viaWorker.includes(name), 'the hostile column name appears only escaped');
    assert.ok(viaWorker.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  } finally {
    renderer.close();
  }
});

/** The workers themselves (not the in-thread fallback) render the same bytes. */
test('the HTML worker and the read worker render the same HTML as this thread', async () => {
  const n = 300;
  const ref = tableFromColumns({ x: Float64Array.from({ length: n }, (_, i) => Math.cos(i)), c: Array.from({ length: n }, (_, i) => `k${i % 3}`) });
  const cur = tableFromColumns({ x: Float64Array.from({ length: n }, (_, i) => Math.cos(i) * 2), c: Array.from({ length: n }, (_, i) => `k${i % 4}`) });
  const report = compare(ref, cur, { now: new Date('2024-01-01T00:00:00Z') });
  const inThread = await renderHtml(report, 'W');

  const worker = startWorker(new URL('../src/output/html-worker.ts', import.meta.url));
  try {
    const reply = await new Promise<{ html?: string; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage({ report, title: 'W' });
    });
    assert.equal(reply.error, undefined);
    assert.equal(reply.html, inThread);
  } finally {
    await worker.terminate();
  }

  const dir = mkdtempSync(join(tmpdir(), 'mw-html-'));
  try {
    writeFileSync(join(dir, 'a.csv'), 'x\n1\n2\n');
    const source = await openRemote(join(dir, 'a.csv'), { format: 'csv' });
    const renderer = renderOnReadWorker();
    assert.ok(renderer, 'a read worker runs while a file is open');
    await source.close();
    try {
      assert.equal(await renderer.render(report, 'W'), inThread);
      // A report the renderer cannot handle is a render failure, not a dead worker.
      await assert.rejects(renderer.render({} as typeof report), RenderError);
    } finally {
      renderer.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the renderer bundle is used only while every file it was made from is unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bundle-'));
  try {
    const dist = join(dir, 'dist');
    mkdirSync(dist);
    const input = join(dir, 'input.js');
    writeFileSync(input, 'export const a = 1;\n');
    writeFileSync(join(dist, BUNDLE_FILE), 'export const a = 1;\n');
    const st = statSync(input);
    writeFileSync(join(dist, MANIFEST_FILE), JSON.stringify({ inputs: { '../input.js': { size: st.size, mtimeMs: st.mtimeMs } } }));
    const distUrl = pathToFileURL(`${dist}/`);
    assert.equal(freshBundle(distUrl)?.href, new URL(BUNDLE_FILE, distUrl).href);
    writeFileSync(input, 'export const a = 22;\n');
    assert.equal(freshBundle(distUrl), null, 'an input changed');
    rmSync(join(dist, MANIFEST_FILE));
    assert.equal(freshBundle(distUrl), null, 'no manifest');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the renderer bundle runs as CommonJS with V8\'s code cache, and without a usable one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bundle-cache-'));
  try {
    const file = join(dir, 'r.cjs');
    writeFileSync(file, "const { basename } = require('node:path'); exports.renderReportHtml = (r) => `<p>${basename(__filename)} ${r.n}</p>`;\n");
    const url = pathToFileURL(file);
    const first = runBundle(url, new URL('missing.cache', url));
    assert.equal(first.exports.renderReportHtml({ n: 1 } as never), '<p>r.cjs 1</p>');
    writeFileSync(join(dir, 'r.cache'), first.script.createCachedData());
    const cached = runBundle(url, new URL('r.cache', url));
    assert.equal(cached.script.cachedDataRejected, false, 'the cache is used');
    assert.equal(cached.exports.renderReportHtml({ n: 2 } as never), '<p>r.cjs 2</p>');
    // Another source (V8 keeps compiled scripts per source in the process) with a cache that is not one.
    const other = join(dir, 's.cjs');
    writeFileSync(other, 'exports.renderReportHtml = (r) => `<p>s ${r.n}</p>`;\n');
    writeFileSync(join(dir, 'bad.cache'), 'not a code cache');
    const rejected = runBundle(pathToFileURL(other), new URL('bad.cache', url));
    assert.equal(rejected.script.cachedDataRejected, true);
    assert.equal(rejected.exports.renderReportHtml({ n: 3 } as never), '<p>s 3</p>');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
