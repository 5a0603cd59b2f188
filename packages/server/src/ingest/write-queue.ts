/**
 * The bounded write queue between HTTP handlers and the store, with group commit.
 *
 * Handlers enqueue a prepared batch and await its promise, which resolves only
 * after the store's transaction containing it is durable — so a 2xx means
 * committed. While one transaction commits, new batches queue up; the next
 * transaction takes everything queued (up to `commitEvents` events), so under load
 * many requests share one commit (and one fsync). When the queue holds more than
 * `maxEvents` events or `maxRequests` requests, new batches are refused with
 * {@link QueueFullError} (HTTP 429 with `Retry-After`).
 *
 * If a group fails, its batches are retried one by one so that one bad batch
 * (e.g. a schema changed meanwhile) cannot fail the others.
 */
import type { QueueSettings } from '../config/types.js';
import type { AppendResult, EventBatch, FeedbackBatch, FeedbackResult, Store } from '../store/store.js';

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the write queue is full; retry later');
    this.name = 'QueueFullError';
  }
}

export class QueueClosedError extends Error {
  constructor() {
    super('the server is shutting down');
    this.name = 'QueueClosedError';
  }
}

type Item =
  | { kind: 'events'; batch: EventBatch; resolve: (r: AppendResult) => void; reject: (e: unknown) => void }
  | { kind: 'feedback'; batch: FeedbackBatch; resolve: (r: FeedbackResult) => void; reject: (e: unknown) => void };

export interface WriteQueueHooks {
  /** Called after every transaction with its kind, duration in seconds and record count. */
  onCommit?(kind: 'events' | 'feedback', seconds: number, records: number): void;
  /** Called whenever the queue size changes. */
  onSize?(records: number, requests: number): void;
  /**
   * Called once a transaction is durable, with the batches it committed (before
   * their requests are answered); monitors mark the windows of their event times.
   * Must not throw or block; errors are ignored.
   */
  onCommitted?(committed: { kind: 'events'; batches: readonly EventBatch[] } | { kind: 'feedback'; batches: readonly FeedbackBatch[] }): void;
}

export class WriteQueue {
  private readonly items: Item[] = [];
  private pendingRecords = 0;
  private pendingRequests = 0;
  private running = false;
  private closing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly settings: QueueSettings,
    private readonly hooks: WriteQueueHooks = {},
  ) {}

  /** Records (events + feedback) enqueued or being committed. */
  get records(): number {
    return this.pendingRecords;
  }

  get requests(): number {
    return this.pendingRequests;
  }

  get accepting(): boolean {
    return !this.closing;
  }

  /** Resolves when the events are durable; rejects at once with {@link QueueFullError} or {@link QueueClosedError} when not admitted. */
  appendEvents(batch: EventBatch): Promise<AppendResult> {
    if (batch.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0, duplicateIndexes: [] });
    return new Promise((resolve, reject) => {
      this.admit(batch.length);
      this.items.push({ kind: 'events', batch, resolve, reject });
      this.kick();
    });
  }

  /** Resolves when the feedback is durable; rejects like {@link appendEvents}. */
  upsertFeedback(batch: FeedbackBatch): Promise<FeedbackResult> {
    if (batch.length === 0) return Promise.resolve({ upserted: 0 });
    return new Promise((resolve, reject) => {
      this.admit(batch.length);
      this.items.push({ kind: 'feedback', batch, resolve, reject });
      this.kick();
    });
  }

  /** Whether a batch of `records` would be admitted now. */
  hasRoom(records: number): boolean {
    return !this.closing && this.pendingRequests < this.settings.maxRequests && (this.pendingRecords === 0 || this.pendingRecords + records <= this.settings.maxEvents);
  }

  private admit(records: number): void {
    if (this.closing) throw new QueueClosedError();
    // An oversized single batch is admitted when the queue is empty, so it can never be starved.
    if (!this.hasRoom(records)) throw new QueueFullError(this.settings.retryAfterSeconds);
    this.pendingRecords += records;
    this.pendingRequests++;
    this.hooks.onSize?.(this.pendingRecords, this.pendingRequests);
  }

  private settle(records: number): void {
    this.pendingRecords -= records;
    this.pendingRequests--;
    this.hooks.onSize?.(this.pendingRecords, this.pendingRequests);
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  private takeGroup(): Item[] {
    const first = this.items.shift()!;
    const group: Item[] = [first];
    let records = first.batch.length;
    while (this.items.length > 0) {
      const next = this.items[0];
      if (next.kind !== first.kind || records + next.batch.length > this.settings.commitEvents) break;
      group.push(this.items.shift()!);
      records += next.batch.length;
    }
    return group;
  }

  private async loop(): Promise<void> {
    try {
      while (this.items.length > 0) {
        const group = this.takeGroup();
        try {
          await this.commit(group);
        } catch {
          if (group.length === 1) continue; // commit() already rejected it
          for (const item of group) {
            try {
              await this.commit([item]);
            } catch {
              // rejected individually
            }
          }
        }
      }
    } finally {
      this.running = false;
      if (this.items.length > 0) this.kick();
      else if (this.pendingRequests === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  /** Commits a group; on failure rejects it only when it is a single item (groups are retried item by item). */
  private async commit(group: Item[]): Promise<void> {
    const kind = group[0].kind;
    const records = group.reduce((s, i) => s + i.batch.length, 0);
    const start = process.hrtime.bigint();
    try {
      if (kind === 'events') {
        const batches = group.map((i) => i.batch as EventBatch);
        const results = await this.store.appendEvents(batches);
        this.hooks.onCommit?.(kind, Number(process.hrtime.bigint() - start) / 1e9, records);
        this.committed({ kind, batches });
        group.forEach((item, j) => {
          this.settle(item.batch.length);
          (item.resolve as (r: AppendResult) => void)(results[j]);
        });
      } else {
        const batches = group.map((i) => i.batch as FeedbackBatch);
        const results = await this.store.upsertFeedback(batches);
        this.hooks.onCommit?.(kind, Number(process.hrtime.bigint() - start) / 1e9, records);
        this.committed({ kind, batches });
        group.forEach((item, j) => {
          this.settle(item.batch.length);
          (item.resolve as (r: FeedbackResult) => void)(results[j]);
        });
      }
    } catch (err) {
      if (group.length === 1) {
        this.settle(group[0].batch.length);
        group[0].reject(err);
      }
      throw err;
    }
  }

  private committed(c: Parameters<NonNullable<WriteQueueHooks['onCommitted']>>[0]): void {
    try {
      this.hooks.onCommitted?.(c);
    } catch {
      // A hook failure must not fail a durable commit.
    }
  }

  /** Resolves when everything enqueued so far is committed (or failed). */
  drain(): Promise<void> {
    if (this.pendingRequests === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new batches and waits for the queued ones. */
  async close(): Promise<void> {
    this.closing = true;
    await this.drain();
  }
}
