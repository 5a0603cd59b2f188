/**
 * Worker-thread entry of reference preparation: reads, checks, profiles and
 * samples a reference file off the main thread (see `prepare-thread.ts`), so
 * the server keeps answering — and committing events — meanwhile. The rows go
 * back as transferred typed arrays (no copy).
 */
import { parentPort } from 'node:worker_threads';
import type { Table } from '@modelwatch/core';
import { ReferenceInputError } from './errors.js';
import type { DetectedFormat } from './format.js';
import { prepareReference } from './prepare.js';
import type { PrepareOptions } from './prepare.js';

/** A job: what `prepareReference` takes, without the phase callback. */
export interface PrepareJob {
  id: number;
  path: string;
  format: DetectedFormat;
  options: Omit<PrepareOptions, 'onPhase'>;
}

/** The buffers of a table's columns, to transfer rather than copy. */
export function tableBuffers(table: Table): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const c of table.columns) {
    if (c.type === 'number') {
      out.add(c.values.buffer as ArrayBuffer);
      if (c.nulls) out.add(c.nulls.buffer as ArrayBuffer);
    } else out.add(c.codes.buffer as ArrayBuffer);
  }
  return [...out];
}

const port = parentPort;
if (port) {
  port.on('message', (job: PrepareJob) => {
    prepareReference(job.path, job.format, {
      ...job.options,
      onPhase: (phase, ms, info) => port.postMessage({ id: job.id, type: 'phase', phase, ms, info }),
    }).then(
      (prepared) => port.postMessage({ id: job.id, type: 'done', prepared }, tableBuffers(prepared.table)),
      (err: unknown) =>
        port.postMessage({
          id: job.id,
          type: 'error',
          error:
            err instanceof ReferenceInputError
              ? { reference: true, code: err.code, message: err.message, details: err.details }
              : { reference: false, message: err instanceof Error ? err.message : String(err) },
        }),
    );
  });
  port.postMessage({ type: 'ready' });
}
