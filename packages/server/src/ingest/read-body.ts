/**
 * From a request body (bytes) to prepared events: NDJSON or a JSON array,
 * through the byte reader where it can, through `JSON.parse` where it cannot.
 * Whole-request problems are thrown as {@link BodyError} (the route maps them
 * to HTTP answers).
 */
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

/**
 * Validates the events of a body against the plan: NDJSON (one record per
 * non-blank line; a bad line rejects that record) or a JSON array of records.
 * Throws {@link BodyError} for a body that is not JSON / not an array, and
 * {@link TooManyRecordsError} for more than `maxRecords` records.
 */
export function readEventsBody(body: Uint8Array, ndjson: boolean, plan: EventPlan, maxRecords: number): PreparedEvents {
  const reader = readerFor(plan);
  if (ndjson) return reader.readNdjson(body, maxRecords);
  const fast = reader.readArray(body, maxRecords);
  if (fast) return fast;
  const records = parseJsonArray(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  if (records.length > maxRecords) throw new TooManyRecordsError(maxRecords, records.length);
  return prepareEvents(records, plan);
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
