import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferSchema, tableFromRows, validateSchema } from '@modelwatch/core';

test('kinds and roles are inferred from values and hints', () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({
    user_id: `u${i}`,
    age: 20 + (i % 50),
    income: 1000.5 * (i % 17),
    city: ['paris', 'lyon', 'nice'][i % 3],
    active: i % 4 === 0,
    signup: new Date(Date.UTC(2024, 0, 1 + (i % 28))),
    bio: `a long free-text biography number ${i} with enough words to be text rather than a category`,
    label: i % 2,
    score: (i % 10) / 10,
  }));
  const schema = inferSchema(tableFromRows(rows), { target: 'label', scores: ['score'] });
  const kind = Object.fromEntries(schema.columns.map((c) => [c.name, c.kind]));
  const role = Object.fromEntries(schema.columns.map((c) => [c.name, c.role]));
  assert.deepEqual(kind, { user_id: 'text', age: 'numeric', income: 'numeric', city: 'categorical', active: 'boolean', signup: 'datetime', bio: 'text', label: 'numeric', score: 'numeric' });
  assert.equal(role.user_id, 'id');
  assert.equal(role.signup, 'timestamp');
  assert.equal(role.label, 'target');
  assert.equal(role.score, 'score');
  assert.equal(role.age, 'feature');
  assert.equal(schema.task, 'binary');
  assert.deepEqual(validateSchema(schema), []);
});

test('tasks: regression and multiclass', () => {
  const reg = tableFromRows(Array.from({ length: 50 }, (_, i) => ({ y: i * 1.5, f: i })));
  assert.equal(inferSchema(reg, { target: 'y' }).task, 'regression');
  const multi = tableFromRows(Array.from({ length: 50 }, (_, i) => ({ y: ['cat', 'dog', 'bird'][i % 3], f: i })));
  assert.equal(inferSchema(multi, { target: 'y' }).task, 'multiclass');
});

test('schema validation names the path of each problem', () => {
  const problems = validateSchema({ columns: [{ name: 'a', kind: 'numeric', role: 'feature' }, { name: 'a', kind: 'number', role: 'x' }, { name: '', kind: 'text', role: 'id' }], task: 'ranking' });
  const paths = problems.map((p) => p.path);
  assert.deepEqual(paths.sort(), ['columns[1].kind', 'columns[1].name', 'columns[1].role', 'columns[2].name', 'task'].sort());
});

test('a mostly numeric column with stray strings counts type violations', () => {
  const t = tableFromRows([{ v: 1 }, { v: 2 }, { v: 'three' }, { v: 4 }, { v: null }]);
  const col = t.columns[0];
  assert.equal(col.type, 'number');
  if (col.type === 'number') {
    assert.equal(col.typeViolations, 1);
    assert.ok(Number.isNaN(col.values[2]) && Number.isNaN(col.values[4]));
  }
});

test('integer columns: ids by uniqueness on every path (range, bitmap, set), classes counted exactly', () => {
  const n = 2000;
  const cols: Record<string, number[]> = {
    dense: Array.from({ length: n }, (_, i) => n - i), // unique, small range: bitmap
    sparse: Array.from({ length: n }, (_, i) => i * 1_000_003 - 7e8), // unique, huge range: set
    repeat_late: Array.from({ length: n }, (_, i) => (i === n - 1 ? 1_000_003 : i * 1_000_003)), // one repeat at the very end
    repeat_bitmap: Array.from({ length: n }, (_, i) => (i === n - 1 ? 3 : i)), // one repeat, bitmap path
    narrow: Array.from({ length: n }, (_, i) => i % 30), // range < rows: not unique without scanning
    label: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)),
  };
  // One table per column: at most one id is inferred per table.
  const role = (name: string) => inferSchema(tableFromRows(cols[name].map((v) => ({ [name]: v })))).columns[0].role;
  assert.equal(role('dense'), 'id');
  assert.equal(role('sparse'), 'id');
  assert.equal(role('repeat_late'), 'feature');
  assert.equal(role('repeat_bitmap'), 'feature');
  assert.equal(role('narrow'), 'feature');
  const s = inferSchema(tableFromRows(cols.label.map((label, i) => ({ label, narrow: cols.narrow[i] }))), { target: 'label' });
  assert.equal(s.task, 'binary');
});
