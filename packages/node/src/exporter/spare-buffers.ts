/**
 * Request-body buffers kept for reuse by the exporter's queues (queue.ts for
 * NDJSON lines, batch-queue.ts for columnar batches).
 *
 * Why keep them: a buffer new to the process costs a page fault per 4 KiB page
 * written (~12 µs each on the virtual machine we measured on: 0.5–0.9 µs per
 * event when batches got fresh buffers). More than one: while batches wait for
 * the one in flight (a slow service) the next ones fill. {@link trim} gives
 * them back one by one while the queue is idle.
 */

/** Most bytes of spare buffers kept: the rest are left to the GC. */
export const MAX_SPARE_BYTES = 64 * 1024 * 1024;
/** Most spare buffers kept. */
const MAX_SPARES = 16;

export class SpareBuffers {
  private readonly list: Buffer[] = [];
  private bytes = 0;
  /** Batches opened since the last {@link trim}. */
  private opened = 0;

  /** Spare buffers held (for tests). */
  get count(): number {
    return this.list.length;
  }

  /** No batch was opened since the last {@link trim}. */
  get idle(): boolean {
    return this.opened === 0;
  }

  /** Notes that a batch was opened (the queue is not idle). */
  noteOpened(): void {
    this.opened++;
  }

  /** Keeps `buf` for reuse, when there is room. */
  keep(buf: Buffer): void {
    if (this.list.length < MAX_SPARES && this.bytes + buf.length <= MAX_SPARE_BYTES) {
      this.list.push(buf);
      this.bytes += buf.length;
    }
  }

  /** A kept buffer of at least `min` bytes, the most recently kept first, taken out of the pool; null when none. */
  take(min = 0): Buffer | null {
    const list = this.list;
    for (let i = list.length - 1; i >= 0; i--) {
      const buf = list[i];
      if (buf.length >= min) {
        list[i] = list[list.length - 1];
        list.pop();
        this.bytes -= buf.length;
        return buf;
      }
    }
    return null;
  }

  /** Lets one spare buffer go (keeping one) when no batch was opened since the last call: memory returns while idle. */
  trim(): void {
    if (this.opened === 0 && this.list.length > 1) this.bytes -= this.list.shift()!.length;
    this.opened = 0;
  }
}
