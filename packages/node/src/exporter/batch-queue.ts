/**
 * The exporter's queue of prediction events in the columnar format: events
 * already appended to column batches (batch-encoder.ts), oldest first, each
 * batch at most `batchSize` rows — a taken batch is sealed into its request
 * body once. Bounded by a number of rows: past `maxRows` the oldest row is
 * dropped (the batch then leaves its first rows out).
 *
 * As with the NDJSON queue (queue.ts), the records themselves are not held:
 * the columns are typed arrays and dictionaries, so the caller's feature
 * objects die young — unless `keepRecords` (the service might still refuse
 * the format, and the exporter would re-send the rows as NDJSON).
 */
import { EventBatch } from './batch-encoder.js';
import type { PredictionEvent, EventRecord } from './records.js';

/** Most bytes of spare body buffers kept for reuse (see queue.ts). */
const MAX_SPARE_BYTES = 64 * 1024 * 1024;
const MAX_SPARES = 16;

export class BatchQueue {
  private readonly batches: EventBatch[] = [];
  private open: EventBatch | null = null;
  private rows = 0;
  private readonly spares: Buffer[] = [];
  /** A sent batch, emptied for reuse (its columns' arrays and encodings: see EventBatch.reset). */
  private spareBatch: EventBatch | null = null;
  private spareBytes = 0;
  private opened = 0;

  constructor(
    readonly batchSize: number,
    readonly maxRows: number,
    /** Keep each row's record (until {@link forgetRecords}). */
    public keepRecords: boolean,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);
    if (!Number.isInteger(maxRows) || maxRows < 1) throw new RangeError(`maxRows must be a positive integer (got ${maxRows})`);
  }

  /** Rows queued. */
  get size(): number {
    return this.rows;
  }

  /**
   * Appends a prediction. Returns true when the queue was full and the oldest
   * row was dropped. Throws (nothing queued) when it cannot be JSON.
   */
  push(e: PredictionEvent): boolean {
    this.batch().add(e);
    return this.added();
  }

  /** Appends a ready-made event record, as {@link push}. */
  pushRecord(r: EventRecord): boolean {
    this.batch().addRecord(r);
    return this.added();
  }

  private batch(): EventBatch {
    const b = this.open;
    if (b !== null && b.rows < this.batchSize) return b;
    this.opened++;
    let next = this.spareBatch;
    if (next !== null) {
      this.spareBatch = null;
      next.reset(this.keepRecords);
    } else next = new EventBatch(this.batchSize, this.keepRecords);
    this.batches.push(next);
    return (this.open = next);
  }

  private added(): boolean {
    if (++this.rows <= this.maxRows) return false;
    const b = this.batches[0];
    b.start++;
    this.rows--;
    if (b.count === 0) {
      this.batches.shift();
      if (b === this.open) this.open = null;
    }
    return true;
  }

  /** Removes the oldest batch, or null when empty. */
  take(): EventBatch | null {
    const b = this.batches.shift();
    if (b === undefined) return null;
    if (b === this.open) this.open = null;
    this.rows -= b.count;
    return b;
  }

  /** Removes every row; returns how many there were. */
  clear(): number {
    const n = this.rows;
    while (this.take() !== null);
    return n;
  }

  /** The queued records (oldest first) when they were kept, and empties the queue. */
  drainRecords(): (PredictionEvent | EventRecord)[] {
    const out: (PredictionEvent | EventRecord)[] = [];
    for (let b = this.take(); b !== null; b = this.take()) if (b.records !== null) for (let i = b.start; i < b.rows; i++) out.push(b.records[i]);
    return out;
  }

  /** Stops keeping records (the service reads the format): queued batches let theirs go. */
  forgetRecords(): void {
    this.keepRecords = false;
    for (const b of this.batches) b.records = null;
  }

  /** The request body of a taken batch, sealed into a spare buffer when one is large enough. */
  body(b: EventBatch): Buffer {
    if (b.buffer !== null) return b.buffer;
    let spare: Buffer | null = null;
    if (this.spares.length > 0) {
      spare = this.spares.pop()!;
      this.spareBytes -= spare.length;
    }
    const body = b.body(spare);
    // An unused spare (too small) goes back.
    if (spare !== null && body.buffer !== spare.buffer) this.keep(spare);
    return body;
  }

  /** Hands back a sent batch's body buffer for the next bodies. */
  recycle(b: EventBatch): void {
    const buf = b.buffer;
    if (buf !== null) this.keep(Buffer.from(buf.buffer, buf.byteOffset, buf.buffer.byteLength - buf.byteOffset));
    this.spareBatch = b;
  }

  private keep(buf: Buffer): void {
    if (this.spares.length < MAX_SPARES && this.spareBytes + buf.length <= MAX_SPARE_BYTES) {
      this.spares.push(buf);
      this.spareBytes += buf.length;
    }
  }

  /** Lets one spare buffer go (keeping one) when no batch was opened since the last call. */
  trimSpares(): void {
    if (this.opened === 0 && this.spares.length > 1) this.spareBytes -= this.spares.shift()!.length;
    this.opened = 0;
  }
}
