/**
 * What route handlers share: configuration, store, write queue, metrics and the
 * compiled per-model event plans.
 */
import type { ModelwatchConfig } from '../config/types.js';
import { compileEventPlan } from '../ingest/events.js';
import type { EventPlan } from '../ingest/events.js';
import type { WriteQueue } from '../ingest/write-queue.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import type { MonitorDefinitions } from '../monitor/manage.js';
import type { AlertEngine } from '../alerts/engine.js';
import type { ReferenceService } from '../reference/service.js';
import type { ModelRecord, Store } from '../store/store.js';

export interface ServerContext {
  config: ModelwatchConfig;
  store: Store;
  queue: WriteQueue;
  metrics: ServerMetrics;
  plans: PlanCache;
  /** Model references: uploads, and the provider monitors read. */
  references: ReferenceService;
  /** Monitors and alert rules managed over the API. */
  definitions: MonitorDefinitions;
  /** Alert states (set once the engine exists). */
  alerts?: AlertEngine;
  /** False while starting and once shutting down. */
  ready(): boolean;
}

/** Event plans by model, recompiled when the model's generation or declared versions change. */
export class PlanCache {
  private readonly plans = new Map<string, { record: ModelRecord; plan: EventPlan }>();

  get(record: ModelRecord): EventPlan {
    const hit = this.plans.get(record.name);
    if (hit && hit.record === record) return hit.plan;
    const plan = compileEventPlan(record);
    this.plans.set(record.name, { record, plan });
    return plan;
  }
}
