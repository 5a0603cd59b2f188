/**
 * Delivering notifications to channels (`notifications:` in `modelwatch.yaml`),
 * in the background: the alert engine hands a notice over and never waits for
 * the network.
 *
 * Each channel gets an HTTP POST of its payload (JSON; the channel's `headers`
 * added) with the channel's `timeout` per attempt. Network errors, timeouts,
 * `408`, `429` and `5xx` answers are retried up to `maxAttempts` attempts in
 * all, waiting `backoff · 2^(attempt−1)` between attempts (at most
 * `maxBackoff`; a longer `Retry-After` of a `429`/`503` is honoured up to
 * `maxBackoff`); other `4xx` answers are not retried (the request itself is
 * wrong). `backoff` and `maxBackoff` are the channel's (`backoffMs`,
 * `maxBackoffMs`), else the notifier's. Every attempt is written to the
 * delivery log (`Store.logDeliveries`: time, attempt number, HTTP status or
 * error) whatever its outcome.
 *
 * `close()` lets the deliveries of each channel finish for at most the
 * channel's `shutdownGraceMs` (else the notifier's; `close(graceMs)` sets one
 * for all), then aborts them (the aborted attempt is logged with `aborted:
 * shutting down`).
 */
import type { NotificationChannel } from '../config/types.js';
import type { DeliveryRecord, Store } from '../store/store.js';
import { slackPayload, webhookPayload } from './payload.js';
import type { AlertNotice } from './payload.js';

export type DeliveryOutcome = 'delivered' | 'failed' | 'aborted';

export interface NotifierLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface NotifierOptions {
  /** First wait between attempts of channels that set none (default 1000 ms); doubles after each attempt. */
  backoffMs?: number;
  /** Longest wait between attempts of channels that set none (default 60 s). */
  maxBackoffMs?: number;
  /** How long a shutdown waits for deliveries of channels that set no `shutdownGraceMs` (default 5 s). */
  shutdownGraceMs?: number;
  /** The server's URL, for absolute links in payloads. */
  externalUrl?: () => string | undefined;
  log?: NotifierLogger;
  /** Called once per notification and channel with the outcome (the `modelwatch_alert_notifications_total` counter). */
  onOutcome?: (channel: string, outcome: DeliveryOutcome) => void;
  /** The wall clock (tests). */
  now?: () => number;
  userAgent?: string;
}

/** The body of a notice for a channel. */
export function channelPayload(channel: NotificationChannel, notice: AlertNotice, externalUrl: string | undefined): Record<string, unknown> {
  return channel.type === 'slack' ? slackPayload(notice, externalUrl) : webhookPayload(notice, channel.name, externalUrl);
}

const RETRYABLE_STATUS = (s: number) => s >= 500 || s === 408 || s === 429;
/** Error text kept in the log (an answer's body is truncated to it). */
const MAX_ERROR_TEXT = 300;

export class Notifier {
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Deliveries in flight per channel (to give each channel its grace at shutdown). */
  private readonly active = new Map<string, { channel: NotificationChannel; count: number }>();
  /** Per channel: aborted when the channel's shutdown grace is over. */
  private readonly stops = new Map<string, AbortController>();
  /** Shutdown timers per channel, once `close` started. */
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private closing = false;
  /** Every grace is over: anything still or newly running is aborted. */
  private stopped = false;
  private graceOverride: number | undefined;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Pick<Store, 'logDeliveries'>,
    private readonly options: NotifierOptions = {},
  ) {
    this.backoffMs = Math.max(0, options.backoffMs ?? 1000);
    this.maxBackoffMs = Math.max(this.backoffMs, options.maxBackoffMs ?? 60_000);
    this.graceMs = Math.max(0, options.shutdownGraceMs ?? 5000);
    this.now = options.now ?? Date.now;
  }

  /** The signal that stops a channel's deliveries (its shutdown grace is over). */
  private stopOf(channel: string): AbortSignal {
    let c = this.stops.get(channel);
    if (!c) {
      c = new AbortController();
      if (this.stopped) c.abort();
      this.stops.set(channel, c);
    }
    return c.signal;
  }

  /** Once closing: stops the channel's deliveries when its grace is over (counted from the first call). */
  private armGrace(channel: NotificationChannel): void {
    if (!this.closing || this.stopped || this.graceTimers.has(channel.name)) return;
    const ms = Math.max(0, this.graceOverride ?? channel.shutdownGraceMs ?? this.graceMs);
    const timer = setTimeout(() => {
      this.stopOf(channel.name);
      this.stops.get(channel.name)!.abort();
    }, ms);
    this.graceTimers.set(channel.name, timer);
  }

  setLogger(log: NotifierLogger): void {
    this.options.log = log;
  }

  /** Deliveries not finished yet. */
  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * Delivers a notice to channels in the background; the promise resolves with
   * the outcome per channel once every delivery has finished (it never rejects).
   */
  deliver(notice: AlertNotice, channels: readonly NotificationChannel[]): Promise<DeliveryOutcome[]> {
    const p = Promise.all(
      channels.map(async (c) => {
        const a = this.active.get(c.name);
        if (a) a.count++;
        else this.active.set(c.name, { channel: c, count: 1 });
        this.armGrace(c);
        try {
          return await this.deliverOne(notice, c);
        } finally {
          const b = this.active.get(c.name)!;
          if (--b.count === 0) this.active.delete(c.name);
        }
      }),
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async deliverOne(notice: AlertNotice, channel: NotificationChannel): Promise<DeliveryOutcome> {
    let outcome: DeliveryOutcome = 'failed';
    try {
      outcome = await this.attempts(notice, channel);
    } catch (err) {
      this.options.log?.error({ err, channel: channel.name, rule: notice.rule }, 'notification delivery failed unexpectedly');
    }
    this.options.onOutcome?.(channel.name, outcome);
    if (outcome !== 'delivered') {
      this.options.log?.warn({ channel: channel.name, model: notice.model, rule: notice.rule, key: notice.key, status: notice.status, outcome }, 'a notification was not delivered');
    }
    return outcome;
  }

  private async attempts(notice: AlertNotice, channel: NotificationChannel): Promise<DeliveryOutcome> {
    const stop = this.stopOf(channel.name);
    if (this.closing && stop.aborted) return 'aborted';
    const backoffMs = Math.max(0, channel.backoffMs ?? this.backoffMs);
    const maxBackoffMs = Math.max(backoffMs, channel.maxBackoffMs ?? this.maxBackoffMs);
    const body = JSON.stringify(channelPayload(channel, notice, this.options.externalUrl?.()));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent ?? 'modelwatch',
      ...channel.headers,
    };
    const max = Math.max(1, channel.maxAttempts);
    for (let attempt = 1; attempt <= max; attempt++) {
      const at = this.now();
      const timeout = AbortSignal.timeout(Math.max(1, channel.timeoutMs));
      const signal = AbortSignal.any([timeout, stop]);
      let status: number | null = null;
      let error: string | null = null;
      let retryAfterMs: number | null = null;
      try {
        const res = await fetch(channel.url, { method: 'POST', headers, body, signal, redirect: 'manual' });
        status = res.status;
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.now());
        const text = await readSome(res, 4096).catch(() => '');
        if (status < 200 || status >= 300) error = `HTTP ${status}${text ? `: ${text.slice(0, MAX_ERROR_TEXT)}` : ''}`;
      } catch (err) {
        if (stop.aborted) error = 'aborted: shutting down';
        else if (timeout.aborted) error = `timeout after ${channel.timeoutMs} ms`;
        else error = describeError(err);
      }
      const ok = error === null;
      await this.log({ model: notice.model, rule: notice.rule, channel: channel.name, at, attempt, ok, status, error, id: notice.id, key: notice.key, event: notice.status });
      if (ok) return 'delivered';
      if (stop.aborted) return 'aborted';
      const retryable = status === null || RETRYABLE_STATUS(status);
      if (!retryable || attempt === max) return 'failed';
      let wait = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
      if (retryAfterMs !== null && (status === 429 || status === 503)) wait = Math.max(wait, Math.min(retryAfterMs, maxBackoffMs));
      if (!(await this.sleep(wait, stop))) return 'aborted';
    }
    return 'failed';
  }

  private async log(rec: DeliveryRecord): Promise<void> {
    try {
      await this.store.logDeliveries([rec]);
    } catch (err) {
      this.options.log?.error({ err, channel: rec.channel, rule: rec.rule }, 'could not write the delivery log');
    }
  }

  /** Waits `ms`; false when shutdown interrupted the wait. */
  private sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Resolves when every delivery handed over so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stops: the deliveries of each channel get up to the channel's shutdown
   * grace (`graceMs` when given, for every channel) to finish, retries
   * included, then are aborted; resolves once all have ended. Idempotent.
   */
  async close(graceMs?: number): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.graceOverride = graceMs;
      for (const { channel } of this.active.values()) this.armGrace(channel);
    }
    await this.idle();
    this.stopped = true;
    for (const c of this.stops.values()) c.abort();
    for (const t of this.graceTimers.values()) clearTimeout(t);
    await this.idle();
  }
}

/** At most `limit` bytes of an answer's body as text (the rest is not read: receivers may answer with anything). */
async function readSome(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** `Retry-After` as milliseconds from now (seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}

function describeError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`.slice(0, MAX_ERROR_TEXT);
}
