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
 *     the plugin (metrics), and with the plugin and exporter to modelwatch serve.
 * (c) The same on the real thing: the flights model server of examples/flights
 *     (`POST /predict`: Fastify with JSON-schema validation, the canary router,
 *     model v1 — logistic regression over 5 features —, one event per request
 *     with the flight's id and time through the exporter) with a distinct
 *     flight id per request: `--bare` (no @modelwatch/node at all),
 *     instrumented without an exporter, and instrumented with the exporter to
 *     its own modelwatch serve (the flights schema registered) — uncompressed,
 *     the default to a service on this machine, and gzip-compressed
 *     (`--compression gzip`, the default across a network; reported, not judged).
 *     (b) and (c) run rounds (`_sdk-throughput.ts`) in which every variant is
 *     loaded at the same time, all apps pinned to CPU 0 and sharing it, so the
 *     virtual machine's drift between performance states hits them alike;
 *     autocannon and modelwatch serve run on CPU 1. Each variant runs as two
 *     long-lived processes, pooled, so that one process's luck (JIT, memory
 *     layout: ±5–10% between identical apps) weighs less. The apps run the
 *     built packages (`dist/`), as users install them. The criterion (target
 *     ≥ 0.95): the median over the rounds of `cpuRatio` = bare app CPU µs per
 *     request ÷ instrumented app CPU µs per request (all the app's threads,
 *     the exporter's work for the round's events included) — the throughput
 *     ratio when the app's core is the limit. The same round's req/s ratio
 *     (`throughputRatio`) is reported alongside.
 *
 * (d) The flights server's instrumentation CPU per request without HTTP (so
 *     without the HTTP stack's run-to-run noise): in this process, the bare
 *     model vs the instrumented router (examples/flights `instrumentedPredict`)
 *     without and with an exporter to the same modelwatch serve (batches of
 *     5000, the flights server's and the SDK's default, and 2000), interleaved
 *     blocks of 50k requests, CPU of all threads and of the main thread.
 *     With (c)'s bare app CPU per request it tells what the ratio can be.
 *
 * `BENCH_SDK_PARTS=d npm run bench -- sdk` runs only the named parts (default abcd);
 * `BENCH_SDK_ROUNDS_BC`, `BENCH_SDK_SECONDS` and `BENCH_SDK_COPIES` set the rounds, seconds per run and processes per variant of (b) and (c),
 * `BENCH_SDK_SERVE_NICE` the service's niceness (default 19),
 * `BENCH_SDK_D_REPS` the blocks per variant of (d).
 *
 * Parts (a) and (b) use a representative small predict function
 * (`bench/_sdk-model.ts`), so the instrumentation's cost is not hidden behind
 * a slow model; parts (c) and (d) use the flights model (trained into `.demo/` when
 * missing, as `npm run demo` does).
 * The machine has 2 cores shared with other work: the load average is recorded.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { Exporter, wrap } from '@modelwatch/node';
import { FEATURES, inputs, predict } from './_sdk-model.js';
import type { FlightInput } from './_sdk-model.js';
import { ensureTrained, loadModels } from '../examples/flights/src/train.js';
import { EXPORTER_BATCHING, answerOf, instrumentedPredict } from '../examples/flights/src/server.js';
import type { Answer, PredictRequest } from '../examples/flights/src/server.js';
import { ROOT, interleaved, median, pin, round, siblingLoad, startChild, stop } from './_sdk-throughput.js';

const ROUNDS = Number(process.env.BENCH_SDK_ROUNDS ?? 400);
const CHUNK = 2000;
/** Interleaved blocks per variant of (d). */
const D_REPS = Number(process.env.BENCH_SDK_D_REPS ?? 7);
/** Interleaved rounds of (b) and (c), and measured seconds per run. */
const ROUNDS_BC = Number(process.env.BENCH_SDK_ROUNDS_BC ?? 12);
const SECONDS = Number(process.env.BENCH_SDK_SECONDS ?? 4);
/** App processes per variant in (b) and (c) (see _sdk-throughput.ts `interleaved`). */
const COPIES = Number(process.env.BENCH_SDK_COPIES ?? 2);
/**
 * The niceness of modelwatch serve on CPU 1 (default 19: it cannot starve autocannon, and ingests with what is
 * left — which lets batches queue in the apps while it lags; 0 gives it a fair share, as a service on its own
 * cores would have).
 */
const SERVE_NICE = Number(process.env.BENCH_SDK_SERVE_NICE ?? 19);
/** autocannon connections per app process: 16 per variant. */
const CONNECTIONS = Math.max(1, Math.round(16 / COPIES));
/** Which parts to run, e.g. `BENCH_SDK_PARTS=d npm run bench -- sdk` (default: all of abcd). */
const PARTS = new Set((process.env.BENCH_SDK_PARTS ?? 'abcd').toLowerCase().split(''));
/** `BENCH_SDK_SIBLING_LOAD=0`: leave CPU 1 idle between autocannon's requests in (b) and (c) (see siblingLoad). */
const SIBLING_LOAD = process.env.BENCH_SDK_SIBLING_LOAD !== '0';
const CRITERION =
  'metrics + exporter keep ≥ 95% of bare throughput: the median over the rounds of cpuRatio = bare app CPU µs per request ÷ instrumented app CPU µs per request (all app threads, the exporter sending the round\'s events included; the throughput ratio when the app core is the limit) ≥ 0.95. throughputRatio (req/s ÷ the same round\'s bare req/s) is reported alongside.';

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

/**
 * (d) What the flights server's instrumentation costs per request, in this
 * process and without HTTP (so without the HTTP stack's noise): per request a
 * fresh body (`JSON.parse` of a flights request with a new id), the predict
 * call and the answer's `JSON.stringify`, 16 requests per event-loop turn; the
 * variants, interleaved over `reps` blocks of `n` requests: the bare model
 * (`answerOf`, as `--bare`), the instrumented router without an exporter, and
 * with an exporter to modelwatch serve (a child process, not counted) at the
 * flights server's batching (5000, the SDK's default), at 2000, and at 5000
 * gzip-compressed (as to a service on another machine; to this loopback one
 * the exporter sends uncompressed). An exporter block ends when every event
 * of it is acknowledged, so its CPU counts whole.
 */
async function instrumentationCpu(serviceUrl: string, demoDir: string, reps: number, n: number) {
  const { v1, v2 } = loadModels(demoDir);
  type Predict = (x: PredictRequest, id: string) => Answer;
  const exporters: Exporter[] = [];
  const exporting = (batching: object): Predict => {
    const exporter = new Exporter({ url: serviceUrl, registry: new Registry(), logger: false, ...batching });
    exporters.push(exporter);
    return instrumentedPredict({ v1, v2, registry: new Registry(), exporter });
  };
  const variants: [string, Predict, Exporter | null][] = [
    ['bare', answerOf(v1, 'v1'), null],
    ['metrics', instrumentedPredict({ v1, v2, registry: new Registry() }), null],
    ['metricsAndExporter', exporting(EXPORTER_BATCHING), null],
    ['metricsAndExporterBatch2000', exporting({ batchSize: 2000, maxQueue: 200_000 }), null],
    ['metricsAndExporterGzip', exporting({ ...EXPORTER_BATCHING, compression: 'gzip' }), null],
  ];
  variants[2][2] = exporters[0];
  variants[3][2] = exporters[1];
  variants[4][2] = exporters[2];
  const bodies = inputs(64).map((x, i) => `{"id":"ID","ts":${Date.UTC(2001, 1, 1) + i * 60_000},"dep_hour":${x.hour},"day_of_week":${x.weekday},"distance":${x.distance},"origin":"${x.origin}","destination":"${x.dest}"}`);
  let k = 0;
  let out = 0;
  const block = async (predict: Predict, exporter: Exporter | null, count: number) => {
    for (let i = 0; i < count; i++) {
      const x = JSON.parse(bodies[i & 63].replace('ID', `d-${++k}`)) as PredictRequest & { id: string };
      const a = predict(x, x.id);
      out += JSON.stringify({ id: x.id, version: a.version, prediction: a.prediction, scores: a.scores }).length;
      if ((i & 15) === 15) await new Promise((res) => setImmediate(res));
    }
    if (exporter) await exporter.flush(120_000);
  };
  const samples = new Map<string, { cpu: number[]; main: number[]; faults: number[] }>(variants.map(([name]) => [name, { cpu: [], main: [], faults: [] }]));
  for (const [, predict, exporter] of variants) await block(predict, exporter, n / 2); // JIT warm-up
  for (let r = 0; r < reps; r++) {
    for (let j = 0; j < variants.length; j++) {
      const [name, predict, exporter] = variants[(j + r) % variants.length];
      const f0 = process.resourceUsage().minorPageFault;
      const c0 = process.cpuUsage();
      const m0 = mainThreadCpuNs();
      await block(predict, exporter, n);
      const c = process.cpuUsage(c0);
      samples.get(name)!.faults.push(((process.resourceUsage().minorPageFault - f0) / n) * 1000);
      samples.get(name)!.cpu.push((c.user + c.system) / n);
      samples.get(name)!.main.push((mainThreadCpuNs() - m0) / 1000 / n);
    }
  }
  const stats = exporters.map((e) => e.stats()[0]);
  for (const e of exporters) await e.close();
  const bare = median(samples.get('bare')!.cpu);
  const bareMain = median(samples.get('bare')!.main);
  return {
    what: 'CPU µs per flights request in this process without HTTP: JSON.parse of the body, predict (bare model, or the instrumented router as in examples/flights), JSON.stringify of the answer; 16 requests per event-loop turn; the exporter variants until modelwatch serve acknowledged every event. cpuUs = all threads (gzip runs on the libuv pool), mainThreadUs = the main thread; addedCpuUs = the median minus bare\'s; minorFaultsPer1000 = page faults per 1000 requests (~12 µs of CPU each on the benchmark VM)',
    requestsPerBlock: n,
    blocksPerVariant: reps,
    ...Object.fromEntries(
      [...samples].map(([name, s]) => [
        name,
        {
          cpuUs: round(median(s.cpu), 2),
          mainThreadUs: round(median(s.main), 2),
          minorFaultsPer1000: round(median(s.faults), 1),
          ...(name === 'bare' ? {} : { addedCpuUs: round(median(s.cpu) - bare, 2), addedMainThreadUs: round(median(s.main) - bareMain, 2) }),
          blocks: s.cpu.map((x) => round(x, 2)),
        },
      ]),
    ),
    exporter: stats.map((st, i) => ({ batchSize: exporters[i].batchSize, pushed: st.pushed, sent: st.sent, failed: st.failed, dropped: st.dropped })),
    checksum: out > 0,
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

export async function run(): Promise<object> {
  const loadBefore = loadavg();
  const dataDir = mkdtempSync(join(tmpdir(), 'mw-bench-sdk-'));
  const pinned = pin(1, process.pid);
  // modelwatch serve shares CPU 1 with autocannon: by default at the lowest priority (every thread of it; SERVE_NICE) it cannot starve the
  // load generator (it ingests what the exporter sends with the CPU left over; in production it runs elsewhere).
  const service = await startChild(['packages/server/dist/main.js', '--data', dataDir, '--port', '0', '--log-level', 'warn'], 1, { nice: SERVE_NICE });
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

    const log = (part: string) => (line: string) => console.error(`sdk: (${part}) ${line}`);
    const flightInputs = inputs(64);
    const unload = SIBLING_LOAD && (PARTS.has('b') || PARTS.has('c')) ? siblingLoad(1) : null;
    console.error('sdk: (b) Fastify throughput …');
    const fastify = PARTS.has('b')
      ? await interleaved({
          variants: [
            { name: 'bare', args: ['bench/_sdk-app.ts', 'bare'] },
            { name: 'metrics', args: ['bench/_sdk-app.ts', 'metrics'] },
            { name: 'metricsAndExporter', args: ['bench/_sdk-app.ts', 'export', service.url] },
          ],
          requests: [{ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: JSON.stringify(flightInputs[0]) }],
          rounds: ROUNDS_BC,
          seconds: SECONDS,
          warmupSeconds: 1,
          copies: COPIES,
          connections: CONNECTIONS,
          log: log('b'),
        })
      : null;

    console.error('sdk: (c) the flights model server …');
    const demoDir = join(ROOT, '.demo');
    await ensureTrained(demoDir, { log: (l) => console.error(`sdk: ${l}`) });
    const flightsDataDir = mkdtempSync(join(tmpdir(), 'mw-bench-sdk-flights-'));
    const flightsService = await startChild(['packages/server/dist/main.js', '--data', flightsDataDir, '--port', '0', '--log-level', 'warn'], 1, { nice: SERVE_NICE });
    let flights: Awaited<ReturnType<typeof interleaved>> | null = null;
    let instrumentation: Awaited<ReturnType<typeof instrumentationCpu>> | null = null;
    try {
      const reg = await fetch(`${flightsService.url}/v1/models/flights`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(FLIGHTS_MODEL) });
      if (!reg.ok) throw new Error(`registering the flights model: ${reg.status} ${await reg.text()}`);
      const server = ['examples/flights/src/server.ts', '--dir', demoDir, '--port', '0'];
      if (PARTS.has('c')) {
        flights = await interleaved({
          variants: [
            { name: 'bare', args: [...server, '--bare'] },
            { name: 'metrics', args: server },
            { name: 'metricsAndExporter', args: [...server, '--service', flightsService.url] },
            // As across a network: the exporter's default for a service on another machine.
            { name: 'metricsAndExporterGzip', args: [...server, '--service', flightsService.url, '--compression', 'gzip'] },
          ],
          // 64 different flights in turn, each request with a new random flight id (autocannon's [<id>]).
          requests: flightInputs.map((x, i) => ({
            method: 'POST',
            path: '/predict',
            headers: { 'content-type': 'application/json' },
            body: `{"id":"[<id>]","ts":${Date.UTC(2001, 1, 1) + i * 60_000},"dep_hour":${x.hour},"day_of_week":${x.weekday},"distance":${x.distance},"origin":"${x.origin}","destination":"${x.dest}"}`,
          })),
          rounds: ROUNDS_BC,
          seconds: SECONDS,
          warmupSeconds: 1,
          copies: COPIES,
          connections: CONNECTIONS,
          log: log('c'),
        });
      }
      await unload?.();
      console.error('sdk: (d) the flights instrumentation\'s CPU per request, in process …');
      if (PARTS.has('d')) instrumentation = await instrumentationCpu(flightsService.url, demoDir, D_REPS, 50_000);
    } finally {
      await unload?.();
      await stop(flightsService.proc);
      rmSync(flightsDataDir, { recursive: true, force: true });
    }
    const method = `${ROUNDS_BC} rounds, every variant loaded at the same time in each: 1 s warm-up + ${SECONDS} s measured; ${COPIES} long-lived app processes per variant, started in a balanced order and pooled (CPU and requests summed), ${CONNECTIONS} closed-loop autocannon connections each (the built packages, dist/), every thread of every app pinned to CPU 0 (${pinned ? 'taskset' : 'taskset unavailable: not pinned'}), so the variants share that CPU and its drift between performance states; autocannon and modelwatch serve (nice ${SERVE_NICE}) on CPU 1${SIBLING_LOAD ? ', with a nice-19 spin loop keeping CPU 1 busy (the two vCPUs share hardware: work on CPU 1 slows CPU 0)' : ''}; app CPU from /proc schedstat of all its threads, from the start of a round until its exporter has acknowledged the round's events`;
    const judged = (r: Awaited<ReturnType<typeof interleaved>> | null) =>
      r === null ? null : { target: CRITERION, method, ...r, meetsTarget: (r.metricsAndExporter.cpuRatio as number) >= 0.95 };
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
      fastifyThroughput: judged(fastify),
      flightsEndpoint: flights === null ? null : { endpoint: 'examples/flights POST /predict (Fastify validation, canary router at 100/0, model v1, one event per request with the flight id and departure time through the router\'s exporter: idOf, tsOf)', ...judged(flights) },
      instrumentationCpuPerRequest: instrumentation,
      loadAverage: { before: loadBefore.map((x) => Math.round(x * 100) / 100), after: loadavg().map((x) => Math.round(x * 100) / 100) },
    };
  } finally {
    await stop(service.proc);
    rmSync(dataDir, { recursive: true, force: true });
    void sink;
  }
}
