import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnDrift, Report } from '@modelwatch/core';
import { parseXml, runCli, type RunResult } from './helpers/cli.js';

/**
 * The CLI as users run it: a child process on files in a temp dir, checked by
 * exit code, stdout/stderr and the files it writes.
 */

let dir: string;
const at = (f: string) => join(dir, f);
const SCRIPT = '<script>alert(1)</script>';
const QUOTE = `q"u'o&te`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mw-cli-'));
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  // Deterministic pseudo-random values from hash(); the current side is shifted and has a new category.
  const side = (name: string, shift: number, newCat: boolean) => `
    CREATE TABLE ${name} AS
    WITH u AS (SELECT i, (hash(i * 3 + ${shift * 1000}) % 1000003) / 1000003.0 AS u1, (hash(i * 7 + 1 + ${shift * 1000}) % 1000003) / 1000003.0 AS u2 FROM range(3000) t(i))
    SELECT
      'row-' || i AS row_id,
      round(u1 * 10 + ${shift}, 6) AS x,
      round(u2 * 100, 3) AS amount,
      CASE WHEN u2 < 0.5 THEN 'a' WHEN u2 < 0.8 THEN 'b' WHEN u2 < ${newCat ? 0.9 : 1.1} THEN 'c' ELSE 'd' END AS cat,
      u1 < 0.3 AS flag,
      round(u2 * 5, 2) AS "${SCRIPT}",
      CAST(i % 4 AS INTEGER) AS "${QUOTE.replaceAll('"', '""')}",
      CAST(u1 + 0.2 * (u2 - 0.5) > 0.5 AS INTEGER) AS y,
      CAST(u1 > 0.5 AS INTEGER) AS pred,
      round(u1, 4) AS score
    FROM u`;
  await con.run(side('ref', 0, false));
  await con.run(side('cur', 3, true));
  for (const t of ['ref', 'cur']) {
    await con.run(`COPY ${t} TO '${at(`${t}.csv`)}' (FORMAT csv, HEADER true)`);
    await con.run(`COPY ${t} TO '${at(`${t}.tsv`)}' (FORMAT csv, HEADER true, DELIMITER '\t')`);
    await con.run(`COPY ${t} TO '${at(`${t}.parquet`)}' (FORMAT parquet)`);
    await con.run(`COPY ${t} TO '${at(`${t}.ndjson`)}' (FORMAT json)`);
    await con.run(`COPY ${t} TO '${at(`${t}.json`)}' (FORMAT json, ARRAY true)`);
  }
  // The current data with a text value in the numeric column x (type conflict), and without y.
  await con.run(`COPY (SELECT * REPLACE ('n/a-' || x AS x) FROM cur) TO '${at('cur_text_x.csv')}' (FORMAT csv, HEADER true)`);
  await con.run(`COPY (SELECT * EXCLUDE (y) FROM cur) TO '${at('cur_no_y.csv')}' (FORMAT csv, HEADER true)`);
  await con.run(`COPY (SELECT * EXCLUDE (amount) FROM cur) TO '${at('cur_no_amount.csv')}' (FORMAT csv, HEADER true)`);
  copyFileSync(at('ref.csv'), at('same.csv'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const readJson = <T = Report>(f: string): T => JSON.parse(readFileSync(at(f), 'utf8')) as T;

function assertNoStack(r: RunResult): void {
  assert.doesNotMatch(r.stderr, /\n\s+at /, `stack trace in stderr:\n${r.stderr}`);
}

/** What must be equal between reports of the same data: the drift columns and row counts. */
function driftOf(r: Report): Omit<ColumnDrift, never>[] {
  return r.drift.columns;
}

describe('report', { concurrency: 2 }, () => {
  test('writes the JSON report with the documented drift shape (exit 0)', async () => {
    const r = await runCli(['report', '--reference', at('ref.csv'), '--current', at('cur.csv'), '--target', 'y', '--prediction', 'pred', '--json', at('r.json'), '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const report = readJson('r.json');
    assert.equal(report.kind, 'modelwatch.report');
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.reference.rows, 3000);
    assert.equal(report.current.rows, 3000);
    assert.equal(report.reference.source, at('ref.csv'));
    assert.equal(typeof report.drift.share, 'number');
    assert.equal(typeof report.drift.detected, 'boolean');
    assert.ok(report.drift.columns.length >= 5);
    for (const c of report.drift.columns) {
      for (const key of ['column', 'kind', 'method', 'value', 'pValue', 'threshold', 'detected', 'nRef', 'nCur'] as const) assert.ok(key in c, `${key} missing in ${c.column}`);
      assert.equal(typeof c.column, 'string');
      assert.ok(c.value === null || typeof c.value === 'number');
      assert.ok(c.pValue === null || (c.pValue >= 0 && c.pValue <= 1));
      assert.equal(typeof c.threshold, 'number');
      assert.equal(typeof c.detected, 'boolean');
      assert.ok(Number.isInteger(c.nRef) && Number.isInteger(c.nCur));
    }
    const x = report.drift.columns.find((c) => c.column === 'x')!;
    assert.equal(x.detected, true, 'x is shifted by 3 and must drift');
    assert.equal(x.method, 'wasserstein_normed');
    assert.equal(x.pValue, null);
    assert.equal(x.nRef, 3000);
    const cat = report.drift.columns.find((c) => c.column === 'cat')!;
    assert.equal(cat.kind, 'categorical');
    assert.ok(report.dataQuality.findings.some((f) => f.type === 'new_categories' && f.column === 'cat'));
    assert.ok(report.drift.skipped.some((s) => s.column === 'row_id'));
    assert.equal(report.targetDrift?.column, 'y');
    assert.equal(report.predictionDrift?.column, 'pred');
    assert.equal(report.modelQuality?.task, 'binary');
    assert.ok(report.modelQuality!.metrics.some((m) => m.name === 'accuracy'));
    // Hostile names round-trip.
    assert.ok(report.drift.columns.some((c) => c.column === SCRIPT));
    assert.ok(report.drift.columns.some((c) => c.column === QUOTE));
  });

  test('the same report from CSV, TSV, Parquet, NDJSON and a JSON array of the same data', async () => {
    const formats = ['csv', 'tsv', 'parquet', 'ndjson', 'json'];
    const runs = await Promise.all(
      formats.map((f) => runCli(['report', '-r', at(`ref.${f}`), '-c', at(`cur.${f}`), '--target', 'y', '--json', at(`same-${f}.json`), '-q'])),
    );
    runs.forEach((r, i) => assert.equal(r.code, 0, `${formats[i]}: ${r.stderr}`));
    const reports = formats.map((f) => readJson(`same-${f}.json`));
    for (let i = 1; i < reports.length; i++) {
      assert.deepEqual(driftOf(reports[i]), driftOf(reports[0]), `${formats[i]} vs csv`);
      assert.deepEqual(reports[i].dataQuality.columns, reports[0].dataQuality.columns, `${formats[i]} vs csv`);
      assert.deepEqual(reports[i].schema, reports[0].schema, `${formats[i]} vs csv`);
      assert.deepEqual(reports[i].modelQuality, reports[0].modelQuality, `${formats[i]} vs csv`);
    }
  });

  test('inputs read a batch of columns at a time (on the read worker, or wide ones here) give the same report as read whole', async () => {
    // Force batching on this small data: every file counts as wide, 3000 rows × 2 columns per batch.
    const batched = { MODELWATCH_WIDE_CELLS: '1', MODELWATCH_BATCH_CELLS: '6000' };
    const here = { MODELWATCH_READ_WORKER: '0' };
    for (const f of ['parquet', 'csv']) {
      const args = (out: string) => ['report', '-r', at(`ref.${f}`), '-c', at(`cur.${f}`), '--target', 'y', '--prediction', 'pred', '--json', at(out), '-q'];
      const runs = await Promise.all([
        runCli(args(`whole-${f}.json`), { env: { ...here, MODELWATCH_TIMING: '1' } }),
        runCli(args(`wide-${f}.json`), { env: { ...here, ...batched, MODELWATCH_TIMING: '1' } }),
        runCli(args(`worker-${f}.json`), { env: { MODELWATCH_TIMING: '1' } }),
        runCli(args(`worker-batches-${f}.json`), { env: { ...batched, MODELWATCH_TIMING: '1' } }),
      ]);
      for (const r of runs) assert.equal(r.code, 0, r.stderr);
      assert.match(runs[0].stderr, /read both inputs/, 'read whole');
      for (const r of runs.slice(1)) assert.match(r.stderr, /read and compare/, 'the batched path ran');
      const a = readJson(`whole-${f}.json`);
      for (const name of ['wide', 'worker', 'worker-batches']) {
        const b = readJson(`${name}-${f}.json`);
        assert.deepEqual({ ...b, generatedAt: a.generatedAt }, a, `${f}: ${name} report differs`);
      }
    }
    // A type conflict found in a later batch still stops the comparison with exit 2.
    const conflict = await runCli(['report', '-r', at('ref.csv'), '-c', at('cur_text_x.csv'), '--json', at('conflict.json')], { env: batched });
    assert.equal(conflict.code, 2);
    assert.match(conflict.stderr, /column "x" is numeric in .*ref\.csv but text in .*cur_text_x\.csv/);
  });

  test('without outputs prints the drift table and the verdict', async () => {
    const r = await runCli(['report', '-r', at('ref.parquet'), '-c', at('cur.parquet')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /column\s+kind\s+method\s+value\s+p-value/);
    assert.match(r.stdout, /^x\s+numeric\s+wasserstein_normed\s+[\d.]+\s+-\s+≥ 0\.1\s+DRIFT$/m);
    assert.match(r.stdout, /Dataset drift DETECTED|No dataset drift/);
    assert.match(r.stdout, /Data quality: \d+ errors/);
    assert.ok(r.stdout.includes(SCRIPT), 'column names printed as text');
  });

  test('--sample N compares N rows of each side and records what they were sampled from', async () => {
    const r = await runCli(['report', '-r', at('ref.parquet'), '-c', at('cur.csv'), '--sample', '500', '--json', at('sampled.json'), '-q']);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson('sampled.json');
    assert.equal(report.reference.rows, 500);
    assert.equal(report.reference.sampledFrom, 3000);
    assert.equal(report.current.rows, 500);
    assert.equal(report.current.sampledFrom, 3000);
  });

  test('--method and --column-method choose methods; --drift-share sets the dataset threshold', async () => {
    const r = await runCli(['report', '-r', at('ref.csv'), '-c', at('cur.csv'), '--method', 'psi', '--column-method', 'x=ks', '--drift-share', '0.9', '--json', at('methods.json'), '-q']);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson('methods.json');
    const by = (n: string) => report.drift.columns.find((c) => c.column === n)!;
    assert.equal(by('x').method, 'ks');
    assert.equal(by('x').chosenBy, 'user');
    assert.equal(by('amount').method, 'psi');
    assert.equal(by('cat').method, 'psi');
    assert.equal(report.drift.shareThreshold, 0.9);
  });

  test('a column missing from the current data is a finding, not an error', async () => {
    const r = await runCli(['report', '-r', at('ref.csv'), '-c', at('cur_no_amount.csv'), '--json', at('missing.json'), '-q']);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson('missing.json');
    assert.ok(report.dataQuality.findings.some((f) => f.type === 'missing_column' && f.column === 'amount'));
  });

  test('profile, then report against the profile', async () => {
    const p = await runCli(['profile', at('ref.parquet'), '--target', 'y', '--out', at('ref.profile.json'), '-q']);
    assert.equal(p.code, 0, p.stderr);
    const prof = readJson<{ kind: string; rows: number; schema: { columns: { name: string; role: string }[] } }>('ref.profile.json');
    assert.equal(prof.kind, 'modelwatch.profile');
    assert.equal(prof.rows, 3000);
    assert.equal(prof.schema.columns.find((c) => c.name === 'y')?.role, 'target');
    const r = await runCli(['report', '-r', at('ref.profile.json'), '-c', at('cur.csv'), '--json', at('from-profile.json'), '-q']);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson('from-profile.json');
    assert.equal(report.reference.profileOnly, true);
    assert.equal(report.reference.rows, 3000);
    assert.equal(report.drift.columns.find((c) => c.column === 'x')?.detected, true);
  });

  test('schema prints the inferred schema, accepted back by --schema', async () => {
    const s = await runCli(['schema', at('ref.csv'), '--target', 'y', '--prediction', 'pred']);
    assert.equal(s.code, 0, s.stderr);
    const schema = JSON.parse(s.stdout) as { columns: { name: string; kind: string; role: string }[]; task?: string };
    assert.equal(schema.columns.find((c) => c.name === 'y')?.role, 'target');
    assert.equal(schema.columns.find((c) => c.name === 'pred')?.role, 'prediction');
    assert.equal(schema.columns.find((c) => c.name === 'x')?.kind, 'numeric');
    assert.equal(schema.columns.find((c) => c.name === 'cat')?.kind, 'categorical');
    assert.equal(schema.columns.find((c) => c.name === 'flag')?.kind, 'boolean');
    assert.equal(schema.task, 'binary');
    // Edit it: treat the 4-valued integer column as categorical.
    schema.columns.find((c) => c.name === QUOTE)!.kind = 'categorical';
    writeFileSync(at('schema.json'), JSON.stringify(schema));
    const r = await runCli(['report', '-r', at('ref.csv'), '-c', at('cur.csv'), '--schema', at('schema.json'), '--json', at('with-schema.json'), '-q']);
    assert.equal(r.code, 0, r.stderr);
    const report = readJson('with-schema.json');
    assert.equal(report.drift.columns.find((c) => c.column === QUOTE)?.kind, 'categorical');
    assert.equal(report.modelQuality?.target, 'y');
  });
});

describe('check', { concurrency: 2 }, () => {
  test('identical data passes the default suite (exit 0)', async () => {
    const r = await runCli(['check', '-r', at('ref.csv'), '-c', at('same.csv'), '--target', 'y', '--prediction', 'pred']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PASSED/);
    assert.match(r.stdout, /status\s+test\s+result/);
  });

  test('drifted data fails the default suite (exit 1), with JUnit XML that parses and carries hostile names escaped', async () => {
    const r = await runCli(['check', '-r', at('ref.parquet'), '-c', at('cur.parquet'), '--junit', at('junit.xml'), '--json', at('check.json')]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL/);
    assert.match(r.stdout, /FAILED/);
    const xml = readFileSync(at('junit.xml'), 'utf8');
    const elements = parseXml(xml);
    assert.equal(elements[0].name, 'testsuites');
    const cases = elements.filter((e) => e.name === 'testcase');
    const report = readJson('check.json');
    assert.ok(report.tests, 'tests in the JSON report');
    assert.equal(cases.length, report.tests!.tests.length);
    const failures = elements.filter((e) => e.name === 'failure');
    assert.equal(failures.length, report.tests!.counts.fail);
    assert.equal(Number(elements[0].attrs.failures), report.tests!.counts.fail);
    assert.ok(cases.some((c) => c.attrs.name.includes(SCRIPT)), 'hostile name decoded back from the XML');
    assert.ok(cases.some((c) => c.attrs.name.includes(QUOTE)));
    assert.ok(!xml.includes('<script>'), 'no raw markup from data');
  });

  test('a YAML suite: passing tests exit 0, a failing one exits 1', async () => {
    writeFileSync(at('pass.yaml'), 'name: mine\ntests:\n  - rows > 100\n  - column(amount).missing_share <= reference + 0.05\n  - { condition: "column(x).drift_detected == 0", severity: warn }\n');
    writeFileSync(at('fail.yaml'), 'tests:\n  - drift.share < 0.01\n  - column(x).mean_shift <= 0.5\n');
    const [pass, fail] = await Promise.all([
      runCli(['check', '-r', at('ref.csv'), '-c', at('cur.csv'), '--suite', at('pass.yaml')]),
      runCli(['check', '-r', at('ref.csv'), '-c', at('cur.csv'), '--suite', at('fail.yaml'), '--json', at('fail.json')]),
    ]);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /WARN/);
    assert.match(pass.stdout, /Suite: mine/);
    assert.equal(fail.code, 1, fail.stdout + fail.stderr);
    assert.equal(readJson('fail.json').tests?.counts.fail, 2);
  });

  test('an invalid suite exits 2 naming each bad setting, before reading data', async () => {
    writeFileSync(at('bad.yaml'), 'tests:\n  - column(x).bogus < 1\n  - { check: rows, op: "~", value: 3 }\n');
    const r = await runCli(['check', '-r', at('does-not-exist.csv'), '-c', at('cur.csv'), '--suite', at('bad.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml: invalid test suite/);
    assert.match(r.stderr, /tests\[0\]\.condition: unknown column quantity "bogus"/);
    assert.match(r.stderr, /tests\[1\]\.op/);
    assertNoStack(r);
  });
});

describe('usage and input errors exit 2 with a message naming the file and column', { concurrency: 2 }, () => {
  const cases: [string, string[], RegExp[]][] = [
    ['missing file', ['report', '-r', 'nope.csv', '-c', 'cur.csv'], [/nope\.csv: file not found/]],
    ['unknown --target column', ['report', '-r', 'ref.csv', '-c', 'cur.csv', '--target', 'label'], [/--target "label": no such column in .*ref\.csv \(columns: "row_id", "x"/]],
    ['target absent from the current data', ['report', '-r', 'ref.csv', '-c', 'cur_no_y.csv', '--target', 'y'], [/--target "y": no such column in .*cur_no_y\.csv/]],
    ['type conflict between sides', ['report', '-r', 'ref.csv', '-c', 'cur_text_x.csv'], [/column "x" is numeric in .*ref\.csv but text in .*cur_text_x\.csv \(e\.g\. "n\/a-/, /--schema/]],
    ['bad --schema', ['report', '-r', 'ref.csv', '-c', 'cur.csv', '--schema', 'bad-schema.json'], [/bad-schema\.json: invalid schema/, /columns\[0\]\.kind: must be one of/, /columns\[1\]\.role: must be one of/]],
    ['unknown method', ['report', '-r', 'ref.csv', '-c', 'cur.csv', '--method', 'magic'], [/--method: unknown drift method "magic"; expected one of .*psi/]],
    ['sample-based method on a categorical column', ['report', '-r', 'ref.csv', '-c', 'cur.csv', '--column-method', 'cat=ks'], [/--column-method cat: "ks" compares numeric samples/]],
    ['bad --sample', ['report', '-r', 'ref.csv', '-c', 'cur.csv', '--sample', 'lots'], [/--sample: expected a positive whole number/]],
    ['bad --drift-share', ['report', '-r', 'ref.csv', '-c', 'cur.csv', '--drift-share', '2'], [/--drift-share: expected a share in \(0, 1\]/]],
    ['missing required option', ['report', '-r', 'ref.csv'], [/required option '-c, --current <file>' not specified/]],
    ['unknown option', ['report', '-r', 'ref.csv', '-c', 'cur.csv', '--colour'], [/unknown option '--colour'/]],
    ['a profile as the current data', ['report', '-r', 'ref.csv', '-c', 'p-as-current.json'], [/p-as-current\.json: is a modelwatch profile; --current must be a data file/]],
    ['empty file', ['report', '-r', 'empty.csv', '-c', 'cur.csv'], [/empty\.csv: the file is empty/]],
    ['header-only reference', ['report', '-r', 'header.csv', '-c', 'cur.csv'], [/header\.csv: the reference has a header but no rows/]],
    ['a column name with a control character', ['report', '-r', 'nl.csv', '-c', 'cur.csv'], [/nl\.csv: column "a\\nb": a column name must not contain control characters; rename the column/]],
    ['two outputs to stdout', ['report', '-r', 'ref.csv', '-c', 'cur.csv', '--json', '-', '--html', '-'], [/only one output can go to stdout/]],
    ['garbage in a .parquet file', ['report', '-r', 'garbage.parquet', '-c', 'cur.csv'], [/garbage\.parquet: has a Parquet extension but is not a Parquet file/]],
  ];
  before(() => {
    writeFileSync(at('bad-schema.json'), JSON.stringify({ columns: [{ name: 'x', kind: 'number', role: 'feature' }, { name: 'y', kind: 'numeric', role: 'label' }] }));
    writeFileSync(at('p-as-current.json'), JSON.stringify({ kind: 'modelwatch.profile', schemaVersion: 1, columns: [], schema: { columns: [] } }));
    writeFileSync(at('empty.csv'), '');
    writeFileSync(at('header.csv'), 'x,cat\n');
    writeFileSync(at('garbage.parquet'), 'not parquet at all\n');
    writeFileSync(at('nl.csv'), '"a\nb",x\n1,2\n');
  });
  for (const [name, args, patterns] of cases) {
    test(name, async () => {
      const r = await runCli(args, { cwd: dir });
      assert.equal(r.code, 2, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      for (const p of patterns) assert.match(r.stderr, p);
      assertNoStack(r);
    });
  }

  test('--debug adds the stack trace', async () => {
    const r = await runCli(['report', '-r', 'nope.csv', '-c', 'cur.csv', '--debug'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.csv: file not found/);
    assert.match(r.stderr, /\n\s+at /);
  });
});

describe('help and version', { concurrency: 2 }, () => {
  test('--version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+/);
  });
  test('--help lists the commands with examples', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['report', 'check', 'profile', 'schema', 'Examples:', 'Exit codes']) assert.ok(r.stdout.includes(c), c);
  });
  test('report --help', async () => {
    const r = await runCli(['report', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--reference <file>/);
    assert.match(r.stdout, /\$ modelwatch report/);
  });
});
