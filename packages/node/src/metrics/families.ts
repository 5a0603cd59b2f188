/**
 * The metric families of this package, created once per prom-client registry
 * and shared by every model monitor and exporter that uses the registry.
 * Names follow ARCHITECTURE.md: prefix `modelwatch_`, base units, counters end
 * in `_total`, bounded labels.
 */
import { Gauge, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from './buffered.js';

/** Default latency buckets (seconds): 0.5 ms to 10 s. */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Default score buckets: 0.05, 0.10, …, 1.00. */
export const DEFAULT_SCORE_BUCKETS: readonly number[] = Array.from({ length: 20 }, (_, i) => Math.round((i + 1) * 5) / 100);
/** Default regression-output buckets: a signed log scale; set `predictionBuckets` to the model's range. */
export const DEFAULT_VALUE_BUCKETS: readonly number[] = [-1e4, -1e3, -100, -10, -1, -0.1, 0, 0.1, 1, 10, 100, 1e3, 1e4];

type ML = 'model' | 'version';

export interface ModelFamilies {
  predictions: FastCounter<ML | 'outcome'>;
  latency: FastHistogram<ML>;
  predictionValue: FastHistogram<ML>;
  predictionScore: FastHistogram<ML>;
  predictedClass: FastCounter<ML | 'class'>;
  featureMissing: FastCounter<ML | 'feature'>;
  featureCategory: FastCounter<ML | 'feature' | 'category'>;
  featureNonFinite: FastCounter<ML | 'feature'>;
  outputNonFinite: FastCounter<ML>;
  modelInfo: Gauge<ML | 'deps_hash'>;
  loadedAt: Gauge<ML>;
}

export interface ExporterFamilies {
  sent: FastCounter<'model' | 'kind'>;
  failed: FastCounter<'model' | 'kind' | 'reason'>;
  dropped: FastCounter<'model' | 'kind' | 'reason'>;
  retries: FastCounter<'model' | 'kind'>;
  queue: Gauge<'model' | 'kind'>;
  /** Called when the registry is scraped, to set `queue` (one per exporter). */
  queueReporters: Set<() => void>;
}

const modelCache = new WeakMap<Registry, ModelFamilies>();
const exporterCache = new WeakMap<Registry, ExporterFamilies>();

function assertFree(registry: Registry, names: string[]): void {
  for (const name of names) {
    if (registry.getSingleMetric(name)) {
      throw new Error(`the registry already has a metric named ${name} that @modelwatch/node did not create; use another registry`);
    }
  }
}

/** The model metric families of `registry` (created on first use). */
export function modelFamilies(registry: Registry): ModelFamilies {
  const cached = modelCache.get(registry);
  if (cached) return cached;
  assertFree(registry, [
    'modelwatch_predictions_total',
    'modelwatch_prediction_latency_seconds',
    'modelwatch_prediction_value',
    'modelwatch_prediction_score',
    'modelwatch_predicted_class_total',
    'modelwatch_feature_missing_total',
    'modelwatch_feature_category_total',
    'modelwatch_feature_nonfinite_total',
    'modelwatch_prediction_nonfinite_total',
    'modelwatch_model_info',
    'modelwatch_model_loaded_timestamp_seconds',
  ]);
  const registers = [registry];
  const families: ModelFamilies = {
    predictions: new FastCounter({
      name: 'modelwatch_predictions_total',
      help: 'Predictions served, by outcome (ok: an answer; error: the model threw or the request failed with a 5xx).',
      labelNames: ['model', 'version', 'outcome'],
      registers,
    }),
    latency: new FastHistogram({
      name: 'modelwatch_prediction_latency_seconds',
      help: 'Time to compute a prediction, in seconds.',
      labelNames: ['model', 'version'],
      buckets: DEFAULT_LATENCY_BUCKETS,
      registers,
    }),
    predictionValue: new FastHistogram({
      name: 'modelwatch_prediction_value',
      help: 'Distribution of numeric predictions (regression outputs).',
      labelNames: ['model', 'version'],
      buckets: DEFAULT_VALUE_BUCKETS,
      registers,
    }),
    predictionScore: new FastHistogram({
      name: 'modelwatch_prediction_score',
      help: 'Distribution of classifier scores (the positive-class probability, or the score of the class given by scoreClass).',
      labelNames: ['model', 'version'],
      buckets: DEFAULT_SCORE_BUCKETS,
      registers,
    }),
    predictedClass: new FastCounter({
      name: 'modelwatch_predicted_class_total',
      help: 'Predictions per predicted class (bounded; later classes fold into __other__).',
      labelNames: ['model', 'version', 'class'],
      registers,
    }),
    featureMissing: new FastCounter({
      name: 'modelwatch_feature_missing_total',
      help: 'Predictions whose input lacked the feature (absent, null, empty string, or a value of the wrong kind).',
      labelNames: ['model', 'version', 'feature'],
      registers,
    }),
    featureCategory: new FastCounter({
      name: 'modelwatch_feature_category_total',
      help: 'Values seen per categorical feature: the first K distinct values each, the rest as __other__.',
      labelNames: ['model', 'version', 'feature', 'category'],
      registers,
    }),
    featureNonFinite: new FastCounter({
      name: 'modelwatch_feature_nonfinite_total',
      help: 'Numeric feature values that were NaN or infinite.',
      labelNames: ['model', 'version', 'feature'],
      registers,
    }),
    outputNonFinite: new FastCounter({
      name: 'modelwatch_prediction_nonfinite_total',
      help: 'Predictions whose numeric output or score was NaN or infinite.',
      labelNames: ['model', 'version'],
      registers,
    }),
    modelInfo: new Gauge({
      name: 'modelwatch_model_info',
      help: 'Always 1: the served model versions and the hash of their dependencies (a dependency change shows as a new deps_hash).',
      labelNames: ['model', 'version', 'deps_hash'],
      registers,
    }),
    loadedAt: new Gauge({
      name: 'modelwatch_model_loaded_timestamp_seconds',
      help: 'When the model version was loaded (Unix seconds); time() minus this is its staleness.',
      labelNames: ['model', 'version'],
      registers,
    }),
  };
  modelCache.set(registry, families);
  return families;
}

/** The exporter self-metric families of `registry` (created on first use). */
export function exporterFamilies(registry: Registry): ExporterFamilies {
  const cached = exporterCache.get(registry);
  if (cached) return cached;
  assertFree(registry, [
    'modelwatch_exporter_sent_total',
    'modelwatch_exporter_failed_total',
    'modelwatch_exporter_dropped_total',
    'modelwatch_exporter_retries_total',
    'modelwatch_exporter_queue_size',
  ]);
  const registers = [registry];
  const queueReporters = new Set<() => void>();
  const families: ExporterFamilies = {
    queueReporters,
    sent: new FastCounter({
      name: 'modelwatch_exporter_sent_total',
      help: 'Records the modelwatch service acknowledged (committed; includes duplicates of retried batches).',
      labelNames: ['model', 'kind'],
      registers,
    }),
    failed: new FastCounter({
      name: 'modelwatch_exporter_failed_total',
      help: 'Records the service refused and that are not retried: rejected records, or a batch answered with a non-retryable 4xx.',
      labelNames: ['model', 'kind', 'reason'],
      registers,
    }),
    dropped: new FastCounter({
      name: 'modelwatch_exporter_dropped_total',
      help: 'Records never delivered: the queue overflowed (oldest dropped), retries ran out, or shutdown timed out.',
      labelNames: ['model', 'kind', 'reason'],
      registers,
    }),
    retries: new FastCounter({
      name: 'modelwatch_exporter_retries_total',
      help: 'Batch sends retried after a network error, a timeout, 408, 409, 429 or 5xx.',
      labelNames: ['model', 'kind'],
      registers,
    }),
    queue: new Gauge({
      name: 'modelwatch_exporter_queue_size',
      help: 'Records waiting to be sent (queued plus in flight).',
      labelNames: ['model', 'kind'],
      registers,
      collect() {
        for (const report of queueReporters) report();
      },
    }),
  };
  exporterCache.set(registry, families);
  return families;
}

/**
 * Registers prom-client's process metrics (CPU, resident memory, heap, event-loop
 * lag, GC) on `registry` unless they are already there.
 */
export function ensureProcessMetrics(registry: Registry): void {
  if (registry.getSingleMetric('process_cpu_user_seconds_total')) return;
  collectDefaultMetrics({ register: registry });
}
