/**
 * References in the DuckDB store: one metadata row per model in
 * `mw_references` (profile JSON, counts, source) and, when rows are kept, a
 * columnar image of the reference table in two tables named from a sequence:
 * `ref_<n>` with one column per reference column (`c<i>`: DOUBLE for number
 * columns, INTEGER dictionary codes for dict columns, NULL = missing) and
 * `refd_<n>` with the dictionaries `(col, code, value)`. Reading them back gives
 * the same typed arrays and dictionaries that were written.
 *
 * A new reference is written into fresh tables and the metadata row switched to
 * them in the same transaction, which drops the previous tables: readers see the
 * old reference or the new one, never a mix, and a crash leaves one of the two.
 */
import { DuckDBDataChunk, DOUBLE, INTEGER, VARCHAR } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { Column, Profile, Table } from '@modelwatch/core';
import { copyCodes, copyDoubles } from '../../reference/vectors.js';
import type { NumberSink } from '../../reference/vectors.js';
import type { ReferenceRecord } from '../store.js';
import { CHUNK_ROWS, writeDoubles, writeIntegers, writeSequence, writeStrings } from './chunks.js';
import { quoteIdent as q } from './sql.js';
import { num } from './values.js';

/** DDL of the reference metadata (run at open). */
export const REFERENCE_DDL = [
  `CREATE SEQUENCE IF NOT EXISTS mw_reference_seq START 1`,
  `CREATE TABLE IF NOT EXISTS mw_references (
    model VARCHAR PRIMARY KEY,
    data_table VARCHAR,
    rows BIGINT NOT NULL,
    sampled_from BIGINT,
    source VARCHAR NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    fingerprint VARCHAR,
    schema_inferred BOOLEAN NOT NULL,
    columns_json VARCHAR NOT NULL,
    profile_json VARCHAR NOT NULL)`,
];

/** How one stored column is read back. */
interface StoredColumn {
  name: string;
  type: 'number' | 'dict';
  date?: boolean;
  typeViolations?: number;
}

const dataTable = (n: number) => `ref_${n}`;
const dictTable = (n: number) => `refd_${n}`;
/** The dictionary table that goes with a data table. */
const dictTableOf = (data: string) => `refd_${data.slice('ref_'.length)}`;

function describeColumns(table: Table | null): StoredColumn[] {
  if (!table) return [];
  return table.names.map((name, i) => {
    const c = table.columns[i];
    const d: StoredColumn = { name, type: c.type };
    if (c.type === 'number' && c.date) d.date = true;
    if (c.typeViolations) d.typeViolations = c.typeViolations;
    return d;
  });
}

/**
 * Writes a reference on `conn` inside the caller's transaction, replacing the
 * model's previous one (whose tables are dropped).
 */
export async function writeReference(conn: DuckDBConnection, ref: ReferenceRecord): Promise<void> {
  const previous = (await conn.runAndReadAll(`SELECT data_table FROM mw_references WHERE model = $1`, [ref.model])).getRows()[0]?.[0] as string | null | undefined;
  let tableName: string | null = null;
  if (ref.table) {
    const n = num((await conn.runAndReadAll(`SELECT nextval('mw_reference_seq')`)).getRows()[0][0]);
    tableName = dataTable(n);
    await writeRows(conn, tableName, dictTable(n), ref.table);
  }
  await conn.run(
    `INSERT INTO mw_references VALUES ($1, $2, $3, $4, $5, epoch_ms($6::BIGINT), $7, $8, $9, $10)
     ON CONFLICT (model) DO UPDATE SET data_table = excluded.data_table, rows = excluded.rows, sampled_from = excluded.sampled_from,
       source = excluded.source, uploaded_at = excluded.uploaded_at, fingerprint = excluded.fingerprint,
       schema_inferred = excluded.schema_inferred, columns_json = excluded.columns_json, profile_json = excluded.profile_json`,
    [
      ref.model,
      tableName,
      ref.rows,
      ref.sampledFrom ?? null,
      ref.source,
      Math.floor(ref.uploadedAt),
      ref.fingerprint,
      ref.schemaInferred,
      JSON.stringify(describeColumns(ref.table)),
      JSON.stringify(ref.profile),
    ],
  );
  if (previous) {
    await conn.run(`DROP TABLE IF EXISTS ${q(previous)}`);
    await conn.run(`DROP TABLE IF EXISTS ${q(dictTableOf(previous))}`);
  }
}

/** Appends the table's columns (numbers, codes) and dictionaries as data chunks. */
async function writeRows(conn: DuckDBConnection, name: string, dictName: string, table: Table): Promise<void> {
  const types: DuckDBType[] = table.columns.map((c) => (c.type === 'number' ? DOUBLE : INTEGER));
  const defs = table.columns.map((c, i) => `${q(`c${i}`)} ${c.type === 'number' ? 'DOUBLE' : 'INTEGER'}`);
  await conn.run(`CREATE TABLE ${q(name)} (${defs.length > 0 ? defs.join(', ') : '"_empty" INTEGER'})`);
  await conn.run(`CREATE TABLE ${q(dictName)} (col INTEGER NOT NULL, code INTEGER NOT NULL, value VARCHAR NOT NULL)`);
  if (table.columns.length > 0 && table.numRows > 0) {
    const appender = await conn.createAppender(name);
    try {
      for (let off = 0; off < table.numRows; off += CHUNK_ROWS) {
        const m = Math.min(CHUNK_ROWS, table.numRows - off);
        const chunk = DuckDBDataChunk.create(types, m);
        table.columns.forEach((c, i) => {
          const vector = chunk.getColumnVector(i);
          if (c.type === 'number') writeDoubles(vector, c.values, off, m, c.nulls);
          else writeCodes(vector, c.codes, off, m);
        });
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }
  const dicts = table.columns.map((c, i) => ({ c, i })).filter(({ c }) => c.type === 'dict' && c.dictionary.length > 0);
  if (dicts.length === 0) return;
  const appender = await conn.createAppender(dictName);
  try {
    for (const { c, i } of dicts) {
      const dictionary = (c as { dictionary: string[] }).dictionary;
      for (let off = 0; off < dictionary.length; off += CHUNK_ROWS) {
        const m = Math.min(CHUNK_ROWS, dictionary.length - off);
        const chunk = DuckDBDataChunk.create([INTEGER, INTEGER, VARCHAR], m);
        writeIntegers(chunk.getColumnVector(0), new Int32Array(m).fill(i), 0, m);
        writeSequence(chunk.getColumnVector(1), off, m);
        writeStrings(chunk.getColumnVector(2), dictionary, off, m);
        appender.appendDataChunk(chunk);
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/** Dictionary codes; -1 (missing) is written as NULL. */
function writeCodes(vector: ReturnType<DuckDBDataChunk['getColumnVector']>, codes: Int32Array, offset: number, count: number): void {
  const v = vector as unknown as { items?: unknown; setItem(i: number, x: number | null): void; flush(): void };
  if (v.items instanceof Int32Array && v.items.length >= count) {
    v.items.set(codes.subarray(offset, offset + count));
    for (let r = 0; r < count; r++) if (codes[offset + r] < 0) v.setItem(r, null);
  } else {
    for (let r = 0; r < count; r++) {
      const c = codes[offset + r];
      v.setItem(r, c < 0 ? null : c);
    }
  }
  v.flush();
}

/**
 * Reads a model's reference on `conn` (inside the caller's read transaction, so
 * the metadata and the rows are of the same reference); `table` is `null` unless
 * `withRows`.
 */
export async function readReference(conn: DuckDBConnection, model: string, withRows: boolean): Promise<ReferenceRecord | null> {
  const res = await conn.runAndReadAll(
    `SELECT data_table, CAST(rows AS DOUBLE), CAST(sampled_from AS DOUBLE), source, CAST(epoch_ms(uploaded_at) AS DOUBLE), fingerprint,
       schema_inferred, columns_json, profile_json FROM mw_references WHERE model = $1`,
    [model],
  );
  const r = res.getRows()[0];
  if (!r) return null;
  const name = r[0] as string | null;
  const columns = JSON.parse(r[7] as string) as StoredColumn[];
  const record: ReferenceRecord = {
    model,
    profile: JSON.parse(r[8] as string) as Profile,
    table: null,
    rows: num(r[1]),
    source: r[3] as string,
    uploadedAt: num(r[4]),
    fingerprint: (r[5] as string | null) ?? null,
    schemaInferred: r[6] as boolean,
    keptRows: 0,
  };
  if (r[2] !== null) record.sampledFrom = num(r[2]);
  if (withRows && name) {
    record.table = await readRows(conn, name, dictTableOf(name), columns);
    record.keptRows = record.table.numRows;
  } else if (name) {
    record.keptRows = num((await conn.runAndReadAll(`SELECT count(*) FROM ${q(name)}`)).getRows()[0][0]);
  }
  return record;
}

async function readRows(conn: DuckDBConnection, name: string, dictName: string, columns: StoredColumn[]): Promise<Table> {
  const names = columns.map((c) => c.name);
  if (columns.length === 0) return { names, columns: [], numRows: 0 };
  const rows = num((await conn.runAndReadAll(`SELECT count(*) FROM ${q(name)}`)).getRows()[0][0]);
  const sinks = columns.map((c) => (c.type === 'number' ? { number: { values: new Float64Array(rows) } as NumberSink } : { codes: new Int32Array(rows) }));
  const result = await conn.stream(`SELECT * FROM ${q(name)}`);
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    if (offset + n > rows) throw new Error(`reference table ${name} returned more rows than it holds`);
    sinks.forEach((s, i) => {
      const vector = chunk.getColumnVector(i);
      if (s.number) copyDoubles(vector, n, s.number, offset);
      else copyCodes(vector, n, s.codes!, offset);
    });
    offset += n;
  }
  const dictionaries: string[][] = columns.map(() => []);
  const dict = await conn.runAndReadAll(`SELECT col, code, value FROM ${q(dictName)} ORDER BY col, code`);
  const [cols, codes, values] = dict.getColumns() as [DuckDBValue[], DuckDBValue[], DuckDBValue[]];
  for (let k = 0; k < (cols?.length ?? 0); k++) dictionaries[num(cols[k])][num(codes[k])] = values[k] as string;
  const out: Column[] = columns.map((c, i) => {
    const s = sinks[i];
    if (s.number) {
      const col: Column = { type: 'number', values: s.number.values };
      if (s.number.nulls) col.nulls = s.number.nulls;
      if (c.date) col.date = true;
      if (c.typeViolations) col.typeViolations = c.typeViolations;
      return col;
    }
    const col: Column = { type: 'dict', codes: s.codes!, dictionary: dictionaries[i] };
    if (c.typeViolations) col.typeViolations = c.typeViolations;
    return col;
  });
  return { names, columns: out, numRows: rows };
}
