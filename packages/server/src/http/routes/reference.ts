/**
 * `PUT /v1/models/{model}/reference` and `GET /v1/models/{model}/reference`.
 *
 * The upload route has its own body handling: the body (any size up to
 * `references.maxBytes`, not the general `server.bodyLimit`) is streamed to a
 * temporary file under the data directory, read with DuckDB, and deleted. A
 * JSON object body `{"path": "..."}` names a file on the server instead, which
 * must lie inside a directory of `references.paths` (none by default).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import Type from 'typebox';
import { isNumericProfile } from '@modelwatch/core';
import type { ColumnProfile, RoleHints, Task } from '@modelwatch/core';
import { ReferenceInputError } from '../../reference/errors.js';
import { detectFormat, formatFromMediaType, mediaType, parseFormatParam } from '../../reference/format.js';
import type { DetectedFormat, ReferenceFormat } from '../../reference/format.js';
import { HEAD_BYTES, readHead, resolveAllowedPath, saveUpload, uploadDir } from '../../reference/files.js';
import type { SavedUpload } from '../../reference/files.js';
import type { IngestResult } from '../../reference/service.js';
import type { ReferenceRecord } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ErrorResponse, ModelParams } from '../schemas.js';

/** Uploads at least this large log each phase at `info`. */
const LARGE_UPLOAD_BYTES = 8 * 1024 * 1024;
/** Largest `{"path": ...}` request body. */
const MAX_PATH_REQUEST_BYTES = 64 * 1024;

const ColumnName = Type.String({ minLength: 1, maxLength: 256 });
const ColumnList = Type.String({ minLength: 1, maxLength: 100_000, description: 'Comma-separated column names.' });

export const ReferenceQuery = Type.Object(
  {
    format: Type.Optional(Type.String({ maxLength: 32, description: 'csv, tsv, parquet, ndjson (jsonl) or json (an array); default: the Content-Type, else the content.' })),
    target: Type.Optional(ColumnName),
    prediction: Type.Optional(ColumnName),
    scores: Type.Optional(ColumnList),
    id: Type.Optional(ColumnName),
    timestamp: Type.Optional(ColumnName),
    segments: Type.Optional(ColumnList),
    task: Type.Optional(Type.Union([Type.Literal('binary'), Type.Literal('multiclass'), Type.Literal('regression')])),
  },
  { additionalProperties: false, description: 'Roles and task are used when the schema is inferred from the reference (a new model, or schemaFrom: reference).' },
);
type ReferenceQueryType = Type.Static<typeof ReferenceQuery>;

const ReferenceGetQuery = Type.Object(
  { view: Type.Optional(Type.Literal('profile', { description: '`profile`: answer with the bare profile (a file `modelwatch report --reference` reads).' })) },
  { additionalProperties: false },
);

const ColumnSummary = Type.Object(
  {
    name: Type.String(),
    kind: Type.String(),
    role: Type.String(),
    sourceType: Type.Union([Type.String(), Type.Null()], { description: 'The DuckDB type the file gave the column.' }),
    valid: Type.Integer(),
    missing: Type.Integer(),
    typeViolations: Type.Integer(),
    distinct: Type.Integer(),
    min: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    max: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    mean: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    std: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    top: Type.Optional(Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }))),
  },
  { additionalProperties: false },
);

const ReferenceMeta = {
  model: Type.String(),
  rows: Type.Integer({ description: 'Rows of the reference.' }),
  keptRows: Type.Integer({ description: 'Rows kept for exact tests (a sample when fewer than rows).' }),
  sampledFrom: Type.Union([Type.Integer(), Type.Null()], { description: 'When the kept rows are a sample: the rows they were drawn from.' }),
  source: Type.String(),
  uploadedAt: Type.String({ format: 'date-time' }),
  schemaInferred: Type.Boolean(),
};

export const ReferenceUploadResponse = Type.Object({
  ...ReferenceMeta,
  modelCreated: Type.Boolean({ description: 'The model did not exist and was created with the inferred schema.' }),
  format: Type.String(),
  compression: Type.Union([Type.String(), Type.Null()]),
  bytes: Type.Integer(),
  schema: Type.Unknown(),
  columns: Type.Array(ColumnSummary, { description: 'The schema columns found in the reference, with their profile in short.' }),
  absentColumns: Type.Array(Type.String(), { description: 'Optional schema columns (not features) the reference lacks.' }),
  ignoredColumns: Type.Array(Type.String(), { description: 'Columns of the file that are not in the schema (not kept).' }),
  timingsMs: Type.Record(Type.String(), Type.Number()),
});

export const ReferenceGetResponse = Type.Object({
  ...ReferenceMeta,
  profile: Type.Unknown({ description: 'The profile of the whole reference, in the format `modelwatch profile` writes.' }),
});

function splitList(s: string | undefined): string[] | undefined {
  if (s === undefined) return undefined;
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

function hintsOf(q: ReferenceQueryType): RoleHints {
  return {
    target: q.target,
    prediction: q.prediction,
    scores: splitList(q.scores),
    id: q.id,
    timestamp: q.timestamp,
    segments: splitList(q.segments),
    task: q.task as Task | undefined,
  };
}

/** Throws an {@link HttpError} for a reference problem. */
function toHttp(err: unknown): never {
  if (err instanceof ReferenceInputError) {
    const headers = err.code === 'payload_too_large' ? { connection: 'close' } : undefined;
    throw new HttpError(err.statusCode, err.code, err.message, err.details, headers);
  }
  throw err;
}

/** A column of the profile in short. */
function summarizeColumn(c: ColumnProfile, sourceType: string | undefined) {
  const base = { name: c.name, kind: c.kind, role: c.role, sourceType: sourceType ?? null, valid: c.valid, missing: c.missing, typeViolations: c.typeViolations, distinct: c.distinct };
  if (isNumericProfile(c)) return { ...base, min: c.min, max: c.max, mean: c.mean, std: c.std };
  return { ...base, top: c.categories.slice(0, 5).map((value, i) => ({ value, count: c.counts[i] })) };
}

function metaJson(ref: ReferenceRecord) {
  return {
    model: ref.model,
    rows: ref.rows,
    keptRows: ref.keptRows,
    sampledFrom: ref.sampledFrom ?? null,
    source: ref.source,
    uploadedAt: new Date(ref.uploadedAt).toISOString(),
    schemaInferred: ref.schemaInferred,
  };
}

function uploadJson(result: IngestResult, bytes: number, timings: Record<string, number>) {
  const { prepared, reference } = result;
  return {
    ...metaJson(reference),
    modelCreated: result.created,
    format: prepared.format.format,
    compression: prepared.format.compression,
    bytes,
    schema: prepared.schema,
    columns: prepared.profile.columns.map((c) => summarizeColumn(c, prepared.sourceTypes[c.name])),
    absentColumns: prepared.absent.map((c) => c.name),
    ignoredColumns: prepared.ignored,
    timingsMs: timings,
  };
}

/** The `{"path", "format"}` of a small JSON object body. */
async function pathRequest(upload: SavedUpload): Promise<{ path: string; format?: string }> {
  if (upload.bytes > MAX_PATH_REQUEST_BYTES) {
    throw new ReferenceInputError('bad_request', 'a JSON object body names a file on the server ({"path": "..."}) and must be small; send data as a JSON array, NDJSON, CSV or Parquet');
  }
  const text = (upload.bytes <= HEAD_BYTES ? upload.head : await readHead(upload.path, MAX_PATH_REQUEST_BYTES)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ReferenceInputError('bad_request', `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ReferenceInputError('bad_request', 'expected {"path": "/absolute/file"}');
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).filter((k) => k !== 'path' && k !== 'format');
  if (extra.length > 0) throw new ReferenceInputError('bad_request', `unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')}; expected {"path": "/absolute/file", "format"?: "csv"}`);
  if (typeof b.path !== 'string' || b.path.length === 0 || b.path.length > 4096) throw new ReferenceInputError('bad_request', 'path: expected an absolute file path (a string of at most 4096 characters)');
  if (b.format !== undefined && typeof b.format !== 'string') throw new ReferenceInputError('bad_request', 'format: expected a string');
  return { path: b.path, format: b.format as string | undefined };
}

export function registerReferenceRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const settings = ctx.config.references;
  // Bodies of this scope arrive as the raw stream, whatever their type (no size limit here: the handler applies references.maxBytes).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put<{ Params: { model: string }; Querystring: ReferenceQueryType }>(
    '/v1/models/:model/reference',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Upload or name the reference dataset',
        description:
          'The body is the reference file: CSV (text/csv), TSV, Parquet (application/vnd.apache.parquet), NDJSON (application/x-ndjson), a JSON array (application/json), or application/octet-stream (the content decides); gzip-compressed text is read too. ' +
          'Or a JSON object {"path": "/file/on/server"} naming a file inside a directory of references.paths. ' +
          'The reference is checked against the model schema (every feature column must be present) or, for a model without one, the schema is inferred and the model registered. ' +
          'The profile of every row and the rows (a deterministic sample of references.maxRows beyond it) replace the previous reference atomically; the answer comes once they are durable.',
        tags: ['models'],
        params: ModelParams,
        querystring: ReferenceQuery,
        consumes: ['text/csv', 'text/tab-separated-values', 'application/vnd.apache.parquet', 'application/x-ndjson', 'application/json', 'application/octet-stream'],
        response: {
          200: ReferenceUploadResponse,
          201: ReferenceUploadResponse,
          400: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          413: ErrorResponse,
          415: ErrorResponse,
          422: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      try {
        return await upload(request, reply);
      } catch (err) {
        toHttp(err);
      }
    },
  );

  async function upload(request: FastifyRequest<{ Params: { model: string }; Querystring: ReferenceQueryType }>, reply: FastifyReply) {
    const model = request.params.model;
    const t0 = performance.now();
    const declaredLength = Number(request.headers['content-length']);
    if (declaredLength > settings.maxBytes) {
      throw new ReferenceInputError('payload_too_large', `the reference is larger than the limit of ${settings.maxBytes} bytes (references.maxBytes)`);
    }
    let declared: ReferenceFormat | null = request.query.format !== undefined ? parseFormatParam(request.query.format) : null;
    const media = mediaType(request.headers['content-type']);
    if (declared === null) declared = formatFromMediaType(request.headers['content-type']);
    const body = request.body as Readable | undefined;
    if (!body || typeof (body as Readable).pipe !== 'function') throw new ReferenceInputError('empty_reference', 'the request has no body: send the reference file, or {"path": ...}');
    const saved = await saveUpload(body, uploadDir(ctx.config.server.dataDir), settings.maxBytes);
    const large = saved.bytes >= LARGE_UPLOAD_BYTES;
    const log = (obj: object, msg: string) => (large ? request.log.info(obj, msg) : request.log.debug(obj, msg));
    const timings: Record<string, number> = { upload: Math.round(saved.ms) };
    let result: IngestResult;
    let format: DetectedFormat;
    // The upload is deleted before the answer goes out.
    try {
      log({ model, bytes: saved.bytes, ms: timings.upload }, 'reference upload received');
      let path = saved.path;
      let source = 'upload';
      const firstChar = /\S/.exec(saved.head.subarray(0, 1024).toString('utf8'))?.[0];
      if (media === 'application/json' && request.query.format === undefined && firstChar === '{') {
        // A JSON object names a file on the server.
        const named = await pathRequest(saved);
        path = await resolveAllowedPath(named.path, settings.paths);
        source = named.path;
        const given = named.format !== undefined ? parseFormatParam(named.format) : null;
        format = detectFormat(await readHead(path), given);
      } else {
        if (saved.bytes === 0) throw new ReferenceInputError('empty_reference', 'the reference is empty (no header, no rows)');
        format = detectFormat(saved.head, declared);
      }
      result = await ctx.references.ingest({
        model,
        path,
        format,
        source,
        hints: hintsOf(request.query),
        onPhase: (phase, ms, info) => log({ model, phase, ms, ...info }, `reference ${phase} done`),
      });
    } finally {
      await saved.remove();
    }
    Object.assign(timings, result.timings, { total: Math.round(performance.now() - t0) });
    if (result.created || result.prepared.schemaInferred) ctx.metrics.declareVersions(result.model.name, result.model.versions);
    request.log.info(
      { model, bytes: saved.bytes, format: format.format, rows: result.reference.rows, kept: result.reference.table?.numRows ?? 0, timings },
      'reference stored',
    );
    return reply.code(result.created ? 201 : 200).send(uploadJson(result, saved.bytes, timings));
  }

  app.get<{ Params: { model: string }; Querystring: { view?: 'profile' } }>(
    '/v1/models/:model/reference',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The stored reference: its profile and metadata',
        tags: ['models'],
        params: ModelParams,
        querystring: ReferenceGetQuery,
        response: { 200: ReferenceGetResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const name = request.params.model;
      if (!(await ctx.store.getModel(name))) throw new HttpError(404, 'model_not_found', `no model named "${name}"`);
      const ref = await ctx.references.describe(name);
      if (!ref) throw new HttpError(404, 'reference_not_found', `model "${name}" has no reference; upload one with PUT /v1/models/${name}/reference`);
      // The bare profile skips the response schema (sent as text).
      if (request.query.view === 'profile') return reply.type('application/json; charset=utf-8').send(JSON.stringify(ref.profile));
      return reply.send({ ...metaJson(ref), profile: ref.profile });
    },
  );
}
