/**
 * A service loaded with a replay of real data: US flights of 2001
 * (`vega-datasets`' flights-3m.parquet, read with DuckDB), served by a small
 * delay model whose predictions, scores, latencies and error flags are
 * computed here, deterministically, from each flight.
 *
 * - reference: a sample of January 2001 (with the model's outputs and the
 *   truth, as a training set would have them);
 * - events: a sample of 15 Feb – 14 Mar 2001 with their real departure times;
 *   version `v1` throughout, and a canary `v2` taking about a third of the
 *   traffic from 1 March (a different model: more positive predictions, a
 *   little slower);
 * - feedback: the truth (`delay > 15` minutes) for about 70 % of events,
 *   arriving 2 to 50 hours after the flight;
 * - incidents: distances missing on 5–6 March, an error burst on 10 March, and a
 *   few events whose origin airport is a hostile string (a new category whose
 *   examples the dashboard must show as text).
 *
 * A second model, `hostile-strings`, has feature names, categories and a
 * version made of markup that must never run.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { fileURLToPath } from 'node:url';

export const FLIGHTS_PARQUET = fileURLToPath(new URL('../../../../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url));

export const HOSTILE_SCRIPT = '<script>alert(1)</script>';
export const HOSTILE_IMG = '"><img src=x onerror=alert(2)>';

const HOUR = 3_600_000;

/** The flights model's schema. */
export const FLIGHTS_SCHEMA = {
  task: 'binary' as const,
  positiveLabel: '1',
  columns: [
    { name: 'distance', kind: 'numeric', role: 'feature' },
    { name: 'origin', kind: 'categorical', role: 'feature' },
    { name: 'destination', kind: 'categorical', role: 'feature' },
    { name: 'dep_hour', kind: 'numeric', role: 'feature' },
    { name: 'weekday', kind: 'categorical', role: 'feature' },
    { name: 'delayed', kind: 'categorical', role: 'prediction' },
    { name: 'p_delayed', kind: 'numeric', role: 'score', scoreOf: '1' },
    { name: 'label', kind: 'categorical', role: 'target' },
  ],
};

/** Monitors of the flights model (small windows so a test evaluates them in seconds). */
export const FLIGHTS_MONITORS = [
  { name: 'dq', type: 'data_quality', window: '1d' },
  { name: 'drift', type: 'feature_drift', window: { type: 'sliding', size: '24h', every: '12h' }, thresholds: { drift_share: 0.4 } },
  { name: 'output', type: 'prediction_drift', window: '1d' },
  { name: 'quality', type: 'model_quality', window: '1d' },
  { name: 'quality_total', type: 'model_quality', window: { type: 'cumulative', every: '1d' } },
];

export const FLIGHTS_ALERTS = [
  { name: 'drift-high', monitor: 'drift', metric: 'dataset_drift_share', op: '>=', threshold: 0.6, for: '0s', severity: 'critical' },
  { name: 'auc-low', monitor: 'quality', metric: 'roc_auc', op: '<', threshold: 0.55, for: '0s', severity: 'warning' },
];

/** One flight as read from the file. */
interface Flight {
  ts: number;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
  row: number;
}

/** A 32-bit hash of a string (FNV-1a), for deterministic per-event choices. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const unit = (s: string) => hash32(s) / 2 ** 32;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const HUB_BIAS: Record<string, number> = { ORD: 0.45, EWR: 0.5, ATL: 0.3, DFW: 0.25, SFO: 0.35, LGA: 0.4 };

/** The delay model: a fixed logistic score; v2 (the canary) is more eager. */
export function score(f: { dep_hour: number; distance: number | null; origin: string; weekday: string }, version: string): number {
  const z =
    (version === 'v2' ? -0.75 : -1.25) +
    (version === 'v2' ? 0.11 : 0.07) * (f.dep_hour - 12) +
    0.00022 * (f.distance ?? 800) +
    (HUB_BIAS[f.origin] ?? 0) +
    (f.weekday === 'Fri' || f.weekday === 'Sun' ? 0.2 : 0);
  return 1 / (1 + Math.exp(-z));
}

async function readFlights(sql: string): Promise<Flight[]> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await db.connect();
  try {
    const res = await conn.runAndReadAll(sql.replace('$FILE', `'${FLIGHTS_PARQUET.replace(/'/g, "''")}'`));
    return res.getRows().map((r) => ({
      ts: Number(r[0]),
      delay: Number(r[1]),
      distance: Number(r[2]),
      origin: String(r[3]),
      destination: String(r[4]),
      row: Number(r[5]),
    }));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

export interface ReplayEvent {
  id: string;
  ts: number;
  version: string;
  features: { distance: number | null; origin: string; destination: string; dep_hour: number; weekday: string };
  prediction: string;
  scores: { '1': number };
  latency_ms: number;
  error: boolean;
}

export interface ReplayFeedback {
  id: string;
  target: string;
  ts: number;
}

export interface FlightsReplay {
  reference: Record<string, unknown>[];
  events: ReplayEvent[];
  feedback: ReplayFeedback[];
}

function featuresOf(f: Flight) {
  const d = new Date(f.ts);
  return { distance: f.distance, origin: f.origin, destination: f.destination, dep_hour: d.getUTCHours(), weekday: WEEKDAYS[d.getUTCDay()] };
}

/**
 * Reads the replay: `referenceRows` flights of January and about `perDay`
 * flights per day from 15 Feb to 14 Mar 2001 (a deterministic sample).
 */
export async function loadFlightsReplay(opts: { referenceRows?: number; perDay?: number } = {}): Promise<FlightsReplay> {
  const referenceRows = opts.referenceRows ?? 20_000;
  const perDay = opts.perDay ?? 1_200;
  // ~16.5k flights a day in the file: keep a hash-selected share of them.
  const eventShare = Math.max(1, Math.round(16_500 / perDay));
  const ref = await readFlights(
    `SELECT epoch_ms(date), delay, distance, origin, destination, row_number() OVER () AS r FROM $FILE
     WHERE date < TIMESTAMP '2001-02-01' ORDER BY hash(date, origin, destination, delay, distance) LIMIT ${referenceRows}`,
  );
  const cur = await readFlights(
    `SELECT epoch_ms(date), delay, distance, origin, destination, r FROM (
       SELECT *, row_number() OVER () AS r FROM $FILE WHERE date >= TIMESTAMP '2001-02-15' AND date < TIMESTAMP '2001-03-15')
     WHERE hash(r) % ${eventShare} = 0 ORDER BY date, r`,
  );
  const reference = ref.map((f) => {
    const x = featuresOf(f);
    const p = score(x, 'v1');
    return { ...x, delayed: p >= 0.35 ? '1' : '0', p_delayed: p, label: f.delay > 15 ? '1' : '0' };
  });
  const canaryFrom = Date.UTC(2001, 2, 1);
  const events: ReplayEvent[] = [];
  const feedback: ReplayFeedback[] = [];
  cur.forEach((f, i) => {
    const id = `fl-${f.row}`;
    const features = featuresOf(f) as ReplayEvent['features'];
    const day = new Date(f.ts).getUTCDate();
    const month = new Date(f.ts).getUTCMonth();
    // Incidents: a broken distance feed on 5-6 March; hostile origins, rarely.
    if (month === 2 && (day === 5 || day === 6) && unit(`${id}/missing`) < 0.3) features.distance = null;
    if (i % 997 === 13) features.origin = i % 2 ? HOSTILE_SCRIPT : HOSTILE_IMG;
    const version = f.ts >= canaryFrom && unit(`${id}/canary`) < 0.35 ? 'v2' : 'v1';
    const p = score(features, version);
    const errorRate = month === 2 && day === 10 ? 0.06 : 0.004;
    events.push({
      id,
      ts: f.ts,
      version,
      features,
      prediction: p >= 0.35 ? '1' : '0',
      scores: { '1': Math.round(p * 1e6) / 1e6 },
      latency_ms: Math.round((2 + 6 * unit(`${id}/lat`) ** 3 + (version === 'v2' ? 1.5 : 0)) * 100) / 100,
      error: unit(`${id}/err`) < errorRate,
    });
    if (unit(`${id}/labelled`) < 0.7) feedback.push({ id, target: f.delay > 15 ? '1' : '0', ts: f.ts + Math.round((2 + 48 * unit(`${id}/lag`)) * HOUR) });
  });
  return { reference, events, feedback };
}

/** The second model: markup in feature names, categories and a version. */
export const HOSTILE_SCHEMA = {
  task: 'binary' as const,
  columns: [
    { name: HOSTILE_SCRIPT, kind: 'categorical', role: 'feature' },
    { name: HOSTILE_IMG, kind: 'numeric', role: 'feature' },
    { name: 'pred', kind: 'categorical', role: 'prediction' },
  ],
};

export function hostileEvents(n: number, t0: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `h-${i}`,
    ts: t0 + i * 60_000,
    version: i % 2 ? HOSTILE_IMG : 'v1',
    features: { [HOSTILE_SCRIPT]: [HOSTILE_SCRIPT, HOSTILE_IMG, 'plain'][i % 3], [HOSTILE_IMG]: (i % 11) - 3 },
    prediction: i % 3 === 0 ? HOSTILE_SCRIPT : 'ok',
    latency_ms: 1 + (i % 5),
  }));
}

export function hostileReference(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ [HOSTILE_SCRIPT]: ['plain', HOSTILE_SCRIPT][i % 2], [HOSTILE_IMG]: i % 7, pred: 'ok' }));
}

/** What {@link loadService} needs of a server (`ModelwatchServer` fits). */
interface Injectable {
  app: { inject(opts: { method: string; url: string; headers?: Record<string, string>; payload?: string }): Promise<{ statusCode: number; body: string }> };
}

async function send(s: Injectable, method: string, url: string, payload: string, type: string, headers: Record<string, string>): Promise<void> {
  const res = await s.app.inject({ method, url, headers: { 'content-type': type, ...headers }, payload });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 500)}`);
}

/**
 * Registers the two models, uploads their references and sends events and
 * feedback in batches, as clients would (`headers` carries a write token).
 */
export async function loadService(s: Injectable, replay: FlightsReplay, headers: Record<string, string> = {}): Promise<void> {
  const json = 'application/json';
  const ndjson = 'application/x-ndjson';
  await send(s, 'PUT', '/v1/models/flights', JSON.stringify({ task: 'binary', versions: ['v1', 'v2'], schema: FLIGHTS_SCHEMA }), json, headers);
  await send(s, 'PUT', '/v1/models/flights/reference', replay.reference.map((r) => JSON.stringify(r)).join('\n'), ndjson, headers);
  for (let i = 0; i < replay.events.length; i += 5000) {
    await send(s, 'POST', '/v1/models/flights/events', replay.events.slice(i, i + 5000).map((e) => JSON.stringify(e)).join('\n'), ndjson, headers);
  }
  for (let i = 0; i < replay.feedback.length; i += 5000) {
    await send(s, 'POST', '/v1/models/flights/feedback', JSON.stringify(replay.feedback.slice(i, i + 5000)), json, headers);
  }
  await send(s, 'PUT', '/v1/models/hostile-strings', JSON.stringify({ task: 'binary', versions: ['v1', HOSTILE_IMG], schema: HOSTILE_SCHEMA }), json, headers);
  await send(s, 'PUT', '/v1/models/hostile-strings/reference', hostileReference(400).map((r) => JSON.stringify(r)).join('\n'), ndjson, headers);
  await send(s, 'POST', '/v1/models/hostile-strings/events', JSON.stringify(hostileEvents(600, Date.UTC(2001, 2, 13))), json, headers);
}
