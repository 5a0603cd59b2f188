/**
 * Hashes of event keys `(id, ts)` for the in-memory duplicate check
 * (recent-keys.ts): two independent 32-bit hashes per event, over the id's
 * UTF-16 units and the event time as stored (whole microseconds). Parse
 * workers compute them next to the parsing (ingest/parse-worker.ts) and attach
 * them to the batch they hand over, so the main thread only looks them up.
 */
import type { EventBatch } from '../store.js';

const TWO_32 = 4294967296;

/** The stored event time (µs) of epoch milliseconds `ms`: what append.ts writes, and what the keys hash. */
export function storedMicros(ms: number): number {
  return Math.round(ms * 1000);
}

/** `out[2r]`, `out[2r+1]`: the two hashes of row `r` (the second never 0). */
export function keyHashes(ids: readonly string[], ts: Float64Array, n: number): Uint32Array {
  const out = new Uint32Array(2 * n);
  for (let r = 0; r < n; r++) {
    const id = ids[r];
    const us = storedMicros(ts[r]);
    let a = 0x9747b28c ^ id.length;
    let b = 0x85ebca6b ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x5bd1e995);
      a ^= a >>> 15;
      b = Math.imul(b ^ c, 0x27d4eb2d);
      b ^= b >>> 13;
    }
    const hi = Math.floor(us / TWO_32);
    const lo = us - hi * TWO_32;
    a = Math.imul(a ^ lo, 0x5bd1e995);
    a = Math.imul(a ^ (a >>> 13) ^ hi, 0xc2b2ae35);
    b = Math.imul(b ^ hi, 0x27d4eb2d);
    b = Math.imul(b ^ (b >>> 15) ^ lo, 0x85ebca6b);
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    b ^= b >>> 16;
    b = Math.imul(b, 0xc2b2ae35);
    b ^= b >>> 16;
    out[2 * r] = a >>> 0;
    out[2 * r + 1] = (b | 1) >>> 0; // a fingerprint is never 0 (an empty slot)
  }
  return out;
}

// Hashes computed off-thread, by batch. A batch is not changed after it is built.
const attached = new WeakMap<EventBatch, Uint32Array>();

/** Records the hashes of `batch` (computed by {@link keyHashes} from its ids and ts). */
export function attachKeyHashes(batch: EventBatch, hashes: Uint32Array): void {
  if (hashes.length === 2 * batch.length) attached.set(batch, hashes);
}

/** The hashes of `batch`: attached ones, else computed now. */
export function keyHashesOf(batch: EventBatch): Uint32Array {
  return attached.get(batch) ?? keyHashes(batch.ids, batch.ts, batch.length);
}
