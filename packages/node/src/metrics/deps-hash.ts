/**
 * A short hash of what a model version depends on, shown as the `deps_hash`
 * label of `modelwatch_model_info`: when a dependency changes (a lockfile entry,
 * a declared dependency range, a model artefact), the label changes and the
 * change is visible on a dashboard next to a shift in latency or predictions.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Lockfiles looked for, in this order, in the directory and then its parents. */
export const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock'];

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies'];

export interface DependencyHashOptions {
  /** Directory of the application's package.json (default `process.cwd()`); the lockfile is searched from here upwards. */
  dir?: string;
  /** Files whose content counts too: model weights, vocabularies, feature maps. */
  artefacts?: readonly string[];
  /** Strings that count too (a model registry URI, a git commit). */
  extra?: readonly string[];
  /** Hex characters kept (default 12). */
  length?: number;
}

/** JSON with object keys sorted, so that formatting and key order do not change the hash. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function hashFile(hash: Hash, path: string): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

function findLockfile(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    for (const name of LOCKFILES) {
      const p = join(d, name);
      if (existsSync(p)) return p;
    }
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Hash (SHA-256, hex, shortened) of: the dependency fields of `dir/package.json`
 * (canonical JSON, so reformatting does not count), the content of the nearest
 * lockfile, each artefact's content and the extra strings. `'unknown'` when
 * none of them exists. Throws when an artefact cannot be read (a start-up error).
 */
export function dependencyHash(opts: DependencyHashOptions = {}): string {
  const dir = resolve(opts.dir ?? process.cwd());
  const hash = createHash('sha256');
  let found = false;
  const pkgPath = join(dir, 'package.json');
  if (existsSync(pkgPath)) {
    let pkg: Record<string, unknown>;
    try {
      pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`dependencyHash: cannot read ${pkgPath}: ${(err as Error).message}`);
    }
    const deps: Record<string, unknown> = {};
    for (const f of DEPENDENCY_FIELDS) if (pkg[f] !== undefined) deps[f] = pkg[f];
    hash.update(`package.json\0${canonical(deps)}\0`);
    found = true;
  }
  const lock = findLockfile(dir);
  if (lock) {
    hash.update(`lockfile\0`);
    hashFile(hash, lock);
    hash.update('\0');
    found = true;
  }
  for (const artefact of opts.artefacts ?? []) {
    const path = resolve(dir, artefact);
    if (!existsSync(path)) throw new Error(`dependencyHash: artefact ${path} does not exist`);
    hash.update(`artefact\0`);
    hashFile(hash, path);
    hash.update('\0');
    found = true;
  }
  for (const s of opts.extra ?? []) {
    hash.update(`extra\0${s}\0`);
    found = true;
  }
  return found ? hash.digest('hex').slice(0, opts.length ?? 12) : 'unknown';
}
