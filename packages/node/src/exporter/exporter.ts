/**
 * The exporter: sends prediction events and ground truth to `modelwatch serve`
 * in the background.
 *
 * - **Never waits on the request path** (no serialisation to text, no I/O, no
 *   await, no throw): a monitor's common prediction — features and scores
 *   shaped like the open batch's columns, with numbers and categories — is
 *   appended to the open columnar batch as it is recorded, a few typed-array
 *   stores (Channel.pushPrediction; batch-encoder.ts `addPrediction`). Any
 *   other record is kept by reference and, within a millisecond
 *   (WRITE_DELAY_MS), appended to columnar batches (prediction events:
 *   batch-queue.ts, batch-encoder.ts, the format of
 *   packages/server/docs/event-batch-format.md) or written as NDJSON lines into
 *   per-batch byte buffers (feedback, and events with `format: 'ndjson'`:
 *   queue.ts), so they die young. Full batches are compressed (gzip, on
 *   libuv's thread pool) and POSTed, partial ones from a timer.
 * - **Batched**: a batch leaves when `batchSize` records are queued or every
 *   `flushIntervalMs`, whichever comes first; one request in flight per model
 *   and kind.
 * - **Bounded memory**: per model and kind at most `maxQueue` queued records plus
 *   one batch in flight; when the service is away too long the oldest records
 *   are dropped and counted in `modelwatch_exporter_dropped_total{reason="overflow"}`.
 *   (In `auto` format, until the service has accepted a batch, the records of
 *   queued batches are kept too, to re-send them as NDJSON after a 415.)
 * - **Retries** with exponential backoff and jitter on network errors, timeouts,
 *   408, 409, 429 (honouring `Retry-After`), 503 and other 5xx; the server
 *   de-duplicates re-sent events by `(id, ts)`, so a retry never double-counts.
 *   Other 4xx answers (a bad batch, auth, unknown model) are counted in
 *   `modelwatch_exporter_failed_total{reason}` and logged, not retried.
 * - **Flush on shutdown**: `await exporter.close()` (and on SIGTERM/SIGINT with
 *   `handleSignals`) sends what is queued, within `closeTimeoutMs`.
 *
 * Every record ends in exactly one of: sent, failed, dropped — or is still
 * queued / in flight (see {@link Exporter.stats}).
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { constants as zlibConstants, gzip as gzipCb } from 'node:zlib';
import { Registry, register as globalRegistry } from 'prom-client';
import { hash32 } from '../hash.js';
import { idOfSeq } from '../ids.js';
import { validateInteger, validateModelName, validateNumber } from '../labels.js';
import { exporterFamilies } from '../metrics/families.js';
import type { ExporterFamilies } from '../metrics/families.js';
import type { CounterCell } from '../metrics/buffered.js';
import { RateLimitedLog, consoleLogger, silentLogger } from './logger.js';
import type { Logger } from './logger.js';
import { BATCH_CONTENT_TYPE, EventBatch, LITTLE_ENDIAN } from './batch-encoder.js';
import type { BatchRecord } from './batch-encoder.js';
import { BatchQueue } from './batch-queue.js';
import { ConnectionError, HttpConnectionPool } from './http-connection.js';
import { EventWriter } from './event-writer.js';
import { PredictionEvent, recordLine } from './records.js';
import type { EventRecord, FeedbackRecord } from './records.js';
import { LineBatch, LineQueue } from './queue.js';

const gzip = promisify(gzipCb);

export type Compression = 'gzip' | 'identity' | 'auto';
/** How prediction events travel: the columnar batch, NDJSON, or the batch with a fall back to NDJSON (see {@link ExporterOptions.format}). */
export type EventFormat = 'batch' | 'ndjson' | 'auto';
export type RecordKind = 'events' | 'feedback';

export interface RetryOptions {
  /** First backoff delay (default 200 ms); it doubles per attempt. */
  initialDelayMs?: number;
  /** Largest backoff delay (default 30 s). */
  maxDelayMs?: number;
  /** Attempts per batch before it is dropped with reason `retries_exhausted` (default 15, ~4 minutes). */
  maxAttempts?: number;
}

export interface ExporterOptions {
  /** Base URL of `modelwatch serve`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Bearer token with the `write` scope, when the service has auth configured. */
  token?: string;
  /**
   * Records per request (default 5000). A batch has a fixed CPU cost (HTTP
   * request and answer, sealing, gzip's stream; more than that against a
   * service that takes a while to acknowledge): in the flights model server,
   * against modelwatch serve on the same machine, batches of 2000 cost the
   * application ~6% more CPU per request than batches of 5000 (cpuRatio to
   * metrics only 0.827 against 0.887; in process 4.3 against 3.2 µs per
   * event). At low traffic `flushIntervalMs` sends partial batches.
   */
  batchSize?: number;
  /** Longest time a record waits before its batch is sent (default 1000 ms). */
  flushIntervalMs?: number;
  /** Records queued per model and kind before the oldest are dropped (default 50 000: ~4.5 MB of flights events as columns, ten batches). */
  maxQueue?: number;
  /**
   * `gzip` always, `identity` never, `auto`: gzip, falling back to identity
   * for good if the service answers a gzip request with 415 or 400 before any
   * gzip request succeeded (a service without gzip support). Default: `auto`,
   * or `identity` when the service is on this machine (a loopback URL:
   * `localhost`, 127.0.0.0/8, `[::1]`), where compressing saves no network and
   * only costs the application CPU (flights model server, A/B against a
   * receiver that answers at once: ~7% more CPU per request with gzip;
   * against a modelwatch serve sharing the 2-core machine gzip measured 2–3
   * points better in two runs, so the choice is not settled: see the README).
   */
  compression?: Compression;
  /**
   * Body format of prediction events: `batch`, the columnar batch
   * (`application/vnd.modelwatch.batch`: numbers as doubles, repeated strings
   * as dictionary indexes — about a third of NDJSON's client CPU and bytes),
   * `ndjson`, or `auto` (default): batches, falling back to NDJSON for good if
   * the service answers a batch with 415 before any batch succeeded (an older
   * service); the refused batch is re-sent as NDJSON. Feedback is NDJSON.
   */
  format?: EventFormat;
  /**
   * Share of prediction events sent, 0..1 (default 1). The decision is a hash of
   * the event id, so feedback for a sampled-out event is skipped too. Metrics
   * always count every prediction.
   */
  sampleRate?: number;
  retry?: RetryOptions;
  /** Timeout of one HTTP request (default 10 s). */
  requestTimeoutMs?: number;
  /** How long `close()` keeps trying to deliver what is queued (default 10 s). */
  closeTimeoutMs?: number;
  /** Registry of the exporter's own metrics (default: prom-client's global registry). */
  registry?: Registry;
  /** pino-style logger (default: stderr, each message at most once a minute); `false` for none. */
  logger?: Logger | false;
  /**
   * Flush before the process exits on these signals (`true`: SIGTERM and SIGINT).
   * When the application has no other listener for the signal, the signal is
   * raised again after the flush so that the process ends as it would have.
   */
  handleSignals?: boolean | NodeJS.Signals[];
}

/** Per model and kind: where every record went. */
export interface ChannelStats {
  model: string;
  kind: RecordKind;
  /** Records accepted into the queue (after sampling). */
  pushed: number;
  /** Prediction events not queued because of `sampleRate`. */
  sampledOut: number;
  queued: number;
  inFlight: number;
  sent: number;
  failed: number;
  dropped: number;
}

/** A service answer: status, `Retry-After`, body text. */
interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
}

/** Largest answer body kept (the service answers with a small JSON summary). */
const MAX_ANSWER_BYTES = 1024 * 1024;

type Outcome = { retry: false } | { retry: true; delayMs: number; countAttempt: boolean };
const DONE: Outcome = { retry: false };

/** Reason label of a non-retryable HTTP status. */
function failureReason(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    default:
      return status >= 500 ? 'server_error' : 'client_error';
  }
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const t = Date.parse(trimmed);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

type Queued = PredictionEvent | EventRecord | FeedbackRecord;

/**
 * Records pushed are written into the queue (lines or columns) within
 * {@link WRITE_DELAY_MS}, off the request path, or at once when this many are
 * waiting (a synchronous loop pushing many records — batch scoring — keeps the
 * list of references short).
 */
const MAX_PENDING = 4096;

/**
 * Why a 1 ms timer rather than right after the turn (setImmediate): writing is
 * cheaper per record when more records are written at once (the encoder's
 * code and columns stay in cache). Measured with flights events and batches of
 * 5000 (in process, load 2.3–3.5): at one prediction per event-loop turn the
 * exporter cost 2.5–3.4 µs per event written per turn and 1.5–1.7 µs written
 * per millisecond; at four per turn 1.97 and 1.72–1.84 µs. Records wait at most
 * a millisecond longer, still off the request path.
 */
const WRITE_DELAY_MS = 1;

/**
 * One model and kind: records waiting to be written, the queue of written
 * lines, the batch in flight, and the loop sending them.
 */
class Channel {
  /** Records pushed this turn, not yet written (their objects are still referenced). */
  private pending: Queued[] = [];
  private writeScheduled = false;
  /** NDJSON lines: feedback, and events when the format is NDJSON. */
  readonly lines: LineQueue;
  /** Prediction events in columnar batches (events, when the format is the batch), else null. */
  private cols: BatchQueue | null = null;
  private readonly writer: EventWriter;
  readonly url: string;
  inflight: LineBatch | EventBatch | null = null;
  private gz: Buffer | null = null;
  private attempts = 0;
  private running: Promise<void> | null = null;
  private scheduled = false;
  private wake: (() => void) | null = null;
  private abort: AbortController | null = null;
  /** A gzip request got 400/415 and this batch is being re-sent uncompressed to find out why. */
  private probingIdentity = false;
  closed = false;

  pushed = 0;
  sampledOut = 0;
  sent = 0;
  failed = 0;
  dropped = 0;

  private readonly sentCell: CounterCell;
  private readonly retryCell: CounterCell;
  private readonly overflowCell: CounterCell;
  private readonly failedCells = new Map<string, CounterCell>();
  private readonly droppedCells = new Map<string, CounterCell>();
  private readonly pumpSoon = () => {
    this.scheduled = false;
    void this.pump(false);
  };
  private readonly writeSoon = () => {
    this.writeScheduled = false;
    this.writePending();
  };

  constructor(
    private readonly ex: Exporter,
    readonly model: string,
    readonly kind: RecordKind,
    private readonly fam: ExporterFamilies,
  ) {
    this.lines = new LineQueue(ex.batchSize, ex.maxQueue);
    this.writer = new EventWriter(this.lines);
    if (kind === 'events' && ex.useBatch) this.cols = new BatchQueue(ex.batchSize, ex.maxQueue, ex.batchUnconfirmed);
    this.url = `${ex.baseUrl}/v1/models/${encodeURIComponent(model)}/${kind}`;
    this.sentCell = fam.sent.cell({ model, kind });
    this.retryCell = fam.retries.cell({ model, kind });
    this.overflowCell = this.droppedCell('overflow');
  }

  /** The queue batches are taken from: the columnar one, or the lines. */
  get queue(): LineQueue | BatchQueue {
    return this.cols ?? this.lines;
  }

  /** Lets spare buffers go while idle. */
  trimSpares(): void {
    this.lines.trimSpares();
    this.cols?.trimSpares();
  }

  /** The service reads batches: queued batches stop keeping their records. */
  forgetRecords(): void {
    this.cols?.forgetRecords();
  }

  /**
   * The service refused the batch format: events from now on, and those queued
   * in batches (their records were kept), are written as NDJSON lines, in order.
   */
  toNdjson(): void {
    const cols = this.cols;
    if (cols === null) return;
    this.cols = null;
    this.writeRecords(cols.drainRecords(), this.lines, this.writer);
  }

  /** A refused batch's rows as one NDJSON batch, to be sent instead. */
  private linesOf(b: EventBatch): LineBatch {
    const q = new LineQueue(b.count, b.count);
    this.writeRecords(b.records!.slice(b.start), q, new EventWriter(q));
    return q.take() ?? new LineBatch(Buffer.alloc(0));
  }

  /** Writes records as lines (counting overflow as dropped). */
  private writeRecords(records: BatchRecord[], q: LineQueue, w: EventWriter): void {
    let overflow = 0;
    for (const r of records) {
      // These records were appended to a batch, so they can be written as JSON.
      if (r instanceof PredictionEvent ? w.write(r) : q.push(recordLine(r) ?? '')) overflow++;
    }
    this.drop(overflow, 'overflow');
  }

  private droppedCell(reason: string): CounterCell {
    let c = this.droppedCells.get(reason);
    if (!c) this.droppedCells.set(reason, (c = this.fam.dropped.cell({ model: this.model, kind: this.kind, reason })));
    return c;
  }

  private failedCell(reason: string): CounterCell {
    let c = this.failedCells.get(reason);
    if (!c) this.failedCells.set(reason, (c = this.fam.failed.cell({ model: this.model, kind: this.kind, reason })));
    return c;
  }

  private drop(n: number, reason: string): void {
    if (n <= 0) return;
    this.dropped += n;
    this.droppedCell(reason).value += n;
  }

  private fail(n: number, reason: string): void {
    if (n <= 0) return;
    this.failed += n;
    this.failedCell(reason).value += n;
  }

  /** Hot path: queue one record. Never throws, never waits. */
  push(item: Queued): void {
    if (this.closed) {
      this.drop(1, 'closed');
      return;
    }
    this.pushed++;
    const n = this.pending.push(item);
    if (n >= MAX_PENDING) this.writePending();
    else if (!this.writeScheduled) {
      this.writeScheduled = true;
      setTimeout(this.writeSoon, WRITE_DELAY_MS);
    }
  }

  /**
   * Hot path: queues one prediction of a monitor (sampling applied here). With columnar batches and no
   * records waiting, the common prediction is appended to the open batch at
   * once (EventBatch.addPrediction: a few typed-array stores, while its values
   * are still in the CPU's caches), and no PredictionEvent is kept; anything
   * else is queued as a PredictionEvent, written within WRITE_DELAY_MS.
   * Never throws, never waits.
   */
  pushPrediction(
    id: string | number | undefined,
    seq: number,
    ts: number | string,
    versionJson: string,
    features: unknown,
    names: readonly string[] | null,
    prediction: unknown,
    scores: unknown,
    latencyMs: number,
    error: boolean,
    tags: unknown,
  ): void {
    if (!this.ex.sampled(id, seq)) {
      this.sampledOut++;
      return;
    }
    const cols = this.cols;
    if (cols !== null && this.pending.length === 0 && !this.closed) {
      let appended = false;
      let fresh = false;
      try {
        const b = cols.appendable();
        appended = b !== null && b.addPrediction(id, seq, ts, versionJson, features, prediction, scores, latencyMs, error, tags);
        fresh = !appended && b !== null && b.rows === 0;
      } catch {
        // Not expected (the fast path takes numbers, strings and known shapes only): the general path reports it.
      }
      if (fresh) {
        // A new batch's first row (its columns have no shape yet): written now by the general path, so that
        // the rows after it take the fast path again — queued, it would send every row recorded until the
        // write timer (a synchronous loop: all of them) the general way too.
        this.push(new PredictionEvent(id, seq, ts, versionJson, features, names, prediction, scores, latencyMs, error, tags));
        this.writePending();
        return;
      }
      if (appended) {
        this.pushed++;
        if (cols.added()) {
          this.dropped++;
          this.overflowCell.value++;
        }
        if (cols.size >= this.ex.batchSize && !this.scheduled && this.running === null) {
          this.scheduled = true;
          setImmediate(this.pumpSoon);
        }
        return;
      }
    }
    this.push(new PredictionEvent(id, seq, ts, versionJson, features, names, prediction, scores, latencyMs, error, tags));
  }

  /**
   * Writes the waiting records as NDJSON lines into the queue (dropping the
   * oldest lines past `maxQueue`), then starts a send when a batch is full.
   * A record that cannot be written as JSON (BigInt, a cycle) is counted as
   * failed here. Never throws.
   */
  writePending(): void {
    const items = this.pending;
    const n = items.length;
    if (n === 0) return;
    this.pending = [];
    let bad = 0;
    let firstError: unknown;
    let overflow = 0;
    const q = this.lines;
    const w = this.writer;
    const cols = this.cols;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      try {
        if (cols !== null) {
          if (item instanceof PredictionEvent ? cols.push(item) : cols.pushRecord(item as EventRecord)) overflow++;
        }
        // A record that is not an object (JSON.stringify gives undefined) is an empty line, as before.
        else if (item instanceof PredictionEvent ? w.write(item) : q.push(recordLine(item) ?? '')) overflow++;
      } catch (err) {
        if (bad++ === 0) firstError = err;
      }
    }
    if (overflow > 0) {
      this.dropped += overflow;
      this.overflowCell.value += overflow;
    }
    if (bad > 0) {
      this.fail(bad, 'unserializable');
      // Not JSON (a BigInt, a cycle), or a record a columnar batch cannot hold (a key over 256 characters, past 4096 columns).
      const reason = firstError instanceof Error ? firstError.message : String(firstError);
      this.ex.log.warn(`unserializable:${this.model}`, { model: this.model, kind: this.kind, records: bad, reason }, `modelwatch exporter: records that cannot be sent were skipped (${reason})`);
    }
    if (this.queue.size >= this.ex.batchSize && !this.scheduled && this.running === null) {
      this.scheduled = true;
      setImmediate(this.pumpSoon);
    }
  }

  /** Records queued: waiting to be written, or written and waiting for their batch. */
  get queuedCount(): number {
    return this.pending.length + this.lines.size + (this.cols?.size ?? 0);
  }

  get inFlightCount(): number {
    return this.inflight === null ? 0 : this.inflight.count;
  }

  /** The running send loop, if any. */
  get loopDone(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  get idle(): boolean {
    return this.queuedCount === 0 && this.inflight === null;
  }

  /** Runs the send loop unless it is running; resolves when it stops. `force`: send partial batches too. */
  pump(force: boolean): Promise<void> {
    if (this.running) return this.running;
    this.running = this.loop(force).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(force: boolean): Promise<void> {
    try {
      for (;;) {
        if (this.ex.abandoned) return;
        if (this.inflight === null) {
          this.writePending();
          const size = this.queue.size;
          if (size === 0 || (size < this.ex.batchSize && !force && !this.ex.closing)) return;
          this.inflight = this.queue.take();
          if (this.inflight === null) return;
          this.gz = null;
          this.attempts = 0;
          this.probingIdentity = false;
          // `force` (the flush timer, flush()) sends one partial batch: the next ones leave when full
          // or at the next tick. Else, under steady traffic, a loop started by the timer went on
          // sending whatever arrived during one round trip (batches of ~45 events at one event per
          // event-loop turn: a request and a gzip stream each).
          force = false;
        }
        const outcome = await this.sendInflight();
        if (!outcome.retry) {
          this.done();
          continue;
        }
        // Shutdown deadline: leave the batch for abandon() to count.
        if (this.ex.abandoned) return;
        if (outcome.countAttempt) {
          this.attempts++;
          this.retryCell.value++;
          if (this.attempts >= this.ex.maxAttempts) {
            const records = this.inflight!.count;
            this.ex.log.warn(`exhausted:${this.model}:${this.kind}`, { model: this.model, kind: this.kind, records, attempts: this.attempts }, 'modelwatch exporter: giving up on a batch after repeated failures; records dropped');
            this.drop(records, 'retries_exhausted');
            this.done();
            continue;
          }
        }
        if (outcome.delayMs > 0) await this.sleep(outcome.delayMs);
      }
    } catch (err) {
      // Unexpected (a bug): never let it escape; the batch stays in flight and is retried on the next tick.
      this.ex.log.warn(`bug:${this.model}`, { err: String(err) }, 'modelwatch exporter: unexpected error');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Ends a backoff wait and aborts the request in flight (shutdown deadline). */
  interrupt(): void {
    this.wake?.();
    this.abort?.abort();
  }

  /** The batch in flight is finished (sent, failed or dropped): its buffer serves the next batch. */
  private done(): void {
    const b = this.inflight;
    if (b instanceof LineBatch) this.lines.recycle(b);
    else if (b !== null) this.cols?.recycle(b);
    this.inflight = null;
    this.gz = null;
  }

  private async sendInflight(): Promise<Outcome> {
    const b = this.inflight!;
    const n = b.count;
    const batch = b instanceof EventBatch;
    const raw = batch ? (this.cols?.body(b) ?? b.body()) : b.body();
    const useGzip = this.ex.useGzip && !this.probingIdentity;
    let body = raw;
    if (useGzip) {
      // One output chunk for a large body (zlib's default is 16 KiB chunks, each a round trip
      // between the libuv pool and the main thread): 1 MB batches cost the main thread ~40% less.
      // Level 1 with memLevel 9 (the largest hash table): ~25% less CPU than memLevel 8, same size.
      // (One zlib stream reset between batches instead of one per batch measured no cheaper.)
      this.gz ??= await gzip(raw, { level: zlibConstants.Z_BEST_SPEED, memLevel: 9, chunkSize: Math.max(16 * 1024, Math.min(raw.length >> 2, 16 * 1024 * 1024)) });
      body = this.gz;
    }
    const headers: OutgoingHttpHeaders = { 'content-type': batch ? BATCH_CONTENT_TYPE : 'application/x-ndjson', 'content-length': body.length };
    if (useGzip) headers['content-encoding'] = 'gzip';
    if (this.ex.token) headers.authorization = `Bearer ${this.ex.token}`;
    const ctrl = new AbortController();
    this.abort = ctrl;
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      ({ status, retryAfter, text } = await this.ex.post(this.url, headers, body, ctrl.signal));
    } catch (err) {
      this.ex.log.warn(`network:${this.model}`, { model: this.model, kind: this.kind, url: this.url, err: (err as Error).message }, 'modelwatch exporter: cannot reach the service; retrying');
      return this.backoff();
    } finally {
      this.abort = null;
    }

    if (status >= 200 && status < 300) {
      if (batch) this.ex.batchWorks();
      if (useGzip) this.ex.gzipWorks();
      if (this.probingIdentity) this.ex.gzipUnsupported(this.model);
      this.account(text, n);
      return DONE;
    }
    if (status === 415 && batch && b.records !== null && this.ex.batchMayBeRefused) {
      // A service without the batch format: NDJSON from now on, this batch's rows too.
      this.ex.batchUnsupported(this.model);
      this.inflight = this.linesOf(b);
      this.gz = null;
      return { retry: true, delayMs: 0, countAttempt: false };
    }
    if (useGzip && this.ex.gzipUnconfirmed && (status === 415 || status === 400)) {
      // Maybe the service cannot read gzip bodies: send this batch uncompressed to find out.
      this.probingIdentity = true;
      return { retry: true, delayMs: 0, countAttempt: false };
    }
    if (status === 429 || status === 503) {
      const wait = parseRetryAfter(retryAfter);
      this.ex.log.warn(`busy:${this.model}`, { model: this.model, kind: this.kind, status, retryAfterMs: wait }, 'modelwatch exporter: the service is busy; retrying later');
      return wait === undefined ? this.backoff() : { retry: true, delayMs: Math.min(wait, this.ex.maxRetryAfterMs), countAttempt: true };
    }
    if (status === 408 || status === 409 || (status >= 500 && status !== 501)) {
      this.ex.log.warn(`status:${this.model}:${status}`, { model: this.model, kind: this.kind, status, body: text.slice(0, 300) }, 'modelwatch exporter: the service failed; retrying');
      return this.backoff();
    }
    // Not retryable: the batch itself is refused.
    const reason = failureReason(status);
    this.fail(n, reason);
    this.ex.log.warn(
      `refused:${this.model}:${this.kind}:${status}`,
      { model: this.model, kind: this.kind, status, records: n, body: text.slice(0, 500) },
      status === 404 ? `modelwatch exporter: the service does not know model "${this.model}" (register it with PUT /v1/models/${this.model}); records dropped` : 'modelwatch exporter: the service refused a batch; records dropped',
    );
    return DONE;
  }

  private backoff(): Outcome {
    const base = Math.min(this.ex.maxDelayMs, this.ex.initialDelayMs * 2 ** this.attempts);
    // "Equal jitter": at least half the exponential delay, so retries never bunch at 0.
    return { retry: true, delayMs: base / 2 + Math.random() * (base / 2), countAttempt: true };
  }

  /** Counts a 2xx answer: accepted records are sent, rejected ones failed (and logged). */
  private account(text: string, n: number): void {
    let accepted = n;
    let rejected = 0;
    try {
      const body = JSON.parse(text) as { accepted?: unknown; rejectedCount?: unknown; rejected?: { reason?: string; field?: string; message?: string }[] };
      if (typeof body.accepted === 'number') accepted = body.accepted;
      if (typeof body.rejectedCount === 'number') rejected = body.rejectedCount;
      const first = Array.isArray(body.rejected) ? body.rejected[0] : undefined;
      if (rejected > 0 && first) {
        this.ex.log.warn(`rejected:${this.model}:${this.kind}:${first.reason}`, { model: this.model, kind: this.kind, rejected, example: first }, 'modelwatch exporter: the service rejected records');
      }
    } catch {
      // A 2xx without a JSON body: everything was accepted.
    }
    this.sent += accepted;
    this.sentCell.value += accepted;
    this.fail(n - accepted, 'rejected');
  }

  /** Drops what is left (shutdown deadline passed). */
  abandon(): void {
    this.writePending();
    this.drop(this.lines.clear() + (this.cols?.clear() ?? 0), 'shutdown');
    if (this.inflight) this.drop(this.inflight.count, 'shutdown');
    this.inflight = null;
  }

  stats(): ChannelStats {
    // Written first, so that `queued` honours maxQueue and the drops are counted.
    this.writePending();
    return {
      model: this.model,
      kind: this.kind,
      pushed: this.pushed,
      sampledOut: this.sampledOut,
      queued: this.queuedCount, // nothing pending: written above
      inFlight: this.inFlightCount,
      sent: this.sent,
      failed: this.failed,
      dropped: this.dropped,
    };
  }
}

/**
 * Sends prediction events and ground truth to `modelwatch serve`. Create one per
 * process and pass it to monitors (`wrap`, the Fastify plugin, the Express
 * middleware); call `close()` on shutdown.
 */
export class Exporter {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxQueue: number;
  readonly sampleRate: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
  readonly maxRetryAfterMs: number;
  readonly requestTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly log: RateLimitedLog;
  readonly registry: Registry;
  /** Integer threshold on hash32(id) below which an event is kept. */
  private readonly sampleThreshold: number;
  private readonly compression: Compression;
  private gzipState: 'unknown' | 'yes' | 'no' = 'unknown';
  readonly format: EventFormat;
  private formatState: 'unknown' | 'yes' | 'no' = 'unknown';
  private readonly channels = new Map<string, Channel>();
  private lastEvents: Channel | null = null;
  private readonly families: ExporterFamilies;
  private readonly timer: NodeJS.Timeout;
  private readonly reportQueue: () => void;
  private readonly signalHandlers: [NodeJS.Signals, () => void][] = [];
  closing = false;
  abandoned = false;
  private closed: Promise<void> | null = null;
  /**
   * Keep-alive connections to an `http:` service: http-connection.ts, a
   * minimal client (in the flights server, A/B against node:http's: −6% CPU
   * per prediction request, lower in 9 rounds of 10; see there). Null for `https:`.
   */
  private readonly pool: HttpConnectionPool | null;
  /**
   * Keep-alive connections to an `https:` service (null for `http:`).
   * node:https rather than fetch: undici's fetch costs the main thread about
   * twice as much CPU per request (streams, WHATWG objects, abort signals),
   * and a batch is one request.
   */
  private readonly agent: HttpsAgent | null;

  constructor(opts: ExporterOptions) {
    if (!opts || typeof opts.url !== 'string') throw new TypeError('url: expected the base URL of modelwatch serve, e.g. "http://127.0.0.1:8080"');
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      throw new TypeError(`url: not a valid URL (got ${JSON.stringify(opts.url)})`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`url: expected http: or https: (got ${parsed.protocol})`);
    this.baseUrl = opts.url.replace(/\/+$/, '');
    const tls = parsed.protocol === 'https:';
    this.agent = tls ? new HttpsAgent({ keepAlive: true }) : null;
    this.pool = tls ? null : new HttpConnectionPool(parsed.hostname, Number(parsed.port || 80));
    if (opts.token !== undefined && (typeof opts.token !== 'string' || opts.token.length === 0 || /[\r\n]/.test(opts.token))) {
      throw new TypeError('token: expected a non-empty string without line breaks');
    }
    this.token = opts.token;
    this.batchSize = validateInteger(opts.batchSize ?? 5000, 'batchSize', 1, 100_000);
    this.flushIntervalMs = validateInteger(opts.flushIntervalMs ?? 1000, 'flushIntervalMs', 1, 3_600_000);
    this.maxQueue = validateInteger(opts.maxQueue ?? 50_000, 'maxQueue', 1, 10_000_000);
    this.sampleRate = validateNumber(opts.sampleRate ?? 1, 'sampleRate', 0, 1);
    this.sampleThreshold = Math.floor(this.sampleRate * 4294967296);
    this.initialDelayMs = validateInteger(opts.retry?.initialDelayMs ?? 200, 'retry.initialDelayMs', 1, 3_600_000);
    this.maxDelayMs = validateInteger(opts.retry?.maxDelayMs ?? 30_000, 'retry.maxDelayMs', this.initialDelayMs, 3_600_000);
    this.maxAttempts = validateInteger(opts.retry?.maxAttempts ?? 15, 'retry.maxAttempts', 1, 1_000_000);
    this.maxRetryAfterMs = Math.max(this.maxDelayMs, 300_000);
    this.requestTimeoutMs = validateInteger(opts.requestTimeoutMs ?? 10_000, 'requestTimeoutMs', 1, 3_600_000);
    this.closeTimeoutMs = validateInteger(opts.closeTimeoutMs ?? 10_000, 'closeTimeoutMs', 0, 3_600_000);
    const compression = opts.compression ?? (isLoopback(parsed.hostname) ? 'identity' : 'auto');
    if (!['gzip', 'identity', 'auto'].includes(compression)) throw new TypeError(`compression: expected "gzip", "identity" or "auto" (got ${JSON.stringify(compression)})`);
    this.compression = compression;
    const format = opts.format ?? 'auto';
    if (!['batch', 'ndjson', 'auto'].includes(format)) throw new TypeError(`format: expected "batch", "ndjson" or "auto" (got ${JSON.stringify(format)})`);
    // The batch's typed arrays are written as they are in memory: little-endian machines only.
    this.format = LITTLE_ENDIAN ? format : 'ndjson';
    this.log = new RateLimitedLog(opts.logger === false ? silentLogger : (opts.logger ?? consoleLogger));
    this.registry = opts.registry ?? globalRegistry;
    this.families = exporterFamilies(this.registry);
    this.reportQueue = () => {
      for (const ch of this.channels.values()) this.families.queue.set({ model: ch.model, kind: ch.kind }, ch.queuedCount + ch.inFlightCount);
    };
    this.families.queueReporters.add(this.reportQueue);

    this.timer = setInterval(() => {
      for (const ch of this.channels.values()) {
        if (!ch.idle) void ch.pump(true);
        ch.trimSpares();
      }
    }, this.flushIntervalMs);
    this.timer.unref();

    const signals = opts.handleSignals === true ? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[]) : opts.handleSignals || [];
    for (const sig of signals) {
      const handler = () => {
        void this.close().finally(() => {
          if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
        });
      };
      process.once(sig, handler);
      this.signalHandlers.push([sig, handler]);
    }
  }

  /**
   * @internal POSTs `body`; resolves with the answer, rejects on network errors,
   * after `requestTimeoutMs` and when `signal` aborts. A reused keep-alive
   * connection that the service had just closed is retried once on a new one.
   */
  post(url: string, headers: OutgoingHttpHeaders, body: Buffer, signal: AbortSignal): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      let current: { destroy(): void } | null = null;
      const pool = this.pool;
      const onAbort = () => {
        finish(new Error('the request was aborted'));
        current?.destroy();
      };
      const finish = (err: Error | null, answer?: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (pool !== null) signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(answer!);
      };
      const timer = setTimeout(() => {
        finish(new Error(`no answer within ${this.requestTimeoutMs} ms`));
        current?.destroy();
      }, this.requestTimeoutMs);
      timer.unref();
      const attempt = (mayRetry: boolean) => {
        if (pool !== null) {
          const u = new URL(url);
          pool.post(u.pathname + u.search, headers as Record<string, string | number>, body, MAX_ANSWER_BYTES, (abort) => (current = { destroy: abort })).then(
            (a) => finish(null, { status: a.status, retryAfter: a.retryAfter, text: a.text }),
            (err: unknown) => {
              if (!settled && mayRetry && err instanceof ConnectionError && err.reused && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) attempt(false);
              else finish(err as Error);
            },
          );
          return;
        }
        const req = httpsRequest(url, { method: 'POST', headers, agent: this.agent!, signal });
        current = req;
        req.on('response', (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(c);
          });
          res.on('end', () => {
            const h = res.headers['retry-after'];
            finish(null, { status: res.statusCode ?? 0, retryAfter: h === undefined ? null : String(h), text: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (err) => finish(err));
          res.on('close', () => {
            if (!res.complete) finish(new Error('the connection closed before the answer ended'));
          });
        });
        req.on('error', (err: NodeJS.ErrnoException) => {
          if (!settled && mayRetry && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) attempt(false);
          else finish(err);
        });
        req.end(body);
      };
      if (pool !== null) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      attempt(true);
    });
  }

  /** Whether requests are gzip-compressed now. */
  get useGzip(): boolean {
    return this.compression === 'gzip' || (this.compression === 'auto' && this.gzipState !== 'no');
  }

  /** True until a gzip request has succeeded (in `auto` mode only). */
  get gzipUnconfirmed(): boolean {
    return this.compression === 'auto' && this.gzipState === 'unknown';
  }

  /** @internal */
  gzipWorks(): void {
    this.gzipState = 'yes';
  }

  /** @internal An identity re-send succeeded after the gzip request was refused. */
  gzipUnsupported(model: string): void {
    if (this.gzipState === 'unknown') {
      this.gzipState = 'no';
      this.log.info({ model }, 'modelwatch exporter: the service does not accept gzip bodies; sending uncompressed');
    }
  }

  /** Whether prediction events are sent as columnar batches now. */
  get useBatch(): boolean {
    return this.format === 'batch' || (this.format === 'auto' && this.formatState !== 'no');
  }

  /** True until a batch has succeeded (in `auto` mode only): batches keep their records meanwhile. */
  get batchUnconfirmed(): boolean {
    return this.format === 'auto' && this.formatState === 'unknown';
  }

  /** Whether a 415 to a batch means the service lacks the format (`auto`, no batch succeeded yet). */
  get batchMayBeRefused(): boolean {
    return this.format === 'auto' && this.formatState !== 'yes';
  }

  /** @internal A batch succeeded: keep no more records. */
  batchWorks(): void {
    if (this.formatState !== 'unknown') return;
    this.formatState = 'yes';
    for (const ch of this.channels.values()) ch.forgetRecords();
  }

  /** @internal The service answered a batch with 415: NDJSON for good, for every model. */
  batchUnsupported(model: string): void {
    if (this.formatState === 'no') return;
    this.formatState = 'no';
    this.log.info({ model }, 'modelwatch exporter: the service does not read columnar batches (415); sending NDJSON');
    for (const ch of this.channels.values()) ch.toNdjson();
  }

  /** The queue of one model and kind (created on first use). */
  channel(model: string, kind: RecordKind): Channel {
    const key = `${kind}\u0000${model}`;
    let ch = this.channels.get(key);
    if (!ch) {
      validateModelName(model);
      ch = new Channel(this, model, kind, this.families);
      if (this.closing) ch.closed = true;
      this.channels.set(key, ch);
    }
    return ch;
  }

  /** Whether an event with this id is exported under `sampleRate` (always true at rate 1). */
  sampled(id: string | number | undefined, seq: number): boolean {
    if (this.sampleThreshold >= 4294967296) return true;
    return hash32(id === undefined ? idOfSeq(seq) : String(id)) < this.sampleThreshold;
  }

  /**
   * Queues ready-made event records (the service's format) for `model`. Never
   * throws for bad records: the service rejects them and they are counted as failed.
   */
  sendEvent(model: string, events: EventRecord | readonly EventRecord[]): void {
    // The same model as last time (the usual case): no key string, no map look-up.
    let ch = this.lastEvents;
    if (ch === null || ch.model !== model) ch = this.lastEvents = this.channel(model, 'events');
    if (!Array.isArray(events)) {
      // One record (a request's event): no array around it.
      this.queueRecord(ch, events as EventRecord);
      return;
    }
    for (const e of events) this.queueRecord(ch, e);
  }

  private queueRecord(ch: Channel, r: EventRecord | FeedbackRecord): void {
    if (this.sampleThreshold < 4294967296 && !(r && this.sampled(r.id, 0))) ch.sampledOut++;
    else ch.push(r);
  }

  /**
   * Queues ground truth for events of `model`, joined by id on the service (any
   * time later; a later feedback for an id replaces the earlier). Feedback for
   * events sampled out by `sampleRate` is skipped.
   */
  sendFeedback(model: string, feedback: FeedbackRecord | readonly FeedbackRecord[]): void {
    const ch = this.channel(model, 'feedback');
    for (const f of Array.isArray(feedback) ? feedback : [feedback as FeedbackRecord]) {
      if (this.sampleThreshold < 4294967296 && !(f && this.sampled(f.id, 0))) ch.sampledOut++;
      else ch.push(f);
    }
  }

  /**
   * Sends everything queued now; resolves `true` once all queues are empty, or
   * `false` if `timeoutMs` (default `closeTimeoutMs`) passed first (sending goes on).
   */
  async flush(timeoutMs = this.closeTimeoutMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let first = true; ; first = false) {
      const busy = [...this.channels.values()].filter((ch) => !ch.idle);
      if (busy.length === 0) return true;
      const left = deadline - Date.now();
      // The sends start even when the time is already up (a short timeout, a stalled process).
      if ((left <= 0 && !first) || this.abandoned) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, left)));
      await Promise.race([Promise.all(busy.map((ch) => ch.pump(true))), timeout]);
      clearTimeout(timer);
    }
  }

  /**
   * Stops the timers, sends what is queued (retrying as usual) for at most
   * `closeTimeoutMs`, then drops and counts what is left (`reason="shutdown"`).
   * Records pushed afterwards are dropped (`reason="closed"`). Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      clearInterval(this.timer);
      for (const [sig, handler] of this.signalHandlers) process.removeListener(sig, handler);
      for (const ch of this.channels.values()) ch.closed = true;
      // A referenced timer keeps the process alive until the flush ends.
      const deadline = setTimeout(() => {
        this.abandoned = true;
        for (const ch of this.channels.values()) ch.interrupt();
      }, this.closeTimeoutMs);
      try {
        await this.flush(this.closeTimeoutMs);
      } finally {
        clearTimeout(deadline);
        this.abandoned = true;
        for (const ch of this.channels.values()) ch.interrupt();
        // Loops stop at their next step once abandoned; then count what is left.
        await Promise.all([...this.channels.values()].map((ch) => ch.loopDone));
        for (const ch of this.channels.values()) ch.abandon();
        this.families.queueReporters.delete(this.reportQueue);
        this.agent?.destroy();
        this.pool?.destroy();
        this.reportQueue();
      }
    })();
    return this.closed;
  }

  /** Where every record went, per model and kind. */
  stats(): ChannelStats[] {
    return [...this.channels.values()].map((ch) => ch.stats());
  }
}

export type { Channel };

/** Whether a URL host name is this machine: `localhost` (and `*.localhost`), 127.0.0.0/8, `[::1]`. */
function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '[::1]' || h === '::1';
}
