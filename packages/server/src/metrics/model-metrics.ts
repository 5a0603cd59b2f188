/**
 * Model health as Prometheus gauges: the latest window of every monitor series,
 * exported on `/metrics`.
 *
 * A series is one (model, version, monitor). For each, the result of the window
 * that ends latest is kept (a backfilled older window never overwrites a newer
 * one; a re-evaluation of the same window replaces it), and the gauges are
 * rebuilt from those results when Prometheus scrapes — so removing a series
 * (model deleted, monitor gone, retention) removes all of its gauges at once.
 *
 * Names follow ARCHITECTURE.md: prefix `modelwatch_`, base units, ratios 0..1,
 * bounded labels. Every model gauge carries `model`, `version`, `monitor` and
 * `window`: two monitors of one type on one model (drift against the reference
 * and against the previous window, say) then never collide, and alert rules map
 * to exactly one monitor. `version` is {@link ALL_VERSIONS} for a monitor that
 * evaluates all versions together. Label values are bounded: models by
 * `server.maxModels`, versions by `server.maxVersionLabels` (results of versions
 * beyond it are not exported), monitors by the configuration, features by
 * {@link ModelMetricsOptions.maxFeaturesPerModel}, methods and quality metrics by
 * the core's registries.
 */
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { MONITOR_TYPES } from '../config/types.js';
import type { MonitorType } from '../config/types.js';
import type { ResultRecord, Store } from '../store/store.js';
import { MONITOR_RESULT_VERSION } from '../monitor/result.js';
import type { MonitorResult, ResultListener } from '../monitor/result.js';

/** The `version` label of results computed over all versions of a model (`MonitorResult.version === null`). */
export const ALL_VERSIONS = '__all__';
/** The `version` label that ingest metrics use for versions beyond the label limit. */
const FOLDED_VERSION = '__other__';
/** Default of {@link ModelMetricsOptions.maxFeaturesPerModel}. */
export const DEFAULT_MAX_FEATURES_PER_MODEL = 200;
/** Default of the most series per model read by {@link ModelMetrics.restore}. */
export const DEFAULT_RESTORE_LIMIT = 100_000;

/** Result metrics of `model_quality` that are not quality metrics (exported by their own gauges or not at all). */
const NOT_QUALITY = new Set(['rows', 'evaluation_seconds', 'label_coverage_ratio', 'label_lag_seconds', 'labelled_rows']);
/** Quality metric names come from the core's registry; anything else is not a label value. */
const METRIC_NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_QUALITY_METRICS = 64;

/** Where the export reports what it leaves out (a pino/Fastify logger fits). */
export interface ModelMetricsLogger {
  warn(obj: object, msg: string): void;
}

export interface ModelMetricsOptions {
  /** Features of one model that get their own series; results for more features are not exported (default 200). */
  maxFeaturesPerModel?: number;
  /**
   * The `version` label of a version (the ingest metrics' folding, so both agree);
   * results whose version folds into `__other__` are not exported. Identity by default.
   */
  versionLabel?: (model: string, version: string) => string;
  /** Defaults to no logging. Can be set later with {@link ModelMetrics.setLogger}. */
  log?: ModelMetricsLogger;
}

export interface RestoreOptions {
  /** Models to restore (default: every model of the store). */
  models?: readonly string[];
  /** Restore a model's monitor only when this returns true (e.g. monitors still configured). */
  keep?: (model: string, monitor: string) => boolean;
  /** At most this many series are read per model (a safety bound; series are bounded by monitors × versions). */
  limitPerModel?: number;
}

type Labels = Record<string, string>;

/** One series' latest result and the labels it exports under. */
interface Entry {
  result: MonitorResult;
  version: string;
}

/**
 * The latest result per (model, version, monitor), exported as gauges. Use
 * {@link listener} as the monitors' {@link ResultListener}; call
 * {@link restore} at start so that a restart does not blank the gauges.
 */
export class ModelMetrics {
  /** Pass to the monitor scheduler: called with every batch of stored results. */
  readonly listener: ResultListener = (results) => {
    this.update(results);
  };

  private readonly series = new Map<string, Entry>();
  /** Per model: the features that have series (admitted in arrival order up to the bound). */
  private readonly admitted = new Map<string, Set<string>>();
  /** Per model: features left out because of the bound. */
  private readonly dropped = new Map<string, Set<string>>();
  private readonly maxFeatures: number;
  private readonly versionLabel: (model: string, version: string) => string;
  private log: ModelMetricsLogger | undefined;
  private readonly warned = new Set<string>();
  private dirty = true;

  private readonly g: {
    featureDriftScore: Gauge;
    featureDriftDetected: Gauge;
    datasetDriftShare: Gauge;
    datasetDriftDetected: Gauge;
    featureMissingRatio: Gauge;
    predictionDriftScore: Gauge;
    predictionDriftDetected: Gauge;
    modelQuality: Gauge;
    labelCoverage: Gauge;
    labelLag: Gauge;
    dataQualityViolations: Gauge;
    windowEnd: Gauge;
    windowEvents: Gauge;
    droppedFeatures: Gauge;
  };

  constructor(registry: Registry, opts: ModelMetricsOptions = {}) {
    this.maxFeatures = opts.maxFeaturesPerModel ?? DEFAULT_MAX_FEATURES_PER_MODEL;
    this.versionLabel = opts.versionLabel ?? ((_model, version) => version);
    this.log = opts.log;
    // Whichever gauge is collected first rebuilds all of them (once per change).
    const sync = () => this.sync();
    const base = ['model', 'version', 'monitor', 'window'];
    const gauge = (name: string, help: string, extra: string[] = []) =>
      new Gauge({ name, help, labelNames: [...base, ...extra], registers: [registry], collect: sync });
    this.g = {
      featureDriftScore: gauge('modelwatch_feature_drift_score', 'Drift score of a feature in the latest window (the method\'s statistic or distance).', ['feature', 'method']),
      featureDriftDetected: gauge('modelwatch_feature_drift_detected', 'Whether the feature drifted in the latest window (1) or not (0).', ['feature', 'method']),
      datasetDriftShare: gauge('modelwatch_dataset_drift_share', 'Share of tested features that drifted in the latest window (0..1).'),
      datasetDriftDetected: gauge('modelwatch_dataset_drift_detected', 'Whether the drift share reached the monitor\'s threshold in the latest window (1) or not (0).'),
      featureMissingRatio: gauge('modelwatch_feature_missing_ratio', 'Share of events in the latest window whose value of the feature is missing (0..1).', ['feature']),
      predictionDriftScore: gauge('modelwatch_prediction_drift_score', 'Drift score of the model\'s output in the latest window.', ['method']),
      predictionDriftDetected: gauge('modelwatch_prediction_drift_detected', 'Whether the model\'s output drifted in the latest window (1) or not (0).', ['method']),
      modelQuality: gauge('modelwatch_model_quality', 'Model quality on the labelled events of the latest window, by metric (accuracy, f1, roc_auc, mae, rmse, ...).', ['metric']),
      labelCoverage: gauge('modelwatch_label_coverage_ratio', 'Share of events in the latest window that have ground truth (0..1).'),
      labelLag: gauge('modelwatch_label_lag_seconds', 'Median delay between an event and its ground truth in the latest window, seconds.'),
      dataQualityViolations: gauge('modelwatch_data_quality_violations', 'Data-quality violations in the latest window (type mismatches, unknown and missing columns, out-of-range values, new categories).'),
      windowEnd: gauge('modelwatch_window_end_timestamp_seconds', 'End (exclusive, event time) of the latest evaluated window, Unix seconds: alert on time() minus this for staleness.'),
      windowEvents: gauge('modelwatch_window_events', 'Events in the latest evaluated window.'),
      droppedFeatures: new Gauge({
        name: 'modelwatch_export_dropped_features',
        help: 'Features of a model without series because the model has more than the per-model feature limit.',
        labelNames: ['model'],
        registers: [registry],
        collect: sync,
      }),
    };
  }

  /** Where to report features and versions that are not exported. */
  setLogger(log: ModelMetricsLogger): void {
    this.log = log;
  }

  /**
   * Takes results (in any order): each replaces its series' result unless the
   * series already has a window that ends later. Of two results for the same
   * window the one computed later wins.
   */
  update(results: readonly MonitorResult[]): void {
    for (const r of results) {
      const version = r.version === null ? ALL_VERSIONS : this.versionLabel(r.model, r.version);
      if (version === FOLDED_VERSION) {
        this.warnOnce(`version:${r.model}`, { model: r.model, version: r.version }, 'results of this version are not exported: the model has more versions than server.maxVersionLabels');
        continue;
      }
      const key = seriesKey(r.model, r.version, r.monitor);
      const old = this.series.get(key);
      if (old && (old.result.window.end > r.window.end || (old.result.window.end === r.window.end && old.result.computedAt > r.computedAt))) continue;
      this.series.set(key, { result: r, version });
      this.admitFeatures(r);
      this.dirty = true;
    }
  }

  /**
   * Loads the latest stored result of every series (one query per model: the
   * store's `latest` results), so that a restart does not blank the gauges.
   * Returns the number of series restored.
   */
  async restore(store: Store, opts: RestoreOptions = {}): Promise<number> {
    const limit = opts.limitPerModel ?? DEFAULT_RESTORE_LIMIT;
    const models = opts.models ?? (await store.listModels()).map((m) => m.name);
    const before = this.series.size;
    for (const model of models) {
      const records = await store.getResults({ model, latest: true, limit });
      const results: MonitorResult[] = [];
      for (const rec of records) {
        if (opts.keep && !opts.keep(model, rec.monitor)) continue;
        const result = asMonitorResult(rec);
        if (result) results.push(result);
      }
      this.update(results);
    }
    return this.series.size - before;
  }

  /** Removes every series of a model (a deleted model). */
  removeModel(model: string): void {
    for (const [key, e] of this.series) if (e.result.model === model) this.series.delete(key);
    this.admitted.delete(model);
    this.dropped.delete(model);
    this.dirty = true;
  }

  /** Removes one monitor's series of a model: all versions, or one (`null` = the all-versions series). */
  removeSeries(model: string, monitor: string, version?: string | null): void {
    for (const [key, e] of this.series) {
      if (e.result.model === model && e.result.monitor === monitor && (version === undefined || e.result.version === version)) this.series.delete(key);
    }
    this.dirty = true;
  }

  /** Keeps only the series of these monitors of a model (after its monitors changed). */
  retainMonitors(model: string, monitors: Iterable<string>): void {
    const keep = new Set(monitors);
    for (const [key, e] of this.series) if (e.result.model === model && !keep.has(e.result.monitor)) this.series.delete(key);
    this.dirty = true;
  }

  /** Removes series whose latest window ended before `windowEnd` (results retention). Returns how many. */
  removeEndedBefore(windowEnd: number): number {
    let n = 0;
    for (const [key, e] of this.series) {
      if (e.result.window.end < windowEnd) {
        this.series.delete(key);
        n++;
      }
    }
    if (n) this.dirty = true;
    return n;
  }

  /** The latest result of each series (for the dashboard and tests). */
  latest(model?: string): MonitorResult[] {
    return [...this.series.values()].filter((e) => model === undefined || e.result.model === model).map((e) => e.result);
  }

  private admitFeatures(r: MonitorResult): void {
    if (!r.features?.length) return;
    let admitted = this.admitted.get(r.model);
    if (!admitted) this.admitted.set(r.model, (admitted = new Set()));
    for (const f of r.features) {
      if (admitted.has(f.feature) || this.dropped.get(r.model)?.has(f.feature)) continue;
      if (admitted.size < this.maxFeatures) {
        admitted.add(f.feature);
        continue;
      }
      let dropped = this.dropped.get(r.model);
      if (!dropped) this.dropped.set(r.model, (dropped = new Set()));
      dropped.add(f.feature);
      this.warnOnce(`features:${r.model}`, { model: r.model, limit: this.maxFeatures, firstDropped: f.feature }, 'model has more features than the per-model limit: the rest get no per-feature series (see modelwatch_export_dropped_features)');
    }
  }

  private warnOnce(key: string, obj: object, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log?.warn(obj, msg);
  }

  /** Rebuilds every gauge from the kept results when something changed. */
  private sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    for (const g of Object.values(this.g)) g.reset();
    for (const { result: r, version } of this.series.values()) {
      const base: Labels = { model: r.model, version, monitor: r.monitor, window: r.window.label };
      const m = r.metrics;
      set(this.g.windowEnd, base, r.window.end / 1000);
      set(this.g.windowEvents, base, m.rows);
      const admitted = this.admitted.get(r.model);
      const features = (r.features ?? []).filter((f) => admitted?.has(f.feature));
      switch (r.type) {
        case 'feature_drift':
          set(this.g.datasetDriftShare, base, m.dataset_drift_share);
          set(this.g.datasetDriftDetected, base, m.dataset_drift_detected);
          for (const f of features) {
            const labels = { ...base, feature: f.feature, method: f.method ?? '' };
            set(this.g.featureDriftScore, labels, f.metrics.drift_score);
            set(this.g.featureDriftDetected, labels, f.metrics.drift_detected);
          }
          break;
        case 'prediction_drift': {
          // The score is the first output column's (the prediction, else the first score), so is the method.
          const labels = { ...base, method: r.features?.[0]?.method ?? '' };
          set(this.g.predictionDriftScore, labels, m.prediction_drift_score);
          set(this.g.predictionDriftDetected, labels, m.prediction_drift_detected);
          break;
        }
        case 'data_quality':
          set(this.g.dataQualityViolations, base, m.data_quality_violations);
          for (const f of features) set(this.g.featureMissingRatio, { ...base, feature: f.feature }, f.metrics.missing_ratio);
          break;
        case 'model_quality': {
          set(this.g.labelCoverage, base, m.label_coverage_ratio);
          set(this.g.labelLag, base, m.label_lag_seconds);
          let n = 0;
          for (const [metric, value] of Object.entries(m)) {
            if (NOT_QUALITY.has(metric) || !METRIC_NAME_RE.test(metric) || n >= MAX_QUALITY_METRICS) continue;
            if (set(this.g.modelQuality, { ...base, metric }, value)) n++;
          }
          break;
        }
      }
    }
    for (const [model, dropped] of this.dropped) this.g.droppedFeatures.set({ model }, dropped.size);
  }
}

/** Sets a gauge when the value is a number (a metric that could not be computed has no sample). */
function set(g: Gauge, labels: Labels, value: number | null | undefined): boolean {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  g.set(labels, value);
  return true;
}

function seriesKey(model: string, version: string | null, monitor: string): string {
  // \u0000 cannot occur in validated names; `null` (all versions) differs from every string version.
  return `${model}\u0000${monitor}\u0000${version === null ? '\u0001' : `=${version}`}`;
}

/** The stored payload as a {@link MonitorResult}, or null when it is not one this version understands. */
function asMonitorResult(rec: ResultRecord): MonitorResult | null {
  const p = rec.payload as Partial<MonitorResult> | null;
  if (!p || typeof p !== 'object' || p.resultVersion !== MONITOR_RESULT_VERSION) return null;
  if (!MONITOR_TYPES.includes(p.type as MonitorType) || !p.window || typeof p.window.end !== 'number' || typeof p.window.label !== 'string') return null;
  if (!p.metrics || typeof p.metrics !== 'object') return null;
  // The record's key fields are authoritative (the payload repeats them).
  return { ...(p as MonitorResult), model: rec.model, monitor: rec.monitor, version: rec.version === '' ? null : rec.version, computedAt: typeof p.computedAt === 'number' ? p.computedAt : rec.computedAt };
}
