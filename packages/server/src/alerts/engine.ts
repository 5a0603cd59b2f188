/**
 * The alert engine of `modelwatch serve`: a {@link ResultListener} that turns
 * stored monitor results into alert states, a history of transitions and
 * notifications.
 *
 * For every rule (see `rules.ts`) and series, each result adds a **point** (the
 * rule's value in that window); the series' state is derived from its points in
 * window-end order by the event-time state machine of `state.ts`, so replaying
 * history — in any order — gives the same states and the same history as
 * living through it, and a late result takes its place in event time.
 *
 * **Notifications follow the current state** (the state after the series'
 * latest window): one `firing` notification when it starts firing, one
 * `resolved` when it stops (a new episode after a resolution is notified
 * again) — never one per evaluation. Episodes that are already over when their
 * windows arrive (a backfill of old history arriving newest first) are recorded
 * in the history but not notified. A notification is marked done once every
 * channel's delivery has finished (delivered or given up); one interrupted by a
 * shutdown is sent again at the next start (at least once).
 *
 * Everything is kept in the store (`writeAlerts`), in one transaction per batch
 * of results, before notifications go out: states with the engine's bookkeeping
 * (`detail`), the last {@link AlertEngineOptions.maxPointsPerSeries} points of
 * each series, and transitions. At start the series are rebuilt from them.
 */
import type { AlertRule, ModelwatchConfig, NotificationChannel } from '../config/types.js';
import { formatDuration } from '../config/units.js';
import { monitorsOf } from '../monitor/definitions.js';
import type { ResolvedMonitor } from '../monitor/definitions.js';
import type { MonitorResult, ResultListener } from '../monitor/result.js';
import type { AlertNotice } from '../notify/payload.js';
import { formatValue } from '../notify/payload.js';
import type { Notifier } from '../notify/notifier.js';
import type { AlertPoint, AlertSeriesRef, AlertState, AlertStateName, AlertTransitionRecord, ModelRecord, Store } from '../store/store.js';
import { compare } from './expr.js';
import { alertRulesOf, compileRule, ruleProblems, seriesOf } from './rules.js';
import type { CompiledRule } from './rules.js';
import { initialMachine, replay, sameMachine, sameTransition } from './state.js';
import type { Machine, Point, Transition } from './state.js';

export interface AlertLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AlertEngineOptions {
  /** Points kept per series to re-derive states (default 1000); results for windows before them no longer change the state. */
  maxPointsPerSeries?: number;
  /** The wall clock, epoch ms (tests). */
  now?: () => number;
  log?: AlertLogger;
  /** The monitors of a model (default: `monitorsOf(config, model)`); their steps tell gaps between windows apart. */
  monitorsOf?: (model: ModelRecord) => readonly ResolvedMonitor[];
  /** The rules of a model (default: `alertRulesOf(config, model)`). */
  rulesOf?: (model: ModelRecord) => readonly AlertRule[];
  /** Makes notification ids (tests). */
  newId?: () => string;
}

/** The engine's bookkeeping of a series, stored as `AlertState.detail`. */
interface SeriesDetail {
  v: 1;
  fingerprint: string;
  /** The machine before the first kept point. */
  base: Machine;
  machine: Machine;
  values: Record<string, number | null>;
  window: { start: number; end: number; label: string | null } | null;
  notice: AlertNotice | null;
  noticeDone: boolean;
  /** Channels the notice went to (to resolve a series whose rule is gone). */
  channels: string[];
  evaluatedAt: number;
  changedAt: number;
}

interface Series {
  id: string;
  model: string;
  rule: string;
  key: string;
  labels: Record<string, string>;
  fingerprint: string;
  base: Machine;
  points: Point[];
  machine: Machine;
  transitions: Transition[];
  /** The metric values of the latest window. */
  values: Record<string, number | null>;
  window: { start: number; end: number; label: string | null } | null;
  notice: AlertNotice | null;
  noticeDone: boolean;
  channels: string[];
  evaluatedAt: number;
  changedAt: number;
}

/** A series as the API shows it. */
export interface AlertView {
  model: string;
  rule: string;
  key: string;
  state: AlertStateName;
  severity: string;
  labels: Record<string, string>;
  value: number | null;
  values: Record<string, number | null>;
  definition: AlertRule;
  activeAt: number | null;
  firingAt: number | null;
  resolvedAt: number | null;
  since: number | null;
  window: { start: number; end: number; label: string | null } | null;
  evaluatedAt: number;
  changedAt: number;
  notification: { id: string; status: 'firing' | 'resolved'; done: boolean } | null;
}

export interface AlertFilter {
  model?: string;
  rule?: string;
  states?: readonly AlertStateName[];
  severity?: string;
  /** Resolved series are listed when they changed (wall clock) at or after this time. */
  resolvedSince?: number;
}

/** An {@link AlertWrite} being built. */
interface WriteBuffer {
  states: AlertState[];
  points: AlertPoint[];
  prunePoints: (AlertSeriesRef & { before: number })[];
  transitions: { series: AlertSeriesRef; from: number; transitions: AlertTransitionRecord[] }[];
  deleteSeries: AlertSeriesRef[];
}

const newWrite = (): WriteBuffer => ({ states: [], points: [], prunePoints: [], transitions: [], deleteSeries: [] });

const seriesIdOf = (model: string, rule: string, key: string) => JSON.stringify([model, rule, key]);

/** The rules of a model, compiled, with the monitor each reads. */
interface ModelRules {
  record: ModelRecord;
  rules: { c: CompiledRule | null; rule: AlertRule; monitor: ResolvedMonitor | undefined }[];
}

/** What one batch does to one series. */
interface Work {
  s: Series;
  c: CompiledRule;
  monitor: ResolvedMonitor | undefined;
  before: Series | undefined;
  reset: boolean;
  newPoints: Map<number, Point>;
  batchValues: Map<number, Record<string, number | null>>;
}

export class AlertEngine {
  /** Pass to `monitors.addListener`. */
  readonly listener: ResultListener = (results) => this.enqueue(() => this.process(results));

  private readonly series = new Map<string, Series>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly warned = new Set<string>();
  private closed = false;
  private readonly maxPoints: number;
  private readonly now: () => number;
  private log: AlertLogger | undefined;
  private idCounter = 0;

  constructor(
    private readonly store: Store,
    private readonly config: ModelwatchConfig,
    private readonly notifier: Notifier,
    private readonly options: AlertEngineOptions = {},
  ) {
    this.maxPoints = Math.max(2, Math.floor(options.maxPointsPerSeries ?? 1000));
    this.now = options.now ?? Date.now;
    this.log = options.log;
  }

  setLogger(log: AlertLogger): void {
    this.log = log;
  }

  // -------------------------------------------------------------------------
  // Reading

  /** The current series (of rules that still exist), sorted by model, rule, key. */
  async list(filter: AlertFilter = {}): Promise<AlertView[]> {
    const out: AlertView[] = [];
    const rulesByModel = new Map<string, Map<string, AlertRule>>();
    for (const s of this.series.values()) {
      if (filter.model !== undefined && s.model !== filter.model) continue;
      if (filter.rule !== undefined && s.rule !== filter.rule) continue;
      if (!rulesByModel.has(s.model)) {
        const record = await this.store.getModel(s.model);
        rulesByModel.set(s.model, new Map(record ? this.rulesOf(record).map((r) => [r.name, r]) : []));
      }
      const rule = rulesByModel.get(s.model)!.get(s.rule);
      if (!rule) continue;
      if (filter.severity !== undefined && rule.severity !== filter.severity) continue;
      if (filter.states && !filter.states.includes(s.machine.state)) continue;
      if (s.machine.state === 'resolved' && filter.resolvedSince !== undefined && s.changedAt < filter.resolvedSince) continue;
      out.push(this.view(s, rule));
    }
    return out.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private view(s: Series, rule: AlertRule): AlertView {
    const latest = s.points[s.points.length - 1];
    return {
      model: s.model,
      rule: s.rule,
      key: s.key,
      state: s.machine.state,
      severity: rule.severity,
      labels: { ...s.labels, severity: rule.severity },
      value: latest?.value ?? null,
      values: s.values,
      definition: rule,
      activeAt: s.machine.activeAt,
      firingAt: s.machine.firingAt,
      resolvedAt: s.machine.resolvedAt,
      since: s.machine.since,
      window: s.window,
      evaluatedAt: s.evaluatedAt,
      changedAt: s.changedAt,
      notification: s.notice ? { id: s.notice.id, status: s.notice.status, done: s.noticeDone } : null,
    };
  }

  /** Per (model, rule): whether any series fires (the `modelwatch_alert_firing` gauge), for every rule of every model. */
  async firing(): Promise<{ model: string; rule: string; severity: string; firing: boolean }[]> {
    const firing = new Set<string>();
    for (const s of this.series.values()) if (s.machine.state === 'firing') firing.add(JSON.stringify([s.model, s.rule]));
    const out: { model: string; rule: string; severity: string; firing: boolean }[] = [];
    for (const record of await this.store.listModels()) {
      for (const rule of this.rulesOf(record)) out.push({ model: record.name, rule: rule.name, severity: rule.severity, firing: firing.has(JSON.stringify([record.name, rule.name])) });
    }
    return out;
  }

  // -------------------------------------------------------------------------
  // Serialisation

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch((err: unknown) => this.log?.error({ err }, 'alert evaluation failed'));
    return run;
  }

  /** Resolves once the results handed over so far are evaluated and their notifications delivered (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const tail = this.tail;
      await tail;
      await this.notifier.idle();
      await Promise.all([...this.chains.values()]);
      if (tail === this.tail && this.notifier.pending === 0) return;
    }
  }

  // -------------------------------------------------------------------------
  // Rules

  private rulesOf(record: ModelRecord): readonly AlertRule[] {
    return this.options.rulesOf ? this.options.rulesOf(record) : alertRulesOf(this.config, record);
  }

  private modelRules(record: ModelRecord): ModelRules {
    const monitors = this.options.monitorsOf ? this.options.monitorsOf(record) : monitorsOf(this.config, record);
    const rules = this.rulesOf(record).map((rule) => {
      const monitor = monitors.find((m) => m.name === rule.monitor);
      for (const p of ruleProblems(rule, monitor?.type)) {
        this.warnOnce(`${record.name}\u0000${rule.name}\u0000${p.field}\u0000${p.message}`, { model: record.name, rule: rule.name, field: p.field, problem: p.message }, p.level === 'error' ? 'alert rule cannot be evaluated' : 'alert rule may never have a value');
      }
      let c: CompiledRule | null = null;
      try {
        c = compileRule(rule, monitor);
      } catch {
        c = null;
      }
      return { c, rule, monitor };
    });
    return { record, rules };
  }

  private warnOnce(key: string, obj: object, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log?.warn(obj, msg);
  }

  private channelsOf(names: readonly string[], context: object): NotificationChannel[] {
    const out: NotificationChannel[] = [];
    for (const n of names) {
      const ch = this.config.notifications.find((c) => c.name === n);
      if (ch) out.push(ch);
      else this.warnOnce(`channel\u0000${n}`, { ...context, channel: n }, 'no notification channel of this name: the notification is not sent to it');
    }
    return out;
  }

  // -------------------------------------------------------------------------
  // Evaluation

  private async process(results: readonly MonitorResult[]): Promise<void> {
    if (this.closed || results.length === 0) return;
    const now = this.now();
    const byModel = new Map<string, MonitorResult[]>();
    for (const r of results) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r]);
    const work = new Map<string, Work>();
    const obsolete = new Map<string, Series>();
    for (const [model, list] of byModel) {
      const record = await this.store.getModel(model);
      if (!record) continue;
      const mr = this.modelRules(record);
      for (const [id, s] of this.obsolete(model, mr)) obsolete.set(id, s);
      for (const r of list) {
        for (const { c, rule, monitor } of mr.rules) {
          if (!c || rule.monitor !== r.monitor) continue;
          for (const sv of seriesOf(c, r)) {
            const id = seriesIdOf(model, rule.name, sv.key);
            let w = work.get(id);
            if (!w) {
              // A series whose rule changed meaning starts afresh (the old one is retired below).
              const before = obsolete.has(id) ? undefined : this.series.get(id);
              const reset = before !== undefined && before.fingerprint !== c.fingerprint;
              const s: Series =
                before && !reset
                  ? { ...before, points: before.points.slice(), base: { ...before.base }, machine: { ...before.machine }, labels: { ...before.labels } }
                  : {
                      id,
                      model,
                      rule: rule.name,
                      key: sv.key,
                      labels: sv.labels,
                      fingerprint: c.fingerprint,
                      base: initialMachine(),
                      points: [],
                      machine: initialMachine(),
                      transitions: [],
                      values: {},
                      window: null,
                      notice: before?.notice ?? null,
                      noticeDone: before?.noticeDone ?? true,
                      channels: before?.channels ?? [],
                      evaluatedAt: now,
                      changedAt: now,
                    };
              w = { s, c, monitor, before, reset, newPoints: new Map(), batchValues: new Map() };
              work.set(id, w);
            }
            const p: Point = { start: r.window.start, end: r.window.end, value: sv.value };
            if (this.addPoint(w.s, p)) {
              w.newPoints.set(p.end, p);
              w.batchValues.set(p.end, sv.values);
              const latest = w.s.points[w.s.points.length - 1];
              if (latest.end === p.end) {
                w.s.values = sv.values;
                w.s.labels = sv.labels;
                w.s.window = { start: r.window.start, end: r.window.end, label: r.window.label };
              }
            }
            w.s.evaluatedAt = now;
          }
        }
      }
    }
    if (work.size === 0 && obsolete.size === 0) return;

    const write = newWrite();
    const notices: { s: Series; notice: AlertNotice; rule: AlertRule }[] = [];
    const retired = this.retire(obsolete, write, now);
    for (const w of work.values()) {
      const { s, c } = w;
      if (w.reset) write.deleteSeries.push({ model: s.model, rule: s.rule, key: s.key });
      const old = w.reset ? [] : s.transitions;
      this.rederive(s, c.rule, w.monitor, old, write, now, w.before?.machine.state ?? 'inactive');
      for (const p of w.newPoints.values()) if (s.points.some((q) => q.end === p.end)) write.points.push(this.pointRecord(s, p));
      this.prune(s, c.rule, w.monitor, write);
      for (const n of this.decide(s, c.rule, w.batchValues)) notices.push({ s, notice: n, rule: c.rule });
      write.states.push(this.stateRecord(s));
    }
    await this.store.writeAlerts(write);
    for (const id of obsolete.keys()) this.series.delete(id);
    for (const w of work.values()) this.series.set(w.s.id, w.s);
    for (const r of retired) this.dispatchDetached(r.s, r.notice, r.channels);
    for (const { s, notice, rule } of notices) this.dispatch(s, notice, rule.notify);
  }

  /** Series of a model whose rule is gone, cannot be evaluated, or reads something else now. */
  private obsolete(model: string, mr: ModelRules): Map<string, Series> {
    const out = new Map<string, Series>();
    for (const [id, s] of this.series) {
      if (s.model !== model) continue;
      const entry = mr.rules.find((r) => r.rule.name === s.rule);
      if (!entry || !entry.c || entry.c.fingerprint !== s.fingerprint) out.set(id, s);
    }
    return out;
  }

  /** Deletes retired series (in `write`) and resolves those that were notified firing. */
  private retire(obsolete: ReadonlyMap<string, Series>, write: WriteBuffer, now: number): { s: Series; notice: AlertNotice; channels: readonly string[] }[] {
    const out: { s: Series; notice: AlertNotice; channels: readonly string[] }[] = [];
    for (const s of obsolete.values()) {
      write.deleteSeries.push({ model: s.model, rule: s.rule, key: s.key });
      if (s.notice?.status === 'firing') out.push({ s, notice: this.ruleGone(s.notice, s.machine.lastEnd, now), channels: s.channels });
    }
    return out;
  }

  /** The resolved notice of a firing series whose rule was removed or changed meaning. */
  private ruleGone(n: AlertNotice, lastEnd: number | null, now: number): AlertNotice {
    return {
      ...n,
      id: this.options.newId ? this.options.newId() : `${now.toString(36)}-${(++this.idCounter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      status: 'resolved',
      endsAt: lastEnd ?? n.window.end,
      annotations: { summary: `${n.rule} resolved on model ${n.model}: the rule was removed or changed`, description: `${n.annotations.description} The rule was removed or now reads something else, so this series ended.` },
    };
  }

  /**
   * Retires at once the series of a model whose rule was removed or changed
   * (otherwise done with the model's next results, or at the next start):
   * call after changing a model's rules.
   */
  reconcile(model: string): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      const record = await this.store.getModel(model);
      const obsolete = record ? this.obsolete(model, this.modelRules(record)) : new Map([...this.series].filter(([, s]) => s.model === model));
      if (obsolete.size === 0) return;
      const write = newWrite();
      const retired = this.retire(obsolete, write, this.now());
      await this.store.writeAlerts(write);
      for (const id of obsolete.keys()) this.series.delete(id);
      for (const r of retired) this.dispatchDetached(r.s, r.notice, r.channels);
    });
  }

  /** Inserts or replaces a point; false when it lies before the kept points (too late to change the state). */
  private addPoint(s: Series, p: Point): boolean {
    if (s.base.lastEnd !== null && p.end <= s.base.lastEnd) {
      this.warnOnce(`horizon\u0000${s.id}`, { model: s.model, rule: s.rule, key: s.key, windowEnd: new Date(p.end).toISOString() }, 'a result for a window older than the points kept for this alert series does not change its state');
      return false;
    }
    let lo = 0;
    let hi = s.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.points[mid].end < p.end) lo = mid + 1;
      else hi = mid;
    }
    const at = s.points[lo];
    if (at && at.end === p.end) {
      if (at.value === p.value && at.start === p.start) return false;
      s.points[lo] = p;
    } else s.points.splice(lo, 0, p);
    return true;
  }

  private holds(rule: AlertRule): (v: number | null) => boolean | null {
    return (v) => (v === null ? null : compare(v, rule.op, rule.threshold));
  }

  /** Replays the series and records what changed in its history (transitions from the first difference on). */
  private rederive(s: Series, rule: AlertRule, monitor: ResolvedMonitor | undefined, old: readonly Transition[], write: WriteBuffer, now: number, previous: AlertStateName): void {
    const { machine, transitions } = replay(s.base, s.points, this.holds(rule), { forMs: rule.forMs, everyMs: monitor?.window.everyMs ?? null });
    let k = 0;
    while (k < old.length && k < transitions.length && sameTransition(old[k], transitions[k])) k++;
    if (k < old.length || k < transitions.length) {
      const from = Math.min(old[k]?.at ?? Infinity, transitions[k]?.at ?? Infinity);
      write.transitions.push({ series: { model: s.model, rule: s.rule, key: s.key }, from, transitions: transitions.slice(k).map((t) => this.transitionRecord(s, t, now, monitor)) });
    }
    if (machine.state !== previous) s.changedAt = now;
    s.machine = machine;
    s.transitions = transitions;
  }

  /** Keeps the last `maxPoints` points: older ones are folded into the base machine. */
  private prune(s: Series, rule: AlertRule, monitor: ResolvedMonitor | undefined, write: WriteBuffer): void {
    const drop = s.points.length - this.maxPoints;
    if (drop <= 0) return;
    const dropped = s.points.slice(0, drop);
    s.base = replay(s.base, dropped, this.holds(rule), { forMs: rule.forMs, everyMs: monitor?.window.everyMs ?? null }).machine;
    s.points = s.points.slice(drop);
    const horizon = s.base.lastEnd ?? -Infinity;
    s.transitions = s.transitions.filter((t) => t.at > horizon);
    write.prunePoints.push({ model: s.model, rule: s.rule, key: s.key, before: s.points[0].end });
  }

  /** The notifications the series' current state calls for (see the module comment). */
  private decide(s: Series, rule: AlertRule, batchValues: ReadonlyMap<number, Record<string, number | null>>): AlertNotice[] {
    const out: AlertNotice[] = [];
    const valuesAt = (end: number, value: number | null) =>
      batchValues.get(end) ?? (s.window?.end === end ? s.values : rule.metric !== undefined ? { [rule.metric]: value } : {});
    if (s.notice?.status === 'firing') {
      const firingAt = s.notice.firingAt ?? s.notice.startsAt;
      const resolved = s.transitions.find((t) => t.to === 'resolved' && t.at > firingAt);
      if (s.machine.state !== 'firing' || resolved) {
        const latest = s.points[s.points.length - 1];
        const end = resolved?.at ?? s.machine.lastEnd ?? s.notice.window.end;
        const window = resolved ? { start: resolved.windowStart, end: resolved.windowEnd } : latest ? { start: latest.start, end: latest.end } : s.notice.window;
        const value = resolved ? resolved.value : (latest?.value ?? null);
        out.push(this.notice(s, rule, 'resolved', { startsAt: s.notice.startsAt, firingAt: s.notice.firingAt, endsAt: end, window, value, values: valuesAt(window.end, value) }));
        s.notice = out[out.length - 1];
      }
    }
    if (s.machine.state === 'firing' && s.notice?.status !== 'firing') {
      const t = [...s.transitions].reverse().find((x) => x.to === 'firing');
      const window = t ? { start: t.windowStart, end: t.windowEnd } : (s.window ?? { start: 0, end: 0 });
      const value = t ? t.value : null;
      out.push(this.notice(s, rule, 'firing', { startsAt: s.machine.activeAt ?? window.end, firingAt: s.machine.firingAt, endsAt: null, window, value, values: valuesAt(window.end, value) }));
      s.notice = out[out.length - 1];
    }
    if (out.length > 0) {
      // Without channels there is nothing to deliver: done at once (no bookkeeping write).
      s.noticeDone = this.channelsOf(rule.notify, { model: s.model, rule: s.rule }).length === 0;
      s.channels = [...rule.notify];
    }
    return out;
  }

  private notice(
    s: Series,
    rule: AlertRule,
    status: 'firing' | 'resolved',
    o: { startsAt: number; firingAt: number | null; endsAt: number | null; window: { start: number; end: number }; value: number | null; values: Record<string, number | null> },
  ): AlertNotice {
    const labels: Record<string, string> = { ...s.labels, severity: rule.severity };
    const what = rule.metric ?? rule.expr ?? '';
    const where = `model ${s.model}, version ${labels.version}${labels.feature !== undefined ? `, feature ${labels.feature}` : ''}`;
    const iso = (ms: number) => new Date(ms).toISOString();
    const forText = rule.forMs > 0 ? ` (for ${formatDuration(rule.forMs)} of event time)` : '';
    const summary =
      status === 'firing'
        ? `${rule.name}: ${what} ${rule.op} ${formatValue(rule.threshold)} on ${where} (value ${formatValue(o.value)})`
        : `${rule.name} resolved on ${where} (value ${formatValue(o.value)})`;
    const description =
      status === 'firing'
        ? `${what} = ${formatValue(o.value)} ${rule.op} ${formatValue(rule.threshold)} in the window ${iso(o.window.start)} – ${iso(o.window.end)} of monitor ${labels.monitor} (${where}); the condition has held since ${iso(o.startsAt)}${forText}.`
        : `${what} = ${formatValue(o.value)} no longer ${rule.op} ${formatValue(rule.threshold)} in the window ${iso(o.window.start)} – ${iso(o.window.end)} of monitor ${labels.monitor} (${where}); it fired from ${o.firingAt === null ? iso(o.startsAt) : iso(o.firingAt)} to ${iso(o.endsAt ?? o.window.end)}.`;
    return {
      id: this.options.newId ? this.options.newId() : `${this.now().toString(36)}-${(++this.idCounter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      status,
      model: s.model,
      rule: s.rule,
      key: s.key,
      labels,
      annotations: { summary, description },
      severity: rule.severity,
      startsAt: o.startsAt,
      firingAt: o.firingAt,
      endsAt: status === 'resolved' ? o.endsAt : null,
      window: { start: o.window.start, end: o.window.end, label: s.window?.label ?? null },
      value: o.value,
      values: o.values,
      ...(rule.metric !== undefined ? { metric: rule.metric } : {}),
      ...(rule.expr !== undefined ? { expr: rule.expr } : {}),
      op: rule.op,
      threshold: rule.threshold,
      forMs: rule.forMs,
      links: windowLinks(s.model, labels.monitor, labels.version, o.window),
    };
  }

  /** Sends a notice after the previous one of the same series; marks it done when every channel has finished. */
  private dispatch(s: Series, notice: AlertNotice, channelNames: readonly string[]): void {
    const channels = this.channelsOf(channelNames, { model: s.model, rule: s.rule });
    if (channels.length === 0) return;
    const previous = this.chains.get(s.id) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const outcomes = await this.notifier.deliver(notice, channels);
        if (outcomes.includes('aborted')) return; // sent again at the next start
        await this.enqueue(async () => {
          const cur = this.series.get(s.id);
          if (!cur || cur.notice?.id !== notice.id || cur.noticeDone) return;
          cur.noticeDone = true;
          await this.store.writeAlerts({ states: [this.stateRecord(cur)] });
        });
      })
      .catch((err: unknown) => this.log?.error({ err, model: s.model, rule: s.rule }, 'alert notification bookkeeping failed'))
      .finally(() => {
        if (this.chains.get(s.id) === next) this.chains.delete(s.id);
      });
    this.chains.set(s.id, next);
  }

  // -------------------------------------------------------------------------
  // Records

  private detail(s: Series): SeriesDetail {
    return {
      v: 1,
      fingerprint: s.fingerprint,
      base: s.base,
      machine: s.machine,
      values: s.values,
      window: s.window,
      notice: s.notice,
      noticeDone: s.noticeDone,
      channels: s.channels,
      evaluatedAt: s.evaluatedAt,
      changedAt: s.changedAt,
    };
  }

  private stateRecord(s: Series): AlertState {
    const latest = s.points[s.points.length - 1];
    return {
      model: s.model,
      rule: s.rule,
      key: s.key,
      state: s.machine.state,
      since: s.machine.since ?? s.points[0]?.end ?? 0,
      value: latest?.value ?? null,
      updatedAt: s.evaluatedAt,
      labels: s.labels,
      detail: this.detail(s),
    };
  }

  private pointRecord(s: Series, p: Point): AlertPoint {
    return { model: s.model, rule: s.rule, key: s.key, windowStart: p.start, windowEnd: p.end, value: p.value };
  }

  private transitionRecord(s: Series, t: Transition, now: number, monitor: ResolvedMonitor | undefined): AlertTransitionRecord {
    return {
      model: s.model,
      rule: s.rule,
      key: s.key,
      at: t.at,
      from: t.from,
      to: t.to,
      value: t.value,
      windowStart: t.windowStart,
      windowEnd: t.windowEnd,
      labels: s.labels,
      detail: { activeAt: t.activeAt, cause: t.cause, windowLabel: s.window?.label ?? null, monitorType: monitor?.type ?? null },
      recordedAt: now,
    };
  }

  // -------------------------------------------------------------------------
  // Start and stop

  /**
   * Rebuilds the series from the store (states, points), resolves series whose
   * rule is gone or changed meaning, re-derives states whose rule changed
   * threshold, `op` or `for`, and sends notifications a shutdown interrupted.
   */
  async start(): Promise<void> {
    await this.enqueue(() => this.load());
  }

  private async load(): Promise<void> {
    const now = this.now();
    const records = new Map((await this.store.listModels()).map((m) => [m.name, m]));
    const rules = new Map<string, ModelRules>();
    for (const r of records.values()) rules.set(r.name, this.modelRules(r));
    const states = await this.store.getAlertStates();
    const points = new Map<string, Point[]>();
    for (const p of await this.store.getAlertPoints({ perSeries: this.maxPoints })) {
      const id = seriesIdOf(p.model, p.rule, p.key);
      let list = points.get(id);
      if (!list) points.set(id, (list = []));
      list.push({ start: p.windowStart, end: p.windowEnd, value: p.value });
    }
    const write = newWrite();
    const notices: { s: Series; notice: AlertNotice; channels: readonly string[] }[] = [];
    for (const st of states) {
      const id = seriesIdOf(st.model, st.rule, st.key);
      const detail = asDetail(st.detail);
      const entry = rules.get(st.model)?.rules.find((r) => r.rule.name === st.rule);
      if (!entry || !entry.c || !detail || detail.fingerprint !== entry.c.fingerprint) {
        write.deleteSeries.push({ model: st.model, rule: st.rule, key: st.key });
        if (detail?.notice?.status === 'firing') {
          // The rule is gone (or reads something else now): its firing series is resolved.
          const notice = this.ruleGone(detail.notice, detail.machine.lastEnd, now);
          const s = this.fromDetail(id, st, detail, []);
          notices.push({ s, notice, channels: entry ? entry.rule.notify : detail.channels });
        }
        continue;
      }
      const s = this.fromDetail(id, st, detail, (points.get(id) ?? []).filter((p) => detail.base.lastEnd === null || p.end > detail.base.lastEnd));
      const rule = entry.rule;
      const { machine, transitions } = replay(s.base, s.points, this.holds(rule), { forMs: rule.forMs, everyMs: entry.monitor?.window.everyMs ?? null });
      s.transitions = transitions;
      if (!sameMachine(machine, detail.machine)) {
        // The rule's threshold, op or for changed: the history from the first difference on is rewritten.
        const stored = (await this.store.getAlertTransitions({ model: s.model, rule: s.rule, key: s.key, fromAt: (s.base.lastEnd ?? -8.64e15) + 1, limit: 1_000_000 }))
          .reverse()
          .map(fromRecord);
        s.transitions = stored;
        this.rederive(s, rule, entry.monitor, stored, write, now, detail.machine.state);
        this.log?.info({ model: s.model, rule: s.rule, key: s.key, from: detail.machine.state, to: s.machine.state }, 'alert series re-derived with the current rule');
      }
      const interrupted = s.notice && !s.noticeDone ? s.notice : null;
      if (interrupted) notices.push({ s, notice: interrupted, channels: s.channels.length > 0 ? s.channels : rule.notify });
      for (const n of this.decide(s, rule, new Map())) notices.push({ s, notice: n, channels: rule.notify });
      this.series.set(id, s);
      write.states.push(this.stateRecord(s));
    }
    if (write.states.length + write.transitions.length + write.deleteSeries.length > 0) await this.store.writeAlerts(write);
    for (const { s, notice, channels } of notices) {
      if (!this.series.has(s.id)) this.dispatchDetached(s, notice, channels);
      else this.dispatch(s, notice, channels);
    }
    this.log?.info({ series: this.series.size, firing: [...this.series.values()].filter((s) => s.machine.state === 'firing').length }, 'alert states loaded');
  }

  /** A notice of a series that no longer exists (no bookkeeping after delivery). */
  private dispatchDetached(s: Series, notice: AlertNotice, channelNames: readonly string[]): void {
    const channels = this.channelsOf(channelNames, { model: s.model, rule: s.rule });
    if (channels.length === 0) return;
    const p = this.notifier.deliver(notice, channels).then(() => undefined);
    this.chains.set(`${s.id}\u0000detached`, p);
    void p.finally(() => this.chains.delete(`${s.id}\u0000detached`));
  }

  private fromDetail(id: string, st: AlertState, d: SeriesDetail, points: Point[]): Series {
    return {
      id,
      model: st.model,
      rule: st.rule,
      key: st.key,
      labels: st.labels,
      fingerprint: d.fingerprint,
      base: { ...d.base },
      points,
      machine: { ...d.machine },
      transitions: [],
      values: d.values ?? {},
      window: d.window ?? null,
      notice: d.notice ?? null,
      noticeDone: d.noticeDone ?? true,
      channels: d.channels ?? [],
      evaluatedAt: d.evaluatedAt ?? st.updatedAt,
      changedAt: d.changedAt ?? st.updatedAt,
    };
  }

  /**
   * Stops taking results, finishes the evaluation in progress, gives
   * notifications in flight up to their channel's shutdown grace (`graceMs`
   * when given, for every channel) and aborts the rest (they are sent again at
   * the next start). Call before the store closes. Idempotent.
   */
  async close(graceMs?: number): Promise<void> {
    if (!this.closed) {
      this.closed = true;
    }
    await this.tail;
    await this.notifier.close(graceMs);
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
    await this.tail;
  }
}

/** Paths of a window's stored results and its report. */
export function windowLinks(model: string, monitor: string | undefined, version: string | undefined, w: { start: number; end: number }): { results: string; report: string } {
  const m = encodeURIComponent(model);
  const iso = (ms: number) => new Date(ms).toISOString();
  const results = new URLSearchParams();
  if (monitor !== undefined) results.set('monitor', monitor);
  if (version !== undefined) results.set('version', version);
  results.set('from', iso(w.start));
  results.set('to', iso(w.end));
  const report = new URLSearchParams();
  report.set('from', iso(w.start));
  report.set('to', iso(w.end));
  if (version !== undefined && version !== '__all__') report.set('version', version);
  return { results: `/v1/models/${m}/results?${results}`, report: `/v1/models/${m}/report?${report}` };
}

function asDetail(d: unknown): SeriesDetail | null {
  const x = d as Partial<SeriesDetail> | null | undefined;
  if (!x || typeof x !== 'object' || x.v !== 1 || typeof x.fingerprint !== 'string' || !x.base || !x.machine) return null;
  return x as SeriesDetail;
}

function fromRecord(r: AlertTransitionRecord): Transition {
  const d = (r.detail ?? {}) as { activeAt?: number | null; cause?: 'condition' | 'gap' };
  return { at: r.at, from: r.from, to: r.to, value: r.value, windowStart: r.windowStart, windowEnd: r.windowEnd, activeAt: d.activeAt ?? null, cause: d.cause ?? 'condition' };
}
