/**
 * Identity of a reference file and the settings it is read with, so that a
 * configuration's `reference:` file is not read again at every start while
 * neither the file's content nor the settings changed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { canonical } from '../util/canonical.js';

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
