import type { ColumnSchema } from '../data/schema.js';
import type { Column } from '../data/table.js';
import {
  DEFAULT_BINS,
  isNumericProfile,
  profileColumn,
  sampleFromProfile,
  type CategoricalColumnProfile,
  type ColumnProfile,
  type NumericColumnProfile,
} from './profile.js';
import { summarize } from './summary.js';

/**
 * One side (reference or current) of one column, ready for comparison: its
 * profile (exact statistics) and, for numeric columns, the sorted finite
 * sample — the raw one, or one rebuilt from a profile (`exact: false`).
 */
export interface NumericSide {
  type: 'numeric';
  profile: NumericColumnProfile;
  sorted: Float64Array;
  exact: boolean;
  /** Number of bins behind `profile.edges`/`profile.histogram`. */
  defaultBins: number;
}

export interface CategoricalSide {
  type: 'categorical';
  profile: CategoricalColumnProfile;
  values: string[];
  counts: Float64Array;
  /** Count of values outside `values` (a truncated profile). */
  otherCount: number;
  valid: number;
  /** The category list is complete (raw data, or a profile that kept every category). */
  complete: boolean;
}

export type Side = NumericSide | CategoricalSide;

/** A side from raw column data (`inPlace`: numeric values may be overwritten, see `summarizeNumeric`). */
export function sideFromColumn(schema: ColumnSchema, col: Column, inPlace = false): Side {
  const s = summarize(col, schema.kind, inPlace);
  const profile = profileColumn(schema, s);
  if (s.type === 'numeric') {
    return { type: 'numeric', profile: profile as NumericColumnProfile, sorted: s.sorted, exact: true, defaultBins: DEFAULT_BINS };
  }
  return {
    type: 'categorical',
    profile: profile as CategoricalColumnProfile,
    values: s.values,
    counts: s.counts,
    otherCount: 0,
    valid: s.valid,
    complete: true,
  };
}

/** A side from a stored column profile. */
export function sideFromProfile(p: ColumnProfile): Side {
  if (isNumericProfile(p)) {
    const { sorted, exact } = sampleFromProfile(p);
    return { type: 'numeric', profile: p, sorted, exact, defaultBins: DEFAULT_BINS };
  }
  return {
    type: 'categorical',
    profile: p,
    values: p.categories,
    counts: Float64Array.from(p.counts),
    otherCount: p.otherCount,
    valid: p.valid,
    complete: p.otherCount === 0,
  };
}
