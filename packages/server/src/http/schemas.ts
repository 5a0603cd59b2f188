/**
 * TypeBox schemas of the HTTP API: request validation where Fastify validates,
 * and the OpenAPI document (`/docs/json`) everywhere.
 */
import Type from 'typebox';
import { MODEL_NAME_PATTERN } from '../config/types.js';
import { REJECT_REASONS } from '../ingest/events.js';
import { errorBodySchema } from './errors.js';

export const ModelParams = Type.Object({
  model: Type.String({ pattern: MODEL_NAME_PATTERN, description: 'Model name: letters, digits, `_`, `.`, `-`; at most 128 characters.' }),
});

const Kind = Type.Union(['numeric', 'categorical', 'boolean', 'datetime', 'text'].map((k) => Type.Literal(k)));
const Role = Type.Union(['feature', 'prediction', 'score', 'target', 'id', 'timestamp', 'segment'].map((k) => Type.Literal(k)));
const Task = Type.Union([Type.Literal('binary'), Type.Literal('multiclass'), Type.Literal('regression')]);
const Label = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

/** For documentation; the server checks schemas with the core's `validateSchema`. */
export const SchemaDoc = Type.Object(
  {
    columns: Type.Array(
      Type.Object({
        name: Type.String(),
        kind: Kind,
        role: Role,
        scoreOf: Type.Optional(Label),
        description: Type.Optional(Type.String()),
      }),
    ),
    task: Type.Optional(Task),
    positiveLabel: Type.Optional(Label),
  },
  { description: 'Columns with a kind and a role. Features come from `features`, the prediction from `prediction`, scores from `scores`, segments from `tags`.' },
);

export const PutModelBody = Type.Object(
  {
    task: Type.Optional(Task),
    schema: Type.Unsafe<unknown>({ ...SchemaDoc }),
    versions: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

/** What the handler checks with TypeBox; the schema itself is checked by the core's `validateSchema` for path-named messages. */
export const PutModelBodyCheck = Type.Object(
  {
    task: Type.Optional(Task),
    schema: Type.Unknown(),
    versions: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export const ModelResponse = Type.Object({
  name: Type.String(),
  task: Type.Union([Task, Type.Null()]),
  schema: Type.Unsafe<unknown>({ ...SchemaDoc }),
  versions: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  generation: Type.Integer({ description: 'Increases when the stored columns change.' }),
});

export const ModelList = Type.Object({ models: Type.Array(ModelResponse) });

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const EventDoc = Type.Object({
  id: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Integer()], { description: 'Unique per model; (id, ts) identifies the event (re-sent duplicates are skipped).' }),
  ts: Type.Union([Type.String({ description: 'ISO 8601; no offset means UTC' }), Type.Number({ description: 'epoch milliseconds' })]),
  version: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'Required unless the model declares exactly one version.' })),
  features: Type.Record(Type.String(), Type.Unknown()),
  prediction: Type.Optional(Scalar),
  scores: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Number()), Type.Array(Type.Number()), Type.Number()])),
  latency_ms: Type.Optional(Type.Number({ minimum: 0 })),
  error: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Type.Record(Type.String(), Scalar)),
});

export const EventsBodyDoc = Type.Array(EventDoc, {
  description:
    'A JSON array (Content-Type: application/json), one event per line (Content-Type: application/x-ndjson), or the columnar batch (Content-Type: application/vnd.modelwatch.batch, docs/event-batch-format.md: numbers as float64, repeated strings as dictionary codes; record i is handled exactly as NDJSON line i).',
});

export const FeedbackDoc = Type.Object({
  id: Type.Union([Type.String(), Type.Integer()], { description: 'The id of the event this is the ground truth for.' }),
  target: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
  ts: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'When the truth became known; default: when received.' })),
});

export const FeedbackBodyDoc = Type.Array(FeedbackDoc, { description: 'A JSON array or NDJSON; a later feedback for an id replaces the earlier.' });

const Rejected = Type.Object({
  index: Type.Integer(),
  field: Type.String(),
  reason: Type.Union(REJECT_REASONS.map((r) => Type.Literal(r))),
  message: Type.String(),
});

export const EventsResponse = Type.Object({
  accepted: Type.Integer({ description: 'Records that passed validation (stored, or already stored: see duplicates).' }),
  inserted: Type.Integer({ description: 'Events newly stored by this request.' }),
  duplicates: Type.Integer({ description: 'Records skipped because the same (id, ts) was already stored.' }),
  rejectedCount: Type.Integer(),
  rejected: Type.Array(Rejected, { description: 'The first 1000 rejected records.' }),
  dataQuality: Type.Object({
    typeViolations: Type.Integer(),
    eventsWithUnknownColumns: Type.Integer(),
    eventsWithMissingColumns: Type.Integer(),
    typeViolationColumns: Type.Array(Type.String()),
    unknownColumns: Type.Array(Type.String()),
    missingColumns: Type.Array(Type.String()),
  }),
});

export const FeedbackResponse = Type.Object({
  accepted: Type.Integer(),
  rejectedCount: Type.Integer(),
  rejected: Type.Array(Rejected),
});

export const ErrorResponse = Type.Unsafe<{ error: string; message: string; details?: unknown }>(errorBodySchema);

export const HealthResponse = Type.Object({ status: Type.String() });
