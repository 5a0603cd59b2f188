/**
 * The exporter's queue: NDJSON lines already written as UTF-8 bytes, oldest
 * first, grouped into batches of at most `batchSize` lines, each batch one
 * growing byte buffer — a taken batch is a request body as it is (no array of
 * records, no join, no copy). Bounded by a number of lines: past `maxLines` the
 * oldest line is dropped.
 *
 * Why bytes rather than the records: records waiting for their batch (up to
 * `flushIntervalMs`) survive young-generation collections and get promoted, so
 * each queued record — and the request body it points to — used to cost a
 * copy into the old generation and a share of a mark-compact. Lines in a
 * Buffer live outside the JS heap, and the records die young.
 */
import { MAX_SPARE_BYTES, SpareBuffers } from './spare-buffers.js';

/**
 * A batch of lines: `buf[start, end)` holds `count` lines, each ending in `\n`
 * (JSON text never contains a raw newline, so `\n` delimits lines).
 */
export class LineBatch {
  count = 0;
  /** Lines ever written (dropped ones included): a batch takes at most `batchSize`. */
  written = 0;
  start = 0;
  end = 0;

  constructor(public buf: Buffer) {}

  /** The request body. */
  body(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }
}

export class LineQueue {
  private readonly batches: LineBatch[] = [];
  /** Batches before this index are closed (full or taken): the last one may still be written. */
  private open: LineBatch | null = null;
  private lines = 0;
  /** Mean bytes per line of the closed batches, to size the next buffer. */
  private bytesPerLine = 256;
  private readonly spares = new SpareBuffers();

  constructor(
    readonly batchSize: number,
    readonly maxLines: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);
    if (!Number.isInteger(maxLines) || maxLines < 1) throw new RangeError(`maxLines must be a positive integer (got ${maxLines})`);
  }

  /** Lines queued. */
  get size(): number {
    return this.lines;
  }

  /**
   * Appends one line (`\n` is added). Returns true when the queue was full and
   * the oldest line was dropped to make room.
   */
  push(line: string): boolean {
    const b = this.lineBatch();
    const end = b.end;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit: measure only when that might not fit.
    if (end + line.length * 3 + 1 > b.buf.length) {
      const need = end + Buffer.byteLength(line, 'utf8') + 1;
      if (need > b.buf.length) this.grow(b, need);
    }
    return this.endLine(b, end + b.buf.write(line, end, 'utf8'));
  }

  /**
   * The batch the next line goes into (a new one when the open one is full).
   * A writer puts the line's bytes at `b.buf[b.end …]` (see {@link grow}), then
   * calls {@link endLine}; until then nothing is queued.
   */
  lineBatch(): LineBatch {
    const b = this.open;
    return b === null || b.written === this.batchSize ? this.openBatch() : b;
  }

  /** Makes `b.buf` at least `need` bytes long (its bytes before `b.end` kept and the line being written up to `upTo`); returns it. */
  grow(b: LineBatch, need: number, upTo = b.end): Buffer {
    const bigger = Buffer.allocUnsafeSlow(Math.max(need, b.buf.length * 2));
    b.buf.copy(bigger, 0, 0, upTo);
    return (b.buf = bigger);
  }

  /**
   * Ends the line written at `b.buf[b.end, end)` (adds `\n`; room for it must be
   * there). Returns true when the queue was full and the oldest line was dropped.
   */
  endLine(b: LineBatch, end: number): boolean {
    b.buf[end++] = 10;
    b.end = end;
    b.count++;
    b.written++;
    if (++this.lines > this.maxLines) {
      this.dropOldest();
      return true;
    }
    return false;
  }

  /** Removes the oldest batch (at most `batchSize` lines), or null when empty. */
  take(): LineBatch | null {
    const b = this.batches.shift();
    if (b === undefined) return null;
    if (b === this.open) this.close(b);
    this.lines -= b.count;
    return b;
  }

  /** Removes every line; returns how many there were. */
  clear(): number {
    const n = this.lines;
    while (this.take() !== null);
    return n;
  }

  /** Hands back a sent batch's buffer for the next batches. */
  recycle(b: LineBatch): void {
    this.spares.keep(b.buf);
  }

  /** Lets one spare buffer go (keeping one) while idle (see spare-buffers.ts). */
  trimSpares(): void {
    this.spares.trim();
  }

  /** Spare buffers held (for tests). */
  get spareCount(): number {
    return this.spares.count;
  }

  private openBatch(): LineBatch {
    if (this.open !== null) this.close(this.open);
    const want = Math.min(MAX_SPARE_BYTES, Math.max(4096, Math.ceil(this.bytesPerLine * 1.1) * Math.min(this.batchSize, this.maxLines)));
    this.spares.noteOpened();
    const buf = this.spares.take(want >> 1) ?? Buffer.allocUnsafeSlow(want);
    const b = new LineBatch(buf);
    this.batches.push(b);
    this.open = b;
    return b;
  }

  private close(b: LineBatch): void {
    if (b.written > 0) this.bytesPerLine = Math.max(16, b.end / b.written);
    if (this.open === b) this.open = null;
  }

  private dropOldest(): void {
    const b = this.batches[0];
    b.start = b.buf.indexOf(10, b.start) + 1;
    b.count--;
    this.lines--;
    if (b.count === 0) {
      this.batches.shift();
      if (b === this.open) this.close(b);
      this.recycle(b);
    }
  }
}
