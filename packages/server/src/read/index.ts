/**
 * `@modelwatch/server/read`: reading data files (CSV, TSV, Parquet, NDJSON, a
 * JSON array) into the core's columnar `Table` through DuckDB's C API bindings
 * — the reader of the `modelwatch` CLI and of the server's references. It loads
 * neither Fastify nor `@duckdb/node-api` (the CLI imports it at startup).
 */
export { CSV_NULL_STRINGS, DataFileError, formatName, openSource, readTable, sourceSql } from './table.js';
export type { FileFormat, OpenedSource, ReadOptions, ReadResult, SourceSqlOptions } from './table.js';
export { DuckConnection, closeDatabase, duckMessage, openDatabase, quoteIdent, typeName } from './duckdb.js';
export type { Param, SandboxOptions } from './duckdb.js';
export { StringEncoder, sortDictionary } from './strings.js';
export { copyByteCodes, copyDoubles, forEachMissing } from './vectors.js';
export type { NumberSink } from './vectors.js';
