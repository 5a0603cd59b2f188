/**
 * Monitors and alert rules over the API (config as code's other half):
 *
 * - `GET /v1/models/{model}/monitors`, `GET …/monitors/{name}`: the monitors the
 *   model runs with their source (`config`, `api`, `default`);
 * - `PUT …/monitors/{name}`: create or replace (body: an entry of
 *   `models.<name>.monitors` in `modelwatch.yaml`, checked the same way);
 * - `DELETE …/monitors/{name}`;
 * - the same for alert rules under `…/alerts`.
 *
 * The rules (the configuration file wins, results follow the definition, …) are
 * in `src/monitor/manage.ts`. After a change the alert engine reconciles the
 * model at once (`AlertEngine.reconcile`): series of a rule that was deleted,
 * or that now reads something else, are retired (resolved, and notified as
 * resolved if they were notified firing) before the answer is sent, not with
 * the model's next results.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { TSchema } from 'typebox';
import { AlertSchema, MonitorSchema } from '../../config/schema.js';
import { DefinitionError } from '../../monitor/manage.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ErrorResponse } from '../schemas.js';
import { MODEL_NAME_PATTERN } from '../../config/types.js';
import { bodyDocumentedOnly } from './validation.js';

/** A copy of a config schema for the OpenAPI document: without the `expected` phrases of error messages. */
function doc<T extends TSchema>(schema: T, patch: (s: Record<string, unknown>) => void = () => undefined): T {
  const copy = JSON.parse(JSON.stringify(schema, (k, v) => (k === 'expected' || k === 'keyExpected' ? undefined : v))) as Record<string, unknown>;
  patch(copy);
  return copy as unknown as T;
}

/** `name` may be left out of a PUT body (the URL names it). */
const optionalName = (s: Record<string, unknown>) => {
  s.required = (s.required as string[]).filter((r) => r !== 'name');
};

const MonitorDoc = doc(MonitorSchema);
const AlertDoc = doc(AlertSchema);
const MonitorBody = doc(MonitorSchema, optionalName);
const AlertBody = doc(AlertSchema, optionalName);

const NameParams = Type.Object({
  model: Type.String({ pattern: MODEL_NAME_PATTERN, description: 'Model name.' }),
  name: Type.String({ minLength: 1, maxLength: 128, description: 'Monitor or alert rule name (1 to 128 characters).' }),
});
const ModelOnly = Type.Object({ model: Type.String({ pattern: MODEL_NAME_PATTERN, description: 'Model name.' }) });

const Source = Type.Union([Type.Literal('config'), Type.Literal('api'), Type.Literal('default')], {
  description: '`config`: modelwatch.yaml (change it there); `api`: defined over this API; `default`: a default monitor (the model has no monitors of its own).',
});

const View = (definition: TSchema) =>
  Type.Object({
    name: Type.String(),
    source: Source,
    definition,
    createdAt: Type.Optional(Type.String({ format: 'date-time' })),
    updatedAt: Type.Optional(Type.String({ format: 'date-time' })),
  });

const Ignored = Type.Object({ name: Type.String(), reason: Type.String(), definition: Type.Object({}, { additionalProperties: true }) });

const MonitorList = Type.Object({ model: Type.String(), monitors: Type.Array(View(MonitorDoc)), ignored: Type.Array(Ignored) });
const AlertList = Type.Object({ model: Type.String(), alerts: Type.Array(View(AlertDoc)), ignored: Type.Array(Ignored) });
const MonitorOne = Type.Object({ model: Type.String(), monitor: View(MonitorDoc) });
const AlertOne = Type.Object({ model: Type.String(), alert: View(AlertDoc) });
const PutMonitorResponse = Type.Object({
  model: Type.String(),
  created: Type.Boolean(),
  changed: Type.Boolean({ description: 'False when the same definition was already in place (nothing re-evaluated).' }),
  deletedResults: Type.Integer({ description: "Stored results of the monitor's previous definition that were deleted." }),
  monitor: View(MonitorDoc),
});
const PutAlertResponse = Type.Object({
  model: Type.String(),
  created: Type.Boolean(),
  changed: Type.Boolean(),
  warnings: Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
    description: 'What makes the rule likely never to have a value: a metric its monitor does not produce, a feature on a monitor without per-feature metrics.',
  }),
  alert: View(AlertDoc),
});
const DeleteResponse = Type.Object({ model: Type.String(), name: Type.String(), deleted: Type.Literal(true), deletedResults: Type.Optional(Type.Integer()) });

type NameRequest = { Params: { model: string; name: string } };

function json(reply: FastifyReply, code: number, body: unknown): FastifyReply {
  return reply.code(code).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DefinitionError) throw new HttpError(err.status, err.code, err.message, err.problems);
    throw err;
  }
}

const ERRORS = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };

/**
 * Retires the alert series a change of the model's rules or monitors made
 * obsolete. The change itself is durable already: a failure here is logged
 * (the engine retires them with the model's next results or at the next start).
 */
async function reconcile(ctx: ServerContext, request: FastifyRequest, model: string): Promise<void> {
  try {
    await ctx.alerts?.reconcile(model);
  } catch (err) {
    request.log.error({ err, model }, 'alert series could not be reconciled after a definition change');
  }
}

export function registerMonitorRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const defs = ctx.definitions;

  app.get<{ Params: { model: string } }>(
    '/v1/models/:model/monitors',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The monitors a model runs',
        description:
          'Configured (modelwatch.yaml) and API-defined monitors, or the defaults when the model has neither, each with its source and its definition in the shape of modelwatch.yaml (every default spelled out; PUT it back to get the same monitor). `ignored`: API-defined monitors that do not run (the configuration file uses the name).',
        tags: ['monitors'],
        params: ModelOnly,
        response: { 200: MonitorList, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { model } = request.params;
      const list = await mapped(() => defs.listMonitors(model));
      return json(reply, 200, { model, ...list });
    },
  );

  app.get<NameRequest>(
    '/v1/models/:model/monitors/:name',
    {
      config: { scope: 'read' },
      schema: { summary: 'One monitor a model runs', tags: ['monitors'], params: NameParams, response: { 200: MonitorOne, 404: ErrorResponse } },
    },
    async (request, reply) => {
      const { model, name } = request.params;
      return json(reply, 200, { model, monitor: await mapped(() => defs.getMonitor(model, name)) });
    },
  );

  app.put<NameRequest & { Body: unknown }>(
    '/v1/models/:model/monitors/:name',
    {
      config: { scope: 'write' },
      validatorCompiler: bodyDocumentedOnly,
      schema: {
        summary: 'Create or replace a monitor',
        description:
          'The body is a monitor as an entry of `models.<model>.monitors` in modelwatch.yaml (`name` may be left out), checked the same way; errors name the field. A new or changed monitor loses its stored results and every window holding events is evaluated again in the background; the same definition put again changes nothing (`changed: false`). Monitors the configuration file defines cannot be changed here (409 defined_in_config). The first monitor of a model replaces its default monitors.',
        tags: ['monitors'],
        params: NameParams,
        body: MonitorBody,
        response: { 200: PutMonitorResponse, 201: PutMonitorResponse, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { model, name } = request.params;
      const out = await mapped(() => defs.putMonitor(model, name, request.body));
      if (out.changed) await reconcile(ctx, request, model);
      return json(reply, out.created ? 201 : 200, { model, created: out.created, changed: out.changed, deletedResults: out.deletedResults, monitor: out.view });
    },
  );

  app.delete<NameRequest>(
    '/v1/models/:model/monitors/:name',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Delete a monitor defined over the API',
        description: 'Deletes the monitor and its stored results. Configured monitors (409 defined_in_config), default monitors (409 default_monitor) and monitors that API-defined alert rules name (409 monitor_in_use) are refused.',
        tags: ['monitors'],
        params: NameParams,
        response: { 200: DeleteResponse, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { model, name } = request.params;
      const out = await mapped(() => defs.deleteMonitor(model, name));
      await reconcile(ctx, request, model);
      return json(reply, 200, { model, name, deleted: true, deletedResults: out.deletedResults });
    },
  );

  app.get<{ Params: { model: string } }>(
    '/v1/models/:model/alerts',
    {
      config: { scope: 'read' },
      schema: {
        summary: "A model's alert rules",
        description: 'Configured (modelwatch.yaml) and API-defined alert rules with their source and definition in the shape of modelwatch.yaml. `ignored`: API-defined rules that do not run.',
        tags: ['monitors'],
        params: ModelOnly,
        response: { 200: AlertList, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { model } = request.params;
      const list = await mapped(() => defs.listAlerts(model));
      return json(reply, 200, { model, ...list });
    },
  );

  app.get<NameRequest>(
    '/v1/models/:model/alerts/:name',
    {
      config: { scope: 'read' },
      schema: { summary: 'One alert rule of a model', tags: ['monitors'], params: NameParams, response: { 200: AlertOne, 404: ErrorResponse } },
    },
    async (request, reply) => {
      const { model, name } = request.params;
      return json(reply, 200, { model, alert: await mapped(() => defs.getAlert(model, name)) });
    },
  );

  app.put<NameRequest & { Body: unknown }>(
    '/v1/models/:model/alerts/:name',
    {
      config: { scope: 'write' },
      validatorCompiler: bodyDocumentedOnly,
      schema: {
        summary: 'Create or replace an alert rule',
        description:
          'The body is an alert rule as an entry of `models.<model>.alerts` in modelwatch.yaml (`name` may be left out), checked the same way: `monitor` must name a monitor the model runs, `notify` configured notification channels, `expr` must parse. `warnings` name metrics the monitor does not produce. The alert engine evaluates the rule from the next stored result on. Rules the configuration file defines cannot be changed here (409 defined_in_config).',
        tags: ['monitors'],
        params: NameParams,
        body: AlertBody,
        response: { 200: PutAlertResponse, 201: PutAlertResponse, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { model, name } = request.params;
      const out = await mapped(() => defs.putAlert(model, name, request.body));
      if (out.changed) await reconcile(ctx, request, model);
      return json(reply, out.created ? 201 : 200, { model, created: out.created, changed: out.changed, warnings: out.warnings ?? [], alert: out.view });
    },
  );

  app.delete<NameRequest>(
    '/v1/models/:model/alerts/:name',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Delete an alert rule defined over the API',
        description:
          'Deletes the rule. Its alert series are retired before the answer: they leave `GET /v1/alerts` and `modelwatch_alert_firing`, and a series that was notified firing gets a `resolved` notification on the channels that had the firing one. Rules the configuration file defines cannot be deleted here (409 defined_in_config).',
        tags: ['monitors'],
        params: NameParams,
        response: { 200: DeleteResponse, ...ERRORS },
      },
    },
    async (request, reply) => {
      const { model, name } = request.params;
      await mapped(() => defs.deleteAlert(model, name));
      await reconcile(ctx, request, model);
      return json(reply, 200, { model, name, deleted: true });
    },
  );
}
