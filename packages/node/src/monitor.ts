/**
 * Recording predictions: the hot path shared by `wrap`, the router, the Fastify
 * plugin and the Express middleware.
 *
 * A {@link ModelMonitor} is one model; {@link ModelMonitor.version} gives the
 * {@link VersionRecorder} of one version with every metric series it writes
 * resolved up front (prom-client label children are never looked up per call).
 * Recording a prediction is a few field increments, one bucket scan per
 * histogram, a loop over the features, and — with an exporter — one small
 * event object appended to a ring buffer. Nothing on this path awaits,
 * allocates strings for known values, or throws.
 */
import type { Schema } from '@modelwatch/core';
import { register as globalRegistry } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Channel, Exporter } from './exporter/exporter.js';
import { RateLimitedLog, consoleLogger, silentLogger } from './exporter/logger.js';
import type { Logger } from './exporter/logger.js';
import { eventTime, now, wallClock } from './clock.js';
import type { EventTime } from './clock.js';
import { idOfSeq, nextSeq } from './ids.js';
import { BoundedMap, OTHER, labelText, validateBuckets, validateInteger, validateLabelValue, validateModelName } from './labels.js';
import { CounterCell } from './metrics/buffered.js';
import type { HistogramCell } from './metrics/buffered.js';
import { dependencyHash } from './metrics/deps-hash.js';
import type { DependencyHashOptions } from './metrics/deps-hash.js';
import { DEFAULT_LATENCY_BUCKETS, DEFAULT_SCORE_BUCKETS, DEFAULT_VALUE_BUCKETS, ensureProcessMetrics, modelFamilies } from './metrics/families.js';
import type { ModelFamilies } from './metrics/families.js';

export type Task = 'binary' | 'multiclass' | 'regression';

/**
 * How a feature is watched: `numeric` (missing and non-finite counts),
 * `categorical` (missing and bounded category counts; numbers and booleans are
 * categories as text), `auto` (by the value's type: numbers numeric, strings and
 * booleans categorical), `presence` (missing counts only: free text, dates).
 */
export type FeatureKind = 'numeric' | 'categorical' | 'auto' | 'presence';

/** Declared features: names (kind `auto`) or name → kind. Inputs may then also be arrays in this order. */
export type FeatureSpec = readonly string[] | Readonly<Record<string, FeatureKind>>;

export interface MonitorOptions {
  /** Model name, as registered on the service (`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`). */
  model: string;
  /** Version label used when a prediction names none (default `"v1"`). */
  version?: string;
  /** `regression`: numeric predictions fill `modelwatch_prediction_value`; `binary`/`multiclass`: predicted classes are counted and scores fill `modelwatch_prediction_score`. Default: from `schema`, else by the prediction's type. */
  task?: Task;
  /**
   * The features to watch. Declaring them is faster and counts a feature that is
   * absent from an input as missing from the first prediction on; without it,
   * feature names are learned from the inputs (at most `maxFeatures`).
   */
  features?: FeatureSpec;
  /** A modelwatch schema (as registered on the service): its feature columns, task and positive label. */
  schema?: Schema;
  /** Class labels known up front (their series exist from the start). */
  classes?: readonly (string | number | boolean)[];
  /** Most class labels with their own series (default 50); later ones fold into `__other__`. */
  maxClasses?: number;
  /** Categories with their own series per feature: the first K distinct values seen (default 20); the rest fold into `__other__`. */
  topK?: number;
  /** Most features with their own series when they are learned from inputs (default 200). */
  maxFeatures?: number;
  /** Most versions with their own series (default 20). */
  maxVersions?: number;
  /** Which score the score histogram observes: a key of a scores object or an index of a scores array (default: the positive class for binary, the predicted class's score for multiclass). */
  scoreClass?: string | number;
  /** Latency buckets in seconds (default 0.5 ms … 10 s). */
  latencyBuckets?: readonly number[];
  /** Buckets of `modelwatch_prediction_value` (regression outputs). */
  predictionBuckets?: readonly number[];
  /** Buckets of `modelwatch_prediction_score` (default 0.05 … 1). */
  scoreBuckets?: readonly number[];
  /** The registry served on the application's `/metrics` (default: prom-client's global registry). */
  registry?: Registry;
  /** Register prom-client's process metrics (CPU, memory, event-loop lag, GC) on the registry (default true). */
  processMetrics?: boolean;
  /** Send every prediction as an event to `modelwatch serve`. */
  exporter?: Exporter;
  /** The `deps_hash` label of `modelwatch_model_info`: a string, or what to hash (default: package.json and lockfile found from the working directory). */
  depsHash?: string | DependencyHashOptions;
  /** When the model was loaded (default: now). */
  loadedAt?: Date | number;
  /** Where problems in extractors are reported (rate-limited; default stderr). */
  logger?: Logger | false;
}

/** One prediction, as given to {@link VersionRecorder.record}. */
export interface PredictionRecord {
  /** The model's input: an object of feature values (or an array in the declared feature order). */
  features?: unknown;
  /** The prediction: a class label or a number. */
  prediction?: unknown;
  /** Class scores: a number, an object keyed by class, or an array in class order. */
  scores?: unknown;
  /** How long the prediction took, in milliseconds. */
  latencyMs?: number;
  /** The prediction failed (counted with `outcome="error"`). */
  error?: boolean;
  /** Event id, to join ground truth later (default: generated and returned). */
  id?: string | number;
  /** Version label (default: the recorder's). Only on `ModelMonitor.record`. */
  version?: string;
  /** Segment tags sent with the event (not metric labels). */
  tags?: Record<string, string>;
  /** The event time sent to the service: epoch ms, an ISO 8601 string or a Date (default: now). */
  ts?: EventTime;
}

/**
 * What `wrap` and the router read from a call. Each extractor receives the
 * call's arguments as an array, so `([input]) => input.features` reads the first.
 */
export interface WrapOptions<A extends unknown[], R> {
  /** The features of a call (default: its first argument). */
  featuresOf?: (args: A) => unknown;
  /** The prediction in a result (default: the result itself if it is a string, number or boolean, else `result.prediction`). */
  predictionOf?: (result: Awaited<R>, args: A) => unknown;
  /** The scores in a result (default: `result.scores ?? result.probabilities ?? result.score` for object results). */
  scoresOf?: (result: Awaited<R>, args: A) => unknown;
  /** The event id of a call (default: generated). */
  idOf?: (args: A, result: Awaited<R> | undefined) => string | number | undefined;
  /** Segment tags of a call, sent with the event. */
  tagsOf?: (args: A) => Record<string, string> | undefined;
  /**
   * The event time of a call sent to the service: epoch ms, an ISO 8601 string
   * or a Date (default, and for `undefined`: when the call returned). Set it
   * when replaying or scoring past data, so the event lands in its own windows.
   */
  tsOf?: (args: A, result: Awaited<R> | undefined) => EventTime | undefined;
}

const NUMERIC = 0;
const CATEGORICAL = 1;
const AUTO = 2;
const PRESENCE = 3;
const KIND_CODES: Record<FeatureKind, number> = { numeric: NUMERIC, categorical: CATEGORICAL, auto: AUTO, presence: PRESENCE };

/** Longest feature name (as in @modelwatch/core's schemas). */
const MAX_FEATURE_NAME = 256;

/** The default prediction of a result: primitives as they are, `result.prediction` for objects. */
export function defaultPrediction(result: unknown): unknown {
  if (result !== null && typeof result === 'object') return (result as { prediction?: unknown }).prediction;
  return result;
}

/** The default scores of a result: `scores`, `probabilities` or `score` of an object result. */
export function defaultScores(result: unknown): unknown {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return undefined;
  const r = result as { scores?: unknown; probabilities?: unknown; score?: unknown };
  return r.scores ?? r.probabilities ?? r.score;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}

/** The per-feature series of one version. */
class FeatureSlot {
  /** Stamp of the last prediction that had this feature (learned features only). */
  seen = 0;
  categories: BoundedMap<CounterCell> | null = null;

  constructor(
    readonly name: string,
    readonly kind: number,
    readonly missing: CounterCell,
    readonly nonFinite: CounterCell | null,
    private readonly newCategories: (feature: string) => BoundedMap<CounterCell>,
  ) {}

  category(value: string): void {
    (this.categories ??= this.newCategories(this.name)).get(value).value++;
  }

  /** Counts one value of this feature. */
  observe(v: unknown): void {
    if (v === undefined || v === null || v === '') {
      this.missing.value++;
      return;
    }
    const kind = this.kind;
    switch (typeof v) {
      case 'number':
        if (v - v !== 0) {
          // NaN, ±Infinity
          if (this.nonFinite !== null) this.nonFinite.value++;
          else this.missing.value++;
        } else if (kind === CATEGORICAL) this.category(String(v));
        return;
      case 'string':
        if (kind === NUMERIC) this.missing.value++; // the service stores a wrong-kind value as missing too
        else if (kind !== PRESENCE) this.category(v);
        return;
      case 'boolean':
        if (kind === NUMERIC) this.missing.value++;
        else if (kind !== PRESENCE) this.category(v ? 'true' : 'false');
        return;
      default:
        if (kind !== PRESENCE) this.missing.value++;
    }
  }
}

type ScorePicker = (scores: unknown, prediction: unknown) => unknown;

/** Recording for one model version; obtained from {@link ModelMonitor.version}. */
export class VersionRecorder {
  /** The version label of this recorder's series (`__other__` beyond `maxVersions`). */
  readonly label: string;
  private readonly ok: CounterCell;
  private readonly err: CounterCell;
  private readonly latency: HistogramCell;
  /** Null for classifiers. */
  private readonly value: HistogramCell | null;
  /** Null for regression models. */
  private readonly score: HistogramCell | null;
  private readonly outNonFinite: CounterCell;
  private readonly classes: BoundedMap<CounterCell>;
  /** Class cells of small non-negative integer predictions (0, 1, 2, …), to avoid `String(n)` per call. */
  private readonly classByInt: (CounterCell | undefined)[] = [];
  private readonly declared: FeatureSlot[];
  private readonly names: readonly string[] | null;
  private readonly learned: BoundedMap<FeatureSlot> | null;
  private readonly learnedList: FeatureSlot[] = [];
  private stamp = 0;
  private readonly channel: Channel | null;
  /** The version as JSON text, for the events. */
  private readonly versionJson: string;

  constructor(
    private readonly monitor: ModelMonitor,
    /** The version sent with events. */
    readonly version: string,
    label: string,
  ) {
    this.label = label;
    const m = monitor;
    const f = m.families;
    const model = m.model;
    const mv = { model, version: label };
    this.ok = f.predictions.cell({ ...mv, outcome: 'ok' });
    this.err = f.predictions.cell({ ...mv, outcome: 'error' });
    this.latency = f.latency.cell(mv, m.latencyBuckets);
    this.value = m.task === 'binary' || m.task === 'multiclass' ? null : f.predictionValue.cell(mv, m.predictionBuckets);
    this.score = m.task === 'regression' ? null : f.predictionScore.cell(mv, m.scoreBuckets);
    this.outNonFinite = f.outputNonFinite.cell(mv);
    this.classes = new BoundedMap(m.maxClasses, (c) => f.predictedClass.cell({ ...mv, class: c }), m.classes);
    const newCategories = (feature: string) => new BoundedMap<CounterCell>(m.topK, (category) => f.featureCategory.cell({ ...mv, feature, category }));
    const slot = (name: string, kind: number) =>
      new FeatureSlot(
        name,
        kind,
        f.featureMissing.cell({ ...mv, feature: name }),
        kind === NUMERIC || kind === AUTO ? f.featureNonFinite.cell({ ...mv, feature: name }) : null,
        newCategories,
      );
    if (m.featureKinds) {
      this.declared = m.featureKinds.map(([name, kind]) => slot(name, kind));
      this.names = this.declared.map((s) => s.name);
      this.learned = null;
    } else {
      this.declared = [];
      this.names = null;
      this.learned = new BoundedMap<FeatureSlot>(m.maxFeatures, (name) => {
        const s = slot(name, AUTO);
        if (name !== OTHER) this.learnedList.push(s);
        return s;
      });
    }
    this.channel = m.exporter ? m.exporter.channel(model, 'events') : null;
    this.versionJson = JSON.stringify(version);
  }

  private observeFeatures(features: unknown): void {
    if (this.learned === null) {
      const slots = this.declared;
      if (features === null || typeof features !== 'object') {
        for (let i = 0; i < slots.length; i++) slots[i].missing.value++;
      } else if (Array.isArray(features)) {
        for (let i = 0; i < slots.length; i++) slots[i].observe(features[i]);
      } else {
        const obj = features as Record<string, unknown>;
        for (let i = 0; i < slots.length; i++) slots[i].observe(obj[slots[i].name]);
      }
      return;
    }
    // Learned features: every key of the input, then the known ones it lacked.
    const stamp = ++this.stamp;
    if (features !== null && typeof features === 'object' && !Array.isArray(features)) {
      const obj = features as Record<string, unknown>;
      for (const key in obj) {
        const s = this.learned.get(key.length <= MAX_FEATURE_NAME ? key : OTHER);
        s.seen = stamp;
        s.observe(obj[key]);
      }
    }
    const list = this.learnedList;
    for (let i = 0; i < list.length; i++) if (list[i].seen !== stamp) list[i].missing.value++;
  }

  private classCell(prediction: unknown): CounterCell | null {
    if (typeof prediction === 'number') {
      if (prediction - prediction !== 0) return null;
      if (prediction >= 0 && prediction < 256 && (prediction | 0) === prediction) {
        return (this.classByInt[prediction] ??= this.classes.get(String(prediction)));
      }
    }
    if (prediction === undefined || prediction === null) return null;
    return this.classes.get(labelText(prediction));
  }

  private observeOutput(prediction: unknown, scores: unknown): void {
    const task = this.monitor.task;
    if (this.value !== null && (task === 'regression' || typeof prediction === 'number')) {
      if (typeof prediction === 'number' && !this.value.observe(prediction)) this.outNonFinite.value++;
    } else {
      const cell = this.classCell(prediction);
      if (cell !== null) cell.value++;
      else if (typeof prediction === 'number') this.outNonFinite.value++;
    }
    if (scores !== undefined && scores !== null && this.score !== null) {
      const s = this.monitor.pickScore(scores, prediction);
      if (typeof s === 'number' && !this.score.observe(s)) this.outNonFinite.value++;
    }
  }

  /**
   * @internal The hot path: counts one prediction and queues its event. `end` is
   * the {@link now} reading when the prediction finished (its event time unless
   * `ts`, a caller's event time, is given).
   * Returns the generated sequence number (0 when an id was given). Never throws.
   */
  observe(features: unknown, prediction: unknown, scores: unknown, latencyMs: number, error: boolean, id: string | number | undefined, tags: unknown, end: number, ts?: unknown): number {
    try {
      if (error) this.err.value++;
      else this.ok.value++;
      if (latencyMs >= 0) this.latency.observe(latencyMs / 1000);
      this.observeFeatures(features);
      if (!error) this.observeOutput(prediction, scores);
      const seq = id === undefined ? nextSeq() : 0;
      const ch = this.channel;
      if (ch !== null) {
        let t = ts === undefined ? undefined : eventTime(ts);
        if (t === undefined) {
          if (ts !== undefined) this.monitor.problem('tsOf', `expected epoch ms, an ISO 8601 string or a valid Date (got ${String(ts)})`, 'modelwatch: an invalid event time (tsOf, record({ ts })); the event is sent with the current time');
          t = wallClock(end);
        }
        ch.pushPrediction(id, seq, t, this.versionJson, features, this.names, prediction, scores, latencyMs, error, tags);
      }
      return seq;
    } catch (err) {
      this.monitor.problem('record', err);
      return 0;
    }
  }

  /**
   * Records one prediction made elsewhere and returns its event id (the given
   * one or a generated one), to send ground truth for it later. Never throws.
   */
  record(r: PredictionRecord): string | number {
    const latency = typeof r.latencyMs === 'number' && r.latencyMs >= 0 ? r.latencyMs : -1;
    const seq = this.observe(r.features, r.prediction, r.scores, latency, r.error === true, r.id, r.tags, now(), r.ts);
    return r.id ?? idOfSeq(seq);
  }

  /**
   * Instruments `predict`: the returned function has the same signature (it
   * returns what `predict` returns, a promise for an async `predict`), measures
   * each call, records it (a throw or rejection counts as `outcome="error"` and
   * is passed on unchanged) and queues its event.
   */
  wrap<A extends unknown[], R>(predict: (...args: A) => R, opts: WrapOptions<A, R> = {}): (...args: A) => R {
    if (typeof predict !== 'function') throw new TypeError('predict: expected a function');
    const rec = this;
    const fx = opts.featuresOf;
    const px = opts.predictionOf;
    const sx = opts.scoresOf;
    const ix = opts.idOf;
    const tx = opts.tagsOf;
    const ex = opts.tsOf;
    const monitor = this.monitor;
    const succeeded = (args: A, result: Awaited<R>, t0: number): void => {
      const end = now();
      let features: unknown, prediction: unknown, scores: unknown, id: string | number | undefined, tags: unknown, ts: unknown;
      try {
        features = fx === undefined ? args[0] : fx(args);
        prediction = px === undefined ? defaultPrediction(result) : px(result, args);
        scores = sx === undefined ? defaultScores(result) : sx(result, args);
        if (ix !== undefined) id = ix(args, result);
        if (tx !== undefined) tags = tx(args);
        if (ex !== undefined) ts = ex(args, result);
      } catch (err) {
        monitor.problem('extract', err);
      }
      rec.observe(features, prediction, scores, end - t0, false, id, tags, end, ts);
    };
    const failed = (args: A, t0: number): void => {
      const end = now();
      let features: unknown, id: string | number | undefined, tags: unknown, ts: unknown;
      try {
        features = fx === undefined ? args[0] : fx(args);
        if (ix !== undefined) id = ix(args, undefined);
        if (tx !== undefined) tags = tx(args);
        if (ex !== undefined) ts = ex(args, undefined);
      } catch (err) {
        monitor.problem('extract', err);
      }
      rec.observe(features, undefined, undefined, end - t0, true, id, tags, end, ts);
    };
    return function instrumented(this: unknown, ...args: A): R {
      const t0 = now();
      let result: R;
      try {
        result = predict.apply(this, args);
      } catch (err) {
        failed(args, t0);
        throw err;
      }
      if (isThenable(result)) {
        return result.then(
          (v) => {
            succeeded(args, v as Awaited<R>, t0);
            return v;
          },
          (err: unknown) => {
            failed(args, t0);
            throw err;
          },
        ) as R;
      }
      succeeded(args, result as Awaited<R>, t0);
      return result;
    };
  }
}

/**
 * One model's metrics (and events, with an exporter). Create it once at
 * start-up; invalid options throw here, never later.
 */
export class ModelMonitor {
  readonly model: string;
  readonly defaultVersion: string;
  readonly registry: Registry;
  readonly exporter: Exporter | undefined;
  readonly task: Task | undefined;
  /** @internal */ readonly families: ModelFamilies;
  /** @internal */ readonly featureKinds: [string, number][] | null;
  /** @internal */ readonly classes: string[];
  /** @internal */ readonly maxClasses: number;
  /** @internal */ readonly topK: number;
  /** @internal */ readonly maxFeatures: number;
  /** @internal */ readonly latencyBuckets: readonly number[];
  /** @internal */ readonly predictionBuckets: readonly number[];
  /** @internal */ readonly scoreBuckets: readonly number[];
  /** @internal */ readonly pickScore: ScorePicker;
  private readonly depsHash: string;
  private readonly loadedAtSeconds: number;
  private readonly versions: BoundedMap<VersionRecorder>;
  private readonly log: RateLimitedLog;

  constructor(opts: MonitorOptions) {
    if (!opts || typeof opts !== 'object') throw new TypeError('options: expected an object with at least { model }');
    this.model = validateModelName(opts.model);
    this.defaultVersion = validateLabelValue(opts.version ?? 'v1', 'version');
    this.registry = opts.registry ?? globalRegistry;
    this.exporter = opts.exporter;
    this.log = new RateLimitedLog(opts.logger === false ? silentLogger : (opts.logger ?? consoleLogger));
    const schema = opts.schema;
    const task = opts.task ?? schema?.task;
    if (task !== undefined && !['binary', 'multiclass', 'regression'].includes(task)) throw new TypeError(`task: expected "binary", "multiclass" or "regression" (got ${JSON.stringify(task)})`);
    this.task = task;
    this.featureKinds = resolveFeatures(opts.features, schema);
    this.maxClasses = validateInteger(opts.maxClasses ?? 50, 'maxClasses', 1, 10_000);
    this.topK = validateInteger(opts.topK ?? 20, 'topK', 1, 10_000);
    this.maxFeatures = validateInteger(opts.maxFeatures ?? 200, 'maxFeatures', 1, 100_000);
    const maxVersions = validateInteger(opts.maxVersions ?? 20, 'maxVersions', 1, 10_000);
    this.classes = (opts.classes ?? []).map((c, i) => validateLabelValue(labelText(c), `classes[${i}]`));
    if (this.classes.length > this.maxClasses) throw new TypeError(`classes: ${this.classes.length} classes but maxClasses is ${this.maxClasses}`);
    this.latencyBuckets = opts.latencyBuckets ? validateBuckets(opts.latencyBuckets, 'latencyBuckets') : DEFAULT_LATENCY_BUCKETS;
    this.predictionBuckets = opts.predictionBuckets ? validateBuckets(opts.predictionBuckets, 'predictionBuckets') : DEFAULT_VALUE_BUCKETS;
    this.scoreBuckets = opts.scoreBuckets ? validateBuckets(opts.scoreBuckets, 'scoreBuckets') : DEFAULT_SCORE_BUCKETS;
    this.pickScore = scorePicker(task, opts.scoreClass, schema);
    if (typeof opts.depsHash === 'string') this.depsHash = validateLabelValue(opts.depsHash, 'depsHash');
    else this.depsHash = dependencyHash(opts.depsHash ?? {});
    const loadedAt = opts.loadedAt === undefined ? Date.now() : typeof opts.loadedAt === 'number' ? opts.loadedAt : opts.loadedAt.getTime();
    if (!Number.isFinite(loadedAt)) throw new TypeError(`loadedAt: expected a date or epoch milliseconds (got ${String(opts.loadedAt)})`);
    this.loadedAtSeconds = loadedAt / 1000;

    this.families = modelFamilies(this.registry);
    if (opts.processMetrics !== false) ensureProcessMetrics(this.registry);
    this.versions = new BoundedMap<VersionRecorder>(maxVersions, (v) => {
      const rec = new VersionRecorder(this, v, v);
      if (v !== OTHER) this.setInfo(v, this.depsHash, this.loadedAtSeconds);
      return rec;
    });
    this.version(this.defaultVersion);
  }

  /**
   * The recorder of a version (created on first use; cache it on hot paths).
   * Beyond `maxVersions` versions, the rest share one `__other__` recorder.
   */
  version(version: string = this.defaultVersion): VersionRecorder {
    return this.versions.get(version);
  }

  /** Records one prediction (see {@link VersionRecorder.record}); `r.version` picks the version. Never throws. */
  record(r: PredictionRecord): string | number {
    const v = typeof r.version === 'string' ? r.version : this.defaultVersion;
    return this.version(v).record(r);
  }

  /** Instruments `predict` for the default version (see {@link VersionRecorder.wrap}). */
  wrap<A extends unknown[], R>(predict: (...args: A) => R, opts: WrapOptions<A, R> & { version?: string } = {}): (...args: A) => R {
    return this.version(opts.version).wrap(predict, opts);
  }

  /**
   * Sets `modelwatch_model_info{deps_hash}` = 1 and the load time of a version.
   * Call it after (re)loading a model: staleness restarts from `at`, and a new
   * `depsHash` replaces the old series.
   */
  markLoaded(version: string = this.defaultVersion, at: Date | number = Date.now(), depsHash: string = this.depsHash): void {
    validateLabelValue(depsHash, 'depsHash');
    this.setInfo(this.version(version).label, depsHash, (typeof at === 'number' ? at : at.getTime()) / 1000);
  }

  private readonly infoHash = new Map<string, string>();

  private setInfo(label: string, depsHash: string, seconds: number): void {
    const old = this.infoHash.get(label);
    if (old !== undefined && old !== depsHash) this.families.modelInfo.remove({ model: this.model, version: label, deps_hash: old });
    this.infoHash.set(label, depsHash);
    this.families.modelInfo.set({ model: this.model, version: label, deps_hash: depsHash }, 1);
    this.families.loadedAt.set({ model: this.model, version: label }, seconds);
  }

  /** @internal Reports a problem off the request path (rate-limited). */
  problem(where: string, err: unknown, msg = `modelwatch: recording a prediction failed in ${where}; metrics for it may be incomplete`): void {
    this.log.warn(`${where}:${this.model}`, { model: this.model, err: err instanceof Error ? err.message : String(err) }, msg);
  }
}

function resolveFeatures(spec: FeatureSpec | undefined, schema: Schema | undefined): [string, number][] | null {
  let out: [string, number][] | null = null;
  if (spec !== undefined) {
    if (Array.isArray(spec)) out = (spec as readonly string[]).map((name) => [name, AUTO]);
    else if (spec !== null && typeof spec === 'object') {
      out = Object.entries(spec as Record<string, FeatureKind>).map(([name, kind]) => {
        if (!(kind in KIND_CODES)) throw new TypeError(`features.${name}: expected "numeric", "categorical", "auto" or "presence" (got ${JSON.stringify(kind)})`);
        return [name, KIND_CODES[kind]];
      });
    } else throw new TypeError('features: expected a list of names or an object of name → kind');
  } else if (schema !== undefined) {
    if (!schema || !Array.isArray(schema.columns)) throw new TypeError('schema: expected { columns: [...] }');
    out = schema.columns
      .filter((c) => c.role === 'feature')
      .map((c) => [c.name, c.kind === 'numeric' ? NUMERIC : c.kind === 'categorical' || c.kind === 'boolean' ? CATEGORICAL : PRESENCE]);
  }
  if (out) {
    const seen = new Set<string>();
    for (const [name] of out) {
      if (typeof name !== 'string' || name.length === 0 || name.length > MAX_FEATURE_NAME) throw new TypeError(`features: feature names must be 1 to ${MAX_FEATURE_NAME} characters (got ${JSON.stringify(name)})`);
      if (seen.has(name)) throw new TypeError(`features: "${name}" is declared twice`);
      seen.add(name);
    }
  }
  return out;
}

function scorePicker(task: Task | undefined, scoreClass: string | number | undefined, schema: Schema | undefined): ScorePicker {
  if (scoreClass !== undefined) {
    if (typeof scoreClass !== 'string' && typeof scoreClass !== 'number') throw new TypeError(`scoreClass: expected a class key or an index (got ${JSON.stringify(scoreClass)})`);
    return (scores) => (typeof scores === 'number' ? scores : (scores as Record<string | number, unknown>)[scoreClass]);
  }
  if (task === 'multiclass') {
    // The confidence: the score of the predicted class.
    return (scores, prediction) => {
      if (typeof scores === 'number') return scores;
      if (Array.isArray(scores)) return typeof prediction === 'number' ? scores[prediction] : undefined;
      return (scores as Record<string, unknown>)[labelText(prediction)];
    };
  }
  const positive = schema?.positiveLabel !== undefined ? String(schema.positiveLabel) : undefined;
  // Binary (or unknown): the positive class's probability.
  return (scores, prediction) => {
    if (typeof scores === 'number') return scores;
    if (Array.isArray(scores)) return scores.length === 2 ? scores[1] : scores.length === 1 ? scores[0] : undefined;
    const o = scores as Record<string, unknown>;
    if (positive !== undefined) return o[positive];
    const p = o['1'] ?? o['true'];
    if (p !== undefined) return p;
    const keys = Object.keys(o);
    return keys.length === 1 ? o[keys[0]] : prediction !== undefined ? o[labelText(prediction)] : undefined;
  };
}
