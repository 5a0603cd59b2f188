/**
 * Compressed request bodies (`Content-Encoding: gzip | x-gzip | deflate`),
 * decompressed as they stream in with a bound on the decompressed size: once
 * the output passes `limit` bytes the decompressor is destroyed, so a zip bomb
 * costs at most `limit` bytes of memory and the time to inflate them.
 *
 * `deflate` is the zlib format (RFC 9110 / RFC 1950).
 */
import { Transform } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';

/** The encodings {@link decompressedBody} reads. */
export const CONTENT_ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'identity'] as const;

/** The normalized content encoding of a header value, `null` when absent or identity, `undefined` when not supported. */
export function contentEncoding(header: string | string[] | undefined): 'gzip' | 'deflate' | null | undefined {
  if (header === undefined) return null;
  const value = (Array.isArray(header) ? header.join(',') : header).trim().toLowerCase();
  if (value === '' || value === 'identity') return null;
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  return undefined;
}

/** A body stream that reports how many encoded bytes it read (Fastify compares that with Content-Length). */
export interface DecodedBody extends Readable {
  receivedEncodedLength: number;
}

/**
 * Counts decompressed bytes and fails with `tooLarge()` past `limit`; also
 * reports the compressed bytes read so far as `receivedEncodedLength`.
 */
class BoundedOutput extends Transform implements DecodedBody {
  receivedEncodedLength = 0;
  private produced = 0;

  constructor(
    private readonly limit: number,
    private readonly tooLarge: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.produced += chunk.length;
    if (this.produced > this.limit) {
      callback(this.tooLarge());
      return;
    }
    callback(null, chunk);
  }
}

/**
 * The decompressed stream of `payload` in `encoding`. Errors: `tooLarge()` when
 * the output passes `limit` bytes; `corrupt(message)` when the input is not
 * valid in that encoding (truncated, wrong format). When the returned stream
 * fails or closes early, the decompressor is destroyed and the payload
 * unpiped.
 */
export function decompressedBody(payload: Readable, encoding: 'gzip' | 'deflate', limit: number, tooLarge: () => Error, corrupt: (message: string) => Error): DecodedBody {
  const inflater = encoding === 'gzip' ? createGunzip() : createInflate();
  const out = new BoundedOutput(limit, tooLarge);
  payload.on('data', (chunk: Buffer) => (out.receivedEncodedLength += chunk.length));
  payload.on('error', (err: Error) => out.destroy(err));
  inflater.on('error', (err: Error) => {
    const hint = encoding === 'deflate' ? ' (deflate bodies must be in the zlib format, RFC 1950)' : '';
    out.destroy(corrupt(`the ${encoding} body could not be decompressed: ${err.message}${hint}`));
  });
  out.on('close', () => {
    payload.unpipe(inflater);
    inflater.destroy();
  });
  payload.pipe(inflater).pipe(out);
  return out;
}
