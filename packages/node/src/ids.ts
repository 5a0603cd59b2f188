/**
 * Event ids generated for predictions that have none: a random per-process
 * prefix and a counter (`3f9a1c0d52be-17`), unique across restarts and replicas
 * with overwhelming probability, and cheap: the hot path stores only the counter.
 */
import { randomBytes } from 'node:crypto';

/** This process's id prefix (12 hex characters and a dash). */
export const ID_PREFIX = `${randomBytes(6).toString('hex')}-`;

let counter = 0;

/** The next sequence number of this process (1, 2, …). */
export function nextSeq(): number {
  return ++counter;
}

/** The id string of a sequence number. */
export function idOfSeq(seq: number): string {
  return ID_PREFIX + seq;
}
