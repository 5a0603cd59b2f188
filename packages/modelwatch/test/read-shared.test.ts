import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTable } from '../src/read/table.js';
import { InputError } from '../src/errors.js';

/**
 * What the CLI gains from the reader it shares with the server
 * (`@modelwatch/server/read`): a CSV whose sniffed types break past the
 * sniffer's sample is read as text and typed from all values (it used to
 * fail), sampled or not; errors stay `InputError`s naming the file.
 */

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-read-shared-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a CSV number column with a stray word beyond the sniffer sample: numbers with one type violation, whole or sampled', async () => {
  const file = join(dir, 'stray.csv');
  const lines = ['x,k'];
  for (let i = 0; i < 30_000; i++) lines.push(`${i === 29_999 ? 'oops' : i},${i % 2 ? 'a' : 'b'}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const whole = await readTable(file, { format: 'csv' });
  const x = whole.table.columns[0];
  assert.equal(x.type, 'number');
  if (x.type !== 'number') return;
  assert.equal(x.typeViolations, 1);
  assert.equal(x.values[12_345], 12_345);
  assert.equal(x.nulls?.[29_999], 1);
  assert.equal(whole.totalRows, 30_000);
  const sampled = await readTable(file, { format: 'csv', sample: 1000 });
  assert.equal(sampled.table.numRows, 1000);
  assert.equal(sampled.totalRows, 30_000);
  assert.equal(sampled.table.columns[0].type, 'number');
});

test('errors stay InputErrors naming the file and the format', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, '[{"a": 1}, {"a": ');
  await assert.rejects(readTable(file, { format: 'json' }), (e: unknown) => e instanceof InputError && e.message.startsWith(`${file}: cannot read as a JSON array: `));
});
