/**
 * When monitors run: after events or feedback are committed, the windows their
 * event times fall in are marked dirty; once a dirty window has closed (its end
 * has passed on the wall clock) and marks have been quiet for `debounceMs`, it is
 * evaluated, its results stored (one per monitor × version × window) and handed
 * to the result listeners (alerts, Prometheus export).
 *
 * Because windows are marked by event time, replaying history with old
 * timestamps evaluates exactly the windows those events belong to, and a late
 * event re-evaluates its (closed) window: the stored results end up those of
 * living through the history. Feedback marks the model-quality windows of the
 * events it labels.
 *
 * Marking is cheap and never blocks a commit; evaluation runs in the background,
 * a bounded number of windows at a time, oldest first; a window is never
 * evaluated twice at once (marks that arrive meanwhile evaluate it again
 * afterwards). Windows without events get no result.
 *
 * Dirty marks live in memory. At start the windows after each monitor's latest
 * stored result are marked (catch-up after downtime); backfill marks not yet
 * evaluated when the process died are not recovered.
 *
 * Monitors defined over the API change while the service runs: such a change
 * runs under {@link MonitorScheduler.redefine}, and results are stored only for
 * monitors whose definition is still the one they were evaluated with, so an
 * evaluation that was running when a monitor changed never stores a result of
 * the old definition after the change. {@link MonitorScheduler.markMonitors}
 * then marks every window of the new or changed monitors.
 */
import type { ModelwatchConfig } from '../config/types.js';
import type { ReferenceProvider } from '../reference/types.js';
import type { EventBatch, FeedbackBatch, ModelRecord, ResultRecord, Store } from '../store/store.js';
import { groupKey, monitorsOf } from './definitions.js';
import type { ResolvedMonitor } from './definitions.js';
import { evaluateWindow } from './evaluate.js';
import type { MonitorResult, ResultListener } from './result.js';
import { CUMULATIVE_ORIGIN, affectedEnds, countEnds, isWindowEnd } from './windows.js';
import type { EndRange } from './windows.js';

/** The few logger methods used (pino's, Fastify's). */
export interface MonitorLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MonitorSchedulerOptions {
  /** Quiet time after the last mark before due windows are evaluated (default 1000 ms). */
  debounceMs?: number;
  /** Longest a due window waits while marks keep arriving (default 10 s). */
  maxDelayMs?: number;
  /** Windows (groups of monitors) evaluated at once (default 2). */
  concurrency?: number;
  /** The wall clock, epoch ms (tests). */
  now?: () => number;
  log?: MonitorLogger;
  /** Called for every stored result with its evaluation time (the `modelwatch_monitor_evaluation_seconds` histogram). */
  onEvaluation?: (model: string, monitor: string, seconds: number) => void;
}

/** A window waiting for evaluation. */
interface DirtyWindow {
  model: string;
  monitor: string;
  version: string | null;
  end: number;
}

/** Event times of a model, per version, to mark windows with. */
interface Marks {
  model: string;
  byVersion: Map<string, number[]>;
  all: number[];
}

/** The latest time events may carry (ingest accepts years 1900–2199). */
const TIME_LIMIT = Date.UTC(2200, 0, 1);
/** More marks than this from one batch are logged (a cumulative monitor over a long history). */
const MANY_MARKS = 50_000;

const keyOf = (d: DirtyWindow) => `${d.model}\u0000${d.monitor}\u0000${d.version === null ? '\u0001' : `=${d.version}`}\u0000${d.end}`;

function groupTimes(model: string, ts: ArrayLike<number>, versions: readonly string[]): Marks {
  const byVersion = new Map<string, number[]>();
  const all: number[] = new Array(ts.length);
  let lastVersion: string | undefined;
  let list: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    all[i] = ts[i];
    const v = versions[i];
    if (v !== lastVersion) {
      lastVersion = v;
      let l = byVersion.get(v);
      if (!l) byVersion.set(v, (l = []));
      list = l;
    }
    list.push(ts[i]);
  }
  return { model, byVersion, all };
}

export class MonitorScheduler {
  private readonly dirty = new Map<string, DirtyWindow>();
  private readonly running = new Set<string>();
  private readonly listeners: ResultListener[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly horizons = new Map<string, number>();
  private readonly idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private firstMarkAt: number | null = null;
  private run: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** Serialises monitor (re)definitions with the check-and-store of results. */
  private definitionTail: Promise<unknown> = Promise.resolve();
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly references: ReferenceProvider,
    private readonly config: ModelwatchConfig,
    private readonly options: MonitorSchedulerOptions = {},
  ) {
    this.debounceMs = Math.max(0, options.debounceMs ?? 1000);
    this.maxDelayMs = Math.max(this.debounceMs, options.maxDelayMs ?? 10_000);
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
    this.now = options.now ?? Date.now;
  }

  /** Where failures are logged (the app's logger once it exists). */
  setLogger(log: MonitorLogger): void {
    this.options.log = log;
  }

  /** Subscribes to stored results (called after every store write, with that write's results). */
  addListener(listener: ResultListener): void {
    this.listeners.push(listener);
  }

  /** The monitors a model runs (configured, else defaults). */
  monitors(model: ModelRecord): ResolvedMonitor[] {
    return monitorsOf(this.config, model);
  }

  /** Windows waiting for evaluation (closed or not). */
  get dirtyWindows(): number {
    return this.dirty.size;
  }

  // -------------------------------------------------------------------------
  // Marking

  /** Marks the windows of committed events (the write queue's commit hook). Never throws. */
  markEvents(batches: readonly EventBatch[]): void {
    if (this.closed) return;
    // The store's pre-aggregates (dashboard rollups) fold committed events in the background.
    this.store.noteEvents?.(batches);
    const marks = batches.filter((b) => b.length > 0).map((b) => groupTimes(b.model, b.ts, b.versions));
    if (marks.length > 0) this.track(async () => {
      for (const m of marks) await this.markTimes(m, () => true);
    });
  }

  /** Marks the model-quality windows of the events that committed feedback labels. Never throws. */
  markFeedback(batches: readonly FeedbackBatch[]): void {
    if (this.closed) return;
    const work = batches.filter((b) => b.length > 0);
    if (work.length > 0) this.track(async () => {
      for (const b of work) {
        const { ts, versions } = await this.store.eventTimesOfIds(b.model, b.ids);
        if (ts.length > 0) await this.markTimes(groupTimes(b.model, ts, versions), (m) => m.type === 'model_quality');
      }
    });
  }

  /** Marks every window of a model's monitors that holds events between `from` and `to` (e.g. after a new reference). */
  markRange(model: string, from: number, to: number): Promise<void> {
    return this.track(() => this.catchUp(model, { from, to }));
  }

  /** Marks every window that holds events of these monitors of a model (new or changed monitors). */
  markMonitors(model: string, names: readonly string[]): Promise<void> {
    if (this.closed || names.length === 0) return Promise.resolve();
    return this.track(() => this.catchUp(model, { from: CUMULATIVE_ORIGIN, to: TIME_LIMIT }, new Set(names)));
  }

  /**
   * Runs a change of a model's monitor definitions (store writes, deletion of
   * the old results) exclusively with the storing of evaluated results: results
   * evaluated with a definition that is no longer current are dropped, never
   * stored after the change.
   */
  redefine<T>(change: () => Promise<T>): Promise<T> {
    return this.withDefinitions(change);
  }

  private withDefinitions<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.definitionTail.then(fn);
    this.definitionTail = run.catch(() => undefined);
    return run;
  }

  private track(fn: () => Promise<void>): Promise<void> {
    const p = fn()
      .catch((err: unknown) => this.options.log?.error({ err }, 'marking monitor windows failed'))
      .finally(() => {
        this.pending.delete(p);
        this.checkIdle();
      });
    this.pending.add(p);
    return p;
  }

  private async markTimes(marks: Marks, want: (m: ResolvedMonitor) => boolean): Promise<void> {
    const record = await this.store.getModel(marks.model);
    if (!record) return;
    let latest = this.horizons.get(marks.model) ?? -Infinity;
    for (const t of marks.all) if (t > latest) latest = t;
    this.horizons.set(marks.model, latest);
    const hasReference = (await this.references.get(marks.model).catch(() => null)) !== null;
    for (const m of this.monitors(record)) {
      if (!want(m)) continue;
      const previous = m.reference === 'previous' || (m.isDefault && !hasReference);
      const opts = { previous, horizon: latest };
      if (m.versions === 'all') this.addEnds(marks.model, m.name, null, affectedEnds(m.window, marks.all, opts));
      else for (const [version, ts] of marks.byVersion) this.addEnds(marks.model, m.name, version, affectedEnds(m.window, ts, opts));
    }
    this.schedule();
  }

  private addEnds(model: string, monitor: string, version: string | null, ranges: readonly EndRange[], after = -Infinity): void {
    const n = countEnds(ranges);
    if (n > MANY_MARKS) this.options.log?.warn({ model, monitor, windows: n }, 'many windows to evaluate (a cumulative monitor over a long history?)');
    for (const r of ranges) {
      for (let k = r.firstK; k <= r.lastK; k++) {
        const end = k * r.every;
        if (end <= after) continue;
        const d: DirtyWindow = { model, monitor, version, end };
        this.dirty.set(keyOf(d), d);
      }
    }
  }

  /**
   * Marks the windows that hold events and end after the monitor's latest stored
   * result (or, with `range`, that hold events in it), from per-bucket event counts.
   */
  private async catchUp(model: string, range?: { from: number; to: number }, only?: ReadonlySet<string>): Promise<void> {
    const record = await this.store.getModel(model);
    if (!record) return;
    const monitors = this.monitors(record).filter((m) => !only || only.has(m.name));
    if (monitors.length === 0) return;
    const latest = new Map<string, number>();
    if (!range) {
      for (const r of await this.store.getResults({ model, latest: true })) latest.set(`${r.monitor}\u0000${r.version}`, r.windowEnd);
    }
    const hasReference = (await this.references.get(model).catch(() => null)) !== null;
    const bounds = await this.store.eventTimeBounds(model);
    if (bounds.events === 0) return;
    this.horizons.set(model, Math.max(this.horizons.get(model) ?? -Infinity, bounds.max));
    const byEvery = new Map<number, ResolvedMonitor[]>();
    for (const m of monitors) {
      const e = Math.max(1, Math.round(m.window.everyMs));
      byEvery.set(e, [...(byEvery.get(e) ?? []), m]);
    }
    for (const [every, list] of byEvery) {
      // Buckets aligned to multiples of `every` since the epoch (the window ends).
      const from = range ? Math.floor(range.from / every) * every : Math.floor(CUMULATIVE_ORIGIN / every) * every;
      const to = range ? range.to : TIME_LIMIT;
      const buckets = await this.store.eventCounts({ model, from, to, bucketMs: every, byVersion: true });
      for (const m of list) {
        const previous = m.reference === 'previous' || (m.isDefault && !hasReference);
        const perVersion = new Map<string | null, number[]>();
        for (const b of buckets) {
          if (b.events === 0) continue;
          const v = m.versions === 'all' ? null : (b.version ?? null);
          const times = perVersion.get(v) ?? [];
          times.push(b.start, b.start + every - 1);
          perVersion.set(v, times);
        }
        for (const [version, times] of perVersion) {
          const after = latest.get(`${m.name}\u0000${version ?? ''}`) ?? -Infinity;
          this.addEnds(model, m.name, version, affectedEnds(m.window, times, { previous, horizon: bounds.max }), after);
        }
      }
    }
    this.schedule();
  }

  /** Marks, for every model, the windows after its monitors' latest stored results. */
  async start(): Promise<void> {
    // Pre-aggregates are brought up to date in the background (built for an existing store).
    this.store.maintainRollups?.({ log: this.options.log });
    for (const m of await this.store.listModels()) await this.track(() => this.catchUp(m.name));
  }

  // -------------------------------------------------------------------------
  // Running

  private dueCount(now: number): number {
    let n = 0;
    for (const [key, d] of this.dirty) if (d.end <= now && !this.running.has(key)) n++;
    return n;
  }

  /** Arms the timer: evaluate after `debounceMs` of quiet, at most `maxDelayMs` after the first mark; or when the next open window closes. */
  private schedule(): void {
    if (this.closed || this.dirty.size === 0) return;
    const now = this.now();
    let delay: number;
    if (this.dueCount(now) > 0) {
      this.firstMarkAt ??= now;
      delay = Math.min(this.debounceMs, Math.max(0, this.firstMarkAt + this.maxDelayMs - now));
    } else {
      let next = Infinity;
      for (const d of this.dirty.values()) next = Math.min(next, d.end);
      delay = Math.min(2 ** 31 - 1, Math.max(0, next - now) + this.debounceMs);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, delay);
    // The timer alone does not keep the process alive, unless someone awaits idle().
    if (this.idleWaiters.length === 0) this.timer.unref();
  }

  private flush(): void {
    if (this.closed) return;
    if (this.run) {
      this.again = true;
      return;
    }
    this.firstMarkAt = null;
    this.run = (async () => {
      do {
        this.again = false;
        await this.runDue();
      } while (!this.closed && (this.again || this.dueCount(this.now()) > 0));
    })()
      .catch((err: unknown) => this.options.log?.error({ err }, 'monitor evaluation failed'))
      .finally(() => {
        this.run = null;
        this.schedule();
        this.checkIdle();
      });
  }

  /** Evaluates every due window (closed, not running), oldest first, `concurrency` at a time. */
  private async runDue(): Promise<void> {
    const now = this.now();
    const tasks = new Map<string, { model: string; version: string | null; end: number; monitors: string[]; keys: string[] }>();
    const models = new Map<string, ModelRecord | null>();
    for (const [key, d] of this.dirty) {
      if (d.end > now || this.running.has(key)) continue;
      this.dirty.delete(key);
      if (!models.has(d.model)) models.set(d.model, await this.store.getModel(d.model));
      const record = models.get(d.model);
      const monitor = record ? this.monitors(record).find((m) => m.name === d.monitor) : undefined;
      // Gone, or redefined with other window ends since the mark (its windows were marked again).
      if (!record || !monitor || !isWindowEnd(monitor.window, d.end)) continue;
      const tk = `${d.model}\u0000${d.version ?? '\u0001'}\u0000${d.end}\u0000${groupKey(monitor)}`;
      const t = tasks.get(tk) ?? { model: d.model, version: d.version, end: d.end, monitors: [], keys: [] };
      t.monitors.push(d.monitor);
      t.keys.push(key);
      tasks.set(tk, t);
    }
    const queue = [...tasks.values()].sort((a, b) => a.end - b.end);
    const worker = async () => {
      for (let t = queue.shift(); t && !this.closed; t = queue.shift()) {
        const record = models.get(t.model)!;
        const byName = new Map(this.monitors(record).map((m) => [m.name, m]));
        for (const k of t.keys) this.running.add(k);
        try {
          await this.evaluate(record, t.monitors.map((n) => byName.get(n)!), t.version, t.end);
        } catch (err) {
          this.options.log?.error({ err, model: t.model, monitors: t.monitors, version: t.version, windowEnd: new Date(t.end).toISOString() }, 'monitor evaluation failed');
        } finally {
          for (const k of t.keys) this.running.delete(k);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
  }

  private async evaluate(model: ModelRecord, monitors: ResolvedMonitor[], version: string | null, end: number): Promise<void> {
    let results = (await evaluateWindow({ store: this.store, references: this.references }, { model, monitors, version, end })).filter(
      (r) => (r.metrics.rows ?? 0) > 0,
    );
    if (results.length === 0) return;
    results = await this.withDefinitions(async () => {
      // Only monitors whose definition did not change while they were evaluated.
      const current = await this.store.getModel(model.name);
      if (!current) return [];
      let kept = results;
      if (current.definitions !== model.definitions) {
        const now = new Map(this.monitors(current).map((m) => [m.name, JSON.stringify(m)]));
        const used = new Map(monitors.map((m) => [m.name, JSON.stringify(m)]));
        kept = results.filter((r) => now.get(r.monitor) === used.get(r.monitor));
      }
      if (kept.length === 0) return kept;
      const records: ResultRecord[] = kept.map((r) => ({
        model: r.model,
        monitor: r.monitor,
        version: r.version ?? '',
        windowStart: r.window.type === 'cumulative' ? CUMULATIVE_ORIGIN : r.window.start,
        windowEnd: r.window.end,
        computedAt: r.computedAt,
        payload: r,
      }));
      await this.store.putResults(records);
      return kept;
    });
    if (results.length === 0) return;
    for (const r of results) {
      this.options.onEvaluation?.(r.model, r.monitor, r.metrics.evaluation_seconds ?? 0);
      if (r.note?.startsWith('the comparison failed') || r.note?.startsWith('the evaluation failed')) {
        this.options.log?.warn({ model: r.model, monitor: r.monitor, note: r.note }, 'monitor settings do not fit the data');
      }
    }
    await this.notify(results);
  }

  private async notify(results: readonly MonitorResult[]): Promise<void> {
    for (const l of this.listeners) {
      try {
        await l(results);
      } catch (err) {
        this.options.log?.error({ err }, 'a result listener failed');
      }
    }
  }

  // -------------------------------------------------------------------------
  // Waiting

  private settled(): boolean {
    return this.pending.size === 0 && this.run === null && this.dueCount(this.now()) === 0;
  }

  private checkIdle(): void {
    if (!this.settled()) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }

  /**
   * Resolves once nothing is left to do now: marks recorded, every closed dirty
   * window evaluated and its results delivered (windows still open wait for
   * their end and do not count). Waits for the debounce; see {@link evaluateNow}.
   */
  idle(): Promise<void> {
    if (this.closed || this.settled()) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (this.timer) this.timer.ref();
      else if (this.pending.size === 0 && this.run === null) this.schedule();
    });
  }

  /** Evaluates the closed dirty windows now (no debounce) and resolves when they are done. */
  async evaluateNow(): Promise<void> {
    while (!this.closed) {
      await Promise.all([...this.pending]);
      if (this.run) await this.run;
      else if (this.dueCount(this.now()) > 0) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.flush();
      } else if (this.pending.size === 0) return;
    }
  }

  /** Stops scheduling and waits for the evaluation in progress (before the store closes). Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.pending]);
    if (this.run) await this.run;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}
