/**
 * The web dashboard's files, served at `/` by the service itself (no static
 * file middleware): the few files Vite builds into `@modelwatch/ui`'s
 * `dist-app/` are read once when the app is built, kept in memory with a
 * gzip copy, and answered from that map. A request can only ever get one of
 * those files: URLs are looked up as keys, never joined to a path, so there is
 * no path traversal to defend against.
 *
 * - `index.html` answers `/` and the app's client routes (`/models/…`,
 *   `/alerts`), `Cache-Control: no-cache` (revalidated by ETag);
 * - `/assets/*` (content-hashed names) are `immutable` for a year;
 * - gzip when the client accepts it (`Vary: Accept-Encoding`), `304` on a
 *   matching `If-None-Match`, `HEAD` too;
 * - a Content-Security-Policy that allows only the service's own scripts,
 *   styles and API (`connect-src 'self'`), no framing.
 *
 * The shell is public (it holds no data); the API under `/v1` keeps its
 * authentication: the app asks for a token when the API answers 401.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dashboardAssetsDir } from '@modelwatch/ui/dashboard';

/** Content types of the files Vite writes. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Compressible types (gzip is worth it). */
const TEXT = /^(text\/|image\/svg|application\/json)/;

/** The policy of the app's pages: its own files and API only. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  immutable: boolean;
}

/** Files larger than this are not served (the build writes nothing near it). */
const MAX_FILE = 8 * 1024 * 1024;

/** Reads every file under `dir` into memory, keyed by URL path (`/index.html`, `/assets/index-3f2a.js`). */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && st.size <= MAX_FILE) {
        const type = TYPES[extname(name).toLowerCase()];
        if (!type) continue;
        const body = readFileSync(path);
        const gz = TEXT.test(type) && body.length > 512 ? gzipSync(body, { level: 9 }) : null;
        const key = `/${relative(dir, path).split(sep).join('/')}`;
        assets.set(key, {
          body,
          gzip: gz && gz.length < body.length ? gz : null,
          type,
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
          immutable: key.startsWith('/assets/'),
        });
      }
    }
  };
  walk(dir);
  return assets;
}

function acceptsGzip(request: FastifyRequest): boolean {
  const h = request.headers['accept-encoding'];
  return typeof h === 'string' && /\bgzip\b/i.test(h) && !/\bgzip\s*;\s*q=0(\.0+)?\b/i.test(h);
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.header('content-type', asset.type);
  reply.header('etag', asset.etag);
  reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.header('x-content-type-options', 'nosniff');
  if (asset.type.startsWith('text/html')) {
    reply.header('content-security-policy', DASHBOARD_CSP);
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
  }
  if (asset.gzip) reply.header('vary', 'accept-encoding');
  const inm = request.headers['if-none-match'];
  if (typeof inm === 'string' && inm.split(',').some((t) => t.trim() === asset.etag || t.trim() === `W/${asset.etag}`)) {
    return reply.code(304).send();
  }
  if (asset.gzip && acceptsGzip(request)) {
    reply.header('content-encoding', 'gzip');
    return reply.send(asset.gzip);
  }
  return reply.send(asset.body);
}

/** The page shown at `/` when the app has not been built. */
const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>modelwatch</title></head><body>
<h1>modelwatch</h1><p>The dashboard has not been built. Run <code>npm run build</code> in the repository (it builds <code>packages/ui/dist-app</code>), then restart the service.</p>
<p>The API is available: <a href="/v1/models">/v1/models</a>, <a href="/docs">/docs</a>, <a href="/metrics">/metrics</a>.</p></body></html>`;

export interface DashboardOptions {
  /** Directory of the built app (default: `@modelwatch/ui`'s `dist-app/`). */
  dir?: string;
}

/**
 * Serves the dashboard at `/`. Client routes (`/models`, `/models/*`,
 * `/alerts`, `/alerts/*`) get `index.html`; other unknown paths keep the API's
 * JSON 404.
 */
export function registerDashboard(app: FastifyInstance, opts: DashboardOptions = {}): void {
  const dir = opts.dir ?? dashboardAssetsDir();
  const assets = existsSync(join(dir, 'index.html')) ? loadAssets(dir) : new Map<string, Asset>();
  const index = assets.get('/index.html');
  const config = { scope: 'public' as const };
  const schema = { hide: true };

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!index) return reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    return send(request, reply, index);
  };
  for (const url of ['/', '/models', '/models/*', '/alerts', '/alerts/*']) app.get(url, { config, schema }, page);

  app.get<{ Params: { '*': string } }>('/assets/*', { config, schema }, async (request, reply) => {
    const asset = assets.get(`/assets/${request.params['*']}`);
    if (!asset) {
      return reply.code(404).type('application/json; charset=utf-8').send({ error: 'not_found', message: 'no such dashboard file' });
    }
    return send(request, reply, asset);
  });
  // Files at the top of the build other than index.html (favicon, robots.txt).
  for (const [key, asset] of assets) {
    if (key === '/index.html' || key.startsWith('/assets/') || key.slice(1).includes('/')) continue;
    app.get(key, { config, schema }, async (request, reply) => send(request, reply, asset));
  }
}
