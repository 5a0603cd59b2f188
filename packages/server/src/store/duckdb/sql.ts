/**
 * SQL text building blocks of the DuckDB store: identifier quoting, the physical
 * layout of per-model tables, and the DDL. Only identifiers generated here (from
 * validated schemas and numeric model ids) ever appear in SQL text; every value is
 * a parameter.
 */
import type { ColumnKind } from '@modelwatch/core';

/** Quotes an identifier for DuckDB (`"` doubled). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** DuckDB type of a column kind. */
export function duckType(kind: ColumnKind): 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'TIMESTAMP' {
  switch (kind) {
    case 'numeric':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'datetime':
      return 'TIMESTAMP';
    default:
      return 'VARCHAR';
  }
}

/**
 * The compression DuckDB uses for an events-table column, fixed up front.
 *
 * Left to itself, a checkpoint analyses every string column of every row group
 * to choose between dictionary, FSST and uncompressed storage, and that choice
 * was a quarter of DuckDB's CPU per ingested event (measured on 2M events of 10
 * features, 18k-event commits: 4.1–4.3 µs per event with the analysis, 3.0–3.2
 * µs with ids as FSST and categories as dictionaries; the file was 9 % larger).
 * Ids and free text are unique-ish (FSST), categories, versions, tags and the
 * data-quality column lists repeat (dictionary). Numbers, booleans and times keep
 * DuckDB's own choice (their analysis is cheap). All-missing segments are stored
 * as constants whatever is set here.
 */
export function columnCompression(kind: ColumnKind | 'id' | 'repeated'): string {
  switch (kind) {
    case 'id':
    case 'text':
      return ' USING COMPRESSION fsst';
    case 'categorical':
    case 'repeated':
      return ' USING COMPRESSION dictionary';
    default:
      return '';
  }
}

/** Type and storage of a schema column in a model's events table (`CREATE TABLE`, `ADD COLUMN`). */
export function eventColumnDdl(kind: ColumnKind): string {
  return `${duckType(kind)}${columnCompression(kind)}`;
}

/**
 * One schema column's physical column in a model's events table. Physical names
 * are `c<n>_<readable part>`: the number makes them unique whatever the schema
 * names are (DuckDB identifiers are case-insensitive), the rest helps people
 * reading the database directly.
 */
export interface PhysicalColumn {
  name: string;
  kind: ColumnKind;
  physical: string;
  /** Part of the current schema; inactive columns keep history only. */
  active: boolean;
}

/** The physical layout of a model's tables, stored with the model. */
export interface ModelLayout {
  /** Numeric model id: tables are `ev_<id>` and `fb_<id>`. */
  id: number;
  columns: PhysicalColumn[];
  /** Next `<n>` for a physical column name. */
  next: number;
}

export function physicalName(n: number, name: string): string {
  const readable = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .toLowerCase();
  return readable ? `c${n}_${readable}` : `c${n}`;
}

export const eventsTable = (id: number) => `ev_${id}`;
export const feedbackTable = (id: number) => `fb_${id}`;
export const stagingTable = (id: number) => `st_ev_${id}`;
export const feedbackStagingTable = (id: number) => `st_fb_${id}`;

/** System columns of every events table, in table order, with their DuckDB types. */
export const EVENT_SYSTEM_COLUMNS = [
  ['id', 'VARCHAR NOT NULL'],
  ['ts', 'TIMESTAMP NOT NULL'],
  ['version', 'VARCHAR NOT NULL'],
  ['latency_ms', 'DOUBLE'],
  ['error', 'BOOLEAN'],
  ['tags', 'VARCHAR'],
  ['dq_type_violations', 'USMALLINT NOT NULL'],
  ['dq_type_columns', 'VARCHAR'],
  ['dq_unknown', 'VARCHAR'],
  ['dq_missing', 'VARCHAR'],
] as const;

/** Fixed compression of the system columns that are strings (see {@link columnCompression}). */
const SYSTEM_COMPRESSION: Readonly<Record<string, 'id' | 'repeated'>> = {
  id: 'id',
  version: 'repeated',
  tags: 'repeated',
  dq_type_columns: 'repeated',
  dq_unknown: 'repeated',
  dq_missing: 'repeated',
};

/** Metadata tables shared by all models. */
export const METADATA_DDL = [
  `CREATE TABLE IF NOT EXISTS mw_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS mw_models (
    name VARCHAR PRIMARY KEY,
    id INTEGER NOT NULL UNIQUE,
    task VARCHAR,
    schema_json VARCHAR NOT NULL,
    versions_json VARCHAR NOT NULL,
    layout_json VARCHAR NOT NULL,
    generation INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS mw_results (
    model VARCHAR NOT NULL,
    monitor VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    window_start TIMESTAMP NOT NULL,
    window_end TIMESTAMP NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    payload VARCHAR NOT NULL,
    PRIMARY KEY (model, monitor, version, window_start, window_end))`,
  `CREATE TABLE IF NOT EXISTS mw_alert_state (
    model VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    since TIMESTAMP NOT NULL,
    value DOUBLE,
    updated_at TIMESTAMP NOT NULL,
    labels VARCHAR NOT NULL,
    PRIMARY KEY (model, rule, key))`,
  `CREATE TABLE IF NOT EXISTS mw_deliveries (
    model VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    delivered_at TIMESTAMP NOT NULL,
    attempt INTEGER NOT NULL,
    ok BOOLEAN NOT NULL,
    status INTEGER,
    error VARCHAR)`,
];

/** `CREATE TABLE` of a model's events table with the given data columns. */
export function createEventsTableSql(table: string, columns: readonly PhysicalColumn[], temp = false): string {
  // Staging tables are temporary and never checkpointed: no fixed compression.
  const parts = EVENT_SYSTEM_COLUMNS.map(([n, t]) =>
    temp ? `${quoteIdent(n)} ${t.replace(' NOT NULL', '')}` : `${quoteIdent(n)} ${t}${SYSTEM_COMPRESSION[n] ? columnCompression(SYSTEM_COMPRESSION[n]) : ''}`,
  );
  for (const c of columns) parts.push(`${quoteIdent(c.physical)} ${temp ? duckType(c.kind) : eventColumnDdl(c.kind)}`);
  if (temp) parts.push('"_req" INTEGER', '"_row" INTEGER');
  return `CREATE ${temp ? 'TEMP ' : ''}TABLE ${temp ? '' : 'IF NOT EXISTS '}${quoteIdent(table)} (${parts.join(', ')})`;
}

/**
 * Feedback per model: the target both as a number (when it is one: numbers,
 * booleans as 1/0, numeric strings) and as a label (`String(target)`), so a task
 * change never needs a table rewrite.
 */
export function createFeedbackTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (
    id VARCHAR PRIMARY KEY,
    target_num DOUBLE,
    target_label VARCHAR,
    ts TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL)`;
}

export function createFeedbackStagingSql(table: string): string {
  return `CREATE TEMP TABLE ${quoteIdent(table)} (id VARCHAR, target_num DOUBLE, target_label VARCHAR, ts TIMESTAMP, received_at TIMESTAMP, "_seq" INTEGER)`;
}

/**
 * A SQL expression giving the bin index of `expr` for ascending `edges` passed as
 * parameters starting at `$firstParam`: bins `(-inf, e1], (e1, e2], …, (e_k, +inf)`
 * numbered 0..k, i.e. the number of edges strictly below the value. Built as a
 * balanced tree of `CASE` so each value needs about log2(k) comparisons.
 */
export function binExpression(expr: string, edgeCount: number, firstParam: number): string {
  const build = (lo: number, hi: number): string => {
    // Value is known to be above edge lo-1 and at most edge hi (exclusive bounds on indexes).
    if (lo === hi) return String(lo);
    const mid = (lo + hi) >> 1; // compare with edge index `mid` (0-based)
    return `CASE WHEN ${expr} <= $${firstParam + mid} THEN ${build(lo, mid)} ELSE ${build(mid + 1, hi)} END`;
  };
  return build(0, edgeCount);
}
