/**
 * `npm run demo`: the whole loop on one machine.
 *
 * 1. trains the models and writes the reference (once; `.demo/`),
 * 2. starts `modelwatch serve` with `examples/flights/modelwatch.yaml` on an
 *    embedded store (`.demo/modelwatch-data`, fresh each run unless `--keep-data`),
 * 3. starts the flights model server (Fastify + @modelwatch/node), exporting
 *    events and feedback to it,
 * 4. runs the replay of February–June 2001 with the faults,
 * 5. prints the URLs, and keeps the services up after the replay until
 *    Ctrl-C (or SIGTERM), which stops every child, in order: the replay, the
 *    model server (its exporter sends what it holds), then modelwatch serve
 *    (which commits and checkpoints).
 *
 * Children run in their own process groups, so a Ctrl-C in the terminal
 * reaches only this process, which stops each child exactly once.
 *
 *   node examples/flights/dist/demo.js [--dir .demo] [--port 8080] [--model-port 3000]
 *     [--keep-data] [--retrain] [--exit-when-done] [replay options, see replay.ts]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMain } from './flights.js';
import { REPLAY_ARGS, REPLAY_USAGE, describeReplay, replayOptionsFrom } from './replay.js';
import { artefacts, ensureTrained } from './train.js';

/** The repository root (this file is examples/flights/{src,dist}/demo.*). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The committed configuration of the demo. */
export const DEMO_CONFIG = join(REPO_ROOT, 'examples', 'flights', 'modelwatch.yaml');
/** The default artefact directory, which the committed configuration's reference path points into. */
export const DEFAULT_DIR = join(REPO_ROOT, '.demo');
const REFERENCE_LINE = 'reference: ../../.demo/reference.parquet';

const fromSource = import.meta.url.endsWith('.ts');

/** How to run a sibling module of this one (the `.ts` source under tsx in development, else the built `.js`). */
function script(name: string): string {
  return fileURLToPath(new URL(`./${name}.${fromSource ? 'ts' : 'js'}`, import.meta.url));
}

/** The `modelwatch` CLI: built, or its source in development. */
function modelwatchCli(): string {
  const built = join(REPO_ROOT, 'packages', 'modelwatch', 'dist', 'cli.js');
  const source = join(REPO_ROOT, 'packages', 'modelwatch', 'src', 'cli.ts');
  return fromSource || !existsSync(built) ? source : built;
}

/** Node flags for children: the loader flags this process runs with (tsx in development), nothing test- or debugger-related. */
function nodeFlags(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--test') || a.startsWith('--inspect') || a.startsWith('--experimental-test')) continue;
    out.push(a);
  }
  if (fromSource && !out.some((a) => a.includes('tsx'))) out.push('--import', 'tsx');
  if (fromSource && !out.some((a) => a.startsWith('--conditions'))) out.push('--conditions=development');
  return out;
}

/**
 * The configuration for an artefact directory: the committed file when it is
 * the default one, else a copy next to the artefacts whose reference path
 * points at them.
 */
export function configFor(dir: string): string {
  const abs = resolve(dir);
  if (abs === resolve(DEFAULT_DIR)) return DEMO_CONFIG;
  const text = readFileSync(DEMO_CONFIG, 'utf8');
  if (!text.includes(REFERENCE_LINE)) throw new Error(`${DEMO_CONFIG}: the line "${REFERENCE_LINE}" is not there any more: update configFor() in demo.ts`);
  const out = join(abs, 'modelwatch.yaml');
  writeFileSync(out, text.replace(REFERENCE_LINE, `reference: ${JSON.stringify(artefacts(abs).reference)}`));
  return out;
}

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/** Starts a child in its own process group; its output lines are prefixed and passed on; resolves once `ready` matches a stdout line. */
function startChild(name: string, args: string[], ready: RegExp | null, onLine: (line: string) => void): { child: Child; ready: Promise<RegExpExecArray | null> } {
  const proc = spawn(process.execPath, [...nodeFlags(), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let resolveReady: (m: RegExpExecArray | null) => void = () => undefined;
  let rejectReady: (e: Error) => void = () => undefined;
  const readyP = new Promise<RegExpExecArray | null>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  if (ready === null) resolveReady(null);
  readyP.catch(() => undefined); // awaited by the caller when it still cares
  const stderrTail: string[] = [];
  const lines = (stream: NodeJS.ReadableStream, isErr: boolean) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (isErr) {
          stderrTail.push(line);
          if (stderrTail.length > 20) stderrTail.shift();
        }
        if (!isErr && ready) {
          const m = ready.exec(line);
          if (m) resolveReady(m);
        }
        onLine(isErr ? `[${name}] ${line}` : line);
      }
    });
  };
  lines(proc.stdout!, false);
  lines(proc.stderr!, true);
  const exited = new Promise<number | null>((res) => {
    proc.on('exit', (code, signal) => {
      rejectReady(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${stderrTail.join('\n')}`));
      res(code);
    });
  });
  return { child: { name, proc, exited }, ready: readyP };
}

/** Stops a child: SIGTERM, SIGKILL after `graceMs`. */
async function stopChild(c: Child, graceMs: number): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), graceMs);
  await c.exited;
  clearTimeout(timer);
}

export interface DemoOptions {
  dir: string;
  host: string;
  port: number;
  modelPort: number;
  keepData: boolean;
  retrain: boolean;
  exitWhenDone: boolean;
  /** Replay arguments passed on to the replay process. */
  replayArgs: string[];
  out: (line: string) => void;
}

/** Runs the demo until a stop signal (or the end of the replay with `exitWhenDone`); resolves with the exit code. */
export async function runDemo(o: DemoOptions, signals: NodeJS.EventEmitter = process): Promise<number> {
  const out = o.out;
  const children: Child[] = [];
  let stopping: Promise<void> | null = null;
  let stopRequested: () => void = () => undefined;
  const stopSignal = new Promise<void>((res) => (stopRequested = res));
  let signalled = 0;
  const onSignal = (sig: string) => () => {
    signalled++;
    if (children.length === 0) {
      // Nothing started yet (training writes its files atomically): stop now.
      out(`demo: ${sig}: stopped`);
      process.exit(130);
    }
    if (signalled > 1) {
      out(`demo: ${sig} again: killing every process now`);
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      process.exit(130);
    }
    out(`demo: ${sig}: stopping … (again to kill at once)`);
    stopRequested();
  };
  const handlers: [string, () => void][] = [
    ['SIGINT', onSignal('SIGINT')],
    ['SIGTERM', onSignal('SIGTERM')],
  ];
  for (const [s, h] of handlers) signals.on(s, h);
  // Whatever happens to this process, its children do not outlive it.
  const killAll = () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  };
  process.on('exit', killAll);

  const stopAll = () =>
    (stopping ??= (async () => {
      // Order matters: the replay stops sending, the model server's exporter flushes into modelwatch serve, which then commits.
      for (const name of ['replay', 'model server', 'modelwatch serve']) {
        const c = children.find((x) => x.name === name);
        if (c) await stopChild(c, name === 'modelwatch serve' ? 30_000 : 15_000);
      }
    })());

  try {
    const dir = resolve(o.dir);
    mkdirSync(dir, { recursive: true });
    const t = await ensureTrained(dir, { force: o.retrain, log: (l) => out(`demo: ${l}`) });
    if (!t.trained) out(`demo: models and reference from ${t.paths.dir} (--retrain to train again)`);
    const config = configFor(dir);
    const dataDir = join(dir, 'modelwatch-data');
    if (!o.keepData && existsSync(dataDir)) {
      rmSync(dataDir, { recursive: true, force: true });
      out(`demo: starting with a fresh store in ${dataDir} (--keep-data keeps it)`);
    }

    const serve = startChild(
      'modelwatch serve',
      [modelwatchCli(), 'serve', '--config', config, '--data', dataDir, '--host', o.host, '--port', String(o.port), '--log-level', 'warn'],
      /listening on (http:\/\/\S+)/,
      (l) => out(`  ${l}`),
    );
    children.push(serve.child);
    const serviceUrl = (await Promise.race([serve.ready, stopSignal.then(() => null)]))?.[1];
    if (!serviceUrl) return 130;

    const model = startChild(
      'model server',
      [script('server'), '--dir', dir, '--service', serviceUrl, '--host', o.host, '--port', String(o.modelPort)],
      /listening on (http:\/\/\S+)/,
      (l) => out(`  ${l}`),
    );
    children.push(model.child);
    const modelUrl = (await Promise.race([model.ready, stopSignal.then(() => null)]))?.[1];
    if (!modelUrl) return 130;

    let dashboard = `${serviceUrl}/`;
    try {
      const res = await fetch(dashboard);
      if (res.status === 404) dashboard += '   (not in this build yet)';
    } catch {
      // listed anyway
    }
    out('');
    out('modelwatch demo: US flights of 2001, a delay model, faults injected on the way');
    out(`  dashboard              ${dashboard}`);
    out(`  modelwatch API         ${serviceUrl}/v1/models/flights/results`);
    out(`  API docs               ${serviceUrl}/docs`);
    out(`  modelwatch metrics     ${serviceUrl}/metrics`);
    out(`  model server           ${modelUrl}/predict`);
    out(`  model server metrics   ${modelUrl}/metrics`);
    out('  Prometheus, Grafana    deploy/README.md');
    out('Stop with Ctrl-C.');
    out('');

    // A service that dies ends the demo.
    const crashed = Promise.race(
      [serve.child, model.child].map((c) => c.exited.then((code) => ({ crashed: `${c.name} exited unexpectedly (${code ?? c.proc.signalCode})` }))),
    );
    const replayChild = startChild('replay', [script('replay'), '--model-url', modelUrl, ...o.replayArgs], null, (l) => out(`  ${l}`));
    children.push(replayChild.child);
    const replayEnd = replayChild.child.exited.then((code) => ({ code }));
    const first = await Promise.race([replayEnd, crashed, stopSignal.then(() => null)]);
    if (first === null) return 0;
    if ('crashed' in first) {
      out(`demo: ${first.crashed}; stopping`);
      return 1;
    }
    if (first.code !== 0) {
      out(`demo: the replay failed (exit ${first.code}); stopping`);
      return 1;
    }
    if (o.exitWhenDone) return 0;
    out(`demo: replay finished; the services keep running: ${dashboard} — Ctrl-C to stop`);
    const end = await Promise.race([crashed, stopSignal.then(() => null)]);
    if (end !== null) {
      out(`demo: ${end.crashed}; stopping`);
      return 1;
    }
    return 0;
  } finally {
    await stopAll();
    process.off('exit', killAll);
    for (const [s, h] of handlers) signals.off(s, h);
    out('demo: stopped');
  }
}

async function main(): Promise<number> {
  const { values, tokens } = parseArgs({
    options: {
      dir: { type: 'string', default: DEFAULT_DIR },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'model-port': { type: 'string', default: '3000' },
      'keep-data': { type: 'boolean', default: false },
      retrain: { type: 'boolean', default: false },
      'exit-when-done': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
      ...REPLAY_ARGS,
    },
    tokens: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run demo -- [--dir .demo] [--port 8080] [--model-port 3000] [--host 127.0.0.1]\n' +
        '                       [--keep-data] [--retrain] [--exit-when-done] [replay options]\n' +
        REPLAY_USAGE,
    );
    return 0;
  }
  const port = (name: string, v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n > 65535) throw new Error(`--${name}: expected a port number 0..65535 (got ${JSON.stringify(v)})`);
    return n;
  };
  // Replay options are checked here (clear errors before anything starts) and passed on as given.
  const replayNames = new Set(Object.keys(REPLAY_ARGS));
  const replayArgs: string[] = [];
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || !replayNames.has(t.name)) continue;
    replayArgs.push(`--${t.name}`);
    if (t.value !== undefined) replayArgs.push(t.value);
  }
  const replayOptions = replayOptionsFrom(values, 'http://placeholder');
  for (const l of describeReplay(replayOptions)) process.stdout.write(`demo: ${l}\n`);
  return runDemo({
    dir: values.dir!,
    host: values.host!,
    port: port('port', values.port!),
    modelPort: port('model-port', values['model-port']!),
    keepData: values['keep-data']!,
    retrain: values.retrain!,
    exitWhenDone: values['exit-when-done']!,
    replayArgs,
    out: (l) => process.stdout.write(`${l}\n`),
  });
}

if (isMain(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`demo: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
