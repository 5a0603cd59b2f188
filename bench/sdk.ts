/**
 * `npm run bench -- sdk`: the cost of `@modelwatch/node` on a model server.
 *
 * (a) Added time per instrumented prediction on the request path, with the
 *     exporter on (target ≤ 1 µs median): `wrap(predict)` with five declared
 *     features vs the bare `predict`, in alternating chunks of CHUNK calls; the
 *     per-call difference of each pair of chunks is one sample, the median of
 *     ROUNDS samples is reported. Between rounds the event loop runs, so the
 *     exporter sends its batches to a real `modelwatch serve` (a child process)
 *     and the queue never overflows (it is drained to below one batch before the
 *     next round; drops are reported and must be 0). Variants: metrics only
 *     (no exporter), metrics + exporter.
 * (b) Throughput of a tiny Fastify predict endpoint (JSON body with schema
 *     validation, the model below) under autocannon, without the plugin, with
 *     the plugin (metrics), and with the plugin and exporter to modelwatch serve
 *     (target ≥ 95% of bare). The app runs in its own process pinned to CPU 0;
 *     autocannon and modelwatch serve are pinned to CPU 1, so the app's core
 *     serves the app only. Runs alternate between variants; the median req/s
 *     of RUNS runs each is reported.
 *
 * (c) The same on the real thing: the flights model server of examples/flights
 *     (`POST /predict`: Fastify with JSON-schema validation, the canary router,
 *     model v1 — logistic regression over 5 features —, events with the
 *     flight's id and time through the exporter) under autocannon with a
 *     distinct flight id per request: `--bare` (no @modelwatch/node at all),
 *     instrumented without an exporter, and instrumented with the exporter to
 *     its own modelwatch serve (the flights schema registered). Same pinning
 *     and alternation as (b); target ≥ 95% of bare.
 *
 * (d) The exporter's CPU per event, off the request path included: 100k
 *     flights events through `exporter.sendEvent` to the same modelwatch serve,
 *     batches of 500 (the SDK's default) and 5000 (the flights server's), RUNS
 *     times each: CPU of the whole process and of its main thread alone
 *     (/proc/self/task/PID/schedstat; the main thread is what the request path
 *     competes with), and the main thread's share inside the sendEvent calls.
 *
 * `BENCH_SDK_PARTS=d npm run bench -- sdk` runs only the named parts (default abcd).
 *
 * Parts (a) and (b) use a representative small predict function
 * (`bench/_sdk-model.ts`), so the instrumentation's cost is not hidden behind
 * a slow model; part (c) uses the flights model (trained into `.demo/` when
 * missing, as `npm run demo` does).
 * The machine has 2 cores shared with other work: the load average is recorded.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { Exporter, wrap } from '@modelwatch/node';
import { FEATURES, inputs, predict } from './_sdk-model.js';
import type { FlightInput } from './_sdk-model.js';
import { ensureTrained } from '../examples/flights/src/train.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 400);
const CHUNK = 2000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SDK_SECONDS ?? 8);
const CONNECTIONS = 16;
/** Which parts to run, e.g. `BENCH_SDK_PARTS=d npm run bench -- sdk` (default: all of abcd). */
const PARTS = new Set((process.env.BENCH_SDK_PARTS ?? 'abcd').toLowerCase().split(''));

type Autocannon = (opts: Record<string, unknown>) => Promise<{ requests: { average: number }; non2xx: number; errors: number; latency: { p50: number; p99: number } }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function pin(cpu: number, pid: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts a TS entry point as a child and resolves with its printed URL. */
function startChild(args: string[], cpu: number): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  pin(cpu, proc.pid!);
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${err}`)), 60_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)|listening (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1] ?? m[2] });
      }
    });
    proc.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${err}`)));
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

let sink = 0;
type Predict = (x: FlightInput) => { scores: { '1': number } };
// Two identical loops, so that each call site sees one function (monomorphic).
function timeBare(f: Predict, xs: FlightInput[], offset: number): number {
  const t0 = performance.now();
  for (let i = 0; i < CHUNK; i++) sink += f(xs[(offset + i) & 4095]).scores['1'];
  return ((performance.now() - t0) * 1e6) / CHUNK;
}
function timeWrapped(f: Predict, xs: FlightInput[], offset: number): number {
  const t0 = performance.now();
  for (let i = 0; i < CHUNK; i++) sink += f(xs[(offset + i) & 4095]).scores['1'];
  return ((performance.now() - t0) * 1e6) / CHUNK;
}

async function addedCost(serviceUrl: string | null) {
  const registry = new Registry();
  const exporter = serviceUrl ? new Exporter({ url: serviceUrl, registry }) : undefined;
  const wrapped = wrap(predict, { model: 'flights', task: 'binary', features: FEATURES, registry, exporter, processMetrics: false, depsHash: 'bench' });
  const xs = inputs(4096);
  // Let the exporter keep up: wait until less than one batch is queued (no overflow, no drops).
  const drain = async () => {
    if (!exporter) return new Promise((res) => setImmediate(res));
    while (exporter.stats()[0].queued + exporter.stats()[0].inFlight > exporter.batchSize) await new Promise((res) => setTimeout(res, 1));
  };
  // Warm-up (JIT).
  for (let r = 0; r < 20; r++) {
    timeBare(predict, xs, r * 7);
    timeWrapped(wrapped, xs, r * 7);
    await drain();
  }
  const added: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let b: number, w: number;
    if (r % 2 === 0) {
      b = timeBare(predict, xs, r * 13);
      w = timeWrapped(wrapped, xs, r * 13);
    } else {
      w = timeWrapped(wrapped, xs, r * 13);
      b = timeBare(predict, xs, r * 13);
    }
    added.push(w - b);
    bare.push(b);
    await drain();
  }
  const stats = exporter ? (await exporter.flush(30_000), await exporter.close(), exporter.stats()[0]) : undefined;
  return {
    predictions: (ROUNDS + 20) * CHUNK,
    bareNsPerCall: Math.round(median(bare)),
    addedNsMedian: Math.round(median(added)),
    addedNsP10: Math.round(quantile(added, 0.1)),
    addedNsP90: Math.round(quantile(added, 0.9)),
    ...(stats ? { exporter: { pushed: stats.pushed, sent: stats.sent, failed: stats.failed, dropped: stats.dropped } } : {}),
  };
}

async function throughput(mode: 'bare' | 'metrics' | 'export', serviceUrl: string): Promise<{ rps: number; p50ms: number; p99ms: number; non2xx: number; errors: number }> {
  const app = await startChild(['bench/_sdk-app.ts', mode, serviceUrl], 0);
  try {
    const body = JSON.stringify(inputs(1)[0]);
    const opts = { url: `${app.url}/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS };
    await autocannon({ ...opts, duration: 2 }); // warm-up
    const r = await autocannon({ ...opts, duration: SECONDS });
    return { rps: Math.round(r.requests.average), p50ms: r.latency.p50, p99ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
  } finally {
    await stop(app.proc);
  }
}

/** The flights example's schema, as examples/flights/modelwatch.yaml registers it. */
const FLIGHTS_MODEL = {
  task: 'binary',
  versions: ['v1', 'v2'],
  schema: {
    task: 'binary',
    positiveLabel: '1',
    columns: [
      { name: 'dep_hour', kind: 'numeric', role: 'feature' },
      { name: 'day_of_week', kind: 'numeric', role: 'feature' },
      { name: 'distance', kind: 'numeric', role: 'feature' },
      { name: 'origin', kind: 'categorical', role: 'feature' },
      { name: 'destination', kind: 'categorical', role: 'feature' },
      { name: 'delayed', kind: 'categorical', role: 'prediction' },
      { name: 'p_delayed', kind: 'numeric', role: 'score', scoreOf: '1' },
      { name: 'label', kind: 'categorical', role: 'target' },
    ],
  },
};

type FlightsMode = 'bare' | 'metrics' | 'export';

/** (c) The flights model server of examples/flights under autocannon, one distinct flight per request. */
async function flightsThroughput(mode: FlightsMode, dir: string, serviceUrl: string): Promise<{ rps: number; p50ms: number; p99ms: number; non2xx: number; errors: number; appCpuUsPerRequest: number | null }> {
  const args = ['examples/flights/src/server.ts', '--dir', dir, '--port', '0'];
  if (mode === 'bare') args.push('--bare');
  if (mode === 'export') args.push('--service', serviceUrl);
  const app = await startChild(args, 0);
  try {
    // 64 different flights in turn, each request with a new random flight id (autocannon's [<id>]).
    const requests = inputs(64).map((x, i) => ({
      method: 'POST',
      path: '/predict',
      headers: { 'content-type': 'application/json' },
      body: `{"id":"[<id>]","ts":${Date.UTC(2001, 1, 1) + i * 60_000},"dep_hour":${x.hour},"day_of_week":${x.weekday},"distance":${x.distance},"origin":"${x.origin}","destination":"${x.dest}"}`,
    }));
    const opts = { url: app.url, requests, idReplacement: true, connections: CONNECTIONS };
    await autocannon({ ...opts, duration: 2 }); // warm-up
    const cpu0 = processCpuSeconds(app.proc.pid!);
    const r = await autocannon({ ...opts, duration: SECONDS });
    const cpu = processCpuSeconds(app.proc.pid!) - cpu0;
    const total = r.requests.average * SECONDS;
    return {
      rps: Math.round(r.requests.average),
      p50ms: r.latency.p50,
      p99ms: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors,
      // CPU time of the app per request (all its threads: gzip runs on libuv's pool): capacity, whatever the load generator got.
      appCpuUsPerRequest: total > 0 ? Math.round((cpu / total) * 1e7) / 10 : null,
    };
  } finally {
    await stop(app.proc);
  }
}

/**
 * (d) What an exported event costs the application's CPU, off the request path
 * included: N flights events through `exporter.sendEvent` to a real
 * modelwatch serve (a child process, whose CPU is not counted), until acknowledged.
 */
async function exporterCpuPerEvent(
  serviceUrl: string,
  batchSize: number,
  run: number,
): Promise<{ batchSize: number; events: number; cpuUsPerEvent: number; mainThreadCpuUsPerEvent: number | null; sendEventUsPerEvent: number | null; seconds: number; sent: number; dropped: number }> {
  const N = 100_000;
  const exporter = new Exporter({ url: serviceUrl, registry: new Registry(), batchSize, maxQueue: N, logger: false });
  const xs = inputs(4096);
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuNs();
  const t0 = performance.now();
  // Main-thread CPU inside the synchronous sendEvent loop (the request path's share).
  let loopNs = 0;
  let l0 = m0;
  for (let i = 0; i < N; i++) {
    const x = xs[i & 4095];
    exporter.sendEvent('flights', {
      id: `d${batchSize}-${run}-${i}`,
      ts: Date.UTC(2001, 1, 1) + i * 1000,
      version: 'v1',
      features: { dep_hour: x.hour, day_of_week: x.weekday, distance: x.distance, origin: x.origin, destination: x.dest },
      prediction: i & 1,
      scores: { '1': 0.2 + (i % 100) / 1000 },
      latency_ms: 0.01,
    });
    if ((i & 4095) === 4095) {
      loopNs += mainThreadCpuNs() - l0;
      await new Promise((res) => setImmediate(res)); // let the exporter send, as between requests
      l0 = mainThreadCpuNs();
    }
  }
  loopNs += mainThreadCpuNs() - l0;
  await exporter.flush(120_000);
  const cpu = process.cpuUsage(c0);
  const mainNs = mainThreadCpuNs() - m0;
  const seconds = (performance.now() - t0) / 1000;
  const st = exporter.stats()[0];
  await exporter.close();
  const perEvent = (ns: number) => (Number.isNaN(m0) ? null : Math.round((ns / 1000 / N) * 100) / 100);
  return {
    batchSize,
    events: N,
    cpuUsPerEvent: Math.round(((cpu.user + cpu.system) / N) * 100) / 100,
    mainThreadCpuUsPerEvent: perEvent(mainNs),
    sendEventUsPerEvent: perEvent(loopNs),
    seconds: Math.round(seconds * 100) / 100,
    sent: st.sent,
    dropped: st.dropped,
  };
}

/** CPU time of this process's main thread so far, ns (Linux: /proc/self/task/PID/schedstat), NaN elsewhere. */
function mainThreadCpuNs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

/** User + system CPU seconds of a process so far (Linux /proc), 0 elsewhere. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

export async function run(): Promise<object> {
  const loadBefore = loadavg();
  const dataDir = mkdtempSync(join(tmpdir(), 'mw-bench-sdk-'));
  const pinned = pin(1, process.pid);
  const service = await startChild(['packages/server/src/main.ts', '--data', dataDir, '--port', '0', '--log-level', 'warn'], 1);
  try {
    const schema = {
      task: 'binary',
      versions: ['v1'],
      schema: {
        columns: [
          ...Object.entries(FEATURES).map(([name, kind]) => ({ name, kind, role: 'feature' })),
          { name: 'delayed', kind: 'categorical', role: 'prediction' },
          { name: 'p_delayed', kind: 'numeric', role: 'score', scoreOf: 1 },
        ],
      },
    };
    const res = await fetch(`${service.url}/v1/models/flights`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(schema) });
    if (!res.ok) throw new Error(`registering the model: ${res.status} ${await res.text()}`);

    console.error('sdk: (a) added cost per prediction …');
    const metricsOnly = PARTS.has('a') ? await addedCost(null) : null;
    const withExporter = PARTS.has('a') ? await addedCost(service.url) : null;

    console.error('sdk: (b) Fastify throughput …');
    const runs: Record<'bare' | 'metrics' | 'export', Awaited<ReturnType<typeof throughput>>[]> = { bare: [], metrics: [], export: [] };
    for (let i = 0; i < (PARTS.has('b') ? RUNS : 0); i++) {
      for (const mode of ['bare', 'metrics', 'export'] as const) runs[mode].push(await throughput(mode, service.url));
    }
    const med = (mode: keyof typeof runs) => median(runs[mode].map((r) => r.rps));
    const bareRps = med('bare');

    console.error('sdk: (c) the flights model server …');
    const demoDir = join(ROOT, '.demo');
    await ensureTrained(demoDir, { log: (l) => console.error(`sdk: ${l}`) });
    const flightsDataDir = mkdtempSync(join(tmpdir(), 'mw-bench-sdk-flights-'));
    const flightsService = await startChild(['packages/server/src/main.ts', '--data', flightsDataDir, '--port', '0', '--log-level', 'warn'], 1);
    // The service shares CPU 1 with autocannon: at the lowest priority it cannot starve the load generator
    // (it ingests what the exporter sends with the CPU left over; in production it runs elsewhere).
    setPriority(flightsService.proc.pid!, 19);
    const flightsRuns: Record<FlightsMode, Awaited<ReturnType<typeof flightsThroughput>>[]> = { bare: [], metrics: [], export: [] };
    const exporterCost: Awaited<ReturnType<typeof exporterCpuPerEvent>>[] = [];
    try {
      const reg = await fetch(`${flightsService.url}/v1/models/flights`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(FLIGHTS_MODEL) });
      if (!reg.ok) throw new Error(`registering the flights model: ${reg.status} ${await reg.text()}`);
      for (let i = 0; i < (PARTS.has('c') ? RUNS : 0); i++) {
        for (const mode of ['bare', 'metrics', 'export'] as const) flightsRuns[mode].push(await flightsThroughput(mode, demoDir, flightsService.url));
      }
      console.error('sdk: (d) exporter CPU per event …');
      for (let r = 0; r < (PARTS.has('d') ? RUNS : 0); r++) for (const batchSize of [500, 5000]) exporterCost.push(await exporterCpuPerEvent(flightsService.url, batchSize, r));
    } finally {
      await stop(flightsService.proc);
      rmSync(flightsDataDir, { recursive: true, force: true });
    }
    const fmed = (mode: FlightsMode) => median(flightsRuns[mode].map((r) => r.rps));
    const flightsBare = fmed('bare');
    const fcpu = (mode: FlightsMode) => median(flightsRuns[mode].map((r) => r.appCpuUsPerRequest ?? NaN));
    const capacity = (mode: FlightsMode) => Math.round((fcpu('bare') / fcpu(mode)) * 1000) / 1000;
    return {
      parts: [...PARTS].sort().join(''),
      model: 'parts a and b: a representative small predict function (bench/_sdk-model.ts: logistic regression, 5 features); part c: the flights model server of examples/flights',
      addedCostPerPrediction: {
        target: 'median ≤ 1000 ns with the exporter on',
        chunk: CHUNK,
        rounds: ROUNDS,
        metricsOnly,
        withExporter,
        meetsTarget: withExporter === null ? null : withExporter.addedNsMedian <= 1000,
      },
      fastifyThroughput: {
        target: 'instrumented ≥ 95% of bare',
        connections: CONNECTIONS,
        secondsPerRun: SECONDS,
        runsPerVariant: RUNS,
        pinned: pinned ? 'app on CPU 0; autocannon and modelwatch serve on CPU 1' : 'not pinned (taskset unavailable)',
        bare: { medianRps: bareRps, runs: runs.bare },
        metrics: { medianRps: med('metrics'), ratio: Math.round((med('metrics') / bareRps) * 1000) / 1000, runs: runs.metrics },
        metricsAndExporter: { medianRps: med('export'), ratio: Math.round((med('export') / bareRps) * 1000) / 1000, runs: runs.export },
        meetsTarget: med('export') / bareRps >= 0.95,
      },
      flightsEndpoint: {
        target: 'instrumented (metrics + exporter) ≥ 95% of bare',
        endpoint: 'examples/flights POST /predict (Fastify validation, canary router at 100/0, model v1, event per request via exporter.sendEvent)',
        connections: CONNECTIONS,
        secondsPerRun: SECONDS,
        runsPerVariant: RUNS,
        serviceNice: 19,
        bare: { medianRps: flightsBare, medianAppCpuUsPerRequest: fcpu('bare'), runs: flightsRuns.bare },
        metrics: { medianRps: fmed('metrics'), ratio: Math.round((fmed('metrics') / flightsBare) * 1000) / 1000, medianAppCpuUsPerRequest: fcpu('metrics'), runs: flightsRuns.metrics },
        metricsAndExporter: { medianRps: fmed('export'), ratio: Math.round((fmed('export') / flightsBare) * 1000) / 1000, medianAppCpuUsPerRequest: fcpu('export'), runs: flightsRuns.export },
        /** Requests per CPU-second of the app, instrumented vs bare: the throughput ratio when the app's core is the only limit. */
        cpuCapacityRatio: { metrics: capacity('metrics'), metricsAndExporter: capacity('export') },
        meetsTarget: fmed('export') / flightsBare >= 0.95,
      },
      exporterCpuPerEvent: {
        what: 'CPU time per flights event queued with exporter.sendEvent, serialised, gzip-compressed, POSTed and acknowledged by modelwatch serve (a child process, not counted): cpuUsPerEvent = the whole process (main thread, libuv pool, GC threads); mainThreadCpuUsPerEvent = the main thread only (batch serialisation, compression hand-off and HTTP amortised); sendEventUsPerEvent = the main thread inside the sendEvent calls (the request path)',
        medianMainThreadCpuUsPerEvent: Object.fromEntries([500, 5000].map((b) => [b, median(exporterCost.filter((c) => c.batchSize === b).map((c) => c.mainThreadCpuUsPerEvent ?? NaN))])),
        medianCpuUsPerEvent: Object.fromEntries([500, 5000].map((b) => [b, median(exporterCost.filter((c) => c.batchSize === b).map((c) => c.cpuUsPerEvent))])),
        runs: exporterCost,
      },
      loadAverage: { before: loadBefore.map((x) => Math.round(x * 100) / 100), after: loadavg().map((x) => Math.round(x * 100) / 100) },
    };
  } finally {
    await stop(service.proc);
    rmSync(dataDir, { recursive: true, force: true });
    void sink;
  }
}
