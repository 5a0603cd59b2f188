/**
 * The exporter's HTTP/1.1 client (http-connection.ts): the answer parser
 * against every way an answer can be framed and split, and the connection
 * pool against real servers (node:http and a raw TCP server) — keep-alive
 * reuse, `Connection: close`, a server closing an idle connection, refused
 * connections, malformed answers, cancellation.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server as TcpServer, Socket } from 'node:net';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AnswerParser, ConnectionError, HttpConnectionPool } from '../src/exporter/http-connection.js';

/** Feeds `raw` to a parser in the given pieces; the answer once complete, else null. */
function parse(raw: Buffer, cuts: number[], maxBody = 1 << 20) {
  const p = new AnswerParser(maxBody);
  let at = 0;
  let done = false;
  for (const cut of [...cuts.filter((c) => c > 0 && c < raw.length).sort((a, b) => a - b), raw.length]) {
    if (cut <= at) continue;
    done = p.push(raw.subarray(at, cut));
    at = cut;
    if (done) break;
  }
  return done ? p.answer() : null;
}

function chunked(body: string, sizes: number[]): string {
  let out = '';
  let at = 0;
  for (const n of sizes) {
    if (at >= body.length) break;
    const part = body.slice(at, at + n);
    out += `${Buffer.byteLength(part).toString(16)};ext=1\r\n${part}\r\n`;
    at += n;
  }
  if (at < body.length) out += `${Buffer.byteLength(body.slice(at)).toString(16)}\r\n${body.slice(at)}\r\n`;
  return `${out}0\r\nx-trailer: 1\r\n\r\n`;
}

describe('exporter HTTP client: answer parser', () => {
  test('Content-Length, chunked and 1xx-prefixed answers parse the same however the bytes are split', () => {
    const body = '{"accepted":3,"rejectedCount":0,"note":"ünïcode ✓"}';
    const bytes = Buffer.byteLength(body);
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 400 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }),
        (cuts, sizes) => {
          const framed = [
            `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: ${bytes}\r\n\r\n${body}`,
            `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(body, sizes)}`,
            `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: ${bytes}\r\n\r\n${body}`,
          ];
          for (const f of framed) {
            // Bytes of a next answer after this one are ignored.
            const a = parse(Buffer.from(`${f}HTTP/1.1 500 X\r\n\r\n`), cuts);
            assert.ok(a, f);
            assert.equal(a.status, 200);
            assert.equal(a.text, body);
            assert.equal(a.keepAlive, true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('Retry-After, keep-alive rules, bodiless statuses, the body bound, and an answer delimited by the close', () => {
    const a = parse(Buffer.from('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno'), [])!;
    assert.deepEqual(a, { status: 429, retryAfter: '7', text: 'no', keepAlive: false });
    assert.equal(parse(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'), [])!.keepAlive, false);
    assert.equal(parse(Buffer.from('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'), [])!.keepAlive, true);
    assert.deepEqual(parse(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'), []), { status: 204, retryAfter: null, text: '', keepAlive: true });
    const big = 'x'.repeat(5000);
    const bounded = parse(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${big}`), [100, 2000], 1000)!;
    assert.equal(bounded.text, big.slice(0, 1000));
    // No length, not chunked: the body runs until the connection closes.
    const p = new AnswerParser(1 << 20);
    assert.equal(p.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, ')), false);
    assert.equal(p.push(Buffer.from('part two')), false);
    assert.equal(p.end(), true);
    assert.deepEqual(p.answer(), { status: 200, retryAfter: null, text: 'part one, part two', keepAlive: false });
    // Cut short: the close does not complete a Content-Length answer.
    const q = new AnswerParser(1 << 20);
    q.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    assert.equal(q.end(), false);
  });

  test('malformed answers are errors', () => {
    for (const raw of ['SSH-2.0-OpenSSH\r\n\r\n', 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']) {
      assert.throws(() => new AnswerParser(100).push(Buffer.from(raw)), Error, raw);
    }
    assert.throws(() => new AnswerParser(100).push(Buffer.from(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(70_000)}`)), /too large/);
  });
});

/** A node:http server answering each POST with what it read; records the sockets it saw. */
async function echoServer(handler?: (req: IncomingMessage, body: Buffer) => { status?: number; headers?: Record<string, string>; text?: string }) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    sockets.add(req.socket);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const out = handler?.(req, body) ?? {};
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers });
      res.end(out.text ?? JSON.stringify({ path: req.url, bytes: body.length, type: req.headers['content-type'], auth: req.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { server, port, sockets, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const noCancel = () => {};

describe('exporter HTTP client: connection pool', () => {
  test('POSTs reach a node:http server intact over one keep-alive connection; Connection: close gets a new one', async () => {
    let closeNext = false;
    const srv = await echoServer(() => (closeNext ? { headers: { connection: 'close' } } : {}));
    const pool = new HttpConnectionPool('127.0.0.1', srv.port);
    try {
      for (const size of [0, 1, 70_000, 1_000_000]) {
        const body = Buffer.alloc(size, 7);
        const a = await pool.post('/v1/models/m%20x/events?x=1', { 'content-type': 'application/x-ndjson', authorization: 'Bearer t' }, body, 1 << 20, noCancel);
        assert.equal(a.status, 200);
        assert.deepEqual(JSON.parse(a.text), { path: '/v1/models/m%20x/events?x=1', bytes: size, type: 'application/x-ndjson', auth: 'Bearer t' });
      }
      assert.equal(srv.sockets.size, 1, 'one keep-alive connection for every request');
      closeNext = true;
      await pool.post('/a', {}, Buffer.from('x'), 1024, noCancel);
      closeNext = false;
      await pool.post('/b', {}, Buffer.from('y'), 1024, noCancel);
      assert.equal(srv.sockets.size, 2, 'a new connection after Connection: close');
    } finally {
      pool.destroy();
      await srv.close();
    }
  });

  test('concurrent posts use separate connections and all complete', async () => {
    const srv = await echoServer();
    const pool = new HttpConnectionPool('127.0.0.1', srv.port);
    try {
      const answers = await Promise.all([1, 2, 3].map((n) => pool.post(`/p${n}`, {}, Buffer.alloc(n * 1000), 1024, noCancel)));
      assert.deepEqual(answers.map((a) => JSON.parse(a.text).bytes), [1000, 2000, 3000]);
      assert.equal(srv.sockets.size, 3);
    } finally {
      pool.destroy();
      await srv.close();
    }
  });

  test('a connection answered before its body has left is not reused (the rest of the body would read as the next request)', { timeout: 20_000 }, async () => {
    const conns: Socket[] = [];
    const tcp: TcpServer = createTcpServer((s) => {
      conns.push(s);
      if (conns.length === 1) {
        // Answers on the first bytes and reads no more, as a server refusing a large body may.
        s.once('data', () => {
          s.pause();
          s.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n');
        });
      } else s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const pool = new HttpConnectionPool('127.0.0.1', (tcp.address() as AddressInfo).port);
    try {
      // More than the kernel's socket buffers hold, so part of it is still queued when the answer comes.
      assert.equal((await pool.post('/', {}, Buffer.alloc(32 * 1024 * 1024), 1024, noCancel)).status, 413);
      assert.equal((await pool.post('/', {}, Buffer.from('x'), 1024, noCancel)).text, 'ok');
      assert.equal(conns.length, 2);
    } finally {
      pool.destroy();
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  });

  test('network errors are ConnectionErrors with a code (refused; aborted on a reused connection); an idle connection the server closed is replaced; a garbled answer is an error', async () => {
    // Refused: nothing listens on the port.
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const freePort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const refused = new HttpConnectionPool('127.0.0.1', freePort);
    await assert.rejects(refused.post('/', {}, Buffer.alloc(1), 1024, noCancel), (err: unknown) => err instanceof ConnectionError && err.code === 'ECONNREFUSED' && !err.reused);
    refused.destroy();

    // A raw server, by request: the first answered, then its connection closed while idle; the second
    // answered; the third never (for cancel); the fourth garbled.
    const conns: Socket[] = [];
    let requests = 0;
    const tcp: TcpServer = createTcpServer((s) => {
      conns.push(s);
      s.on('data', (d: Buffer) => {
        for (let at = d.indexOf('POST '); at >= 0; at = d.indexOf('POST ', at + 1)) {
          const n = ++requests;
          if (n === 1) {
            s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
            setTimeout(() => s.destroy(), 20);
          } else if (n === 2) s.write('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
          else if (n === 4) s.write('garbage\r\n\r\n');
        }
      });
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const pool = new HttpConnectionPool('127.0.0.1', (tcp.address() as AddressInfo).port);
    try {
      assert.equal((await pool.post('/', {}, Buffer.from('a'), 1024, noCancel)).text, 'ok');
      await new Promise((r) => setTimeout(r, 100));
      // The idle connection closed meanwhile: the pool noticed and opened a new one.
      assert.equal((await pool.post('/', {}, Buffer.from('b'), 1024, noCancel)).status, 201);
      assert.equal(conns.length, 2);
      let abort: (() => void) | null = null;
      const hanging = pool.post('/', {}, Buffer.from('c'), 1024, (a) => (abort = a));
      await new Promise((r) => setTimeout(r, 50));
      abort!();
      // It went out on the kept connection (reused), and the abort closed it.
      await assert.rejects(hanging, (err: unknown) => err instanceof ConnectionError && err.code === 'ECONNRESET' && err.reused);
      assert.equal(conns.length, 2);
      await assert.rejects(pool.post('/', {}, Buffer.from('d'), 1024, noCancel), /not an HTTP\/1\.x answer|closed before the answer/);
    } finally {
      pool.destroy();
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    }
    await assert.rejects(pool.post('/', {}, Buffer.alloc(1), 1024, noCancel), (err: unknown) => err instanceof ConnectionError && err.code === 'ECONNABORTED');
  });
});
