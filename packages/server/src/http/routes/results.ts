/**
 * `GET /v1/models/{model}/results`: stored monitor results (one per monitor ×
 * version × window), oldest window first.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { parseTimestamp } from '../../ingest/values.js';
import { ALL_VERSIONS } from '../../metrics/model-metrics.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ErrorResponse, ModelParams } from '../schemas.js';

/** Most results one request returns. */
export const MAX_RESULTS = 10_000;
const DEFAULT_RESULTS = 1_000;

const Time = (what: string) =>
  Type.String({ minLength: 1, maxLength: 64, description: `${what}: ISO 8601 (no offset means UTC) or epoch milliseconds.` });

export const ResultsQuery = Type.Object(
  {
    monitor: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only this monitor (by name).' })),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: `Only this model version; \`${ALL_VERSIONS}\` for monitors over all versions (\`versions: all\`).` })),
    from: Type.Optional(Time('Results whose window ends after this time')),
    to: Type.Optional(Time('Results whose window starts before this time')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_RESULTS, description: `Most results returned (default ${DEFAULT_RESULTS}).` })),
    latest: Type.Optional(Type.Boolean({ description: 'Only the latest window of each (monitor, version).' })),
  },
  { additionalProperties: false },
);

const Metrics = Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]));

/** The documented shape of a stored result (see `src/monitor/result.ts`); other fields may be present. */
export const MonitorResultDoc = Type.Object(
  {
    resultVersion: Type.Integer(),
    type: Type.Union(['data_quality', 'feature_drift', 'prediction_drift', 'model_quality'].map((t) => Type.Literal(t))),
    monitor: Type.String(),
    model: Type.String(),
    version: Type.Union([Type.String(), Type.Null()], { description: 'null: all versions together.' }),
    window: Type.Object({
      type: Type.Union([Type.Literal('sliding'), Type.Literal('tumbling'), Type.Literal('cumulative')]),
      start: Type.Number({ description: 'Inclusive, epoch ms (cumulative windows: the first event).' }),
      end: Type.Number({ description: 'Exclusive, epoch ms.' }),
      label: Type.String(),
    }),
    reference: Type.Union([Type.Object({ kind: Type.String(), rows: Type.Integer() }, { additionalProperties: true }), Type.Null()]),
    sampling: Type.Optional(
      Type.Object({ total: Type.Integer(), size: Type.Integer(), sampled: Type.Boolean(), method: Type.String(), limit: Type.Integer() }),
    ),
    metrics: Metrics,
    features: Type.Optional(Type.Array(Type.Object({ feature: Type.String(), kind: Type.String(), metrics: Metrics }, { additionalProperties: true }))),
    findings: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    note: Type.Optional(Type.String()),
    computedAt: Type.Number({ description: 'Epoch ms.' }),
  },
  { additionalProperties: true },
);

export const ResultsResponse = Type.Object({ model: Type.String(), results: Type.Array(MonitorResultDoc) });

/**
 * Epoch ms of a time parameter: an integer (epoch ms) or ISO 8601; a 400 naming
 * the parameter otherwise.
 */
export function parseTimeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^-?\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : parseTimestamp(value);
  if (!Number.isFinite(ms) || ms < Date.UTC(1900, 0, 1) || ms >= Date.UTC(2200, 0, 1)) {
    throw new HttpError(400, 'bad_request', `invalid request: querystring.${name}: expected an ISO 8601 date-time or epoch milliseconds between years 1900 and 2199 (got ${JSON.stringify(value.slice(0, 64))})`, [
      { path: `querystring.${name}`, message: 'expected an ISO 8601 date-time or epoch milliseconds between years 1900 and 2199' },
    ]);
  }
  return Math.floor(ms);
}

/** Checks `from < to` when both are given. */
export function checkRange(from: number | undefined, to: number | undefined): void {
  if (from !== undefined && to !== undefined && !(from < to)) {
    throw new HttpError(400, 'bad_request', 'invalid request: querystring.to: must be after from', [{ path: 'querystring.to', message: 'must be after from' }]);
  }
}

export function registerResultRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { model: string }; Querystring: Type.Static<typeof ResultsQuery> }>(
    '/v1/models/:model/results',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Stored monitor results',
        description:
          'One result per monitor, version and window (see the README, "Monitors"), ordered by window start. Windows are over event time; `from`/`to` select windows overlapping [from, to).',
        tags: ['monitors'],
        params: ModelParams,
        querystring: ResultsQuery,
        response: { 200: ResultsResponse, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { model } = request.params;
      const qs = request.query;
      const from = parseTimeParam('from', qs.from);
      const to = parseTimeParam('to', qs.to);
      checkRange(from, to);
      if (!(await ctx.store.getModel(model))) throw new HttpError(404, 'model_not_found', `no model named "${model}"`);
      const records = await ctx.store.getResults({
        model,
        monitor: qs.monitor,
        version: qs.version === undefined ? undefined : qs.version === ALL_VERSIONS ? '' : qs.version,
        from,
        to,
        latest: qs.latest,
        limit: qs.limit ?? DEFAULT_RESULTS,
      });
      // Stored payloads are sent as they are (the schema above documents them).
      const body = JSON.stringify({ model, results: records.map((r) => r.payload) });
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
}
