import { columnNameProblem, type Column, type ColumnKind, type Schema } from '@modelwatch/core';
import { InputError } from '../errors.js';
import type { Input } from './input.js';

/**
 * Checks across the two inputs of a comparison, before any statistics: the
 * columns named on the command line exist, and no column holds numbers on one
 * side and text on the other (which would otherwise surface as a wall of type
 * violations, or a silently wrong kind).
 */

/** Physical class of a column: what its values are, whatever its role. */
type ValueClass = 'numeric' | 'datetime' | 'text';

const CLASS_NAMES: Record<ValueClass, string> = { numeric: 'numeric', datetime: 'a date/time', text: 'text' };

function classOfColumn(col: Column): ValueClass | null {
  if (col.type === 'number') return col.date ? 'datetime' : 'numeric';
  // A column with no values at all has no type to conflict with.
  return col.codes.some((c) => c >= 0) ? 'text' : null;
}

function classOfKind(kind: ColumnKind): ValueClass {
  return kind === 'numeric' ? 'numeric' : kind === 'datetime' ? 'datetime' : 'text';
}

/** Column names of an input (a profile's are its schema's). */
export function inputColumns(input: Input): string[] {
  if (input.kind === 'table') return input.table.names;
  if (input.kind === 'columns') return input.source.names;
  return input.profile.schema.columns.map((c) => c.name);
}

function listColumns(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => JSON.stringify(n)).join(', ');
  return names.length > 12 ? `${shown}, … (${names.length} columns)` : shown;
}

/** Checks that every column named by an option exists in the input; problems name the option, the file and the columns there are. */
export function requireColumns(input: Input, named: { option: string; column: string }[]): string[] {
  const names = new Set(inputColumns(input));
  return named
    .filter((n) => !names.has(n.column))
    .map((n) => `${n.option} ${JSON.stringify(n.column)}: no such column in ${input.path} (columns: ${listColumns([...names])})`);
}

/** A few values of a text column that are not numbers, for messages. */
function textExamples(col: Column): string[] {
  if (col.type !== 'dict') return [];
  const seen = new Set<number>();
  const out: string[] = [];
  for (let i = 0; i < col.codes.length && out.length < 3; i++) {
    const c = col.codes[i];
    if (c < 0 || seen.has(c)) continue;
    seen.add(c);
    const v = col.dictionary[c];
    if (v.trim() === '' || Number.isNaN(Number(v))) out.push(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  }
  return out;
}

/**
 * Columns whose values are of different classes on the two sides (numbers in
 * the reference, text in the current…). Skipped when the user gave a schema:
 * the schema then says what each column is, and values that do not fit are
 * counted as type violations.
 */
export function typeConflicts(reference: Input, current: Input & { kind: 'table' }, schema: Schema | undefined): string[] {
  if (schema) return [];
  const problems: string[] = [];
  const cur = current.table;
  for (let i = 0; i < cur.names.length; i++) {
    const name = cur.names[i];
    const curClass = classOfColumn(cur.columns[i]);
    let refClass: ValueClass | null;
    if (reference.kind === 'table') {
      const j = reference.table.names.indexOf(name);
      if (j < 0) continue;
      refClass = classOfColumn(reference.table.columns[j]);
    } else if (reference.kind === 'profile') {
      const c = reference.profile.schema.columns.find((s) => s.name === name);
      if (!c) continue;
      refClass = classOfKind(c.kind);
    } else continue; // a wide file: checked batch by batch
    if (!refClass || !curClass || refClass === curClass) continue;
    const example = curClass === 'text' ? textExamples(cur.columns[i]) : [];
    const eg = example.length ? ` (e.g. ${example.map((v) => JSON.stringify(v)).join(', ')})` : '';
    problems.push(
      `column ${JSON.stringify(name)} is ${CLASS_NAMES[refClass]} in ${reference.path} but ${CLASS_NAMES[curClass]} in ${current.path}${eg}; ` +
        `fix the data, or pass --schema with the column's kind (write one with "modelwatch schema ${reference.path} --out schema.json") so values that do not fit are reported as type violations`,
    );
  }
  return problems;
}

/** Column names the core does not accept (control characters, over 256 characters), naming the file. */
export function nameProblems(input: Input): string[] {
  return inputColumns(input).flatMap((name) => {
    const problem = columnNameProblem(name);
    return problem ? [`${input.path}: column ${JSON.stringify(name)}: a column name ${problem}; rename the column`] : [];
  });
}

/** Throws an InputError listing the problems, if any. */
export function failOn(problems: string[]): void {
  if (problems.length) throw new InputError(problems);
}
