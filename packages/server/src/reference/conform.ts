/**
 * Fitting a file's table to a model's schema: the schema's columns, in schema
 * order, each in the physical form the store uses for its kind, so that monitors
 * compare reference and events column for column:
 * - numeric → number column; strings are parsed (`Number`), and what does not
 *   parse is a type violation (stored as missing), as the core summarises them;
 * - datetime → number column of epoch milliseconds (`date: true`); numbers are
 *   taken as epoch ms, strings parsed as ISO 8601 like event timestamps;
 * - categorical, text → dict column; numbers become `String(v)` (as events
 *   store them and as the core compares a number column as categories);
 * - boolean → dict column of `"true"` / `"false"`: booleans, 1/0, and the strings
 *   true/false, t/f, yes/no, y/n, 1/0 in any case; anything else is a violation.
 */
import type { Column, ColumnSchema, DictColumn, NumberColumn, Schema, Table } from '@modelwatch/core';
import { parseTimestamp } from '../ingest/values.js';

/** The conformed table and what did not line up. */
export interface ConformResult {
  /** Schema columns present in the file, in schema order. */
  table: Table;
  /** Schema columns absent from the file. */
  absent: ColumnSchema[];
  /** File columns that are not in the schema (not kept). */
  ignored: string[];
}

/** Roles a reference must contain; the others (prediction, scores, target, segments, id, timestamp) are optional. */
export const REQUIRED_ROLES: readonly ColumnSchema['role'][] = ['feature'];

/** Conforms `table` to `schema` (see the module comment). */
export function conformTable(table: Table, schema: Schema): ConformResult {
  const names: string[] = [];
  const columns: Column[] = [];
  const absent: ColumnSchema[] = [];
  for (const col of schema.columns) {
    const i = table.names.indexOf(col.name);
    if (i < 0) {
      absent.push(col);
      continue;
    }
    names.push(col.name);
    columns.push(conformColumn(table.columns[i], col.kind));
  }
  const known = new Set(schema.columns.map((c) => c.name));
  return { table: { names, columns, numRows: table.numRows }, absent, ignored: table.names.filter((n) => !known.has(n)) };
}

/** One column in the physical form of `kind`. */
export function conformColumn(col: Column, kind: ColumnSchema['kind']): Column {
  switch (kind) {
    case 'numeric':
      return col.type === 'number' ? withoutDate(col) : parseNumbers(col);
    case 'datetime':
      return col.type === 'number' ? { ...col, date: true } : parseTimestamps(col);
    case 'boolean':
      return toBooleans(col);
    default:
      return col.type === 'dict' ? col : numbersAsText(col);
  }
}

function withoutDate(col: NumberColumn): NumberColumn {
  if (!col.date) return col;
  const { date: _date, ...rest } = col;
  return rest;
}

/** Maps each dictionary entry once, then each row by its code; `null` entries become missing values counted as violations. */
function mapDictToNumbers(col: DictColumn, parse: (s: string) => number | null, date: boolean): NumberColumn {
  const parsed = col.dictionary.map(parse);
  const n = col.codes.length;
  const values = new Float64Array(n);
  let nulls: Uint8Array | undefined;
  let violations = col.typeViolations ?? 0;
  for (let r = 0; r < n; r++) {
    const c = col.codes[r];
    const v = c < 0 ? null : parsed[c];
    if (v === null) {
      values[r] = NaN;
      (nulls ??= new Uint8Array(n))[r] = 1;
      if (c >= 0) violations++;
    } else values[r] = v;
  }
  const out: NumberColumn = { type: 'number', values };
  if (nulls) out.nulls = nulls;
  if (date) out.date = true;
  if (violations) out.typeViolations = violations;
  return out;
}

/** The core's reading of a numeric string: a number (±Infinity and "nan" are non-finite values), `null` when it is none. */
function numberOfText(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  const v = Number(t);
  if (Number.isNaN(v) && !/^[+-]?nan$/i.test(t)) return null;
  return v;
}

function parseNumbers(col: DictColumn): NumberColumn {
  return mapDictToNumbers(col, numberOfText, false);
}

function parseTimestamps(col: DictColumn): NumberColumn {
  return mapDictToNumbers(
    col,
    (s) => {
      const ms = parseTimestamp(s.trim());
      return Number.isNaN(ms) ? null : ms;
    },
    true,
  );
}

/** A number column as categories: `String(v)` per distinct value, dictionary in order of first appearance. */
function numbersAsText(col: NumberColumn): DictColumn {
  const n = col.values.length;
  const codes = new Int32Array(n);
  const index = new Map<number, number>();
  const dictionary: string[] = [];
  for (let r = 0; r < n; r++) {
    if (col.nulls && col.nulls[r]) {
      codes[r] = -1;
      continue;
    }
    const v = col.values[r];
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      index.set(v, code);
      dictionary.push(String(v));
    }
    codes[r] = code;
  }
  const out: DictColumn = { type: 'dict', codes, dictionary };
  if (col.typeViolations) out.typeViolations = col.typeViolations;
  return out;
}

const TRUE_TEXT = new Set(['true', 't', 'yes', 'y', '1', '1.0']);
const FALSE_TEXT = new Set(['false', 'f', 'no', 'n', '0', '0.0']);

/** A column as booleans: dictionary `["false", "true"]`, codes 0/1, -1 for missing and violations. */
function toBooleans(col: Column): DictColumn {
  const n = col.type === 'number' ? col.values.length : col.codes.length;
  const codes = new Int32Array(n);
  let violations = col.typeViolations ?? 0;
  if (col.type === 'number') {
    for (let r = 0; r < n; r++) {
      const v = col.values[r];
      if (col.nulls && col.nulls[r]) codes[r] = -1;
      else if (v === 1 || v === 0) codes[r] = v;
      else {
        codes[r] = -1;
        violations++;
      }
    }
  } else {
    const map = col.dictionary.map((s) => {
      const t = s.trim().toLowerCase();
      return TRUE_TEXT.has(t) ? 1 : FALSE_TEXT.has(t) ? 0 : -2;
    });
    for (let r = 0; r < n; r++) {
      const c = col.codes[r];
      const m = c < 0 ? -1 : map[c];
      if (m === -2) {
        codes[r] = -1;
        violations++;
      } else codes[r] = m;
    }
  }
  const out: DictColumn = { type: 'dict', codes, dictionary: ['false', 'true'] };
  if (violations) out.typeViolations = violations;
  return out;
}
