/**
 * Label values: validation of names given in code (a clear error at start-up)
 * and bounding of values seen at run time (never an error on the request path).
 *
 * Prometheus keeps one series per label set, so every label whose values come
 * from traffic (versions, classes, features, categories) is bounded: the first
 * `limit` distinct values get their own series, later ones fold into
 * {@link OTHER}. Over-long values fold too.
 */

/** The label value every value beyond a bound folds into. */
export const OTHER = '__other__';

/** Longest label value kept as is (characters); longer values fold into {@link OTHER}. */
export const MAX_LABEL_LENGTH = 128;

/** Model names, as the service accepts them. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Throws a descriptive error unless `name` is a valid model name. */
export function validateModelName(name: unknown, field = 'model'): string {
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) {
    throw new TypeError(`${field}: expected a model name matching ${MODEL_NAME} (got ${JSON.stringify(name)})`);
  }
  return name;
}

/** Throws unless `value` is a non-empty string of at most {@link MAX_LABEL_LENGTH} characters without control characters. */
export function validateLabelValue(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LABEL_LENGTH) {
    throw new TypeError(`${field}: expected a non-empty string of at most ${MAX_LABEL_LENGTH} characters (got ${JSON.stringify(value)})`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new TypeError(`${field}: control characters are not allowed (got ${JSON.stringify(value)})`);
  return value;
}

/** Throws unless `n` is an integer in [min, max]. */
export function validateInteger(n: unknown, field: string, min: number, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new TypeError(`${field}: expected an integer between ${min} and ${max} (got ${JSON.stringify(n)})`);
  }
  return n;
}

/** Throws unless `n` is a finite number in [min, max]. */
export function validateNumber(n: unknown, field: string, min: number, max: number): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) {
    throw new TypeError(`${field}: expected a number between ${min} and ${max} (got ${JSON.stringify(n)})`);
  }
  return n;
}

/** Throws unless `buckets` is a non-empty strictly increasing list of finite numbers. */
export function validateBuckets(buckets: unknown, field: string): number[] {
  if (!Array.isArray(buckets) || buckets.length === 0 || buckets.length > 256) {
    throw new TypeError(`${field}: expected 1 to 256 bucket upper bounds (got ${JSON.stringify(buckets)})`);
  }
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new TypeError(`${field}[${i}]: expected a finite number (got ${JSON.stringify(b)})`);
    if (i > 0 && b <= buckets[i - 1]) throw new TypeError(`${field}[${i}]: bucket bounds must increase strictly (${buckets[i - 1]} then ${b})`);
  }
  return buckets as number[];
}

/**
 * A label value seen at run time as kept: strings as they are, numbers and
 * booleans as text, {@link OTHER} for anything else, for the empty string and
 * for values longer than {@link MAX_LABEL_LENGTH}.
 */
export function labelText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value.length > 0 && value.length <= MAX_LABEL_LENGTH ? value : OTHER;
    case 'number':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return OTHER;
  }
}

/**
 * A bounded map from run-time values to per-value state: the first `limit`
 * distinct keys are admitted, every later key shares the {@link OTHER} entry.
 * `declared` keys are admitted first and count towards the limit.
 */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  private otherEntry: V | undefined;

  constructor(
    private readonly limit: number,
    private readonly create: (key: string) => V,
    declared: readonly string[] = [],
  ) {
    for (const key of declared) this.get(key);
  }

  /** The entry of `key`: its own if admitted (or admissible), else the shared {@link OTHER} entry. */
  get(key: string): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    if (this.map.size < this.limit && key !== OTHER && key.length > 0 && key.length <= MAX_LABEL_LENGTH) {
      const entry = this.create(key);
      this.map.set(key, entry);
      return entry;
    }
    return (this.otherEntry ??= this.create(OTHER));
  }

  /** The admitted keys, in admission order (without {@link OTHER}). */
  keys(): string[] {
    return [...this.map.keys()];
  }

  get size(): number {
    return this.map.size;
  }
}
