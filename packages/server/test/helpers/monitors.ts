/**
 * Fixtures for the monitor tests: generated prediction events of a fraud-like
 * model, a reference provider over a generated table, storing events and
 * feedback through the real ingest code, and an independent builder of the
 * core Table the monitors should see (from the records, not from the store).
 */
import { createHash } from 'node:crypto';
import { profile } from '@modelwatch/core';
import type { Column, Schema, Table } from '@modelwatch/core';
import { compileEventPlan, prepareEvents } from '../../src/ingest/events.js';
import { prepareFeedback } from '../../src/ingest/feedback.js';
import type { ReferenceProvider, StoredReference } from '../../src/reference/types.js';
import type { ModelRecord, Store } from '../../src/store/store.js';
import { codePointCompare } from './fixtures.js';

export const MONITOR_SCHEMA: Schema = {
  columns: [
    { name: 'amount', kind: 'numeric', role: 'feature' },
    { name: 'age', kind: 'numeric', role: 'feature' },
    { name: 'country', kind: 'categorical', role: 'feature' },
    { name: 'is_new', kind: 'boolean', role: 'feature' },
    { name: 'signup', kind: 'datetime', role: 'feature' },
    { name: 'pred', kind: 'categorical', role: 'prediction' },
    { name: 'p_fraud', kind: 'numeric', role: 'score', scoreOf: '1' },
    { name: 'channel', kind: 'categorical', role: 'segment' },
    { name: 'label', kind: 'categorical', role: 'target' },
  ],
  task: 'binary',
};

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export interface GenerateOptions {
  n: number;
  /** Event time of the first event and the spacing (events are `t0 + i * stepMs`). */
  t0: number;
  stepMs: number;
  seed: number;
  /** Shift of `amount` (drift). */
  shift?: number;
  version?: string | ((i: number) => string);
  idPrefix?: string;
  /** Share of records with data problems (missing amount, a string age, an unknown key, a new country). */
  problems?: number;
}

/** Event records as clients send them. */
export function generateEvents(o: GenerateOptions): Record<string, unknown>[] {
  const r = rng(o.seed);
  const countries = ['NL', 'DE', 'FR', 'BE', 'ES'];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < o.n; i++) {
    const amount = Math.round((50 + 20 * normal(r) + (o.shift ?? 0)) * 100) / 100;
    const p = Math.round(r() * 1000) / 1000;
    const features: Record<string, unknown> = {
      amount,
      age: 18 + Math.floor(r() * 60),
      country: countries[Math.floor(r() * r() * countries.length)],
      is_new: r() < 0.3,
      signup: new Date(Date.UTC(2020, 0, 1) + Math.floor(r() * 1000) * 86_400_000).toISOString(),
    };
    const problem = o.problems && r() < o.problems ? Math.floor(r() * 4) : -1;
    if (problem === 0) features.amount = null;
    if (problem === 1) features.age = 'unknown';
    if (problem === 2) features.colour = 'red';
    if (problem === 3) features.country = 'XX';
    const rec: Record<string, unknown> = {
      id: `${o.idPrefix ?? 'e'}${i}`,
      ts: o.t0 + i * o.stepMs,
      version: typeof o.version === 'function' ? o.version(i) : (o.version ?? 'v1'),
      features,
      prediction: p >= 0.5 ? '1' : '0',
      scores: { p_fraud: p },
      tags: { channel: r() < 0.5 ? 'web' : 'app' },
    };
    if (i % 7 !== 3) rec.latency_ms = Math.round(r() * 5000) / 100;
    if (i % 5 === 0) rec.error = r() < 0.1;
    out.push(rec);
  }
  return out;
}

/** Registers the model and stores the records through the ingest path (validation, layout, append). */
export async function storeEvents(store: Store, model: string, records: readonly unknown[], schema: Schema = MONITOR_SCHEMA): Promise<ModelRecord> {
  let m = await store.getModel(model);
  if (!m) m = (await store.putModel({ name: model, schema, task: schema.task })).model;
  const prepared = prepareEvents(records, compileEventPlan(m));
  if (prepared.rejectedCount > 0) throw new Error(`fixture events rejected: ${JSON.stringify(prepared.rejected.slice(0, 3))}`);
  await store.appendEvents([prepared.batch]);
  return m;
}

/** Stores feedback records `{id, target, ts}`. */
export async function storeFeedback(store: Store, model: string, records: readonly unknown[], receivedAt: number): Promise<void> {
  const prepared = prepareFeedback(records, model, receivedAt);
  if (prepared.rejectedCount > 0) throw new Error('fixture feedback rejected');
  await store.upsertFeedback([prepared.batch]);
}

/** A reference provider over a table (the model's reference as a fixture, not a mock). */
export function tableReference(model: string, table: Table | null, schema: Schema, full?: Table): ReferenceProvider & { ref: StoredReference } {
  const source = full ?? table!;
  const ref: StoredReference = {
    model,
    profile: profile(source, { schema, source: 'fixture.parquet' }),
    table,
    rows: source.numRows,
    source: 'fixture.parquet',
    uploadedAt: Date.UTC(2024, 0, 1),
  };
  return { ref, get: async (name) => (name === model ? ref : null) };
}

export const noReference: ReferenceProvider = { get: async () => null };

/** A dict column with its dictionary in code point order (as the store returns it). */
export function sortedDict(values: readonly (string | null)[]): Column {
  const dictionary = [...new Set(values.filter((v): v is string => v !== null))].sort(codePointCompare);
  const index = new Map(dictionary.map((v, i) => [v, i]));
  return { type: 'dict', codes: Int32Array.from(values, (v) => (v === null ? -1 : index.get(v)!)), dictionary };
}

export function numbers(values: readonly (number | null)[], date = false): Column {
  const out = new Float64Array(values.length);
  let nulls: Uint8Array | undefined;
  values.forEach((v, i) => {
    if (v === null) {
      out[i] = NaN;
      (nulls ??= new Uint8Array(values.length))[i] = 1;
    } else out[i] = v;
  });
  const col: Column = { type: 'number', values: out };
  if (nulls) col.nulls = nulls;
  if (date) col.date = true;
  return col;
}

/** The value of a schema column in a record, as the ingest layer reads it (wrong kinds are missing). */
export function recordValue(rec: Record<string, unknown>, name: string, schema: Schema = MONITOR_SCHEMA): unknown {
  const col = schema.columns.find((c) => c.name === name)!;
  const features = rec.features as Record<string, unknown>;
  let v: unknown;
  if (col.role === 'prediction') v = rec.prediction;
  else if (col.role === 'score') v = (rec.scores as Record<string, unknown> | undefined)?.[name];
  else if (col.role === 'segment') v = (rec.tags as Record<string, unknown> | undefined)?.[name];
  else v = features[name];
  if (v === undefined || v === null) return null;
  switch (col.kind) {
    case 'numeric':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? String(v) : null;
    case 'datetime':
      return typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : null;
    default:
      return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
  }
}

/**
 * The core Table of these records and columns, rows ordered by (ts, id) as the
 * store reads windows — built from the records, independently of the store.
 * `targets` (id → label) fills the target column.
 */
export function tableOf(records: readonly Record<string, unknown>[], names: readonly string[], schema: Schema = MONITOR_SCHEMA, targets?: Map<string, string>): Table {
  const rows = [...records].sort((a, b) => (a.ts as number) - (b.ts as number) || codePointCompare(String(a.id), String(b.id)));
  const columns = names.map((name) => {
    const col = schema.columns.find((c) => c.name === name)!;
    if (col.role === 'target') return sortedDict(rows.map((r) => targets?.get(String(r.id)) ?? null));
    const values = rows.map((r) => recordValue(r, name, schema));
    if (col.kind === 'numeric' || col.kind === 'datetime') return numbers(values as (number | null)[], col.kind === 'datetime');
    return sortedDict(values as (string | null)[]);
  });
  return { names: [...names], columns, numRows: rows.length };
}

/** The records a deterministic sample keeps: the `limit` with the smallest md5 of `seed ␟ id ␟ ts` (computed here, not by the store). */
export function hashSample<T extends Record<string, unknown>>(records: readonly T[], limit: number, seed: string): T[] {
  const key = (r: T) => createHash('md5').update(`${seed}\u001f${String(r.id)}\u001f${String(r.ts)}`).digest('hex');
  return [...records].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).slice(0, limit);
}

/** Linear-interpolation quantile (numpy's default) of numbers. */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
}

/** A result without what differs between evaluations of the same data (wall-clock times). */
export function stable<T>(result: T): T {
  return JSON.parse(JSON.stringify(result, (k, v) => (k === 'computedAt' || k === 'evaluation_seconds' ? undefined : v))) as T;
}

/** The event columns of {@link MONITOR_SCHEMA} as a flat reference row names them (the target is `label`). */
export const EVENT_COLUMNS = ['amount', 'age', 'country', 'is_new', 'signup', 'pred', 'p_fraud', 'channel'];

/** A generated record as a flat reference row (the file a user uploads): ISO dates, booleans, and `label` from the prediction. */
export function referenceRow(rec: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const name of EVENT_COLUMNS) {
    const v = recordValue(rec, name);
    row[name] = name === 'signup' && v !== null ? new Date(v as number).toISOString() : name === 'is_new' && v !== null ? v === 'true' : v;
  }
  row.label = (rec.prediction as string) === '1' ? '1' : '0';
  return row;
}
