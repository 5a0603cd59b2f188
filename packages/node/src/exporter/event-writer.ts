/**
 * Writes a queued prediction as one NDJSON line straight into its batch's
 * buffer (queue.ts): the same bytes as `predictionLine(e)` + `\n` (records.ts,
 * the reference), without building the line as a string first.
 *
 * Why: `predictionLine` builds the line by concatenation, so writing it costs
 * V8 a flattening copy of the string and a UTF-8 encoding call on top of the
 * serialisation. Here the common values go byte by byte from JS: ASCII text
 * without anything to escape, finite numbers (their `String()`, which is what
 * JSON.stringify writes), booleans, null, and plain objects and arrays of such
 * values (features, scores, tags). Anything else is written as its
 * `JSON.stringify` text (a string with quotes, backslashes, control or
 * non-ASCII characters; a Date, a nested object, a class instance), so the
 * output is the same by construction; the property tests compare the two.
 */
import { ID_PREFIX } from '../ids.js';
import type { LineBatch, LineQueue } from './queue.js';
import type { PredictionEvent } from './records.js';

const EMPTY = Buffer.alloc(0);
const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;

/** A plain object or array the fast path could not write: written as its JSON.stringify text instead. */
const NOT_PLAIN = -1;

export class EventWriter {
  private b: LineBatch | null = null;
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** The last feature names found to be written in their own order (see {@link namesKeepOrder}). */
  private orderedNames: readonly string[] | null = null;

  constructor(private readonly q: LineQueue) {}

  /**
   * Queues `e` as one line. Returns true when the queue was full and its oldest
   * line was dropped. Throws when `e` cannot be written as JSON (BigInt,
   * cycles); nothing is queued then.
   */
  write(e: PredictionEvent): boolean {
    const b = this.q.lineBatch();
    this.b = b;
    this.buf = b.buf;
    this.pos = b.end;
    try {
      this.event(e);
      this.ensure(1);
      return this.q.endLine(b, this.pos);
    } finally {
      this.b = null;
      this.buf = EMPTY;
    }
  }

  private event(e: PredictionEvent): void {
    this.ascii('{"id":');
    const id = e.id;
    if (id === undefined) {
      this.byte(34);
      this.ascii(ID_PREFIX);
      this.number(e.seq);
      this.byte(34);
    } else this.value(id);
    this.ascii(',"ts":');
    const ts = e.ts;
    if (typeof ts === 'number') this.number(ts);
    else this.string(ts);
    this.ascii(',"version":');
    this.text(e.versionJson);
    this.ascii(',"features":');
    this.features(e.features, e.names);
    if (e.prediction !== undefined) {
      this.ascii(',"prediction":');
      this.value(e.prediction);
    }
    if (e.scores !== undefined && e.scores !== null) {
      this.ascii(',"scores":');
      this.value(e.scores);
    }
    if (e.latencyMs >= 0) {
      this.ascii(',"latency_ms":');
      this.millis(e.latencyMs);
    }
    if (e.error) this.ascii(',"error":true');
    if (e.tags !== undefined && e.tags !== null) {
      this.ascii(',"tags":');
      this.value(e.tags);
    }
    this.byte(125);
  }

  /** As records.ts `featuresJson`: an array matched to `names`, an object as JSON.stringify writes it, anything else `{}`. */
  private features(f: unknown, names: readonly string[] | null): void {
    if (f === null || typeof f !== 'object') {
      this.ascii('{}');
      return;
    }
    if (Array.isArray(f)) {
      if (names === null) this.ascii('{}');
      else this.namedValues(f, names);
      return;
    }
    const start = this.pos;
    if (this.object(f) === NOT_PLAIN) {
      this.pos = start;
      this.utf8(JSON.stringify(f) ?? '{}');
    }
  }

  /** `{names[i]: values[i]}` as JSON.stringify writes the object built from them. */
  private namedValues(values: readonly unknown[], names: readonly string[]): void {
    if (names !== this.orderedNames) {
      if (!namesKeepOrder(names)) {
        this.utf8(JSON.stringify(objectOf(values, names)));
        return;
      }
      this.orderedNames = names;
    }
    const start = this.pos;
    this.byte(123);
    let first = true;
    for (let i = 0; i < names.length; i++) {
      const v = values[i];
      if (!isPrimitiveJson(v)) {
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        // An object or a BigInt: JSON.stringify decides.
        this.pos = start;
        this.utf8(JSON.stringify(objectOf(values, names)));
        return;
      }
      if (first) first = false;
      else this.byte(44);
      this.string(names[i]);
      this.byte(58);
      this.primitive(v);
    }
    this.byte(125);
  }

  /** A value as records.ts `valueJson` writes it (`JSON.stringify(v) ?? 'null'`). */
  private value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if (v - v === 0) this.number(v);
        else this.ascii('null');
        return;
      case 'string':
        this.string(v);
        return;
      case 'boolean':
        this.ascii(v ? 'true' : 'false');
        return;
      case 'object': {
        if (v === null) {
          this.ascii('null');
          return;
        }
        const start = this.pos;
        if ((Array.isArray(v) ? this.array(v) : this.object(v)) !== NOT_PLAIN) return;
        this.pos = start;
        this.utf8(JSON.stringify(v) ?? 'null');
        return;
      }
      default:
        this.utf8(JSON.stringify(v) ?? 'null');
    }
  }

  /** A plain object whose values are JSON primitives (or skipped ones); NOT_PLAIN otherwise (partly written). */
  private object(o: object): number {
    const proto: unknown = Object.getPrototypeOf(o);
    if ((proto !== OBJECT_PROTO && proto !== null) || typeof (o as { toJSON?: unknown }).toJSON === 'function' || enumerableInObjectPrototype()) return NOT_PLAIN;
    this.byte(123);
    let first = true;
    // for-in rather than Object.keys: V8 reads the values by the enum cache's field indices (no
    // megamorphic keyed loads); with nothing enumerable on Object.prototype it lists the own keys
    // in Object.keys' order.
    for (const k in o) {
      const v = (o as Record<string, unknown>)[k];
      if (!isPrimitiveJson(v)) {
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        return NOT_PLAIN;
      }
      if (first) first = false;
      else this.byte(44);
      this.string(k);
      this.byte(58);
      this.primitive(v);
    }
    this.byte(125);
    return 0;
  }

  /** A plain array of JSON primitives (undefined, functions, symbols and holes as null); NOT_PLAIN otherwise. */
  private array(a: readonly unknown[]): number {
    if (Object.getPrototypeOf(a) !== ARRAY_PROTO || typeof (a as { toJSON?: unknown }).toJSON === 'function') return NOT_PLAIN;
    this.byte(91);
    for (let i = 0; i < a.length; i++) {
      if (i > 0) this.byte(44);
      const v = a[i];
      if (isPrimitiveJson(v)) this.primitive(v);
      else if (v === undefined || typeof v === 'function' || typeof v === 'symbol') this.ascii('null');
      else return NOT_PLAIN;
    }
    this.byte(93);
    return 0;
  }

  private primitive(v: string | number | boolean | null): void {
    if (typeof v === 'number') {
      if (v - v === 0) this.number(v);
      else this.ascii('null');
    } else if (typeof v === 'string') this.string(v);
    else this.ascii(v === null ? 'null' : v ? 'true' : 'false');
  }

  /** A finite number as String() (and JSON.stringify) writes it; integers without making a string. */
  private number(v: number): void {
    if (Number.isSafeInteger(v)) {
      if (v < 0) {
        this.byte(45);
        v = -v;
      }
      this.digits(v);
    } else this.ascii('' + v);
  }

  /**
   * `String(Math.round(ms * 1000) / 1000)` (records.ts) without making a string:
   * below 2^40 thousandths the double nearest to r/1000 is written by String()
   * as r/1000's decimals, trailing zeros left out (a shorter decimal would be
   * further than half a double's spacing from it).
   */
  private millis(ms: number): void {
    const r = Math.round(ms * 1000);
    if (!(r >= 0 && r < 1099511627776)) {
      this.ascii('' + r / 1000);
      return;
    }
    const whole = Math.floor(r / 1000);
    let frac = r - whole * 1000;
    this.digits(whole);
    if (frac === 0) return;
    this.ensure(4);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 46;
    buf[p++] = 48 + Math.floor(frac / 100);
    frac %= 100;
    if (frac !== 0) {
      buf[p++] = 48 + Math.floor(frac / 10);
      frac %= 10;
      if (frac !== 0) buf[p++] = 48 + frac;
    }
    this.pos = p;
  }

  /** A non-negative safe integer's decimal digits. */
  private digits(v: number): void {
    let n = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) n++;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos + n;
    this.pos = p;
    if (v < 2147483648) {
      let x = v | 0;
      do {
        const q = (x / 10) | 0;
        buf[--p] = 48 + x - q * 10;
        x = q;
      } while (x !== 0);
    } else {
      let x = v;
      do {
        const q = Math.floor(x / 10);
        buf[--p] = 48 + x - q * 10;
        x = q;
      } while (x !== 0);
    }
  }

  /** A string as JSON: quoted as it is when it is printable ASCII without `"` and `\`, else JSON.stringify's text. */
  private string(s: string): void {
    const n = s.length;
    this.ensure(n + 2);
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    buf[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) {
        this.pos = start;
        this.utf8(JSON.stringify(s));
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = 34;
    this.pos = p;
  }

  /** Text known to be JSON already (the version's JSON): its UTF-8 bytes. */
  private text(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.utf8(s);
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /** ASCII text (syntax, digits). */
  private ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  private byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Any text: its UTF-8 bytes (at most 3 per UTF-16 code unit). */
  private utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Room for `n` more bytes (and the line's `\n`). */
  private ensure(n: number): void {
    if (this.pos + n + 1 > this.buf.length) this.buf = this.q.grow(this.b!, this.pos + n + 1, this.pos);
  }
}

function isPrimitiveJson(v: unknown): v is string | number | boolean | null {
  const t = typeof v;
  return t === 'number' || t === 'string' || t === 'boolean' || v === null;
}

/** The object records.ts builds from feature names and an array of values. */
function objectOf(values: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) obj[names[i]] = values[i];
  return obj;
}

/**
 * Whether an object built from these names lists its keys in this order: not
 * when a name is an array index (JavaScript lists those first, ascending),
 * `__proto__` (assigning it sets the prototype instead) or `toJSON` (a function
 * there would replace the object).
 */
function namesKeepOrder(names: readonly string[]): boolean {
  for (const n of names) if (n === '__proto__' || n === 'toJSON' || (/^(0|[1-9]\d*)$/.test(n) && Number(n) < 4294967295)) return false;
  return true;
}

/** Whether anything enumerable was added to Object.prototype (for-in would list it after an object's own keys). */
function enumerableInObjectPrototype(): boolean {
  for (const _ in OBJECT_PROTO) return true;
  return false;
}
