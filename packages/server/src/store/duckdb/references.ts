/**
 * References in the DuckDB store: one metadata row per model in
 * `mw_references` (profile JSON, counts, source, column layout) and, when rows
 * are kept, a columnar image of the reference table in `ref_<n>` (`n` from a
 * sequence): per column, its typed arrays in parts of at most 256Ki values —
 * `values` (Float64 of number columns), `nulls` (one byte per row, when any is
 * missing), `codes` (Int32 dictionary codes, -1 = missing) — and its
 * `dictionary` (JSON arrays of strings), each part a BLOB. Reading them back
 * gives the same typed arrays and dictionaries that were written, bit for bit.
 *
 * Why parts of raw arrays rather than a table of typed SQL columns: the
 * Appender that fills typed columns runs synchronously on the JavaScript thread
 * (a million rows × ten columns stalled the server for about a second), while
 * each part here is one parameterised INSERT that DuckDB runs off the thread,
 * and committing part by part keeps every commit — and so the wait of event
 * commits behind it — short.
 *
 * A new reference's parts are written into a fresh table first, on a connection
 * of their own, then the metadata row is switched to it in one short
 * transaction that also drops the previous table: readers see the old reference
 * or the new one, never a mix. Tables staged by a process that stopped before
 * switching are dropped at the next open.
 */
import { endianness } from 'node:os';
import { blobValue } from '@duckdb/node-api';
import type { DuckDBBlobValue, DuckDBConnection } from '@duckdb/node-api';
import type { Column, Profile, Table } from '@modelwatch/core';
import type { ReferenceRecord } from '../store.js';
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

/** Values per stored part. */
export const PART_VALUES = 262_144;
/** Dictionary entries per stored part. */
const PART_ENTRIES = 65_536;

/** How the kept rows are laid out (`columns_json`). */
interface StoredLayout {
  /** Rows kept. */
  rows: number;
  /** Byte order of the stored arrays. */
  byteOrder: 'LE' | 'BE';
  columns: { name: string; type: 'number' | 'dict'; date?: boolean; typeViolations?: number; nulls?: boolean }[];
}

const dataTable = (n: number) => `ref_${n}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function layoutOf(table: Table | null): StoredLayout {
  return {
    rows: table?.numRows ?? 0,
    byteOrder: endianness(),
    columns: (table?.columns ?? []).map((c, i) => {
      const d: StoredLayout['columns'][number] = { name: table!.names[i], type: c.type };
      if (c.type === 'number' && c.date) d.date = true;
      if (c.type === 'number' && c.nulls) d.nulls = true;
      if (c.typeViolations) d.typeViolations = c.typeViolations;
      return d;
    }),
  };
}

/** The bytes of `count` elements of a typed array from `start` (a view, no copy). */
function bytesOf(a: Float64Array | Int32Array | Uint8Array, start: number, count: number): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset + start * a.BYTES_PER_ELEMENT, count * a.BYTES_PER_ELEMENT);
}

/**
 * Writes the rows of a reference into a new table on `conn` — a connection of
 * its own, outside the store's write lock — one committed part at a time.
 * Returns the table's name for {@link switchReference}; on failure the table is
 * dropped.
 */
export async function stageReferenceRows(conn: DuckDBConnection, table: Table): Promise<string> {
  const name = dataTable(num((await conn.runAndReadAll(`SELECT nextval('mw_reference_seq')`)).getRows()[0][0]));
  await conn.run(`CREATE TABLE ${q(name)} (col INTEGER NOT NULL, kind VARCHAR NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL)`);
  const insert = `INSERT INTO ${q(name)} VALUES ($1, $2, $3, $4)`;
  const put = (col: number, kind: string, part: number, bytes: Uint8Array) => conn.run(insert, [col, kind, part, blobValue(bytes)]);
  try {
    for (let i = 0; i < table.columns.length; i++) {
      const c = table.columns[i];
      const arrays: [string, Float64Array | Int32Array | Uint8Array][] = c.type === 'number' ? [['values', c.values]] : [['codes', c.codes]];
      if (c.type === 'number' && c.nulls) arrays.push(['nulls', c.nulls]);
      for (const [kind, a] of arrays) {
        for (let p = 0, start = 0; start < table.numRows; p++, start += PART_VALUES) {
          await put(i, kind, p, bytesOf(a, start, Math.min(PART_VALUES, table.numRows - start)));
        }
      }
      if (c.type === 'dict') {
        for (let p = 0, start = 0; start < c.dictionary.length; p++, start += PART_ENTRIES) {
          await put(i, 'dictionary', p, encoder.encode(JSON.stringify(c.dictionary.slice(start, start + PART_ENTRIES))));
        }
      }
    }
  } catch (err) {
    await dropReferenceRows(conn, name).catch(() => undefined);
    throw err;
  }
  return name;
}

/** Drops staged rows (a failed switch). */
export async function dropReferenceRows(conn: DuckDBConnection, data: string): Promise<void> {
  await conn.run(`DROP TABLE IF EXISTS ${q(data)}`);
}

/**
 * Makes `ref` the model's reference, its rows in the staged table `data` (or
 * none), and drops the previous reference's table — inside the caller's
 * transaction, so readers see the old reference or the new one.
 */
export async function switchReference(conn: DuckDBConnection, ref: ReferenceRecord, data: string | null): Promise<void> {
  const previous = (await conn.runAndReadAll(`SELECT data_table FROM mw_references WHERE model = $1`, [ref.model])).getRows()[0]?.[0] as string | null | undefined;
  await conn.run(
    `INSERT INTO mw_references VALUES ($1, $2, $3, $4, $5, epoch_ms($6::BIGINT), $7, $8, $9, $10)
     ON CONFLICT (model) DO UPDATE SET data_table = excluded.data_table, rows = excluded.rows, sampled_from = excluded.sampled_from,
       source = excluded.source, uploaded_at = excluded.uploaded_at, fingerprint = excluded.fingerprint,
       schema_inferred = excluded.schema_inferred, columns_json = excluded.columns_json, profile_json = excluded.profile_json`,
    [
      ref.model,
      data,
      ref.rows,
      ref.sampledFrom ?? null,
      ref.source,
      Math.floor(ref.uploadedAt),
      ref.fingerprint,
      ref.schemaInferred,
      JSON.stringify(layoutOf(data === null ? null : ref.table)),
      JSON.stringify(ref.profile),
    ],
  );
  if (previous && previous !== data) await dropReferenceRows(conn, previous);
}

/**
 * Drops reference tables no reference points to: rows staged by a process that
 * stopped before switching to them. Run at open, before any upload.
 */
export async function dropOrphanReferenceRows(conn: DuckDBConnection): Promise<number> {
  const res = await conn.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND regexp_matches(table_name, '^ref_[0-9]+$')
       AND table_name NOT IN (SELECT data_table FROM mw_references WHERE data_table IS NOT NULL)`,
  );
  const names = res.getRows().map((r) => r[0] as string);
  for (const name of names) await dropReferenceRows(conn, name);
  return names.length;
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
  const layout = JSON.parse(r[7] as string) as StoredLayout;
  const record: ReferenceRecord = {
    model,
    profile: JSON.parse(r[8] as string) as Profile,
    table: null,
    rows: num(r[1]),
    source: r[3] as string,
    uploadedAt: num(r[4]),
    fingerprint: (r[5] as string | null) ?? null,
    schemaInferred: r[6] as boolean,
    keptRows: name ? layout.rows : 0,
  };
  if (r[2] !== null) record.sampledFrom = num(r[2]);
  if (withRows && name) record.table = await readRows(conn, name, layout);
  return record;
}

/** Reverses the byte order of each `width`-byte element, in place. */
function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

async function readRows(conn: DuckDBConnection, name: string, layout: StoredLayout): Promise<Table> {
  const n = layout.rows;
  const parts = (await conn.runAndReadAll(`SELECT col, kind, part, data FROM ${q(name)} ORDER BY col, kind, part`)).getRows();
  const columns: Column[] = layout.columns.map((c) =>
    c.type === 'number'
      ? { type: 'number', values: new Float64Array(n), ...(c.nulls ? { nulls: new Uint8Array(n) } : {}), ...(c.date ? { date: true } : {}) }
      : { type: 'dict', codes: new Int32Array(n), dictionary: [] },
  );
  const swap = layout.byteOrder !== endianness();
  for (const [colValue, kindValue, partValue, dataValue] of parts) {
    const col = columns[num(colValue)];
    const kind = kindValue as string;
    const part = num(partValue);
    const bytes = (dataValue as DuckDBBlobValue).bytes;
    if (kind === 'dictionary') {
      if (col.type === 'dict') col.dictionary.push(...(JSON.parse(decoder.decode(bytes)) as string[]));
      continue;
    }
    const target = kind === 'values' && col.type === 'number' ? col.values : kind === 'nulls' && col.type === 'number' ? col.nulls : kind === 'codes' && col.type === 'dict' ? col.codes : undefined;
    if (!target) throw new Error(`reference table ${name}: unexpected part ${kind} of column ${num(colValue)}`);
    // Copied into the (aligned) typed array: BLOB bytes have no alignment guarantee.
    const dest = bytesOf(target, part * PART_VALUES, bytes.length / target.BYTES_PER_ELEMENT);
    dest.set(bytes);
    if (swap && target.BYTES_PER_ELEMENT > 1) swapBytes(dest, target.BYTES_PER_ELEMENT);
  }
  layout.columns.forEach((c, i) => {
    if (c.typeViolations) columns[i].typeViolations = c.typeViolations;
  });
  return { names: layout.columns.map((c) => c.name), columns, numRows: n };
}
