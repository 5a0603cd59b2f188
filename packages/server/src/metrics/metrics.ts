/**
 * The service's own Prometheus metrics (ingestion, HTTP, write queue), in a
 * registry per server instance so that several servers in one process (tests)
 * never share counters. Names follow ARCHITECTURE.md: prefix `modelwatch_`, base
 * units, counters end in `_total`, and every label has a bounded set of values
 * (models are bounded by `server.maxModels`, versions per model by
 * `server.maxVersionLabels` with the rest folded into `__other__`, reasons by
 * `REJECT_REASONS`, routes by the route table).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ModelMetrics } from './model-metrics.js';

export const OTHER_LABEL = '__other__';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly eventsIngested: Counter<'model' | 'version'>;
  readonly eventsRejected: Counter<'model' | 'reason'>;
  readonly eventsDuplicate: Counter<'model'>;
  readonly feedbackIngested: Counter<'model'>;
  readonly feedbackRejected: Counter<'model' | 'reason'>;
  readonly ingestViolations: Counter<'model' | 'type'>;
  readonly throttled: Counter<'kind'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly commitDuration: Histogram<'kind'>;
  /** Time to evaluate one monitor on one window (read, compare, derive), by model and monitor. */
  readonly monitorEvaluation: Histogram<'model' | 'monitor'>;
  readonly queueEvents: Gauge;
  readonly queueRequests: Gauge;
  /** Model health gauges: the latest monitor results (drift, data quality, model quality). */
  readonly models: ModelMetrics;
  private readonly versionLabels = new Map<string, Set<string>>();

  constructor(private readonly maxVersionLabels: number, opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.eventsIngested = new Counter({
      name: 'modelwatch_events_ingested_total',
      help: 'Prediction events accepted and committed (duplicates excluded).',
      labelNames: ['model', 'version'],
      registers,
    });
    this.eventsRejected = new Counter({
      name: 'modelwatch_events_rejected_total',
      help: 'Prediction event records rejected as structurally malformed, by reason.',
      labelNames: ['model', 'reason'],
      registers,
    });
    this.eventsDuplicate = new Counter({
      name: 'modelwatch_events_duplicate_total',
      help: 'Prediction event records skipped because the same (id, ts) was already stored.',
      labelNames: ['model'],
      registers,
    });
    this.feedbackIngested = new Counter({
      name: 'modelwatch_feedback_ingested_total',
      help: 'Ground-truth records accepted and committed.',
      labelNames: ['model'],
      registers,
    });
    this.feedbackRejected = new Counter({
      name: 'modelwatch_feedback_rejected_total',
      help: 'Ground-truth records rejected as malformed, by reason.',
      labelNames: ['model', 'reason'],
      registers,
    });
    this.ingestViolations = new Counter({
      name: 'modelwatch_ingest_data_quality_violations_total',
      help: 'Data-quality findings at ingestion: values of the wrong type, events with unknown keys, events with missing columns.',
      labelNames: ['model', 'type'],
      registers,
    });
    this.throttled = new Counter({
      name: 'modelwatch_ingest_throttled_total',
      help: 'Requests answered 429 because the write queue was full.',
      labelNames: ['kind'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'modelwatch_http_request_duration_seconds',
      help: 'HTTP request duration.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.commitDuration = new Histogram({
      name: 'modelwatch_store_commit_duration_seconds',
      help: 'Duration of one durable write transaction (group commit).',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.monitorEvaluation = new Histogram({
      name: 'modelwatch_monitor_evaluation_seconds',
      help: 'Time to evaluate a monitor on one window (monitors evaluated together share one read and comparison).',
      labelNames: ['model', 'monitor'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueEvents = new Gauge({
      name: 'modelwatch_write_queue_events',
      help: 'Events and feedback records waiting to be committed.',
      registers,
    });
    this.queueRequests = new Gauge({
      name: 'modelwatch_write_queue_requests',
      help: 'Requests waiting to be committed.',
      registers,
    });
    this.models = new ModelMetrics(this.registry, { versionLabel: (model, version) => this.versionLabel(model, version) });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Declares versions that always get their own label value (the model's declared versions). */
  declareVersions(model: string, versions: readonly string[]): void {
    const set = this.versionSet(model);
    for (const v of versions) set.add(v);
  }

  /** The `version` label value for a version: itself while the model has fewer than the limit, else `__other__`. */
  versionLabel(model: string, version: string): string {
    const set = this.versionSet(model);
    if (set.has(version)) return version;
    if (set.size < this.maxVersionLabels) {
      set.add(version);
      return version;
    }
    return OTHER_LABEL;
  }

  private versionSet(model: string): Set<string> {
    let set = this.versionLabels.get(model);
    if (!set) {
      set = new Set();
      this.versionLabels.set(model, set);
    }
    return set;
  }
}
