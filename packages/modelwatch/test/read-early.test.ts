import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropEarlyReadWorker, startEarlyReadWorker, takeEarlyReadWorker } from '../src/read/early.js';

/** The read worker `cli.js` starts first: only for report/check, adopted once, stopped when unused. */
test('the early read worker starts for report and check only, is taken once, and is stopped if unused', async () => {
  for (const argv of [['profile', 'a.csv'], ['report', '--help'], ['serve']]) {
    startEarlyReadWorker(argv);
    assert.equal(takeEarlyReadWorker(), null, argv.join(' '));
  }
  const was = process.env.MODELWATCH_READ_WORKER;
  process.env.MODELWATCH_READ_WORKER = '0';
  try {
    startEarlyReadWorker(['report', '-r', 'a.csv', '-c', 'b.csv']);
    assert.equal(takeEarlyReadWorker(), null, 'reading on the main thread');
  } finally {
    if (was === undefined) delete process.env.MODELWATCH_READ_WORKER;
    else process.env.MODELWATCH_READ_WORKER = was;
  }

  startEarlyReadWorker(['check', '-r', 'a.csv', '-c', 'b.csv']);
  const worker = takeEarlyReadWorker();
  assert.ok(worker, 'started for check');
  assert.equal(takeEarlyReadWorker(), null, 'handed out once');
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  await worker.terminate();
  await exited;

  startEarlyReadWorker(['report', '-r', 'a.csv', '-c', 'b.csv']);
  let stopped = false;
  // Not adopted: dropping it stops the thread.
  const dropping = dropEarlyReadWorker().then(() => (stopped = true));
  await dropping;
  assert.ok(stopped);
  assert.equal(takeEarlyReadWorker(), null);
});
