/**
 * What the exporter queues and how it is written as NDJSON for
 * `POST /v1/models/{model}/events` and `/feedback` (packages/server README).
 *
 * A prediction is queued as a {@link PredictionEvent} holding references to the
 * caller's objects (features, scores, tags): copying or serialising them on the
 * request path would cost more than everything else together. They are
 * serialised when the batch is sent, so callers must not mutate them after the
 * prediction (the usual case: a request body, a fresh feature object).
 */
import { idOfSeq } from '../ids.js';

/** One queued prediction. Fixed shape (a class) so that V8 keeps one hidden class. */
export class PredictionEvent {
  constructor(
    /** The caller's id, or undefined for a generated one from `seq`. */
    readonly id: string | number | undefined,
    readonly seq: number,
    /** Event time, epoch milliseconds. */
    readonly ts: number,
    readonly version: string,
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

  /** The event id as sent. */
  get eventId(): string | number {
    return this.id ?? idOfSeq(this.seq);
  }
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
  return JSON.stringify(features);
}

/** One NDJSON line (without newline) of a queued prediction. Throws if a value cannot be serialised (BigInt, cycles). */
export function predictionLine(e: PredictionEvent): string {
  let s = `{"id":${JSON.stringify(e.eventId)},"ts":${e.ts},"version":${JSON.stringify(e.version)},"features":${featuresJson(e.features, e.names)}`;
  if (e.prediction !== undefined) s += `,"prediction":${JSON.stringify(e.prediction) ?? 'null'}`;
  if (e.scores !== undefined && e.scores !== null) s += `,"scores":${JSON.stringify(e.scores)}`;
  if (e.latencyMs >= 0) s += `,"latency_ms":${Math.round(e.latencyMs * 1000) / 1000}`;
  if (e.error) s += ',"error":true';
  if (e.tags !== undefined && e.tags !== null) s += `,"tags":${JSON.stringify(e.tags)}`;
  return s + '}';
}

/** One NDJSON line of a queued record (an event record given as is, or feedback). */
export function recordLine(r: object): string {
  const obj = r as Record<string, unknown>;
  if (obj.ts instanceof Date) return JSON.stringify({ ...obj, ts: obj.ts.getTime() });
  return JSON.stringify(r);
}
