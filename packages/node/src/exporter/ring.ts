/**
 * A fixed-capacity FIFO queue that overwrites its oldest item when full: the
 * exporter's memory bound. `push` is a store and two index updates.
 */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private head = 0; // index of the oldest item
  private length = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer (got ${capacity})`);
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.length;
  }

  /** Appends `item`; when full, the oldest item is overwritten and `true` is returned (one dropped). */
  push(item: T): boolean {
    const cap = this.capacity;
    if (this.length === cap) {
      this.items[this.head] = item;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      return true;
    }
    let tail = this.head + this.length;
    if (tail >= cap) tail -= cap;
    this.items[tail] = item;
    this.length++;
    return false;
  }

  /** Removes and returns up to `n` of the oldest items, oldest first. */
  take(n: number): T[] {
    const k = Math.min(n, this.length);
    const out = new Array<T>(k);
    const cap = this.capacity;
    for (let i = 0; i < k; i++) {
      out[i] = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
    }
    this.length -= k;
    return out;
  }

  /** Removes every item; returns how many there were. */
  clear(): number {
    const n = this.length;
    this.take(n);
    return n;
  }
}
