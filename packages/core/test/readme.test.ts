import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compare, profile, tableFromColumns, ks, jensenShannon, runSuite, defaultSuite } from '@modelwatch/core';

/**
 * The README's quick start, run as written: every value its comments show must
 * be what the code returns (so the README stays true).
 */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('README quick start: the values in the comments', () => {
  const k = ks([1.2, 3.4, 2.2, 5.1], [2.2, 8.1, 7.7, 6.0]);
  assert.equal(k.value, 0.75);
  assert.equal(k.pValueMethod, 'exact');
  assert.ok(String(k.pValue).startsWith('0.2285714'));
  assert.match(readme, /pValue: 0\.2285714…, pValueMethod: 'exact'/);

  const js = jensenShannon([60, 30, 10], [40, 40, 20]);
  assert.equal(js.pValue, null);
  const jsShown = /jensenShannon\(\[60, 30, 10\], \[40, 40, 20\]\); \/\/ → \{ value: ([0-9.]+)…/.exec(readme)![1];
  assert.ok(String(js.value).startsWith(jsShown), `${js.value} vs README ${jsShown}`);

  const reference = tableFromColumns({
    age: Float64Array.from({ length: 5000 }, (_, i) => 20 + (i % 50)),
    city: Array.from({ length: 5000 }, (_, i) => ['paris', 'lyon', 'nice'][i % 3]),
  });
  const current = tableFromColumns({
    age: Float64Array.from({ length: 4000 }, (_, i) => 25 + (i % 50)),
    city: Array.from({ length: 4000 }, (_, i) => ['paris', 'lyon', 'lille'][i % 3]),
  });
  const report = compare(reference, current);
  const age = report.drift.columns[0];
  assert.equal(age.column, 'age');
  assert.equal(age.method, 'wasserstein_normed');
  assert.equal(age.detected, true);
  const ageShown = /column: 'age', method: 'wasserstein_normed', value: ([0-9.]+)…/.exec(readme)![1];
  assert.ok(String(age.value).startsWith(ageShown), `${age.value} vs README ${ageShown}`);
  const newCats = report.dataQuality.findings.find((f) => f.type === 'new_categories');
  assert.ok(newCats && newCats.column === 'city');
  assert.deepEqual((newCats as { examples?: string[] }).examples, ['lille']);

  const stored = JSON.parse(JSON.stringify(profile(reference)));
  assert.equal(compare(stored, current).reference.profileOnly, true);

  assert.equal(runSuite(report, { tests: ['drift.share < 0.3', 'column(city).new_category_share <= 0.01'] }).status, 'fail');
  const auto = runSuite(report, defaultSuite(report));
  assert.ok(auto.tests.length > 0 && ['pass', 'warn', 'fail', 'error'].includes(auto.status));
});
