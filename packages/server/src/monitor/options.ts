/**
 * A monitor's settings as the core's {@link CompareOptions}: drift methods per
 * column, thresholds, the drift share, data-quality thresholds.
 */
import { driftMethods } from '@modelwatch/core';
import type { ColumnDriftOptions, ColumnSchema, CompareOptions, DataQualityOptions } from '@modelwatch/core';
import type { MethodOverride, MonitorConfig } from '../config/types.js';

/** `thresholds` keys that tune the core's data-quality findings. */
const DATA_QUALITY_THRESHOLDS: Record<string, keyof DataQualityOptions> = {
  missing_share_increase: 'missingShareIncrease',
  out_of_range_share: 'outOfRangeShare',
  correlation_change: 'correlationChange',
};

const isNumericKind = (c: ColumnSchema) => c.kind === 'numeric' || c.kind === 'datetime';
/** `auto` (or nothing) leaves the choice to the core's default rule. */
const chosen = (method: string | undefined) => (method === undefined || method === 'auto' ? undefined : method);

function columnOverride(o: MethodOverride): ColumnDriftOptions {
  const out: ColumnDriftOptions = {};
  const method = chosen(o.method);
  if (method !== undefined) out.method = method;
  if (o.threshold !== undefined) out.threshold = o.threshold;
  if (o.bins !== undefined) out.bins = o.bins;
  return out;
}

/**
 * The compare options of a monitor over `columns` (the columns it reads):
 *
 * - `methods.default.method` is the method of every numeric column, and of
 *   every categorical column too when it compares frequencies (a method on raw
 *   samples such as `ks` cannot take categories, which keep the default rule);
 *   its `threshold` goes with it (to every column when no default method is
 *   named), its `bins` to numeric columns;
 * - `methods.columns.<name>` overrides per column;
 * - `thresholds.drift_share` is the share of drifting features at which the
 *   dataset drifts (default 0.5); `missing_share_increase`,
 *   `out_of_range_share`, `correlation_change` tune data-quality findings.
 *
 * Settings of columns the monitor does not read are ignored. Unknown method
 * names are left for the core to reject with a message naming the column.
 */
export function compareOptionsFor(monitor: MonitorConfig, columns: readonly ColumnSchema[]): CompareOptions {
  const options: CompareOptions = {};
  const perColumn: Record<string, ColumnDriftOptions> = {};
  const def = monitor.methods.default;
  const defMethod = chosen(def?.method);
  const known = defMethod !== undefined ? driftMethods[defMethod] : undefined;
  if (defMethod !== undefined) {
    options.numericMethod = defMethod;
    // An unknown name goes to both so that the core names it.
    if (!known || known.input === 'counts') options.categoricalMethod = defMethod;
  }
  const samplesOnly = known !== undefined && known.input === 'samples';
  for (const c of columns) {
    const own = monitor.methods.columns[c.name];
    const opts: ColumnDriftOptions = own ? columnOverride(own) : {};
    // The default threshold goes with the default method: not to columns with their own method, nor to
    // categorical columns when the default method takes raw samples (they keep the default rule).
    const defaultApplies = chosen(own?.method) === undefined && (!samplesOnly || isNumericKind(c));
    if (def?.threshold !== undefined && opts.threshold === undefined && defaultApplies) opts.threshold = def.threshold;
    if (def?.bins !== undefined && opts.bins === undefined && isNumericKind(c)) opts.bins = def.bins;
    if (Object.keys(opts).length > 0) perColumn[c.name] = opts;
  }
  if (Object.keys(perColumn).length > 0) options.columns = perColumn;
  const t = monitor.thresholds;
  if (t.drift_share !== undefined) options.driftShare = t.drift_share;
  const dq: DataQualityOptions = {};
  for (const [key, option] of Object.entries(DATA_QUALITY_THRESHOLDS)) if (t[key] !== undefined) dq[option] = t[key];
  if (Object.keys(dq).length > 0) options.dataQuality = dq;
  return options;
}
