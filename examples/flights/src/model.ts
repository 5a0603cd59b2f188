/**
 * The delay models: P(arrival delay > 15 min) from departure hour, day of
 * week, distance, origin and destination.
 *
 * - **v1**, logistic regression over one-hot departure hour (24) and day of
 *   week (7), one-hot origin and destination (the 40 busiest airports of the
 *   training data each, the rest "other") and standardised distance and
 *   log-distance. Trained here with mini-batch Adam on a sparse encoding
 *   (every flight has at most 7 non-zero inputs): all 508k January flights in
 *   about a second. (`ml-logistic-regression` runs full-batch gradient descent
 *   on dense matrices: minutes for this size.)
 * - **v2**, a random forest of regression trees on the 0/1 outcome
 *   (`ml-random-forest`; the mean of the trees' leaf means is the probability)
 *   over hour, day of week, distance and the origin's and destination's
 *   January delay rates. `ml-random-forest`'s split search is quadratic in the
 *   rows of a node, so it is trained on a sample of 1,500 flights: a different
 *   model family with its own error profile, rolled out as a canary.
 *
 * A model is a JSON file (`v1.json`, `v2.json`): training happens once, the
 * demo and the tests load the files. Both models decide "delayed" at the
 * threshold that maximises F1 on their training data (delays are a minority,
 * about one flight in five, so 0.5 would almost never say "delayed").
 *
 * Missing inputs never throw (a broken upstream source must not take the
 * service down — it must be noticed by monitoring): v1 leaves the term out, v2
 * uses the training median.
 */
import { RandomForestRegression } from 'ml-random-forest';
import type { FlightColumns, FlightFeatures } from './flights.js';
import { DELAY_THRESHOLD_MINUTES, flightFeatures } from './flights.js';

export const MODEL_FORMAT = 'modelwatch-flights-model/1';

/** What a model answers for one flight. */
export interface Prediction {
  /** 1 = delayed more than 15 minutes, 0 = not. */
  prediction: 0 | 1;
  /** P(delayed). */
  scores: { '1': number };
}

export interface TrainingInfo {
  /** The training window (ISO dates, end exclusive) and rows used. */
  from: string;
  to: string;
  rows: number;
  seconds: number;
  /** On the training rows: ROC AUC, the base rate and the chosen threshold's F1. */
  rocAuc: number;
  positiveRate: number;
  f1: number;
}

export interface DelayModel {
  readonly version: string;
  readonly kind: string;
  readonly threshold: number;
  readonly training: TrainingInfo;
  /** P(delayed) of one flight. */
  score(x: FlightFeatures): number;
  predict(x: FlightFeatures): Prediction;
  toJSON(): object;
}

// ---------------------------------------------------------------------------
// Shared helpers

/** Deterministic uniform(0,1) numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ROC AUC by the rank-sum formula (ties share ranks). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]] === 1) {
        rankSumPos += rank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  return pos === 0 || neg === 0 ? NaN : (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** The threshold (a score value; "delayed" when score >= it) that maximises F1, and that F1. */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>): { threshold: number; f1: number } {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let totalPos = 0;
  for (let i = 0; i < n; i++) totalPos += labels[i] === 1 ? 1 : 0;
  let tp = 0;
  let best = { threshold: 1, f1: 0 };
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]] === scores[idx[i]]) j++;
    for (let k = i; k <= j; k++) tp += labels[idx[k]] === 1 ? 1 : 0;
    const predicted = j + 1;
    const f1 = (2 * tp) / (predicted + totalPos);
    if (f1 > best.f1) best = { threshold: scores[idx[i]], f1 };
    i = j + 1;
  }
  return best;
}

const labelsOf = (c: FlightColumns) => Float64Array.from(c.delay, (d) => (d > DELAY_THRESHOLD_MINUTES ? 1 : 0));

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function trainingInfo(c: FlightColumns, scores: Float64Array, labels: Float64Array, seconds: number, f1: number, window: { from: number; to: number }): TrainingInfo {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i];
  return { from: isoDay(window.from), to: isoDay(window.to), rows: labels.length, seconds: Math.round(seconds * 1000) / 1000, rocAuc: rocAuc(scores, labels), positiveRate: pos / labels.length, f1 };
}

/** The most frequent values, most frequent first (ties by value). */
function topValues(values: readonly string[], k: number): string[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([v]) => v);
}

const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// ---------------------------------------------------------------------------
// v1: logistic regression

export interface LogisticParams {
  version: string;
  origins: string[];
  destinations: string[];
  distanceMean: number;
  distanceStd: number;
  logDistanceMean: number;
  logDistanceStd: number;
  /** Intercept, 24 hours, 7 weekdays, origins + other, destinations + other, distance, log-distance. */
  weights: number[];
  threshold: number;
  training: TrainingInfo;
}

export interface LogisticTrainingOptions {
  version?: string;
  topAirports?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
}

/** Layout of the weight vector. */
class Layout {
  readonly hour = 1;
  readonly dow = 25;
  readonly origin = 32;
  readonly dest: number;
  readonly dist: number;
  readonly logDist: number;
  readonly size: number;
  constructor(readonly origins: number, readonly destinations: number) {
    this.dest = this.origin + origins + 1;
    this.dist = this.dest + destinations + 1;
    this.logDist = this.dist + 1;
    this.size = this.logDist + 1;
  }
}

export class LogisticModel implements DelayModel {
  readonly kind = 'logistic_regression';
  readonly version: string;
  readonly threshold: number;
  readonly training: TrainingInfo;
  private readonly layout: Layout;
  private readonly w: Float64Array;
  private readonly originIndex: Map<string, number>;
  private readonly destIndex: Map<string, number>;

  constructor(readonly params: LogisticParams) {
    this.version = params.version;
    this.threshold = params.threshold;
    this.training = params.training;
    this.layout = new Layout(params.origins.length, params.destinations.length);
    if (params.weights.length !== this.layout.size) throw new Error(`model ${params.version}: expected ${this.layout.size} weights, got ${params.weights.length}`);
    this.w = Float64Array.from(params.weights);
    this.originIndex = new Map(params.origins.map((a, i) => [a, i]));
    this.destIndex = new Map(params.destinations.map((a, i) => [a, i]));
  }

  /** The linear predictor. */
  private z(x: FlightFeatures): number {
    const L = this.layout;
    const w = this.w;
    const p = this.params;
    let z = w[0];
    const h = x.dep_hour;
    if (typeof h === 'number' && Number.isInteger(h) && h >= 0 && h < 24) z += w[L.hour + h];
    const d = x.day_of_week;
    if (typeof d === 'number' && Number.isInteger(d) && d >= 0 && d < 7) z += w[L.dow + d];
    if (typeof x.origin === 'string') z += w[L.origin + (this.originIndex.get(x.origin) ?? L.dest - L.origin - 1)];
    if (typeof x.destination === 'string') z += w[L.dest + (this.destIndex.get(x.destination) ?? L.dist - L.dest - 1)];
    const dist = finiteOrNull(x.distance);
    if (dist !== null && dist > 0) {
      z += w[L.dist] * ((dist - p.distanceMean) / p.distanceStd);
      z += w[L.logDist] * ((Math.log(dist) - p.logDistanceMean) / p.logDistanceStd);
    }
    return z;
  }

  score(x: FlightFeatures): number {
    return 1 / (1 + Math.exp(-this.z(x)));
  }

  predict(x: FlightFeatures): Prediction {
    const p = this.score(x);
    return { prediction: p >= this.threshold ? 1 : 0, scores: { '1': p } };
  }

  toJSON(): object {
    return { format: MODEL_FORMAT, kind: this.kind, ...this.params };
  }

  /** Trains on flights (columns) with mini-batch Adam; deterministic for a seed. */
  static train(c: FlightColumns, window: { from: number; to: number }, opts: LogisticTrainingOptions = {}): LogisticModel {
    const started = performance.now();
    const k = opts.topAirports ?? 40;
    const epochs = opts.epochs ?? 4;
    const batch = opts.batchSize ?? 1024;
    const lr = opts.learningRate ?? 0.02;
    const l2 = opts.l2 ?? 1e-6;
    const origins = topValues(c.origin, k);
    const destinations = topValues(c.destination, k);
    const L = new Layout(origins.length, destinations.length);
    const n = c.n;
    let s = 0;
    let ss = 0;
    let sl = 0;
    let ssl = 0;
    for (let i = 0; i < n; i++) {
      const d = c.distance[i];
      s += d;
      ss += d * d;
      const l = Math.log(d);
      sl += l;
      ssl += l * l;
    }
    const distanceMean = s / n;
    const distanceStd = Math.sqrt(ss / n - distanceMean ** 2) || 1;
    const logDistanceMean = sl / n;
    const logDistanceStd = Math.sqrt(ssl / n - logDistanceMean ** 2) || 1;

    // Sparse rows: 5 one-hot indices per flight plus two numeric values.
    const oi = new Map(origins.map((a, i) => [a, i]));
    const di = new Map(destinations.map((a, i) => [a, i]));
    const idx = new Int32Array(n * 4);
    const num = new Float64Array(n * 2);
    const y = labelsOf(c);
    for (let i = 0; i < n; i++) {
      idx[i * 4] = L.hour + c.depHour[i];
      idx[i * 4 + 1] = L.dow + c.dayOfWeek[i];
      idx[i * 4 + 2] = L.origin + (oi.get(c.origin[i]) ?? origins.length);
      idx[i * 4 + 3] = L.dest + (di.get(c.destination[i]) ?? destinations.length);
      num[i * 2] = (c.distance[i] - distanceMean) / distanceStd;
      num[i * 2 + 1] = (Math.log(c.distance[i]) - logDistanceMean) / logDistanceStd;
    }
    const w = new Float64Array(L.size);
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i];
    w[0] = Math.log(pos / (n - pos)); // start at the base rate
    const m = new Float64Array(L.size);
    const v = new Float64Array(L.size);
    const g = new Float64Array(L.size);
    const touched = new Uint8Array(L.size);
    const beta1 = 0.9;
    const beta2 = 0.999;
    let step = 0;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const u = rng(opts.seed ?? 2001);
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(u() * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (let b = 0; b < n; b += batch) {
        const end = Math.min(n, b + batch);
        g.fill(0);
        touched.fill(0);
        for (let r = b; r < end; r++) {
          const i = order[r];
          const i4 = i * 4;
          const i2 = i * 2;
          const z = w[0] + w[idx[i4]] + w[idx[i4 + 1]] + w[idx[i4 + 2]] + w[idx[i4 + 3]] + w[L.dist] * num[i2] + w[L.logDist] * num[i2 + 1];
          const err = 1 / (1 + Math.exp(-z)) - y[i];
          g[0] += err;
          for (let q = 0; q < 4; q++) g[idx[i4 + q]] += err;
          g[L.dist] += err * num[i2];
          g[L.logDist] += err * num[i2 + 1];
        }
        const size = end - b;
        step++;
        const c1 = 1 - beta1 ** step;
        const c2 = 1 - beta2 ** step;
        for (let j = 0; j < L.size; j++) {
          const grad = g[j] / size + (j === 0 ? 0 : l2 * w[j]);
          m[j] = beta1 * m[j] + (1 - beta1) * grad;
          v[j] = beta2 * v[j] + (1 - beta2) * grad * grad;
          w[j] -= (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + 1e-8);
        }
      }
    }
    const params: LogisticParams = {
      version: opts.version ?? 'v1',
      origins,
      destinations,
      distanceMean,
      distanceStd,
      logDistanceMean,
      logDistanceStd,
      weights: [...w],
      threshold: 0.5,
      training: undefined as unknown as TrainingInfo,
    };
    const model = new LogisticModel(params);
    const scores = scoreColumns(model, c);
    const best = bestF1Threshold(scores, y);
    params.threshold = best.threshold;
    params.training = trainingInfo(c, scores, y, (performance.now() - started) / 1000, best.f1, window);
    return new LogisticModel(params);
  }
}

// ---------------------------------------------------------------------------
// v2: random forest

export interface ForestParams {
  version: string;
  /** January delay rate per airport (smoothed towards the overall rate), by origin and by destination. */
  originRate: Record<string, number>;
  destinationRate: Record<string, number>;
  /** The overall delay rate (unknown airports). */
  baseRate: number;
  /** Training medians of hour, day of week and distance (missing inputs). */
  medians: [number, number, number];
  forest: object;
  threshold: number;
  training: TrainingInfo;
}

export interface ForestTrainingOptions {
  version?: string;
  sampleSize?: number;
  trees?: number;
  maxDepth?: number;
  minLeaf?: number;
  seed?: number;
}

/** Delay rates per value, shrunk towards the overall rate by `prior` pseudo-flights. */
function rates(values: readonly string[], y: Float64Array, base: number, prior = 50): Record<string, number> {
  const sum = new Map<string, [number, number]>();
  values.forEach((v, i) => {
    const e = sum.get(v) ?? [0, 0];
    e[0] += y[i];
    e[1]++;
    sum.set(v, e);
  });
  const out: Record<string, number> = {};
  for (const [v, [pos, n]] of [...sum.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out[v] = Math.round(((pos + prior * base) / (n + prior)) * 1e6) / 1e6;
  return out;
}

function median(xs: Float64Array): number {
  const s = Float64Array.from(xs).sort();
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)];
}

/** The forest's input row of a flight: hour, day of week, distance, origin and destination delay rates (missing values imputed). */
function forestRow(x: FlightFeatures, p: Pick<ForestParams, 'medians' | 'baseRate'>, originRate: Map<string, number>, destRate: Map<string, number>, out: number[]): number[] {
  out[0] = finiteOrNull(x.dep_hour) ?? p.medians[0];
  out[1] = finiteOrNull(x.day_of_week) ?? p.medians[1];
  out[2] = finiteOrNull(x.distance) ?? p.medians[2];
  out[3] = (typeof x.origin === 'string' ? originRate.get(x.origin) : undefined) ?? p.baseRate;
  out[4] = (typeof x.destination === 'string' ? destRate.get(x.destination) : undefined) ?? p.baseRate;
  return out;
}

export class ForestModel implements DelayModel {
  readonly kind = 'random_forest';
  readonly version: string;
  readonly threshold: number;
  readonly training: TrainingInfo;
  private readonly forest: RandomForestRegression;
  private readonly originRate: Map<string, number>;
  private readonly destRate: Map<string, number>;
  private readonly row: number[] = [0, 0, 0, 0, 0];
  private readonly input: number[][] = [this.row];

  constructor(readonly params: ForestParams) {
    this.version = params.version;
    this.threshold = params.threshold;
    this.training = params.training;
    this.forest = RandomForestRegression.load(params.forest as never);
    this.originRate = new Map(Object.entries(params.originRate));
    this.destRate = new Map(Object.entries(params.destinationRate));
  }

  score(x: FlightFeatures): number {
    forestRow(x, this.params, this.originRate, this.destRate, this.row);
    const p = this.forest.predict(this.input)[0];
    return Math.min(1, Math.max(0, p));
  }

  predict(x: FlightFeatures): Prediction {
    const p = this.score(x);
    return { prediction: p >= this.threshold ? 1 : 0, scores: { '1': p } };
  }

  toJSON(): object {
    return { format: MODEL_FORMAT, kind: this.kind, ...this.params };
  }

  static train(c: FlightColumns, window: { from: number; to: number }, opts: ForestTrainingOptions = {}): ForestModel {
    const started = performance.now();
    const y = labelsOf(c);
    let pos = 0;
    for (let i = 0; i < c.n; i++) pos += y[i];
    const baseRate = pos / c.n;
    const originRate = rates(c.origin, y, baseRate);
    const destinationRate = rates(c.destination, y, baseRate);
    const medians: [number, number, number] = [median(c.depHour), median(c.dayOfWeek), median(c.distance)];
    // A uniform sample of flights (ml-random-forest's training is quadratic in rows per node).
    const size = Math.min(c.n, opts.sampleSize ?? 1500);
    const u = rng(opts.seed ?? 7);
    const picked = new Set<number>();
    while (picked.size < size) picked.add(Math.floor(u() * c.n));
    const rows = [...picked].sort((a, b) => a - b);
    const partial: ForestParams = { version: opts.version ?? 'v2', originRate, destinationRate, baseRate, medians, forest: {}, threshold: 0.5, training: undefined as unknown as TrainingInfo };
    const om = new Map(Object.entries(originRate));
    const dm = new Map(Object.entries(destinationRate));
    const X = rows.map((i) => forestRow(flightFeatures(c, i), partial, om, dm, [0, 0, 0, 0, 0]));
    const Y = rows.map((i) => y[i]);
    const forest = new RandomForestRegression({
      seed: opts.seed ?? 7,
      maxFeatures: 1.0,
      replacement: false,
      nEstimators: opts.trees ?? 15,
      useSampleBagging: true,
      noOOB: true,
      selectionMethod: 'mean',
      treeOptions: { maxDepth: opts.maxDepth ?? 6, minNumSamples: opts.minLeaf ?? 20 },
    } as never);
    forest.train(X, Y);
    partial.forest = JSON.parse(JSON.stringify(forest.toJSON())) as object;
    const model = new ForestModel(partial);
    const sampleScores = Float64Array.from(rows, (i) => model.score(flightFeatures(c, i)));
    const sampleLabels = Float64Array.from(rows, (i) => y[i]);
    const best = bestF1Threshold(sampleScores, sampleLabels);
    partial.threshold = best.threshold;
    partial.training = trainingInfo(c, sampleScores, sampleLabels, (performance.now() - started) / 1000, best.f1, window);
    return new ForestModel(partial);
  }
}

// ---------------------------------------------------------------------------

/** Scores of every flight of the columns. */
export function scoreColumns(model: DelayModel, c: FlightColumns): Float64Array {
  const out = new Float64Array(c.n);
  for (let i = 0; i < c.n; i++) out[i] = model.score(flightFeatures(c, i));
  return out;
}

/** A model from its JSON (as written by `toJSON`). */
export function loadModel(json: unknown, where = 'model'): DelayModel {
  const m = json as { format?: unknown; kind?: unknown };
  if (!m || typeof m !== 'object' || m.format !== MODEL_FORMAT) throw new Error(`${where}: not a flights model file (format ${JSON.stringify(m?.format)}, expected ${MODEL_FORMAT})`);
  if (m.kind === 'logistic_regression') return new LogisticModel(json as LogisticParams);
  if (m.kind === 'random_forest') return new ForestModel(json as ForestParams);
  throw new Error(`${where}: unknown model kind ${JSON.stringify(m.kind)}`);
}
