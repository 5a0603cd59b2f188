/**
 * `modelwatch serve` serves the web dashboard: the built CLI (`dist/cli.js`)
 * as a child process prints the dashboard's address, answers `/` with the
 * built app (`packages/ui/dist-app`, made by `npm run build`) and its assets,
 * and the dashboard's API, then stops cleanly.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const APP = fileURLToPath(new URL('../../ui/dist-app/index.html', import.meta.url));

const root = mkdtempSync(join(tmpdir(), 'mw-serve-dash-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('modelwatch serve: the dashboard at /, its assets and its API', { timeout: 90_000 }, async () => {
  assert.ok(existsSync(CLI) && existsSync(APP), 'run "npm run build" first (npm test does): it builds dist/cli.js and packages/ui/dist-app');
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data', join(root, 'data'), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MODELWATCH_DEBUG: '' } });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on('close', resolve));
  try {
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (!url) {
      url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      assert.ok(proc.exitCode === null, `serve exited: ${err}`);
      assert.ok(Date.now() < deadline, `serve did not listen: ${err}`);
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 100)); // the address lines are printed together
    assert.match(out, new RegExp(`\\n  dashboard  ${url.replace(/[.]/g, '\\.')}/\\n`));
    const index = await fetch(`${url}/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(index.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await index.text();
    assert.match(html, /<div id="app">/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const js = await fetch(url + script, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.ok((await js.text()).length > 10_000);
    const page = await fetch(`${url}/models/anything`);
    assert.equal(await page.text(), html);
    const overview = await fetch(`${url}/v1/dashboard/overview`);
    assert.equal(overview.status, 200);
    assert.deepEqual((await overview.json()).models, []);
  } finally {
    proc.kill('SIGTERM');
  }
  assert.equal(await exited, 0, err);
});
