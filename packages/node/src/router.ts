/**
 * A/B tests and canaries: route calls between model versions by weight, each
 * version instrumented with its own `version` label (metrics and events), so
 * versions can be compared side by side.
 *
 * Without `stickyBy` each call draws a version at random with probability
 * weight / total. With `stickyBy`, the key of a call (a user id, a session)
 * decides: `hash32(key) / 2^32` falls into one version's share of [0, 1), so
 * the same key always gets the same version (in every process and replica) as
 * long as the weights do not change; when a canary grows from 5% to 10%, keys
 * move only from the other versions to it.
 */
import { unitHash } from './hash.js';
import { validateLabelValue } from './labels.js';
import { ModelMonitor } from './monitor.js';
import type { MonitorOptions, WrapOptions } from './monitor.js';
import type { DependencyHashOptions } from './metrics/deps-hash.js';
import { dependencyHash } from './metrics/deps-hash.js';

export interface RouteVersion<A extends unknown[], R> {
  predict: (...args: A) => R;
  /** Relative share of traffic (≥ 0; the weights need not sum to 100). */
  weight: number;
  /** This version's `deps_hash` (a string or what to hash; default: the monitor's). */
  depsHash?: string | DependencyHashOptions;
  /** When this version was loaded (default: now). */
  loadedAt?: Date | number;
}

export interface RouteOptions<A extends unknown[], R> extends WrapOptions<A, R> {
  /** The versions and their weights, e.g. `{ v1: { predict: v1, weight: 95 }, v2: { predict: v2, weight: 5 } }`. */
  versions: Readonly<Record<string, RouteVersion<A, R>>>;
  /** The key a call sticks by (same key → same version); `undefined`/`null` → a random draw. */
  stickyBy?: (args: A) => string | number | undefined | null;
}

/** A routed, instrumented predict function. */
export interface RoutedPredict<A extends unknown[], R> {
  (...args: A): R;
  /** The version a call with these arguments goes to (random unless sticky). */
  pick(args: A): string;
  /** Changes the weights (e.g. ramping a canary); versions not named keep theirs. */
  setWeights(weights: Readonly<Record<string, number>>): void;
  /** The current weights. */
  weights(): Record<string, number>;
  readonly versions: readonly string[];
  readonly monitor: ModelMonitor;
}

function validateWeight(w: unknown, name: string): number {
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new TypeError(`versions.${name}.weight: expected a finite number ≥ 0 (got ${JSON.stringify(w)})`);
  return w;
}

/** Builds a routed predict function on an existing monitor (see {@link router}). */
export function routeOn<A extends unknown[], R>(monitor: ModelMonitor, opts: RouteOptions<A, R>): RoutedPredict<A, R> {
  if (!opts || typeof opts.versions !== 'object' || opts.versions === null) throw new TypeError('versions: expected an object of version → { predict, weight }');
  const names = Object.keys(opts.versions);
  if (names.length === 0) throw new TypeError('versions: at least one version is needed');
  const weights = new Float64Array(names.length);
  const fns: ((...args: A) => R)[] = [];
  names.forEach((name, i) => {
    validateLabelValue(name, `versions.${name}`);
    const v = opts.versions[name];
    if (!v || typeof v.predict !== 'function') throw new TypeError(`versions.${name}.predict: expected a function`);
    weights[i] = validateWeight(v.weight, name);
    const rec = monitor.version(name);
    if (v.depsHash !== undefined || v.loadedAt !== undefined) {
      const hash = v.depsHash === undefined ? undefined : typeof v.depsHash === 'string' ? v.depsHash : dependencyHash(v.depsHash);
      monitor.markLoaded(name, v.loadedAt ?? Date.now(), hash);
    }
    fns.push(rec.wrap(v.predict, opts));
  });
  // Cumulative shares: version i takes [cum[i-1], cum[i]).
  const cum = new Float64Array(names.length);
  // The one version with weight, if only one has (before and after a rollout): every call goes there, unhashed.
  let sole = -1;
  const rebuild = () => {
    let total = 0;
    let weighted = 0;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      total += weights[i];
      if (weights[i] > 0) {
        weighted++;
        last = i;
      }
    }
    sole = weighted === 1 ? last : -1;
    if (!(total > 0)) throw new TypeError('versions: the weights must not all be 0');
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i];
      cum[i] = acc / total;
    }
    cum[cum.length - 1] = 1;
  };
  rebuild();
  const sticky = opts.stickyBy;
  const index = (args: A): number => {
    if (sole >= 0) return sole;
    const key = sticky === undefined ? undefined : sticky(args);
    const u = key === undefined || key === null ? Math.random() : unitHash(typeof key === 'string' ? key : String(key));
    let i = 0;
    while (i < cum.length - 1 && u >= cum[i]) i++;
    // Rounding can leave u on a zero-weight version at an edge: take the nearest one with weight.
    if (weights[i] === 0) {
      let j = i;
      while (j > 0 && weights[j] === 0) j--;
      if (weights[j] === 0) while (j < weights.length - 1 && weights[j] === 0) j++;
      i = j;
    }
    return i;
  };
  const routed = function (this: unknown, ...args: A): R {
    let i = 0;
    try {
      i = index(args);
    } catch (err) {
      monitor.problem('stickyBy', err);
    }
    return fns[i].apply(this, args);
  } as RoutedPredict<A, R>;
  Object.defineProperties(routed, {
    versions: { value: Object.freeze([...names]), enumerable: true },
    monitor: { value: monitor, enumerable: true },
  });
  routed.pick = (args: A) => names[index(args)];
  routed.setWeights = (w) => {
    const next = Float64Array.from(weights);
    for (const [name, value] of Object.entries(w)) {
      const i = names.indexOf(name);
      if (i < 0) throw new TypeError(`setWeights: unknown version "${name}" (versions: ${names.join(', ')})`);
      next[i] = validateWeight(value, name);
    }
    if (!(next.reduce((a, b) => a + b, 0) > 0)) throw new TypeError('setWeights: the weights must not all be 0');
    weights.set(next);
    rebuild();
  };
  routed.weights = () => Object.fromEntries(names.map((n, i) => [n, weights[i]]));
  return routed;
}

/**
 * Routes calls between model versions by weight, optionally sticky by a key,
 * with every version instrumented (`version` label on every metric and event).
 *
 * ```ts
 * const predict = router({
 *   model: 'fraud', exporter,
 *   versions: { v1: { predict: v1, weight: 95 }, v2: { predict: v2, weight: 5 } },
 *   stickyBy: ([input]) => input.userId,
 * });
 * ```
 */
export function router<A extends unknown[], R>(opts: RouteOptions<A, R> & Omit<MonitorOptions, 'version'>): RoutedPredict<A, R> {
  const names = opts && opts.versions ? Object.keys(opts.versions) : [];
  const monitor = new ModelMonitor({ ...opts, version: names[0] });
  return routeOn(monitor, opts);
}
