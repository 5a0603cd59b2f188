/**
 * Throughput of an HTTP model server, bare vs instrumented, for `bench/sdk.ts`
 * parts (b) and (c), measured so that the shared 2-core machine's noise mostly
 * cancels out:
 *
 * - `copies` app processes per variant, all started up front and pinned to CPU 0
 *   (every thread: libuv's pool, where gzip runs, too), running the built
 *   packages (`dist/`, as users install them; the TypeScript sources through
 *   tsx cost the exporter ~20% more); autocannon, in this process, and
 *   modelwatch serve run on CPU 1.
 * - Rounds: each round drives every variant at the same time — a short
 *   warm-up, then `seconds` measured, each variant with its own `connections`
 *   closed-loop connections — so that the variants share CPU 0 and whatever the
 *   virtual machine does to it. Per variant and round: requests answered, the
 *   app's CPU time (all its threads, /proc schedstat) from the start of the
 *   round until its exporter has acknowledged every event of it, and its CPU
 *   utilisation (CPU seconds / wall seconds: near 1 / variants when the app
 *   core, not the load generator, was the limit).
 * - Per round and instrumented variant, two ratios to that round's bare run:
 *   `cpuRatio` = bare CPU µs per request ÷ the variant's (the throughput ratio
 *   when the app's core is the only limit), and `throughputRatio` = req/s ÷
 *   bare req/s (the scheduler shares CPU time between processes, so it follows
 *   cpuRatio, helped a little by the exporter's gzip thread). Reported: their
 *   medians over the rounds.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

type AutocannonResult = { '2xx': number; non2xx: number; errors: number; latency: { p50: number; p99: number } };
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Pins every thread of `pid` to one CPU (taskset); false where taskset is missing. */
export function pin(cpu: number, pid: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a TS entry point as a child pinned to `cpu`; resolves with the URL it
 * prints (`listening [on] URL`). `nice`: started under `nice -n`, so that every
 * thread it ever starts has that priority (`setpriority` on the pid afterwards
 * changes its main thread only, not its worker, DuckDB and libuv threads).
 */
export function startChild(args: string[], cpu: number, opts: { nice?: number } = {}): Promise<{ proc: ChildProcess; url: string }> {
  // No --conditions=development: the workspace packages resolve to their built dist/, as users run them.
  const node = [process.execPath, '--import', 'tsx', ...args];
  const [cmd, ...argv] = opts.nice === undefined ? node : ['nice', '-n', String(opts.nice), ...node];
  const proc = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
        // Again once it runs: threads started since (libuv's pool, V8's workers) too.
        pin(cpu, proc.pid!);
        resolve({ proc, url: m[1] ?? m[2] });
      }
    });
    proc.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${err}`)));
  });
}

/**
 * Keeps `cpu` busy at the lowest priority (a `nice 19` spin loop) until the
 * returned function is called.
 *
 * Why: the two vCPUs of the benchmark VM share hardware, so work on CPU 1 slows
 * the app on CPU 0 — a nice-19 spin loop alone on CPU 1 raised the bare flights
 * app from ~47 to 55–61 µs of CPU per request. Without it CPU 1 idles whenever
 * autocannon waits, except in the exporter variant, where modelwatch serve
 * ingests the app's events there: that variant alone had a busy neighbour, and
 * the serve's work on the other vCPU was billed to the exporter. With CPU 1
 * always busy (autocannon, then serve and this loop sharing what is left), every
 * variant runs next to the same neighbour.
 */
export function siblingLoad(cpu: number): () => Promise<void> {
  const proc = spawn('nice', ['-n', '19', process.execPath, '-e', 'let x = 0; for (;;) x = Math.sqrt(x + 1);'], { stdio: 'ignore' });
  pin(cpu, proc.pid!);
  let stopped: Promise<void> | null = null;
  return () => (stopped ??= stop(proc));
}

export async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

/** CPU nanoseconds of all threads of a process so far (per-thread schedstat; Linux), NaN elsewhere. */
export function processCpuNs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns;
  } catch {
    return NaN;
  }
}

/** Minor page faults of a process so far (/proc/PID/stat, all threads; Linux), NaN elsewhere. */
export function minorFaults(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
  } catch {
    return NaN;
  }
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

export interface Run {
  round: number;
  rps: number;
  requests: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  errors: number;
  /** App CPU µs (all threads) per answered request, the exporter's sends of the run's events included. */
  appCpuUsPerRequest: number;
  /** App CPU seconds / wall seconds during the run: ≈ 1 when the app was the bottleneck. */
  appUtilisation: number;
  /**
   * The app's minor page faults per 1000 answered requests: memory new to the
   * process (fresh buffers, heap growth). On the virtual machine the benchmark
   * ran on a fault costs ~12 µs of CPU, so 100 per 1000 requests are ~1.2 µs each.
   */
  minorFaultsPer1000: number;
}

/** Waits until the app's exporter (GET /stats → `{ exporter: [{ queued, inFlight }] }`) has nothing queued or in flight. */
async function drained(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const st = (await (await fetch(`${url}/stats`)).json()) as { exporter: { queued: number; inFlight: number }[] };
    if (st.exporter.every((c) => c.queued + c.inFlight === 0)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${url}: the exporter did not drain within 30 s`);
}

export interface Variant {
  name: string;
  /** The app's command line (a TS entry point and its arguments); it prints `listening URL`. */
  args: string[];
}

export interface InterleavedOptions {
  variants: Variant[];
  /** autocannon `requests` (or one `body` for all). */
  requests: object[];
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  /** App processes per variant (see {@link interleaved}). */
  copies: number;
  /** autocannon connections per app process. */
  connections: number;
  log: (line: string) => void;
}

/**
 * Runs the rounds; the first variant is the baseline of the ratios.
 *
 * Every round loads all variants at the same time, each with its own
 * closed-loop autocannon connections, for `seconds`. The variants share CPU 0
 * (the kernel's fair scheduler gives each an equal share while all are busy),
 * so whatever the virtual machine does to that CPU during the round — it
 * drifts between performance states that differ up to 2× in CPU per request,
 * within seconds — it does to every variant alike, and a round's ratios
 * compare like with like. (Running variants one after another gave per-round
 * cpuRatios from 0.4 to 2.0 on the benchmark VM.)
 *
 * Each variant runs as `copies` long-lived processes, started in a balanced
 * order, and a round's figures pool them (CPU and requests summed). Why:
 * identical apps loaded side by side differ persistently, for their whole
 * life, by up to ±5–10% in CPU per request on the benchmark VM (the process's
 * JIT and memory layout): four identical exporter apps measured 48.9, 49.7,
 * 52.7 and 53.9 µs per request (medians of 10 rounds), and the first one
 * started was the slowest in three runs of four to six (61.5 against 54.7–56.5
 * µs). With one process per variant that luck biased every round alike.
 * (New processes every round instead were not in a steady state: after 4 s of
 * warm-up they took 100–400 page faults per 1000 requests, against 0.2–20 for
 * long-lived ones, ~12 µs each.)
 */
export async function interleaved(o: InterleavedOptions) {
  type App = { name: string; proc: ChildProcess; url: string };
  const apps: App[] = [];
  const runs = new Map<string, Run[]>(o.variants.map((v) => [v.name, []]));
  const names = o.variants.map((v) => v.name);
  const drive = (url: string, duration: number) => autocannon({ url, requests: o.requests, idReplacement: true, connections: o.connections, duration });
  try {
    // Copies in a balanced order (A B C, C B A, A B C, …): every variant gets early and late starts alike.
    for (let c = 0; c < o.copies; c++) {
      const order = c % 2 === 0 ? o.variants : [...o.variants].reverse();
      for (const v of order) apps.push({ name: v.name, ...(await startChild(v.args, 0)) });
    }
    // JIT warm-up, every app at once as in the rounds.
    await Promise.all(apps.map((app) => drive(app.url, 3)));
    for (const app of apps) await drained(app.url);
    for (let r = 0; r < o.rounds; r++) {
      await Promise.all(apps.map((app) => drive(app.url, o.warmupSeconds)));
      for (const app of apps) await drained(app.url);
      const cpu0 = apps.map((app) => processCpuNs(app.proc.pid!));
      const faults0 = apps.map((app) => minorFaults(app.proc.pid!));
      const t0 = performance.now();
      const results = await Promise.all(apps.map((app) => drive(app.url, o.seconds)));
      const wall = (performance.now() - t0) / 1000;
      for (const app of apps) await drained(app.url);
      for (const name of names) {
        // The variant's copies pooled: CPU and requests summed.
        let cpuNs = 0, faults = 0, answered = 0, non2xx = 0, errors = 0;
        const p50: number[] = [];
        const p99: number[] = [];
        apps.forEach((app, i) => {
          if (app.name !== name) return;
          const res = results[i];
          cpuNs += processCpuNs(app.proc.pid!) - cpu0[i];
          faults += minorFaults(app.proc.pid!) - faults0[i];
          answered += res['2xx'];
          non2xx += res.non2xx;
          errors += res.errors;
          p50.push(res.latency.p50);
          p99.push(res.latency.p99);
        });
        runs.get(name)!.push({
          round: r,
          rps: Math.round(answered / o.seconds),
          requests: answered,
          p50ms: median(p50),
          p99ms: Math.max(...p99),
          non2xx,
          errors,
          appCpuUsPerRequest: round(cpuNs / 1000 / answered, 2),
          appUtilisation: round(cpuNs / 1e9 / wall, 3),
          minorFaultsPer1000: round((faults / answered) * 1000, 1),
        });
      }
      const last = (n: string) => runs.get(n)![r];
      o.log(`round ${r + 1}/${o.rounds}: ${names.map((n) => `${n} ${last(n).rps} req/s ${last(n).appCpuUsPerRequest} µs/req (util ${last(n).appUtilisation}, ${last(n).minorFaultsPer1000} faults/1000)`).join(', ')}; load ${loadavg()[0].toFixed(2)}`);
    }
  } finally {
    for (const app of apps) await stop(app.proc);
  }
  const base = runs.get(names[0])!;
  const summary = (name: string) => {
    const rs = runs.get(name)!;
    const out: Record<string, unknown> = {
      medianRps: median(rs.map((x) => x.rps)),
      medianAppCpuUsPerRequest: round(median(rs.map((x) => x.appCpuUsPerRequest)), 2),
      medianAppUtilisation: round(median(rs.map((x) => x.appUtilisation)), 3),
      medianMinorFaultsPer1000: round(median(rs.map((x) => x.minorFaultsPer1000)), 1),
    };
    if (name !== names[0]) {
      const tr = rs.map((x, i) => x.rps / base[i].rps);
      const cr = rs.map((x, i) => base[i].appCpuUsPerRequest / x.appCpuUsPerRequest);
      out.throughputRatio = round(median(tr), 3);
      out.cpuRatio = round(median(cr), 3);
      out.perRound = { throughputRatio: tr.map((x) => round(x, 3)), cpuRatio: cr.map((x) => round(x, 3)) };
    }
    out.runs = rs;
    return out;
  };
  return Object.fromEntries(names.map((n) => [n, summary(n)])) as Record<string, ReturnType<typeof summary>>;
}
