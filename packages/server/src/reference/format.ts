/**
 * Reference file formats: which one a request or a file holds (by an explicit
 * `?format=`, the Content-Type, or the first bytes), and the DuckDB table
 * function that reads it. The path is always bound as parameter `$1`; nothing a
 * client sends is ever placed into SQL text.
 */
import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { sourceSql as readerSourceSql } from '../read/table.js';
import { ReferenceInputError } from './errors.js';

/**
 * - `csv` / `tsv`: delimited text with a header; DuckDB's sniffer finds the
 *   delimiter, quoting and column types (`tsv` forces a tab delimiter).
 * - `parquet`: Parquet (magic `PAR1`).
 * - `ndjson`: one JSON object per line (`.ndjson`, `.jsonl`).
 * - `json`: one JSON array of objects.
 */
export type ReferenceFormat = 'csv' | 'tsv' | 'parquet' | 'ndjson' | 'json';

export const REFERENCE_FORMATS: readonly ReferenceFormat[] = ['csv', 'tsv', 'parquet', 'ndjson', 'json'];

/** Compression of a text format, detected from the gzip magic bytes. */
export type Compression = 'gzip' | null;

/** What a file holds: its format and compression. */
export interface DetectedFormat {
  format: ReferenceFormat;
  compression: Compression;
}

/** Media types of each format (the first is the canonical one). */
export const FORMAT_MEDIA_TYPES: Record<ReferenceFormat, readonly string[]> = {
  csv: ['text/csv', 'application/csv', 'text/x-csv'],
  tsv: ['text/tab-separated-values', 'text/tsv'],
  parquet: ['application/vnd.apache.parquet', 'application/x-parquet', 'application/parquet'],
  ndjson: ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines'],
  json: ['application/json'],
};

/** Media types that say nothing about the format: the content decides. */
const NEUTRAL_MEDIA_TYPES = ['application/octet-stream', 'text/plain', 'application/gzip', 'application/x-gzip', ''];

const BY_MEDIA_TYPE = new Map<string, ReferenceFormat>(
  Object.entries(FORMAT_MEDIA_TYPES).flatMap(([format, types]) => types.map((t) => [t, format as ReferenceFormat] as const)),
);

const BY_EXTENSION: Record<string, ReferenceFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  parquet: 'parquet',
  pq: 'parquet',
  parq: 'parquet',
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  json: 'json',
};

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** A `?format=` value, or throws naming the accepted values. */
export function parseFormatParam(value: string): ReferenceFormat {
  const v = value.trim().toLowerCase();
  const f = v === 'jsonl' ? 'ndjson' : v;
  if ((REFERENCE_FORMATS as readonly string[]).includes(f)) return f as ReferenceFormat;
  throw new ReferenceInputError('bad_request', `format: expected one of ${REFERENCE_FORMATS.join(', ')} (got ${JSON.stringify(value)})`);
}

/**
 * The format a Content-Type declares: a format, `null` when the type is neutral
 * (`application/octet-stream`, `text/plain`, none) and the content decides.
 * Throws `unsupported_media_type` for any other type.
 */
export function formatFromMediaType(contentType: string | undefined): ReferenceFormat | null {
  const media = mediaType(contentType);
  const f = BY_MEDIA_TYPE.get(media);
  if (f) return f;
  if (NEUTRAL_MEDIA_TYPES.includes(media)) return null;
  throw new ReferenceInputError(
    'unsupported_media_type',
    `unsupported Content-Type "${media}"; send CSV (text/csv), TSV (text/tab-separated-values), Parquet (application/vnd.apache.parquet), NDJSON (application/x-ndjson), a JSON array (application/json) or application/octet-stream, or name the format with ?format=`,
  );
}

/** The format named by a file name's extension (a `.gz` suffix looked through), if any. */
export function formatFromFileName(name: string): DetectedFormat | null {
  const gz = /\.(gz|gzip)$/i.test(name);
  const base = gz ? name.replace(/\.(gz|gzip)$/i, '') : name;
  const ext = /\.([^./\\]+)$/.exec(base)?.[1]?.toLowerCase();
  const format = ext ? BY_EXTENSION[ext] : undefined;
  return format ? { format, compression: gz ? 'gzip' : null } : null;
}

const isGzip = (head: Uint8Array) => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
const isParquet = (head: Uint8Array) => head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;

/** The start of a gzip stream, decompressed as far as the bytes given allow. */
function gunzipHead(head: Uint8Array): Buffer {
  try {
    return gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    return Buffer.alloc(0);
  }
}

/**
 * Decides what a file holds from its first bytes (at least the first few KiB)
 * and, when given, a declared format. Parquet by its magic bytes; gzip by its
 * magic, then its decompressed start; `[` starts a JSON array, `{` NDJSON; a
 * first line with tabs and no commas TSV; other text CSV. Binary content that is
 * none of these is refused.
 */
export function detectFormat(head: Uint8Array, declared: ReferenceFormat | null): DetectedFormat {
  if (head.length === 0) throw new ReferenceInputError('empty_reference', 'the reference is empty (no header, no rows)');
  const gzip = isGzip(head);
  if (declared === 'parquet') {
    if (!isParquet(head)) throw new ReferenceInputError('invalid_reference', 'the body is not a Parquet file (it does not start with the PAR1 magic bytes)');
    return { format: 'parquet', compression: null };
  }
  if (declared) return { format: declared, compression: gzip ? 'gzip' : null };
  if (isParquet(head)) return { format: 'parquet', compression: null };
  const text = gzip ? gunzipHead(head) : Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (gzip && text.length === 0) throw new ReferenceInputError('invalid_reference', 'the body is gzip-compressed but could not be decompressed');
  if (looksBinary(text)) {
    throw new ReferenceInputError(
      'unsupported_media_type',
      'unrecognised format: the content is binary but not Parquet; send CSV, TSV, Parquet, NDJSON/JSONL or a JSON array',
    );
  }
  const compression: Compression = gzip ? 'gzip' : null;
  const s = text.toString('utf8');
  const first = /\S/.exec(s)?.[0];
  if (first === undefined) throw new ReferenceInputError('empty_reference', 'the reference holds only white space (no header, no rows)');
  if (first === '[') return { format: 'json', compression };
  if (first === '{') return { format: 'ndjson', compression };
  const firstLine = s.slice(s.search(/\S/)).split(/\r?\n/, 1)[0];
  if (firstLine.includes('\t') && !firstLine.includes(',')) return { format: 'tsv', compression };
  return { format: 'csv', compression };
}

/** NUL bytes or many control characters: not text. */
function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control > n / 10;
}

/**
 * The DuckDB table function reading a file of the format, the path bound as
 * `$1` (NDJSON strictly newline-delimited; compression as detected). Every
 * option is a constant of `src/read/table.ts`.
 */
export function sourceSql(f: DetectedFormat): string {
  return readerSourceSql(f.format, { compression: f.compression, ndjson: 'newline_delimited' });
}
