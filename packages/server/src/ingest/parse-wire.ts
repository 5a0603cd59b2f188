/**
 * Prepared events (a parsed request) as a message between threads, cheap to
 * receive on the main thread: typed arrays are transferred, not copied, and
 * string columns travel as one joined string plus offsets, or — when few
 * distinct values repeat (categories, versions) — as a small dictionary plus
 * codes. Structured-cloning the string arrays instead costs the receiving
 * thread about a third of what parsing them did; rebuilding them from these
 * forms costs a slice or an array read per value. The sender also hashes the
 * event keys for the store's duplicate check (store/duckdb/key-hash.ts).
 */
import { attachKeyHashes, keyHashes } from '../store/duckdb/key-hash.js';
import type { EventBatch, EventColumnData } from '../store/store.js';
import type { IngestQuality, PreparedEvents, RejectReason, RejectedRecord } from './events.js';

/** A `(string | null)[]` column in transit. */
export type WireStrings =
  /** `dict[codes[i]]`, `codes[i] = -1` for null. */
  | { t: 'dict'; dict: string[]; codes: Int16Array }
  /** `text.slice(ends[i-1], ends[i])`; `nulls[i] = 1` for null (absent: none). */
  | { t: 'joined'; text: string; ends: Uint32Array; nulls?: Uint8Array }
  /** Every value null. */
  | { t: 'null'; n: number };

type WireColumn =
  | { type: 'number' | 'timestamp'; values: Float64Array; nulls: Uint8Array }
  | { type: 'boolean'; values: Uint8Array }
  | { type: 'string'; values: WireStrings };

export interface WirePrepared {
  model: string;
  generation: number;
  length: number;
  ids: WireStrings;
  ts: Float64Array;
  versions: WireStrings;
  columns: WireColumn[];
  latencyMs: Float64Array;
  errors: Uint8Array;
  tags: WireStrings;
  dqTypeViolations: Uint16Array;
  dqTypeColumns: WireStrings;
  dqUnknownColumns: WireStrings;
  dqMissingColumns: WireStrings;
  accepted: number;
  rejected: RejectedRecord[];
  rejectedCount: number;
  rejectedByReason: [RejectReason, number][];
  versionCounts: [string, number][];
  quality: IngestQuality;
  /** The batch's key hashes (store/duckdb/key-hash.ts), computed by the sender. */
  keyHashes: Uint32Array;
}

/** Distinct values past which a column is sent joined rather than as a dictionary. */
const MAX_DICT = 256;

export function encodeStrings(values: readonly (string | null)[], n: number): WireStrings {
  // Try a dictionary first; give up once it grows past MAX_DICT (ids give up at once).
  const index = new Map<string, number>();
  const dict: string[] = [];
  const codes = new Int16Array(n);
  let nulls = 0;
  let r = 0;
  for (; r < n; r++) {
    const s = values[r];
    if (s === null || s === undefined) {
      codes[r] = -1;
      nulls++;
      continue;
    }
    let c = index.get(s);
    if (c === undefined) {
      if (dict.length === MAX_DICT) break;
      c = dict.length;
      dict.push(s);
      index.set(s, c);
    }
    codes[r] = c;
  }
  if (r === n) return nulls === n ? { t: 'null', n } : { t: 'dict', dict, codes };
  const ends = new Uint32Array(n);
  let mask: Uint8Array | undefined;
  const parts: string[] = new Array<string>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const s = values[i];
    if (s === null || s === undefined) {
      (mask ??= new Uint8Array(n))[i] = 1;
      parts[i] = '';
    } else {
      parts[i] = s;
      at += s.length;
    }
    ends[i] = at;
  }
  const out: WireStrings = { t: 'joined', text: parts.join(''), ends };
  if (mask) out.nulls = mask;
  return out;
}

export function decodeStrings(w: WireStrings): (string | null)[] {
  if (w.t === 'null') return new Array<string | null>(w.n).fill(null);
  if (w.t === 'dict') {
    const { dict, codes } = w;
    const out = new Array<string | null>(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      out[i] = c < 0 ? null : dict[c];
    }
    return out;
  }
  const { text, ends, nulls } = w;
  const out = new Array<string | null>(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i];
    out[i] = nulls && nulls[i] === 1 ? null : text.slice(start, end);
    start = end;
  }
  return out;
}

/** The message for `p`, and the buffers to transfer with it (the batch's own, never shared). */
export function encodePrepared(p: PreparedEvents): { message: WirePrepared; transfer: ArrayBuffer[] } {
  const b = p.batch;
  const n = b.length;
  const transfer = new Set<ArrayBuffer>();
  const typed = <T extends ArrayBufferView>(a: T): T => {
    transfer.add(a.buffer as ArrayBuffer);
    return a;
  };
  const strings = (v: readonly (string | null)[]): WireStrings => {
    const w = encodeStrings(v, n);
    if (w.t === 'dict') typed(w.codes);
    else if (w.t === 'joined') {
      typed(w.ends);
      if (w.nulls) typed(w.nulls);
    }
    return w;
  };
  const columns = b.columns.map((c): WireColumn => {
    switch (c.type) {
      case 'number':
      case 'timestamp':
        return { type: c.type, values: typed(c.values), nulls: typed(c.nulls) };
      case 'boolean':
        return { type: 'boolean', values: typed(c.values) };
      case 'string':
        return { type: 'string', values: strings(c.values) };
    }
  });
  const message: WirePrepared = {
    model: b.model,
    generation: b.generation,
    length: n,
    ids: strings(b.ids),
    ts: typed(b.ts),
    versions: strings(b.versions),
    columns,
    latencyMs: typed(b.latencyMs),
    errors: typed(b.errors),
    tags: strings(b.tags),
    dqTypeViolations: typed(b.dqTypeViolations),
    dqTypeColumns: strings(b.dqTypeColumns),
    dqUnknownColumns: strings(b.dqUnknownColumns),
    dqMissingColumns: strings(b.dqMissingColumns),
    accepted: p.accepted,
    rejected: p.rejected,
    rejectedCount: p.rejectedCount,
    rejectedByReason: [...p.rejectedByReason],
    versionCounts: [...p.versions],
    quality: p.quality,
    keyHashes: typed(keyHashes(b.ids, b.ts, n)),
  };
  return { message, transfer: [...transfer] };
}

export function decodePrepared(m: WirePrepared): PreparedEvents {
  const columns = m.columns.map((c): EventColumnData => (c.type === 'string' ? { type: 'string', values: decodeStrings(c.values) } : c));
  const batch: EventBatch = {
    model: m.model,
    generation: m.generation,
    length: m.length,
    ids: decodeStrings(m.ids) as string[],
    ts: m.ts,
    versions: decodeStrings(m.versions) as string[],
    columns,
    latencyMs: m.latencyMs,
    errors: m.errors,
    tags: decodeStrings(m.tags),
    dqTypeViolations: m.dqTypeViolations,
    dqTypeColumns: decodeStrings(m.dqTypeColumns),
    dqUnknownColumns: decodeStrings(m.dqUnknownColumns),
    dqMissingColumns: decodeStrings(m.dqMissingColumns),
  };
  attachKeyHashes(batch, m.keyHashes);
  return {
    batch,
    accepted: m.accepted,
    rejected: m.rejected,
    rejectedCount: m.rejectedCount,
    rejectedByReason: new Map(m.rejectedByReason),
    versions: new Map(m.versionCounts),
    quality: m.quality,
  };
}
