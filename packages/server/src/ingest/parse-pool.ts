/**
 * Parsing event bodies on worker threads, so that the main thread — which
 * receives requests and appends every committed batch to DuckDB (a synchronous
 * native call) — spends its time on what only it can do. Under sustained ingest
 * the main thread is the bottleneck; parsing was about a third of its work.
 *
 * Small bodies are parsed in-thread (a round trip costs more than it saves).
 * A larger body is moved (transferred, not copied) to the least-loaded worker,
 * which answers in the wire form of `parse-wire.ts`; errors come back as the
 * same {@link BodyError} / {@link TooManyRecordsError} as in-thread. Jobs wait
 * for their worker to be ready, so if a worker cannot start they run in-thread
 * (and so does all later work). A worker that dies fails its in-flight jobs
 * and is replaced on the next job.
 */
import type { Worker } from 'node:worker_threads';
import type { ModelRecord } from '../store/store.js';
import type { EventPlan, PreparedEvents } from './events.js';
import type { ParseError, ParseJob, ParseReply } from './parse-worker.js';
import { decodePrepared } from './parse-wire.js';
import { BodyError, TooManyRecordsError, readEventsBody } from './read-body.js';
import type { BodyFormat } from './read-body.js';
import { startModuleWorker } from '../util/worker.js';

/** Bodies smaller than this are parsed in-thread by default. */
export const OFF_THREAD_MIN_BYTES = 32 * 1024;

export interface ParsePoolOptions {
  /** Worker threads; 0 parses everything in-thread. */
  threads: number;
  /** Smallest body parsed off-thread (default {@link OFF_THREAD_MIN_BYTES}). */
  minBytes?: number;
}

interface Pending {
  job: ParseJob;
  bytes: number;
  plan: EventPlan;
  resolve(p: PreparedEvents): void;
  reject(e: unknown): void;
}

class Slot {
  worker: Worker | null = null;
  ready = false;
  /** Jobs posted to the worker, by id. */
  readonly inFlight = new Map<number, Pending>();
  /** Jobs waiting for the worker to be ready. */
  waiting: Pending[] = [];
  /** The model records this worker has compiled plans for. */
  readonly records = new Map<string, ModelRecord>();
  bytes = 0;
}

function errorOf(e: ParseError): Error {
  if (e.kind === 'body') return new BodyError(e.code, e.message);
  if (e.kind === 'too_many') return new TooManyRecordsError(e.max, e.got);
  return new Error(e.message);
}

export class ParsePool {
  private readonly slots: Slot[];
  private readonly minBytes: number;
  private unavailable = false;
  private closed = false;
  private nextId = 1;
  /** Bodies parsed on a worker / in-thread (for tests and diagnostics). */
  readonly stats = { offThread: 0, inThread: 0 };

  constructor(opts: ParsePoolOptions) {
    this.slots = Array.from({ length: Math.max(0, Math.floor(opts.threads)) }, () => new Slot());
    this.minBytes = opts.minBytes ?? OFF_THREAD_MIN_BYTES;
  }

  /**
   * The events of `body` (see `readEventsBody`), parsed off-thread when it is
   * large enough. `plan()` gives the main thread's plan of `record`. A
   * transferred body is left detached (empty): read it before, never after.
   */
  read(body: Uint8Array, format: BodyFormat, record: ModelRecord, plan: EventPlan, maxRecords: number): Promise<PreparedEvents> {
    if (this.slots.length === 0 || this.unavailable || this.closed || body.length < this.minBytes) {
      return this.inThread(body, format, plan, maxRecords);
    }
    const slot = this.slots.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    if (!slot.worker) this.start(slot);
    if (!slot.worker) return this.inThread(body, format, plan, maxRecords);
    return new Promise<PreparedEvents>((resolve, reject) => {
      const job: ParseJob = { id: this.nextId++, model: record.name, body, format, maxRecords };
      if (slot.records.get(record.name) !== record) {
        job.record = record;
        slot.records.set(record.name, record);
      }
      const p: Pending = { job, bytes: body.length, plan, resolve, reject };
      slot.bytes += p.bytes;
      slot.worker!.ref();
      if (slot.ready) this.post(slot, p);
      else slot.waiting.push(p);
    });
  }

  /** Stops the workers; jobs in flight are failed. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        const w = slot.worker;
        if (!w) return;
        this.fail(slot, new Error('the parse pool is closed'));
        await w.terminate();
      }),
    );
  }

  private inThread(body: Uint8Array, format: BodyFormat, plan: EventPlan, maxRecords: number): Promise<PreparedEvents> {
    this.stats.inThread++;
    try {
      return Promise.resolve(readEventsBody(body, format, plan, maxRecords));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private start(slot: Slot): void {
    let w: Worker;
    try {
      w = startModuleWorker(import.meta.url, 'parse-worker');
    } catch {
      this.giveUp(slot);
      return;
    }
    slot.worker = w;
    slot.ready = false;
    slot.records.clear();
    w.on('message', (msg: ParseReply) => this.onReply(slot, msg));
    w.on('error', (err) => this.onFailure(slot, w, err));
    w.on('exit', (code) => this.onFailure(slot, w, new Error(`the parse worker exited with code ${code}`)));
  }

  private post(slot: Slot, p: Pending): void {
    const body = p.job.body;
    // Move the body's memory when the view owns all of it; otherwise move a copy.
    const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    const moved = own ? body : new Uint8Array(body);
    p.job.body = moved;
    slot.inFlight.set(p.job.id, p);
    try {
      slot.worker!.postMessage(p.job, [moved.buffer as ArrayBuffer]);
    } catch {
      // An untransferable buffer (e.g. Node's pool): send a copy.
      p.job.body = new Uint8Array(body);
      slot.worker!.postMessage(p.job, [p.job.body.buffer as ArrayBuffer]);
    }
  }

  private onReply(slot: Slot, msg: ParseReply): void {
    if (msg.type === 'ready') {
      slot.ready = true;
      const waiting = slot.waiting;
      slot.waiting = [];
      for (const p of waiting) this.post(slot, p);
      return;
    }
    const p = slot.inFlight.get(msg.id);
    if (!p) return;
    slot.inFlight.delete(msg.id);
    this.done(slot, p);
    if (msg.type === 'done') {
      this.stats.offThread++;
      p.resolve(decodePrepared(msg.prepared));
    } else p.reject(errorOf(msg.error));
  }

  private done(slot: Slot, p: Pending): void {
    slot.bytes -= p.bytes;
    if (slot.inFlight.size === 0 && slot.waiting.length === 0) slot.worker?.unref();
  }

  /** The worker stopped: before it was ready, nothing was sent and work moves in-thread for good; after, its jobs fail. */
  private onFailure(slot: Slot, w: Worker, err: unknown): void {
    if (slot.worker !== w) return;
    if (!slot.ready) {
      this.giveUp(slot);
      return;
    }
    this.fail(slot, err instanceof Error ? err : new Error(String(err)));
  }

  private fail(slot: Slot, err: Error): void {
    const w = slot.worker;
    slot.worker = null;
    slot.ready = false;
    const jobs = [...slot.inFlight.values(), ...slot.waiting];
    slot.inFlight.clear();
    slot.waiting = [];
    slot.bytes = 0;
    w?.removeAllListeners();
    if (w) void w.terminate();
    for (const p of jobs) p.reject(err);
  }

  /** No worker can start: this and all later work runs in-thread. */
  private giveUp(slot: Slot): void {
    this.unavailable = true;
    const w = slot.worker;
    slot.worker = null;
    w?.removeAllListeners();
    if (w) void w.terminate();
    const jobs = slot.waiting;
    slot.waiting = [];
    slot.bytes = 0;
    for (const p of jobs) this.inThread(p.job.body, p.job.format, p.plan, p.job.maxRecords).then(p.resolve, p.reject);
  }
}
