/**
 * Byte-level JSON scanning primitives for the ingest fast path.
 *
 * They read UTF-8 JSON straight from a request `Buffer` without building
 * objects, and follow RFC 8259 strictly: anything they do not accept makes the
 * caller fall back to `JSON.parse`, which then decides (and words the error).
 * So these functions may be conservative (refuse valid JSON they do not handle)
 * but must never accept invalid JSON or read a value differently from
 * `JSON.parse` on the UTF-8 decoded text.
 *
 * Results that are not a position are left in module variables ({@link scanned})
 * to keep the hot loop free of allocations. Every function returns the position
 * after what it read, or -1 when it refuses.
 */

export const B_TAB = 9;
export const B_LF = 10;
export const B_CR = 13;
export const B_SPACE = 32;
export const B_QUOTE = 34;
export const B_PLUS = 43;
export const B_COMMA = 44;
export const B_MINUS = 45;
export const B_DOT = 46;
export const B_0 = 48;
export const B_9 = 57;
export const B_COLON = 58;
export const B_LBRACKET = 91;
export const B_BACKSLASH = 92;
export const B_RBRACKET = 93;
export const B_LBRACE = 123;
export const B_RBRACE = 125;

/** Most nesting levels {@link skipValue} follows before refusing. */
export const MAX_SKIP_DEPTH = 64;

/** Out-values of the last scan. */
export const scanned = {
  /** The number read by {@link scanNumber}. */
  number: 0,
  /** Content range (without quotes) of the string read by {@link scanString}. */
  start: 0,
  end: 0,
  /** Whether that string has bytes >= 0x80. */
  nonAscii: false,
  /** Whether that string has backslash escapes. */
  escaped: false,
  /** FNV-1a hash of that string's bytes. */
  hash: 0,
};

/** Exact powers of ten 10^0 … 10^22 (all representable as doubles). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** Position of the first byte at or after `p` that is not JSON whitespace. */
export function skipWs(buf: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const b = buf[p];
    if (b !== B_SPACE && b !== B_TAB && b !== B_LF && b !== B_CR) break;
    p++;
  }
  return p;
}

/**
 * A JSON string starting at the opening quote `p`. Sets `scanned.start/end`
 * (content), `nonAscii`, `escaped` and `hash`. Refuses raw control characters
 * (invalid JSON) and malformed escapes.
 */
export function scanString(buf: Uint8Array, p: number, end: number): number {
  let i = p + 1;
  let hash = 0x811c9dc5;
  let high = 0;
  let escaped = false;
  while (i < end) {
    const b = buf[i];
    if (b === B_QUOTE) {
      scanned.start = p + 1;
      scanned.end = i;
      scanned.nonAscii = high !== 0;
      scanned.escaped = escaped;
      scanned.hash = hash >>> 0;
      return i + 1;
    }
    if (b < 0x20) return -1;
    if (b === B_BACKSLASH) {
      escaped = true;
      const e = buf[i + 1];
      if (e === 117 /* u */) {
        if (i + 5 >= end) return -1;
        for (let k = 2; k < 6; k++) if (!isHex(buf[i + k])) return -1;
        hash = Math.imul(hash ^ e, 0x01000193);
        i += 6;
        continue;
      }
      if (e !== B_QUOTE && e !== B_BACKSLASH && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return -1;
      hash = Math.imul(hash ^ e, 0x01000193);
      i += 2;
      continue;
    }
    high |= b & 0x80;
    hash = Math.imul(hash ^ b, 0x01000193);
    i++;
  }
  return -1;
}

/**
 * {@link scanString} without the hash: for keys and ids, which are compared
 * or decoded but never interned (hashing every byte was a tenth of the reader's
 * time). Sets `scanned.start`, `end`, `nonAscii` and `escaped`; leaves
 * `scanned.hash` stale.
 */
export function scanStringUnhashed(buf: Uint8Array, p: number, end: number): number {
  let i = p + 1;
  let high = 0;
  let escaped = false;
  while (i < end) {
    const b = buf[i];
    if (b === B_QUOTE) {
      scanned.start = p + 1;
      scanned.end = i;
      scanned.nonAscii = high !== 0;
      scanned.escaped = escaped;
      return i + 1;
    }
    if (b < 0x20) return -1;
    if (b === B_BACKSLASH) {
      escaped = true;
      const e = buf[i + 1];
      if (e === 117 /* u */) {
        if (i + 5 >= end) return -1;
        for (let k = 2; k < 6; k++) if (!isHex(buf[i + k])) return -1;
        i += 6;
        continue;
      }
      if (e !== B_QUOTE && e !== B_BACKSLASH && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) return -1;
      i += 2;
      continue;
    }
    high |= b & 0x80;
    i++;
  }
  return -1;
}

function isHex(b: number): boolean {
  return (b >= B_0 && b <= B_9) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70);
}

/**
 * A JSON number at `p` (strict grammar: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`),
 * value in `scanned.number`, exactly as `JSON.parse` reads it: up to 15
 * significant digits and a decimal exponent within ±22 are computed with one
 * correctly rounded operation (Clinger's fast path); anything else goes
 * through `Number()` of the text.
 */
export function scanNumber(buf: Uint8Array, p: number, end: number): number {
  const start = p;
  let neg = false;
  if (buf[p] === B_MINUS) {
    neg = true;
    p++;
  }
  if (p >= end) return -1;
  let mantissa = 0;
  let digits = 0; // significant digits in mantissa
  let b = buf[p];
  if (b === B_0) {
    p++;
  } else if (b > B_0 && b <= B_9) {
    while (p < end) {
      b = buf[p];
      if (b < B_0 || b > B_9) break;
      mantissa = mantissa * 10 + (b - B_0);
      digits++;
      p++;
    }
  } else return -1;
  let exp = 0;
  if (p < end && buf[p] === B_DOT) {
    p++;
    const fracStart = p;
    while (p < end) {
      b = buf[p];
      if (b < B_0 || b > B_9) break;
      if (digits > 0 || b !== B_0) {
        mantissa = mantissa * 10 + (b - B_0);
        digits++;
      }
      exp--;
      p++;
    }
    if (p === fracStart) return -1;
  }
  if (p < end && (buf[p] === 101 || buf[p] === 69)) {
    p++;
    let eneg = false;
    if (p < end && (buf[p] === B_PLUS || buf[p] === B_MINUS)) {
      eneg = buf[p] === B_MINUS;
      p++;
    }
    const expStart = p;
    let e = 0;
    while (p < end) {
      b = buf[p];
      if (b < B_0 || b > B_9) break;
      if (e < 100000) e = e * 10 + (b - B_0);
      p++;
    }
    if (p === expStart) return -1;
    exp += eneg ? -e : e;
  }
  let v: number;
  if (digits <= 15 && exp >= -22 && exp <= 22) {
    v = exp >= 0 ? mantissa * POW10[exp] : mantissa / POW10[-exp];
    if (neg) v = -v;
  } else if (mantissa === 0 && digits === 0) {
    v = neg ? -0 : 0;
  } else {
    v = Number(latin1(buf, start, p));
  }
  scanned.number = v;
  return p;
}

/** Node's (untyped) Buffer slicing methods: no argument checks, no copies. */
const slices = Buffer.prototype as unknown as {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  utf8Slice(this: Uint8Array, start: number, end: number): string;
};

/** The bytes as a one-byte string (callers pass ASCII ranges only). */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  return slices.latin1Slice.call(buf, start, end);
}

/** The bytes decoded as UTF-8 (invalid sequences become U+FFFD, as when decoding the whole body). */
export function utf8(buf: Uint8Array, start: number, end: number): string {
  return slices.utf8Slice.call(buf, start, end);
}

/** The string value of the range last read by {@link scanString} (escapes resolved by `JSON.parse`). */
export function scannedString(buf: Uint8Array): string {
  const { start, end } = scanned;
  if (scanned.escaped) return JSON.parse(utf8(buf, start - 1, end + 1)) as string;
  return scanned.nonAscii ? utf8(buf, start, end) : latin1(buf, start, end);
}

/** Position after `literal` (ASCII bytes) at `p`, or -1. */
export function scanLiteral(buf: Uint8Array, p: number, end: number, literal: Uint8Array): number {
  const n = literal.length;
  if (p + n > end) return -1;
  for (let k = 0; k < n; k++) if (buf[p + k] !== literal[k]) return -1;
  return p + n;
}

export const TRUE = Uint8Array.from([116, 114, 117, 101]);
export const FALSE = Uint8Array.from([102, 97, 108, 115, 101]);
export const NULL = Uint8Array.from([110, 117, 108, 108]);

/** Validates and skips any JSON value at `p` (nesting up to {@link MAX_SKIP_DEPTH}). */
export function skipValue(buf: Uint8Array, p: number, end: number, depth = 0): number {
  if (p >= end) return -1;
  const b = buf[p];
  switch (b) {
    case B_QUOTE:
      return scanString(buf, p, end);
    case 116:
      return scanLiteral(buf, p, end, TRUE);
    case 102:
      return scanLiteral(buf, p, end, FALSE);
    case 110:
      return scanLiteral(buf, p, end, NULL);
    case B_LBRACE: {
      if (depth >= MAX_SKIP_DEPTH) return -1;
      p = skipWs(buf, p + 1, end);
      if (buf[p] === B_RBRACE) return p + 1;
      for (;;) {
        if (buf[p] !== B_QUOTE) return -1;
        p = scanString(buf, p, end);
        if (p < 0) return -1;
        p = skipWs(buf, p, end);
        if (buf[p] !== B_COLON) return -1;
        p = skipValue(buf, skipWs(buf, p + 1, end), end, depth + 1);
        if (p < 0) return -1;
        p = skipWs(buf, p, end);
        if (buf[p] === B_COMMA) p = skipWs(buf, p + 1, end);
        else if (buf[p] === B_RBRACE) return p + 1;
        else return -1;
      }
    }
    case B_LBRACKET: {
      if (depth >= MAX_SKIP_DEPTH) return -1;
      p = skipWs(buf, p + 1, end);
      if (buf[p] === B_RBRACKET) return p + 1;
      for (;;) {
        p = skipValue(buf, p, end, depth + 1);
        if (p < 0) return -1;
        p = skipWs(buf, p, end);
        if (buf[p] === B_COMMA) p = skipWs(buf, p + 1, end);
        else if (buf[p] === B_RBRACKET) return p + 1;
        else return -1;
      }
    }
    default:
      if (b === B_MINUS || (b >= B_0 && b <= B_9)) return scanNumber(buf, p, end);
      return -1;
  }
}

/** Whether the bytes `[start, end)` equal `name`. */
export function bytesEqual(buf: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  const n = name.length;
  if (end - start !== n) return false;
  for (let k = 0; k < n; k++) if (buf[start + k] !== name[k]) return false;
  return true;
}

/** Whether the bytes `[start, end)` are all ASCII digits (an integer-like object key, which JS enumerates first). */
export function allDigits(buf: Uint8Array, start: number, end: number): boolean {
  if (start === end) return false;
  for (let k = start; k < end; k++) if (buf[k] < B_0 || buf[k] > B_9) return false;
  return true;
}

/** FNV-1a of bytes (the hash {@link scanString} computes for unescaped strings). */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let k = start; k < end; k++) h = Math.imul(h ^ buf[k], 0x01000193);
  return h >>> 0;
}
