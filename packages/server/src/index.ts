/**
 * `@modelwatch/server`: the service behind `modelwatch serve` — HTTP API for
 * models, prediction events and ground truth, the {@link Store} interface and its
 * embedded DuckDB implementation, configuration as code, Prometheus metrics.
 */
export { startServer, createServer } from './server.js';
export type { ServerOptions, ModelwatchServer } from './server.js';
export { loadConfigFile, parseConfig, resolveConfig, defaultConfig, ConfigError, DEFAULTS } from './config/load.js';
export type { ConfigContext } from './config/load.js';
export type { Problem } from './config/errors.js';
export * from './config/types.js';
export { parseDuration, formatDuration, parseByteSize } from './config/units.js';
export * from './store/store.js';
export { DuckDBStore } from './store/duckdb/duckdb-store.js';
export type { DuckDBStoreOptions } from './store/duckdb/duckdb-store.js';
export { prepareEvents, compileEventPlan, REJECT_REASONS } from './ingest/events.js';
export type { EventPlan, PreparedEvents, RejectedRecord, RejectReason, IngestQuality } from './ingest/events.js';
export { prepareFeedback } from './ingest/feedback.js';
export { WriteQueue, QueueFullError, QueueClosedError } from './ingest/write-queue.js';
export { ServerMetrics } from './metrics/metrics.js';
export type { ReferenceProvider, StoredReference } from './reference/types.js';
export { ReferenceService } from './reference/service.js';
export type { IngestRequest, IngestResult, ReferenceServiceOptions } from './reference/service.js';
export { ReferenceInputError } from './reference/errors.js';
export type { ReferenceErrorCode } from './reference/errors.js';
export type { ReferenceFormat } from './reference/format.js';
export { AlertEngine } from './alerts/engine.js';
export type { AlertEngineOptions, AlertFilter, AlertView } from './alerts/engine.js';
export { alertRulesOf } from './alerts/rules.js';
export { parseExpr, evalExpr, exprProblem, ExprError } from './alerts/expr.js';
export { prometheusRules, rulePromQL } from './alerts/promql.js';
export type { PrometheusRule, PrometheusRuleGroup, UntranslatedRule } from './alerts/promql.js';
export { Notifier } from './notify/notifier.js';
export type { NotifierOptions, DeliveryOutcome } from './notify/notifier.js';
export type { AlertNotice } from './notify/payload.js';
