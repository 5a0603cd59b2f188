import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doneReading, readInput } from '../src/read/input.js';
import { prefetchInputs, takePrefetched } from '../src/read/prefetch.js';
import { readTable } from '../src/read/table.js';

test('prefetch (on this thread) reads the files named by --reference/--current (last one wins) and hands each out once, for the same options only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-prefetch-'));
  try {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, 'x,y\n1,p\n2,q\n');
    writeFileSync(b, 'x,y\n3,r\n');
    prefetchInputs(['report', '-r', join(dir, 'ignored.csv'), '--reference', a, `--current=${b}`, '--json', 'out.json'], { local: true });
    assert.equal(takePrefetched(join(dir, 'ignored.csv'), undefined, undefined), undefined);
    const ra = takePrefetched(a, undefined, undefined);
    assert.ok(ra);
    assert.equal((await ra).table.numRows, 2);
    assert.equal(takePrefetched(a, undefined, undefined), undefined, 'handed out once');
    assert.equal(takePrefetched(b, 1, undefined), undefined, 'other options: not this read');
    assert.equal((await takePrefetched(b, undefined, undefined))!.table.numRows, 1);
    // Samples and seeds are part of the key; other commands and help are left alone.
    prefetchInputs(['check', '-r', a, '-c', b, '--sample', '1', '--seed', '7'], { local: true });
    assert.equal((await takePrefetched(a, 1, 7))!.table.numRows, 1);
    prefetchInputs(['schema', a]);
    prefetchInputs(['report', '-r', a, '-c', b, '--help']);
    prefetchInputs(['report', '-r', a, '-c', b, '--sample', 'lots']);
    assert.equal(takePrefetched(a, undefined, undefined), undefined);
    // A missing file is not read (the command reports it).
    prefetchInputs(['report', '-r', join(dir, 'missing.csv'), '-c', b], { local: true });
    assert.equal(takePrefetched(join(dir, 'missing.csv'), undefined, undefined), undefined);
    await takePrefetched(b, undefined, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prefetch on the read worker opens both files there; batches read there equal the file read here', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-prefetch-remote-'));
  try {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n');
    writeFileSync(a, `x,cat,when\n${rows(50, (i) => `${i % 7 === 0 ? '' : i * 1.5},${['p', 'q', 'ré'][i % 3]},2024-01-0${1 + (i % 9)}`)}\n`);
    writeFileSync(b, `cat,x,extra\n${rows(30, (i) => `${['q', 's'][i % 2]},${-i},${i}`)}\n`);
    assert.equal(prefetchInputs(['report', '-r', a, '-c', b]), true);
    const [ra, rb] = await Promise.all([takePrefetched(a, undefined, undefined), takePrefetched(b, undefined, undefined)]);
    assert.equal(ra!.kind, 'columns');
    assert.equal(rb!.kind, 'columns');
    if (ra!.kind !== 'columns' || rb!.kind !== 'columns') return;
    assert.deepEqual(ra.source.names, ['x', 'cat', 'when']);
    assert.deepEqual([ra.source.rows, rb.source.rows], [50, 30]);
    // Batches of the comparison's plan were read ahead; other column lists are read on request.
    const [wholeA, wholeB] = await Promise.all([readTable(a, { format: 'csv' }), readTable(b, { format: 'csv' })]);
    const remoteA = await ra.source.read([0, 1, 2]);
    assert.deepEqual(remoteA, wholeA.table);
    const part = await rb.source.read([1, 0]);
    assert.deepEqual(part.names, ['x', 'cat']);
    assert.deepEqual(part.columns, [wholeB.table.columns[1], wholeB.table.columns[0]]);
    assert.deepEqual(ra.sourceTypes, wholeA.sourceTypes);
    await ra.source.close();
    await rb.source.close();
    await assert.rejects(ra.source.read([0]), /read after close/);
  } finally {
    await doneReading();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file the read worker cannot read is read again here, and the problem is reported as before', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-prefetch-bad-'));
  try {
    const bad = join(dir, 'bad.parquet');
    const good = join(dir, 'good.csv');
    writeFileSync(bad, 'PAR1 this is not parquet');
    writeFileSync(good, 'x\n1\n');
    prefetchInputs(['report', '-r', bad, '-c', good]);
    const local = await readInput(bad).then(() => null, (e: Error) => e);
    prefetchInputs(['report', '-r', bad, '-c', good]);
    const viaPrefetch = await readInput(bad).then(() => null, (e: Error) => e);
    assert.ok(local && viaPrefetch);
    assert.equal(viaPrefetch.constructor, local.constructor);
    assert.equal(viaPrefetch.message, local.message);
    assert.match(viaPrefetch.message, /bad\.parquet/);
  } finally {
    await doneReading();
    rmSync(dir, { recursive: true, force: true });
  }
});
