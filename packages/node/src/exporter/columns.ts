/**
 * One column of a columnar event batch (`application/vnd.modelwatch.batch`,
 * packages/server/docs/event-batch-format.md) while it is being built: the
 * value of one path (`[key]` or `[key, subkey]`) for each row, appended in
 * row order.
 *
 * A column starts without an encoding and takes one from its first value:
 * numbers `f64` (NaN and ±Infinity as nulls, as JSON.stringify writes them),
 * strings and booleans `dict`, plain objects `object` (their members are
 * child columns). It changes encoding when a value does not fit: a `dict`
 * whose dictionary grows past {@link DICT_SWITCH} distinct values and 90%
 * of its rows (ids) becomes `utf8`; a column that sees mixed kinds, arrays,
 * nested objects or strings that are not well-formed UTF-16 becomes `json`
 * (its earlier rows re-encoded). Rows a column was not given are absent.
 */

export const F64 = 1;
export const DICT = 2;
export const UTF8 = 3;
export const JSON_ = 4;
export const OBJECT = 5;

/** Distinct dictionary values past which a `dict` column that is mostly (90%) distinct becomes `utf8`. */
const DICT_SWITCH = 128;
/** The format's limit on dictionary entries. */
const DICT_MAX = 65_536;
/** The format's limit on a key's length (UTF-16 code units). */
export const MAX_KEY = 256;

/** Writes member `k` (value `v`) of an object's row `r` into its column `c`. */
export type Member = (c: Column, r: number, k: string, v: unknown) => void;

const ABSENT = Symbol('absent');
/** A JSON text (a `json` column's value) while a column is re-encoded. */
class Text {
  constructor(readonly text: string) {}
}

const NO_F64 = new Float64Array(0);
const NO_U16 = new Uint16Array(0);
const NO_U32 = new Uint32Array(0);
const NO_BYTES = Buffer.alloc(0);

/** Shared by the columns of one batch: how many rows a column may hold, how many columns exist. */
export interface ColumnSet {
  readonly capacity: number;
  columns: number;
  readonly maxColumns: number;
}

/** Whether `s` is well-formed UTF-16 (no lone surrogates): String.prototype.isWellFormed (Node 20, not in the ES2023 lib). */
function wellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Whether a key is an array index (JavaScript lists those first in any object, ascending). */
function isIndex(k: string): boolean {
  return /^(0|[1-9]\d{0,9})$/.test(k) && Number(k) < 4294967295;
}

export class Column {
  kind = 0;
  /** Rows accounted for (given or absent): the next row is `filled`. */
  filled = 0;
  absent: number[] = [];
  nulls: number[] = [];
  // f64
  f64: Float64Array = NO_F64;
  private finite = 0;
  // dict
  idx: Uint16Array = NO_U16;
  dict: Map<unknown, number> | null = null;
  /** Dictionary entries given by their JSON text ({@link dictText}), apart from the values'. */
  private byText: Map<string, number> | null = null;
  dictTexts: string[] = [];
  /** Whether every dictionary value is a well-formed string (it may become utf8). */
  private dictStrings = true;
  // utf8
  offsets: Uint32Array = NO_U32;
  bytes: Buffer = NO_BYTES;
  // json
  json: string[] = [];
  // object
  children: Column[] = [];
  private childMap: Map<string, Column> | null = null;
  private shapeKeys: string[] = [];
  private shapeCols: Column[] = [];
  /** Whether the shape has array-index keys (see {@link object}). */
  private indexKeys = false;
  // The row being written by object(): members so far, the last member's position, its keys when they differ from the shape.
  private at = 0;
  private last = -1;
  private rowKeys: string[] | null = null;
  private rowCols: Column[] = [];
  /** Position among the parent's children. */
  pos = 0;
  /** Kept by {@link reset} even when unused (the record's canonical keys). */
  pinned = false;
  readonly isIndexKey: boolean;

  constructor(
    readonly set: ColumnSet,
    readonly key: string,
    /** 0: the record; 1: `[key]`; 2: `[key, subkey]`. */
    readonly depth: number,
  ) {
    this.isIndexKey = isIndex(key);
  }

  // ---- appending: row `r` must be >= filled ----

  /** Marks rows `filled … r-1` absent. */
  private skipTo(r: number): void {
    if (this.filled === r) return;
    this.reserve(r);
    for (let i = this.filled; i < r; i++) {
      this.absent.push(i);
      this.placeholder(i);
    }
    this.filled = r;
  }

  /** Writes an ignored value for an absent row. */
  private placeholder(i: number): void {
    switch (this.kind) {
      case F64:
        this.f64[i] = 0;
        break;
      case DICT:
        this.idx[i] = 0;
        break;
      case UTF8:
        this.offsets[i + 1] = this.offsets[i];
        break;
      case JSON_:
        this.json.push('null');
        break;
    }
  }

  /** Room for row `r` (and the utf8 end offset after it). */
  private reserve(r: number): void {
    switch (this.kind) {
      case F64:
        if (r >= this.f64.length) this.f64 = growF64(this.f64, r, this.set.capacity);
        break;
      case DICT:
        if (r >= this.idx.length) this.idx = growU16(this.idx, r, this.set.capacity);
        break;
      case UTF8:
        if (r + 1 >= this.offsets.length) this.offsets = growU32(this.offsets, r + 1, this.set.capacity + 1);
        break;
    }
  }

  /** Gives the column its encoding (it has none yet). */
  begin(kind: number): void {
    this.kind = kind;
    // Arrays of a reused column (see reset) are kept when large enough.
    const n = Math.min(this.set.capacity, 16_384);
    switch (kind) {
      case F64:
        if (this.f64.length < n) this.f64 = new Float64Array(n);
        this.finite = 0;
        break;
      case DICT:
        if (this.idx.length < n) this.idx = new Uint16Array(n);
        if (this.dict === null) this.dict = new Map();
        else this.dict.clear();
        this.byText = null;
        this.dictTexts = [];
        this.dictStrings = true;
        break;
      case UTF8:
        if (this.offsets.length < n + 1) this.offsets = new Uint32Array(n + 1);
        this.offsets[0] = 0;
        if (this.bytes.length < n * 8) this.bytes = Buffer.allocUnsafe(n * 16);
        break;
      case JSON_:
        this.json = [];
        break;
      case OBJECT:
        if (this.childMap === null) {
          this.children = [];
          this.childMap = new Map();
          this.shapeKeys = [];
          this.shapeCols = [];
        }
        break;
    }
  }

  /**
   * Empties the column for the next batch. Arrays are kept, and so is a cheap
   * encoding (the next batch likely has the same kinds of values: ids go
   * straight to utf8); `json` is not kept. Children that got no value in this
   * batch are let go.
   */
  reset(): void {
    const kind = this.kind;
    this.filled = 0;
    this.absent.length = 0;
    this.nulls.length = 0;
    if (kind === OBJECT) {
      const kept: Column[] = [];
      for (const c of this.children) {
        if (!c.pinned && (c.kind === 0 || c.absent.length >= c.filled)) {
          this.set.columns--;
          continue;
        }
        c.reset();
        c.pos = kept.length;
        kept.push(c);
      }
      if (kept.length !== this.children.length) {
        this.children = kept;
        this.childMap = new Map(kept.map((c) => [c.key, c]));
        this.shapeKeys = [];
        this.shapeCols = [];
        this.indexKeys = false;
      }
      return;
    }
    this.kind = 0;
    this.json = [];
    if (kind === F64 || kind === DICT || kind === UTF8) this.begin(kind);
  }

  number(r: number, v: number): void {
    if (this.kind === F64 && this.filled === r && v - v === 0 && r < this.f64.length) {
      this.f64[r] = v;
      this.finite++;
      this.filled = r + 1;
      return;
    }
    if (this.kind !== F64) {
      if (this.kind === 0) this.begin(F64);
      else if (this.kind === DICT) return this.scalar(r, v - v === 0 ? v : null);
      else return this.other(r, v - v === 0 ? v : null);
    }
    this.skipTo(r);
    this.reserve(r);
    if (v - v === 0) {
      this.f64[r] = v;
      this.finite++;
    } else {
      this.f64[r] = 0;
      this.nulls.push(r);
    }
    this.filled = r + 1;
  }

  null(r: number): void {
    if (this.kind === 0 || this.kind === F64) this.number(r, NaN);
    else if (this.kind === DICT) this.scalar(r, null);
    else this.other(r, null);
  }

  string(r: number, s: string): void {
    if (this.kind === UTF8) {
      this.skipTo(r);
      this.reserve(r);
      if (!this.utf8(r, s)) return this.other(r, s);
      this.filled = r + 1;
    } else this.scalar(r, s);
  }

  boolean(r: number, v: boolean): void {
    this.scalar(r, v);
  }

  /** A generated id, `prefix` and a counter: ASCII, written without making the string. */
  generated(r: number, prefix: string, seq: number): void {
    if (this.kind === 0) this.begin(UTF8);
    if (this.kind !== UTF8) return this.string(r, prefix + seq);
    this.skipTo(r);
    this.reserve(r);
    let p = this.offsets[r];
    if (p + prefix.length + 17 > this.bytes.length) this.growBytes(p + prefix.length + 17);
    const b = this.bytes;
    for (let i = 0; i < prefix.length; i++) b[p++] = prefix.charCodeAt(i);
    p = writeDigits(b, p, seq);
    this.offsets[r + 1] = p;
    this.filled = r + 1;
  }

  /** A dictionary value (string, finite number, boolean, null). */
  scalar(r: number, v: string | number | boolean | null): void {
    if (this.kind !== DICT) {
      if (this.kind === 0) this.begin(DICT);
      else if (this.kind === F64 && this.finite === 0 && typeof v !== 'number') this.recode(DICT);
      else return this.other(r, v);
    }
    let i = this.dict!.get(v);
    if (i === undefined) {
      i = this.dictTexts.length;
      if (typeof v !== 'string' || !wellFormed(v)) this.dictStrings = false;
      if (i + 1 > DICT_MAX || (i + 1 > DICT_SWITCH && (i + 1) * 10 > (r + 1) * 9)) {
        // Mostly distinct (ids, free text): strings as utf8, anything else as json.
        this.recode(this.dictStrings ? UTF8 : JSON_);
        if (typeof v === 'string') return this.string(r, v);
        return this.other(r, v);
      }
      this.dict!.set(v, i);
      this.dictTexts.push(JSON.stringify(v));
    }
    this.skipTo(r);
    this.reserve(r);
    this.idx[r] = i;
    this.filled = r + 1;
  }

  /** A dictionary value given by its JSON text (the version, quoted once per recorder). */
  dictText(r: number, text: string): void {
    if (this.kind === 0) this.begin(DICT);
    if (this.kind !== DICT) return this.other(r, JSON.parse(text) as unknown);
    let i = (this.byText ??= new Map()).get(text);
    if (i === undefined) {
      i = this.dictTexts.length;
      if (i + 1 > DICT_MAX) {
        this.recode(JSON_);
        return this.jsonText(r, text);
      }
      this.dictStrings = false;
      this.byText.set(text, i);
      this.dictTexts.push(text);
    }
    this.skipTo(r);
    this.reserve(r);
    this.idx[r] = i;
    this.filled = r + 1;
  }

  /** Any JSON value as its JSON text. */
  jsonText(r: number, text: string): void {
    if (this.kind !== JSON_) {
      if (this.kind === 0) this.begin(JSON_);
      else this.recode(JSON_);
    }
    this.skipTo(r);
    this.json.push(text);
    this.filled = r + 1;
  }

  /** A value this column's encoding cannot hold: the column becomes json. */
  private other(r: number, v: unknown): void {
    this.jsonText(r, JSON.stringify(v));
  }

  /** Writes `s` as row `r` of a utf8 column; false if it is not well-formed UTF-16 (lone surrogates). */
  private utf8(r: number, s: string): boolean {
    const n = s.length;
    let p = this.offsets[r];
    if (p + n * 3 > this.bytes.length) this.growBytes(p + n * 3);
    const b = this.bytes;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        if (!wellFormed(s)) return false;
        p = this.offsets[r];
        p += b.write(s, p, 'utf8');
        this.offsets[r + 1] = p;
        return true;
      }
      b[p++] = c;
    }
    this.offsets[r + 1] = p;
    return true;
  }

  private growBytes(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(need, this.bytes.length * 2));
    this.bytes.copy(bigger, 0, 0, this.offsets[this.filled]);
    this.bytes = bigger;
  }

  // ---- objects ----

  /**
   * Row `r` is the plain object `o` (its own enumerable keys, as JSON.stringify
   * lists them; `memberOf` writes each member's value). An object column keeps
   * the members' order: a row whose keys come in another order than the
   * columns' turns the column into json (the record's own columns, depth 0,
   * cannot: there the columns' order is used).
   */
  object(r: number, o: object, member: Member): void {
    if (this.kind !== OBJECT) {
      if (this.kind === 0 && this.depth < 2) this.begin(OBJECT);
      else return this.jsonText(r, JSON.stringify(o));
    }
    this.skipTo(r);
    this.filled = r + 1;
    this.at = 0;
    this.last = -1;
    this.rowKeys = null;
    if (this.indexKeys) {
      // for…in over array-index keys (elements) is V8's slow path: Object.keys costs ~40% less.
      const ks = Object.keys(o);
      for (let j = 0; j < ks.length; j++) {
        const k = ks[j];
        if (!this.put(r, o, k, (o as Record<string, unknown>)[k], member)) return;
      }
    } else {
      for (const k in o) if (!this.put(r, o, k, (o as Record<string, unknown>)[k], member)) return;
    }
    // (put() sets rowKeys when the row's keys differ from the shape.)
    const keys = this.rowKeys as string[] | null;
    if (keys !== null) {
      this.shapeKeys = keys;
      this.shapeCols = this.rowCols;
      this.indexKeys = keys.some(isIndex);
    }
  }

  /**
   * The fast path of {@link object} for a row shaped like the column: `o`'s
   * keys are exactly the shape's keys in the shape's order, and every value is a
   * finite number for an f64 child or a string for a dict child. Then the row is written as object() would write it and true is
   * returned; otherwise nothing is written (false) and object() must take the row.
   */
  fastObject(r: number, o: object): boolean {
    if (this.kind !== OBJECT || this.filled !== r) return false;
    const keys = this.shapeKeys;
    const n = keys.length;
    if (n === 0) return false;
    let i = 0;
    let ok = true;
    if (this.indexKeys) {
      // As object(): Object.keys rather than for…in over array-index keys.
      const ks = Object.keys(o);
      ok = ks.length === n;
      for (; ok && i < n; i++) {
        const k = ks[i];
        ok = k === keys[i] && this.shapeCols[i].fastValue(r, (o as Record<string, unknown>)[k]);
        if (!ok) break;
      }
    } else {
      for (const k in o) {
        ok = i < n && k === keys[i] && this.shapeCols[i].fastValue(r, (o as Record<string, unknown>)[k]);
        if (!ok) break;
        i++;
      }
      ok &&= i === n;
    }
    if (ok) {
      this.filled = r + 1;
      return true;
    }
    // Undo the members written.
    for (let j = 0; j < i; j++) this.shapeCols[j].unwrite(r);
    return false;
  }

  /**
   * Row `r` as object() and the top-level writers would write it, when it takes
   * no change of encoding: a finite number into an f64 column, a string into a
   * dict column (see {@link fastObject}). False, nothing written, otherwise.
   */
  fastValue(r: number, v: unknown): boolean {
    if (this.filled !== r) return false;
    if (typeof v === 'number') {
      if (this.kind !== F64 || v - v !== 0 || r >= this.f64.length) return false;
      this.f64[r] = v;
      this.finite++;
    } else if (typeof v === 'string') {
      if (this.kind !== DICT || r >= this.idx.length) return false;
      const j = this.dict!.get(v);
      if (j === undefined) {
        // A category new to this batch: as object() writes it (put → member → string → scalar), which may
        // also re-encode the column (too many distinct values). A batch's dictionaries start empty, so
        // without this every batch's first rows would leave the fast path.
        this.scalar(r, v);
        return true;
      }
      this.idx[r] = j;
    } else return false;
    this.filled = r + 1;
    return true;
  }

  /** Forgets row `r`, just written by {@link fastValue}. */
  private unwrite(r: number): void {
    if (this.kind === F64) this.finite--;
    this.filled = r;
  }

  /** Member `k` of row `r` (the object `o`). False when the column became json (the row is written). */
  private put(r: number, o: object, k: string, v: unknown, member: Member): boolean {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return true;
    let c: Column;
    const i = this.at;
    if (this.rowKeys === null && i < this.shapeKeys.length && this.shapeKeys[i] === k) c = this.shapeCols[i];
    else {
      if (this.rowKeys === null) {
        this.rowKeys = this.shapeKeys.slice(0, i);
        this.rowCols = this.shapeCols.slice(0, i);
      }
      const found = this.child(k);
      if (found === null) {
        this.demote(r, o);
        return false;
      }
      c = found;
      this.rowKeys.push(k);
      this.rowCols.push(c);
    }
    this.at = i + 1;
    if (!c.isIndexKey) {
      if (c.pos <= this.last && this.depth > 0) {
        this.demote(r, o);
        return false;
      }
      this.last = c.pos;
    }
    // The common values here, the rest (and these in other encodings) through `member`.
    if (typeof v === 'number' && c.kind === F64 && c.filled === r && v - v === 0 && r < c.f64.length) {
      c.f64[r] = v;
      c.finite++;
      c.filled = r + 1;
    } else if (typeof v === 'string' && c.kind === DICT && c.filled === r && r < c.idx.length) {
      const j = c.dict!.get(v);
      if (j !== undefined) {
        c.idx[r] = j;
        c.filled = r + 1;
      } else c.scalar(r, v);
    } else member(c, r, k, v);
    return true;
  }

  /** The child column of `key` (created at the end), or null when the format cannot have it. */
  private child(key: string): Column | null {
    let c = this.childMap!.get(key);
    if (c === undefined) {
      if (key.length > MAX_KEY || this.set.columns >= this.set.maxColumns) {
        if (this.depth === 0) throw new RangeError(`a record key longer than ${MAX_KEY} characters, or more than ${this.set.maxColumns} columns in a batch`);
        return null;
      }
      c = new Column(this.set, key, this.depth + 1);
      c.pos = this.children.length;
      this.set.columns++;
      this.children.push(c);
      this.childMap!.set(key, c);
    }
    return c;
  }

  /** Predefines a child (the record's canonical keys, in order). */
  define(key: string): Column {
    const c = this.child(key)!;
    c.pinned = true;
    return c;
  }

  /** Row `r` of this object column cannot be an object column's: the column becomes json. */
  private demote(r: number, o: object): void {
    this.truncate(r);
    this.recode(JSON_);
    this.jsonText(r, JSON.stringify(o));
  }

  // ---- re-encoding ----

  /** Forgets rows `r …` (a record that could not be written, or a row being re-encoded). */
  truncate(r: number): void {
    if (this.filled <= r) return;
    while (this.absent.length > 0 && this.absent[this.absent.length - 1] >= r) this.absent.pop();
    while (this.nulls.length > 0 && this.nulls[this.nulls.length - 1] >= r) {
      this.nulls.pop();
    }
    if (this.kind === F64) this.finite = r - this.nulls.length - this.absent.length;
    else if (this.kind === JSON_) this.json.length = r;
    else if (this.kind === OBJECT) for (const c of this.children) c.truncate(r);
    this.filled = r;
  }

  /** Row values (or ABSENT), for re-encoding; json rows as Text. */
  private values(): unknown[] {
    const out: unknown[] = new Array(this.filled);
    const absent = new Set(this.absent);
    const nulls = new Set(this.nulls);
    let kids: unknown[][] = [];
    if (this.kind === OBJECT) kids = this.children.map((c) => (c.finish(this.filled), c.values()));
    for (let i = 0; i < this.filled; i++) {
      if (absent.has(i)) {
        out[i] = ABSENT;
        continue;
      }
      switch (this.kind) {
        case F64:
          out[i] = nulls.has(i) ? null : this.f64[i];
          break;
        case DICT:
          out[i] = JSON.parse(this.dictTexts[this.idx[i]]) as unknown;
          break;
        case UTF8:
          out[i] = this.bytes.toString('utf8', this.offsets[i], this.offsets[i + 1]);
          break;
        case JSON_:
          out[i] = new Text(this.json[i]);
          break;
        case OBJECT: {
          let s = '{';
          for (let c = 0; c < kids.length; c++) {
            const v = kids[c][i];
            if (v === ABSENT) continue;
            if (s.length > 1) s += ',';
            s += JSON.stringify(this.children[c].key) + ':' + (v instanceof Text ? v.text : JSON.stringify(v));
          }
          out[i] = new Text(s + '}');
          break;
        }
      }
    }
    return out;
  }

  /** Re-encodes the rows so far as `kind`. */
  private recode(kind: number): void {
    const vals = this.values();
    const n = this.filled;
    if (this.kind === OBJECT) this.set.columns -= this.children.length;
    this.kind = 0;
    this.filled = 0;
    this.absent = [];
    this.nulls = [];
    this.children = [];
    this.childMap = null;
    this.shapeKeys = [];
    this.shapeCols = [];
    this.indexKeys = false;
    this.begin(kind);
    this.reserve(Math.max(0, n - 1));
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      if (v === ABSENT) continue;
      if (kind === JSON_) this.jsonText(i, v instanceof Text ? v.text : JSON.stringify(v));
      else if (kind === UTF8) this.string(i, v as string);
      else if (typeof v === 'string' || typeof v === 'boolean' || v === null) this.scalar(i, v);
      else this.number(i, v as number);
    }
  }

  /** Marks the rows up to `rows` that were not given as absent. */
  finish(rows: number): void {
    this.skipTo(rows);
  }

  /** Whether row `r … rows-1` are all absent (the column is left out of the batch). */
  allAbsent(from: number, rows: number): boolean {
    const a = this.absent;
    let n = 0;
    for (let i = a.length - 1; i >= 0 && a[i] >= from; i--) n++;
    return n === rows - from;
  }
}

function growF64(a: Float64Array, r: number, cap: number): Float64Array {
  const b = new Float64Array(Math.max(r + 1, Math.min(cap, a.length * 2)));
  b.set(a);
  return b;
}
function growU16(a: Uint16Array, r: number, cap: number): Uint16Array {
  const b = new Uint16Array(Math.max(r + 1, Math.min(cap, a.length * 2)));
  b.set(a);
  return b;
}
function growU32(a: Uint32Array, r: number, cap: number): Uint32Array {
  const b = new Uint32Array(Math.max(r + 1, Math.min(cap, a.length * 2)));
  b.set(a);
  return b;
}

/** A non-negative safe integer's decimal digits at `b[p]`; returns the end. */
export function writeDigits(b: Uint8Array, p: number, v: number): number {
  let n = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) n++;
  let q = p + n;
  const end = q;
  do {
    const d = v % 10;
    b[--q] = 48 + d;
    v = (v - d) / 10;
  } while (v !== 0);
  return end;
}
