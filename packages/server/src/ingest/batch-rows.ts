/**
 * Prepared events straight from a validated columnar batch (batch-decode.ts),
 * without rebuilding each record whole: the record handed to
 * {@link EventRows.acceptParsed} holds only the keys it reads (`id`, `ts`,
 * `version`, `prediction`, `scores`, `latency_ms`, `error`, `tags`; a missing
 * one reads as `undefined`, as on a record without it), and an `object`
 * column `features` is read column by column through a {@link FeatureSource}.
 * Validation, rejections and findings are acceptParsed's own, so the result is
 * that of `prepareEvents(batchRecords(batch), plan)` — the tests compare both.
 */
import { ROW_ABSENT, ROW_NULL, ROW_PRESENT, valueAt } from './batch-decode.js';
import type { BatchColumn, EventBatchColumns } from './batch-decode.js';
import { ABSENT, EventRows, MAX_UNKNOWN_PER_EVENT } from './events.js';
import type { EventPlan, FeatureSource, PreparedEvents } from './events.js';
import { sanitizeName } from './values.js';

type ObjectColumn = Extract<BatchColumn, { enc: 'object' }>;

/** The value of `col` on row `r`: {@link ABSENT} when the record lacks the key. */
function cell(col: BatchColumn, r: number): unknown {
  const s = col.states === null ? ROW_PRESENT : col.states[r];
  return s === ROW_PRESENT ? valueAt(col, r) : s === ROW_NULL ? null : ABSENT;
}

/** A top-level value as a property read gives it (`undefined` when absent). */
function read(col: BatchColumn | undefined, r: number): unknown {
  if (col === undefined) return undefined;
  const v = cell(col, r);
  return v === ABSENT ? undefined : v;
}

/** An array index (a canonical uint32 below 2³² − 1): `for…in` lists those first, ascending. */
function arrayIndex(key: string): number {
  const n = Number(key);
  return n >>> 0 === n && n !== 4294967295 && String(n) === key ? n : -1;
}

/** The `features` object column of a batch, read per row as acceptParsed would read the object. */
class ColumnFeatures implements FeatureSource {
  private readonly states: Uint8Array | null;
  /** Schema features given by a column: the column and the plan's feature index. */
  private readonly known: { col: BatchColumn; f: number }[] = [];
  /** Other keys that are not ignored, in `for…in` order, with their sanitized names. */
  private readonly unknown: { col: BatchColumn; name: string }[] = [];
  /** The column of each segment name, if any. */
  private readonly segments: (BatchColumn | undefined)[];

  constructor(obj: ObjectColumn, plan: EventPlan) {
    this.states = obj.states;
    const featureIndex = new Map(plan.featureNames.map((name, f) => [name, f]));
    const unknown: { col: BatchColumn; name: string; index: number; order: number }[] = [];
    obj.children.forEach((col, order) => {
      const f = featureIndex.get(col.key);
      if (f !== undefined) this.known.push({ col, f });
      else if (!plan.ignoredFeatureKeys.has(col.key)) unknown.push({ col, name: sanitizeName(col.key), index: arrayIndex(col.key), order });
    });
    // Integer keys first, ascending; then the others in insertion (= column) order.
    unknown.sort((a, b) => (a.index >= 0 ? (b.index >= 0 ? a.index - b.index : -1) : b.index >= 0 ? 1 : a.order - b.order));
    for (const u of unknown) this.unknown.push({ col: u.col, name: u.name });
    const byKey = new Map(obj.children.map((c) => [c.key, c]));
    this.segments = plan.segmentNames.map((name) => byKey.get(name));
  }

  isObject(i: number): boolean {
    return this.states === null || this.states[i] === ROW_PRESENT;
  }

  fill(rows: EventRows, i: number): void {
    const fv = rows.fv;
    const known = this.known;
    for (let k = 0; k < known.length; k++) {
      const v = cell(known[k].col, i);
      if (v !== ABSENT) fv[known[k].f] = v;
    }
    const unknown = this.unknown;
    for (let k = 0; k < unknown.length; k++) {
      const col = unknown[k].col;
      if (col.states !== null && col.states[i] === ROW_ABSENT) continue;
      if (rows.unknownFeatures.length < MAX_UNKNOWN_PER_EVENT) rows.unknownFeatures.push(unknown[k].name);
    }
  }

  segment(g: number, i: number): unknown {
    const col = this.segments[g];
    return col === undefined ? ABSENT : cell(col, i);
  }
}

/** The prepared events of a validated batch (see the module comment). */
export function prepareBatchEvents(batch: EventBatchColumns, plan: EventPlan, opts: { maxListed?: number } = {}): PreparedEvents {
  const byKey = new Map(batch.columns.map((c) => [c.key, c]));
  const featuresCol = byKey.get('features');
  const direct = featuresCol?.enc === 'object' ? new ColumnFeatures(featuresCol, plan) : undefined;
  const features = direct ? undefined : featuresCol;
  const id = byKey.get('id');
  const ts = byKey.get('ts');
  const version = byKey.get('version');
  const prediction = byKey.get('prediction');
  const scores = byKey.get('scores');
  const latency = byKey.get('latency_ms');
  const error = byKey.get('error');
  const tags = byKey.get('tags');
  const rows = new EventRows(plan, batch.rows, opts.maxListed);
  for (let r = 0; r < batch.rows; r++) {
    // acceptParsed tells a missing prediction from a null one by hasOwn: two shapes.
    const p = prediction === undefined ? ABSENT : cell(prediction, r);
    const rec =
      p === ABSENT
        ? { id: read(id, r), ts: read(ts, r), version: read(version, r), features: read(features, r), scores: read(scores, r), latency_ms: read(latency, r), error: read(error, r), tags: read(tags, r) }
        : { id: read(id, r), ts: read(ts, r), version: read(version, r), features: read(features, r), prediction: p, scores: read(scores, r), latency_ms: read(latency, r), error: read(error, r), tags: read(tags, r) };
    rows.acceptParsed(rec, r, direct);
  }
  return rows.finish();
}
