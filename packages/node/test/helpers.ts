/**
 * Test helpers: a parser of the Prometheus text format (independent of
 * prom-client), a real `modelwatch serve` on a loopback port with a temp data
 * dir, and a deterministic random generator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '@modelwatch/server';
import type { ModelwatchServer } from '@modelwatch/server';
import type { Schema } from '@modelwatch/core';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition format 0.0.4 into samples (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = re.exec(m[3])) !== null) {
        labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        consumed += lm[0].length;
      }
      if (consumed !== m[3].length) throw new Error(`unparseable labels: ${m[3]}`);
    }
    const v = m[4];
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v === 'Nan' || v === 'NaN' ? NaN : Number(v);
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** The samples of `name` whose labels include `labels`. */
export function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample of `name` with `labels` (throws unless exactly one matches). */
export function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hits = find(samples, name, labels);
  if (hits.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${hits.length}`);
  return hits[0].value;
}

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'mw-node-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a real `modelwatch serve` on loopback with its data in `dataDir`. */
export async function startService(dataDir: string, port = 0): Promise<ModelwatchServer> {
  return startServer({ dataDir, port, host: '127.0.0.1', defaultMetrics: false });
}

/** Registers a model on the service through its HTTP API. */
export async function registerModel(url: string, name: string, body: { task: string; versions: string[]; schema: Schema }): Promise<void> {
  const res = await fetch(`${url}/v1/models/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`registering ${name}: ${res.status} ${await res.text()}`);
}

/** A seeded uniform [0, 1) generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The flights-like schema used by the exporter and integration tests. */
export const FLIGHTS_SCHEMA: Schema = {
  task: 'binary',
  columns: [
    { name: 'hour', kind: 'numeric', role: 'feature' },
    { name: 'distance', kind: 'numeric', role: 'feature' },
    { name: 'origin', kind: 'categorical', role: 'feature' },
    { name: 'delayed', kind: 'categorical', role: 'prediction' },
    { name: 'p_delayed', kind: 'numeric', role: 'score', scoreOf: 1 },
    { name: 'label', kind: 'categorical', role: 'target' },
  ],
};

export interface FlightInput {
  hour: number | null;
  distance: number;
  origin: string | null;
}

/** A small, deterministic "model" over FlightInput. */
export function flightModel(x: FlightInput): { prediction: number; scores: { '1': number } } {
  const z = 0.08 * ((x.hour ?? 12) - 12) + 0.0004 * (x.distance - 800) + (x.origin === 'ORD' ? 0.4 : x.origin === 'ATL' ? -0.2 : 0);
  const p = 1 / (1 + Math.exp(-z));
  return { prediction: p > 0.5 ? 1 : 0, scores: { '1': p } };
}
