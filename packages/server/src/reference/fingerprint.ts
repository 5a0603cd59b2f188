/**
 * Identity of a reference file and the settings it is read with, so that a
 * configuration's `reference:` file is not read again at every start while
 * neither the file's content nor the settings changed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** SHA-256 (hex) and size of a file's content. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const size = (await stat(path)).size;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), size };
}

/**
 * The fingerprint of a file read with some settings: a SHA-256 over the file's
 * hash and size and the settings (as canonical JSON), so a change of either
 * gives another fingerprint.
 */
export function fingerprint(file: { sha256: string; size: number }, settings: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify({ file, settings: canonical(settings) }))
    .digest('hex');
}

/** A JSON value with object keys sorted (so equal settings give equal text). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
