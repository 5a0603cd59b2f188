/**
 * `modelwatch serve`: the monitoring service (`@modelwatch/server`) in the
 * foreground — HTTP API, embedded store, monitors, `/metrics` — until SIGINT or
 * SIGTERM, which shut it down gracefully (in-flight requests finish, queued
 * events are committed, the database is checkpointed and closed).
 *
 * The server package is loaded only when this command runs, so the other
 * commands do not pay for Fastify and the store.
 */
import { CliError, UsageError } from '../errors.js';
import type { CommandContext } from './context.js';

export interface ServeFlags {
  config?: string;
  data?: string;
  port?: string;
  host?: string;
  logLevel?: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Where the command waits for a stop request (the process by default; tests give an emitter). */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/** Parses `--port`: an integer 0..65535 (0 = any free port). */
function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port: expected a port number 0..65535 (got ${JSON.stringify(value)})`);
  }
  return port;
}

/** A start failure as a message users can act on, or `null` when it is not one we know. */
function startProblem(err: unknown, where: { host: string; port: number | string; data: string }): string[] | null {
  const e = err as (NodeJS.ErrnoException & { address?: unknown; port?: unknown }) | undefined;
  if (e?.name === 'ConfigError') return e.message.split('\n').filter((l) => l.trim() !== '');
  // Listen errors carry the address and port actually tried (also when they came from the config file).
  const host = typeof e?.address === 'string' ? e.address : where.host;
  const port = typeof e?.port === 'number' ? e.port : where.port;
  const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (e?.code === 'EADDRINUSE') return [`cannot listen on ${hostPort}: the port is in use (stop what uses it, or choose another with --port)`];
  if (e?.code === 'EACCES') return [`cannot listen on ${hostPort}: permission denied (ports below 1024 need privileges; choose another with --port)`];
  if (e?.code === 'EADDRNOTAVAIL' || e?.code === 'ENOTFOUND') return [`cannot listen on ${hostPort}: no such local address (check --host)`];
  if (/could not set lock on file/i.test(e?.message ?? '')) {
    return [`the data directory ${where.data} is in use by another process (another modelwatch serve?); stop it or choose another with --data`];
  }
  return null;
}

/**
 * Runs the service until a stop signal; resolves to the exit code (0 after a
 * clean shutdown). Start problems — a bad configuration (naming the setting),
 * a port in use, a locked data directory — are {@link CliError}s (exit 2).
 */
export async function serveCommand(ctx: CommandContext, flags: ServeFlags, signals: SignalSource = process): Promise<number> {
  const port = parsePort(flags.port);
  const level = flags.logLevel ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(level)})`);

  // Stop requests are honoured from the start: one that arrives while starting waits for the start.
  let stopRequested: (signal: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => (stopRequested = resolve));
  let signalled = 0;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => {
    signalled++;
    if (signalled === 1) {
      ctx.stderr.write(`modelwatch serve: ${signal}: shutting down (committing queued events; send it again to stop at once)\n`);
      stopRequested(signal);
    } else {
      // Acknowledged events are already durable; what is lost is the checkpoint (replayed from the WAL at the next start).
      ctx.stderr.write('modelwatch serve: stopping at once\n');
      process.exit(130);
    }
  };
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  signals.on('SIGINT', handlers.SIGINT);
  signals.on('SIGTERM', handlers.SIGTERM);
  try {
    const { startServer, defaultConfig } = await import('@modelwatch/server');
    const defaults = defaultConfig().server;
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer({
        configPath: flags.config,
        dataDir: flags.data,
        port,
        host: flags.host,
        // Logs (JSON lines) go to stderr; stdout carries the addresses.
        logger: { level, stream: process.stderr },
      });
    } catch (err) {
      const problems = startProblem(err, { host: flags.host ?? defaults.host, port: port ?? (flags.config ? 'the configured port' : defaults.port), data: flags.data ?? defaults.dataDir });
      if (problems) throw new CliError(problems, 2);
      throw err;
    }
    const url = server.url!;
    const lines = [
      `modelwatch serve listening on ${url}`,
      `  API        ${url}/v1/models`,
      `  API docs   ${url}/docs`,
      `  metrics    ${url}/metrics`,
    ];
    if (server.app.hasRoute({ method: 'GET', url: '/' })) lines.push(`  dashboard  ${url}/`);
    const store = server.config.store;
    lines.push(`  data       ${store.type === 'duckdb' ? store.path : store.url}`);
    if (!ctx.quiet) lines.push('Stop with Ctrl+C (or SIGTERM): queued events are committed first.');
    ctx.stdout.write(`${lines.join('\n')}\n`);

    const signal = await stopSignal;
    server.app.log.info({ signal }, 'shutting down');
    await server.close();
    if (!ctx.quiet) ctx.stderr.write('modelwatch serve: stopped\n');
    return 0;
  } finally {
    signals.off('SIGINT', handlers.SIGINT);
    signals.off('SIGTERM', handlers.SIGTERM);
  }
}
