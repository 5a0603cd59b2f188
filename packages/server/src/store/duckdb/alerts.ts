/**
 * Alert state in the DuckDB store (the SQL behind the Store's alert methods):
 *
 * - `mw_alert_state`: one row per alert series — its state, since when, the
 *   latest value, labels, and the engine's bookkeeping (`detail` JSON);
 * - `mw_alert_points`: the rule's value per series and window (a bounded tail
 *   per series), from which states are derived again when results arrive out of
 *   order or after a restart;
 * - `mw_alert_transitions`: the history of state changes, by event time;
 * - `mw_deliveries`: every notification delivery attempt.
 *
 * Rows are written with multi-row parameterised statements; values are always
 * parameters.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type {
  AlertPoint,
  AlertSeriesRef,
  AlertState,
  AlertStateName,
  AlertTransitionQuery,
  AlertTransitionRecord,
  AlertWrite,
  DeliveryRecord,
} from '../store.js';
import { num } from './values.js';

/** Run after the metadata tables exist (older files get the new columns). */
export const ALERTS_DDL = [
  `ALTER TABLE mw_alert_state ADD COLUMN IF NOT EXISTS detail VARCHAR`,
  `ALTER TABLE mw_deliveries ADD COLUMN IF NOT EXISTS notification VARCHAR`,
  `ALTER TABLE mw_deliveries ADD COLUMN IF NOT EXISTS series_key VARCHAR`,
  `ALTER TABLE mw_deliveries ADD COLUMN IF NOT EXISTS event VARCHAR`,
  `CREATE TABLE IF NOT EXISTS mw_alert_points (
    model VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    window_start TIMESTAMP NOT NULL,
    window_end TIMESTAMP NOT NULL,
    value DOUBLE,
    PRIMARY KEY (model, rule, key, window_end))`,
  `CREATE TABLE IF NOT EXISTS mw_alert_transitions (
    model VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    transition_at TIMESTAMP NOT NULL,
    from_state VARCHAR NOT NULL,
    to_state VARCHAR NOT NULL,
    value DOUBLE,
    window_start TIMESTAMP NOT NULL,
    window_end TIMESTAMP NOT NULL,
    labels VARCHAR NOT NULL,
    detail VARCHAR,
    recorded_at TIMESTAMP NOT NULL)`,
];

const ms = (x: number) => Math.floor(x);
const finiteOrNull = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
/** Rows per multi-row statement (parameters stay well below DuckDB's limits). */
const ROWS_PER_STATEMENT = 200;

/** Runs `INSERT … VALUES (…), (…)` in chunks; `row` gives one row's placeholders for parameters starting at `$p`. */
async function insertRows<T>(c: DuckDBConnection, head: string, tail: string, rows: readonly T[], width: number, row: (p: (i: number) => string) => string, values: (r: T) => DuckDBValue[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const params: DuckDBValue[] = [];
    const tuples = chunk.map((r, j) => {
      params.push(...values(r));
      return row((k) => `$${j * width + k + 1}`);
    });
    await c.run(`${head} VALUES ${tuples.join(', ')} ${tail}`, params);
  }
}

/** The last row per key (a statement may not update one row twice). */
function lastPerKey<T>(rows: readonly T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    m.delete(k);
    m.set(k, r);
  }
  return [...m.values()];
}

const seriesId = (s: AlertSeriesRef) => JSON.stringify([s.model, s.rule, s.key]);

export async function upsertAlertStates(c: DuckDBConnection, states: readonly AlertState[]): Promise<void> {
  await insertRows(
    c,
    'INSERT INTO mw_alert_state (model, rule, key, state, since, value, updated_at, labels, detail)',
    `ON CONFLICT DO UPDATE SET state = excluded.state, since = excluded.since, value = excluded.value,
       updated_at = excluded.updated_at, labels = excluded.labels, detail = excluded.detail`,
    lastPerKey(states, seriesId),
    9,
    (p) => `(${p(0)}, ${p(1)}, ${p(2)}, ${p(3)}, epoch_ms(${p(4)}::BIGINT), ${p(5)}::DOUBLE, epoch_ms(${p(6)}::BIGINT), ${p(7)}, ${p(8)}::VARCHAR)`,
    (a) => [a.model, a.rule, a.key, a.state, ms(a.since), finiteOrNull(a.value), ms(a.updatedAt), JSON.stringify(a.labels), a.detail === undefined || a.detail === null ? null : JSON.stringify(a.detail)],
  );
}

export async function readAlertStates(c: DuckDBConnection, model?: string): Promise<AlertState[]> {
  const res = await c.runAndReadAll(
    `SELECT model, rule, key, state, CAST(epoch_ms(since) AS DOUBLE), value, CAST(epoch_ms(updated_at) AS DOUBLE), labels, detail
     FROM mw_alert_state ${model === undefined ? '' : 'WHERE model = $1'} ORDER BY model, rule, key`,
    model === undefined ? [] : [model],
  );
  return res.getRows().map((r) => ({
    model: r[0] as string,
    rule: r[1] as string,
    key: r[2] as string,
    state: r[3] as AlertStateName,
    since: num(r[4]),
    value: r[5] === null ? null : num(r[5]),
    updatedAt: num(r[6]),
    labels: JSON.parse(r[7] as string) as Record<string, string>,
    ...(r[8] === null ? {} : { detail: JSON.parse(r[8] as string) as unknown }),
  }));
}

/** One {@link AlertWrite}, inside the caller's transaction. */
export async function writeAlerts(c: DuckDBConnection, w: AlertWrite): Promise<void> {
  for (const s of w.deleteSeries ?? []) {
    await c.run('DELETE FROM mw_alert_state WHERE model = $1 AND rule = $2 AND key = $3', [s.model, s.rule, s.key]);
    await c.run('DELETE FROM mw_alert_points WHERE model = $1 AND rule = $2 AND key = $3', [s.model, s.rule, s.key]);
  }
  if (w.states?.length) await upsertAlertStates(c, w.states);
  if (w.points?.length) {
    await insertRows(
      c,
      'INSERT INTO mw_alert_points (model, rule, key, window_start, window_end, value)',
      'ON CONFLICT DO UPDATE SET window_start = excluded.window_start, value = excluded.value',
      lastPerKey(w.points, (p) => JSON.stringify([p.model, p.rule, p.key, ms(p.windowEnd)])),
      6,
      (p) => `(${p(0)}, ${p(1)}, ${p(2)}, epoch_ms(${p(3)}::BIGINT), epoch_ms(${p(4)}::BIGINT), ${p(5)}::DOUBLE)`,
      (p) => [p.model, p.rule, p.key, ms(p.windowStart), ms(p.windowEnd), finiteOrNull(p.value)],
    );
  }
  for (const p of w.prunePoints ?? []) {
    await c.run('DELETE FROM mw_alert_points WHERE model = $1 AND rule = $2 AND key = $3 AND window_end < epoch_ms($4::BIGINT)', [p.model, p.rule, p.key, ms(p.before)]);
  }
  const inserts: AlertTransitionRecord[] = [];
  for (const t of w.transitions ?? []) {
    await c.run('DELETE FROM mw_alert_transitions WHERE model = $1 AND rule = $2 AND key = $3 AND transition_at >= epoch_ms($4::BIGINT)', [t.series.model, t.series.rule, t.series.key, ms(t.from)]);
    inserts.push(...t.transitions);
  }
  if (inserts.length > 0) {
    await insertRows(
      c,
      'INSERT INTO mw_alert_transitions (model, rule, key, transition_at, from_state, to_state, value, window_start, window_end, labels, detail, recorded_at)',
      '',
      inserts,
      12,
      (p) =>
        `(${p(0)}, ${p(1)}, ${p(2)}, epoch_ms(${p(3)}::BIGINT), ${p(4)}, ${p(5)}, ${p(6)}::DOUBLE, epoch_ms(${p(7)}::BIGINT), epoch_ms(${p(8)}::BIGINT), ${p(9)}, ${p(10)}::VARCHAR, epoch_ms(${p(11)}::BIGINT))`,
      (t) => [
        t.model,
        t.rule,
        t.key,
        ms(t.at),
        t.from,
        t.to,
        finiteOrNull(t.value),
        ms(t.windowStart),
        ms(t.windowEnd),
        JSON.stringify(t.labels),
        t.detail === undefined || t.detail === null ? null : JSON.stringify(t.detail),
        ms(t.recordedAt),
      ],
    );
  }
}

export async function readAlertPoints(c: DuckDBConnection, opts: { model?: string; perSeries?: number }): Promise<AlertPoint[]> {
  const params: DuckDBValue[] = [];
  const conds: string[] = [];
  if (opts.model !== undefined) {
    params.push(opts.model);
    conds.push(`model = $${params.length}`);
  }
  params.push(Math.max(1, Math.floor(opts.perSeries ?? 1_000_000)));
  const res = await c.runAndReadAll(
    `SELECT model, rule, key, CAST(epoch_ms(window_start) AS DOUBLE), CAST(epoch_ms(window_end) AS DOUBLE), value FROM mw_alert_points
     ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}
     QUALIFY row_number() OVER (PARTITION BY model, rule, key ORDER BY window_end DESC) <= $${params.length}
     ORDER BY model, rule, key, window_end`,
    params,
  );
  return res.getRows().map((r) => ({
    model: r[0] as string,
    rule: r[1] as string,
    key: r[2] as string,
    windowStart: num(r[3]),
    windowEnd: num(r[4]),
    value: r[5] === null ? null : num(r[5]),
  }));
}

export async function readAlertTransitions(c: DuckDBConnection, q: AlertTransitionQuery): Promise<AlertTransitionRecord[]> {
  const params: DuckDBValue[] = [];
  const conds: string[] = [];
  const eq = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    params.push(v);
    conds.push(`${col} = $${params.length}`);
  };
  eq('model', q.model);
  eq('rule', q.rule);
  eq('key', q.key);
  eq('to_state', q.to);
  if (q.fromAt !== undefined) {
    params.push(ms(q.fromAt));
    conds.push(`transition_at >= epoch_ms($${params.length}::BIGINT)`);
  }
  if (q.toAt !== undefined) {
    params.push(ms(q.toAt));
    conds.push(`transition_at < epoch_ms($${params.length}::BIGINT)`);
  }
  params.push(Math.max(0, Math.floor(q.limit ?? 1000)));
  const res = await c.runAndReadAll(
    `SELECT model, rule, key, CAST(epoch_ms(transition_at) AS DOUBLE), from_state, to_state, value, CAST(epoch_ms(window_start) AS DOUBLE),
            CAST(epoch_ms(window_end) AS DOUBLE), labels, detail, CAST(epoch_ms(recorded_at) AS DOUBLE)
     FROM mw_alert_transitions ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}
     ORDER BY transition_at DESC, model, rule, key, recorded_at DESC LIMIT $${params.length}`,
    params,
  );
  return res.getRows().map((r) => ({
    model: r[0] as string,
    rule: r[1] as string,
    key: r[2] as string,
    at: num(r[3]),
    from: r[4] as AlertStateName,
    to: r[5] as AlertStateName,
    value: r[6] === null ? null : num(r[6]),
    windowStart: num(r[7]),
    windowEnd: num(r[8]),
    labels: JSON.parse(r[9] as string) as Record<string, string>,
    detail: r[10] === null ? null : (JSON.parse(r[10] as string) as unknown),
    recordedAt: num(r[11]),
  }));
}

export async function insertDeliveries(c: DuckDBConnection, records: readonly DeliveryRecord[]): Promise<void> {
  await insertRows(
    c,
    'INSERT INTO mw_deliveries (model, rule, channel, delivered_at, attempt, ok, status, error, notification, series_key, event)',
    '',
    records,
    11,
    (p) => `(${p(0)}, ${p(1)}, ${p(2)}, epoch_ms(${p(3)}::BIGINT), ${p(4)}, ${p(5)}, ${p(6)}::INTEGER, ${p(7)}::VARCHAR, ${p(8)}::VARCHAR, ${p(9)}::VARCHAR, ${p(10)}::VARCHAR)`,
    (d) => [d.model, d.rule, d.channel, ms(d.at), d.attempt, d.ok, d.status, d.error, d.id ?? null, d.key ?? null, d.event ?? null],
  );
}

export async function readDeliveries(c: DuckDBConnection, opts: { model?: string; rule?: string; channel?: string; id?: string; limit?: number }): Promise<DeliveryRecord[]> {
  const params: DuckDBValue[] = [];
  const conds: string[] = [];
  for (const [col, v] of [['model', opts.model], ['rule', opts.rule], ['channel', opts.channel], ['notification', opts.id]] as const) {
    if (v === undefined) continue;
    params.push(v);
    conds.push(`${col} = $${params.length}`);
  }
  params.push(Math.max(0, Math.floor(opts.limit ?? 1000)));
  const res = await c.runAndReadAll(
    `SELECT model, rule, channel, CAST(epoch_ms(delivered_at) AS DOUBLE), attempt, ok, status, error, notification, series_key, event FROM mw_deliveries
     ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY delivered_at DESC, attempt DESC LIMIT $${params.length}`,
    params,
  );
  return res.getRows().map((r) => ({
    model: r[0] as string,
    rule: r[1] as string,
    channel: r[2] as string,
    at: num(r[3]),
    attempt: num(r[4]),
    ok: r[5] as boolean,
    status: r[6] === null ? null : num(r[6]),
    error: (r[7] as string | null) ?? null,
    // Present only when recorded (older rows and other writers may not have them).
    ...(r[8] === null ? {} : { id: r[8] as string }),
    ...(r[9] === null ? {} : { key: r[9] as string }),
    ...(r[10] === null ? {} : { event: r[10] as string }),
  }));
}
