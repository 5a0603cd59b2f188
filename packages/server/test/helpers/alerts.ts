/**
 * Fixtures for the alert tests: monitor results built by hand (not by the
 * monitors), and real HTTP receivers on loopback that record what notification
 * channels post.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FeatureResult, MonitorResult } from '../../src/monitor/result.js';

export const HOUR = 3_600_000;
export const T0 = Date.UTC(2024, 5, 1);

/** A feature-drift result of the tumbling 1 h window ending at `end`. */
export function driftResult(o: {
  end: number;
  share: number | null;
  version?: string | null;
  monitor?: string;
  model?: string;
  features?: Record<string, { score: number | null; detected: 0 | 1 | null }>;
  sizeMs?: number;
}): MonitorResult {
  const features: FeatureResult[] = Object.entries(o.features ?? {}).map(([feature, f]) => ({
    feature,
    kind: 'numeric',
    method: 'wasserstein_normed',
    threshold: 0.1,
    metrics: { drift_score: f.score, drift_detected: f.detected, p_value: null },
  }));
  const size = o.sizeMs ?? HOUR;
  return {
    resultVersion: 1,
    type: 'feature_drift',
    monitor: o.monitor ?? 'drift',
    model: o.model ?? 'fraud',
    version: o.version === undefined ? 'v1' : o.version,
    window: { type: size === HOUR ? 'tumbling' : 'sliding', start: o.end - size, end: o.end, label: size === HOUR ? '1h' : `${size / HOUR}h` },
    reference: { kind: 'reference', rows: 1000 },
    metrics: {
      rows: 100,
      evaluation_seconds: 0.01,
      dataset_drift_share: o.share,
      dataset_drift_detected: o.share === null ? null : o.share >= 0.5 ? 1 : 0,
      drifted_features: features.filter((f) => f.metrics.drift_detected === 1).length,
      tested_features: features.length,
    },
    features,
    computedAt: o.end + 60_000,
  };
}

export interface Received {
  index: number;
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** How the receiver answers request `index` (0-based): a status, optionally headers and a delay (ms) before answering. */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number; body?: string };

/** A real HTTP server on 127.0.0.1 recording every POST (JSON bodies parsed). */
export async function receiver(answer: (index: number) => Answer = () => ({ status: 200 })): Promise<{
  url: string;
  requests: Received[];
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}> {
  const requests: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const index = requests.length;
      requests.push({ index, at: Date.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      for (const w of waiters.splice(0)) {
        if (requests.length >= w.n) w.resolve();
        else waiters.push(w);
      }
      const a = answer(index);
      open.add(res);
      res.on('close', () => open.delete(res));
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(a.status, { 'content-type': 'text/plain', ...(a.headers ?? {}) });
        res.end(a.body ?? (a.status < 300 ? 'ok' : 'error'));
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    waitFor(n, timeoutMs = 20_000) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`receiver: ${requests.length} of ${n} requests after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
    async close() {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Receivers made by one test file, closed together (`closeAll` in its `after`). */
export function receiverPool(): { add: (...args: Parameters<typeof receiver>) => ReturnType<typeof receiver>; closeAll: () => Promise<void> } {
  const open: Awaited<ReturnType<typeof receiver>>[] = [];
  return {
    async add(...args) {
      const r = await receiver(...args);
      open.push(r);
      return r;
    },
    async closeAll() {
      for (const r of open.splice(0)) await r.close();
    },
  };
}
