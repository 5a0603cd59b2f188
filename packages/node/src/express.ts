/**
 * The Express middleware (Express 4 and 5).
 *
 * Put it on a prediction route after the body parser:
 * `app.post('/predict', express.json(), modelwatchExpress(monitor), handler)`.
 * It notes the time, and when the handler answers with `res.json(body)` it
 * records the prediction found in the body (latency: middleware to `res.json`).
 * An answer with a 5xx status (from `res.json` or Express's error handler)
 * records `outcome="error"`; 4xx answers (bad input) are not predictions and are
 * not recorded.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Registry } from 'prom-client';
import { now } from './clock.js';
import type { EventTime } from './clock.js';
import { idOfSeq } from './ids.js';
import { defaultPrediction, defaultScores, ModelMonitor } from './monitor.js';
import type { MonitorOptions, VersionRecorder } from './monitor.js';

/** Where the features, prediction and event id of an Express request are. */
export interface ExpressRouteModelwatch {
  /** The features of a request (default: `req.body`). */
  featuresOf?: (req: Request) => unknown;
  /** The prediction in the JSON body sent (default: the body if primitive, else `body.prediction`). */
  predictionOf?: (body: unknown, req: Request) => unknown;
  /** The scores in the body (default: `body.scores ?? body.probabilities ?? body.score`). */
  scoresOf?: (body: unknown, req: Request) => unknown;
  /** The version that answered (default: the monitor's default version). */
  versionOf?: (req: Request, body: unknown) => string | undefined;
  /** The event id (default: generated). */
  idOf?: (req: Request, body: unknown) => string | number | undefined;
  /** Segment tags sent with the event. */
  tagsOf?: (req: Request) => Record<string, string> | undefined;
  /** The event time sent to the service: epoch ms, an ISO 8601 string or a Date (default: when `res.json` was called). */
  tsOf?: (req: Request, body: unknown) => EventTime | undefined;
  /** Send the event id in this response header (e.g. `x-prediction-id`). */
  eventIdHeader?: string;
}

/** The middleware, with the monitor it records into. */
export type ModelwatchMiddleware = RequestHandler & { readonly monitor: ModelMonitor };

/**
 * Instruments an Express route. `target` is a {@link ModelMonitor} (share one per
 * model across routes) or the options to create one.
 */
export function modelwatchExpress(target: ModelMonitor | MonitorOptions, route: ExpressRouteModelwatch = {}): ModelwatchMiddleware {
  const monitor = target instanceof ModelMonitor ? target : new ModelMonitor(target);
  const { featuresOf: fx, predictionOf: px, scoresOf: sx, versionOf: vx, idOf: ix, tagsOf: tx, tsOf: ex, eventIdHeader } = route;
  if (eventIdHeader !== undefined && (typeof eventIdHeader !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(eventIdHeader))) {
    throw new TypeError(`eventIdHeader: expected an HTTP header name (got ${JSON.stringify(eventIdHeader)})`);
  }
  const fixed: VersionRecorder | null = vx === undefined ? monitor.version() : null;

  const record = (req: Request, res: Response, body: unknown, t0: number, error: boolean): void => {
    const end = now();
    let rec: VersionRecorder = fixed ?? monitor.version();
    let features: unknown, prediction: unknown, scores: unknown, id: string | number | undefined, tags: unknown, ts: unknown;
    try {
      if (vx !== undefined) {
        const v = vx(req, body);
        rec = monitor.version(typeof v === 'string' ? v : undefined);
      }
      features = fx === undefined ? req.body : fx(req);
      if (!error) {
        prediction = px === undefined ? defaultPrediction(body) : px(body, req);
        scores = sx === undefined ? defaultScores(body) : sx(body, req);
      }
      if (ix !== undefined) id = ix(req, body);
      if (tx !== undefined) tags = tx(req);
      if (ex !== undefined) ts = ex(req, body);
    } catch (err) {
      monitor.problem('express route', err);
    }
    const seq = rec.observe(features, prediction, scores, end - t0, error, id, tags, end, ts);
    if (eventIdHeader !== undefined && !error && !res.headersSent) res.setHeader(eventIdHeader, String(id ?? idOfSeq(seq)));
  };

  const middleware = function modelwatchMiddleware(req: Request, res: Response, next: NextFunction): void {
    const t0 = now();
    let recorded = false;
    const json = res.json;
    res.json = function (this: Response, body?: unknown) {
      if (!recorded) {
        recorded = true;
        const status = res.statusCode;
        if (status < 400) record(req, res, body, t0, false);
        else if (status >= 500) record(req, res, body, t0, true);
      }
      return json.call(this, body);
    } as Response['json'];
    res.once('finish', () => {
      if (!recorded && res.statusCode >= 500) {
        recorded = true;
        record(req, res, undefined, t0, true);
      }
    });
    next();
  };
  return Object.assign(middleware, { monitor }) as ModelwatchMiddleware;
}

/** An Express handler serving `registry.metrics()`: `app.get('/metrics', expressMetricsHandler(registry))`. */
export function expressMetricsHandler(registry: Registry): RequestHandler {
  return (_req, res, next) => {
    registry.metrics().then((body) => {
      res.setHeader('content-type', registry.contentType);
      res.end(body);
    }, next);
  };
}
