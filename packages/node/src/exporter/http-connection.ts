/**
 * A minimal HTTP/1.1 client for the exporter's POSTs to `modelwatch serve` over
 * plain `http:`: keep-alive connections (net sockets) in a small pool, one
 * request at a time per connection, the answer parsed by {@link AnswerParser}.
 *
 * Why not node:http or undici: a batch is one request, yet in the flights
 * model server (bench/sdk.ts part (c), A/B of the same exporter, 9 rounds)
 * node:http's client cost the application ~12% more CPU per prediction
 * request than writing the request on a socket (median of the rounds; each
 * round in the same direction) — with this client, −6% against node:http's,
 * lower in 9 rounds of 10 —, and undici's Client measured no cheaper than
 * node:http per POST (372 against 237 µs, warm). The answers come from our own
 * service and are small; what a general client adds (agents, streams,
 * IncomingMessage, abort plumbing) is paid on every batch, in code that is cold
 * by the time the next batch leaves. `https:` keeps node:https (TLS).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** Largest head (status line and headers) read from an answer. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Idle keep-alive connections kept. */
const MAX_IDLE = 4;

/** What an answer is reduced to: status, `Retry-After`, body text (at most `maxBodyBytes` of it). */
export interface ParsedAnswer {
  status: number;
  retryAfter: string | null;
  text: string;
  /** The server keeps the connection open for the next request. */
  keepAlive: boolean;
}

/** A network error with a node-style `code` (the exporter's retry decisions read it). */
export class ConnectionError extends Error {
  /** The connection had answered requests before (see {@link HttpConnectionPool.post}). */
  reused = false;
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * Incremental parser of one HTTP/1.x answer: feed it the socket's chunks with
 * {@link push} until it returns true. Bodies by `Content-Length`, chunked
 * transfer coding, or until the connection closes ({@link end}); 1xx interim
 * answers are skipped. Throws on a malformed answer.
 */
export class AnswerParser {
  private head: Buffer | null = Buffer.alloc(0);
  private status = 0;
  private retryAfter: string | null = null;
  private keepAlive = true;
  /** Body bytes still expected (Content-Length), -1 chunked, -2 until close. */
  private remaining = 0;
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;
  /** Chunked: bytes of the current chunk still to read, or -1 while reading a size line / trailer. */
  private chunkLeft = -1;
  /** Chunked: CRLF bytes to skip after a chunk's data. */
  private skipCrlf = 0;
  private line = '';
  private trailers = false;
  done = false;

  constructor(private readonly maxBodyBytes: number) {}

  /** Feeds a chunk; true once the answer is complete (bytes after it are ignored). */
  push(chunk: Buffer): boolean {
    let data = chunk;
    while (!this.done && data.length > 0) {
      if (this.head !== null) {
        data = this.readHead(data);
        continue;
      }
      if (this.remaining >= 0) {
        const n = Math.min(this.remaining, data.length);
        this.keep(data.subarray(0, n));
        this.remaining -= n;
        data = data.subarray(n);
        if (this.remaining === 0) this.done = true;
      } else if (this.remaining === -2) {
        this.keep(data);
        data = data.subarray(data.length);
      } else data = this.readChunked(data);
    }
    return this.done;
  }

  /** The connection closed: completes an answer delimited by the close; false if the answer was cut short. */
  end(): boolean {
    if (!this.done && this.head === null && this.remaining === -2) this.done = true;
    return this.done;
  }

  answer(): ParsedAnswer {
    return { status: this.status, retryAfter: this.retryAfter, text: Buffer.concat(this.body).toString('utf8'), keepAlive: this.keepAlive && this.remaining !== -2 };
  }

  private keep(b: Buffer): void {
    if (this.bodyBytes < this.maxBodyBytes) {
      const part = b.subarray(0, this.maxBodyBytes - this.bodyBytes);
      // A copy: the socket's chunk may be reused.
      this.body.push(Buffer.from(part));
      this.bodyBytes += part.length;
    }
  }

  /** Accumulates the head; once complete, parses it and returns the bytes after it. */
  private readHead(data: Buffer): Buffer {
    const head = Buffer.concat([this.head!, data]);
    const end = head.indexOf(CRLF_CRLF);
    if (end < 0) {
      if (head.length > MAX_HEAD_BYTES) throw new Error('the answer\'s headers are too large');
      this.head = head;
      return data.subarray(data.length);
    }
    const rest = head.subarray(end + 4);
    const lines = head.toString('latin1', 0, end).split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
    if (m === null) throw new Error(`not an HTTP/1.x answer: ${JSON.stringify(lines[0].slice(0, 80))}`);
    const status = Number(m[2]);
    let length = -2;
    let chunked = false;
    let connection = '';
    let retryAfter: string | null = null;
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(':');
      if (colon <= 0) throw new Error(`malformed answer header: ${JSON.stringify(lines[i].slice(0, 80))}`);
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value)) throw new Error(`bad Content-Length: ${JSON.stringify(value)}`);
        length = Number(value);
      } else if (name === 'transfer-encoding') chunked = value.toLowerCase().split(',').some((t) => t.trim() === 'chunked');
      else if (name === 'connection') connection = value.toLowerCase();
      else if (name === 'retry-after') retryAfter = value;
    }
    if (status < 200) {
      // An interim answer (100 Continue, 103 Early Hints): the real one follows.
      this.head = Buffer.alloc(0);
      return rest;
    }
    this.head = null;
    this.status = status;
    this.retryAfter = retryAfter;
    this.keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    // No body: 204, 304 (we never send HEAD).
    if (status === 204 || status === 304) this.remaining = 0;
    else if (chunked) this.remaining = -1;
    else this.remaining = length;
    if (this.remaining === 0) this.done = true;
    return rest;
  }

  /** Chunked transfer coding: size lines, data, CRLFs, the last chunk and trailers. */
  private readChunked(data: Buffer): Buffer {
    let d = data;
    while (d.length > 0 && !this.done) {
      if (this.skipCrlf > 0) {
        const n = Math.min(this.skipCrlf, d.length);
        this.skipCrlf -= n;
        d = d.subarray(n);
        continue;
      }
      if (this.chunkLeft > 0) {
        const n = Math.min(this.chunkLeft, d.length);
        this.keep(d.subarray(0, n));
        this.chunkLeft -= n;
        d = d.subarray(n);
        if (this.chunkLeft === 0) {
          this.chunkLeft = -1;
          this.skipCrlf = 2;
        }
        continue;
      }
      // A size line, or a trailer line after the last chunk.
      const nl = d.indexOf(10);
      if (nl < 0) {
        this.line += d.toString('latin1');
        if (this.line.length > MAX_HEAD_BYTES) throw new Error('a chunk size line is too long');
        return d.subarray(d.length);
      }
      const line = (this.line + d.toString('latin1', 0, nl)).replace(/\r$/, '');
      this.line = '';
      d = d.subarray(nl + 1);
      if (this.trailers) {
        if (line === '') this.done = true;
        continue;
      }
      const size = /^([0-9a-fA-F]+)(?:;.*)?$/.exec(line.trim());
      if (size === null) throw new Error(`bad chunk size: ${JSON.stringify(line.slice(0, 40))}`);
      const n = parseInt(size[1], 16);
      if (n === 0) this.trailers = true;
      else this.chunkLeft = n;
    }
    return d;
  }
}

/** A keep-alive connection: one request at a time. */
class Connection {
  readonly socket: Socket;
  /** Requests answered on it (a reused connection may have been closed by the server meanwhile). */
  served = 0;
  closed = false;
  private parser: AnswerParser | null = null;
  private settle: ((err: Error | null, a?: ParsedAnswer) => void) | null = null;

  constructor(host: string, port: number, onClose: (c: Connection) => void) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      const p = this.parser;
      if (p === null) return; // Bytes nobody asked for: ignored.
      try {
        if (p.push(chunk)) this.finish(null, p.answer());
      } catch (err) {
        this.finish(err as Error);
        this.socket.destroy();
      }
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.finish(new ConnectionError(err.message, err.code ?? 'ECONNRESET')));
    this.socket.on('close', () => {
      this.closed = true;
      const p = this.parser;
      // (An answer the close completes says keepAlive: false.)
      if (p !== null && p.end()) this.finish(null, p.answer());
      else this.finish(new ConnectionError('the connection closed before the answer ended', 'ECONNRESET'));
      onClose(this);
    });
  }

  private finish(err: Error | null, a?: ParsedAnswer): void {
    const s = this.settle;
    if (s === null) return;
    this.settle = null;
    this.parser = null;
    s(err, a);
  }

  /** Sends `head` and `body` (a new socket buffers them until it connects); resolves with the answer. */
  request(head: string, body: Buffer, maxBodyBytes: number): Promise<ParsedAnswer> {
    if (this.closed) return Promise.reject(new ConnectionError('the connection closed', 'ECONNRESET'));
    return new Promise<ParsedAnswer>((resolve, reject) => {
      this.parser = new AnswerParser(maxBodyBytes);
      this.settle = (err, a) => (err ? reject(err) : resolve(a!));
      const s = this.socket;
      s.cork();
      s.write(head, 'latin1');
      if (body.length > 0) s.write(body);
      s.uncork();
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Keep-alive connections to one `http:` origin. */
export class HttpConnectionPool {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly host: string;
  private readonly hostHeader: string;
  private destroyed = false;

  /** `host` as URL.hostname gives it (IPv6 in brackets), `port` as a number. */
  constructor(host: string, private readonly port: number) {
    this.host = host.startsWith('[') ? host.slice(1, -1) : host;
    this.hostHeader = `${host}:${port}`;
  }

  /**
   * POSTs `body` to `path` with `headers` (valid names and values; the
   * content length is added); resolves with the answer, rejects with a
   * {@link ConnectionError} on network errors, whose `reused` tells whether
   * the connection had served before (a server may close an idle keep-alive
   * connection just as a request leaves on it). `cancel` receives a function
   * that aborts the request.
   */
  async post(path: string, headers: Record<string, string | number>, body: Buffer, maxBodyBytes: number, cancel: (abort: () => void) => void): Promise<ParsedAnswer> {
    if (this.destroyed) throw new ConnectionError('the exporter is closed', 'ECONNABORTED');
    let c = this.idle.pop();
    while (c !== undefined && c.closed) c = this.idle.pop();
    if (c === undefined) {
      c = new Connection(this.host, this.port, (gone) => this.forget(gone));
      this.all.add(c);
    } else c.socket.ref(); // In flight, a request keeps the process alive (as node:http's does).
    const conn = c;
    const reused = conn.served > 0;
    cancel(() => conn.destroy());
    try {
      const answer = await conn.request(this.headOf(path, headers, body.length), body, maxBodyBytes);
      conn.served++;
      // Reused only when the whole request has left: a server may answer (413, 401) before reading the body,
      // and bytes of it still queued would be read as the next request.
      if (answer.keepAlive && conn.socket.writableLength === 0 && !conn.closed && !this.destroyed && this.idle.length < MAX_IDLE) {
        conn.socket.unref(); // An idle connection does not keep the process alive.
        this.idle.push(conn);
      } else conn.destroy();
      return answer;
    } catch (err) {
      conn.destroy();
      if (err instanceof ConnectionError) err.reused = reused;
      throw err;
    }
  }

  private headOf(path: string, headers: Record<string, string | number>, length: number): string {
    let head = `POST ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    for (const name in headers) if (name.toLowerCase() !== 'content-length') head += `${name}: ${headers[name]}\r\n`;
    return `${head}content-length: ${length}\r\n\r\n`;
  }

  private forget(c: Connection): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Closes every connection; later posts fail. */
  destroy(): void {
    this.destroyed = true;
    for (const c of this.all) c.destroy();
    this.all.clear();
    this.idle.length = 0;
  }
}
