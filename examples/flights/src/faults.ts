/**
 * Faults the replay injects, each from a date of event time (the flights'
 * departure times), written on the command line as:
 *
 * | flag | fault | what a real system would see |
 * |---|---|---|
 * | `--unit-change 2001-05-01` (`[:feature[:factor]]`, default `distance:1.609344`) | from the date, `distance` arrives in kilometres | an upstream service changed units |
 * | `--null-feature 2001-02-20` (`[:feature[:days]]`, default `dep_hour:1`) | that day, the feature is `null` | a broken source (a join that lost a column) |
 * | `--new-airport 2001-03-15` (`[:OLD=NEW]`, default `ORD=KORD`) | from the date, origin and destination code OLD arrive as NEW | an upstream switch to ICAO codes for one airport: a new category |
 * | `--canary 2001-04-02` (`[:percent]`, default `5`) | from the date, the model server routes that share of flights to v2 | a new model version rolled out as a canary |
 *
 * Every flag can be given more than once. The first three change the request
 * the replay sends; the canary changes the model server's router weights.
 */
import { FEATURE_NAMES, isoDay, parseTime } from './flights.js';
import type { FeatureName, FlightFeatures } from './flights.js';

const DAY = 86_400_000;

export type Fault =
  | { type: 'unit_change'; from: number; feature: 'distance' | 'dep_hour' | 'day_of_week'; factor: number }
  | { type: 'null_feature'; from: number; to: number; feature: FeatureName }
  | { type: 'new_category'; from: number; old: string; replacement: string }
  | { type: 'canary'; from: number; weight: number };

const NUMERIC = ['distance', 'dep_hour', 'day_of_week'] as const;

function splitSpec(spec: string): [string, string[]] {
  // The date may contain ':' (a time); the options follow the last part that parses as a date.
  const parts = spec.split(':');
  for (let i = parts.length; i >= 1; i--) {
    const head = parts.slice(0, i).join(':');
    if (/^\d{4}-\d{2}-\d{2}/.test(head) && Number.isFinite(Date.parse(/T/.test(head) ? `${head}Z` : `${head}T00:00:00Z`))) return [head, parts.slice(i)];
  }
  return [parts[0], parts.slice(1)];
}

export function parseUnitChange(spec: string): Fault {
  const [date, opts] = splitSpec(spec);
  const feature = (opts[0] || 'distance') as (typeof NUMERIC)[number];
  if (!(NUMERIC as readonly string[]).includes(feature)) throw new Error(`--unit-change ${spec}: the feature must be one of ${NUMERIC.join(', ')} (got ${JSON.stringify(feature)})`);
  const factor = opts[1] === undefined ? 1.609344 : Number(opts[1]);
  if (!Number.isFinite(factor) || factor <= 0) throw new Error(`--unit-change ${spec}: the factor must be a positive number (got ${JSON.stringify(opts[1])})`);
  return { type: 'unit_change', from: parseTime(date, `--unit-change ${spec}`), feature, factor };
}

export function parseNullFeature(spec: string): Fault {
  const [date, opts] = splitSpec(spec);
  const feature = (opts[0] || 'dep_hour') as FeatureName;
  if (!(FEATURE_NAMES as readonly string[]).includes(feature)) throw new Error(`--null-feature ${spec}: the feature must be one of ${FEATURE_NAMES.join(', ')} (got ${JSON.stringify(feature)})`);
  const days = opts[1] === undefined ? 1 : Number(opts[1]);
  if (!(days > 0)) throw new Error(`--null-feature ${spec}: the number of days must be positive (got ${JSON.stringify(opts[1])})`);
  const from = parseTime(date, `--null-feature ${spec}`);
  return { type: 'null_feature', from, to: from + days * DAY, feature };
}

export function parseNewAirport(spec: string): Fault {
  const [date, opts] = splitSpec(spec);
  const m = /^([A-Z0-9]{2,8})=([A-Z0-9]{2,8})$/.exec(opts[0] || 'ORD=KORD');
  if (!m) throw new Error(`--new-airport ${spec}: expected DATE[:OLD=NEW] with airport codes, e.g. 2001-03-15:ORD=KORD`);
  return { type: 'new_category', from: parseTime(date, `--new-airport ${spec}`), old: m[1], replacement: m[2] };
}

export function parseCanary(spec: string): Fault {
  const [date, opts] = splitSpec(spec);
  const weight = opts[0] === undefined ? 5 : Number(opts[0]);
  if (!(weight >= 0 && weight <= 100)) throw new Error(`--canary ${spec}: the share must be a percentage 0..100 (got ${JSON.stringify(opts[0])})`);
  return { type: 'canary', from: parseTime(date, `--canary ${spec}`), weight };
}

/** The demo's default faults over February–June 2001. */
export const DEFAULT_FAULTS: readonly Fault[] = [
  parseNullFeature('2001-02-20:dep_hour'),
  parseNewAirport('2001-03-15:ORD=KORD'),
  parseCanary('2001-04-02:5'),
  parseUnitChange('2001-05-01:distance'),
];

/** One line per fault, for logs and the README. */
export function describeFault(f: Fault): string {
  switch (f.type) {
    case 'unit_change':
      return `${isoDay(f.from)} →  ${f.feature} multiplied by ${f.factor} (an upstream unit change)`;
    case 'null_feature':
      return `${isoDay(f.from)} .. ${isoDay(f.to - 1)}  ${f.feature} is null (a broken source)`;
    case 'new_category':
      return `${isoDay(f.from)} →  airport ${f.old} arrives as ${f.replacement} (a new category)`;
    case 'canary':
      return `${isoDay(f.from)} →  ${f.weight}% of flights go to model v2 (a canary)`;
  }
}

/** The request features of a flight at event time `ts` with the input faults applied (a new object; the input is not changed). */
export function applyInputFaults(x: FlightFeatures, ts: number, faults: readonly Fault[]): FlightFeatures {
  const out: FlightFeatures = { dep_hour: x.dep_hour, day_of_week: x.day_of_week, distance: x.distance, origin: x.origin, destination: x.destination };
  for (const f of faults) {
    if (ts < f.from) continue;
    switch (f.type) {
      case 'unit_change': {
        const v = out[f.feature];
        if (typeof v === 'number') out[f.feature] = v * f.factor;
        break;
      }
      case 'null_feature':
        if (ts < f.to) out[f.feature] = null;
        break;
      case 'new_category':
        if (out.origin === f.old) out.origin = f.replacement;
        if (out.destination === f.old) out.destination = f.replacement;
        break;
      case 'canary':
        break;
    }
  }
  return out;
}

/** The canary weight (v2's share) in force at event time `ts`: the latest canary fault that started, else 0. */
export function canaryWeightAt(ts: number, faults: readonly Fault[]): number {
  let latest: { from: number; weight: number } | null = null;
  for (const f of faults) if (f.type === 'canary' && f.from <= ts && (latest === null || f.from >= latest.from)) latest = f;
  return latest?.weight ?? 0;
}
