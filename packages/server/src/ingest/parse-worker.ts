/**
 * Worker-thread entry of event parsing (see `parse-pool.ts`): reads a request
 * body against the model's plan exactly as the main thread would
 * (`readEventsBody`) and posts the result back in the wire form of
 * `parse-wire.ts`. Plans are compiled here, once per model record the main
 * thread sends.
 */
import { parentPort } from 'node:worker_threads';
import type { ModelRecord } from '../store/store.js';
import { compileEventPlan } from './events.js';
import type { EventPlan } from './events.js';
import { encodePrepared } from './parse-wire.js';
import type { WirePrepared } from './parse-wire.js';
import { BodyError, TooManyRecordsError, readEventsBody } from './read-body.js';
import type { BodyFormat } from './read-body.js';

export interface ParseJob {
  id: number;
  model: string;
  /** Sent when the worker has not seen this record of the model yet. */
  record?: ModelRecord;
  body: Uint8Array;
  format: BodyFormat;
  maxRecords: number;
}

export type ParseError =
  | { kind: 'body'; code: BodyError['code']; message: string }
  | { kind: 'too_many'; max: number; got: number }
  | { kind: 'other'; message: string };

export type ParseReply = { type: 'ready' } | { id: number; type: 'done'; prepared: WirePrepared } | { id: number; type: 'error'; error: ParseError };

export function parseErrorOf(err: unknown): ParseError {
  if (err instanceof BodyError) return { kind: 'body', code: err.code, message: err.message };
  if (err instanceof TooManyRecordsError) return { kind: 'too_many', max: err.max, got: err.got };
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}

const port = parentPort;
if (port) {
  const plans = new Map<string, EventPlan>();
  port.on('message', (job: ParseJob) => {
    try {
      if (job.record) plans.set(job.model, compileEventPlan(job.record));
      const plan = plans.get(job.model);
      if (!plan) throw new Error(`internal: no plan for model "${job.model}" on the parse worker`);
      const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength); // as on the main thread
      const { message, transfer } = encodePrepared(readEventsBody(body, job.format, plan, job.maxRecords));
      port.postMessage({ id: job.id, type: 'done', prepared: message } satisfies ParseReply, transfer);
    } catch (err) {
      port.postMessage({ id: job.id, type: 'error', error: parseErrorOf(err) } satisfies ParseReply);
    }
  });
  port.postMessage({ type: 'ready' } satisfies ParseReply);
}
