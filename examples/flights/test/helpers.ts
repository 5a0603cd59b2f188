/**
 * Test helpers of the flights example: free ports, polling, a real Prometheus
 * (Debian's /usr/bin/prometheus) started with a given configuration, and a
 * small PromQL splitter that finds the sides of an alert's comparisons.
 */
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort, launchPrometheus, pollUntil } from '../../../packages/server/test/helpers/prometheus.js';

export { freePort, pollUntil };

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
export const AMTOOL_BIN = process.env.AMTOOL_BIN ?? '/usr/bin/amtool';

/** Whether something accepts connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Runs a command to completion; returns its exit code and output. */
export function run(cmd: string, args: string[], cwd = REPO_ROOT): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export interface PromResult {
  resultType: 'vector' | 'scalar' | 'matrix' | 'string';
  /** Vector elements (a scalar is one element without labels). */
  series: { metric: Record<string, string>; value: number }[];
}

export interface PrometheusServer {
  url: string;
  /** Instant query (now, or at `time` in epoch ms); throws with Prometheus's error when the expression does not parse or fails. */
  query(promql: string, time?: number): Promise<PromResult>;
  alerts(): Promise<{ labels: Record<string, string>; state: string }[]>;
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with `config` (the text of a prometheus.yml) and `files`
 * (name → text, written next to it: rule files) on a free loopback port — the
 * server tests' launcher — with the queries these tests use.
 */
export async function startPrometheus(config: string, files: Record<string, string> = {}): Promise<PrometheusServer> {
  const prom = await launchPrometheus(config, files);
  return {
    url: prom.url,
    async query(promql, time) {
      const params = new URLSearchParams({ query: promql });
      if (time !== undefined) params.set('time', String(time / 1000));
      const data = (await prom.api(`/api/v1/query?${params}`)) as { resultType: PromResult['resultType']; result: unknown };
      if (data.resultType === 'scalar') return { resultType: 'scalar', series: [{ metric: {}, value: Number((data.result as [number, string])[1]) }] };
      if (data.resultType === 'vector') {
        return { resultType: 'vector', series: (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) })) };
      }
      throw new Error(`query ${promql}: unexpected result type ${data.resultType}`);
    },
    async alerts() {
      const data = (await prom.api('/api/v1/alerts')) as { alerts: { labels: Record<string, string>; state: string }[] };
      return data.alerts;
    },
    async targets() {
      const data = (await prom.api('/api/v1/targets')) as { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] };
      return data.activeTargets;
    },
    log: prom.log,
    stop: prom.stop,
  };
}

// ---------------------------------------------------------------------------
// PromQL: the sides of comparisons and set operations, at the top level.

const COMPARISONS = ['==', '!=', '>=', '<=', '>', '<'];
const SET_OPS = ['and', 'or', 'unless'];
const MODIFIER = /^\s*(bool\b\s*)?((on|ignoring)\s*\([^)]*\)\s*)?((group_left|group_right)\s*(\([^)]*\))?\s*)?/i;

/** Splits `expr` at top-level occurrences of the given operators (outside (), {}, [] and strings). */
function splitTop(expr: string, ops: readonly string[], words: boolean): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let quote: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    if (depth !== 0) continue;
    for (const op of ops) {
      if (!expr.startsWith(op, i)) continue;
      if (words) {
        const before = i === 0 ? ' ' : expr[i - 1];
        const after = expr[i + op.length] ?? ' ';
        if (/[A-Za-z0-9_:]/.test(before) || /[A-Za-z0-9_:]/.test(after)) continue;
      } else if (op.length === 1 && (expr[i + 1] === '=' || expr[i + 1] === '~')) continue;
      parts.push(expr.slice(start, i));
      start = i + op.length;
      i = start - 1;
      break;
    }
  }
  parts.push(expr.slice(start));
  return parts.map((p) => p.replace(MODIFIER, '').trim()).filter((p) => p.length > 0);
}

/**
 * The operands of an alert expression: split at top-level `and`/`or`/`unless`,
 * then at comparison operators; vector-matching modifiers dropped. Numbers
 * (and arithmetic of numbers) are left out.
 */
export function comparisonOperands(expr: string): string[] {
  const out: string[] = [];
  for (const part of splitTop(expr, SET_OPS, true)) {
    for (const side of splitTop(part, COMPARISONS, false)) {
      if (/^[\d\s.+\-*/()eE]+$/.test(side)) continue;
      out.push(side);
    }
  }
  return out;
}

/** Every `expr:` of a Prometheus rule file (multi-line block scalars included), with the rule's name. */
export function ruleExpressions(yamlText: string): { name: string; kind: 'record' | 'alert'; expr: string }[] {
  const lines = yamlText.split('\n');
  const out: { name: string; kind: 'record' | 'alert'; expr: string }[] = [];
  let current: { name: string; kind: 'record' | 'alert' } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const head = /^\s*-\s*(record|alert):\s*(\S+)\s*$/.exec(lines[i]);
    if (head) {
      current = { kind: head[1] as 'record' | 'alert', name: head[2] };
      continue;
    }
    const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]);
    if (!m || !current) continue;
    let expr = m[2].trim();
    if (expr === '|' || expr === '>') {
      const indent = m[1].length;
      const body: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1].trim() === '' || lines[i + 1].search(/\S/) > indent)) body.push(lines[++i].trim());
      expr = body.join(' ').trim();
    }
    out.push({ ...current, expr });
    current = null;
  }
  return out;
}
