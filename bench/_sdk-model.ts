/**
 * A representative small model for the SDK benchmark, standing in for the
 * flights model of examples/flights (not built yet): logistic regression over
 * hour, weekday, distance and learned per-airport offsets for origin and
 * destination — a few multiplications and two table look-ups, ~0.1 µs, so the
 * instrumentation's cost is not hidden behind a slow model.
 */
export interface FlightInput {
  hour: number;
  weekday: number;
  distance: number;
  origin: string;
  dest: string;
}

export const FEATURES = { hour: 'numeric', weekday: 'numeric', distance: 'numeric', origin: 'categorical', dest: 'categorical' } as const;

const AIRPORTS = ['ORD', 'ATL', 'DFW', 'LAX', 'SFO', 'JFK', 'DEN', 'PHX', 'IAH', 'LAS'];
const OFFSET: Record<string, number> = Object.fromEntries(AIRPORTS.map((a, i) => [a, (i - 4.5) / 20]));
const HOUR_W = Array.from({ length: 24 }, (_, h) => Math.sin((h / 24) * 2 * Math.PI) * 0.3);

export function predict(x: FlightInput): { prediction: number; scores: { '1': number } } {
  const z = -0.8 + HOUR_W[x.hour] + 0.05 * (x.weekday - 3) + 0.0002 * (x.distance - 900) + (OFFSET[x.origin] ?? 0) + 0.5 * (OFFSET[x.dest] ?? 0);
  const p = 1 / (1 + Math.exp(-z));
  return { prediction: p > 0.5 ? 1 : 0, scores: { '1': p } };
}

/** Deterministic inputs. */
export function inputs(n: number): FlightInput[] {
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  return Array.from({ length: n }, () => ({
    hour: Math.floor(u() * 24),
    weekday: Math.floor(u() * 7),
    distance: Math.round(100 + u() * 2500),
    origin: AIRPORTS[Math.floor(u() * AIRPORTS.length)],
    dest: AIRPORTS[Math.floor(u() * AIRPORTS.length)],
  }));
}
