/**
 * @modelwatch/core — the statistics engine of modelwatch: profiles, drift,
 * data quality, model quality and test suites. Pure TypeScript, no I/O.
 *
 * Every definition follows `spec/statistics.md` (SciPy 1.10 / scikit-learn 1.2
 * semantics) and is checked against golden vectors from those libraries.
 */
export * from './types.js';
export * from './special/index.js';
export * from './two-sample/index.js';
export * from './frequency/index.js';
export * from './descriptive/index.js';
export * from './metrics/index.js';
export * from './data/schema.js';
export * from './data/table.js';
export * from './data/infer.js';
export * from './version.js';
export * from './drift/methods.js';
export * from './report/types.js';
export * from './report/profile.js';
export * from './report/compare.js';
export { Comparison, type ComparisonInit } from './report/comparison.js';
export type { ColumnDriftOptions } from './report/column-drift.js';
export { defaultNumericMethod, defaultCategoricalMethod } from './report/column-drift.js';
export type { DataQualityOptions } from './report/quality.js';
export { DATA_QUALITY_DEFAULTS } from './report/quality.js';
export type { ModelQualityOptions } from './report/model-quality.js';
export * from './suite/suite.js';
export * from './suite/default-suite.js';
export { COLUMN_QUANTITIES, DATASET_QUANTITIES } from './suite/quantities.js';
