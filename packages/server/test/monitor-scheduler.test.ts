/**
 * Monitors in a running service: events and feedback posted over the HTTP API
 * mark their windows on commit, the scheduler evaluates them in the background,
 * results are stored and handed to listeners and the Prometheus export.
 * Replaying the same history in another order gives the same results; late
 * events and labels re-evaluate exactly the windows they belong to; open windows
 * wait for their end; a restart catches up.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, resolveConfig } from '../src/index.js';
import type { ModelwatchServer } from '../src/index.js';
import type { MonitorResult } from '../src/monitor/result.js';
import { tempDir } from './helpers/fixtures.js';
import { MONITOR_SCHEMA, generateEvents, rng, stable } from './helpers/monitors.js';
import { parseExposition, samples } from './helpers/prometheus.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 3, 1);
const DAYS = 4;
const PER_DAY = 400;

const MONITORS = [
  { name: 'drift', type: 'feature_drift', window: '1d', reference: 'previous' },
  { name: 'quality', type: 'data_quality', window: '1d', reference: 'previous' },
  { name: 'labels', type: 'model_quality', window: '1d' },
  { name: 'total', type: 'feature_drift', window: { type: 'cumulative', every: '1d' }, reference: 'previous', versions: 'all' },
];

/** Four days of events, the amount drifting upwards day by day; a third of them of version v2. */
const EVENTS = Array.from({ length: DAYS }, (_, d) =>
  generateEvents({ n: PER_DAY, t0: T0 + d * DAY + 1000, stepMs: Math.floor(DAY / PER_DAY), seed: 10 + d, shift: 4 * d, idPrefix: `d${d}-`, problems: 0.03, version: (i) => (i % 3 === 0 ? 'v2' : 'v1') }),
).flat();
/** Ground truth for every other event, known six hours later. */
const FEEDBACK = EVENTS.filter((_, i) => i % 2 === 0).map((e, i) => ({ id: e.id, target: i % 4 === 0 ? '1' : '0', ts: (e.ts as number) + 6 * HOUR }));

async function makeServer(dir: string, monitors: unknown[] | null = MONITORS, opts: { debounceMs?: number; now?: () => number } = {}): Promise<ModelwatchServer> {
  const model: Record<string, unknown> = { schema: MONITOR_SCHEMA, versions: ['v1', 'v2'] };
  if (monitors) model.monitors = monitors;
  const config = resolveConfig({ server: { dataDir: dir, maxRecordsPerRequest: 100_000 }, models: { fraud: model } }, { baseDir: dir });
  return createServer({ config, defaultMetrics: false, monitors: { debounceMs: opts.debounceMs ?? 10, now: opts.now } });
}

async function post(s: ModelwatchServer, what: 'events' | 'feedback', records: readonly unknown[]): Promise<void> {
  const res = await s.app.inject({
    method: 'POST',
    url: `/v1/models/fraud/${what}`,
    headers: { 'content-type': 'application/x-ndjson' },
    payload: records.map((r) => JSON.stringify(r)).join('\n'),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(JSON.parse(res.body).rejectedCount, 0, res.body);
}

/** Every stored result, keyed by monitor / version / window end. */
async function allResults(s: ModelwatchServer): Promise<Map<string, MonitorResult>> {
  const out = new Map<string, MonitorResult>();
  for (const r of await s.store.getResults({ model: 'fraud', limit: 100_000 })) {
    const p = r.payload as MonitorResult;
    out.set(`${r.monitor}/${r.version}/${new Date(r.windowEnd).toISOString()}`, p);
  }
  return out;
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const r = rng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const dayEnd = (d: number) => new Date(T0 + (d + 1) * DAY).toISOString();

describe('monitor scheduling', { timeout: 300_000 }, () => {
  const tmpA = tempDir('mw-mon-a-');
  const tmpB = tempDir('mw-mon-b-');
  let a: ModelwatchServer;
  let b: ModelwatchServer;
  const heard: MonitorResult[] = [];

  before(async () => {
    a = await makeServer(tmpA.dir);
    b = await makeServer(tmpB.dir);
    a.monitors.addListener((results) => {
      heard.push(...results);
    });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    tmpA.cleanup();
    tmpB.cleanup();
  });

  test('replaying the history in shuffled order, in other batches, gives identical results', async () => {
    // A lives through it: day by day, feedback after the events.
    for (let d = 0; d < DAYS; d++) await post(a, 'events', EVENTS.slice(d * PER_DAY, (d + 1) * PER_DAY));
    await post(a, 'feedback', FEEDBACK);
    // B gets everything shuffled, in odd batch sizes, feedback interleaved (some before its events).
    const mixed = shuffled([...EVENTS.map((e) => ['events', e] as const), ...FEEDBACK.map((f) => ['feedback', f] as const)], 42);
    for (let i = 0; i < mixed.length; ) {
      const n = 1 + Math.floor(rng(i)() * 300);
      const chunk = mixed.slice(i, i + n);
      i += n;
      const ev = chunk.filter(([k]) => k === 'events').map(([, r]) => r);
      const fb = chunk.filter(([k]) => k === 'feedback').map(([, r]) => r);
      if (ev.length) await post(b, 'events', ev);
      if (fb.length) await post(b, 'feedback', fb);
      // Some evaluations run between batches (partial windows are re-evaluated later).
      if (i % 3 === 0) await b.monitors.idle();
    }
    // Feedback that arrived before its event marked nothing; its event, when it came, marked the model-quality window too.
    await Promise.all([a.monitors.idle(), b.monitors.idle()]);

    const ra = await allResults(a);
    const rb = await allResults(b);
    // The windows: per version and day for the tumbling monitors, one cumulative window per day.
    const expected = new Set<string>();
    for (let d = 0; d < DAYS; d++) {
      for (const m of ['drift', 'quality', 'labels']) for (const v of ['v1', 'v2']) expected.add(`${m}/${v}/${dayEnd(d)}`);
      expected.add(`total//${dayEnd(d)}`);
    }
    assert.deepEqual(new Set(ra.keys()), expected);
    assert.deepEqual(new Set(rb.keys()), expected);
    for (const [key, r] of ra) assert.deepEqual(stable(rb.get(key)), stable(r), key);

    // Sanity of the content: the drift against the previous day is detected on amount; coverage is one half.
    const drift = ra.get(`drift/v1/${dayEnd(3)}`)!;
    assert.equal(drift.reference?.kind, 'previous');
    assert.equal(drift.features!.find((f) => f.feature === 'amount')!.metrics.drift_detected, 1);
    assert.equal(ra.get(`drift/v1/${dayEnd(0)}`)!.metrics.dataset_drift_share, null, 'the first day has no previous day');
    const labels = ra.get(`labels/v1/${dayEnd(1)}`)!;
    const dayEvents = EVENTS.filter((e) => e.version === 'v1' && (e.ts as number) >= T0 + DAY && (e.ts as number) < T0 + 2 * DAY);
    const labelledIds = new Set(FEEDBACK.map((f) => f.id));
    assert.equal(labels.metrics.rows, dayEvents.length);
    assert.equal(labels.metrics.labelled_rows, dayEvents.filter((e) => labelledIds.has(e.id)).length);
    assert.equal(labels.metrics.label_lag_seconds, 6 * 3600);
    const total = ra.get(`total//${dayEnd(2)}`)!;
    assert.equal(total.metrics.rows, 3 * PER_DAY);
    assert.equal(total.window.start, EVENTS[0].ts, 'a cumulative window shows its first event');
    assert.equal(total.reference?.kind, 'previous');
    assert.equal(total.reference?.rows, 2 * PER_DAY);
  });

  test('listeners hear every stored result; evaluation time and the latest windows are on /metrics', async () => {
    const stored = await allResults(a);
    // Each stored result was heard (windows evaluated more than once were heard more than once).
    for (const [key, r] of stored) assert.ok(heard.some((h) => h.monitor === r.monitor && h.version === r.version && h.window.end === r.window.end), key);
    const res = await a.app.inject({ method: 'GET', url: '/metrics' });
    const exposition = parseExposition(res.body);
    const count = samples(exposition, 'modelwatch_monitor_evaluation_seconds_count', { model: 'fraud', monitor: 'drift' });
    assert.equal(count.length, 1);
    assert.ok(count[0].value >= 8, `${count[0].value} evaluations`);
    const latest = stored.get(`drift/v1/${dayEnd(3)}`)!;
    const share = samples(exposition, 'modelwatch_dataset_drift_share', { model: 'fraud', monitor: 'drift', version: 'v1' });
    assert.deepEqual(share.map((x) => x.value), [latest.metrics.dataset_drift_share]);
    const coverage = samples(exposition, 'modelwatch_label_coverage_ratio', { model: 'fraud', monitor: 'labels', version: 'v2' });
    assert.deepEqual(coverage.map((x) => x.value), [stored.get(`labels/v2/${dayEnd(3)}`)!.metrics.label_coverage_ratio]);
  });

  test('late events re-evaluate their window (and the next one, which compares with it) and nothing else', async () => {
    const before = await allResults(a);
    const late = generateEvents({ n: 5, t0: T0 + DAY + 7 * HOUR, stepMs: 1000, seed: 99, idPrefix: 'late-', version: 'v1' });
    await post(a, 'events', late);
    await a.monitors.idle();
    const afterLate = await allResults(a);
    const changed = [...afterLate].filter(([k, r]) => r.computedAt !== before.get(k)!.computedAt).map(([k]) => k).sort();
    assert.deepEqual(
      changed,
      [
        `drift/v1/${dayEnd(1)}`, `drift/v1/${dayEnd(2)}`, // day 1 and day 2 (whose previous window is day 1)
        `labels/v1/${dayEnd(1)}`,
        `quality/v1/${dayEnd(1)}`, `quality/v1/${dayEnd(2)}`,
        `total//${dayEnd(1)}`, `total//${dayEnd(2)}`, `total//${dayEnd(3)}`, // every cumulative window after them
      ].sort(),
    );
    assert.equal(afterLate.get(`drift/v1/${dayEnd(1)}`)!.metrics.rows, before.get(`drift/v1/${dayEnd(1)}`)!.metrics.rows! + 5);
    assert.equal(afterLate.get(`drift/v1/${dayEnd(2)}`)!.reference!.rows, before.get(`drift/v1/${dayEnd(2)}`)!.reference!.rows + 5);
  });

  test('feedback re-evaluates the model-quality windows of the events it labels', async () => {
    const before = await allResults(a);
    const labelledIds = new Set(FEEDBACK.map((f) => f.id));
    const day2v2 = EVENTS.filter((e) => e.version === 'v2' && (e.ts as number) >= T0 + 2 * DAY && (e.ts as number) < T0 + 3 * DAY && !labelledIds.has(e.id));
    await post(a, 'feedback', day2v2.slice(0, 10).map((e) => ({ id: e.id, target: '1', ts: T0 + 10 * DAY })));
    await a.monitors.idle();
    const afterFb = await allResults(a);
    const changed = [...afterFb].filter(([k, r]) => r.computedAt !== before.get(k)!.computedAt).map(([k]) => k);
    assert.deepEqual(changed, [`labels/v2/${dayEnd(2)}`]);
    const was = before.get(`labels/v2/${dayEnd(2)}`)!;
    const now = afterFb.get(`labels/v2/${dayEnd(2)}`)!;
    assert.equal(now.metrics.labelled_rows, was.metrics.labelled_rows! + 10);
    assert.equal(now.metrics.label_coverage_ratio, now.metrics.labelled_rows! / now.metrics.rows!);
  });

  test('windows still open wait for their end on the wall clock', async () => {
    const tmp = tempDir('mw-mon-c-');
    let clock = T0 + DAY + 12 * HOUR;
    const c = await makeServer(tmp.dir, MONITORS, { now: () => clock });
    try {
      await post(c, 'events', EVENTS.filter((e) => (e.ts as number) < clock));
      await c.monitors.idle();
      let keys = [...(await allResults(c)).keys()];
      assert.ok(keys.length > 0);
      assert.ok(keys.every((k) => k.endsWith(dayEnd(0))), keys.join(', '));
      assert.ok(c.monitors.dirtyWindows > 0, 'the open windows are waiting');
      clock = T0 + 2 * DAY;
      await c.monitors.evaluateNow();
      keys = [...(await allResults(c)).keys()];
      assert.ok(keys.some((k) => k === `drift/v1/${dayEnd(1)}`), keys.join(', '));
    } finally {
      await c.close();
      tmp.cleanup();
    }
  });

  test('a restart evaluates the windows left unevaluated (catch-up from the latest stored result)', async () => {
    const tmp = tempDir('mw-mon-d-');
    try {
      const d1 = await makeServer(tmp.dir, MONITORS, { debounceMs: 3_600_000 });
      for (let d = 0; d < DAYS; d++) await post(d1, 'events', EVENTS.slice(d * PER_DAY, (d + 1) * PER_DAY));
      await d1.close(); // before the (hour-long) debounce: nothing evaluated
      const d2 = await makeServer(tmp.dir);
      try {
        assert.equal((await allResults(d2)).size, 0);
        await d2.monitors.idle();
        const got = await allResults(d2);
        const want = new Map([...(await allResults(b))].filter(([k]) => !k.startsWith('labels/')));
        // Same events as B without feedback: every event-window result equals B's.
        for (const [key, r] of want) {
          if (key.startsWith('quality') || key.startsWith('drift') || key.startsWith('total')) assert.deepEqual(stable(got.get(key)), stable(r), key);
        }
        assert.ok([...got.keys()].some((k) => k.startsWith('labels/')));
      } finally {
        await d2.close();
      }
    } finally {
      tmp.cleanup();
    }
  });

  test('a model without configured monitors gets the defaults', async () => {
    const tmp = tempDir('mw-mon-e-');
    const e = await makeServer(tmp.dir, null);
    try {
      const evs = generateEvents({ n: 240, t0: T0, stepMs: 30_000, seed: 5 });
      await post(e, 'events', evs);
      await e.monitors.idle();
      const got = await allResults(e);
      const monitors = new Set([...got.values()].map((r) => `${r.monitor}:${r.type}:${r.window.type}:${r.window.label}`));
      assert.deepEqual(monitors, new Set(['data_quality:data_quality:sliding:1h', 'feature_drift:feature_drift:sliding:1d', 'prediction_drift:prediction_drift:sliding:1d', 'model_quality:model_quality:sliding:1d']));
      // 2 hours of events: data quality windows (1h every 5m) ending from T0+5m to T0+2h+55m… only those with events are stored.
      const dq = [...got.values()].filter((r) => r.monitor === 'data_quality');
      const ends = dq.map((r) => r.window.end - T0).sort((x, y) => x - y);
      assert.equal(ends[0], 5 * 60_000);
      assert.equal(ends.at(-1), 2 * HOUR + 55 * 60_000);
      for (const r of dq) assert.equal(r.metrics.rows, evs.filter((x) => (x.ts as number) >= r.window.start && (x.ts as number) < r.window.end).length);
      const drift = [...got.values()].find((r) => r.monitor === 'feature_drift' && r.window.end === T0 + 2 * HOUR)!;
      assert.equal(drift.reference?.kind, 'previous', 'no reference yet: the previous window');
    } finally {
      await e.close();
      tmp.cleanup();
    }
  });
});
