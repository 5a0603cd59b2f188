/**
 * Alert metrics on `/metrics`:
 *
 * - `modelwatch_alert_firing{model,alert,severity}`: 1 while any series of the
 *   rule fires, else 0 — one sample per rule of every model (bounded by the
 *   rules), rebuilt from the engine's states at every scrape (so also right
 *   after a restart, from the stored states);
 * - `modelwatch_alert_notifications_total{channel,outcome}`: notifications per
 *   channel that were `delivered`, `failed` (gave up after the attempts, or a
 *   non-retryable answer) or `aborted` (shutdown; sent again at the next start).
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { DeliveryOutcome } from '../notify/notifier.js';

export interface FiringSource {
  firing(): Promise<{ model: string; rule: string; severity: string; firing: boolean }[]>;
}

export class AlertMetrics {
  readonly firing: Gauge<'model' | 'alert' | 'severity'>;
  readonly notifications: Counter<'channel' | 'outcome'>;
  private source: FiringSource | null = null;

  constructor(registry: Registry) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    this.firing = new Gauge({
      name: 'modelwatch_alert_firing',
      help: 'Whether an alert rule fires (1: at least one of its series, per version or feature, is firing; 0: none).',
      labelNames: ['model', 'alert', 'severity'],
      registers: [registry],
      async collect() {
        if (!self.source) return;
        const rows = await self.source.firing();
        this.reset();
        for (const r of rows) this.set({ model: r.model, alert: r.rule, severity: r.severity }, r.firing ? 1 : 0);
      },
    });
    this.notifications = new Counter({
      name: 'modelwatch_alert_notifications_total',
      help: 'Alert notifications per channel by outcome: delivered, failed (gave up), aborted (shutdown).',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    });
  }

  /** Where the firing gauge reads from (the alert engine). */
  setSource(source: FiringSource): void {
    this.source = source;
  }

  outcome(channel: string, outcome: DeliveryOutcome): void {
    this.notifications.inc({ channel, outcome });
  }
}
