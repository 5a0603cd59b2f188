/**
 * The embedded DuckDB implementation of {@link Store}: one database file holding
 * metadata tables, one typed events table and one feedback table per model.
 *
 * Writes go through one writer connection, one transaction per call, serialised by
 * an internal lock. Event batches are appended with DuckDB's Appender (columnar
 * data chunks) into a per-model TEMP staging table, duplicates are removed there,
 * and the rest is copied into the events table before COMMIT. DuckDB writes a
 * committed transaction to its write-ahead log and fsyncs it before COMMIT
 * returns, so a resolved write survives `kill -9` (the WAL is replayed on the next
 * open); checkpoints move it into the main file.
 *
 * Queries run on a small pool of reader connections and see committed data only.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import { SYSTEM_COLUMN_TYPES, appendEventBatches, columnType } from './append.js';
import { categoryBucketsOf } from './category-buckets.js';
import { addMomentsRow, emptyMoments, finishMoments } from './numeric-moments.js';
import type { AppendLayout } from './append.js';
import { RecentKeys, admitKeys } from './recent-keys.js';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DOUBLE, INTEGER, TIMESTAMP, VARCHAR } from '@duckdb/node-api';
import type { ColumnKind, Schema, Task } from '@modelwatch/core';
import {
  NAME_LIST_SEPARATOR,
  StoreConflictError,
  StoreInputError,
  UnknownColumnError,
  UnknownModelError,
  eventColumns,
  targetColumn,
  targetKind,
} from '../store.js';
import type {
  AlertPoint,
  AlertState,
  AlertTransitionQuery,
  AlertTransitionRecord,
  AlertWrite,
  AppendResult,
  CategoryCounts,
  DefinitionKind,
  ColumnQuery,
  ColumnSample,
  DataQualitySummary,
  DeliveryRecord,
  EventBatch,
  EventCountBucket,
  EventCountQuery,
  EventTimeBounds,
  FeedbackBatch,
  FeedbackResult,
  LabelSummary,
  LatencySummary,
  LabelledRows,
  ModelDefinition,
  ModelRecord,
  NumericAggregate,
  ResultQuery,
  ReferenceRecord,
  ResultRecord,
  RetentionCutoffs,
  RetentionResult,
  SampleOptions,
  Store,
  StoredDefinition,
  WindowQuery,
  WindowSummary,
  WindowTable,
  WindowTableQuery,
} from '../store.js';
import { CHUNK_ROWS, writeDoublesNaNNull, writeSequence, writeStrings, writeTimestamps } from './chunks.js';
import {
  EVENT_SYSTEM_COLUMNS,
  METADATA_DDL,
  binExpression,
  createEventsTableSql,
  eventColumnDdl,
  createFeedbackStagingSql,
  createFeedbackTableSql,
  eventsTable,
  feedbackStagingTable,
  feedbackTable,
  physicalName,
  quoteIdent,
  stagingTable,
} from './sql.js';
import type { ModelLayout, PhysicalColumn } from './sql.js';
import { REFERENCE_DDL, dropOrphanReferenceRows, dropReferenceRows, readReference, stageReferenceRows, switchReference } from './references.js';
import { count, num, toDictColumn, toNumberColumn } from './values.js';
import { ALERTS_DDL, insertDeliveries, pruneAlertHistory, readAlertPoints, readAlertStates, readAlertTransitions, readDeliveries, upsertAlertStates, writeAlerts } from './alerts.js';
import { DEFINITIONS_DDL, readDefinitions, removeDefinition, removeResults, sortDefinitions, upsertDefinition } from './definitions.js';
import { readEventTimesOfIds, readLabelSummary, readWindowSummary, readWindowTable, readWindowVersions } from './window-read.js';
import type { WindowLayout } from './window-read.js';
import { dropRollupsBefore, rollupDdl } from './rollups.js';
import type { RollupLayout } from './rollups.js';
import { RollupMaintainer } from './rollup-maintainer.js';
import type { RollupLogger } from './rollup-maintainer.js';
import { latencySummary, planRollupRead, rawPlan, rolledUp, rollupCategoriesByBucket, rollupEventCounts, rollupHistogram, rollupHistogramSet, rollupNumericByBucket } from './rollup-read.js';
import type { RollupPlan } from './rollup-read.js';

/** Options of {@link DuckDBStore.open}. */
export interface DuckDBStoreOptions {
  /** Database file, or `":memory:"`. Its directory is created if needed. */
  path: string;
  /** DuckDB `checkpoint_threshold` (e.g. `"64MB"`). */
  checkpointThreshold?: string;
  /** DuckDB `memory_limit` (e.g. `"2GB"`). */
  memoryLimit?: string;
  /** DuckDB worker threads. */
  threads?: number;
  /** Most models that may be created (default 1000). */
  maxModels?: number;
  /** Reader connections for concurrent queries (default 2). */
  readers?: number;
  /** Answer long dashboard ranges from hourly rollups (rollups.ts; default true). False: always scan events. */
  rollups?: boolean;
  /** Quiet time after commits before they are folded into the rollups (default 2000 ms; at most 30 s under steady traffic). */
  rollupDelayMs?: number;
}

const FORMAT_VERSION = '1';

interface ModelState {
  id: number;
  record: ModelRecord;
  layout: ModelLayout;
  /** Physical column of each entry of `eventColumns(record.schema)`. */
  eventCols: PhysicalColumn[];
  /** Layout of the staging table that exists on the writer connection, if any. */
  stagingSignature?: string;
  feedbackStagingReady?: boolean;
}

const q = quoteIdent;

/** Internal signal: the fast append found a duplicate and must be redone on the slow path. */
const DUPLICATES = Symbol('duplicates');

/**
 * The event-time ranges (whole ms, widened by 1 ms) covered by the batches,
 * overlapping or nearby ranges merged; at most 16, else one covering range.
 */
function tsRanges(batches: readonly EventBatch[], indexes: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const i of indexes) {
    const ts = batches[i].ts;
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < ts.length; r++) {
      const t = ts[r];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    if (lo <= hi) ranges.push([Math.floor(lo) - 1, Math.ceil(hi) + 1]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 60_000) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  if (merged.length > 16) return [[merged[0][0], Math.max(...merged.map((r) => r[1]))]];
  return merged;
}

/** Milliseconds → a TIMESTAMP parameter expression `epoch_ms($n::BIGINT)` needs integral ms. */
const msParam = (ms: number) => Math.floor(ms);

export class DuckDBStore implements Store {
  readonly kind = 'duckdb' as const;
  private readonly models = new Map<string, ModelState>();
  /** Keys of recently appended events, to skip most duplicate queries. */
  private readonly recentKeys = new RecentKeys();
  private writeTail: Promise<unknown> = Promise.resolve();
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiting: ((c: DuckDBConnection) => void)[] = [];
  private closed = false;
  private nextModelId = 1;
  /** Background folding of events into the dashboard's hourly rollups. */
  private readonly rollups: RollupMaintainer;
  /** Reads answered (in part) from the rollups. */
  rollupReads = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly readers: DuckDBConnection[],
    private readonly maxModels: number,
    private readonly rollupsOn = true,
    rollupDelayMs = 2000,
  ) {
    this.idle.push(...readers);
    this.rollups = new RollupMaintainer({
      write: (fn) => this.exclusive(() => this.transaction(() => fn(this.writer))),
      layouts: () => [...this.models.values()].map((s) => this.rollupLayout(s)),
    }, rollupDelayMs);
  }

  /** Opens (creating if needed) the database and loads the models. */
  static async open(opts: DuckDBStoreOptions): Promise<DuckDBStore> {
    if (opts.path !== ':memory:') await mkdir(dirname(opts.path), { recursive: true });
    const config: Record<string, string> = {};
    if (opts.checkpointThreshold) config.checkpoint_threshold = opts.checkpointThreshold;
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    if (opts.threads) config.threads = String(opts.threads);
    const instance = await DuckDBInstance.create(opts.path, config);
    const writer = await instance.connect();
    const readers: DuckDBConnection[] = [];
    for (let i = 0; i < Math.max(1, opts.readers ?? 2); i++) readers.push(await instance.connect());
    const store = new DuckDBStore(instance, writer, readers, opts.maxModels ?? 1000, opts.rollups ?? true, opts.rollupDelayMs);
    try {
      await store.init();
    } catch (err) {
      store.release();
      throw err;
    }
    return store;
  }

  private async init(): Promise<void> {
    for (const ddl of [...METADATA_DDL, ...REFERENCE_DDL, ...DEFINITIONS_DDL]) await this.writer.run(ddl);
    for (const ddl of ALERTS_DDL) await this.writer.run(ddl);
    await dropOrphanReferenceRows(this.writer);
    const meta = await this.writer.runAndReadAll(`SELECT value FROM mw_meta WHERE key = 'format'`);
    const rows = meta.getRows();
    if (rows.length === 0) await this.writer.run(`INSERT INTO mw_meta VALUES ('format', $1)`, [FORMAT_VERSION]);
    else if (rows[0][0] !== FORMAT_VERSION) throw new Error(`database format ${String(rows[0][0])} is not supported (expected ${FORMAT_VERSION})`);
    const res = await this.writer.runAndReadAll(
      `SELECT name, id, task, schema_json, versions_json, layout_json, generation, epoch_ms(created_at), epoch_ms(updated_at) FROM mw_models ORDER BY id`,
    );
    const definitions = await readDefinitions(this.writer);
    for (const r of res.getRows()) {
      const layout = JSON.parse(r[5] as string) as ModelLayout;
      const record: ModelRecord = {
        name: r[0] as string,
        task: (r[2] as Task | null) ?? null,
        schema: JSON.parse(r[3] as string) as Schema,
        versions: JSON.parse(r[4] as string) as string[],
        generation: num(r[6]),
        createdAt: num(r[7]),
        updatedAt: num(r[8]),
      };
      const defs = definitions.get(record.name);
      if (defs) record.definitions = defs;
      const state: ModelState = { id: num(r[1]), record, layout, eventCols: alignColumns(record.schema, layout) };
      this.models.set(record.name, state);
      this.nextModelId = Math.max(this.nextModelId, state.id + 1);
      for (const ddl of rollupDdl(state.id)) await this.writer.run(ddl);
    }
  }

  // -------------------------------------------------------------------------
  // Connections and locking

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeTail.then(() => {
      if (this.closed) throw new Error('the store is closed');
      return fn();
    });
    this.writeTail = run.catch(() => undefined);
    return run;
  }

  private async withReader<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the store is closed');
    const conn = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(conn);
    } finally {
      const next = this.waiting.shift();
      if (next) next(conn);
      else this.idle.push(conn);
    }
  }

  /** Runs `fn` in one read transaction (a consistent snapshot). */
  private snapshot<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.withReader(async (c) => {
      await c.run('BEGIN TRANSACTION');
      try {
        return await fn(c);
      } finally {
        await c.run('COMMIT');
      }
    });
  }

  private async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.writer.run('BEGIN TRANSACTION');
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      try {
        await this.writer.run('ROLLBACK');
      } catch {
        // The transaction may already be aborted; nothing else to undo.
      }
      throw err;
    }
    await this.writer.run('COMMIT');
    return result;
  }

  private state(name: string): ModelState {
    const s = this.models.get(name);
    if (!s) throw new UnknownModelError(name);
    return s;
  }

  // -------------------------------------------------------------------------
  // Models

  async getModel(name: string): Promise<ModelRecord | null> {
    return this.models.get(name)?.record ?? null;
  }

  async listModels(): Promise<ModelRecord[]> {
    return [...this.models.values()].map((s) => s.record).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  putModel(def: ModelDefinition): Promise<{ model: ModelRecord; created: boolean }> {
    return this.exclusive(async () => {
      const existing = this.models.get(def.name);
      if (!existing && this.models.size >= this.maxModels) throw new StoreInputError(`at most ${this.maxModels} models may be registered`);
      const now = Date.now();
      const id = existing?.id ?? this.nextModelId;
      const layout: ModelLayout = existing
        ? { id, next: existing.layout.next, columns: existing.layout.columns.map((c) => ({ ...c, active: false })) }
        : { id, next: 0, columns: [] };
      const added: PhysicalColumn[] = [];
      for (const col of eventColumns(def.schema)) {
        let entry = layout.columns.find((c) => c.name === col.name && c.kind === col.kind);
        if (!entry) {
          entry = { name: col.name, kind: col.kind, physical: physicalName(layout.next++, col.name), active: true };
          layout.columns.push(entry);
          added.push(entry);
        }
        entry.active = true;
      }
      const task = def.task ?? def.schema.task ?? null;
      const schema: Schema = { ...def.schema, ...(task ? { task } : {}) };
      const versions = [...new Set(def.versions ?? existing?.record.versions ?? [])];
      const eventCols = alignColumns(schema, layout);
      const sameColumns = existing !== undefined && signature(eventCols) === signature(existing.eventCols);
      const record: ModelRecord = {
        name: def.name,
        task,
        schema,
        versions,
        createdAt: existing?.record.createdAt ?? now,
        updatedAt: now,
        generation: existing ? existing.record.generation + (sameColumns ? 0 : 1) : 1,
      };
      if (existing?.record.definitions) record.definitions = existing.record.definitions;
      await this.transaction(async () => {
        if (!existing) {
          await this.writer.run(createEventsTableSql(eventsTable(id), layout.columns));
          await this.writer.run(createFeedbackTableSql(feedbackTable(id)));
          for (const ddl of rollupDdl(id)) await this.writer.run(ddl);
        } else {
          for (const c of added) await this.writer.run(`ALTER TABLE ${q(eventsTable(id))} ADD COLUMN ${q(c.physical)} ${eventColumnDdl(c.kind)}`);
        }
        await this.writer.run(
          `INSERT INTO mw_models VALUES ($1, $2, $3, $4, $5, $6, $7, epoch_ms($8::BIGINT), epoch_ms($9::BIGINT))
           ON CONFLICT (name) DO UPDATE SET task = excluded.task, schema_json = excluded.schema_json, versions_json = excluded.versions_json,
             layout_json = excluded.layout_json, generation = excluded.generation, updated_at = excluded.updated_at`,
          [def.name, id, task, JSON.stringify(schema), JSON.stringify(versions), JSON.stringify(layout), record.generation, record.createdAt, now],
        );
      });
      const state: ModelState = { id, record, layout, eventCols, stagingSignature: existing?.stagingSignature, feedbackStagingReady: existing?.feedbackStagingReady };
      this.models.set(def.name, state);
      if (!existing) this.nextModelId = id + 1;
      else if (!sameColumns) {
        this.rollups.invalidate(id);
        this.rollups.schedule();
      }
      return { model: record, created: !existing };
    });
  }

  // -------------------------------------------------------------------------
  // Events

  appendEvents(batches: readonly EventBatch[]): Promise<AppendResult[]> {
    return this.exclusive(async () => {
      for (const b of batches) {
        const s = this.state(b.model);
        if (b.generation !== s.record.generation) {
          throw new StoreConflictError(`the schema of model "${b.model}" changed while the events were queued; send them again`);
        }
        if (b.columns.length !== s.eventCols.length) throw new StoreInputError(`batch for "${b.model}" has ${b.columns.length} columns, expected ${s.eventCols.length}`);
      }
      const byModel = new Map<string, number[]>();
      batches.forEach((b, i) => {
        if (b.length === 0) return;
        const list = byModel.get(b.model);
        if (list) list.push(i);
        else byModel.set(b.model, [i]);
      });
      const fresh = () => batches.map((b): AppendResult => ({ inserted: b.length, duplicates: 0, duplicateIndexes: [] }));
      if (byModel.size === 0) return fresh();
      // Fast path: append straight into the events tables, then make sure no (id, ts)
      // occurs twice in the time ranges written. Duplicates are rare (retries), so
      // when one shows up the transaction is rolled back and redone on the slow path,
      // which finds and skips them record by record.
      try {
        await this.transaction(async () => {
          for (const [model, indexes] of byModel) {
            const s = this.state(model);
            // Keys seen recently in memory (recent-keys.ts): most groups need no duplicate query.
            const clean = (await admitKeys(this.recentKeys, this.writer, s.id, eventsTable(s.id), batches, indexes)) === 'clean';
            await this.appendChunks(s, batches, indexes, false);
            if (!clean && (await this.hasDuplicates(s, batches, indexes))) throw DUPLICATES;
          }
        });
        return fresh();
      } catch (err) {
        if (err !== DUPLICATES) throw err;
      }
      const results = fresh();
      await this.transaction(async () => {
        for (const [model, indexes] of byModel) {
          const s = this.state(model);
          await this.ensureStaging(s);
          await this.appendChunks(s, batches, indexes, true);
          const st = q(stagingTable(s.id));
          const ev = q(eventsTable(s.id));
          const params: DuckDBValue[] = [];
          const ranges = tsRanges(batches, indexes)
            .map(([lo, hi]) => {
              params.push(lo, hi);
              return `(e.ts >= epoch_ms($${params.length - 1}::BIGINT) AND e.ts <= epoch_ms($${params.length}::BIGINT))`;
            })
            .join(' OR ');
          const dups = await this.writer.runAndReadAll(
            `DELETE FROM ${st} AS s USING (
               SELECT w._req, w._row FROM (
                 SELECT _req, _row, id, ts, row_number() OVER (PARTITION BY id, ts ORDER BY _req, _row) AS rn FROM ${st}) w
               WHERE w.rn > 1 OR EXISTS (SELECT 1 FROM ${ev} e WHERE (${ranges}) AND e.id = w.id AND e.ts = w.ts)
             ) d WHERE s._req = d._req AND s._row = d._row RETURNING s._req, s._row`,
            params,
          );
          for (const [req, row] of dups.getRows()) {
            const r = results[num(req)];
            r.duplicates++;
            r.inserted--;
            r.duplicateIndexes.push(num(row));
          }
          for (const i of indexes) results[i].duplicateIndexes.sort((a, b) => a - b);
          const cols = stagingColumns(s).map(q).join(', ');
          await this.writer.run(`INSERT INTO ${ev} (${cols}) SELECT ${cols} FROM ${st}`);
          await this.writer.run(`DELETE FROM ${st}`);
        }
      });
      return results;
    });
  }

  /**
   * Whether some `(id, ts)` occurs more than once among the events in the time
   * ranges of the batches just appended (committed rows and this transaction's).
   * Each range is its own scan, so DuckDB's min/max zone maps skip row groups
   * outside it.
   */
  private async hasDuplicates(s: ModelState, batches: readonly EventBatch[], indexes: readonly number[]): Promise<boolean> {
    const ev = q(eventsTable(s.id));
    const params: DuckDBValue[] = [];
    const parts = tsRanges(batches, indexes).map(([lo, hi]) => {
      params.push(lo, hi);
      return `SELECT 1 FROM ${ev} WHERE ts >= epoch_ms($${params.length - 1}::BIGINT) AND ts <= epoch_ms($${params.length}::BIGINT) GROUP BY id, ts HAVING count(*) > 1`;
    });
    const res = await this.writer.runAndReadAll(`${parts.join(' UNION ALL ')} LIMIT 1`, params);
    return res.currentRowCount > 0;
  }

  private async ensureStaging(s: ModelState): Promise<void> {
    const sig = signature(s.eventCols);
    if (s.stagingSignature === sig) return;
    const st = stagingTable(s.id);
    await this.writer.run(`DROP TABLE IF EXISTS temp.${q(st)}`);
    await this.writer.run(createEventsTableSql(st, s.eventCols, true));
    s.stagingSignature = sig;
  }

  /**
   * Appends the batches with the Appender, as whole-column data chunks
   * (append.ts): into the events table (every physical column in table order;
   * retired columns get nulls), or into the staging table (current columns,
   * plus `_req` = batch index and `_row`).
   */
  private async appendChunks(s: ModelState, batches: readonly EventBatch[], indexes: readonly number[], staging: boolean): Promise<void> {
    const targets = staging ? s.eventCols : s.layout.columns;
    const layout: AppendLayout = {
      types: [...SYSTEM_COLUMN_TYPES, ...targets.map((c) => columnType(c.kind)), ...(staging ? (['integer', 'integer'] as const) : [])],
      source: targets.map((c) => s.eventCols.indexOf(c)),
      staging,
    };
    const appender = staging
      ? await this.writer.createAppender(stagingTable(s.id), 'main', 'temp')
      : await this.writer.createAppender(eventsTable(s.id));
    try {
      appendEventBatches(appender, layout, batches, indexes);
    } finally {
      appender.closeSync();
    }
  }

  // -------------------------------------------------------------------------
  // Feedback

  upsertFeedback(batches: readonly FeedbackBatch[]): Promise<FeedbackResult[]> {
    return this.exclusive(async () => {
      for (const b of batches) this.state(b.model);
      const results: FeedbackResult[] = batches.map((b) => ({ upserted: new Set(b.ids).size }));
      const byModel = new Map<string, number[]>();
      batches.forEach((b, i) => {
        if (b.length === 0) return;
        const list = byModel.get(b.model);
        if (list) list.push(i);
        else byModel.set(b.model, [i]);
      });
      if (byModel.size === 0) return results;
      await this.transaction(async () => {
        for (const [model, indexes] of byModel) {
          const s = this.state(model);
          const st = feedbackStagingTable(s.id);
          if (!s.feedbackStagingReady) {
            await this.writer.run(`DROP TABLE IF EXISTS temp.${q(st)}`);
            await this.writer.run(createFeedbackStagingSql(st));
            s.feedbackStagingReady = true;
          }
          const appender = await this.writer.createAppender(st, 'main', 'temp');
          let seq = 0;
          try {
            for (const i of indexes) {
              const b = batches[i];
              for (let off = 0; off < b.length; off += CHUNK_ROWS) {
                const m = Math.min(CHUNK_ROWS, b.length - off);
                const chunk = DuckDBDataChunk.create([VARCHAR, DOUBLE, VARCHAR, TIMESTAMP, TIMESTAMP, INTEGER], m);
                writeStrings(chunk.getColumnVector(0), b.ids, off, m);
                writeDoublesNaNNull(chunk.getColumnVector(1), b.targetNumbers ?? new Float64Array(b.length).fill(NaN), off, m);
                writeStrings(chunk.getColumnVector(2), b.targetLabels ?? new Array<string | null>(b.length).fill(null), off, m);
                writeTimestamps(chunk.getColumnVector(3), b.ts, off, m);
                writeTimestamps(chunk.getColumnVector(4), new Float64Array(m).fill(b.receivedAt), 0, m);
                writeSequence(chunk.getColumnVector(5), seq, m);
                seq += m;
                appender.appendDataChunk(chunk);
              }
            }
            appender.flushSync();
          } finally {
            appender.closeSync();
          }
          await this.writer.run(
            `INSERT INTO ${q(feedbackTable(s.id))}
             SELECT id, target_num, target_label, ts, received_at FROM (
               SELECT * FROM ${q(st)} QUALIFY row_number() OVER (PARTITION BY id ORDER BY _seq DESC) = 1)
             ON CONFLICT (id) DO UPDATE SET target_num = excluded.target_num, target_label = excluded.target_label,
               ts = excluded.ts, received_at = excluded.received_at`,
          );
          await this.writer.run(`DELETE FROM ${q(st)}`);
        }
      });
      return results;
    });
  }

  // -------------------------------------------------------------------------
  // Queries

  /** `WHERE` clause of a window on alias `e`, parameters from `$first`. */
  private windowWhere(w: WindowQuery, params: DuckDBValue[], alias = ''): string {
    const a = alias ? `${alias}.` : '';
    params.push(msParam(w.from), msParam(w.to));
    const n = params.length;
    let sql = `${a}ts >= epoch_ms($${n - 1}::BIGINT) AND ${a}ts < epoch_ms($${n}::BIGINT)`;
    if (w.from !== Math.floor(w.from) || w.to !== Math.floor(w.to)) {
      throw new StoreInputError('window bounds must be whole milliseconds');
    }
    if (w.version !== undefined && w.version !== null) {
      params.push(w.version);
      sql += ` AND ${a}version = $${params.length}`;
    }
    return sql;
  }

  private column(s: ModelState, name: string): PhysicalColumn {
    const c = s.eventCols.find((x) => x.name === name);
    if (!c) throw new UnknownColumnError(s.record.name, name);
    return c;
  }

  async eventCounts(qy: EventCountQuery): Promise<EventCountBucket[]> {
    const s = this.state(qy.model);
    const bucketed = qy.bucketMs && qy.bucketMs > 0 ? qy.bucketMs : null;
    const rolled = await this.viaRollups(qy, bucketed, (c, l, p) => rollupEventCounts(c, l, p, qy.byVersion ?? false));
    if (rolled) return rolled;
    const params: DuckDBValue[] = [];
    const where = this.windowWhere(qy, params);
    const bucket = qy.bucketMs && qy.bucketMs > 0 ? qy.bucketMs : null;
    let bucketExpr = '0';
    if (bucket !== null) {
      params.push(qy.origin ?? qy.from, bucket);
      bucketExpr = `CAST(floor((CAST(epoch_ms(ts) AS DOUBLE) - $${params.length - 1}) / $${params.length}) AS BIGINT)`;
    }
    const versionExpr = qy.byVersion ? 'version' : `''`;
    const res = await this.withReader((c) =>
      c.runAndReadAll(
        `SELECT ${bucketExpr} AS b, ${versionExpr} AS v, count(*), count_if(error), count(latency_ms), coalesce(sum(latency_ms), 0)
         FROM ${q(eventsTable(s.id))} WHERE ${where} GROUP BY ALL ORDER BY ALL`,
        params,
      ),
    );
    return res.getRows().map((r) => {
      const bucketIndex = num(r[0]);
      const out: EventCountBucket = {
        start: bucket === null ? qy.from : (qy.origin ?? qy.from) + bucketIndex * bucket,
        events: count(r[2]),
        errors: count(r[3]),
        latencyCount: count(r[4]),
        latencySumMs: num(r[5]),
      };
      if (qy.byVersion) out.version = r[1] as string;
      return out;
    });
  }

  async eventTimeBounds(model: string, version?: string | null): Promise<EventTimeBounds> {
    const s = this.state(model);
    const params: DuckDBValue[] = [];
    let where = '';
    if (version !== undefined && version !== null) {
      params.push(version);
      where = 'WHERE version = $1';
    }
    const res = await this.withReader((c) =>
      c.runAndReadAll(`SELECT count(*), CAST(epoch_ms(min(ts)) AS DOUBLE), CAST(epoch_ms(max(ts)) AS DOUBLE) FROM ${q(eventsTable(s.id))} ${where}`, params),
    );
    const [r] = res.getRows();
    return { events: count(r[0]), min: num(r[1]), max: num(r[2]) };
  }

  /** SQL for a column's values as a DOUBLE (numeric; datetime as epoch ms). */
  private numericExpr(c: PhysicalColumn, model: string): string {
    if (c.kind === 'numeric') return q(c.physical);
    if (c.kind === 'datetime') return `CAST(epoch_ms(${q(c.physical)}) AS DOUBLE)`;
    throw new StoreInputError(`column "${c.name}" of model "${model}" is ${c.kind}, not numeric`);
  }

  async numericAggregate(qy: ColumnQuery & { edges?: ArrayLike<number> }): Promise<NumericAggregate> {
    const s = this.state(qy.model);
    const c = this.column(s, qy.column);
    const x = this.numericExpr(c, qy.model);
    const edges = qy.edges ? Array.from(qy.edges) : null;
    if (edges) {
      for (let i = 0; i < edges.length; i++) {
        if (!Number.isFinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1]))) throw new StoreInputError('histogram edges must be finite and strictly ascending');
      }
    }
    const rolled = await this.viaRollups(qy, null, async (conn, l, p) => {
      if (!rolledUp(p, c)) return null;
      // A histogram: from the value counts (columns with few distinct values per hour), or from the counts kept
      // for these edges (continuous columns; asked for on first use, meanwhile the raw query below).
      let histogram: number[] | null = null;
      if (edges && c.kind === 'numeric') {
        histogram = rolledUp(p, c, true) ? await rollupHistogram(conn, l, p, c, edges) : await rollupHistogramSet(conn, l, p, c, edges);
        if (!histogram && !rolledUp(p, c, true)) this.rollups.requestHistogram(l, c, edges);
      }
      if (edges && !histogram) return null;
      const [m] = await rollupNumericByBucket(conn, l, p, c);
      const agg: NumericAggregate = m ? { ...m } : finishMoments(emptyMoments());
      delete (agg as Partial<typeof m>).start;
      if (histogram) agg.histogram = histogram;
      return agg;
    });
    if (rolled) return rolled;
    const params: DuckDBValue[] = edges ? [...edges] : [];
    const binSql = edges && edges.length > 0 ? binExpression('x', edges.length, 1) : '0';
    const where = this.windowWhere(qy, params);
    const res = await this.withReader((conn) =>
      conn.runAndReadAll(
        `SELECT bin, count(*), count(x), count_if(x IS NOT NULL AND NOT isfinite(x)),
           count(x) FILTER (WHERE isfinite(x)),
           min(x) FILTER (WHERE isfinite(x)), max(x) FILTER (WHERE isfinite(x)),
           fsum(x) FILTER (WHERE isfinite(x)), fsum(x * x) FILTER (WHERE isfinite(x)),
           avg(x) FILTER (WHERE isfinite(x)), var_pop(x) FILTER (WHERE isfinite(x)) * count(x) FILTER (WHERE isfinite(x))
         FROM (SELECT x, CASE WHEN isfinite(x) THEN ${binSql} END AS bin
               FROM (SELECT ${x} AS x FROM ${q(eventsTable(s.id))} WHERE ${where}))
         GROUP BY bin`,
        params,
      ),
    );
    const acc = emptyMoments();
    const histogram = edges ? new Array<number>(edges.length + 1).fill(0) : undefined;
    for (const r of res.getRows()) {
      const n = addMomentsRow(acc, r);
      if (histogram && n > 0 && r[0] !== null) histogram[num(r[0])] += n;
    }
    const out = finishMoments(acc);
    if (histogram) out.histogram = histogram;
    return out;
  }

  /** SQL for a column's values as category keys: strings, booleans as text, numbers as DOUBLE. */
  private categoryExpr(c: PhysicalColumn): string {
    switch (c.kind) {
      case 'boolean':
        return `CAST(${q(c.physical)} AS VARCHAR)`;
      case 'datetime':
        return `CAST(epoch_ms(${q(c.physical)}) AS DOUBLE)`;
      default:
        return q(c.physical);
    }
  }

  async categoryCounts(qy: ColumnQuery & { topK: number }): Promise<CategoryCounts> {
    const s = this.state(qy.model);
    const c = this.column(s, qy.column);
    const rolled = await this.viaRollups(qy, null, (conn, l, p) => (l.categorical.includes(c) && rolledUp(p, c, true) ? rollupCategoriesByBucket(conn, l, p, c, qy.topK) : Promise.resolve(null)));
    if (rolled) {
      if (!rolled[0]) return { rows: 0, nulls: 0, distinct: 0, top: [], otherCount: 0, otherDistinct: 0 };
      const { start: _start, ...counts } = rolled[0];
      return counts;
    }
    const k = Math.max(0, Math.floor(qy.topK));
    const params: DuckDBValue[] = [];
    const where = this.windowWhere(qy, params);
    params.push(k);
    const kp = `$${params.length}`;
    const res = await this.withReader((conn) =>
      conn.runAndReadAll(
        `WITH w AS (SELECT ${this.categoryExpr(c)} AS v FROM ${q(eventsTable(s.id))} WHERE ${where}),
              g AS (SELECT v, count(*) AS n FROM w WHERE v IS NOT NULL GROUP BY v),
              r AS (SELECT v, n, row_number() OVER (ORDER BY n DESC, v ASC) AS rk FROM g)
         SELECT 0 AS part, 0 AS b, v, CAST(n AS DOUBLE), CAST(rk AS DOUBLE) FROM r WHERE rk <= ${kp}
         UNION ALL SELECT 1, 0, NULL, CAST(coalesce(sum(n), 0) AS DOUBLE), CAST(count(*) AS DOUBLE) FROM r WHERE rk > ${kp}
         UNION ALL SELECT 2, 0, NULL, CAST(count(*) AS DOUBLE), CAST(count(v) AS DOUBLE) FROM w
         ORDER BY 1, 5`,
        params,
      ),
    );
    // One bucket (b = 0): the same rows as the per-bucket query, decoded alike.
    const { start: _start, ...counts } = categoryBucketsOf(res.getRows(), () => 0)[0];
    return counts;
  }

  /** SQL of the bucket index of `ts` (`floor((ts - from) / bucketMs)`); pushes its two parameters. */
  private bucketIndex(qy: WindowQuery & { bucketMs: number; origin?: number }, params: DuckDBValue[]): string {
    if (!(qy.bucketMs >= 1)) throw new StoreInputError('bucketMs must be at least 1');
    params.push(qy.origin ?? qy.from, qy.bucketMs);
    return `CAST(floor((CAST(epoch_ms(ts) AS DOUBLE) - $${params.length - 1}) / $${params.length}) AS BIGINT)`;
  }

  async numericAggregateByBucket(qy: ColumnQuery & { bucketMs: number; origin?: number }): Promise<(NumericAggregate & { start: number })[]> {
    const s = this.state(qy.model);
    const col = this.column(s, qy.column);
    const x = this.numericExpr(col, qy.model);
    if (qy.bucketMs >= 1) {
      const rolled = await this.viaRollups(qy, qy.bucketMs, (conn, l, p) => (rolledUp(p, col) ? rollupNumericByBucket(conn, l, p, col) : Promise.resolve(null)));
      if (rolled) return rolled;
    }
    const params: DuckDBValue[] = [];
    const bucket = this.bucketIndex(qy, params);
    const where = this.windowWhere(qy, params);
    const res = await this.withReader((conn) =>
      conn.runAndReadAll(
        `SELECT b, count(*), count(x), count_if(x IS NOT NULL AND NOT isfinite(x)), count(x) FILTER (WHERE isfinite(x)),
           min(x) FILTER (WHERE isfinite(x)), max(x) FILTER (WHERE isfinite(x)), fsum(x) FILTER (WHERE isfinite(x)),
           fsum(x * x) FILTER (WHERE isfinite(x)), avg(x) FILTER (WHERE isfinite(x)), var_pop(x) FILTER (WHERE isfinite(x))
         FROM (SELECT ${bucket} AS b, ${x} AS x FROM ${q(eventsTable(s.id))} WHERE ${where}) GROUP BY b ORDER BY b`,
        params,
      ),
    );
    return res.getRows().map((r) => {
      const rows = count(r[1]);
      const n = count(r[4]);
      return {
        start: (qy.origin ?? qy.from) + num(r[0]) * qy.bucketMs,
        rows,
        nulls: rows - count(r[2]),
        nonFinite: count(r[3]),
        count: n,
        min: n > 0 ? num(r[5]) : NaN,
        max: n > 0 ? num(r[6]) : NaN,
        sum: n > 0 ? num(r[7]) : 0,
        sumSquares: n > 0 ? num(r[8]) : 0,
        mean: n > 0 ? num(r[9]) : NaN,
        variance: n > 0 ? num(r[10]) : NaN,
      };
    });
  }

  async categoryCountsByBucket(qy: ColumnQuery & { topK: number; bucketMs: number; origin?: number }): Promise<(CategoryCounts & { start: number })[]> {
    const s = this.state(qy.model);
    const c = this.column(s, qy.column);
    if (qy.bucketMs >= 1) {
      const rolled = await this.viaRollups(qy, qy.bucketMs, (conn, l, p) => (l.categorical.includes(c) && rolledUp(p, c, true) ? rollupCategoriesByBucket(conn, l, p, c, qy.topK) : Promise.resolve(null)));
      if (rolled) return rolled;
    }
    const params: DuckDBValue[] = [];
    const bucket = this.bucketIndex(qy, params);
    const where = this.windowWhere(qy, params);
    params.push(Math.max(0, Math.floor(qy.topK)));
    const kp = `$${params.length}`;
    const res = await this.withReader((conn) =>
      conn.runAndReadAll(
        `WITH w AS (SELECT ${bucket} AS b, ${this.categoryExpr(c)} AS v FROM ${q(eventsTable(s.id))} WHERE ${where}),
              g AS (SELECT b, v, count(*) AS n FROM w WHERE v IS NOT NULL GROUP BY b, v),
              r AS (SELECT b, v, n, row_number() OVER (PARTITION BY b ORDER BY n DESC, v ASC) AS rk FROM g)
         SELECT 0 AS part, b, v, CAST(n AS DOUBLE), CAST(rk AS DOUBLE) FROM r WHERE rk <= ${kp}
         UNION ALL SELECT 1, b, NULL, CAST(sum(n) AS DOUBLE), CAST(count(*) AS DOUBLE) FROM r WHERE rk > ${kp} GROUP BY b
         UNION ALL SELECT 2, b, NULL, CAST(count(*) AS DOUBLE), CAST(count(v) AS DOUBLE) FROM w GROUP BY b
         ORDER BY 2, 1, 5`,
        params,
      ),
    );
    return categoryBucketsOf(res.getRows(), (b) => (qy.origin ?? qy.from) + b * qy.bucketMs);
  }

  // -------------------------------------------------------------------------
  // Dashboard rollups (rollups.ts, rollup-read.ts)

  private rollupLayout(s: ModelState): RollupLayout {
    return {
      id: s.id,
      model: s.record.name,
      events: eventsTable(s.id),
      numeric: s.eventCols.filter((c) => c.kind === 'numeric' || c.kind === 'datetime'),
      categorical: s.eventCols.filter((c) => c.kind === 'categorical' || c.kind === 'boolean' || c.kind === 'text'),
    };
  }

  /** `fn` over a rollup plan of the window, in one read snapshot; `null` when the rollups do not help (the caller scans raw). */
  private async viaRollups<T>(qy: WindowQuery & { origin?: number }, bucketMs: number | null, fn: (c: DuckDBConnection, l: RollupLayout, p: RollupPlan) => Promise<T | null>): Promise<T | null> {
    if (!this.rollupsOn) return null;
    this.windowWhere(qy, []); // validates the bounds
    const s = this.state(qy.model);
    const l = this.rollupLayout(s);
    // What the maintainer knows, taken before the snapshot begins (rollup-read.ts says why).
    const known = this.rollups.known(s.id, s.record.name);
    return this.snapshot(async (c) => {
      const p = await planRollupRead(c, l, known, qy, bucketMs, () => this.rollups.schedule());
      const out = p ? await fn(c, l, p) : null;
      if (out) this.rollupReads++;
      return out;
    });
  }

  /** Events, errors and latency quantiles estimated from logarithmic bins (±{@link LatencySummary.relativeError}), from the rollups where they help. */
  async latencySummary(qy: WindowQuery): Promise<LatencySummary> {
    const s = this.state(qy.model);
    const rolled = await this.viaRollups(qy, null, (c, l, p) => latencySummary(c, l, p));
    if (rolled) return rolled;
    return this.snapshot((c) => latencySummary(c, this.rollupLayout(s), rawPlan(qy, null)));
  }

  /** Starts folding events into the rollups in the background (at start: builds them for an existing store, with progress in the log). */
  maintainRollups(opts: { log?: RollupLogger } = {}): void {
    if (!this.rollupsOn) return;
    if (opts.log) this.rollups.setLogger(opts.log);
    this.rollups.schedule(true);
  }

  /** Events were committed: fold their hours soon. */
  noteEvents(batches: readonly EventBatch[]): void {
    if (!this.rollupsOn) return;
    for (const b of batches) if (b.length > 0) this.rollups.note(b.model, b.ts);
  }

  /** Resolves once no rollup fold is running or scheduled (tests, benchmarks). */
  rollupsIdle(): Promise<void> {
    return this.rollups.idle();
  }

  /** ORDER BY of the deterministic sample: smallest md5 of `seed ␟ id ␟ epoch_ms(ts)`. */
  private sampleOrder(params: DuckDBValue[], seed: string | undefined, alias = ''): string {
    params.push(seed ?? '');
    const a = alias ? `${alias}.` : '';
    return `md5(concat($${params.length}, chr(31), ${a}id, chr(31), CAST(epoch_ms(${a}ts) AS VARCHAR)))`;
  }

  async columnValues(qy: ColumnQuery & SampleOptions): Promise<ColumnSample> {
    const s = this.state(qy.model);
    const c = this.column(s, qy.column);
    const limit = Math.max(0, Math.floor(qy.limit));
    const table = q(eventsTable(s.id));
    const expr = c.kind === 'datetime' ? `CAST(epoch_ms(${q(c.physical)}) AS DOUBLE)` : q(c.physical);
    return this.snapshot(async (conn) => {
      const cp: DuckDBValue[] = [];
      const total = count((await conn.runAndReadAll(`SELECT count(*) FROM ${table} WHERE ${this.windowWhere(qy, cp)}`, cp)).getRows()[0][0]);
      const params: DuckDBValue[] = [];
      const where = this.windowWhere(qy, params);
      const sampled = total > limit;
      let sql: string;
      if (sampled) {
        const order = this.sampleOrder(params, qy.seed);
        params.push(limit);
        sql = `SELECT x FROM (SELECT ${expr} AS x, ts, id FROM ${table} WHERE ${where} ORDER BY ${order} LIMIT $${params.length}) ORDER BY ts, id`;
      } else {
        sql = `SELECT ${expr} FROM ${table} WHERE ${where} ORDER BY ts, id`;
      }
      const values = (await conn.runAndReadAll(sql, params)).getColumns()[0] ?? [];
      const column = c.kind === 'numeric' || c.kind === 'datetime' ? toNumberColumn(values, c.kind === 'datetime') : toDictColumn(values);
      return { total, size: values.length, sampled, method: sampled ? 'hash' : 'all', column } satisfies ColumnSample;
    });
  }

  async labelledRows(qy: WindowQuery & SampleOptions): Promise<LabelledRows> {
    const s = this.state(qy.model);
    const limit = Math.max(0, Math.floor(qy.limit));
    const ev = q(eventsTable(s.id));
    const fb = q(feedbackTable(s.id));
    const schema = s.record.schema;
    const predIndex = eventColumns(schema).findIndex((c) => c.role === 'prediction');
    const scoreIndexes = eventColumns(schema)
      .map((c, i) => (c.role === 'score' ? i : -1))
      .filter((i) => i >= 0);
    const numericTarget = targetKind(schema, s.record.task) === 'number';
    const select: string[] = ['CAST(epoch_ms(e.ts) AS DOUBLE)', 'CAST(epoch_ms(f.ts) AS DOUBLE)', numericTarget ? 'f.target_num' : 'f.target_label'];
    const pred = predIndex >= 0 ? s.eventCols[predIndex] : undefined;
    if (pred) select.push(pred.kind === 'boolean' ? `CAST(e.${q(pred.physical)} AS VARCHAR)` : pred.kind === 'datetime' ? `CAST(epoch_ms(e.${q(pred.physical)}) AS DOUBLE)` : `e.${q(pred.physical)}`);
    for (const i of scoreIndexes) select.push(`e.${q(s.eventCols[i].physical)}`);
    return this.snapshot(async (conn) => {
      const cp: DuckDBValue[] = [];
      const [countRow] = (
        await conn.runAndReadAll(`SELECT count(*), count(f.id) FROM ${ev} e LEFT JOIN ${fb} f ON f.id = e.id WHERE ${this.windowWhere(qy, cp, 'e')}`, cp)
      ).getRows();
      const total = count(countRow[0]);
      const labelled = count(countRow[1]);
      const params: DuckDBValue[] = [];
      const where = this.windowWhere(qy, params, 'e');
      const sampled = labelled > limit;
      let sql = `SELECT ${select.join(', ')}, e.ts AS _ts, e.id AS _id FROM ${ev} e JOIN ${fb} f ON f.id = e.id WHERE ${where}`;
      if (sampled) {
        const order = this.sampleOrder(params, qy.seed, 'e');
        params.push(limit);
        sql += ` ORDER BY ${order} LIMIT $${params.length}`;
      }
      sql = `SELECT * EXCLUDE (_ts, _id) FROM (${sql}) ORDER BY _ts, _id`;
      const cols = (await conn.runAndReadAll(sql, params)).getColumns();
      const n = cols[0]?.length ?? 0;
      const get = (i: number) => cols[i] ?? [];
      const out: LabelledRows = {
        total,
        labelled,
        size: n,
        sampled,
        method: sampled ? 'hash' : 'all',
        eventTs: toNumberColumn(get(0)).values,
        labelTs: toNumberColumn(get(1)).values,
        target: numericTarget ? toNumberColumn(get(2)) : toDictColumn(get(2)),
        scores: {},
      };
      let at = 3;
      if (pred) {
        out.prediction = pred.kind === 'numeric' || pred.kind === 'datetime' ? toNumberColumn(get(at), pred.kind === 'datetime') : toDictColumn(get(at));
        at++;
      }
      for (const i of scoreIndexes) out.scores[s.eventCols[i].name] = toNumberColumn(get(at++));
      return out;
    });
  }

  async dataQualitySummary(qy: WindowQuery): Promise<DataQualitySummary> {
    const s = this.state(qy.model);
    const ev = q(eventsTable(s.id));
    return this.snapshot(async (conn) => {
      const p1: DuckDBValue[] = [];
      const [r] = (
        await conn.runAndReadAll(
          `SELECT count(*), count_if(dq_type_violations > 0), CAST(coalesce(sum(dq_type_violations), 0) AS DOUBLE) FROM ${ev} WHERE ${this.windowWhere(qy, p1)}`,
          p1,
        )
      ).getRows();
      const p2: DuckDBValue[] = [];
      const where = this.windowWhere(qy, p2);
      p2.push(NAME_LIST_SEPARATOR);
      const sep = `$${p2.length}`;
      const lists = await conn.runAndReadAll(
        `SELECT kind, name, count(*) FROM (
           SELECT 0 AS kind, unnest(string_split(dq_type_columns, ${sep})) AS name FROM ${ev} WHERE ${where} AND dq_type_columns IS NOT NULL
           UNION ALL SELECT 1, unnest(string_split(dq_unknown, ${sep})) FROM ${ev} WHERE ${where} AND dq_unknown IS NOT NULL
           UNION ALL SELECT 2, unnest(string_split(dq_missing, ${sep})) FROM ${ev} WHERE ${where} AND dq_missing IS NOT NULL)
         GROUP BY ALL ORDER BY ALL`,
        p2,
      );
      const out: DataQualitySummary = {
        events: count(r[0]),
        eventsWithTypeViolations: count(r[1]),
        typeViolations: count(r[2]),
        typeViolationColumns: {},
        unknownColumns: {},
        missingColumns: {},
      };
      const targets = [out.typeViolationColumns, out.unknownColumns, out.missingColumns];
      for (const [kind, name, n] of lists.getRows()) targets[num(kind)][name as string] = count(n);
      return out;
    });
  }

  // -------------------------------------------------------------------------
  // Window reads for monitors (SQL in window-read.ts)

  private windowLayout(s: ModelState): WindowLayout {
    const t = targetColumn(s.record.schema);
    return {
      model: s.record.name,
      events: eventsTable(s.id),
      feedback: feedbackTable(s.id),
      columns: new Map(s.eventCols.map((c) => [c.name, { physical: c.physical, kind: c.kind }])),
      target: t ? { name: t.name, kind: t.kind, numeric: targetKind(s.record.schema, s.record.task) === 'number' } : null,
    };
  }

  windowTable(qy: WindowTableQuery): Promise<WindowTable> {
    const layout = this.windowLayout(this.state(qy.model));
    return this.snapshot((c) => readWindowTable(c, layout, qy));
  }

  windowSummary(qy: WindowQuery & { columns: readonly string[] }): Promise<WindowSummary> {
    const layout = this.windowLayout(this.state(qy.model));
    return this.withReader((c) => readWindowSummary(c, layout, qy));
  }

  labelSummary(qy: WindowQuery): Promise<LabelSummary> {
    const layout = this.windowLayout(this.state(qy.model));
    return this.withReader((c) => readLabelSummary(c, layout, qy));
  }

  windowVersions(qy: WindowQuery): Promise<string[]> {
    const layout = this.windowLayout(this.state(qy.model));
    return this.withReader((c) => readWindowVersions(c, layout, qy));
  }

  eventTimesOfIds(model: string, ids: readonly string[]): Promise<{ ts: Float64Array; versions: string[] }> {
    const layout = this.windowLayout(this.state(model));
    return this.withReader((c) => readEventTimesOfIds(c, layout, ids));
  }

  // -------------------------------------------------------------------------
  // Results, alert state, deliveries

  putResults(results: readonly ResultRecord[]): Promise<void> {
    return this.exclusive(async () => {
      if (results.length === 0) return;
      await this.transaction(async () => {
        for (const r of results) {
          await this.writer.run(
            `INSERT INTO mw_results VALUES ($1, $2, $3, epoch_ms($4::BIGINT), epoch_ms($5::BIGINT), epoch_ms($6::BIGINT), $7)
             ON CONFLICT DO UPDATE SET computed_at = excluded.computed_at, payload = excluded.payload`,
            [r.model, r.monitor, r.version, msParam(r.windowStart), msParam(r.windowEnd), msParam(r.computedAt), JSON.stringify(r.payload)],
          );
        }
      });
    });
  }

  async getResults(qy: ResultQuery): Promise<ResultRecord[]> {
    const params: DuckDBValue[] = [qy.model];
    const conds = ['model = $1'];
    if (qy.monitor !== undefined) {
      params.push(qy.monitor);
      conds.push(`monitor = $${params.length}`);
    }
    if (qy.version !== undefined) {
      params.push(qy.version);
      conds.push(`version = $${params.length}`);
    }
    if (qy.from !== undefined) {
      params.push(msParam(qy.from));
      conds.push(`window_end > epoch_ms($${params.length}::BIGINT)`);
    }
    if (qy.to !== undefined) {
      params.push(msParam(qy.to));
      conds.push(`window_start < epoch_ms($${params.length}::BIGINT)`);
    }
    params.push(Math.max(0, Math.floor(qy.limit ?? 10_000)));
    const res = await this.withReader((c) =>
      c.runAndReadAll(
        `SELECT model, monitor, version, CAST(epoch_ms(window_start) AS DOUBLE), CAST(epoch_ms(window_end) AS DOUBLE), CAST(epoch_ms(computed_at) AS DOUBLE), payload
         FROM mw_results WHERE ${conds.join(' AND ')}
         ${qy.latest ? 'QUALIFY row_number() OVER (PARTITION BY monitor, version ORDER BY window_end DESC, computed_at DESC) = 1' : ''}
         ORDER BY window_start, window_end, monitor, version LIMIT $${params.length}`,
        params,
      ),
    );
    return res.getRows().map((r) => ({
      model: r[0] as string,
      monitor: r[1] as string,
      version: r[2] as string,
      windowStart: num(r[3]),
      windowEnd: num(r[4]),
      computedAt: num(r[5]),
      payload: JSON.parse(r[6] as string) as unknown,
    }));
  }

  deleteResults(qy: { model: string; monitor?: string }): Promise<number> {
    return this.exclusive(async () => {
      let n = 0;
      await this.transaction(async () => {
        n = await removeResults(this.writer, qy.model, qy.monitor);
      });
      return n;
    });
  }

  // -------------------------------------------------------------------------
  // API-defined monitors and alert rules (SQL in definitions.ts)

  putDefinition(model: string, def: { kind: DefinitionKind; name: string; spec: Record<string, unknown> }): Promise<{ model: ModelRecord; created: boolean }> {
    return this.exclusive(async () => {
      const s = this.state(model);
      const list = [...(s.record.definitions ?? [])];
      const i = list.findIndex((d) => d.kind === def.kind && d.name === def.name);
      const now = Date.now();
      const stored: StoredDefinition = { kind: def.kind, name: def.name, spec: structuredClone(def.spec), createdAt: i >= 0 ? list[i].createdAt : now, updatedAt: now };
      await this.transaction(() => upsertDefinition(this.writer, model, stored));
      if (i >= 0) list[i] = stored;
      else list.push(stored);
      s.record = { ...s.record, definitions: sortDefinitions(list) };
      return { model: s.record, created: i < 0 };
    });
  }

  deleteDefinition(model: string, kind: DefinitionKind, name: string): Promise<{ model: ModelRecord; deleted: boolean }> {
    return this.exclusive(async () => {
      const s = this.state(model);
      let n = 0;
      await this.transaction(async () => {
        n = await removeDefinition(this.writer, model, kind, name);
      });
      if (n > 0) {
        const list = (s.record.definitions ?? []).filter((d) => !(d.kind === kind && d.name === name));
        const record: ModelRecord = { ...s.record };
        if (list.length > 0) record.definitions = list;
        else delete record.definitions;
        s.record = record;
      }
      return { model: s.record, deleted: n > 0 };
    });
  }

  getAlertStates(model?: string): Promise<AlertState[]> {
    return this.withReader((c) => readAlertStates(c, model));
  }

  putAlertStates(states: readonly AlertState[]): Promise<void> {
    return this.exclusive(async () => {
      if (states.length === 0) return;
      await this.transaction(() => upsertAlertStates(this.writer, states));
    });
  }

  writeAlerts(w: AlertWrite): Promise<void> {
    return this.exclusive(() => this.transaction(() => writeAlerts(this.writer, w)));
  }

  getAlertPoints(opts: { model?: string; perSeries?: number } = {}): Promise<AlertPoint[]> {
    return this.withReader((c) => readAlertPoints(c, opts));
  }

  getAlertTransitions(q: AlertTransitionQuery = {}): Promise<AlertTransitionRecord[]> {
    return this.withReader((c) => readAlertTransitions(c, q));
  }

  logDeliveries(records: readonly DeliveryRecord[]): Promise<void> {
    return this.exclusive(async () => {
      if (records.length === 0) return;
      await this.transaction(() => insertDeliveries(this.writer, records));
    });
  }

  getDeliveries(opts: { model?: string; rule?: string; channel?: string; id?: string; limit?: number } = {}): Promise<DeliveryRecord[]> {
    return this.withReader((c) => readDeliveries(c, opts));
  }

  // -------------------------------------------------------------------------
  // References (SQL in references.ts)

  /** Reference rows being written on connections of their own (`close` waits for them). */
  private readonly referenceWrites = new Set<Promise<unknown>>();

  async putReference(ref: ReferenceRecord): Promise<void> {
    this.state(ref.model);
    // The rows go into a new table outside the write lock (events keep flowing); then one short switch under it.
    const data = ref.table ? await this.onOwnConnection((c) => stageReferenceRows(c, ref.table!)) : null;
    try {
      await this.exclusive(async () => {
        this.state(ref.model);
        await this.transaction(() => switchReference(this.writer, ref, data));
      });
    } catch (err) {
      if (data) await this.onOwnConnection((c) => dropReferenceRows(c, data)).catch(() => undefined);
      throw err;
    }
  }

  private async onOwnConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the store is closed');
    const run = (async () => {
      const conn = await this.instance.connect();
      try {
        return await fn(conn);
      } finally {
        conn.disconnectSync();
      }
    })();
    this.referenceWrites.add(run);
    try {
      return await run;
    } finally {
      this.referenceWrites.delete(run);
    }
  }

  getReference(model: string, opts: { rows?: boolean } = {}): Promise<ReferenceRecord | null> {
    return this.snapshot((c) => readReference(c, model, opts.rows ?? false));
  }

  // -------------------------------------------------------------------------
  // Maintenance

  applyRetention(cutoffs: RetentionCutoffs): Promise<RetentionResult> {
    return this.exclusive(async () => {
      const out: RetentionResult = { events: 0, feedback: 0, results: 0, alertTransitions: 0, deliveries: 0 };
      await this.transaction(async () => {
        for (const s of this.models.values()) {
          if (cutoffs.events !== undefined) {
            const r = await this.writer.run(`DELETE FROM ${q(eventsTable(s.id))} WHERE ts < epoch_ms($1::BIGINT)`, [msParam(cutoffs.events)]);
            out.events += r.rowsChanged;
          }
          if (cutoffs.events !== undefined) {
            this.rollups.invalidate(s.id);
            await dropRollupsBefore(this.writer, s.id, msParam(cutoffs.events));
          }
          if (cutoffs.feedback !== undefined) {
            const r = await this.writer.run(`DELETE FROM ${q(feedbackTable(s.id))} WHERE ts < epoch_ms($1::BIGINT)`, [msParam(cutoffs.feedback)]);
            out.feedback += r.rowsChanged;
          }
        }
        if (cutoffs.results !== undefined) {
          const r = await this.writer.run(`DELETE FROM mw_results WHERE window_end < epoch_ms($1::BIGINT)`, [msParam(cutoffs.results)]);
          out.results += r.rowsChanged;
        }
        if (cutoffs.alerts !== undefined) {
          const r = await pruneAlertHistory(this.writer, cutoffs.alerts);
          out.alertTransitions += r.transitions;
          out.deliveries += r.deliveries;
        }
      });
      return out;
    });
  }

  checkpoint(): Promise<void> {
    return this.exclusive(async () => {
      await this.writer.run('CHECKPOINT');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.rollups.close();
    await Promise.allSettled([...this.referenceWrites]);
    await this.exclusive(async () => {
      try {
        await this.writer.run('CHECKPOINT');
      } finally {
        this.closed = true;
      }
    }).catch((err: unknown) => {
      this.closed = true;
      throw err;
    }).finally(() => this.release());
  }

  private release(): void {
    this.closed = true;
    for (const c of [this.writer, ...this.readers]) {
      try {
        c.disconnectSync();
      } catch {
        // already disconnected
      }
    }
    try {
      this.instance.closeSync();
    } catch {
      // already closed
    }
  }
}

/** The physical columns of the schema's event columns, in schema order. */
function alignColumns(schema: Schema, layout: ModelLayout): PhysicalColumn[] {
  return eventColumns(schema).map((col) => {
    const c = layout.columns.find((x) => x.active && x.name === col.name && x.kind === col.kind);
    if (!c) throw new Error(`internal: no physical column for "${col.name}"`);
    return c;
  });
}

function signature(cols: readonly PhysicalColumn[]): string {
  return cols.map((c) => `${c.physical}:${c.kind}`).join(',');
}

/** Column names of a staging table, in appender order (without `_req`, `_row`). */
function stagingColumns(s: ModelState): string[] {
  return [...EVENT_SYSTEM_COLUMNS.map(([n]) => n), ...s.eventCols.map((c) => c.physical)];
}
