/**
 * Files behind a reference: uploads streamed to a temporary file with a size
 * limit, and server-side paths checked against the configured directories.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, realpath, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReferenceInputError } from './errors.js';

/** Bytes read from the start of a file to decide its format. */
export const HEAD_BYTES = 64 * 1024;

/** The first bytes of a file (at most `bytes`). */
export async function readHead(path: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A request body saved to disk. */
export interface SavedUpload {
  path: string;
  bytes: number;
  /** The first bytes (for format detection). */
  head: Buffer;
  /** Milliseconds from the first to the last byte. */
  ms: number;
  /** Deletes the file (idempotent). */
  remove(): Promise<void>;
}

/** Where uploads are written while they are read: `<dataDir>/tmp`, private to the server's user. */
export function uploadDir(dataDir: string): string {
  return join(dataDir, 'tmp');
}

/**
 * Streams a request body into a new private file under `dir`. More than
 * `maxBytes` bytes: the file is deleted and a `payload_too_large` error thrown
 * (the rest of the body is not read).
 */
export async function saveUpload(body: Readable, dir: string, maxBytes: number): Promise<SavedUpload> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `reference-${Date.now()}-${randomBytes(8).toString('hex')}.upload`);
  const remove = () => rm(path, { force: true });
  const headChunks: Buffer[] = [];
  let headBytes = 0;
  let bytes = 0;
  let t0 = 0;
  const tooLarge = new ReferenceInputError('payload_too_large', `the reference is larger than the limit of ${maxBytes} bytes (references.maxBytes)`);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (bytes === 0) t0 = performance.now();
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(tooLarge);
        return;
      }
      if (headBytes < HEAD_BYTES) {
        const part = chunk.subarray(0, HEAD_BYTES - headBytes);
        headChunks.push(Buffer.from(part));
        headBytes += part.length;
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await remove();
    if (err === tooLarge) throw tooLarge;
    throw new ReferenceInputError('bad_request', `the upload was interrupted: ${(err as Error).message}`);
  }
  return { path, bytes, head: Buffer.concat(headChunks), ms: bytes ? performance.now() - t0 : 0, remove };
}

/** Deletes upload files left in `dir` (by a process that stopped mid-upload); returns how many. */
export async function removeStaleUploads(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const stale = names.filter((n) => /^reference-.*\.upload$/.test(n));
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale.length;
}

/** Characters that would make DuckDB expand a path as a glob pattern. */
const GLOB = /[*?[\]{}]/;

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' ? false : !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/**
 * Checks a server-side path a client named: absolute, inside one of the
 * allowed directories both as written and after resolving symbolic links, a
 * regular non-empty file. Returns its real path. Throws `path_not_allowed`
 * (403) before looking at the file system when the path is outside every
 * allowed directory, `unreadable_file` (422) when the file cannot be used.
 */
export async function resolveAllowedPath(path: string, allowed: readonly string[]): Promise<string> {
  if (allowed.length === 0) {
    throw new ReferenceInputError('path_not_allowed', 'reading files on the server is disabled; list the allowed directories in references.paths of the configuration, or upload the file');
  }
  if (path.includes('\0') || !isAbsolute(path)) throw new ReferenceInputError('bad_request', 'path: expected an absolute file path');
  if (GLOB.test(path)) throw new ReferenceInputError('bad_request', 'path: must name one file (no *, ?, [, ], {, })');
  const lexical = resolve(path);
  const dirs = await Promise.all(allowed.map((d) => realpath(d).catch(() => resolve(d))));
  const denied = () => new ReferenceInputError('path_not_allowed', `path: ${JSON.stringify(path)} is not inside a directory listed in references.paths`);
  if (!allowed.some((d) => inside(resolve(d), lexical)) && !dirs.some((d) => inside(d, lexical))) throw denied();
  let real: string;
  try {
    real = await realpath(lexical);
  } catch (err) {
    throw new ReferenceInputError('unreadable_file', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (!dirs.some((d) => inside(d, real))) throw denied();
  if (GLOB.test(real)) throw new ReferenceInputError('bad_request', 'path: the file name must not contain *, ?, [, ], {, }');
  const st = await stat(real);
  if (!st.isFile()) throw new ReferenceInputError('unreadable_file', `cannot read ${path}: not a regular file`);
  if (st.size === 0) throw new ReferenceInputError('empty_reference', `${path}: the file is empty (no header, no rows)`);
  try {
    const fh = await open(real, 'r');
    await fh.close();
  } catch (err) {
    throw new ReferenceInputError('unreadable_file', `cannot read ${path}: ${(err as Error).message}`);
  }
  return real;
}
