/**
 * The read worker: opens data files and reads batches of their columns on its
 * own thread, so the main thread can load the program and compare one batch
 * while the next is being read (see `remote.ts`, the other end). It then
 * renders the HTML report: `warm` asks it to load the renderer
 * (`@modelwatch/ui`, about half a second of CPU) once no read is left, which
 * keeps that work off the main thread and out of the reads' way.
 *
 * Messages in:  `{ op: 'open', id, path, format, sample?, seed? }`,
 *               `{ op: 'read', id, req, indexes }`, `{ op: 'close', id }`,
 *               `{ op: 'warm' }`, `{ op: 'render', req, report, title? }`.
 * Messages out: `{ op: 'opened', id, meta }` | `{ op: 'failed', id, error }`,
 *               `{ op: 'table', req, table }` (column buffers transferred) |
 *               `{ op: 'html', req, html }` | `{ op: 'failed', req, error }`,
 *               `{ op: 'closed', id }`.
 * Reads of one file run one after another (one DuckDB connection each); two
 * files are read concurrently.
 */
import { parentPort } from 'node:worker_threads';
import type { Report, Table } from '@modelwatch/core';
import { DataFileError, openSource, type FileFormat, type OpenedSource } from '@modelwatch/server/read';
import { loadRenderer as importRenderer, type Renderer } from '../output/renderer.js';

const port = parentPort;
if (!port) throw new Error('the read worker must run as a worker thread');

/** An error as it crosses the thread boundary: a file problem keeps its message for the user. */
export interface WireError {
  message: string;
  /** A problem with the file's content (the CLI's InputError), not an internal error. */
  file: boolean;
  stack?: string;
}

export type WorkerRequest =
  | { op: 'open'; id: number; path: string; format: FileFormat; sample?: number; seed?: number }
  | { op: 'read'; id: number; req: number; indexes: number[] }
  | { op: 'close'; id: number }
  | { op: 'warm' }
  | { op: 'render'; req: number; report: Report; title?: string };

export type SourceMeta = Pick<OpenedSource, 'names' | 'sourceTypes' | 'fileColumns' | 'totalRows' | 'rows' | 'sampled'>;

export type WorkerReply =
  | { op: 'opened'; id: number; meta: SourceMeta }
  | { op: 'failed'; id?: number; req?: number; error: WireError }
  | { op: 'table'; req: number; table: Table }
  | { op: 'html'; req: number; html: string }
  | { op: 'closed'; id: number };

const wire = (e: unknown): WireError => ({ message: (e as Error)?.message ?? String(e), file: e instanceof DataFileError, stack: (e as Error)?.stack });

/** Each file's source and the tail of its queue of reads. */
const files = new Map<number, { source: Promise<OpenedSource>; queue: Promise<unknown> }>();
/** Opens and reads not finished yet. */
let busy = 0;

let renderer: Promise<Renderer> | null = null;
let warm = false;
const loadRenderer = () => (renderer ??= importRenderer());
/** Loads the renderer once it is wanted and no read is waiting. */
function warmUp(): void {
  if (warm && busy === 0) loadRenderer().catch(() => {}); // reported by the render request
}
function idle(): void {
  busy--;
  warmUp();
}

function transferables(table: Table): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const c of table.columns) {
    if (c.type === 'number') {
      out.push(c.values.buffer as ArrayBuffer);
      if (c.nulls) out.push(c.nulls.buffer as ArrayBuffer);
    } else out.push(c.codes.buffer as ArrayBuffer);
  }
  return out;
}

port.on('message', (msg: WorkerRequest) => {
  const post = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
  if (msg.op === 'warm') {
    warm = true;
    warmUp();
    return;
  }
  if (msg.op === 'render') {
    loadRenderer()
      .then((ui) => post({ op: 'html', req: msg.req, html: ui.renderReportHtml(msg.report, msg.title === undefined ? {} : { title: msg.title }) }))
      .catch((e) => post({ op: 'failed', req: msg.req, error: wire(e) }));
    return;
  }
  if (msg.op === 'open') {
    busy++;
    const source = openSource(msg.path, { format: msg.format, sample: msg.sample, seed: msg.seed });
    files.set(msg.id, { source, queue: source.catch(() => {}) });
    source
      .then(
        (s) => post({ op: 'opened', id: msg.id, meta: { names: s.names, sourceTypes: s.sourceTypes, fileColumns: s.fileColumns, totalRows: s.totalRows, rows: s.rows, sampled: s.sampled } }),
        (e) => post({ op: 'failed', id: msg.id, error: wire(e) }),
      )
      .finally(idle);
    return;
  }
  const file = files.get(msg.id);
  if (!file) return;
  if (msg.op === 'read') {
    busy++;
    const read = file.queue.then(() => file.source).then((s) => s.read(msg.indexes));
    file.queue = read.catch(() => {});
    read
      .then(
        (table) => post({ op: 'table', req: msg.req, table }, transferables(table)),
        (e) => post({ op: 'failed', req: msg.req, error: wire(e) }),
      )
      .finally(idle);
  } else {
    files.delete(msg.id);
    void file.queue
      .then(() => file.source)
      .then((s) => s.close())
      .catch(() => {})
      // The database is not closed here: closing it before its last results are
      // collected aborts the process when the thread stops. Stopping the worker
      // (once every file is closed) frees it.
      .then(() => post({ op: 'closed', id: msg.id }));
  }
});
