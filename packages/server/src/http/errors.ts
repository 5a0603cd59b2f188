/**
 * Every error leaves the server as JSON `{error, message, details?}`: `error` is a
 * stable machine-readable code, `message` a sentence for humans, `details` extra
 * structure (validation problems, rejected records).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { QueueClosedError, QueueFullError } from '../ingest/write-queue.js';
import { StoreConflictError, StoreInputError, UnknownColumnError, UnknownModelError } from '../store/store.js';

export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
}

/** An error with an HTTP status and a code, raised by handlers. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The JSON Schema (for OpenAPI) of an error body. */
export const errorBodySchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'Stable error code, e.g. "not_found", "payload_too_large".' },
    message: { type: 'string' },
    details: {},
  },
} as const;

function fromFastify(err: FastifyError): HttpError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    {
      // Fastify's message does not always carry the number.
      const limit = err.message.match(/\d+/)?.[0];
      return new HttpError(413, 'payload_too_large', `the request body is larger than the server's limit${limit ? ` of ${limit} bytes` : ''}`);
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'unsupported Content-Type; use application/json or application/x-ndjson (events also take application/vnd.modelwatch.batch)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'bad_request', 'the request body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, 'invalid_json', `the body is not valid JSON: ${err.message}`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'bad_request', err.message);
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      return new HttpError(415, 'unsupported_media_type', err.message);
  }
  if (err.validation) {
    const details = err.validation.map((v) => ({
      path: `${err.validationContext ?? ''}${v.instancePath ?? ''}`.replace(/\//g, '.'),
      message: v.message ?? 'invalid',
    }));
    return new HttpError(400, 'bad_request', `invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
  }
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
    return new HttpError(400, 'invalid_json', `the body is not valid JSON: ${err.message}`);
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new HttpError(err.statusCode, 'bad_request', err.message);
  }
  return null;
}

/** Maps any thrown value to an {@link HttpError} (500 for the unexpected). */
export function toHttpError(err: unknown): { error: HttpError; unexpected: boolean } {
  if (err instanceof HttpError) return { error: err, unexpected: false };
  if (err instanceof UnknownModelError) return { error: new HttpError(404, 'model_not_found', err.message), unexpected: false };
  if (err instanceof UnknownColumnError) return { error: new HttpError(404, 'column_not_found', err.message), unexpected: false };
  if (err instanceof StoreConflictError) return { error: new HttpError(409, 'conflict', err.message), unexpected: false };
  if (err instanceof StoreInputError) return { error: new HttpError(422, 'unprocessable', err.message), unexpected: false };
  if (err instanceof QueueFullError) {
    return {
      error: new HttpError(429, 'too_many_requests', err.message, undefined, { 'retry-after': String(err.retryAfterSeconds) }),
      unexpected: false,
    };
  }
  if (err instanceof QueueClosedError) return { error: new HttpError(503, 'unavailable', err.message, undefined, { 'retry-after': '5' }), unexpected: false };
  if (err && typeof err === 'object') {
    const mapped = fromFastify(err as FastifyError);
    if (mapped) return { error: mapped, unexpected: false };
  }
  return { error: new HttpError(500, 'internal', 'internal server error'), unexpected: true };
}

export function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (error.headers) for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
  const body: ErrorBody = { error: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(body);
}

/** Installs the JSON error and not-found handlers. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { error, unexpected } = toHttpError(err);
    if (unexpected) request.log.error({ err }, 'unexpected error');
    return sendError(reply, error);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new HttpError(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`)));
}
