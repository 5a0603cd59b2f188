/**
 * `@modelwatch/node`: instrumentation for Node model servers — golden-signal and
 * model metrics with prom-client on the application's own `/metrics`, and a
 * non-blocking batched exporter of prediction events and ground truth to
 * `modelwatch serve`. Three ways in: {@link wrap}, the Fastify plugin
 * {@link modelwatchFastify}, the Express middleware {@link modelwatchExpress};
 * A/B and canary routing with {@link router}.
 */
export { wrap } from './wrap.js';
export { ModelMonitor, VersionRecorder, defaultPrediction, defaultScores } from './monitor.js';
export type { MonitorOptions, PredictionRecord, WrapOptions, FeatureKind, FeatureSpec, Task } from './monitor.js';
export { router, routeOn } from './router.js';
export type { RouteOptions, RouteVersion, RoutedPredict } from './router.js';
export { modelwatchFastify, fastifyMetricsHandler } from './fastify.js';
export type { FastifyModelwatchOptions, FastifyRouteModelwatch } from './fastify.js';
export { modelwatchExpress, expressMetricsHandler } from './express.js';
export type { ExpressRouteModelwatch, ModelwatchMiddleware } from './express.js';
export { Exporter, parseRetryAfter } from './exporter/exporter.js';
export type { ExporterOptions, RetryOptions, Compression, EventFormat, ChannelStats, RecordKind } from './exporter/exporter.js';
export type { FeedbackRecord, EventRecord } from './exporter/records.js';
export type { Logger } from './exporter/logger.js';
export type { EventTime } from './clock.js';
export { dependencyHash, LOCKFILES } from './metrics/deps-hash.js';
export type { DependencyHashOptions } from './metrics/deps-hash.js';
export { DEFAULT_LATENCY_BUCKETS, DEFAULT_SCORE_BUCKETS, DEFAULT_VALUE_BUCKETS, modelFamilies, exporterFamilies, ensureProcessMetrics } from './metrics/families.js';
export { FastCounter, FastHistogram, CounterCell, HistogramCell } from './metrics/buffered.js';
export { OTHER, MAX_LABEL_LENGTH, BoundedMap } from './labels.js';
export { hash32, unitHash } from './hash.js';
export { ID_PREFIX } from './ids.js';
