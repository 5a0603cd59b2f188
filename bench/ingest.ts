/**
 * `npm run bench -- ingest`: sustained ingest over HTTP, durable on ack.
 *
 * The server runs as in production: its own process (`packages/server/dist/main.js`,
 * built first), a fresh data directory, a loopback port. A model with 10
 * features (6 numeric, 4 categorical), a categorical prediction and a score is
 * registered; a load-generator process (this file with `--client`) keeps
 * CONCURRENCY requests in flight, each an NDJSON batch of 1000 events with
 * unique ids and current timestamps, for WARMUP + SECONDS seconds. Only
 * acknowledged events count (a 200 means committed); events/s is over the
 * SECONDS after warm-up.
 *
 * The load generator shares the 2 cores with the server, so it is kept cheap:
 * one pre-built body per connection, re-used, with the id and timestamp digits
 * patched in place before each send. CPU time of both processes is read from
 * /proc during the measured window and reported as shares of the machine.
 *
 * At the end the server is stopped (SIGTERM: graceful) and the database file is
 * opened with DuckDB: it must hold exactly the acknowledged events, each once.
 *
 * Environment: BENCH_RUNS (default 3), BENCH_SECONDS (20), BENCH_WARMUP (5),
 * BENCH_CONCURRENCY (64), BENCH_BATCH (1000), BENCH_PARSE_THREADS (the server's
 * `server.queue.parseThreads`; default: its own, cores - 1), BENCH_DUCKDB_THREADS (`store.threads`;
 * default: the server's), BENCH_CHECKPOINT_THRESHOLD (`store.checkpointThreshold`), BENCH_SERVER_NODE_ARGS, BENCH_SERVER_MAIN (another build's `main.js`, for A/B runs).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const MODEL = 'bench';
const TICKS = 100; // USER_HZ on Linux

// ---------------------------------------------------------------------------
// The load generator (runs in its own process)

/** `ndjson` (the benchmark) or `batch` (the columnar batch @modelwatch/node's exporter sends). */
export type BodyFormat = 'ndjson' | 'batch';

interface ClientConfig {
  url: string;
  format: BodyFormat;
  concurrency: number;
  batch: number;
  warmup: number;
  seconds: number;
}

interface ClientReport {
  /** performance.timeOrigin-based wall times (ms since epoch) of the measured window. */
  windowStart: number;
  windowEnd: number;
  ackedInWindow: number;
  ackedTotal: number;
  requests: number;
  statuses: Record<string, number>;
  latenciesMs: { p50: number; p90: number; p99: number; max: number };
  errors: string[];
}

const CATS = [
  ['NL', 'DE', 'FR', 'US', 'GB', 'ES', 'IT', 'PL'],
  ['web', 'app', 'pos', 'phone'],
  ['card', 'transfer', 'wallet', 'cash', 'crypto', 'voucher'],
  ['gold', 'silver', 'bronze', 'basic', 'enterprise-plus'],
];

/** An NDJSON body of `n` events for connection `conn`, with the byte offsets of the digits to patch. */
function template(conn: number, n: number): { body: Buffer; seqAt: number[]; tsAt: number[] } {
  let seed = 12345 + conn * 7919;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296;
  };
  const parts: string[] = [];
  const seqAt: number[] = [];
  const tsAt: number[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const idHead = `{"id":"c${String(conn).padStart(3, '0')}-`;
    seqAt.push(at + idHead.length);
    const idTail = `000000000-${String(i).padStart(4, '0')}","ts":`;
    tsAt.push(at + idHead.length + idTail.length);
    const f: string[] = [];
    for (let j = 0; j < 6; j++) f.push(`"n${j}":${(rand() * 1000 - 200).toFixed(j % 3)}`);
    for (let j = 0; j < 4; j++) f.push(`"c${j}":"${CATS[j][Math.floor(rand() * rand() * CATS[j].length)]}"`);
    const line = `${idHead}${idTail}0000000000000,"version":"v1","features":{${f.join(',')}},"prediction":"${rand() < 0.3 ? 'fraud' : 'ok'}","scores":{"fraud":${rand().toFixed(4)}},"latency_ms":${(rand() * 20).toFixed(2)}}\n`;
    parts.push(line);
    at += Buffer.byteLength(line);
  }
  return { body: Buffer.from(parts.join('')), seqAt, tsAt };
}

/**
 * The same records as {@link template}, as one columnar batch (encoded by
 * @modelwatch/node's own encoder): the id digits are patched in the ids'
 * UTF-8 column, the timestamps written into the `ts` float64 column.
 */
async function batchTemplate(conn: number, n: number): Promise<{ body: Buffer; seqAt: number[]; tsF64At: number[] }> {
  const { encodeEvents, PredictionEvent } = await import('../packages/node/src/exporter/batch-encoder.js');
  const nd = template(conn, n);
  const lines = nd.body.toString('utf8').trimEnd().split('\n');
  // (The template's timestamps are zero digits, patched before each send: not JSON yet.)
  const records = lines.map((l) => JSON.parse(l.replace(/"ts":0+,/, '"ts":0,')) as { id: string; ts: number; features: object; prediction: string; scores: object; latency_ms: number });
  const body = encodeEvents(records.map((r) => new PredictionEvent(r.id, 0, r.ts, '"v1"', r.features, null, r.prediction, r.scores, r.latency_ms, false, undefined)));
  const headerLength = body.readUInt32LE(4);
  const header = JSON.parse(body.toString('utf8', 8, 8 + headerLength)) as { columns: { path: string[]; enc: string; data?: number }[] };
  const ts = header.columns.find((c) => c.path.length === 1 && c.path[0] === 'ts');
  if (!ts || ts.enc !== 'f64' || ts.data === undefined) throw new Error('bench: expected the ts column as f64');
  const dataSection = Math.ceil((8 + headerLength) / 8) * 8;
  const seqAt = records.map((r, i) => {
    // The ids are the only text of this shape (the header holds no ids: they are a utf8 column).
    const at = body.indexOf(r.id, dataSection, 'utf8');
    if (at < 0) throw new Error(`bench: id ${r.id} not found in the batch`);
    return at + nd.seqAt[i] - idStart(nd.body, nd.seqAt[i]);
  });
  return { body, seqAt, tsF64At: records.map((_, i) => dataSection + ts.data! + 8 * i) };
}

/** Where the id string containing `at` starts in an NDJSON template (after its opening quote). */
function idStart(body: Buffer, at: number): number {
  return body.lastIndexOf(34, at - 1) + 1;
}

function writeDigits(buf: Buffer, at: number, value: number, width: number): void {
  for (let k = width - 1; k >= 0; k--) {
    buf[at + k] = 48 + (value % 10);
    value = Math.floor(value / 10);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function client(cfg: ClientConfig): Promise<ClientReport> {
  const url = new URL(cfg.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: cfg.concurrency });
  const start = Date.now();
  const windowStart = start + cfg.warmup * 1000;
  const windowEnd = windowStart + cfg.seconds * 1000;
  let ackedInWindow = 0;
  let ackedTotal = 0;
  let requests = 0;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const errors: string[] = [];
  const contentType = cfg.format === 'batch' ? 'application/vnd.modelwatch.batch' : 'application/x-ndjson';
  const post = (body: Buffer) =>
    new Promise<{ status: number; text: string }>((resolve) => {
      const req = http.request(
        { hostname: url.hostname, port: url.port, path: `/v1/models/${MODEL}/events`, method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', (err) => resolve({ status: 0, text: err.message }));
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: cfg.concurrency }, async (_, conn) => {
      const t = cfg.format === 'batch' ? await batchTemplate(conn, cfg.batch) : template(conn, cfg.batch);
      let seq = 0;
      while (Date.now() < windowEnd) {
        seq++;
        const now = Date.now();
        for (const at of t.seqAt) writeDigits(t.body, at, seq, 9);
        if ('tsAt' in t) for (let i = 0; i < t.tsAt.length; i++) writeDigits(t.body, t.tsAt[i], now - t.tsAt.length + i, 13);
        else for (let i = 0; i < t.tsF64At.length; i++) t.body.writeDoubleLE(now - t.tsF64At.length + i, t.tsF64At[i]);
        const sent = performance.now();
        const res = await post(t.body);
        const done = Date.now();
        requests++;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 200) {
          const body = JSON.parse(res.text) as { inserted: number; accepted: number };
          ackedTotal += body.inserted;
          if (done >= windowStart && done < windowEnd) {
            ackedInWindow += body.inserted;
            latencies.push(performance.now() - sent);
          }
          if (body.accepted !== cfg.batch && errors.length < 5) errors.push(`accepted ${body.accepted} of ${cfg.batch}: ${res.text.slice(0, 300)}`);
        } else {
          if (errors.length < 5) errors.push(`${res.status}: ${res.text.slice(0, 300)}`);
          // Not committed: this batch's ids are sent again under a new sequence number.
          if (res.status === 429 || res.status === 503) await new Promise((r) => setTimeout(r, 200));
        }
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    windowStart,
    windowEnd,
    ackedInWindow,
    ackedTotal,
    requests,
    statuses,
    latenciesMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies[latencies.length - 1] ?? NaN) },
    errors,
  };
}

if (process.argv[2] === '--client') {
  const report = await client(JSON.parse(process.argv[3]) as ClientConfig);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------
// The benchmark

interface Sample {
  at: number;
  serverTicks: number;
  clientTicks: number;
  serverRssKiB: number;
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

function startServer(dataDir: string): Promise<{ proc: ChildProcess; url: string; exited: Promise<number | null> }> {
  const extra = process.env.BENCH_SERVER_NODE_ARGS ? process.env.BENCH_SERVER_NODE_ARGS.split(' ') : [];
  const config: string[] = [];
  const yaml: string[] = [];
  if (process.env.BENCH_PARSE_THREADS !== undefined) yaml.push(`server: { queue: { parseThreads: ${Number(process.env.BENCH_PARSE_THREADS)} } }`);
  const store: string[] = [];
  if (process.env.BENCH_DUCKDB_THREADS !== undefined) store.push(`threads: ${Number(process.env.BENCH_DUCKDB_THREADS)}`);
  if (process.env.BENCH_CHECKPOINT_THRESHOLD !== undefined) store.push(`checkpointThreshold: ${JSON.stringify(process.env.BENCH_CHECKPOINT_THRESHOLD)}`);
  if (store.length > 0) yaml.push(`store: { type: duckdb, ${store.join(', ')} }`);
  if (yaml.length > 0) {
    const file = join(dataDir, 'bench.yaml');
    writeFileSync(file, `${yaml.join('\n')}\n`);
    config.push('--config', file);
  }
  const proc = spawn(process.execPath, [...extra, process.env.BENCH_SERVER_MAIN ?? join(ROOT, 'packages/server/dist/main.js'), '--data', dataDir, '--port', '0', '--log-level', 'warn', ...config], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start; stderr: ${stderr}`)), 60_000);
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
      reject(new Error(`server exited with ${code}; stderr: ${stderr}`));
    });
  });
}

async function registerModel(url: string): Promise<void> {
  const columns = [
    ...Array.from({ length: 6 }, (_, i) => ({ name: `n${i}`, kind: 'numeric', role: 'feature' })),
    ...Array.from({ length: 4 }, (_, i) => ({ name: `c${i}`, kind: 'categorical', role: 'feature' })),
    { name: 'pred', kind: 'categorical', role: 'prediction' },
    { name: 'p_fraud', kind: 'numeric', role: 'score', scoreOf: 'fraud' },
  ];
  const res = await fetch(`${url}/v1/models/${MODEL}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ task: 'binary', versions: ['v1'], schema: { columns } }),
  });
  if (!res.ok) throw new Error(`registering the model failed: ${res.status} ${await res.text()}`);
}

async function storedCounts(dbFile: string): Promise<{ rows: number; distinct: number }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(dbFile);
  const conn = await db.connect();
  try {
    const res = await conn.runAndReadAll(`SELECT count(*), count(DISTINCT (id, ts)) FROM ev_1`);
    const [rows, distinct] = res.getRows()[0].map(Number);
    return { rows, distinct };
  } finally {
    conn.disconnectSync();
    db.closeSync();
  }
}

interface RunResult {
  eventsPerSecond: number;
  acknowledgedInWindow: number;
  windowSeconds: number;
  requests: number;
  statuses: Record<string, number>;
  latencyMs: ClientReport['latenciesMs'];
  serverCpuShare: number;
  clientCpuShare: number;
  /** CPU time (user + system) per acknowledged event in the window, µs: the measure that load on the machine disturbs least. */
  cpuUsPerEvent: { server: number; client: number };
  serverRssMiB: { max: number; end: number };
  loadAverageBefore: number;
  verified: { acknowledged: number; stored: number; distinct: number; ok: boolean };
  commits: { count: number; meanSeconds: number; meanEvents: number };
  errors: string[];
}

/** Event commits so far and their mean duration and size, from the server's /metrics. */
async function commitStats(url: string): Promise<{ count: number; meanSeconds: number; meanEvents: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
  const count = value(/^modelwatch_store_commit_duration_seconds_count\{kind="events"\} (\S+)$/m);
  const sum = value(/^modelwatch_store_commit_duration_seconds_sum\{kind="events"\} (\S+)$/m);
  const events = value(/^modelwatch_events_ingested_total\{[^}]*\} (\S+)$/m);
  return { count, meanSeconds: Math.round((sum / count) * 1000) / 1000, meanEvents: Math.round(events / count) };
}

async function oneRun(run: number, cfg: Omit<ClientConfig, 'url'>): Promise<RunResult> {
  const dataDir = join(ROOT, 'bench/results/tmp/ingest', `run-${run}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const loadBefore = loadavg()[0];
  const server = await startServer(dataDir);
  try {
    await registerModel(server.url);
    const clientProc = spawn(process.execPath, ['--import', 'tsx', SELF, '--client', JSON.stringify({ ...cfg, url: server.url })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const samples: Sample[] = [];
    const poll = setInterval(() => {
      samples.push({ at: Date.now(), serverTicks: cpuTicks(server.proc.pid!), clientTicks: cpuTicks(clientProc.pid!), serverRssKiB: rssKiB(server.proc.pid!) });
    }, 250);
    let out = '';
    clientProc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => clientProc.on('exit', resolve));
    clearInterval(poll);
    if (code !== 0) throw new Error(`the load generator failed (${code})`);
    const report = JSON.parse(out.trim().split('\n').pop()!) as ClientReport;
    const rssEnd = rssKiB(server.proc.pid!);
    const commits = await commitStats(server.url);
    // CPU over the measured window, from the samples nearest its ends.
    const inWindow = samples.filter((s) => s.at >= report.windowStart && s.at <= report.windowEnd && Number.isFinite(s.serverTicks) && Number.isFinite(s.clientTicks));
    const first = inWindow[0];
    const last = inWindow[inWindow.length - 1];
    const span = (last.at - first.at) / 1000;
    const cores = cpus().length;
    const serverCpuShare = (last.serverTicks - first.serverTicks) / TICKS / span / cores;
    const clientCpuShare = (last.clientTicks - first.clientTicks) / TICKS / span / cores;
    const windowSeconds = (report.windowEnd - report.windowStart) / 1000;
    const rssMax = Math.max(...samples.map((s) => s.serverRssKiB).filter(Number.isFinite));
    // Graceful stop, then count what the file holds.
    server.proc.kill('SIGTERM');
    await server.exited;
    const stored = await storedCounts(join(dataDir, 'modelwatch.duckdb'));
    const result: RunResult = {
      eventsPerSecond: Math.round(report.ackedInWindow / windowSeconds),
      acknowledgedInWindow: report.ackedInWindow,
      windowSeconds,
      requests: report.requests,
      statuses: report.statuses,
      latencyMs: report.latenciesMs,
      serverCpuShare: Math.round(serverCpuShare * 1000) / 1000,
      clientCpuShare: Math.round(clientCpuShare * 1000) / 1000,
      cpuUsPerEvent: {
        server: Math.round(((last.serverTicks - first.serverTicks) / TICKS / report.ackedInWindow) * (windowSeconds / span) * 1e7) / 10,
        client: Math.round(((last.clientTicks - first.clientTicks) / TICKS / report.ackedInWindow) * (windowSeconds / span) * 1e7) / 10,
      },
      serverRssMiB: { max: Math.round(rssMax / 1024), end: Math.round(rssEnd / 1024) },
      loadAverageBefore: loadBefore,
      verified: { acknowledged: report.ackedTotal, stored: stored.rows, distinct: stored.distinct, ok: stored.rows === report.ackedTotal && stored.distinct === stored.rows },
      commits,
      errors: report.errors,
    };
    console.error(`  run ${run}: ${result.eventsPerSecond} events/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, server CPU ${(serverCpuShare * 100).toFixed(0)}% / client ${(clientCpuShare * 100).toFixed(0)}% of ${cores} cores (${result.cpuUsPerEvent.server} / ${result.cpuUsPerEvent.client} µs per event), RSS max ${result.serverRssMiB.max} MiB, stored ${stored.rows} = acked ${report.ackedTotal}: ${result.verified.ok}`);
    return result;
  } finally {
    if (server.proc.exitCode === null) {
      server.proc.kill('SIGKILL');
      await server.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function run(): Promise<object> {
  return runIngest('ndjson');
}

/** The benchmark with bodies in `format` (bench/ingest-batch.ts runs it with the columnar batch). */
export async function runIngest(format: BodyFormat): Promise<object> {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', join(ROOT, 'packages/server')], { stdio: 'inherit' });
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const cfg = {
    format,
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 64),
    batch: Number(process.env.BENCH_BATCH ?? 1000),
    warmup: Number(process.env.BENCH_WARMUP ?? 5),
    seconds: Number(process.env.BENCH_SECONDS ?? 20),
    parseThreads: process.env.BENCH_PARSE_THREADS === undefined ? 'server default (cores - 1)' : Number(process.env.BENCH_PARSE_THREADS),
    duckdbThreads: process.env.BENCH_DUCKDB_THREADS === undefined ? 'server default' : Number(process.env.BENCH_DUCKDB_THREADS),
    checkpointThreshold: process.env.BENCH_CHECKPOINT_THRESHOLD ?? 'server default',
  };
  const results: RunResult[] = [];
  for (let r = 0; r < runs; r++) results.push(await oneRun(r, cfg));
  const rates = results.map((r) => r.eventsPerSecond).sort((a, b) => a - b);
  return {
    description: `POST /v1/models/{model}/events, ${format === 'batch' ? 'columnar batches (application/vnd.modelwatch.batch, as @modelwatch/node sends them, uncompressed)' : 'NDJSON'}, 1000 events x (6 numeric + 4 categorical features, prediction, score, latency) per request, unique ids, durable on ack; server and load generator on the same machine`,
    ...(format === 'ndjson' ? { target: { eventsPerSecond: 300_000 } } : {}),
    config: cfg,
    eventsPerSecond: { median: rates[Math.floor(rates.length / 2)], min: rates[0], max: rates[rates.length - 1] },
    allVerified: results.every((r) => r.verified.ok),
    runs: results,
  };
}
