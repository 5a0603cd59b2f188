/**
 * Canonical JSON: object keys sorted and `undefined` members left out, so that
 * equal settings give equal text whatever order they were written in (a YAML
 * file reordered, an API body with other key order).
 */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** `JSON.stringify` of {@link canonical}. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonical(v));
}
