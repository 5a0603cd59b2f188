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
 * Rows of a write go to DuckDB as one JSON parameter, unnested in SQL; values
 * are always parameters.
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
const json = (x: unknown) => (x === undefined || x === null ? null : JSON.stringify(x));

type ColumnType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'BOOLEAN';

/**
 * Rows passed as one JSON parameter and unnested by DuckDB (binding one value
 * per cell is several times slower for the tens of rows a batch of results
 * writes): a subquery with the given columns; `*_ms` BIGINT columns become
 * TIMESTAMPs named without the suffix.
 */
function rowsFrom(columns: readonly (readonly [string, ColumnType])[], param = 1): string {
  const struct = `{${columns.map(([n, t]) => `"${n}":"${t}"`).join(',')}}`;
  const select = columns.map(([n]) => (n.endsWith('_ms') ? `epoch_ms(r."${n}") AS "${n.slice(0, -3)}"` : `r."${n}" AS "${n}"`)).join(', ');
  return `(SELECT ${select} FROM (SELECT unnest(from_json($${param}::VARCHAR, '[${struct}]')) AS r))`;
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

const STATE_COLUMNS = [
  ['model', 'VARCHAR'],
  ['rule', 'VARCHAR'],
  ['key', 'VARCHAR'],
  ['state', 'VARCHAR'],
  ['since_ms', 'BIGINT'],
  ['value', 'DOUBLE'],
  ['updated_at_ms', 'BIGINT'],
  ['labels', 'VARCHAR'],
  ['detail', 'VARCHAR'],
] as const;

export async function upsertAlertStates(c: DuckDBConnection, states: readonly AlertState[]): Promise<void> {
  if (states.length === 0) return;
  const rows = lastPerKey(states, seriesId).map((a) => ({
    model: a.model,
    rule: a.rule,
    key: a.key,
    state: a.state,
    since_ms: ms(a.since),
    value: finiteOrNull(a.value),
    updated_at_ms: ms(a.updatedAt),
    labels: JSON.stringify(a.labels),
    detail: json(a.detail),
  }));
  await c.run(
    `INSERT INTO mw_alert_state (model, rule, key, state, since, value, updated_at, labels, detail) SELECT * FROM ${rowsFrom(STATE_COLUMNS)}
     ON CONFLICT DO UPDATE SET state = excluded.state, since = excluded.since, value = excluded.value,
       updated_at = excluded.updated_at, labels = excluded.labels, detail = excluded.detail`,
    [JSON.stringify(rows)],
  );
}

const SERIES_COLUMNS = [
  ['model', 'VARCHAR'],
  ['rule', 'VARCHAR'],
  ['key', 'VARCHAR'],
] as const;

/** Deletes rows of `table` of the given series (with `extra` conditions on `v`, the series list with more columns). */
async function deleteBySeries(c: DuckDBConnection, table: string, rows: readonly Record<string, unknown>[], columns: readonly (readonly [string, ColumnType])[], extra = ''): Promise<void> {
  if (rows.length === 0) return;
  await c.run(
    `DELETE FROM ${table} USING ${rowsFrom(columns)} v WHERE ${table}.model = v."model" AND ${table}.rule = v."rule" AND ${table}.key = v."key" ${extra}`,
    [JSON.stringify(rows)],
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

/** One {@link AlertWrite}, inside the caller's transaction: a few statements, whatever the number of rows. */
export async function writeAlerts(c: DuckDBConnection, w: AlertWrite): Promise<void> {
  const deleted = (w.deleteSeries ?? []).map((s) => ({ model: s.model, rule: s.rule, key: s.key }));
  await deleteBySeries(c, 'mw_alert_state', deleted, SERIES_COLUMNS);
  await deleteBySeries(c, 'mw_alert_points', deleted, SERIES_COLUMNS);
  if (w.states?.length) await upsertAlertStates(c, w.states);
  if (w.points?.length) {
    const rows = lastPerKey(w.points, (p) => JSON.stringify([p.model, p.rule, p.key, ms(p.windowEnd)])).map((p) => ({
      model: p.model,
      rule: p.rule,
      key: p.key,
      window_start_ms: ms(p.windowStart),
      window_end_ms: ms(p.windowEnd),
      value: finiteOrNull(p.value),
    }));
    const cols = [...SERIES_COLUMNS, ['window_start_ms', 'BIGINT'], ['window_end_ms', 'BIGINT'], ['value', 'DOUBLE']] as const;
    await c.run(
      `INSERT INTO mw_alert_points (model, rule, key, window_start, window_end, value) SELECT * FROM ${rowsFrom(cols)}
       ON CONFLICT DO UPDATE SET window_start = excluded.window_start, value = excluded.value`,
      [JSON.stringify(rows)],
    );
  }
  const prune = (w.prunePoints ?? []).map((p) => ({ model: p.model, rule: p.rule, key: p.key, cutoff_ms: ms(p.before) }));
  await deleteBySeries(c, 'mw_alert_points', prune, [...SERIES_COLUMNS, ['cutoff_ms', 'BIGINT']], 'AND mw_alert_points.window_end < v."cutoff"');
  const replaced = (w.transitions ?? []).map((t) => ({ model: t.series.model, rule: t.series.rule, key: t.series.key, cutoff_ms: ms(t.from) }));
  await deleteBySeries(c, 'mw_alert_transitions', replaced, [...SERIES_COLUMNS, ['cutoff_ms', 'BIGINT']], 'AND mw_alert_transitions.transition_at >= v."cutoff"');
  const inserts = (w.transitions ?? []).flatMap((t) => t.transitions);
  if (inserts.length > 0) {
    const rows = inserts.map((t) => ({
      model: t.model,
      rule: t.rule,
      key: t.key,
      transition_at_ms: ms(t.at),
      from_state: t.from,
      to_state: t.to,
      value: finiteOrNull(t.value),
      window_start_ms: ms(t.windowStart),
      window_end_ms: ms(t.windowEnd),
      labels: JSON.stringify(t.labels),
      detail: json(t.detail),
      recorded_at_ms: ms(t.recordedAt),
    }));
    const cols = [
      ...SERIES_COLUMNS,
      ['transition_at_ms', 'BIGINT'],
      ['from_state', 'VARCHAR'],
      ['to_state', 'VARCHAR'],
      ['value', 'DOUBLE'],
      ['window_start_ms', 'BIGINT'],
      ['window_end_ms', 'BIGINT'],
      ['labels', 'VARCHAR'],
      ['detail', 'VARCHAR'],
      ['recorded_at_ms', 'BIGINT'],
    ] as const;
    await c.run(
      `INSERT INTO mw_alert_transitions (model, rule, key, transition_at, from_state, to_state, value, window_start, window_end, labels, detail, recorded_at)
       SELECT * FROM ${rowsFrom(cols)}`,
      [JSON.stringify(rows)],
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
  if (records.length === 0) return;
  const rows = records.map((d) => ({
    model: d.model,
    rule: d.rule,
    channel: d.channel,
    at_ms: ms(d.at),
    attempt: d.attempt,
    ok: d.ok,
    status: d.status,
    error: d.error,
    notification: d.id ?? null,
    series_key: d.key ?? null,
    event: d.event ?? null,
  }));
  const cols = [
    ['model', 'VARCHAR'],
    ['rule', 'VARCHAR'],
    ['channel', 'VARCHAR'],
    ['at_ms', 'BIGINT'],
    ['attempt', 'INTEGER'],
    ['ok', 'BOOLEAN'],
    ['status', 'INTEGER'],
    ['error', 'VARCHAR'],
    ['notification', 'VARCHAR'],
    ['series_key', 'VARCHAR'],
    ['event', 'VARCHAR'],
  ] as const;
  await c.run(
    `INSERT INTO mw_deliveries (model, rule, channel, delivered_at, attempt, ok, status, error, notification, series_key, event) SELECT * FROM ${rowsFrom(cols)}`,
    [JSON.stringify(rows)],
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

/**
 * Alert history retention: transitions whose event time is before `cutoff`
 * (epoch ms) and delivery attempts made before it. Returns the rows deleted.
 */
export async function pruneAlertHistory(c: DuckDBConnection, cutoff: number): Promise<{ transitions: number; deliveries: number }> {
  const at = ms(cutoff);
  const t = await c.run('DELETE FROM mw_alert_transitions WHERE transition_at < epoch_ms($1::BIGINT)', [at]);
  const d = await c.run('DELETE FROM mw_deliveries WHERE delivered_at < epoch_ms($1::BIGINT)', [at]);
  return { transitions: Number(t.rowsChanged), deliveries: Number(d.rowsChanged) };
}
