/**
 * Which default monitors a model gets when it has no monitors of its own (see
 * the table in `definitions.ts`): each is named after its type. Kept apart from
 * `definitions.ts` so that the configuration loader can check alert rules that
 * name them without importing the monitor definitions.
 */
import type { MonitorType } from '../config/types.js';

/** Column roles that decide the defaults. */
export type DefaultDecidingRole = 'feature' | 'prediction' | 'score' | 'target';

/**
 * The types (= names) of the default monitors of a model whose schema has the
 * roles `has` says: data quality always, feature drift with features, prediction
 * drift with a prediction or score, model quality with those and a target.
 */
export function defaultMonitorTypes(has: (role: DefaultDecidingRole) => boolean): MonitorType[] {
  const out: MonitorType[] = ['data_quality'];
  if (has('feature')) out.push('feature_drift');
  const output = has('prediction') || has('score');
  if (output) out.push('prediction_drift');
  if (output && has('target')) out.push('model_quality');
  return out;
}
