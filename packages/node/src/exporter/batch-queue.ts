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
import { SpareBuffers } from './spare-buffers.js';
import type { PredictionEvent, EventRecord } from './records.js';

/** Most sent batches kept for reuse. */
const MAX_SPARE_BATCHES = 8;

export class BatchQueue {
  private readonly batches: EventBatch[] = [];
  private open: EventBatch | null = null;
  private rows = 0;
  /** Body buffers kept for reuse (spare-buffers.ts). */
  private readonly spares = new SpareBuffers();
  /**
   * Sent batches, emptied for reuse (their columns' arrays and encodings: see
   * EventBatch.reset). More than one: while a slow service acknowledges the
   * batch in flight, the next ones fill, and a batch new to the process costs
   * fresh typed arrays (~0.5 MB for 5000 flights rows: page faults, zeroing,
   * external-memory GC). Measured in process against modelwatch serve, with
   * one spare kept 63 of 163 batches were new. At most MAX_SPARE_BATCHES;
   * {@link trimSpares} lets them go one by one while idle.
   */
  private readonly spareBatches: EventBatch[] = [];

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

  /**
   * The batch a prediction can be appended to by the encoder's fast path
   * (EventBatch.addPrediction; call {@link added} after it appended), or null
   * while records are kept.
   */
  appendable(): EventBatch | null {
    return this.keepRecords ? null : this.batch();
  }

  /** Appends a ready-made event record, as {@link push}. */
  pushRecord(r: EventRecord): boolean {
    this.batch().addRecord(r);
    return this.added();
  }

  private batch(): EventBatch {
    const b = this.open;
    if (b !== null && b.rows < this.batchSize) return b;
    this.spares.noteOpened();
    let next = this.spareBatches.pop();
    if (next !== undefined) {
      next.reset(this.keepRecords);
    } else next = new EventBatch(this.batchSize, this.keepRecords);
    this.batches.push(next);
    return (this.open = next);
  }

  /** Counts a row appended to the open batch. True when the queue was full and the oldest row was dropped. */
  added(): boolean {
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
    const spare = this.spares.take();
    const body = b.body(spare);
    // An unused spare (too small) goes back.
    if (spare !== null && body.buffer !== spare.buffer) this.spares.keep(spare);
    return body;
  }

  /** Hands back a sent batch's body buffer for the next bodies. */
  recycle(b: EventBatch): void {
    const buf = b.buffer;
    if (buf !== null) this.spares.keep(Buffer.from(buf.buffer, buf.byteOffset, buf.buffer.byteLength - buf.byteOffset));
    if (this.spareBatches.length < MAX_SPARE_BATCHES) this.spareBatches.push(b);
  }

  /** Spare batches held (for tests). */
  get spareBatchCount(): number {
    return this.spareBatches.length;
  }

  /** Lets one spare buffer and one spare batch go (keeping one of each) while idle (see spare-buffers.ts). */
  trimSpares(): void {
    if (this.spares.idle && this.spareBatches.length > 1) this.spareBatches.shift();
    this.spares.trim();
  }
}
