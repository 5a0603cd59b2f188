/**
 * Reference preparation on a worker thread. Reading a large file and profiling
 * it is seconds of CPU; on the main thread that would stall every request,
 * event commits included, for as long. One worker per process is started on
 * the first use and stopped after a minute without work; if a worker cannot
 * start (no worker threads, a module that will not load), the work runs on the
 * main thread instead.
 */
import type { Worker } from 'node:worker_threads';
import { ReferenceInputError } from './errors.js';
import type { ReferenceErrorCode } from './errors.js';
import type { DetectedFormat } from './format.js';
import { prepareReference } from './prepare.js';
import type { PrepareOptions, PreparedReference } from './prepare.js';
import type { PrepareJob } from './prepare-worker.js';
import { startModuleWorker } from '../util/worker.js';

/** An idle worker is stopped after this long. */
const IDLE_MS = 60_000;

type Reply =
  | { type: 'ready' }
  | { id: number; type: 'phase'; phase: Parameters<NonNullable<PrepareOptions['onPhase']>>[0]; ms: number; info: Record<string, unknown> }
  | { id: number; type: 'done'; prepared: PreparedReference }
  | { id: number; type: 'error'; error: { reference: boolean; code?: ReferenceErrorCode; message: string; details?: unknown } };

interface Pending {
  job: PrepareJob;
  onPhase?: PrepareOptions['onPhase'];
  resolve(p: PreparedReference): void;
  reject(e: unknown): void;
}

let worker: Worker | null = null;
let ready = false;
/** Set once a worker failed to start: later work runs in-thread. */
let unavailable = false;
let nextId = 1;
const pending = new Map<number, Pending>();
let idleTimer: NodeJS.Timeout | undefined;
/** Preparations completed on the worker (for tests and diagnostics). */
let offThread = 0;

/** How many preparations ran on the worker thread, and whether it could not start. */
export function referenceWorkerStats(): { offThread: number; unavailable: boolean } {
  return { offThread, unavailable };
}

function inThread(p: Pending): void {
  prepareReference(p.job.path, p.job.format, { ...p.job.options, onPhase: p.onPhase }).then(p.resolve, p.reject);
}

function settle(id: number): Pending | undefined {
  const p = pending.get(id);
  pending.delete(id);
  if (pending.size === 0 && worker) {
    worker.unref();
    clearTimeout(idleTimer);
    const w = worker;
    idleTimer = setTimeout(() => {
      if (worker === w && pending.size === 0) stopWorker();
    }, IDLE_MS);
    idleTimer.unref();
  }
  return p;
}

function stopWorker(): void {
  const w = worker;
  worker = null;
  ready = false;
  if (w) void w.terminate();
}

function onReply(msg: Reply): void {
  if (msg.type === 'ready') {
    ready = true;
    return;
  }
  if (msg.type === 'phase') {
    pending.get(msg.id)?.onPhase?.(msg.phase, msg.ms, msg.info);
    return;
  }
  const p = settle(msg.id);
  if (!p) return;
  if (msg.type === 'done') {
    offThread++;
    p.resolve(msg.prepared);
  }
  else if (msg.error.reference) p.reject(new ReferenceInputError(msg.error.code!, msg.error.message, msg.error.details));
  else p.reject(new Error(msg.error.message));
}

/** The worker died: jobs it had not started run in-thread if it never came up, else fail. */
function onFailure(err: unknown): void {
  const started = ready;
  stopWorker();
  if (!started) unavailable = true;
  const jobs = [...pending.values()];
  pending.clear();
  for (const p of jobs) {
    if (!started) inThread(p);
    else p.reject(err instanceof Error ? err : new Error(`the reference worker stopped: ${String(err)}`));
  }
}

function startWorker(): Worker {
  const w = startModuleWorker(import.meta.url, 'prepare-worker');
  w.on('message', onReply);
  w.on('error', onFailure);
  w.on('exit', (code) => {
    if (worker === w) onFailure(new Error(`the reference worker exited with code ${code}`));
  });
  return w;
}

/**
 * {@link prepareReference} on the worker thread (phases reported through
 * `onPhase` as they finish). Rejects with {@link ReferenceInputError} for
 * unusable input, as in-thread.
 */
export function prepareReferenceOffThread(path: string, format: DetectedFormat, options: PrepareOptions): Promise<PreparedReference> {
  const { onPhase, ...rest } = options;
  return new Promise<PreparedReference>((resolve, reject) => {
    const p: Pending = { job: { id: nextId++, path, format, options: rest }, onPhase, resolve, reject };
    if (unavailable) {
      inThread(p);
      return;
    }
    try {
      worker ??= startWorker();
    } catch {
      unavailable = true;
      inThread(p);
      return;
    }
    clearTimeout(idleTimer);
    worker.ref();
    pending.set(p.job.id, p);
    worker.postMessage(p.job);
  });
}
