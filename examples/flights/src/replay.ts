/**
 * The replay client: flights of February–June 2001 sent to the model server
 * as prediction requests, at accelerated event time, with the truth sent
 * later as feedback and faults injected at given dates.
 *
 *   node examples/flights/dist/replay.js --model-url http://127.0.0.1:3000 \
 *     [--from 2001-02-01] [--to 2001-07-01] [--days-per-minute 2 | --fast] \
 *     [--label-lag 6h] [--concurrency 16] [--sample 1] \
 *     [--null-feature 2001-02-20[:dep_hour]] [--new-airport 2001-03-15[:ORD=KORD]] \
 *     [--canary 2001-04-02[:5]] [--unit-change 2001-05-01[:distance]] [--no-faults]
 *
 * - Pacing: event time advances `--days-per-minute` days per wall-clock
 *   minute (2: a day every 30 s, the five months in 75 min); `--fast` sends
 *   as fast as the server answers (tests, benchmarks).
 * - Each flight is one `POST /predict` with its id (`f<row>`), its departure
 *   time as the event time, and its features (after the faults).
 * - Feedback: the flight's true delay, sent to `POST /feedback` once event
 *   time has passed the departure time plus `--label-lag`, with that time as
 *   when the truth became known; `--label-share` of flights get one. What is
 *   still pending at the end is sent then.
 * - A canary fault waits for the requests in flight, then sets the model
 *   server's weights (`PUT /canary`), so that every flight from the date on —
 *   and none before it — is routed with the new weights.
 * - Backpressure: every 1000 flights the replay reads the model server's
 *   exporter queues (`GET /stats`); beyond `--max-backlog` records waiting for
 *   modelwatch serve it pauses until they are down to a fifth of that, so a
 *   fast replay never makes the exporter drop events (a paced one falls behind
 *   schedule instead, and says so).
 *
 * Prints one line per replayed day and, at the end, `replay finished {json}`
 * with the counts per day and per version.
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { isMain, isoDay, parseTime, readFlights } from './flights.js';
import type { Flight } from './flights.js';
import { DEFAULT_FAULTS, applyInputFaults, canaryWeightAt, describeFault, parseCanary, parseNewAirport, parseNullFeature, parseUnitChange } from './faults.js';
import type { Fault } from './faults.js';
import { unitHash } from '@modelwatch/node';

export interface ReplayOptions {
  modelUrl: string;
  from: number;
  to: number;
  /** Event days per wall-clock minute; ignored with `fast`. */
  daysPerMinute: number;
  fast: boolean;
  /** Requests in flight at once. */
  concurrency: number;
  /** Event-time delay from a flight's departure to its truth. */
  labelLagMs: number;
  /** Share of flights whose truth is sent (by a hash of the id). */
  labelShare: number;
  /** Share of flights replayed (by a hash of the id; 1 = all). */
  sample: number;
  /** Records waiting in the model server's exporter beyond which the replay pauses (0: never). */
  maxBacklog: number;
  faults: readonly Fault[];
  /** Where progress lines go (default stdout). */
  log?: (line: string) => void;
  /** Stops the replay early when aborted. */
  signal?: AbortSignal;
  parquet?: string;
}

export interface DaySummary {
  day: string;
  predictions: number;
  byVersion: Record<string, number>;
  errors: number;
}

export interface ReplaySummary {
  from: string;
  to: string;
  predictions: number;
  errors: number;
  feedback: number;
  byVersion: Record<string, number>;
  days: DaySummary[];
  wallSeconds: number;
  /** Largest lag behind the schedule (paced mode), seconds. */
  maxLagSeconds: number;
  /** Seconds spent waiting for the model server's exporter to catch up. */
  backpressureSeconds: number;
  aborted: boolean;
}

interface HttpResult {
  status: number;
  body: string;
}

/** A small keep-alive JSON client (node:http: less overhead per request than fetch). */
export class JsonClient {
  private readonly agent: Agent;
  private readonly base: URL;
  constructor(baseUrl: string, sockets: number) {
    this.base = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  send(method: string, path: string, body?: unknown): Promise<HttpResult> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path,
          method,
          agent: this.agent,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** The flight's id: its row in the data set. */
export const flightId = (f: Flight) => `f${f.row}`;

/** Runs a replay to the end (or until aborted) and returns its summary. */
export async function replay(opts: ReplayOptions): Promise<ReplaySummary> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const client = new JsonClient(opts.modelUrl, opts.concurrency + 2);
  const started = performance.now();
  const summary: ReplaySummary = {
    from: isoDay(opts.from),
    to: isoDay(opts.to),
    predictions: 0,
    errors: 0,
    feedback: 0,
    byVersion: {},
    days: [],
    wallSeconds: 0,
    maxLagSeconds: 0,
    backpressureSeconds: 0,
    aborted: false,
  };
  let errorsLogged = 0;
  const reportError = (what: string) => {
    summary.errors++;
    if (errorsLogged++ < 5) log(`replay: ${what}`);
  };

  // Requests in flight, bounded by the concurrency.
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const waitForSlot = async () => {
    while (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
  };
  const drain = async () => {
    while (inFlight.size > 0) await Promise.race(inFlight);
  };

  // The router's weights: reset to the canary in force at the start.
  let canary = canaryWeightAt(opts.from, opts.faults);
  const setCanary = async (weight: number) => {
    const res = await client.send('PUT', '/canary', { v1: 100 - weight, v2: weight });
    if (res.status !== 200) throw new Error(`PUT /canary: ${res.status} ${res.body}`);
    log(`replay: canary: v2 takes ${weight}% of flights`);
  };
  await setCanary(canary);

  // Feedback waiting for its time (flights are replayed in departure order and the lag is constant: a FIFO).
  const pending: { id: string; delay: number; ts: number }[] = [];
  let pendingHead = 0;
  const sendFeedback = async (until: number) => {
    const batch: { id: string; delay: number; ts: number }[] = [];
    while (pendingHead < pending.length && pending[pendingHead].ts <= until) {
      batch.push(pending[pendingHead++]);
      if (batch.length === 1000 || pendingHead === pending.length || pending[pendingHead].ts > until) {
        const items = batch.splice(0);
        await waitForSlot();
        track(
          client.send('POST', '/feedback', items).then(
            (res) => {
              if (res.status === 200) summary.feedback += items.length;
              else reportError(`POST /feedback: ${res.status} ${res.body.slice(0, 200)}`);
            },
            (err: Error) => reportError(`POST /feedback: ${err.message}`),
          ),
        );
      }
    }
    if (pendingHead > 100_000) {
      pending.splice(0, pendingHead);
      pendingHead = 0;
    }
  };

  /** Records the model server's exporter holds for modelwatch serve (events and feedback); null when it cannot tell. */
  const backlog = async (): Promise<number | null> => {
    try {
      const res = await client.send('GET', '/stats');
      if (res.status !== 200) return null;
      const stats = (JSON.parse(res.body) as { exporter: { queued: number; inFlight: number }[] }).exporter;
      return stats.reduce((a, s) => a + s.queued + s.inFlight, 0);
    } catch {
      return null;
    }
  };
  let sinceCheck = 0;
  const respectBackpressure = async () => {
    if (opts.maxBacklog <= 0 || ++sinceCheck < 1000) return;
    sinceCheck = 0;
    let waiting = await backlog();
    if (waiting === null || waiting <= opts.maxBacklog) return;
    const t0 = performance.now();
    log(`replay: modelwatch serve is behind (${waiting} records queued in the model server's exporter): pausing`);
    while (waiting !== null && waiting > opts.maxBacklog / 5 && !opts.signal?.aborted) {
      await sleep(250, opts.signal);
      waiting = await backlog();
    }
    const s = (performance.now() - t0) / 1000;
    summary.backpressureSeconds += s;
    log(`replay: resuming after ${s.toFixed(1)} s`);
  };

  const eventPerWallMs = (opts.daysPerMinute * 86_400_000) / 60_000;
  let wallStart = Date.now();
  try {
    outer: for await (const day of readFlights(opts.from, opts.to, opts.parquet)) {
      const d: DaySummary = { day: isoDay(day[0].ts), predictions: 0, byVersion: {}, errors: 0 };
      summary.days.push(d);
      const errorsBefore = summary.errors;
      for (const f of day) {
        if (opts.signal?.aborted) {
          summary.aborted = true;
          break outer;
        }
        const id = flightId(f);
        // Salted: the model server routes by a hash of the bare id, the sample must not select by it.
        if (opts.sample < 1 && unitHash(`sample:${id}`) >= opts.sample) continue;
        if (!opts.fast) {
          const due = wallStart + (f.ts - opts.from) / eventPerWallMs;
          const wait = due - Date.now();
          if (wait > 1) await sleep(wait, opts.signal);
          else summary.maxLagSeconds = Math.max(summary.maxLagSeconds, -wait / 1000);
        }
        const weight = canaryWeightAt(f.ts, opts.faults);
        if (weight !== canary) {
          // Every earlier flight is answered before the weights change.
          await drain();
          await setCanary(weight);
          canary = weight;
        }
        await sendFeedback(f.ts);
        const paused = summary.backpressureSeconds;
        await respectBackpressure();
        // A paced replay resumes on schedule from where it paused (event time does not jump ahead).
        if (!opts.fast) wallStart += (summary.backpressureSeconds - paused) * 1000;
        const features = applyInputFaults(f, f.ts, opts.faults);
        await waitForSlot();
        track(
          client.send('POST', '/predict', { id, ts: f.ts, ...features }).then(
            (res) => {
              if (res.status !== 200) return reportError(`POST /predict ${id}: ${res.status} ${res.body.slice(0, 200)}`);
              const version = (JSON.parse(res.body) as { version: string }).version;
              d.predictions++;
              d.byVersion[version] = (d.byVersion[version] ?? 0) + 1;
              summary.predictions++;
              summary.byVersion[version] = (summary.byVersion[version] ?? 0) + 1;
            },
            (err: Error) => reportError(`POST /predict ${id}: ${err.message}`),
          ),
        );
        if (opts.labelShare >= 1 || unitHash(`label:${id}`) < opts.labelShare) pending.push({ id, delay: f.delay, ts: f.ts + opts.labelLagMs });
      }
      await drain();
      d.errors = summary.errors - errorsBefore;
      const versions = Object.entries(d.byVersion)
        .map(([v, n]) => `${v} ${n}`)
        .join(', ');
      log(`replay: ${d.day}: ${d.predictions} predictions (${versions || 'none'}), ${summary.feedback} labels so far${d.errors ? `, ${d.errors} errors` : ''}${opts.fast ? '' : `, behind schedule by at most ${summary.maxLagSeconds.toFixed(1)} s`}`);
    }
    // The truth still pending: all of it, now.
    if (!summary.aborted) await sendFeedback(Infinity);
    await drain();
  } finally {
    client.close();
  }
  summary.wallSeconds = Math.round((performance.now() - started) / 10) / 100;
  return summary;
}

/** Durations like `6h`, `30m`, `2d`, `90s` or milliseconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`${what}: expected a duration like 6h, 30m, 2d (got ${JSON.stringify(text)})`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

/** The replay's command-line options (shared with the demo, which passes them on). */
export const REPLAY_ARGS = {
  from: { type: 'string', default: '2001-02-01' },
  to: { type: 'string', default: '2001-07-01' },
  'days-per-minute': { type: 'string', default: '2' },
  fast: { type: 'boolean', default: false },
  concurrency: { type: 'string' },
  'label-lag': { type: 'string', default: '6h' },
  'label-share': { type: 'string', default: '1' },
  sample: { type: 'string', default: '1' },
  'max-backlog': { type: 'string', default: '100000' },
  'unit-change': { type: 'string', multiple: true },
  'null-feature': { type: 'string', multiple: true },
  'new-airport': { type: 'string', multiple: true },
  canary: { type: 'string', multiple: true },
  'no-faults': { type: 'boolean', default: false },
} as const;

/** Parsed values of {@link REPLAY_ARGS}. */
export interface ReplayArgValues {
  from?: string;
  to?: string;
  'days-per-minute'?: string;
  fast?: boolean;
  concurrency?: string;
  'label-lag'?: string;
  'label-share'?: string;
  sample?: string;
  'max-backlog'?: string;
  'unit-change'?: string[];
  'null-feature'?: string[];
  'new-airport'?: string[];
  canary?: string[];
  'no-faults'?: boolean;
}

export const REPLAY_USAGE = `replay options:
  --from 2001-02-01 --to 2001-07-01   event-time range (end exclusive; the data ends 2001-07-01)
  --days-per-minute 2                 event days per wall-clock minute
  --fast                              as fast as the model server answers (tests)
  --concurrency N                     requests in flight (default 8, 32 with --fast)
  --label-lag 6h                      truth arrives this long after departure (event time)
  --label-share 1                     share of flights whose truth arrives
  --sample 1                          share of flights replayed
  --max-backlog 100000                pause while the model server's exporter holds more records (0: never)
faults (each may repeat; dates are event time; without any, the defaults below):
  --null-feature DATE[:feature[:days]]   feature null for a day           (default 2001-02-20:dep_hour)
  --new-airport DATE[:OLD=NEW]           airport code OLD arrives as NEW  (default 2001-03-15:ORD=KORD)
  --canary DATE[:percent]                share of flights routed to v2    (default 2001-04-02:5)
  --unit-change DATE[:feature[:factor]]  distance in km from the date     (default 2001-05-01:distance)
  --no-faults                            none at all
`;

/** Replay options from parsed command-line values. */
export function replayOptionsFrom(v: ReplayArgValues, modelUrl: string): ReplayOptions {
  const num = (name: 'days-per-minute' | 'concurrency' | 'label-share' | 'sample' | 'max-backlog', min: number, max: number) => {
    const raw = v[name] ?? '';
    const x = Number(raw);
    if (!Number.isFinite(x) || x < min || x > max) throw new Error(`--${name}: expected a number ${min}..${max} (got ${JSON.stringify(raw)})`);
    return x;
  };
  const from = parseTime(v.from ?? '2001-02-01', '--from');
  const to = parseTime(v.to ?? '2001-07-01', '--to');
  if (!(from < to)) throw new Error('--to: must be after --from');
  const listed = [
    ...(v['null-feature'] ?? []).map(parseNullFeature),
    ...(v['new-airport'] ?? []).map(parseNewAirport),
    ...(v.canary ?? []).map(parseCanary),
    ...(v['unit-change'] ?? []).map(parseUnitChange),
  ];
  const faults = v['no-faults'] ? [] : listed.length > 0 ? listed : [...DEFAULT_FAULTS];
  const fast = v.fast ?? false;
  return {
    modelUrl,
    from,
    to,
    daysPerMinute: v['days-per-minute'] === undefined ? 2 : num('days-per-minute', 1e-6, 1e6),
    fast,
    concurrency: v.concurrency === undefined ? (fast ? 32 : 8) : Math.round(num('concurrency', 1, 1024)),
    labelLagMs: parseDuration(v['label-lag'] ?? '6h', '--label-lag'),
    labelShare: v['label-share'] === undefined ? 1 : num('label-share', 0, 1),
    sample: v.sample === undefined ? 1 : num('sample', 0, 1),
    maxBacklog: v['max-backlog'] === undefined ? 100_000 : Math.round(num('max-backlog', 0, 1e9)),
    faults,
  };
}

export function describeReplay(o: ReplayOptions): string[] {
  const lines = [
    `replay: ${isoDay(o.from)} .. ${isoDay(o.to - 1)}, ${o.fast ? 'as fast as possible' : `${o.daysPerMinute} days per minute`}, truth after ${o.labelLagMs / 3_600_000} h${o.sample < 1 ? `, ${o.sample * 100}% of flights` : ''}`,
  ];
  lines.push(o.faults.length ? 'replay: faults:' : 'replay: no faults');
  for (const f of o.faults) lines.push(`replay:   ${describeFault(f)}`);
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'model-url': { type: 'string', default: 'http://127.0.0.1:3000' }, help: { type: 'boolean', short: 'h' }, ...REPLAY_ARGS } });
  if (values.help) {
    process.stdout.write(`usage: replay [--model-url http://127.0.0.1:3000] [options]\n${REPLAY_USAGE}`);
    return;
  }
  const opts = replayOptionsFrom(values, values['model-url']!);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  for (const l of describeReplay(opts)) process.stdout.write(`${l}\n`);
  const summary = await replay({ ...opts, signal: ac.signal });
  process.stdout.write(`replay finished ${JSON.stringify(summary)}\n`);
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`replay: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

