/**
 * `npm run bench -- monitor`: evaluation of one monitor window on the DuckDB store.
 *
 * A model with 10 features (6 numeric, 4 categorical with 6 to 300 categories,
 * about 1 % missing values), 1 000 000 events in one day stored on disk through
 * the store's append path, and a 200 000-row reference. Two monitors over the
 * day — feature drift and data quality, with their defaults (the default rules
 * per column; joint hash sample of at most 100 000 rows) — are evaluated as the
 * scheduler evaluates them: one group, one read of the window, one comparison
 * (`evaluateWindow`), then their results are stored (`putResults`).
 *
 * Phases: `read` (wall time with a store query in flight: exact summary, then
 * the sampled rows overlapped with the ingest-time data-quality summary;
 * `readCallsMs` has each query's own time), `compare` (the rest of
 * `evaluateWindow`: the core's comparison and turning the report into
 * results), `write` (storing the two results). Timing: one warm-up, then the median of 5 runs. Also a run
 * with `sampleLimit: 1000000` (every row of the window read and compared).
 *
 * The machine is shared: the load average is recorded with every run.
 * Environment: BENCH_EVENTS (default 1000000), BENCH_RUNS (5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { profile } from '@modelwatch/core';
import type { Column, Schema, Table } from '@modelwatch/core';
import { DuckDBStore } from '../packages/server/src/store/duckdb/duckdb-store.js';
import type { EventBatch, EventColumnData, ResultRecord, Store } from '../packages/server/src/store/store.js';
import { DEFAULT_SAMPLE_LIMIT } from '../packages/server/src/monitor/definitions.js';
import type { ResolvedMonitor } from '../packages/server/src/monitor/definitions.js';
import { evaluateWindow } from '../packages/server/src/monitor/evaluate.js';
import type { ReferenceProvider, StoredReference } from '../packages/server/src/reference/types.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const REFERENCE_ROWS = 200_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 6);
const TARGET_MS = 1000;

const NUMERIC = 6;
const CATEGORIES = [6, 24, 80, 300];
const SCHEMA: Schema = {
  columns: [
    ...Array.from({ length: NUMERIC }, (_, k) => ({ name: `x${k}`, kind: 'numeric' as const, role: 'feature' as const })),
    ...CATEGORIES.map((_, k) => ({ name: `c${k}`, kind: 'categorical' as const, role: 'feature' as const })),
  ],
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => Math.round(x * 10) / 10;

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feature values: numeric k ~ a normal around k (shifted a little in the current data), categories Zipf-like. */
function generate(n: number, seed: number, shift: number): { numbers: Float64Array[]; nulls: Uint8Array[]; cats: (string | null)[][] } {
  const r = rng(seed);
  const numbers = Array.from({ length: NUMERIC }, () => new Float64Array(n));
  const nulls = Array.from({ length: NUMERIC }, () => new Uint8Array(n));
  const cats = CATEGORIES.map(() => new Array<string | null>(n));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < NUMERIC; k++) {
      if (r() < 0.01) {
        nulls[k][i] = 1;
        numbers[k][i] = NaN;
        continue;
      }
      const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      // Some columns integer-valued (counts, hours), some continuous.
      const v = k * 10 + (1 + k) * z + (k % 2 === 0 ? shift : 0);
      numbers[k][i] = k >= 4 ? Math.round(v) : Math.round(v * 1000) / 1000;
    }
    CATEGORIES.forEach((size, k) => {
      cats[k][i] = r() < 0.01 ? null : `k${k}-${Math.floor(size * r() * r())}`;
    });
  }
  return { numbers, nulls, cats };
}

function referenceTable(): Table {
  const g = generate(REFERENCE_ROWS, 1, 0);
  const columns: Column[] = [];
  for (let k = 0; k < NUMERIC; k++) columns.push({ type: 'number', values: g.numbers[k], nulls: g.nulls[k] });
  for (const values of g.cats) {
    const dictionary = [...new Set(values.filter((v): v is string => v !== null))].sort();
    const index = new Map(dictionary.map((v, i) => [v, i]));
    columns.push({ type: 'dict', codes: Int32Array.from(values, (v) => (v === null ? -1 : index.get(v)!)), dictionary });
  }
  return { names: SCHEMA.columns.map((c) => c.name), columns, numRows: REFERENCE_ROWS };
}

async function fill(store: Store, generation: number): Promise<void> {
  const chunk = 100_000;
  for (let start = 0; start < EVENTS; start += chunk) {
    const n = Math.min(chunk, EVENTS - start);
    const g = generate(n, 100 + start, 0.3);
    const columns: EventColumnData[] = [
      ...g.numbers.map((values, k) => ({ type: 'number' as const, values, nulls: g.nulls[k] })),
      ...g.cats.map((values) => ({ type: 'string' as const, values })),
    ];
    const ts = new Float64Array(n);
    for (let i = 0; i < n; i++) ts[i] = T0 + Math.floor(((start + i) * DAY) / EVENTS);
    const batch: EventBatch = {
      model: 'bench',
      generation,
      length: n,
      ids: Array.from({ length: n }, (_, i) => `e${start + i}`),
      ts,
      versions: new Array<string>(n).fill('v1'),
      columns,
      latencyMs: new Float64Array(n).fill(NaN),
      errors: new Uint8Array(n).fill(2),
      tags: new Array<string | null>(n).fill(null),
      dqTypeViolations: new Uint16Array(n),
      dqTypeColumns: new Array<string | null>(n).fill(null),
      dqUnknownColumns: new Array<string | null>(n).fill(null),
      dqMissingColumns: new Array<string | null>(n).fill(null),
    };
    await store.appendEvents([batch]);
  }
}

/**
 * The store with every call timed: `ms` is the wall time during which at least
 * one store call was in flight (reads overlap), `calls` each method's own time.
 */
function timed(store: Store, spent: { ms: number; calls: Record<string, number> }): Store {
  let active = 0;
  let since = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const t = performance.now();
        if (active++ === 0) since = t;
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const end = performance.now();
          if (--active === 0) spent.ms += end - since;
          spent.calls[String(prop)] = (spent.calls[String(prop)] ?? 0) + (end - t);
        }
      };
    },
  });
}

function monitor(name: string, type: ResolvedMonitor['type'], sampleLimit: number): ResolvedMonitor {
  return { name, type, window: { type: 'tumbling', sizeMs: DAY, everyMs: DAY }, reference: 'reference', methods: { columns: {} }, thresholds: {}, versions: 'all', sampleLimit, isDefault: false };
}

interface Run {
  totalMs: number;
  readMs: number;
  compareMs: number;
  writeMs: number;
  readCallsMs: Record<string, number>;
  loadAverage1m: number;
}

async function evaluateOnce(store: Store, references: ReferenceProvider, sampleLimit: number): Promise<Run> {
  const model = (await store.getModel('bench'))!;
  const spent = { ms: 0, calls: {} as Record<string, number> };
  const monitors = [monitor('drift', 'feature_drift', sampleLimit), monitor('quality', 'data_quality', sampleLimit)];
  const t0 = performance.now();
  const results = await evaluateWindow({ store: timed(store, spent), references }, { model, monitors, version: null, end: T0 + DAY });
  const t1 = performance.now();
  const records: ResultRecord[] = results.map((r) => ({ model: r.model, monitor: r.monitor, version: '', windowStart: r.window.start, windowEnd: r.window.end, computedAt: r.computedAt, payload: r }));
  await store.putResults(records);
  const t2 = performance.now();
  if (results[0].metrics.rows !== EVENTS) throw new Error(`expected ${EVENTS} rows, got ${results[0].metrics.rows}`);
  if (results[0].features?.length !== 10) throw new Error('expected 10 features');
  return {
    totalMs: ms(t2 - t0),
    readMs: ms(spent.ms),
    compareMs: ms(t1 - t0 - spent.ms),
    writeMs: ms(t2 - t1),
    readCallsMs: Object.fromEntries(Object.entries(spent.calls).map(([k, v]) => [k, ms(v)])),
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

function summary(runs: Run[]) {
  return {
    totalMs: { median: median(runs.map((r) => r.totalMs)), min: Math.min(...runs.map((r) => r.totalMs)), max: Math.max(...runs.map((r) => r.totalMs)) },
    phasesMs: { read: median(runs.map((r) => r.readMs)), compare: median(runs.map((r) => r.compareMs)), write: median(runs.map((r) => r.writeMs)) },
    runs,
  };
}

export async function run(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-monitor-'));
  const store = await DuckDBStore.open({ path: join(dir, 'bench.duckdb') });
  try {
    const { model } = await store.putModel({ name: 'bench', schema: SCHEMA, versions: ['v1'] });
    const tFill = performance.now();
    await fill(store, model.generation);
    await store.checkpoint();
    const fillSeconds = (performance.now() - tFill) / 1000;
    const table = referenceTable();
    const ref: StoredReference = { model: 'bench', profile: profile(table, { schema: SCHEMA, source: 'bench' }), table, rows: REFERENCE_ROWS, source: 'bench', uploadedAt: Date.now() };
    const references: ReferenceProvider = { get: async (name) => (name === 'bench' ? ref : null) };

    const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
    const variants: Record<string, object> = {};
    for (const [label, limit] of [['defaultSample', DEFAULT_SAMPLE_LIMIT], ['fullWindow', 1_000_000]] as const) {
      await evaluateOnce(store, references, limit); // warm-up
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await evaluateOnce(store, references, limit));
      variants[label] = { sampleLimit: limit, ...summary(runs) };
      console.error(`${label}: median ${median(runs.map((r) => r.totalMs))} ms`);
    }
    const main = variants.defaultSample as ReturnType<typeof summary>;
    return {
      description: `evaluation of one 1-day window of ${EVENTS} events x 10 features (6 numeric, 4 categorical) on the DuckDB store (file on disk): feature drift + data quality monitors as one group (one read, one comparison against a ${REFERENCE_ROWS}-row reference), then storing the two results`,
      target: { totalMs: TARGET_MS },
      met: main.totalMs.median < TARGET_MS,
      events: EVENTS,
      features: 10,
      referenceRows: REFERENCE_ROWS,
      fillSeconds: Math.round(fillSeconds * 10) / 10,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg().map((x) => Math.round(x * 100) / 100),
      ...variants,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
