import { extname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Report, Table } from '@modelwatch/core';
import { InputError } from '../errors.js';
import { startWorker } from '../worker-thread.js';
import { takeEarlyReadWorker } from './early.js';
import type { ReadOptions } from './table.js';
import type { OpenedSource } from '@modelwatch/server/read';
import type { SourceMeta, WireError, WorkerReply, WorkerRequest } from './worker.js';

/**
 * Data files opened and read on the read worker (`worker.ts`): `openRemote`
 * gives an `OpenedSource` whose `read` returns batches of columns that were
 * read on the worker's thread, their buffers moved over, not copied. While the
 * main thread loads the program or compares one batch, the worker (and DuckDB's
 * threads) read the next. `readAhead` starts a read early; the `read` of the
 * same columns then takes it. `renderOnReadWorker` renders the HTML report
 * there too, once the reads are done.
 */

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

function toError(e: WireError): Error {
  if (e.file) return new InputError(e.message);
  const err = new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}

/** The worker and the requests in flight; the worker keeps the process alive only while some are. */
class ReadWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly opens = new Map<number, Pending<SourceMeta>>();
  private readonly reads = new Map<number, Pending<Table>>();
  private readonly renders = new Map<number, Pending<string>>();
  /** Open files and renderers: the worker stops when none is left and no file is still closing. */
  private users = 0;
  /** Files the worker is closing: stopping it during DuckDB's work would abort the process. */
  private closing = 0;
  private stopped: Promise<void> | null = null;
  private onIdle: (() => void) | null = null;
  private dead: Error | null = null;

  constructor() {
    // Next to this module: .ts in development (run through tsx), .js when built.
    this.worker = takeEarlyReadWorker() ?? startWorker(new URL(`./worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url));
    this.worker.unref();
    this.worker.on('message', (m: WorkerReply) => this.receive(m));
    const stop = (e: Error) => {
      this.dead ??= e;
      for (const p of [...this.opens.values(), ...this.reads.values(), ...this.renders.values()]) p.reject(this.dead);
      this.closing = 0;
      this.onIdle?.();
      this.opens.clear();
      this.reads.clear();
      this.renders.clear();
    };
    this.worker.on('error', stop);
    this.worker.on('exit', (code) => stop(new Error(`the read worker stopped (exit code ${code})`)));
  }

  private receive(m: WorkerReply): void {
    if (m.op === 'opened') {
      this.opens.get(m.id)?.resolve(m.meta);
      this.opens.delete(m.id);
    } else if (m.op === 'table') {
      this.reads.get(m.req)?.resolve(m.table);
      this.reads.delete(m.req);
    } else if (m.op === 'html') {
      this.renders.get(m.req)?.resolve(m.html);
      this.renders.delete(m.req);
    } else if (m.op === 'closed') {
      this.closing--;
      this.stopIfDone();
    } else if (m.id !== undefined) {
      this.opens.get(m.id)?.reject(toError(m.error));
      this.opens.delete(m.id);
    } else if (m.req !== undefined) {
      const pending = this.reads.get(m.req) ?? this.renders.get(m.req);
      // A failed render is not a problem with an input file.
      pending?.reject(this.renders.has(m.req) ? new RenderError(m.error.message) : toError(m.error));
      this.reads.delete(m.req);
      this.renders.delete(m.req);
    }
    this.updateRef();
    if (this.quiet()) this.onIdle?.();
  }

  /** No DuckDB work in flight on the worker: nothing being opened, read or closed. */
  private quiet(): boolean {
    return this.opens.size + this.reads.size + this.closing === 0;
  }

  private updateRef(): void {
    // Stopping counts as work: `settled` waits for it.
    if (!this.quiet() || this.renders.size > 0 || this.stopped) this.worker.ref();
    else this.worker.unref();
  }

  private send<T>(table: Map<number, Pending<T>>, key: number, msg: WorkerRequest): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      table.set(key, { resolve, reject });
      this.worker.postMessage(msg);
      this.updateRef();
    });
  }

  async open(path: string, options: ReadOptions): Promise<OpenedSource> {
    const id = this.nextId++;
    this.users++;
    let meta: SourceMeta;
    try {
      meta = await this.send(this.opens, id, { op: 'open', id, path, format: options.format, sample: options.sample, seed: options.seed });
    } catch (e) {
      this.release();
      throw e;
    }
    const ahead = new Map<string, Promise<Table>>();
    let closed = false;
    const request = (indexes: number[]) => {
      const req = this.nextId++;
      return this.send(this.reads, req, { op: 'read', id, req, indexes });
    };
    const all = () => meta.names.map((_, i) => i);
    return {
      ...meta,
      read: (indexes) => {
        if (closed) return Promise.reject(new Error(`${path}: read after close`));
        const list = indexes ? [...indexes] : all();
        const key = list.join(',');
        const early = ahead.get(key);
        ahead.delete(key);
        return early ?? request(list);
      },
      close: async () => {
        if (closed) return;
        closed = true;
        // Reads started early and never taken are dropped; the worker closes the
        // file after its reads, without this thread waiting for it.
        ahead.clear();
        if (!this.dead) {
          this.closing++;
          this.worker.postMessage({ op: 'close', id } satisfies WorkerRequest);
          this.updateRef();
        }
        this.release();
      },
      // Not part of OpenedSource: see `readAhead`.
      [READ_AHEAD]: (indexes: readonly number[]) => {
        const key = indexes.join(',');
        if (closed || ahead.has(key)) return;
        const read = request([...indexes]);
        read.catch(() => {}); // surfaces when taken
        ahead.set(key, read);
      },
    } as OpenedSource;
  }

  /** A renderer on this worker, if it still runs; it loads the renderer once its reads are done. */
  renderer(): WorkerRenderer | null {
    if (this.dead) return null;
    this.users++;
    this.worker.postMessage({ op: 'warm' } satisfies WorkerRequest);
    let closed = false;
    return {
      render: (report, title) => {
        const req = this.nextId++;
        return this.send(this.renders, req, { op: 'render', req, report, title });
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.release();
      },
    };
  }

  private release(): void {
    this.users--;
    this.stopIfDone();
  }

  /** Nothing left to read, render or close: the worker stops and its memory goes back. */
  private stopIfDone(): void {
    if (this.users > 0 || this.closing > 0) return;
    if (worker === this) worker = null;
    this.worker.ref();
    this.stopped ??= this.worker.terminate().then(
      () => {},
      () => {},
    );
  }

  /** Resolves once no DuckDB work is in flight on the worker, and it has stopped if it was stopping. */
  async settled(): Promise<void> {
    if (!this.dead && !this.quiet()) {
      await new Promise<void>((done) => (this.onIdle = done));
    }
    await this.stopped;
  }
}

/** The renderer failed on the worker (as opposed to the worker stopping). */
export class RenderError extends Error {}

/** Renders reports on the read worker. `render` rejects with a `RenderError` when rendering failed, with another error when the worker stopped. */
export interface WorkerRenderer {
  render(report: Report, title?: string): Promise<string>;
  close(): void;
}

/**
 * Waits until no file is being opened, read or closed on the read worker: the
 * process must not exit while DuckDB works on that thread (it would abort).
 */
export async function readWorkerSettled(): Promise<void> {
  const all = [...workers];
  await Promise.all(all.map((w) => w.settled()));
}

/** A renderer on the read worker while it runs (it has open files), else null. */
export function renderOnReadWorker(): WorkerRenderer | null {
  return worker?.renderer() ?? null;
}

const READ_AHEAD = Symbol('readAhead');

let worker: ReadWorker | null = null;
/** Every worker started (a stopped one settles at once). */
const workers = new Set<ReadWorker>();

/** Opens a data file on the read worker (started on first use). Rejects like `openSource`, or when the worker cannot run. */
export function openRemote(path: string, options: ReadOptions): Promise<OpenedSource> {
  try {
    if (!worker) {
      worker = new ReadWorker();
      workers.add(worker);
    }
  } catch (e) {
    return Promise.reject(e as Error);
  }
  return worker.open(path, options);
}

/** Starts reading these columns of a source from `openRemote` now; `read(indexes)` with the same list takes the result. */
export function readAhead(source: OpenedSource, indexes: readonly number[]): void {
  (source as OpenedSource & { [READ_AHEAD]?: (i: readonly number[]) => void })[READ_AHEAD]?.(indexes);
}
