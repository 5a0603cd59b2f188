/**
 * `modelwatch serve` as users run it: the built CLI (`dist/cli.js`, what `npm i
 * modelwatch` installs) as a child process, checked by what it prints, what it
 * answers over HTTP, its exit code and what it leaves on disk.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Serve {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Spawns `node dist/cli.js serve ARGS` in `cwd`. */
function serve(args: string[], cwd: string): Serve {
  assert.ok(existsSync(CLI), `${CLI} is missing: run "npm run build" first (npm test does)`);
  const proc = spawn(process.execPath, [CLI, 'serve', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MODELWATCH_DEBUG: '' } });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

/** Waits until the server printed its URL (or exited, which fails with its output). */
async function listening(s: Serve, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let code: number | null | undefined;
  void s.exited.then((c) => (code = c));
  for (;;) {
    const m = /listening on (http:\/\/\S+)/.exec(s.stdout());
    if (m) return m[1];
    if (code !== undefined) throw new Error(`serve exited with ${code} before listening:\n${s.stderr()}`);
    if (Date.now() > deadline) throw new Error(`serve did not listen within ${timeoutMs} ms:\n${s.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Kills a server a failed test left behind. */
function reap(s: Serve | undefined): void {
  if (s && s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
}

const root = mkdtempSync(join(tmpdir(), 'mw-serve-'));
after(() => rmSync(root, { recursive: true, force: true }));
const SCHEMA = {
  columns: [
    { name: 'x', kind: 'numeric', role: 'feature' },
    { name: 'c', kind: 'categorical', role: 'feature' },
    { name: 'p', kind: 'categorical', role: 'prediction' },
  ],
};

/** Events stored for a model, and how many distinct ids, read from the database file directly (as the server's crash test does). */
async function storedEvents(dbFile: string, model: string): Promise<{ rows: number; ids: number }> {
  const db = await DuckDBInstance.create(dbFile, { access_mode: 'READ_ONLY' });
  const con = await db.connect();
  try {
    const id = Number((await con.runAndReadAll('SELECT id FROM mw_models WHERE name = $1', [model])).getRows()[0][0]);
    const [rows, ids] = (await con.runAndReadAll(`SELECT count(*), count(DISTINCT id) FROM ev_${id}`)).getRows()[0];
    return { rows: Number(rows), ids: Number(ids) };
  } finally {
    con.disconnectSync();
    db.closeSync();
  }
}

describe('modelwatch serve', { timeout: 180_000 }, () => {
  test('prints its addresses, ingests, exports /metrics, and on SIGTERM commits, checkpoints and exits 0', async () => {
    const cwd = join(root, 'run');
    mkdirSync(cwd);
    let s: Serve | undefined;
    try {
      s = serve(['--port', '0', '--data', 'data', '--log-level', 'warn'], cwd);
      const url = await listening(s);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const out = s.stdout();
      for (const path of ['/v1/models', '/docs', '/metrics']) assert.ok(out.includes(`${url}${path}`), `${path} not printed:\n${out}`);
      assert.ok(out.includes(join(cwd, 'data', 'modelwatch.duckdb')), out);

      let res = await fetch(`${url}/v1/models/m1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema: SCHEMA, versions: ['v1'] }) });
      assert.equal(res.status, 201, await res.text());
      const events = Array.from({ length: 250 }, (_, i) => ({ id: `e${i}`, ts: 1_700_000_000_000 + i * 1000, version: 'v1', features: { x: i, c: i % 2 ? 'a' : 'b' }, prediction: 'y' }));
      res = await fetch(`${url}/v1/models/m1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([...events, { ts: 1, version: 'v1', features: {} }]) });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const body = JSON.parse(text) as { accepted: number; rejectedCount: number };
      assert.equal(body.accepted, 250);
      assert.equal(body.rejectedCount, 1);

      res = await fetch(`${url}/metrics`);
      assert.equal(res.status, 200);
      const metrics = await res.text();
      assert.match(metrics, /^modelwatch_events_ingested_total\{model="m1",version="v1"\} 250$/m);
      assert.match(metrics, /^modelwatch_events_rejected_total\{model="m1",reason="missing_id"\} 1$/m);
      // The model-health gauges are declared (with HELP) even before any monitor ran.
      assert.match(metrics, /^# HELP modelwatch_feature_drift_detected /m);

      s.proc.kill('SIGTERM');
      assert.equal(await s.exited, 0, s.stderr());
      assert.match(s.stderr(), /stopped/);
      // Closed cleanly: the file opens read-only (no lock held) and holds every acknowledged event.
      assert.deepEqual(await storedEvents(join(cwd, 'data', 'modelwatch.duckdb'), 'm1'), { rows: 250, ids: 250 });

      // A restart on the same directory has the model and still counts from zero (counters are per process).
      s = serve(['--port', '0', '--data', 'data', '--log-level', 'warn'], cwd);
      const url2 = await listening(s);
      res = await fetch(`${url2}/v1/models/m1`);
      assert.equal(res.status, 200);
      s.proc.kill('SIGINT');
      assert.equal(await s.exited, 0, s.stderr());
    } finally {
      reap(s);
    }
  });

  test('with no flags: ./modelwatch-data in the working directory, port 8080 on loopback', async () => {
    const cwd = join(root, 'defaults');
    mkdirSync(cwd);
    let s: Serve | undefined;
    try {
      s = serve([], cwd);
      // Port 8080 may be taken on this machine: then the refusal must name 127.0.0.1:8080 (the default), exit 2.
      const outcome = await Promise.race([listening(s).then((url) => ({ url })), s.exited.then((code) => ({ code }))]);
      if ('url' in outcome) {
        assert.equal(outcome.url, 'http://127.0.0.1:8080');
        s.proc.kill('SIGTERM');
        assert.equal(await s.exited, 0, s.stderr());
        assert.ok(existsSync(join(cwd, 'modelwatch-data', 'modelwatch.duckdb')));
      } else {
        assert.equal(outcome.code, 2, s.stderr());
        assert.match(s.stderr(), /cannot listen on 127\.0\.0\.1:8080: the port is in use/);
      }
    } finally {
      reap(s);
    }
    // The default data directory, independently of the port.
    const cwd2 = join(root, 'defaults-data');
    mkdirSync(cwd2);
    try {
      s = serve(['--port', '0'], cwd2);
      await listening(s);
      assert.ok(s.stdout().includes(join(cwd2, 'modelwatch-data', 'modelwatch.duckdb')), s.stdout());
      s.proc.kill('SIGTERM');
      assert.equal(await s.exited, 0, s.stderr());
      assert.ok(existsSync(join(cwd2, 'modelwatch-data', 'modelwatch.duckdb')));
    } finally {
      reap(s);
    }
  });

  test('a bad configuration exits 2 naming the file and the setting, without a stack trace', async () => {
    const cfg = join(root, 'bad.yaml');
    writeFileSync(cfg, 'server:\n  port: "eighty"\n');
    const s = serve(['--config', cfg], root);
    assert.equal(await s.exited, 2);
    const err = s.stderr();
    assert.ok(err.includes(cfg), err);
    assert.match(err, /server\.port: expected a port number/);
    assert.doesNotMatch(err, /\n\s+at /);
    assert.equal(s.stdout(), '');
  });

  test('a missing configuration file exits 2 naming it', async () => {
    const s = serve(['--config', join(root, 'nope.yaml')], root);
    assert.equal(await s.exited, 2);
    assert.match(s.stderr(), /nope\.yaml.*cannot read the file/s);
  });

  test('a port in use exits 2 with a clear message', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const s = serve(['--port', String(port), '--data', join(root, 'busy')], root);
      assert.equal(await s.exited, 2);
      assert.match(s.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use.*--port`));
      assert.doesNotMatch(s.stderr(), /\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  test('a data directory used by another running server exits 2 naming it', async () => {
    const data = join(root, 'shared');
    let first: Serve | undefined;
    try {
      first = serve(['--port', '0', '--data', data, '--log-level', 'warn'], root);
      await listening(first);
      const second = serve(['--port', '0', '--data', data], root);
      assert.equal(await second.exited, 2, second.stderr());
      assert.match(second.stderr(), /data directory .*shared is in use by another process/);
      first.proc.kill('SIGTERM');
      assert.equal(await first.exited, 0);
    } finally {
      reap(first);
    }
  });

  test('bad option values exit 2 naming the option', async () => {
    let s = serve(['--port', '70000'], root);
    assert.equal(await s.exited, 2);
    assert.match(s.stderr(), /--port: expected a port number 0\.\.65535 \(got "70000"\)/);
    s = serve(['--log-level', 'loud'], root);
    assert.equal(await s.exited, 2);
    assert.match(s.stderr(), /--log-level/);
  });
});
