/**
 * From a request body (bytes) to prepared events: NDJSON or a JSON array,
 * through the byte reader where it can, through `JSON.parse` where it cannot;
 * or a columnar batch (batch-decode.ts, docs/event-batch-format.md).
 * Whole-request problems are thrown as {@link BodyError} (the route maps them
 * to HTTP answers).
 */
import { BATCH_CONTENT_TYPE, BatchFormatError, BatchTooManyRowsError, readEventBatch } from './batch-decode.js';
import type { EventBatchColumns } from './batch-decode.js';
import { prepareBatchEvents } from './batch-rows.js';
import { prepareEvents } from './events.js';
import type { EventPlan, PreparedEvents } from './events.js';
import { TooManyRecordsError, readerFor } from './event-reader.js';
import { parseNdjson } from './values.js';

/** A body that cannot be read at all. */
export class BodyError extends Error {
  constructor(
    readonly code: 'invalid_json' | 'bad_request',
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

export { TooManyRecordsError };

/** How an events body is written. */
export type BodyFormat = 'json' | 'ndjson' | 'batch';

/**
 * Validates the events of a body against the plan: NDJSON (one record per
 * non-blank line; a bad line rejects that record), a JSON array of records, or
 * a columnar batch (record *i* handled exactly as NDJSON line *i*).
 * Throws {@link BodyError} for a body that is not JSON / not an array / not a
 * well-formed batch, and {@link TooManyRecordsError} for more than
 * `maxRecords` records.
 */
export function readEventsBody(body: Uint8Array, format: BodyFormat, plan: EventPlan, maxRecords: number): PreparedEvents {
  if (format === 'batch') return prepareBatchEvents(readBatch(body, maxRecords), plan);
  const reader = readerFor(plan);
  if (format === 'ndjson') return reader.readNdjson(body, maxRecords);
  const fast = reader.readArray(body, maxRecords);
  if (fast) return fast;
  const records = parseJsonArray(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  if (records.length > maxRecords) throw new TooManyRecordsError(maxRecords, records.length);
  return prepareEvents(records, plan);
}

/** The validated columns of a batch body, its format errors as {@link BodyError} / {@link TooManyRecordsError}. */
function readBatch(body: Uint8Array, maxRecords: number): EventBatchColumns {
  try {
    return readEventBatch(body, { maxEvents: maxRecords });
  } catch (err) {
    if (err instanceof BatchTooManyRowsError) throw new TooManyRecordsError(err.max, err.got);
    if (err instanceof BatchFormatError) throw new BodyError('bad_request', `malformed ${BATCH_CONTENT_TYPE} body: ${err.message}`);
    throw err;
  }
}

/** The records of a text body: NDJSON lines or the elements of a JSON array (for feedback). */
export function parseRecordsText(text: string, ndjson: boolean, maxRecords: number): unknown[] {
  const records = ndjson ? parseNdjson(text) : parseJsonArray(text);
  if (records.length > maxRecords) throw new TooManyRecordsError(maxRecords, records.length);
  return records;
}

function parseJsonArray(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BodyError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new BodyError('bad_request', 'expected a JSON array of records (or NDJSON with Content-Type: application/x-ndjson)');
  }
  return parsed;
}
