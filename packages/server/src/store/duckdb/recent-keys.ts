/**
 * The `(id, ts)` keys of recently appended events, per model, kept in memory
 * so that most event commits need no duplicate query.
 *
 * Each key is kept as a 31-bit fingerprint in an open-addressing table picked
 * by a second, independent 32-bit hash — so a lookup can report a key that was
 * never added (about one in 10⁹ lookups), never miss one that was. A model's
 * keys are exact about events later than its *floor*: every stored event with
 * `ts > floor` has its key here. The floor starts at the newest event time
 * stored when the process first appends to the model (earlier events were
 * written by another process), and rises when old keys are dropped to bound
 * memory: a model has at most two tables ("segments": a lookup costs a cache
 * miss in each), dropped oldest first, and the floor rises to the latest event
 * time a dropped segment held.
 *
 * So {@link RecentKeys.admit} can tell a group of batches is free of duplicates
 * — no key seen before, none repeated, every event later than the floor —
 * without asking DuckDB; anything else is "maybe" and the caller runs the exact
 * SQL check. Keys are added when admitted, before the commit: a key whose
 * transaction then fails stays as a harmless false "maybe" (deleted events,
 * e.g. by retention, likewise).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EventBatch } from '../store.js';
import { keyHashesOf, storedMicros } from './key-hash.js';
import { quoteIdent } from './sql.js';

/** Keys of the first segment of a model; later ones double up to {@link MAX_SEGMENT_KEYS}. */
const FIRST_SEGMENT_KEYS = 1 << 16;
const MAX_SEGMENT_KEYS = 1 << 20;
const SEGMENTS_PER_MODEL = 2;

class Segment {
  readonly slots: Uint32Array;
  readonly mask: number;
  readonly capacity: number;
  size = 0;
  /** Latest event time (µs) of a key added here. */
  maxUs = -Infinity;

  constructor(readonly modelId: number, keys: number) {
    this.capacity = keys;
    this.slots = new Uint32Array(keys * 2); // load factor at most 1/2
    this.mask = keys * 2 - 1;
  }

  has(h: number, fp: number): boolean {
    const { slots, mask } = this;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = slots[s];
      if (v === 0) return false;
      if (v === fp) return true;
    }
  }

  add(h: number, fp: number): void {
    const { slots, mask } = this;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = slots[s];
      if (v === fp) return;
      if (v === 0) {
        slots[s] = fp;
        this.size++;
        return;
      }
    }
  }
}

/** Slot indexes wrap with a mask: table sizes are powers of two. */
function powerOfTwoAtMost(n: number): number {
  return 2 ** Math.floor(Math.log2(Math.max(1, n)));
}

interface ModelKeys {
  /** Every stored event later than this (µs) has its key in `segments`. */
  floorUs: number;
  /** Oldest first; keys are added to the last. */
  segments: Segment[];
}

/** Outcome of {@link RecentKeys.admit}. */
export type Admission = 'clean' | 'maybe';

export class RecentKeys {
  private readonly models = new Map<number, ModelKeys>();
  /** All segments, oldest first (for the memory bound). */
  private readonly all: Segment[] = [];
  private keys = 0;

  /**
   * @param maxKeys most keys held over all models, ~8 bytes each (a 4-byte slot
   * at most half full). The default, 2M keys (16 MiB), covers the last 1–2M
   * events of a busy model: seconds at full speed, hours at a few thousand a second.
   */
  constructor(private readonly maxKeys = 2 * MAX_SEGMENT_KEYS) {}

  /** Whether the floor of model `id` is known (else {@link admit} needs `newestStoredUs`). */
  knows(id: number): boolean {
    return this.models.has(id);
  }

  /**
   * Adds the keys of `batches[indexes]` of model `id` and tells whether the
   * group is certainly free of duplicates. `newestStoredUs` (the latest stored
   * event time, µs; -Infinity for none) is needed the first time a model is
   * seen — see {@link knows}.
   */
  admit(id: number, batches: readonly EventBatch[], indexes: readonly number[], newestStoredUs?: number): Admission {
    let m = this.models.get(id);
    if (!m) {
      if (newestStoredUs === undefined) throw new Error('internal: the newest stored event time is needed');
      m = { floorUs: newestStoredUs, segments: [] };
      this.models.set(id, m);
    }
    let clean = true;
    for (const i of indexes) {
      const b = batches[i];
      const ts = b.ts;
      const hashes = keyHashesOf(b);
      for (let r = 0; r < b.length; r++) {
        const us = storedMicros(ts[r]);
        if (us <= m.floorUs) {
          clean = false; // older than what is known: only the SQL check can tell
          continue;
        }
        const h = hashes[2 * r];
        const fp = hashes[2 * r + 1];
        if (clean) {
          for (const seg of m.segments) {
            if (seg.has(h, fp)) {
              clean = false;
              break;
            }
          }
        }
        const seg = this.writable(id, m);
        seg.add(h, fp);
        if (us > seg.maxUs) seg.maxUs = us;
      }
    }
    return clean ? 'clean' : 'maybe';
  }

  /** Forgets a model (its table was dropped). */
  forget(id: number): void {
    const m = this.models.get(id);
    if (!m) return;
    this.models.delete(id);
    for (const seg of m.segments) this.unlist(seg);
  }

  /** Keys held over all models (for tests). */
  get size(): number {
    let n = 0;
    for (const s of this.all) n += s.size;
    return n;
  }

  /** The floor of model `id` in µs (for tests), undefined when unknown. */
  floorOf(id: number): number | undefined {
    return this.models.get(id)?.floorUs;
  }

  /** The segment to add to: the model's last, or a new one when it is full. */
  private writable(id: number, m: ModelKeys): Segment {
    const last = m.segments[m.segments.length - 1];
    if (last && last.size < last.capacity) return last;
    const keys = powerOfTwoAtMost(Math.min(MAX_SEGMENT_KEYS, this.maxKeys, last ? last.capacity * 2 : FIRST_SEGMENT_KEYS));
    // A model keeps two segments; make room under the budget by dropping the
    // oldest segments (of any model), raising their model's floor.
    if (m.segments.length >= SEGMENTS_PER_MODEL) this.drop(m.segments[0]);
    while (this.all.length > 0 && this.keys + keys > this.maxKeys) this.drop(this.all[0]);
    const seg = new Segment(id, keys);
    m.segments.push(seg);
    this.all.push(seg);
    this.keys += keys;
    return seg;
  }

  private drop(seg: Segment): void {
    const m = this.models.get(seg.modelId);
    if (m) {
      const at = m.segments.indexOf(seg);
      if (at >= 0) m.segments.splice(at, 1);
      if (seg.maxUs > m.floorUs) m.floorUs = seg.maxUs;
    }
    this.unlist(seg);
  }

  private unlist(seg: Segment): void {
    const at = this.all.indexOf(seg);
    if (at >= 0) {
      this.all.splice(at, 1);
      this.keys -= seg.capacity;
    }
  }
}

/**
 * {@link RecentKeys.admit} for a model's events table on `conn` (inside the
 * append's transaction), reading the newest stored event time the first time.
 */
export async function admitKeys(
  keys: RecentKeys,
  conn: DuckDBConnection,
  id: number,
  table: string,
  batches: readonly EventBatch[],
  indexes: readonly number[],
): Promise<Admission> {
  let newest: number | undefined;
  if (!keys.knows(id)) {
    const res = await conn.runAndReadAll(`SELECT epoch_us(max(ts)) FROM ${quoteIdent(table)}`);
    const v = res.getRows()[0]?.[0];
    newest = v === null || v === undefined ? -Infinity : Number(v);
  }
  return keys.admit(id, batches, indexes, newest);
}
