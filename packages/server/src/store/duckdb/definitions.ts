/**
 * SQL of API-defined monitors and alert rules in the DuckDB store: one row per
 * (model, kind, name) in `mw_definitions`, the object as JSON. Values are
 * parameters; the table name is a constant.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DefinitionKind, StoredDefinition } from '../store.js';
import { num } from './values.js';

export const DEFINITIONS_DDL = [
  `CREATE TABLE IF NOT EXISTS mw_definitions (
    model VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    spec_json VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (model, kind, name))`,
];

/** Orders definitions by kind, then name (code point order). */
export function sortDefinitions(defs: StoredDefinition[]): StoredDefinition[] {
  const key = (d: StoredDefinition) => `${d.kind}\u0000${d.name}`;
  return defs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Every stored definition, by model. */
export async function readDefinitions(conn: DuckDBConnection): Promise<Map<string, StoredDefinition[]>> {
  const res = await conn.runAndReadAll(
    `SELECT model, kind, name, spec_json, CAST(epoch_ms(created_at) AS DOUBLE), CAST(epoch_ms(updated_at) AS DOUBLE) FROM mw_definitions ORDER BY model, kind, name`,
  );
  const out = new Map<string, StoredDefinition[]>();
  for (const r of res.getRows()) {
    const model = r[0] as string;
    const list = out.get(model) ?? [];
    list.push({ kind: r[1] as DefinitionKind, name: r[2] as string, spec: JSON.parse(r[3] as string) as Record<string, unknown>, createdAt: num(r[4]), updatedAt: num(r[5]) });
    out.set(model, list);
  }
  for (const list of out.values()) sortDefinitions(list);
  return out;
}

/** Inserts or replaces one definition (inside the caller's transaction). */
export async function upsertDefinition(conn: DuckDBConnection, model: string, def: StoredDefinition): Promise<void> {
  await conn.run(
    `INSERT INTO mw_definitions VALUES ($1, $2, $3, $4, epoch_ms($5::BIGINT), epoch_ms($6::BIGINT))
     ON CONFLICT (model, kind, name) DO UPDATE SET spec_json = excluded.spec_json, updated_at = excluded.updated_at`,
    [model, def.kind, def.name, JSON.stringify(def.spec), Math.floor(def.createdAt), Math.floor(def.updatedAt)],
  );
}

/** Deletes one definition; returns the rows deleted (0 or 1). */
export async function removeDefinition(conn: DuckDBConnection, model: string, kind: DefinitionKind, name: string): Promise<number> {
  const r = await conn.run(`DELETE FROM mw_definitions WHERE model = $1 AND kind = $2 AND name = $3`, [model, kind, name]);
  return r.rowsChanged;
}

/** Deletes a model's results (of one monitor when given); returns how many. */
export async function removeResults(conn: DuckDBConnection, model: string, monitor?: string): Promise<number> {
  const r =
    monitor === undefined
      ? await conn.run(`DELETE FROM mw_results WHERE model = $1`, [model])
      : await conn.run(`DELETE FROM mw_results WHERE model = $1 AND monitor = $2`, [model, monitor]);
  return r.rowsChanged;
}
