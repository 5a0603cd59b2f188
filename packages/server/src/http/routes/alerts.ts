/**
 * Alerts over HTTP (read scope):
 *
 * - `GET /v1/alerts`: the current state of every alert series — firing,
 *   pending and recently resolved by default;
 * - `GET /v1/alerts/history`: state transitions by event time, each with links
 *   to the window that caused it;
 * - `GET /v1/alerts/deliveries`: the notification delivery log (every attempt).
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { windowLinks } from '../../alerts/engine.js';
import type { AlertView } from '../../alerts/engine.js';
import { MODEL_NAME_PATTERN } from '../../config/types.js';
import { parseDuration } from '../../config/units.js';
import type { AlertStateName } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { ErrorResponse } from '../schemas.js';
import { checkRange, parseTimeParam } from './results.js';

const STATES: readonly AlertStateName[] = ['firing', 'pending', 'resolved', 'inactive'];
const DEFAULT_STATES: readonly AlertStateName[] = ['firing', 'pending', 'resolved'];
const DEFAULT_RESOLVED_WITHIN = '24h';
const MAX_LIMIT = 10_000;

const Model = Type.String({ pattern: MODEL_NAME_PATTERN, description: 'Only this model.' });
const Name = (what: string) => Type.String({ minLength: 1, maxLength: 128, description: what });
const Time = (what: string) => Type.String({ minLength: 1, maxLength: 64, description: `${what}: ISO 8601 (no offset means UTC) or epoch milliseconds.` });
const Iso = (what: string) => Type.String({ format: 'date-time', description: what });
const NullableIso = (what: string) => Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: what });
const Labels = Type.Record(Type.String(), Type.String());
const Links = Type.Object(
  {
    results: Type.String({ description: 'The stored results of the window (`GET /v1/models/{model}/results`).' }),
    report: Type.String({ description: 'The full report of the window (`GET /v1/models/{model}/report`).' }),
  },
  { description: 'Paths, relative to the server.' },
);
const StateName = Type.Union(STATES.map((s) => Type.Literal(s)));

export const AlertsQuery = Type.Object(
  {
    model: Type.Optional(Model),
    rule: Type.Optional(Name('Only this alert rule.')),
    state: Type.Optional(
      Type.String({ maxLength: 64, description: `States to list, comma-separated (${STATES.join(', ')}); default: ${DEFAULT_STATES.join(',')}.` }),
    ),
    severity: Type.Optional(Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')], { description: 'Only rules of this severity.' })),
    resolvedWithin: Type.Optional(
      Type.String({ maxLength: 32, description: `Resolved series are listed when they resolved (wall clock) at most this long ago, e.g. "1h" (default ${DEFAULT_RESOLVED_WITHIN}).` }),
    ),
  },
  { additionalProperties: false },
);

export const AlertDoc = Type.Object({
  model: Type.String(),
  rule: Type.String({ description: 'The alert rule\'s name.' }),
  key: Type.String({ description: 'The series of the rule: `version=v1`, or `version=v1,feature=amount` for per-feature rules.' }),
  state: StateName,
  severity: Type.String(),
  labels: Labels,
  value: Type.Union([Type.Number(), Type.Null()], { description: 'The rule\'s value in the latest window (null: no value).' }),
  values: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]), { description: 'The metric values the rule read in the latest window.' }),
  condition: Type.Object({
    monitor: Type.String(),
    metric: Type.Optional(Type.String()),
    expr: Type.Optional(Type.String()),
    feature: Type.Optional(Type.String()),
    op: Type.String(),
    threshold: Type.Number(),
    for: Type.Number({ description: 'Seconds of event time the condition must hold before firing.' }),
    notify: Type.Array(Type.String()),
  }),
  activeAt: NullableIso('Event time the condition started holding (the end of the first window of the run); null when not active.'),
  firingAt: NullableIso('Event time the series last started firing.'),
  resolvedAt: NullableIso('Event time the series last resolved.'),
  since: NullableIso('Event time of the last transition.'),
  window: Type.Union([Type.Object({ start: Iso('Inclusive.'), end: Iso('Exclusive.'), label: Type.Union([Type.String(), Type.Null()]) }), Type.Null()], {
    description: 'The latest window evaluated (event time).',
  }),
  evaluatedAt: Iso('Wall-clock time of the latest evaluation.'),
  changedAt: Iso('Wall-clock time the state last changed.'),
  notification: Type.Union([
    Type.Object({ id: Type.String(), status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]), done: Type.Boolean({ description: 'Every channel\'s delivery has finished.' }) }),
    Type.Null(),
  ]),
  links: Type.Union([Links, Type.Null()]),
});

export const AlertsResponse = Type.Object({ alerts: Type.Array(AlertDoc), count: Type.Integer() });

export const HistoryQuery = Type.Object(
  {
    model: Type.Optional(Model),
    rule: Type.Optional(Name('Only this alert rule.')),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 600, description: 'Only this series (e.g. `version=v1`).' })),
    state: Type.Optional(StateName),
    from: Type.Optional(Time('Transitions at or after this event time')),
    to: Type.Optional(Time('Transitions before this event time')),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: 'Most transitions returned (default 1000), latest first.' })),
  },
  { additionalProperties: false },
);

export const TransitionDoc = Type.Object({
  model: Type.String(),
  rule: Type.String(),
  key: Type.String(),
  labels: Labels,
  from: StateName,
  to: StateName,
  at: Iso('Event time of the transition: the end of the window that caused it.'),
  value: Type.Union([Type.Number(), Type.Null()]),
  cause: Type.String({ description: '`condition` (the window\'s value), or `gap` (no result for a window broke a pending run).' }),
  activeAt: NullableIso('Start of the run of the condition.'),
  window: Type.Object({ start: Iso('Inclusive.'), end: Iso('Exclusive.') }),
  recordedAt: Iso('Wall-clock time it was recorded.'),
  links: Links,
});

export const HistoryResponse = Type.Object({ transitions: Type.Array(TransitionDoc) });

export const DeliveriesQuery = Type.Object(
  {
    model: Type.Optional(Model),
    rule: Type.Optional(Name('Only this alert rule.')),
    channel: Type.Optional(Name('Only this notification channel.')),
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Only the attempts of this notification.' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: 'Most attempts returned (default 1000), latest first.' })),
  },
  { additionalProperties: false },
);

export const DeliveryDoc = Type.Object({
  id: Type.Union([Type.String(), Type.Null()], { description: 'The notification (all its attempts share it).' }),
  model: Type.String(),
  rule: Type.String(),
  key: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String(),
  event: Type.Union([Type.String(), Type.Null()], { description: '`firing` or `resolved`.' }),
  at: Iso('When the attempt started.'),
  attempt: Type.Integer({ description: '1 for the first attempt.' }),
  ok: Type.Boolean(),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'The HTTP status answered, null when none (network error, timeout).' }),
  error: Type.Union([Type.String(), Type.Null()]),
});

export const DeliveriesResponse = Type.Object({ deliveries: Type.Array(DeliveryDoc) });

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (typeof ms === 'number' && Number.isFinite(ms) ? iso(ms) : null);

function badQuery(name: string, message: string): HttpError {
  return new HttpError(400, 'bad_request', `invalid request: querystring.${name}: ${message}`, [{ path: `querystring.${name}`, message }]);
}

function parseStates(value: string | undefined): AlertStateName[] {
  if (value === undefined) return [...DEFAULT_STATES];
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = list.find((s) => !(STATES as readonly string[]).includes(s));
  if (bad !== undefined || list.length === 0) throw badQuery('state', `expected states among ${STATES.join(', ')}, comma-separated (got ${JSON.stringify(value.slice(0, 64))})`);
  return list as AlertStateName[];
}

function alertDoc(a: AlertView) {
  const r = a.definition;
  return {
    model: a.model,
    rule: a.rule,
    key: a.key,
    state: a.state,
    severity: a.severity,
    labels: a.labels,
    value: a.value,
    values: a.values,
    condition: {
      monitor: r.monitor,
      ...(r.metric !== undefined ? { metric: r.metric } : {}),
      ...(r.expr !== undefined ? { expr: r.expr } : {}),
      ...(r.feature !== undefined ? { feature: r.feature } : {}),
      op: r.op,
      threshold: r.threshold,
      for: r.forMs / 1000,
      notify: r.notify,
    },
    activeAt: isoOrNull(a.activeAt),
    firingAt: isoOrNull(a.firingAt),
    resolvedAt: isoOrNull(a.resolvedAt),
    since: isoOrNull(a.since),
    window: a.window ? { start: iso(a.window.start), end: iso(a.window.end), label: a.window.label } : null,
    evaluatedAt: iso(a.evaluatedAt),
    changedAt: iso(a.changedAt),
    notification: a.notification,
    links: a.window ? windowLinks(a.model, a.labels.monitor, a.labels.version, a.window) : null,
  };
}

export function registerAlertRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: Type.Static<typeof AlertsQuery> }>(
    '/v1/alerts',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Current alert states',
        description:
          'One entry per alert series (rule × version, × feature for per-feature rules): firing, pending and recently resolved by default. States follow event time: see the README, "Alerts and notifications".',
        tags: ['alerts'],
        querystring: AlertsQuery,
        response: { 200: AlertsResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const states = parseStates(q.state);
      const within = parseDuration(q.resolvedWithin ?? DEFAULT_RESOLVED_WITHIN);
      if (within === null) throw badQuery('resolvedWithin', `expected a duration like "1h" (got ${JSON.stringify(q.resolvedWithin)})`);
      const list = ctx.alerts ? await ctx.alerts.list({ model: q.model, rule: q.rule, severity: q.severity, states, resolvedSince: Date.now() - within }) : [];
      return { alerts: list.map(alertDoc), count: list.length };
    },
  );

  app.get<{ Querystring: Type.Static<typeof HistoryQuery> }>(
    '/v1/alerts/history',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Alert state transitions',
        description: 'Transitions of alert series by event time (the end of the window that caused each), latest first, with links to that window\'s results and report.',
        tags: ['alerts'],
        querystring: HistoryQuery,
        response: { 200: HistoryResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const from = parseTimeParam('from', q.from);
      const to = parseTimeParam('to', q.to);
      checkRange(from, to);
      const rows = await ctx.store.getAlertTransitions({ model: q.model, rule: q.rule, key: q.key, to: q.state, fromAt: from, toAt: to, limit: q.limit ?? 1000 });
      return {
        transitions: rows.map((t) => {
          const d = (t.detail ?? {}) as { activeAt?: number | null; cause?: string };
          return {
            model: t.model,
            rule: t.rule,
            key: t.key,
            labels: t.labels,
            from: t.from,
            to: t.to,
            at: iso(t.at),
            value: t.value,
            cause: d.cause ?? 'condition',
            activeAt: isoOrNull(d.activeAt),
            window: { start: iso(t.windowStart), end: iso(t.windowEnd) },
            recordedAt: iso(t.recordedAt),
            links: windowLinks(t.model, t.labels.monitor, t.labels.version, { start: t.windowStart, end: t.windowEnd }),
          };
        }),
      };
    },
  );

  app.get<{ Querystring: Type.Static<typeof DeliveriesQuery> }>(
    '/v1/alerts/deliveries',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Notification delivery log',
        description: 'Every delivery attempt of alert notifications (retries included), latest first.',
        tags: ['alerts'],
        querystring: DeliveriesQuery,
        response: { 200: DeliveriesResponse, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await ctx.store.getDeliveries({ model: q.model, rule: q.rule, channel: q.channel, id: q.id, limit: q.limit ?? 1000 });
      return {
        deliveries: rows.map((d) => ({
          id: d.id ?? null,
          model: d.model,
          rule: d.rule,
          key: d.key ?? null,
          channel: d.channel,
          event: d.event ?? null,
          at: iso(d.at),
          attempt: d.attempt,
          ok: d.ok,
          status: d.status,
          error: d.error,
        })),
      };
    },
  );
}
