/**
 * `GET /v1/models/{model}/report`: the core's Report (the JSON of
 * `modelwatch report --json`) of any window of events against the model's
 * reference. Rendering it as HTML is the CLI's and the dashboard's job.
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { compare } from '@modelwatch/core';
import type { CompareOptions, Report } from '@modelwatch/core';
import { MONITOR_SAMPLE_SEED } from '../../monitor/evaluate.js';
import { eventColumns, targetColumn } from '../../store/store.js';
import type { ModelRecord, Store } from '../../store/store.js';
import type { ReferenceProvider } from '../../reference/types.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ErrorResponse, ModelParams } from '../schemas.js';
import { checkRange, parseTimeParam } from './results.js';

/** Rows of the window read when the request sets no `sample`. */
export const REPORT_SAMPLE_DEFAULT = 1_000_000;
const REPORT_SAMPLE_MAX = 5_000_000;
const DAY = 86_400_000;

const Time = (what: string) => Type.String({ minLength: 1, maxLength: 64, description: `${what}: ISO 8601 (no offset means UTC) or epoch milliseconds.` });

export const ReportQuery = Type.Object(
  {
    from: Type.Optional(Time('Start of the window (inclusive); default: 24 h before `to`')),
    to: Type.Optional(Time('End of the window (exclusive); default: just after the latest event')),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only events of this model version (default: all versions).' })),
    sample: Type.Optional(
      Type.Integer({ minimum: 1, maximum: REPORT_SAMPLE_MAX, description: `Most rows read from the window; larger windows are sampled deterministically (default ${REPORT_SAMPLE_DEFAULT}).` }),
    ),
  },
  { additionalProperties: false },
);

/** The Report's documented top level (see the core's `Report`); the sections are open objects. */
const ReportDoc = Type.Object(
  {
    kind: Type.Literal('modelwatch.report'),
    schemaVersion: Type.Integer(),
    generatedAt: Type.String(),
    generator: Type.String(),
    reference: Type.Object({}, { additionalProperties: true }),
    current: Type.Object({}, { additionalProperties: true }),
    schema: Type.Object({}, { additionalProperties: true }),
    drift: Type.Object({}, { additionalProperties: true }),
    dataQuality: Type.Object({}, { additionalProperties: true }),
    distributions: Type.Object({}, { additionalProperties: true }),
    modelQuality: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true, description: 'The core Report, as `modelwatch report --json` writes it.' },
);

export interface WindowReportRequest {
  model: ModelRecord;
  from: number;
  to: number;
  version?: string | null;
  sample: number;
}

/**
 * The Report of a window: every event column of the schema (and the target,
 * joined from feedback, when some event of the window has any) compared with
 * the stored reference by `compare()`, with the model's schema. `null` when the
 * model has no reference.
 */
export async function windowReport(store: Store, references: ReferenceProvider, req: WindowReportRequest): Promise<Report | null> {
  const reference = await references.get(req.model.name);
  if (!reference) return null;
  const q = { model: req.model.name, from: req.from, to: req.to, version: req.version ?? null };
  const columns = eventColumns(req.model.schema).map((c) => c.name);
  const target = targetColumn(req.model.schema);
  if (target && (await store.labelSummary(q)).labelled > 0) columns.push(target.name);
  const current = await store.windowTable({ ...q, columns, sample: { limit: req.sample, seed: MONITOR_SAMPLE_SEED } });
  const task = req.model.task ?? req.model.schema.task;
  const options: CompareOptions = {
    schema: { ...req.model.schema, ...(task ? { task } : {}) },
    referenceSource: reference.source,
    currentSource: `model ${req.model.name}${req.version ? ` version ${req.version}` : ''} events`,
  };
  if (reference.sampledFrom !== undefined) options.referenceSampledFrom = reference.sampledFrom;
  if (current.sampled) options.currentSampledFrom = current.total;
  const report = compare(reference.table ?? reference.profile, current.table, options);
  report.current.from = new Date(req.from).toISOString();
  report.current.to = new Date(req.to).toISOString();
  return report;
}

/**
 * The Report of the window a request names (`from`, `to`, `version`, `sample`
 * as in {@link ReportQuery}, with their defaults), or an {@link HttpError}: 404
 * for an unknown model or a model without reference, 422 when the schema and
 * the stored reference no longer fit. Shared by the JSON route and the
 * dashboard's HTML download.
 */
export async function reportForRequest(ctx: ServerContext, modelName: string, qs: Type.Static<typeof ReportQuery>): Promise<Report> {
  let from = parseTimeParam('from', qs.from);
  let to = parseTimeParam('to', qs.to);
  checkRange(from, to);
  const model = await ctx.store.getModel(modelName);
  if (!model) throw new HttpError(404, 'model_not_found', `no model named "${modelName}"`);
  if (to === undefined) {
    const bounds = await ctx.store.eventTimeBounds(model.name, qs.version ?? null);
    to = bounds.events > 0 ? Math.floor(bounds.max) + 1 : Date.now();
    if (from !== undefined && !(from < to)) to = from + DAY;
  }
  from ??= to - DAY;
  let report: Report | null;
  try {
    report = await windowReport(ctx.store, ctx.references, { model, from, to, version: qs.version ?? null, sample: qs.sample ?? REPORT_SAMPLE_DEFAULT });
  } catch (err) {
    const message = (err as Error).message ?? '';
    // The schema and the stored reference no longer fit (a column changed kind since the upload).
    if (message.startsWith('invalid comparison settings')) throw new HttpError(422, 'unprocessable', message);
    throw err;
  }
  if (!report) {
    throw new HttpError(404, 'reference_not_found', `model "${model.name}" has no reference: upload one with PUT /v1/models/${model.name}/reference`);
  }
  return report;
}

export function registerReportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { model: string }; Querystring: Type.Static<typeof ReportQuery> }>(
    '/v1/models/:model/report',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Report of a window against the reference',
        description:
          'The core Report (the JSON `modelwatch report --json` writes) of the events in [from, to) compared with the model\'s reference: drift per column, data quality, distributions and, when events have feedback, model quality. `current.sampledFrom` is set when the window held more rows than `sample`.',
        tags: ['monitors'],
        params: ModelParams,
        querystring: ReportQuery,
        response: { 200: ReportDoc, 400: ErrorResponse, 404: ErrorResponse, 422: ErrorResponse },
      },
    },
    async (request, reply) => {
      const report = await reportForRequest(ctx, request.params.model, request.query);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(report));
    },
  );
}
