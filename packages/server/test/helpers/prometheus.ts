/**
 * Prometheus in tests: a parser of the text exposition format, and a real
 * Prometheus server (Debian's `/usr/bin/prometheus`) started on a free loopback
 * port with a generated configuration that scrapes given targets every second.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (version 0.0.4): every sample line, comments skipped. */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = re.exec(m[3]))) {
        labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        consumed = re.lastIndex;
      }
      if (consumed !== m[3].length) throw new Error(`bad labels in: ${line}`);
    }
    const v = m[4];
    out.push({ name: m[1], labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return out;
}

/** The samples of one metric whose labels include `match`. */
export function samples(all: readonly Sample[], name: string, match: Record<string, string> = {}): Sample[] {
  return all.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** A free TCP port on 127.0.0.1 (bound and released; callers retry on the rare race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a value other than `undefined`, or throws after `timeoutMs` with the last state. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

/** One instant-vector element of a PromQL query result. */
export interface VectorElement {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Runs an instant query through `/api/v1/query`; throws on an API error or a non-vector result. */
  query(promql: string): Promise<VectorElement[]>;
  /** Target health as Prometheus sees it (`up`, `down`, `unknown`) by scrape URL. */
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]>;
  /** Prometheus's own log so far (stderr). */
  log(): string;
  /** Stops Prometheus (SIGTERM, SIGKILL after 10 s) and deletes its directory. */
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** `host:port` targets scraped at `/metrics`. */
  targets: string[];
  /** Default `1s`. */
  scrapeInterval?: string;
}

/** A running Prometheus process: its URL, its HTTP API, its log; `stop` deletes its directory. */
export interface PrometheusProcess {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** GET `path` of the HTTP API; the `data` of a `success` answer, else throws with Prometheus's error. */
  api(path: string): Promise<unknown>;
  /** Prometheus's own log so far (stderr). */
  log(): string;
  /** Stops Prometheus (SIGTERM, SIGKILL after 10 s) and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a real Prometheus with `config` (the text of a prometheus.yml) and
 * `files` (name → text, written next to it: rule files) in a temp dir, TSDB in
 * the same dir, listening on a free loopback port; resolves once `/-/ready`
 * answers 200.
 */
export async function launchPrometheus(config: string, files: Record<string, string> = {}): Promise<PrometheusProcess> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} not found: install Debian's prometheus package (scripts/test.sh does)`);
  const dir = mkdtempSync(join(tmpdir(), 'mw-prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), config);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launch(dir, port);
    } catch (err) {
      lastError = err; // most likely the port was taken between freePort() and Prometheus binding it
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

async function launch(dir: string, port: number): Promise<PrometheusProcess> {
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      // Debian's default points at /usr/share/prometheus/consoles; nothing here needs them.
      `--web.console.templates=${dir}`,
      `--web.console.libraries=${dir}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const stop = async () => {
    if (exitCode === undefined) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(join(dir, 'data'), { recursive: true, force: true });
  };
  try {
    await pollUntil(
      'Prometheus /-/ready',
      async () => {
        if (exitCode !== undefined) throw new Error(`prometheus exited with ${exitCode}: ${log}`);
        const res = await fetch(`${url}/-/ready`);
        return res.status === 200 ? true : undefined;
      },
      60_000,
      100,
    ).catch((err: Error) => {
      // A dead process will not become ready: report its exit, not the timeout.
      throw exitCode !== undefined ? new Error(`prometheus exited with ${exitCode}: ${log}`) : err;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async api(path) {
      const res = await fetch(`${url}${path}`);
      const body = (await res.json()) as { status: string; error?: string; data?: unknown };
      if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
      return body.data;
    },
    log: () => log,
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a real Prometheus ({@link launchPrometheus}) with a generated
 * `prometheus.yml` that scrapes `opts.targets` at `/metrics`.
 */
export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const interval = opts.scrapeInterval ?? '1s';
  const prom = await launchPrometheus(
    [
      'global:',
      `  scrape_interval: ${interval}`,
      `  scrape_timeout: ${interval}`,
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: modelwatch',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: [${opts.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n'),
  );
  return {
    url: prom.url,
    async query(promql) {
      const data = (await prom.api(`/api/v1/query?${new URLSearchParams({ query: promql })}`).catch((err: Error) => {
        throw new Error(`query ${promql} failed: ${err.message}`);
      })) as { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
      if (data.resultType !== 'vector') throw new Error(`query ${promql}: expected a vector, got ${data.resultType}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async targets() {
      const data = (await prom.api('/api/v1/targets')) as { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] };
      return data.activeTargets.map((t) => ({ scrapeUrl: t.scrapeUrl, health: t.health, lastError: t.lastError }));
    },
    log: prom.log,
    stop: prom.stop,
  };
}
