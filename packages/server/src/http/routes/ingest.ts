/**
 * `POST /v1/models/{model}/events` and `POST /v1/models/{model}/feedback`.
 *
 * Bodies arrive as raw bytes (JSON array, NDJSON or — events only — the
 * columnar batch of docs/event-batch-format.md, optionally gzip or deflate
 * compressed) and are parsed here, so that one bad NDJSON line rejects one
 * record rather than the request; events go through the byte reader
 * (src/ingest/event-reader.ts). The handler
 * answers only after the accepted records are committed (durable); the response
 * lists what was rejected and why.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BATCH_CONTENT_TYPE } from '../../ingest/batch-decode.js';
import { contentEncoding, decompressedBody } from '../../ingest/decompress.js';
import type { RejectReason } from '../../ingest/events.js';
import { prepareFeedback } from '../../ingest/feedback.js';
import { ParsePool } from '../../ingest/parse-pool.js';
import { BodyError, TooManyRecordsError, parseRecordsText } from '../../ingest/read-body.js';
import type { BodyFormat } from '../../ingest/read-body.js';
import { QueueFullError } from '../../ingest/write-queue.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ErrorResponse, EventsBodyDoc, EventsResponse, FeedbackBodyDoc, FeedbackResponse, ModelParams } from '../schemas.js';
import { bodyDocumentedOnly } from './validation.js';

/** Content types read as NDJSON (one JSON value per line). */
export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

function bodyFormat(request: FastifyRequest): BodyFormat {
  const ct = request.headers['content-type'];
  if (typeof ct !== 'string') return 'json';
  const media = ct.split(';')[0].trim().toLowerCase();
  return NDJSON_TYPES.includes(media) ? 'ndjson' : media === BATCH_CONTENT_TYPE ? 'batch' : 'json';
}

/** The raw body bytes; 400 when there is none. */
function bodyBytes(request: FastifyRequest): Buffer {
  const body = request.body;
  if (!Buffer.isBuffer(body)) throw new HttpError(400, 'bad_request', 'the request needs a body: a JSON array, NDJSON or (events) a columnar batch');
  return body;
}

/** Whole-request problems of a body as HTTP errors. */
function bodyProblem(err: unknown): unknown {
  if (err instanceof TooManyRecordsError) return new HttpError(413, 'payload_too_large', err.message);
  if (err instanceof BodyError) return new HttpError(400, err.code, err.message);
  return err;
}

function countReasons(counter: { inc(labels: { model: string; reason: string }, value: number): void }, model: string, reasons: Map<RejectReason, number>): void {
  for (const [reason, n] of reasons) counter.inc({ model, reason }, n);
}

export function registerIngestRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Large event bodies are parsed on worker threads (ingest/parse-pool.ts).
  const parser = new ParsePool({ threads: ctx.config.server.queue.parseThreads });
  app.addHook('onClose', async () => parser.close());
  // Raw byte bodies in this scope only: the handlers parse them.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', ...NDJSON_TYPES, BATCH_CONTENT_TYPE], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  // Content-Encoding: gzip / deflate bodies are decompressed as they arrive; the
  // decompressed size counts against the body limit (413), so a zip bomb is cut off.
  const limit = ctx.config.server.bodyLimit;
  app.addHook('preParsing', async (request, reply, payload) => {
    const encoding = contentEncoding(request.headers['content-encoding']);
    if (encoding === null) return payload;
    if (encoding === undefined) {
      throw new HttpError(415, 'unsupported_media_type', `unsupported Content-Encoding ${JSON.stringify(request.headers['content-encoding'])}; use gzip or deflate`);
    }
    return decompressedBody(
      payload,
      encoding,
      limit,
      () => {
        // The rest of the body is not read: close the connection after answering.
        reply.header('connection', 'close');
        return new HttpError(413, 'payload_too_large', `the decompressed request body is larger than the limit of ${limit} bytes`);
      },
      (message) => new HttpError(400, 'bad_request', message),
    );
  });

  app.post<{ Params: { model: string } }>(
    '/v1/models/:model/events',
    {
      config: { scope: 'write' },
      validatorCompiler: bodyDocumentedOnly,
      schema: {
        summary: 'Ingest prediction events',
        description:
          `A JSON array, NDJSON, or the columnar batch ${BATCH_CONTENT_TYPE} (docs/event-batch-format.md; record i is handled as NDJSON line i) of events. Type mismatches and unknown or missing columns are accepted and recorded as data-quality findings; structurally malformed records are rejected and listed. The response is sent once the accepted events are committed. A record whose (id, ts) is already stored is skipped as a duplicate, so re-sending a batch is safe.`,
        tags: ['ingest'],
        params: ModelParams,
        consumes: ['application/json', 'application/x-ndjson', BATCH_CONTENT_TYPE],
        body: EventsBodyDoc,
        response: { 200: EventsResponse, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request) => {
      const name = request.params.model;
      const model = await ctx.store.getModel(name);
      if (!model) throw new HttpError(404, 'model_not_found', `no model named "${name}"; register it with PUT /v1/models/${name}`);
      if (!ctx.queue.hasRoom(1)) {
        ctx.metrics.throttled.inc({ kind: 'events' });
        throw new QueueFullError(ctx.config.server.queue.retryAfterSeconds);
      }
      let prepared;
      try {
        prepared = await parser.read(bodyBytes(request), bodyFormat(request), model, ctx.plans.get(model), ctx.config.server.maxRecordsPerRequest);
      } catch (err) {
        throw bodyProblem(err);
      }
      countReasons(ctx.metrics.eventsRejected, name, prepared.rejectedByReason);
      if (prepared.accepted === 0 && prepared.rejectedCount > 0) {
        throw new HttpError(400, 'no_valid_records', `all ${prepared.rejectedCount} records were rejected`, {
          rejectedCount: prepared.rejectedCount,
          rejected: prepared.rejected,
        });
      }
      let result;
      try {
        result = await ctx.queue.appendEvents(prepared.batch);
      } catch (err) {
        if (err instanceof QueueFullError) ctx.metrics.throttled.inc({ kind: 'events' });
        throw err;
      }
      // Metrics count what was committed.
      const perVersion = new Map(prepared.versions);
      for (const i of result.duplicateIndexes) {
        const v = prepared.batch.versions[i];
        perVersion.set(v, (perVersion.get(v) ?? 0) - 1);
      }
      for (const [version, n] of perVersion) if (n > 0) ctx.metrics.eventsIngested.inc({ model: name, version: ctx.metrics.versionLabel(name, version) }, n);
      if (result.duplicates > 0) ctx.metrics.eventsDuplicate.inc({ model: name }, result.duplicates);
      const q = prepared.quality;
      // Findings of skipped duplicates were counted when they were first stored.
      let typeViolations = q.typeViolations;
      let unknown = q.eventsWithUnknownColumns;
      let missing = q.eventsWithMissingColumns;
      const b = prepared.batch;
      for (const i of result.duplicateIndexes) {
        typeViolations -= b.dqTypeViolations[i];
        if (b.dqUnknownColumns[i] !== null) unknown--;
        if (b.dqMissingColumns[i] !== null) missing--;
      }
      if (typeViolations > 0) ctx.metrics.ingestViolations.inc({ model: name, type: 'type_mismatch' }, typeViolations);
      if (unknown > 0) ctx.metrics.ingestViolations.inc({ model: name, type: 'unknown_column' }, unknown);
      if (missing > 0) ctx.metrics.ingestViolations.inc({ model: name, type: 'missing_column' }, missing);
      return {
        accepted: prepared.accepted,
        inserted: result.inserted,
        duplicates: result.duplicates,
        rejectedCount: prepared.rejectedCount,
        rejected: prepared.rejected,
        dataQuality: q,
      };
    },
  );

  app.post<{ Params: { model: string } }>(
    '/v1/models/:model/feedback',
    {
      config: { scope: 'write' },
      validatorCompiler: bodyDocumentedOnly,
      schema: {
        summary: 'Ingest ground truth',
        description: 'A JSON array or NDJSON of {id, target, ts?}, joined to events by id whenever it arrives. A later feedback for an id replaces the earlier.',
        tags: ['ingest'],
        params: ModelParams,
        consumes: ['application/json', 'application/x-ndjson'],
        body: FeedbackBodyDoc,
        response: { 200: FeedbackResponse, 400: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request) => {
      const name = request.params.model;
      const model = await ctx.store.getModel(name);
      if (!model) throw new HttpError(404, 'model_not_found', `no model named "${name}"`);
      if (!ctx.queue.hasRoom(1)) {
        ctx.metrics.throttled.inc({ kind: 'feedback' });
        throw new QueueFullError(ctx.config.server.queue.retryAfterSeconds);
      }
      const format = bodyFormat(request);
      if (format === 'batch') throw new HttpError(415, 'unsupported_media_type', `feedback takes application/json or application/x-ndjson, not ${BATCH_CONTENT_TYPE}`);
      let records: unknown[];
      try {
        records = parseRecordsText(bodyBytes(request).toString('utf8'), format === 'ndjson', ctx.config.server.maxRecordsPerRequest);
      } catch (err) {
        throw bodyProblem(err);
      }
      const prepared = prepareFeedback(records, name, Date.now());
      countReasons(ctx.metrics.feedbackRejected, name, prepared.rejectedByReason);
      if (prepared.accepted === 0 && prepared.rejectedCount > 0) {
        throw new HttpError(400, 'no_valid_records', `all ${prepared.rejectedCount} records were rejected`, {
          rejectedCount: prepared.rejectedCount,
          rejected: prepared.rejected,
        });
      }
      try {
        await ctx.queue.upsertFeedback(prepared.batch);
      } catch (err) {
        if (err instanceof QueueFullError) ctx.metrics.throttled.inc({ kind: 'feedback' });
        throw err;
      }
      if (prepared.accepted > 0) ctx.metrics.feedbackIngested.inc({ model: name }, prepared.accepted);
      return { accepted: prepared.accepted, rejectedCount: prepared.rejectedCount, rejected: prepared.rejected };
    },
  );
}
