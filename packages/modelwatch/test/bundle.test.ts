import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_BUNDLE_FILE, CLI_MANIFEST_FILE, freshBundleFile } from '../src/bundles.js';
import { runCli, spawnNode, type RunResult } from './helpers/cli.js';

/**
 * The built CLI (`dist/cli.js`) runs its program from the one-file bundle
 * (`dist/main.bundle.cjs`, made by `npm run build`) while that is fresh, and
 * behaves like the sources: the same report, errors with their exit code and
 * message (the error classes are shared with the modules `cli.js` loads).
 */

const DIST = new URL('../dist/', import.meta.url);

function runBuilt(args: string[], cwd: string): Promise<RunResult> {
  return spawnNode([fileURLToPath(new URL('cli.js', DIST)), ...args], cwd, { ...process.env, NO_COLOR: '1', MODELWATCH_DEBUG: '' });
}

test('the bundled CLI gives the report the sources give, and the same errors', async () => {
  assert.ok(freshBundleFile(DIST, CLI_BUNDLE_FILE, CLI_MANIFEST_FILE), 'run "npm run build" first (npm test does): it bundles dist/main.bundle.cjs');
  const dir = mkdtempSync(join(tmpdir(), 'mw-bundle-cli-'));
  try {
    const rows = (shift: number) => ['x,c', ...Array.from({ length: 300 }, (_, i) => `${((i * 37) % 101) + shift},k${(i + shift) % 7}`)].join('\n');
    writeFileSync(join(dir, 'ref.csv'), rows(0));
    writeFileSync(join(dir, 'cur.csv'), rows(5));
    const args = (out: string) => ['report', '--reference', 'ref.csv', '--current', 'cur.csv', '--json', out, '--quiet'];
    const [built, source] = await Promise.all([runBuilt(args('built.json'), dir), runCli(args('source.json'), { cwd: dir })]);
    assert.equal(built.code, 0, built.stderr);
    assert.equal(source.code, 0, source.stderr);
    const strip = (f: string) => readFileSync(join(dir, f), 'utf8').replace(/"generatedAt": "[^"]*"/, '');
    assert.equal(strip('built.json'), strip('source.json'));

    const missing = await runBuilt(['report', '--reference', 'nope.csv', '--current', 'cur.csv'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.csv: file not found/);
    // Read on the read worker: the error class comes from the modules cli.js loaded, not from the bundle.
    writeFileSync(join(dir, 'bad.parquet'), 'not parquet at all');
    const bad = await runBuilt(['report', '--reference', 'bad.parquet', '--current', 'cur.csv'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.parquet: /);
    // `rules` imports the server package from the bundle (run from its code cache).
    const rules = await runBuilt(['rules', '--config', 'none.yaml'], dir);
    assert.equal(rules.code, 2);
    assert.match(rules.stderr, /none\.yaml/);
    for (const r of [missing, bad, rules]) assert.doesNotMatch(r.stderr, /internal error/, 'an input error, not an internal one');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
