/**
 * Small value rules shared by event and feedback ingestion: ids, timestamps,
 * labels.
 */

/** Earliest accepted event time: 1900-01-01T00:00:00Z. */
export const MIN_TS = -2_208_988_800_000;
/** First rejected event time: 2200-01-01T00:00:00Z. */
export const MAX_TS = 7_258_118_400_000;
export const MAX_ID_LENGTH = 256;
export const MAX_VERSION_LENGTH = 128;

const LOCAL_ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Epoch milliseconds of a timestamp: a number is epoch milliseconds; a string is
 * ISO 8601 (a date-time without offset is taken as UTC, a space may replace the
 * `T`). NaN when unreadable or outside years 1900–2199.
 */
export function parseTimestamp(v: unknown): number {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string') {
    if (v.length > 64) return NaN;
    ms = LOCAL_ISO.test(v) ? Date.parse(`${v.replace(' ', 'T')}Z`) : Date.parse(v);
  } else return NaN;
  return ms >= MIN_TS && ms < MAX_TS ? ms : NaN;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digit(buf: Uint8Array, p: number): number {
  const d = buf[p] - 48;
  return d >= 0 && d <= 9 ? d : -1000;
}

function two(buf: Uint8Array, p: number): number {
  return digit(buf, p) * 10 + digit(buf, p + 1);
}

/**
 * {@link parseTimestamp} of an ISO 8601 string given as UTF-8 bytes, for the
 * common forms only: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z`, an
 * offset `±HH:MM`, or nothing (UTC; a space may then replace the `T`), with
 * calendar-valid fields in years 1900–2199. NaN means "not handled here": the
 * caller decodes the string and uses {@link parseTimestamp}, which decides.
 * Where it answers, the answer equals {@link parseTimestamp}'s.
 */
export function parseTimestampBytes(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len < 16 || len > 35) return NaN;
  const p = start;
  if (buf[p + 4] !== 45 || buf[p + 7] !== 45 || buf[p + 13] !== 58) return NaN;
  const sep = buf[p + 10];
  const year = two(buf, p) * 100 + two(buf, p + 2);
  const month = two(buf, p + 5);
  const day = two(buf, p + 8);
  const hour = two(buf, p + 11);
  const minute = two(buf, p + 14);
  if (!(year >= 1900 && year <= 2199 && month >= 1 && month <= 12 && day >= 1 && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59)) return NaN;
  if (day > daysInMonth(year, month)) return NaN;
  let q = p + 16;
  let second = 0;
  let ms = 0;
  if (q < end && buf[q] === 58) {
    second = two(buf, q + 1);
    if (!(second >= 0 && second <= 59) || q + 3 > end) return NaN;
    q += 3;
    if (q < end && buf[q] === 46) {
      q++;
      const fracStart = q;
      while (q < end && buf[q] >= 48 && buf[q] <= 57) {
        if (q - fracStart < 3) ms = ms * 10 + (buf[q] - 48);
        q++;
      }
      const n = q - fracStart;
      if (n === 0 || n > 9) return NaN;
      if (n === 1) ms *= 100;
      else if (n === 2) ms *= 10;
    }
  }
  let offsetMin = 0;
  if (q === end) {
    if (sep !== 84 && sep !== 32) return NaN; // 'T' or ' '
  } else {
    if (sep !== 84) return NaN;
    const z = buf[q];
    if (z === 90 && q + 1 === end) {
      // 'Z'
    } else if ((z === 43 || z === 45) && q + 6 === end && buf[q + 3] === 58) {
      const oh = two(buf, q + 1);
      const om = two(buf, q + 4);
      if (!(oh >= 0 && oh <= 23 && om >= 0 && om <= 59)) return NaN;
      offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else return NaN;
  }
  const t = daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms - offsetMin * 60_000;
  return t >= MIN_TS && t < MAX_TS ? t : NaN;
}

/** An event id: a non-empty string of at most 256 characters, or a safe integer (as its decimal string). `null` when invalid. */
export function parseId(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 0 && v.length <= MAX_ID_LENGTH ? v : null;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return null;
}

/** A label as stored: `String(v)` for strings, numbers and booleans; `null` otherwise. */
export function labelOf(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** The numeric reading of a target: numbers, booleans as 1/0, numeric strings; NaN otherwise. */
export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : NaN;
  }
  return NaN;
}

/** Makes a client-supplied key safe to store and show: control characters replaced, at most 128 characters. */
export function sanitizeName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 128 ? `${clean.slice(0, 125)}...` : clean;
}

/**
 * Splits an NDJSON body into records: each non-blank line is parsed on its own;
 * a line that is not JSON yields an `Error` in its place (so one bad line rejects
 * one record, not the request).
 */
export function parseNdjson(body: string): unknown[] {
  const out: unknown[] = [];
  let start = 0;
  const n = body.length;
  while (start < n) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = n;
    let lineEnd = end;
    if (lineEnd > start && body.charCodeAt(lineEnd - 1) === 13) lineEnd--; // CRLF
    if (!isBlank(body, start, lineEnd)) {
      const line = body.slice(start, lineEnd);
      try {
        out.push(JSON.parse(line));
      } catch (err) {
        out.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    start = end + 1;
  }
  return out;
}

function isBlank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
