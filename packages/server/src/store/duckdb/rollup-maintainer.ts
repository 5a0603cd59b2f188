/**
 * When the dashboard rollups (rollups.ts) are folded: in the background,
 * after commits, at start, when a read found stale hours, and for histogram
 * edge sets asked for; and what the reads may trust meanwhile (the events
 * table's row count at the last complete fold, the hours written since).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { CHUNK_EVENTS, ROLLUP_MS, buildHistogramSet, edgesKey, foldChunk, foldDelta } from './rollups.js';
import type { RollupBase, RollupLayout } from './rollups.js';
import type { PhysicalColumn } from './sql.js';

/** Longest a fold, or a full check, waits for commits to pause. */
export const MAX_FOLD_DELAY_MS = 30_000;
/** Folds by kind since the process started (tests, diagnostics): delta chunks, and full-check transactions. */
export const foldCounts = { delta: 0, full: 0 };

/** Delta chunks folded per model in one pass (each its own write transaction) before the pass lets the next one go on. */
const MAX_DELTA_CHUNKS = 8;

export interface RollupLogger {
  info?(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Writer access the maintainer needs from the store. */
export interface RollupHost {
  /** Runs `fn` under the store's write lock in one transaction on the writer connection. */
  write<T>(fn: (w: DuckDBConnection) => Promise<T>): Promise<T>;
  layouts(): RollupLayout[];
}

/**
 * Background maintenance: folds what was appended into every model's
 * rollups, a chunk per write transaction, and records per model the events
 * table's row count when its rollups are complete (the reads' fast path).
 *
 * A fold waits for `delayMs` without commits (at most `maxDelayMs` under
 * steady traffic). Once a model's rollups are complete, later folds are
 * deltas: only the events appended since (by row id) are aggregated and
 * merged into their hours, so steady traffic costs what it adds, however
 * busy the live hour. A full check (every hour's count against its rollup,
 * a scan of every event, stale hours refolded whole) runs at start, after
 * retention or a schema change, and when the table is not what the deltas
 * expect — preferably once commits pause for `delayMs`, at the latest
 * `maxDelayMs` after it became due. Reads stay exact meanwhile, scanning
 * the hours not folded.
 */
export class RollupMaintainer {
  /** Model id → events table row count when its rollups were last complete. */
  readonly complete = new Map<number, number>();
  /** Model id → the rollups' base (row count and row-id end) when last complete: where the next delta starts. */
  private readonly bases = new Map<number, RollupBase>();
  /** When a full check was first put off for commits that kept coming (0: none waiting). */
  private checkDueSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private log: RollupLogger | undefined;
  private firstPass = true;
  /** Hours written since the last pass, per model name (from the commit hook). */
  private readonly touched = new Map<string, Set<number>>();
  /** Touched hours a running pass is folding, per model name (until it knows the rollups complete again). */
  private readonly folding = new Map<string, Set<number>>();
  /** Last commit noted, and the first one not folded yet (wall clock, ms). */
  private lastNoteAt = 0;
  private pendingSince = 0;

  constructor(
    private readonly host: RollupHost,
    private readonly delayMs = 2000,
    private readonly maxDelayMs = MAX_FOLD_DELAY_MS,
    private readonly chunkEvents = CHUNK_EVENTS,
  ) {}

  private setComplete(id: number, base: RollupBase): void {
    this.complete.set(id, base.count);
    this.bases.set(id, base);
  }

  private unsetComplete(id: number): void {
    this.complete.delete(id);
    this.bases.delete(id);
  }

  /** No commit noted for `delayMs`. */
  private quiet(): boolean {
    return Date.now() - this.lastNoteAt >= this.delayMs;
  }

  setLogger(log: RollupLogger): void {
    this.log = log;
  }

  /** Folds soon (debounced); `now` starts at once. */
  schedule(now = false): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer && !now) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Commits still arriving: wait for a pause (up to maxDelayMs).
      const now = Date.now();
      if (!this.quiet() && this.pendingSince > 0 && now - this.pendingSince < this.maxDelayMs) {
        this.timer = setTimeout(() => this.schedule(true), this.delayMs - (now - this.lastNoteAt));
        this.timer.unref?.();
        return;
      }
      this.pendingSince = 0;
      this.running = this.pass().finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
    }, now ? 0 : this.delayMs);
    this.timer.unref?.();
  }

  /** Edge sets asked for and not built yet: key → what to build. */
  private readonly histogramRequests = new Map<string, { l: RollupLayout; c: PhysicalColumn; edges: number[] }>();

  /** Edge sets asked for once (not built): a set is built when asked for again (edges from a reference repeat; a range's own do not). */
  private readonly histogramAsked = new Set<string>();

  /** Asks for a column's histogram on these edges to be kept: on the second request, built by the next pass. */
  requestHistogram(l: RollupLayout, c: PhysicalColumn, edges: readonly number[]): void {
    const key = `${l.id}\u0000${c.physical}\u0000${edgesKey(edges)}`;
    if (this.histogramRequests.has(key) || this.closed) return;
    if (!this.histogramAsked.has(key)) {
      if (this.histogramAsked.size > 1000) this.histogramAsked.clear();
      this.histogramAsked.add(key);
      return;
    }
    this.histogramAsked.delete(key);
    this.histogramRequests.set(key, { l, c, edges: [...edges] });
    this.schedule();
  }

  /** The reads' view ({@link RollupKnown}): the last complete count and every hour written since. */
  known(id: number, model: string): { complete: number | undefined; touched: number[] } {
    const complete = this.complete.get(id);
    if (complete === undefined) return { complete, touched: [] };
    return { complete, touched: [...(this.touched.get(model) ?? []), ...(this.folding.get(model) ?? [])] };
  }

  /** Notes the hours of committed events (folded by the next pass without a full check). */
  note(model: string, ts: ArrayLike<number>): void {
    let set = this.touched.get(model);
    if (!set) this.touched.set(model, (set = new Set()));
    let last = NaN;
    for (let i = 0; i < ts.length; i++) {
      const h = Math.floor(ts[i] / ROLLUP_MS) * ROLLUP_MS;
      if (h !== last) set.add((last = h));
    }
    this.lastNoteAt = Date.now();
    if (this.pendingSince === 0) this.pendingSince = this.lastNoteAt;
    this.schedule();
  }

  /** Marks a model's rollups as not known complete (writes that are not appends: retention, schema changes). */
  invalidate(id?: number): void {
    if (id === undefined) {
      this.complete.clear();
      this.bases.clear();
    } else this.unsetComplete(id);
  }

  /** Resolves once no fold is running or scheduled (folding what is pending at once). */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.running = this.pass(true).finally(() => {
          this.running = null;
          if (this.again) {
            this.again = false;
            this.schedule();
          }
        });
      }
      await this.running;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One fold of every model; `force` runs full checks even while commits keep coming. */
  private async pass(force = false): Promise<void> {
    const started = performance.now();
    let folded = 0;
    let events = 0;
    try {
      for (const l of this.host.layouts()) {
        const touched = this.touched.get(l.model);
        this.touched.delete(l.model);
        if (this.bases.has(l.id)) {
          // Complete before: fold what was appended since, no full check needed.
          if (!touched || touched.size === 0) continue;
          // Reads keep treating these hours as touched until the new complete count is known.
          this.folding.set(l.model, touched);
          try {
            let ok = false;
            for (let chunk = 0; ; chunk++) {
              if (this.closed) return;
              // The base is read under the write lock: retention or a schema change (which unset it) cannot slip in between.
              const r = await this.host.write(async (w) => {
                const base = this.bases.get(l.id);
                return base ? foldDelta(w, l, base, this.chunkEvents) : null;
              });
              if (r === null) break;
              foldCounts.delta++;
              this.setComplete(l.id, r.base);
              if (r.remaining === 0) {
                ok = true;
                break;
              }
              if (chunk + 1 >= MAX_DELTA_CHUNKS) {
                // More appended than one pass folds: the hours stay touched (the reads' view) and the next pass goes on.
                let set = this.touched.get(l.model);
                if (!set) this.touched.set(l.model, (set = new Set()));
                for (const h of touched) set.add(h);
                this.again = true;
                ok = true;
                break;
              }
            }
            if (ok) continue;
            this.unsetComplete(l.id);
          } finally {
            this.folding.delete(l.model);
          }
        }
        // A full check: every hour's count against its rollup, a chunk of stale hours per transaction; bounded
        // (under continuous ingest new commits keep hours stale; the next pass goes on). Preferably in a pause of commits.
        if (!force && !this.firstPass && !this.quiet()) {
          const now = Date.now();
          if (this.checkDueSince === 0) this.checkDueSince = now;
          if (now - this.checkDueSince < this.maxDelayMs) {
            this.again = true;
            continue;
          }
        }
        let budget = Infinity;
        for (;;) {
          if (this.closed) return;
          const r = await this.host.write((w) => foldChunk(w, l));
          foldCounts.full++;
          if ('base' in r) {
            this.setComplete(l.id, r.base);
            this.checkDueSince = 0;
            break;
          }
          this.unsetComplete(l.id);
          folded += r.folded;
          events += r.events;
          if (budget === Infinity) budget = 2 + Math.ceil((r.folded + r.remaining) / Math.max(1, r.folded));
          if (--budget <= 0) {
            this.again = true;
            break;
          }
          if (r.remaining > 0 || this.firstPass) {
            this.log?.info?.({ model: l.model, hoursFolded: folded, eventsFolded: events, hoursRemaining: r.remaining, seconds: +((performance.now() - started) / 1000).toFixed(1) }, 'dashboard rollups: folding');
          }
        }
      }
      for (const [key, r] of [...this.histogramRequests]) {
        if (this.closed) return;
        const t0 = performance.now();
        await this.host.write((w) => buildHistogramSet(w, r.l, r.c, r.edges, this.bases.get(r.l.id)?.rowEnd));
        this.histogramRequests.delete(key);
        this.log?.info?.({ model: r.l.model, column: r.c.name, bins: r.edges.length + 1, seconds: +((performance.now() - t0) / 1000).toFixed(2) }, 'dashboard rollups: histogram edges kept');
      }
      if (folded > 0 && this.firstPass) this.log?.info?.({ hours: folded, events, seconds: +((performance.now() - started) / 1000).toFixed(1) }, 'dashboard rollups: up to date');
      this.firstPass = false;
    } catch (err) {
      // Reads stay exact (they check hours against the events); the next pass starts with a full check.
      this.invalidate();
      if (!this.closed) this.log?.error({ err }, 'dashboard rollups: fold failed (reads stay exact, scanning events)');
    }
  }
}
