/**
 * A model's reference data as the service keeps it: the core's profile (exact
 * statistics, bin edges, category sets) and, where size allows, the raw rows
 * for exact tests. Monitors ask a {@link ReferenceProvider}; uploads and the
 * configuration's `reference:` files produce {@link StoredReference}s.
 */
import type { Profile, Table } from '@modelwatch/core';

export interface StoredReference {
  model: string;
  /** Profile of the whole reference (all rows, before any sampling). */
  profile: Profile;
  /** Raw rows (schema columns), `null` when only the profile is kept. */
  table: Table | null;
  /** Rows of the reference data. */
  rows: number;
  /** When `table` holds a sample: the number of rows it was drawn from (= `rows`). */
  sampledFrom?: number;
  /** Where it came from: a file name, or `upload`. */
  source: string;
  /** Epoch ms. */
  uploadedAt: number;
}

/** Read access to references, as monitors and the report endpoint need it. */
export interface ReferenceProvider {
  /** The model's current reference, or `null` when none was given. */
  get(model: string): Promise<StoredReference | null>;
}
