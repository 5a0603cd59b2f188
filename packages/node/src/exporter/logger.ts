/**
 * Logging for the background parts (exporter, recording errors): pino-style
 * `warn(obj, msg)`, so a Fastify or pino logger can be passed as is. The default
 * writes one line to stderr and says each distinct thing at most once a minute,
 * so a service that stays away does not flood the application's log.
 */
export interface Logger {
  warn(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
}

/** A logger that says nothing. */
export const silentLogger: Logger = { warn() {}, info() {} };

/** The default logger: `<msg> <json>` on stderr (warnings only; messages start with "modelwatch"). */
export const consoleLogger: Logger = {
  warn(obj, msg) {
    process.stderr.write(`${msg ?? 'modelwatch'} ${JSON.stringify(obj)}\n`);
  },
};

/** Passes each message key to `logger` at most once per `intervalMs`. */
export class RateLimitedLog {
  private readonly last = new Map<string, number>();

  constructor(
    readonly logger: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  warn(key: string, obj: object, msg: string): void {
    const now = Date.now();
    const t = this.last.get(key);
    if (t !== undefined && now - t < this.intervalMs) return;
    if (this.last.size > 1000) this.last.clear(); // keys are bounded in practice; never grow without bound
    this.last.set(key, now);
    try {
      this.logger.warn(obj, msg);
    } catch {
      // A broken logger must not break the exporter.
    }
  }

  info(obj: object, msg: string): void {
    try {
      this.logger.info?.(obj, msg);
    } catch {
      // ignore
    }
  }
}
