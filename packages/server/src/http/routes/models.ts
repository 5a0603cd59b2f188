/**
 * `PUT /v1/models/{model}`, `GET /v1/models`, `GET /v1/models/{model}` (the
 * reference routes are in `reference.ts`).
 */
import type { FastifyInstance } from 'fastify';
import { Compile } from 'typebox/compile';
import type { Task } from '@modelwatch/core';
import { formatValidationErrors } from '../../config/errors.js';
import type { RawValidationError } from '../../config/errors.js';
import { checkSchema } from '../../schema.js';
import type { ModelRecord } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ErrorResponse, ModelList, ModelParams, ModelResponse, PutModelBody, PutModelBodyCheck } from '../schemas.js';
import { bodyDocumentedOnly } from './validation.js';

const putBodyChecker = Compile(PutModelBodyCheck);

/** A model as the API shows it. */
export function modelJson(m: ModelRecord) {
  return {
    name: m.name,
    task: m.task,
    schema: m.schema,
    versions: m.versions,
    createdAt: new Date(m.createdAt).toISOString(),
    updatedAt: new Date(m.updatedAt).toISOString(),
    generation: m.generation,
  };
}

export function registerModelRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.put<{ Params: { model: string }; Body: unknown }>(
    '/v1/models/:model',
    {
      config: { scope: 'write' },
      validatorCompiler: bodyDocumentedOnly,
      schema: {
        summary: 'Register or update a model',
        description:
          'Creates the model or replaces its task, schema and versions. New columns are added to storage; removed columns keep their history. Events queued under the previous schema are answered 409 and must be re-sent.',
        tags: ['models'],
        params: ModelParams,
        body: PutModelBody,
        response: { 200: ModelResponse, 201: ModelResponse, 400: ErrorResponse, 422: ErrorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!putBodyChecker.Check(body)) {
        const problems = formatValidationErrors(PutModelBodyCheck, body, putBodyChecker.Errors(body) as unknown as RawValidationError[]);
        throw new HttpError(400, 'bad_request', `invalid model: ${problems.map((p) => `${p.path || 'body'}: ${p.message}`).join('; ')}`, problems);
      }
      const b = body as { task?: Task; schema: unknown; versions?: string[] };
      const checked = checkSchema(b.schema);
      const schemaProblems = checked.problems.map((p) => ({ path: p.path ? `schema.${p.path}` : 'schema', message: p.message }));
      const schema = checked.schema;
      if (schema && b.task !== undefined && schema.task !== undefined && schema.task !== b.task) {
        schemaProblems.push({ path: 'task', message: `task "${b.task}" differs from the schema's task "${schema.task}"` });
      }
      if (!schema || schemaProblems.length > 0) {
        throw new HttpError(400, 'invalid_schema', `invalid schema: ${schemaProblems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, schemaProblems);
      }
      const { model, created } = await ctx.store.putModel({ name: request.params.model, task: b.task, schema, versions: b.versions });
      ctx.metrics.declareVersions(model.name, model.versions);
      return reply.code(created ? 201 : 200).send(modelJson(model));
    },
  );

  app.get(
    '/v1/models',
    {
      config: { scope: 'read' },
      schema: { summary: 'List models', tags: ['models'], response: { 200: ModelList } },
    },
    async () => ({ models: (await ctx.store.listModels()).map(modelJson) }),
  );

  app.get<{ Params: { model: string } }>(
    '/v1/models/:model',
    {
      config: { scope: 'read' },
      schema: { summary: 'Get a model', tags: ['models'], params: ModelParams, response: { 200: ModelResponse, 404: ErrorResponse } },
    },
    async (request) => {
      const model = await ctx.store.getModel(request.params.model);
      if (!model) throw new HttpError(404, 'model_not_found', `no model named "${request.params.model}"`);
      return modelJson(model);
    },
  );
}
