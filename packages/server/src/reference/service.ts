/**
 * The references of `modelwatch serve`: taking in a reference file (an upload
 * or a configured file), keeping it in the store, and serving it to monitors
 * ({@link ReferenceProvider}) from an in-memory cache that each new reference
 * replaces.
 *
 * Reference ingestion runs one at a time: reading and profiling a large file
 * takes memory in proportion to its size, and one at a time also makes the
 * replacement of a model's reference orderly (the last one taken in wins).
 */
import { basename } from 'node:path';
import type { RoleHints, Task } from '@modelwatch/core';
import { ConfigError } from '../config/load.js';
import type { ModelConfig, ModelwatchConfig } from '../config/types.js';
import type { ModelRecord, ReferenceRecord, Store } from '../store/store.js';
import { ReferenceInputError } from './errors.js';
import { fingerprint, hashFile } from './fingerprint.js';
import { detectFormat, formatFromFileName } from './format.js';
import type { DetectedFormat } from './format.js';
import { readHead, removeStaleUploads, uploadDir } from './files.js';
import type { PreparedReference } from './prepare.js';
import { prepareReferenceOffThread } from './prepare-thread.js';
import type { ReferenceProvider, StoredReference } from './types.js';

/** The few logger methods used (pino's, Fastify's). */
export interface ReferenceLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Seed of the row sample kept for references larger than `references.maxRows`. */
export const REFERENCE_SAMPLE_SEED = 20240501;

/** A reference file to take in. */
export interface IngestRequest {
  model: string;
  /** The file to read (a temporary upload or a server-side file). */
  path: string;
  format: DetectedFormat;
  /** Recorded as the reference's source: the file name, or `upload`. */
  source: string;
  /** Roles (and task) for schema inference; win over the configuration's. */
  hints?: RoleHints;
  /** Set for configuration files (see `fingerprint.ts`). */
  fingerprint?: string | null;
  /** Called after each phase with its duration (logs of large uploads). */
  onPhase?: (phase: string, ms: number, info: Record<string, unknown>) => void;
}

export interface IngestResult {
  model: ModelRecord;
  /** The model did not exist before (it was created with the inferred schema). */
  created: boolean;
  reference: ReferenceRecord;
  prepared: PreparedReference;
  /** Milliseconds per phase: read, schema, profile, sample, store. */
  timings: Record<string, number>;
}

/** Options of {@link ReferenceService}. */
export interface ReferenceServiceOptions {
  /** Called when ingestion created or changed a model (its schema was inferred). */
  onModel?: (model: ModelRecord) => void;
  /** DuckDB threads and memory for reading files (the store's settings). */
  read?: { threads?: number; memoryLimit?: string };
}

export class ReferenceService implements ReferenceProvider {
  private readonly cache = new Map<string, Promise<ReferenceRecord | null>>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly config: ModelwatchConfig,
    private readonly options: ReferenceServiceOptions = {},
  ) {}

  /** The model's reference with its rows (cached until the next reference of the model). */
  get(model: string): Promise<StoredReference | null> {
    let hit = this.cache.get(model);
    if (!hit) {
      hit = this.store.getReference(model, { rows: true });
      this.cache.set(model, hit);
      // A failed read is not cached.
      hit.catch(() => {
        if (this.cache.get(model) === hit) this.cache.delete(model);
      });
    }
    return hit;
  }

  /** The model's reference without its rows (`table: null`): profile and metadata. */
  async describe(model: string): Promise<ReferenceRecord | null> {
    const hit = this.cache.get(model);
    const ref = hit ? await hit.catch(() => null) : null;
    if (ref) return { ...ref, table: null };
    return this.store.getReference(model, { rows: false });
  }

  /** Forgets the cached reference of a model (or of every model). */
  invalidate(model?: string): void {
    if (model === undefined) this.cache.clear();
    else this.cache.delete(model);
  }

  /** The model's configuration, if the file declares it. */
  private configured(model: string): ModelConfig | undefined {
    return this.config.models.find((m) => m.name === model);
  }

  /** Runs `fn` after every ingestion started before it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Takes in a reference: validates it against the model's schema (or infers
   * the schema when the model has none, or its configuration says
   * `schemaFrom: reference`, registering the model), profiles it, and stores
   * profile and rows, replacing the previous reference. Resolves once durable.
   * Throws {@link ReferenceInputError} for unusable input.
   */
  ingest(req: IngestRequest): Promise<IngestResult> {
    return this.exclusive(() => this.ingestNow(req));
  }

  private async ingestNow(req: IngestRequest): Promise<IngestResult> {
    const configured = this.configured(req.model);
    const existing = await this.store.getModel(req.model);
    const infer = configured?.schemaFrom === 'reference' || (!existing && !configured?.schema);
    const schema = infer ? undefined : (existing?.schema ?? configured?.schema);
    const given = Object.entries(req.hints ?? {}).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (!infer && given.length > 0) {
      throw new ReferenceInputError(
        'bad_request',
        `${given.join(', ')}: roles and task apply when the schema is inferred from the reference; model "${req.model}" has a schema (change it with PUT /v1/models/${req.model})`,
      );
    }
    const hints = this.hintsFor(configured, req.hints);
    const timings: Record<string, number> = {};
    // Reading and profiling run on a worker thread: the server keeps answering meanwhile.
    const prepared = await prepareReferenceOffThread(req.path, req.format, {
      schema,
      hints,
      maxRows: this.config.references.maxRows,
      seed: REFERENCE_SAMPLE_SEED,
      source: req.source,
      read: this.options.read,
      onPhase: (phase, ms, info) => {
        timings[phase] = ms;
        req.onPhase?.(phase, ms, info);
      },
    });
    let model = existing;
    let created = false;
    if (prepared.schemaInferred) {
      const task: Task | undefined = hints.task ?? prepared.schema.task;
      const put = await this.store.putModel({
        name: req.model,
        task,
        schema: prepared.schema,
        versions: configured?.versions.length ? configured.versions : existing?.versions,
      });
      model = put.model;
      created = put.created;
      this.options.onModel?.(model);
    }
    const record: ReferenceRecord = {
      model: req.model,
      profile: prepared.profile,
      table: prepared.table,
      rows: prepared.rows,
      source: req.source,
      uploadedAt: Date.now(),
      fingerprint: req.fingerprint ?? null,
      schemaInferred: prepared.schemaInferred,
      keptRows: prepared.table.numRows,
    };
    if (prepared.sampledFrom !== undefined) record.sampledFrom = prepared.sampledFrom;
    const t = performance.now();
    this.cache.delete(req.model);
    await this.store.putReference(record);
    this.cache.set(req.model, Promise.resolve(record));
    timings.store = Math.round(performance.now() - t);
    req.onPhase?.('store', timings.store, { rows: record.table?.numRows ?? 0 });
    return { model: model!, created, reference: record, prepared, timings };
  }

  /** Hints for inference: the request's, else the configuration's roles and task. */
  private hintsFor(configured: ModelConfig | undefined, given: RoleHints | undefined): RoleHints {
    const roles = configured?.roles ?? {};
    const hints: RoleHints = {
      target: roles.target,
      prediction: roles.prediction,
      scores: roles.scores,
      id: roles.id,
      timestamp: roles.timestamp,
      segments: roles.segments,
      task: configured?.task,
    };
    for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) (hints as Record<string, unknown>)[k] = v;
    return hints;
  }

  /** At start: deletes uploads a previous process left behind, then loads the configured reference files. */
  async start(log?: ReferenceLogger): Promise<void> {
    const removed = await removeStaleUploads(uploadDir(this.config.server.dataDir));
    if (removed > 0) log?.info({ removed }, 'removed unfinished reference uploads');
    await this.loadConfigured(log);
  }

  /**
   * Loads the configuration's `reference:` files: a file whose content and read
   * settings are unchanged since it was stored is not read again. Throws a
   * {@link ConfigError} naming `models.<name>.reference` for a file that cannot
   * be used.
   */
  async loadConfigured(log?: ReferenceLogger): Promise<void> {
    for (const m of this.config.models) {
      if (m.reference === undefined) continue;
      const at = `models.${m.name}.reference`;
      try {
        await this.loadConfiguredModel(m, m.reference, log);
      } catch (err) {
        if (err instanceof ReferenceInputError) throw new ConfigError([{ path: at, message: `${m.reference}: ${err.message}` }], this.config.source);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
          throw new ConfigError([{ path: at, message: `cannot read ${m.reference}: ${(err as Error).message}` }], this.config.source);
        }
        throw err;
      }
    }
  }

  private async loadConfiguredModel(m: ModelConfig, path: string, log?: ReferenceLogger): Promise<void> {
    const t0 = performance.now();
    const file = await hashFile(path);
    if (file.size === 0) throw new ReferenceInputError('empty_reference', 'the file is empty');
    const format = formatFromFileName(path) ?? detectFormat(await readHead(path), null);
    const fp = fingerprint(file, {
      path,
      format,
      schema: m.schemaFrom === 'reference' ? null : (m.schema ?? null),
      roles: m.roles ?? null,
      task: m.task ?? null,
      maxRows: this.config.references.maxRows,
      seed: REFERENCE_SAMPLE_SEED,
    });
    const stored = (await this.store.getModel(m.name)) ? await this.store.getReference(m.name, { rows: false }) : null;
    if (stored && stored.fingerprint === fp) {
      log?.info({ model: m.name, file: path, hashMs: Math.round(performance.now() - t0) }, 'reference unchanged since it was stored; not read again');
      return;
    }
    log?.info({ model: m.name, file: path, bytes: file.size }, 'loading the configured reference');
    const result = await this.ingest({
      model: m.name,
      path,
      format,
      source: basename(path),
      fingerprint: fp,
      onPhase: (phase, ms, info) => log?.info({ model: m.name, phase, ms, ...info }, `reference ${phase} done`),
    });
    log?.info(
      { model: m.name, rows: result.reference.rows, kept: result.reference.table?.numRows ?? 0, ms: Math.round(performance.now() - t0), schemaInferred: result.prepared.schemaInferred },
      'reference loaded',
    );
  }
}
