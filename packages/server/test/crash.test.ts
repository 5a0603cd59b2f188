/**
 * Crash safety: the server runs as a child process, concurrent clients ingest
 * batches, the process is killed with SIGKILL mid-ingestion and restarted on the
 * same data directory. Every acknowledged event must be stored exactly once,
 * with the event time and values it was sent with (by id, and by count); after
 * the clients re-send what was not acknowledged (and some of what was, as after
 * a lost acknowledgment), every event is stored exactly once.
 *
 * The check reads the database file directly with DuckDB, not through the store.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SCHEMA, T0, event, tempDir } from './helpers/fixtures.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const mainPath = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Child {
  proc: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

function startChild(dataDir: string): Promise<Child> {
  const proc = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', mainPath, '--data', dataDir, '--port', '0', '--log-level', 'warn'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in time; stderr: ${stderr}`)), 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1], exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}

interface Batch {
  ids: string[];
  /** What each event was sent with. */
  sent: Map<string, Stored>;
  body: string;
  ndjson: boolean;
}

/** An event as stored: how many rows carry its id, its time and two of its values. */
interface Stored {
  n: number;
  ts: number;
  amount: number;
  country: string;
}

function makeBatch(client: number, n: number, size: number): Batch {
  const records = Array.from({ length: size }, (_, i) => event(client * 100_000 + n * size + i, { id: `c${client}-b${n}-r${i}`, ts: T0 + (n * size + i) * 10 }));
  const ndjson = n % 2 === 1;
  const sent = new Map(records.map((r) => [r.id as string, { n: 1, ts: r.ts as number, amount: (r.features as { amount: number }).amount, country: (r.features as { country: string }).country }]));
  return { ids: records.map((r) => r.id as string), sent, body: ndjson ? records.map((r) => JSON.stringify(r)).join('\n') : JSON.stringify(records), ndjson };
}

async function send(url: string, b: Batch): Promise<{ accepted: number; inserted: number; duplicates: number } | null> {
  try {
    const res = await fetch(`${url}/v1/models/crash/events`, {
      method: 'POST',
      headers: { 'content-type': b.ndjson ? 'application/x-ndjson' : 'application/json' },
      body: b.body,
    });
    if (res.status !== 200) return null;
    return (await res.json()) as { accepted: number; inserted: number; duplicates: number };
  } catch {
    return null; // connection reset by the kill: not acknowledged
  }
}

/** Every stored event of the model by id (rows with the id, and the first row's time and values), and the table's row count. */
async function storedEvents(dbFile: string): Promise<{ byId: Map<string, Stored>; rows: number }> {
  const instance = await DuckDBInstance.create(dbFile);
  const conn = await instance.connect();
  try {
    const [modelId, layoutJson] = (await conn.runAndReadAll(`SELECT id, layout_json FROM mw_models WHERE name = 'crash'`)).getRows()[0];
    const physical = (name: string) => (JSON.parse(layoutJson as string) as { columns: { name: string; physical: string; active: boolean }[] }).columns.find((c) => c.name === name && c.active)!.physical;
    const table = `ev_${Number(modelId)}`;
    const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0][0]);
    const res = await conn.runAndReadAll(
      `SELECT id, count(*), CAST(epoch_ms(min(ts)) AS DOUBLE), min("${physical('amount')}"), min("${physical('country')}") FROM ${table} GROUP BY id`,
    );
    const byId = new Map(res.getRows().map(([id, n, ts, amount, country]) => [id as string, { n: Number(n), ts: Number(ts), amount: Number(amount), country: country as string }]));
    return { byId, rows };
  } finally {
    conn.disconnectSync();
    instance.closeSync();
  }
}

describe('crash safety', () => {
  test('kill -9 during concurrent ingestion loses no acknowledged event and duplicates none', { timeout: 240_000 }, async (t) => {
    const tmp = tempDir('mw-crash-');
    let child: Child | undefined;
    try {
      child = await startChild(tmp.dir);
      const put = await fetch(`${child.url}/v1/models/crash`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ schema: SCHEMA, versions: ['v1'] }),
      });
      assert.equal(put.status, 201);

      const CLIENTS = 6;
      const SIZE = 250;
      const acked: Batch[] = [];
      const unacked: Batch[] = [];
      let killed = false;
      const url = child.url;
      const proc = child.proc;
      const clients = Array.from({ length: CLIENTS }, async (_, c) => {
        for (let n = 0; !killed; n++) {
          const b = makeBatch(c, n, SIZE);
          const r = await send(url, b);
          if (r) {
            assert.equal(r.accepted, SIZE);
            acked.push(b);
            // Kill once enough batches are acknowledged, with requests still in flight.
            if (acked.length === 40 && !killed) {
              killed = true;
              proc.kill('SIGKILL');
            }
          } else {
            unacked.push(b);
          }
        }
      });
      await Promise.all(clients);
      assert.equal(await child.exited, null); // killed by a signal
      assert.ok(acked.length >= 40);
      assert.ok(unacked.length > 0, 'some requests were in flight when the server died');

      // Restart on the same data directory: the WAL is replayed. Stop it cleanly and look.
      const dbFile = join(tmp.dir, 'modelwatch.duckdb');
      child = await startChild(tmp.dir);
      child.proc.kill('SIGTERM');
      assert.equal(await child.exited, 0);
      let stored = await storedEvents(dbFile);
      let counts = stored.byId;
      // Every acknowledged event, once, as it was sent (time and values).
      for (const b of acked) for (const [id, want] of b.sent) assert.deepEqual(counts.get(id), want, `acknowledged event ${id}`);
      const sent = new Set([...acked, ...unacked].flatMap((b) => b.ids));
      for (const [id, e] of counts) {
        assert.ok(sent.has(id), `unexpected id ${id}`);
        assert.equal(e.n, 1, `${id} stored ${e.n} times`);
      }
      // By count: the table holds the acknowledged events and at most the ones in flight, one row each.
      const ackedCount = acked.length * SIZE;
      assert.equal(stored.rows, counts.size, 'one row per id');
      assert.ok(stored.rows >= ackedCount && stored.rows <= ackedCount + unacked.length * SIZE, `${stored.rows} rows for ${ackedCount} acknowledged events`);
      // An event in flight was committed whole with its batch or not at all.
      for (const b of unacked) {
        const present = b.ids.filter((id) => counts.has(id)).length;
        assert.ok(present === 0 || present === SIZE, `a batch in flight is stored partly (${present} of ${SIZE})`);
      }

      // Clients retry what was not acknowledged, and re-send a few acknowledged batches (lost acks).
      const beforeRetry = counts.size;
      child = await startChild(tmp.dir);
      let duplicates = 0;
      for (const b of [...unacked, ...acked.slice(0, 5)]) {
        const r = await send(child.url, b);
        assert.ok(r, 'retry accepted');
        assert.equal(r.accepted, SIZE);
        assert.equal(r.inserted + r.duplicates, SIZE);
        duplicates += r.duplicates;
      }
      assert.ok(duplicates >= 5 * SIZE, 're-sent acknowledged batches are recognised as duplicates');
      t.diagnostic(`acknowledged ${acked.length} batches, ${unacked.length} in flight at the kill; ${beforeRetry} events stored after restart; ${duplicates} duplicates skipped on retry`);
      child.proc.kill('SIGTERM');
      assert.equal(await child.exited, 0);
      child = undefined;
      stored = await storedEvents(dbFile);
      counts = stored.byId;
      assert.equal(counts.size, sent.size);
      assert.equal(stored.rows, sent.size);
      for (const b of [...acked, ...unacked]) for (const [id, want] of b.sent) assert.deepEqual(counts.get(id), want, `event ${id}`);
    } finally {
      if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
        child.proc.kill('SIGKILL');
        await child.exited;
      }
      tmp.cleanup();
    }
  });
});
