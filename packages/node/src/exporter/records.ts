/**
 * What the exporter queues and how it is written as NDJSON for
 * `POST /v1/models/{model}/events` and `/feedback` (packages/server README).
 *
 * A prediction is held as a {@link PredictionEvent} with references to the
 * caller's objects (features, scores, tags) only until the exporter writes it
 * into its batch, within a millisecond (see exporter.ts): the
 * request path does no serialisation, and the objects still die young.
 */
import { ID_PREFIX } from '../ids.js';

/** One prediction waiting to be written. Fixed shape (a class) so that V8 keeps one hidden class. */
export class PredictionEvent {
  constructor(
    /** The caller's id, or undefined for a generated one from `seq`. */
    readonly id: string | number | undefined,
    readonly seq: number,
    /** Event time: epoch milliseconds, or an ISO 8601 string (given by `tsOf`). */
    readonly ts: number | string,
    /** The version as a JSON string (quoted and escaped once per recorder). */
    readonly versionJson: string,
    /** An object of feature values, or an array matched to `names`. */
    readonly features: unknown,
    readonly names: readonly string[] | null,
    readonly prediction: unknown,
    readonly scores: unknown,
    /** Milliseconds; negative when unknown. */
    readonly latencyMs: number,
    readonly error: boolean,
    readonly tags: unknown,
  ) {}
}

/** A ground-truth record for `POST /v1/models/{model}/feedback`. */
export interface FeedbackRecord {
  id: string | number;
  /** The true label or value. */
  target: unknown;
  /** When the truth became known: epoch ms, ISO 8601 string or Date (default: when the server receives it). */
  ts?: number | string | Date;
}

/** An event record accepted by the service, sent as is (`sendEvent`). */
export interface EventRecord {
  id: string | number;
  ts: number | string | Date;
  version?: string;
  features: Record<string, unknown>;
  prediction?: unknown;
  scores?: unknown;
  latency_ms?: number;
  error?: boolean;
  tags?: Record<string, string>;
}

function featuresJson(features: unknown, names: readonly string[] | null): string {
  if (Array.isArray(features) && names) {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) obj[names[i]] = features[i];
    return JSON.stringify(obj);
  }
  if (features === null || typeof features !== 'object' || Array.isArray(features)) return '{}';
  return JSON.stringify(features) ?? '{}';
}

/** A JSON value as text ('null' where JSON.stringify gives undefined); numbers without a call into JSON.stringify (the same text). */
function valueJson(v: unknown): string {
  if (typeof v === 'number') return v - v === 0 ? '' + v : 'null';
  return JSON.stringify(v) ?? 'null';
}

/**
 * One NDJSON line (without newline) of a queued prediction. Throws if a value
 * cannot be serialised (BigInt, cycles). The exporter writes lines with
 * event-writer.ts, straight into its byte buffers; this is the reference those
 * bytes must equal (test/event-writer.test.ts).
 */
export function predictionLine(e: PredictionEvent): string {
  // A generated id is ID_PREFIX (hex and a dash) and a counter: nothing to escape.
  const id = e.id === undefined ? `"${ID_PREFIX}${e.seq}"` : valueJson(e.id);
  let s = `{"id":${id},"ts":${typeof e.ts === 'number' ? e.ts : JSON.stringify(e.ts)},"version":${e.versionJson},"features":${featuresJson(e.features, e.names)}`;
  if (e.prediction !== undefined) s += `,"prediction":${valueJson(e.prediction)}`;
  if (e.scores !== undefined && e.scores !== null) s += `,"scores":${valueJson(e.scores)}`;
  if (e.latencyMs >= 0) s += `,"latency_ms":${Math.round(e.latencyMs * 1000) / 1000}`;
  if (e.error) s += ',"error":true';
  if (e.tags !== undefined && e.tags !== null) s += `,"tags":${valueJson(e.tags)}`;
  return s + '}';
}

/** One NDJSON line of a queued record (an event record given as is, or feedback): its JSON.stringify text, a Date `ts` as epoch ms. */
export function recordLine(r: object): string | undefined {
  const obj = r as Record<string, unknown>;
  if (obj.ts instanceof Date) return JSON.stringify({ ...obj, ts: obj.ts.getTime() });
  return JSON.stringify(r);
}
