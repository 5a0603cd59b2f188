/**
 * The ingest fast path: reads NDJSON or a JSON array of events straight from
 * the request bytes into {@link EventRows}, without `JSON.parse` or an object per
 * record.
 *
 * A reader is compiled once per schema generation ({@link readerFor}): the
 * top-level keys, feature names, segment names and score keys become byte
 * strings to compare against, and string columns get an interning table so
 * that repeated category values and versions cost no allocation.
 *
 * It reads the common, well-formed shape only. Whatever it does not handle — a
 * structural problem that will be rejected, escapes in keys, integer-like or
 * duplicate keys, unknown score keys, tags, invalid JSON — makes it hand the
 * record back: for NDJSON, that line goes through `JSON.parse` and
 * {@link EventRows.acceptParsed}; for a JSON array, the whole body does. Both
 * paths end in {@link EventRows.commit}, so the result is the same as parsing
 * every record with `JSON.parse` (test/ingest-reader.test.ts checks this
 * against the original implementation on generated input).
 */
import { ABSENT, EventRows, K_DATETIME, K_NUMERIC, K_STRING, MAX_UNKNOWN_PER_EVENT, SCORES_VALUES, tagsProblem } from './events.js';
import type { EventPlan, PreparedEvents } from './events.js';
import {
  B_COLON,
  B_COMMA,
  B_CR,
  B_LBRACE,
  B_LBRACKET,
  B_LF,
  B_MINUS,
  B_QUOTE,
  B_RBRACE,
  B_RBRACKET,
  B_SPACE,
  B_TAB,
  FALSE,
  NULL,
  TRUE,
  allDigits,
  bytesEqual,
  latin1,
  scanLiteral,
  scanNumber,
  scanString,
  scanStringUnhashed,
  scanned,
  scannedString,
  skipValue,
  skipWs,
  utf8,
} from './json-scan.js';
import { MAX_ID_LENGTH, MAX_VERSION_LENGTH, parseTimestamp, parseTimestampBytes, sanitizeName } from './values.js';

const encoder = new TextEncoder();

/** {@link EventReader.readValue} kind that keeps every value exactly (strings decoded). */
const K_ANY = -1;

/** Stands for an object or array value (a type violation for every column kind). */
const OBJECT_VALUE: Readonly<Record<string, never>> = Object.freeze({});

// Top-level keys.
const KEY_OTHER = -1;
const KEY_ID = 0;
const KEY_TS = 1;
const KEY_VERSION = 2;
const KEY_FEATURES = 3;
const KEY_PREDICTION = 4;
const KEY_SCORES = 5;
const KEY_LATENCY = 6;
const KEY_ERROR = 7;
const KEY_TAGS = 8;
const TOP_KEYS = ['id', 'ts', 'version', 'features', 'prediction', 'scores', 'latency_ms', 'error', 'tags'].map((k) => encoder.encode(k));

function topKey(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  switch (buf[s]) {
    case 105:
      return len === 2 && buf[s + 1] === 100 ? KEY_ID : KEY_OTHER;
    case 116:
      if (len === 2) return buf[s + 1] === 115 ? KEY_TS : KEY_OTHER;
      return bytesEqual(buf, s, e, TOP_KEYS[KEY_TAGS]) ? KEY_TAGS : KEY_OTHER;
    case 118:
      return bytesEqual(buf, s, e, TOP_KEYS[KEY_VERSION]) ? KEY_VERSION : KEY_OTHER;
    case 102:
      return bytesEqual(buf, s, e, TOP_KEYS[KEY_FEATURES]) ? KEY_FEATURES : KEY_OTHER;
    case 112:
      return bytesEqual(buf, s, e, TOP_KEYS[KEY_PREDICTION]) ? KEY_PREDICTION : KEY_OTHER;
    case 115:
      return bytesEqual(buf, s, e, TOP_KEYS[KEY_SCORES]) ? KEY_SCORES : KEY_OTHER;
    case 108:
      return bytesEqual(buf, s, e, TOP_KEYS[KEY_LATENCY]) ? KEY_LATENCY : KEY_OTHER;
    case 101:
      return bytesEqual(buf, s, e, TOP_KEYS[KEY_ERROR]) ? KEY_ERROR : KEY_OTHER;
    default:
      return KEY_OTHER;
  }
}

/**
 * Strings by their UTF-8 bytes, so that a value seen before costs a hash probe
 * instead of a new string. Bounded: past `maxEntries` new values are decoded
 * without being kept.
 */
export class Interner {
  private slots = new Int32Array(256).fill(-1);
  private readonly hashes: number[] = [];
  private readonly bytes: Uint8Array[] = [];
  private readonly strings: string[] = [];

  constructor(private readonly maxEntries = 1024) {}

  /** The string of the unescaped range last read by {@link scanString}. */
  get(buf: Uint8Array): string {
    const { start, end, hash } = scanned;
    const mask = this.slots.length - 1;
    let s = hash & mask;
    for (;;) {
      const e = this.slots[s];
      if (e < 0) break;
      if (this.hashes[e] === hash && bytesEqual(buf, start, end, this.bytes[e])) return this.strings[e];
      s = (s + 1) & mask;
    }
    const str = scanned.nonAscii ? utf8(buf, start, end) : latin1(buf, start, end);
    if (this.strings.length < this.maxEntries) {
      const e = this.strings.length;
      this.strings.push(str);
      this.hashes.push(hash);
      this.bytes.push(Uint8Array.prototype.slice.call(buf, start, end)); // a copy: a view would keep the body alive
      this.slots[s] = e;
      if (e * 2 >= this.slots.length) this.rehash();
    }
    return str;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let e = 0; e < this.strings.length; e++) {
      let s = this.hashes[e] & mask;
      while (slots[s] >= 0) s = (s + 1) & mask;
      slots[s] = e;
    }
    this.slots = slots;
  }
}

/** What a key of `features` is: a feature, a segment read from features, or ignored. */
interface FeatureKey {
  /** Position in `EventReader.featureKeys` (for duplicate detection). */
  index: number;
  bytes: Uint8Array;
  /** Index into `plan.featureNames`, or -1. */
  feature: number;
  /** Index into `plan.segmentNames`, or -1. */
  segment: number;
  /** A schema column of another role (id, timestamp, target): neither stored nor unknown. */
  ignored: boolean;
  /** The name needs no escape in JSON (no `"`, `\\` or control character): its bytes are its key as written. */
  plain: boolean;
}

/** Why the reader handed a record back; only counted (tests and profiling). */
export interface ReaderStats {
  fast: number;
  slow: number;
}

/** The compiled byte reader of one {@link EventPlan}. */
export class EventReader {
  private readonly featureKeys: FeatureKey[];
  private readonly keyByName = new Map<string, FeatureKey>();
  /** Feature keys in schema order, to guess the next key of a record. */
  private readonly featureOrder: FeatureKey[];
  private readonly featureKinds: Int8Array;
  private readonly featureInterners: (Interner | null)[];
  private readonly predictionKind: number;
  private readonly predictionInterner: Interner | null;
  private readonly scoreNames: Uint8Array[];
  private readonly scoreClasses: (Uint8Array | null)[];
  private readonly scoreKinds: Int8Array;
  private readonly versionInterner = new Interner(256);
  /** Per feature key: record number it was last seen in (duplicate keys are handed back). */
  private readonly seenStamp: Int32Array;
  private stamp = 0;
  readonly stats: ReaderStats = { fast: 0, slow: 0 };

  // The record being read.
  private id = '';
  private ts = NaN;
  private version: string | null = null;
  private latency = NaN;
  private error = 2;
  private tagsJson: string | null = null;

  constructor(readonly plan: EventPlan) {
    const byName = new Map<string, FeatureKey>();
    const entry = (name: string): FeatureKey => {
      let k = byName.get(name);
      if (!k) {
        k = { index: byName.size, bytes: encoder.encode(name), feature: -1, segment: -1, ignored: false, plain: !/["\\\u0000-\u001f]/.test(name) };
        byName.set(name, k);
      }
      return k;
    };
    plan.featureNames.forEach((name, f) => (entry(name).feature = f));
    plan.segmentNames.forEach((name, g) => (entry(name).segment = g));
    for (const name of plan.ignoredFeatureKeys) if (!plan.featureSet.has(name)) entry(name).ignored = true;
    this.keyByName = byName;
    this.featureKeys = [...byName.values()];
    this.featureOrder = plan.featureNames.map((name) => byName.get(name)!);
    this.featureKinds = Int8Array.from(plan.featureIdx, (c) => plan.kinds[c]);
    this.featureInterners = Array.from(this.featureKinds, (k) => (k === K_STRING ? new Interner() : null));
    this.predictionKind = plan.predictionIdx >= 0 ? plan.kinds[plan.predictionIdx] : K_NUMERIC;
    this.predictionInterner = plan.predictionIdx >= 0 && this.predictionKind === K_STRING ? new Interner() : null;
    this.scoreNames = Array.from(plan.scoreIdx, (c) => encoder.encode(plan.columns[c].name));
    this.scoreClasses = Array.from(plan.scoreIdx, (c) => {
      const of = plan.columns[c].scoreOf;
      return of === undefined ? null : encoder.encode(String(of));
    });
    this.scoreKinds = Int8Array.from(plan.scoreIdx, (c) => plan.kinds[c]);
    this.seenStamp = new Int32Array(this.featureKeys.length);
  }

  /**
   * Reads an NDJSON body: one record per non-blank line (a line of spaces, tabs
   * and CRs is blank), CRLF or LF line ends. More than `maxRecords` records is
   * a 413.
   */
  readNdjson(buf: Uint8Array, maxRecords: number, maxListed?: number): PreparedEvents {
    const n = buf.length;
    let lines = 1;
    for (let at = buf.indexOf(B_LF); at >= 0 && lines <= maxRecords; at = buf.indexOf(B_LF, at + 1)) lines++;
    const rows = new EventRows(this.plan, Math.min(lines, maxRecords), maxListed);
    let index = 0;
    let start = 0;
    while (start < n) {
      let end = buf.indexOf(B_LF, start);
      if (end < 0) end = n;
      let lineEnd = end;
      if (lineEnd > start && buf[lineEnd - 1] === B_CR) lineEnd--;
      if (!isBlank(buf, start, lineEnd)) {
        if (index >= maxRecords) throw new TooManyRecordsError(maxRecords, countRecords(buf));
        let p = this.readRecord(buf, skipWs(buf, start, lineEnd), lineEnd, rows);
        if (p >= 0) p = skipWs(buf, p, lineEnd);
        if (p === lineEnd) {
          this.commit(rows);
          this.stats.fast++;
        } else {
          rows.clearScratch();
          this.stats.slow++;
          let rec: unknown;
          try {
            rec = JSON.parse(utf8(buf, start, lineEnd));
          } catch (err) {
            rec = err instanceof Error ? err : new Error(String(err));
          }
          rows.acceptParsed(rec, index);
        }
        index++;
      }
      start = end + 1;
    }
    return rows.finish();
  }

  /**
   * Reads a JSON array body of records; null when the body is not a JSON array
   * of records this reader handles (the caller then parses it with `JSON.parse`).
   * More than `maxRecords` records is also null, so that `JSON.parse` decides
   * between 400 (not JSON) and 413.
   */
  readArray(buf: Uint8Array, maxRecords: number, maxListed?: number): PreparedEvents | null {
    const n = buf.length;
    let p = skipWs(buf, 0, n);
    if (buf[p] !== B_LBRACKET) return null;
    const rows = new EventRows(this.plan, Math.min(maxRecords, Math.max(16, n >> 8)), maxListed);
    p = skipWs(buf, p + 1, n);
    let index = 0;
    if (buf[p] === B_RBRACKET) p++;
    else {
      for (;;) {
        if (index >= maxRecords || buf[p] !== B_LBRACE) return null;
        p = this.readRecord(buf, p, n, rows);
        if (p < 0) {
          rows.clearScratch();
          return null;
        }
        this.commit(rows);
        index++;
        p = skipWs(buf, p, n);
        if (buf[p] === B_COMMA) p = skipWs(buf, p + 1, n);
        else if (buf[p] === B_RBRACKET) {
          p++;
          break;
        } else return null;
      }
    }
    if (skipWs(buf, p, n) !== n) return null;
    this.stats.fast += index;
    return rows.finish();
  }

  private commit(rows: EventRows): void {
    rows.commit(this.id, this.ts, this.version!, this.latency, this.error, this.tagsJson);
  }

  /**
   * Reads one record object at `p` into the scratch of `rows` and the record
   * fields. Returns the position after its `}`, or -1 to hand it back.
   */
  private readRecord(buf: Uint8Array, p: number, end: number, rows: EventRows): number {
    if (buf[p] !== B_LBRACE) return -1;
    p = skipWs(buf, p + 1, end);
    let seen = 0;
    this.version = null;
    this.latency = NaN;
    this.error = 2;
    this.tagsJson = null;
    let tags: Record<string, unknown> | null = null;
    if (buf[p] === B_RBRACE) return -1; // no id
    for (;;) {
      if (buf[p] !== B_QUOTE) return -1;
      p = scanStringUnhashed(buf, p, end);
      if (p < 0 || scanned.escaped) return -1;
      const key = topKey(buf, scanned.start, scanned.end);
      p = skipWs(buf, p, end);
      if (buf[p] !== B_COLON) return -1;
      p = skipWs(buf, p + 1, end);
      if (key !== KEY_OTHER) {
        if (seen & (1 << key)) return -1; // duplicate key: JSON.parse keeps the last
        seen |= 1 << key;
      }
      const b = buf[p];
      switch (key) {
        case KEY_ID:
          if (b === B_QUOTE) {
            p = scanStringUnhashed(buf, p, end);
            if (p < 0) return -1;
            const id = scannedString(buf);
            if (id.length === 0 || id.length > MAX_ID_LENGTH) return -1;
            this.id = id;
          } else {
            p = scanNumber(buf, p, end);
            if (p < 0 || !Number.isSafeInteger(scanned.number)) return -1;
            this.id = String(scanned.number);
          }
          break;
        case KEY_TS: {
          let t: number;
          if (b === B_QUOTE) {
            p = scanStringUnhashed(buf, p, end);
            if (p < 0) return -1;
            t = scanned.escaped ? NaN : parseTimestampBytes(buf, scanned.start, scanned.end);
            if (t !== t) t = parseTimestamp(scannedString(buf));
          } else {
            p = scanNumber(buf, p, end);
            if (p < 0) return -1;
            t = parseTimestamp(scanned.number);
          }
          if (t !== t) return -1;
          this.ts = t;
          break;
        }
        case KEY_VERSION:
          if (b === B_QUOTE) {
            p = scanString(buf, p, end);
            if (p < 0) return -1;
            const v = scanned.escaped ? scannedString(buf) : this.versionInterner.get(buf);
            if (v.length === 0 || v.length > MAX_VERSION_LENGTH) return -1;
            this.version = v;
          } else if (b === 110) {
            p = scanLiteral(buf, p, end, NULL);
          } else {
            p = scanNumber(buf, p, end);
            if (p < 0 || !Number.isFinite(scanned.number)) return -1;
            this.version = String(scanned.number);
          }
          break;
        case KEY_FEATURES:
          if (b !== B_LBRACE) return -1;
          p = this.readFeatures(buf, p, end, rows);
          break;
        case KEY_PREDICTION:
          p = this.readValue(buf, p, end, this.predictionKind, this.predictionInterner);
          if (p < 0) return -1;
          if (this.plan.predictionIdx >= 0) rows.pv = this.value;
          else rows.predictionUnknown = true;
          break;
        case KEY_SCORES:
          p = this.readScores(buf, p, end, rows);
          break;
        case KEY_LATENCY:
          if (b === 110) p = scanLiteral(buf, p, end, NULL);
          else {
            p = scanNumber(buf, p, end);
            const v = scanned.number;
            if (p < 0 || !(v >= 0) || v === Infinity) return -1;
            this.latency = v;
          }
          break;
        case KEY_ERROR:
          if (b === 116) {
            p = scanLiteral(buf, p, end, TRUE);
            this.error = 1;
          } else if (b === 102) {
            p = scanLiteral(buf, p, end, FALSE);
            this.error = 0;
          } else p = scanLiteral(buf, p, end, NULL);
          break;
        case KEY_TAGS: {
          if (b === 110) {
            p = scanLiteral(buf, p, end, NULL);
            break;
          }
          if (b !== B_LBRACE) return -1;
          const from = p;
          p = skipValue(buf, p, end);
          if (p < 0) return -1;
          tags = JSON.parse(utf8(buf, from, p)) as Record<string, unknown>;
          if (tagsProblem(tags) !== null) return -1;
          this.tagsJson = JSON.stringify(tags);
          break;
        }
        default:
          p = skipValue(buf, p, end);
      }
      if (p < 0) return -1;
      p = skipWs(buf, p, end);
      if (buf[p] === B_COMMA) p = skipWs(buf, p + 1, end);
      else if (buf[p] === B_RBRACE) break;
      else return -1;
    }
    // Required: id, ts, features; version unless the model has exactly one.
    if ((seen & ((1 << KEY_ID) | (1 << KEY_TS) | (1 << KEY_FEATURES))) !== ((1 << KEY_ID) | (1 << KEY_TS) | (1 << KEY_FEATURES))) return -1;
    if (this.version === null) {
      if (this.plan.defaultVersion === null) return -1;
      this.version = this.plan.defaultVersion;
    }
    if (tags !== null) {
      // Segments come from tags first (features were read before or after).
      const names = this.plan.segmentNames;
      for (let g = 0; g < names.length; g++) if (Object.prototype.hasOwnProperty.call(tags, names[g])) rows.gv[g] = tags[names[g]];
    }
    return p + 1;
  }

  /** The value read by {@link readValue}. */
  private value: unknown = null;

  /**
   * A JSON value for a column of `kind`, in {@link value}: numbers, strings,
   * booleans and null as such; objects and arrays as {@link OBJECT_VALUE}.
   */
  private readValue(buf: Uint8Array, p: number, end: number, kind: number, interner: Interner | null): number {
    const b = buf[p];
    if (b === B_QUOTE) {
      p = scanString(buf, p, end);
      if (p < 0) return -1;
      if (scanned.escaped) this.value = scannedString(buf);
      else if (kind === K_STRING) this.value = interner ? interner.get(buf) : scannedString(buf);
      else if (kind === K_NUMERIC) this.value = ''; // any string is a type violation
      else if (kind === K_DATETIME) {
        const t = parseTimestampBytes(buf, scanned.start, scanned.end);
        this.value = t === t ? t : scannedString(buf);
      } else this.value = scannedString(buf);
      return p;
    }
    if (b === B_MINUS || (b >= 48 && b <= 57)) {
      p = scanNumber(buf, p, end);
      this.value = scanned.number;
      return p;
    }
    switch (b) {
      case 116:
        this.value = true;
        return scanLiteral(buf, p, end, TRUE);
      case 102:
        this.value = false;
        return scanLiteral(buf, p, end, FALSE);
      case 110:
        this.value = null;
        return scanLiteral(buf, p, end, NULL);
      case B_LBRACE:
      case B_LBRACKET:
        this.value = OBJECT_VALUE;
        return skipValue(buf, p, end);
      default:
        return -1;
    }
  }

  /** The `features` object at `p` into the scratch. */
  private readFeatures(buf: Uint8Array, p: number, end: number, rows: EventRows): number {
    p = skipWs(buf, p + 1, end);
    if (buf[p] === B_RBRACE) return p + 1;
    const stamp = ++this.stamp;
    const order = this.featureOrder;
    let guess = 0;
    let unknown: string[] | null = null;
    for (;;) {
      if (buf[p] !== B_QUOTE) return -1;
      let ks: number;
      let ke: number;
      let key: FeatureKey | undefined;
      const expected = guess < order.length ? order[guess] : undefined;
      if (expected !== undefined && expected.plain && buf[p + 1 + expected.bytes.length] === B_QUOTE && bytesEqual(buf, p + 1, p + 1 + expected.bytes.length, expected.bytes)) {
        // The next key in schema order, byte for byte: no scan.
        key = expected;
        ks = p + 1;
        ke = ks + expected.bytes.length;
        p = ke + 1;
      } else {
        p = scanStringUnhashed(buf, p, end);
        if (p < 0 || scanned.escaped) return -1;
        ks = scanned.start;
        ke = scanned.end;
        key = this.keyByName.get(scanned.nonAscii ? utf8(buf, ks, ke) : latin1(buf, ks, ke));
      }
      p = skipWs(buf, p, end);
      if (buf[p] !== B_COLON) return -1;
      p = skipWs(buf, p + 1, end);
      if (key === undefined) {
        // Not a schema column: listed as unknown, in key order (integer-like keys, which JS lists first, are handed back).
        if (allDigits(buf, ks, ke)) return -1;
        const name = scanned.nonAscii ? utf8(buf, ks, ke) : latin1(buf, ks, ke);
        unknown ??= [];
        if (unknown.includes(name)) return -1;
        unknown.push(name);
        if (rows.unknownFeatures.length < MAX_UNKNOWN_PER_EVENT) rows.unknownFeatures.push(sanitizeName(name));
        p = skipValue(buf, p, end);
      } else {
        if (this.seenStamp[key.index] === stamp) return -1;
        this.seenStamp[key.index] = stamp;
        const f = key.feature;
        if (f >= 0) {
          if (key.segment >= 0) return -1; // a feature that is also a segment: not handled here
          p = this.readValue(buf, p, end, this.featureKinds[f], this.featureInterners[f]);
          rows.fv[f] = this.value;
          guess = f + 1;
        } else if (key.segment >= 0) {
          // A segment given in features (tags win: they are applied after). Not a
          // feature, so also an unknown key.
          if (allDigits(buf, ks, ke)) return -1;
          p = this.readValue(buf, p, end, K_ANY, null);
          rows.gv[key.segment] = this.value;
          if (rows.unknownFeatures.length < MAX_UNKNOWN_PER_EVENT) rows.unknownFeatures.push(sanitizeName(this.plan.segmentNames[key.segment]));
        } else p = skipValue(buf, p, end); // a column of another role: ignored
      }
      if (p < 0) return -1;
      p = skipWs(buf, p, end);
      if (buf[p] === B_COMMA) p = skipWs(buf, p + 1, end);
      else if (buf[p] === B_RBRACE) return p + 1;
      else return -1;
    }
  }

  /** `scores` at `p`: null, a number (one score column), a list (one per column) or an object of known keys. */
  private readScores(buf: Uint8Array, p: number, end: number, rows: EventRows): number {
    const b = buf[p];
    const count = this.scoreKinds.length;
    if (b === 110) return scanLiteral(buf, p, end, NULL);
    if (count === 0) {
      // Stored nowhere, listed as unknown; a number or a non-empty list is rejected.
      rows.scoresUnknown = true;
      if (b === B_LBRACE) return skipValue(buf, p, end);
      if (b !== B_LBRACKET) return -1;
      p = skipWs(buf, p + 1, end);
      return buf[p] === B_RBRACKET ? p + 1 : -1;
    }
    rows.scoreMode = SCORES_VALUES;
    if (b === B_LBRACKET) {
      p = skipWs(buf, p + 1, end);
      let s = 0;
      if (buf[p] === B_RBRACKET) return -1; // one value per score column is required
      for (;;) {
        if (s >= count) return -1;
        p = this.readValue(buf, p, end, this.scoreKinds[s], null);
        if (p < 0) return -1;
        rows.sv[s++] = this.value;
        p = skipWs(buf, p, end);
        if (buf[p] === B_COMMA) p = skipWs(buf, p + 1, end);
        else if (buf[p] === B_RBRACKET) return s === count ? p + 1 : -1;
        else return -1;
      }
    }
    if (b === B_LBRACE) {
      p = skipWs(buf, p + 1, end);
      if (buf[p] === B_RBRACE) return p + 1;
      // Per score column: 2 = given by name, 1 = by class, 0 = not given. A name wins over a class.
      let byName = 0;
      let byClass = 0;
      for (;;) {
        if (buf[p] !== B_QUOTE) return -1;
        p = scanStringUnhashed(buf, p, end);
        if (p < 0 || scanned.escaped) return -1;
        const ks = scanned.start;
        const ke = scanned.end;
        p = skipWs(buf, p, end);
        if (buf[p] !== B_COLON) return -1;
        p = skipWs(buf, p + 1, end);
        let matched = false;
        let valueRead = false;
        for (let s = 0; s < count; s++) {
          const asName = bytesEqual(buf, ks, ke, this.scoreNames[s]);
          const cls = this.scoreClasses[s];
          const asClass = !asName && cls !== null && bytesEqual(buf, ks, ke, cls);
          if (!asName && !asClass) continue;
          matched = true;
          const bit = 1 << s;
          if (asName) {
            if (byName & bit) return -1;
            byName |= bit;
          } else {
            if (byClass & bit) return -1;
            byClass |= bit;
            if (byName & bit) continue; // the name already gave this column its value
          }
          if (!valueRead) {
            p = this.readValue(buf, p, end, K_ANY, null);
            if (p < 0) return -1;
            valueRead = true;
          }
          rows.sv[s] = this.value;
        }
        if (!matched) return -1; // unknown score key
        if (!valueRead) p = skipValue(buf, p, end);
        if (p < 0) return -1;
        p = skipWs(buf, p, end);
        if (buf[p] === B_COMMA) p = skipWs(buf, p + 1, end);
        else if (buf[p] === B_RBRACE) return p + 1;
        else return -1;
      }
    }
    if (b === B_MINUS || (b >= 48 && b <= 57)) {
      if (count !== 1) return -1;
      p = this.readValue(buf, p, end, this.scoreKinds[0], null);
      rows.sv[0] = this.value;
      return p;
    }
    return -1;
  }
}

function isBlank(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c !== B_SPACE && c !== B_TAB && c !== B_CR) return false;
  }
  return true;
}

/** Non-blank lines of an NDJSON body (the record count of the 413 message). */
function countRecords(buf: Uint8Array): number {
  let count = 0;
  let start = 0;
  const n = buf.length;
  while (start < n) {
    let end = buf.indexOf(B_LF, start);
    if (end < 0) end = n;
    let lineEnd = end;
    if (lineEnd > start && buf[lineEnd - 1] === B_CR) lineEnd--;
    if (!isBlank(buf, start, lineEnd)) count++;
    start = end + 1;
  }
  return count;
}

/** A body with more records than allowed per request (HTTP 413). */
export class TooManyRecordsError extends Error {
  constructor(
    readonly max: number,
    readonly got: number,
  ) {
    super(`at most ${max} records per request (got ${got}); split the batch`);
    this.name = 'TooManyRecordsError';
  }
}

const readers = new WeakMap<EventPlan, EventReader>();

/** The reader of a plan, compiled on first use (plans are cached per schema generation). */
export function readerFor(plan: EventPlan): EventReader {
  let r = readers.get(plan);
  if (!r) {
    r = new EventReader(plan);
    readers.set(plan, r);
  }
  return r;
}

export { ABSENT };
