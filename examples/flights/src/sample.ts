/**
 * Deterministic sampling by id: the same id is always in or out, in every run
 * and process (FNV-1a over the UTF-16 code units, with MurmurHash3's finaliser).
 */

/** A uniform number in [0, 1) from a string. */
export function hashUnit(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}
