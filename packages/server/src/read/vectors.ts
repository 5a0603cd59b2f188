/**
 * Copying fixed-width DuckDB vectors into the core's columnar arrays, from
 * typed-array views over the bytes of a vector (which `vector_get_data` copies out of
 * DuckDB's memory): the values in bulk (`TypedArray.set`),
 * then the validity mask (bit `i & 7` of byte `i >> 3`, 1 = valid; `null` when
 * every row is valid) marks the missing rows. Strings are in `strings.ts`.
 */

/** A number column being filled chunk by chunk; `nulls` is made on the first missing row. */
export interface NumberSink {
  values: Float64Array;
  nulls?: Uint8Array;
}

/** Calls `onMissing(row)` for each invalid row of the first `n` (whole bytes of valid rows are skipped). */
export function forEachMissing(validity: Uint8Array | null, n: number, onMissing: (row: number) => void): void {
  if (!validity) return;
  const full = n >> 3;
  for (let b = 0; b <= full && b < validity.length; b++) {
    const byte = validity[b];
    if (byte === 0xff) continue;
    const end = Math.min(8, n - b * 8);
    for (let bit = 0; bit < end; bit++) if (!(byte & (1 << bit))) onMissing(b * 8 + bit);
  }
}

/** Copies `n` DOUBLE values into `sink` at `offset`; missing rows become NaN with their `nulls` byte set. */
export function copyDoubles(values: Float64Array, validity: Uint8Array | null, n: number, sink: NumberSink, offset: number): void {
  sink.values.set(values.subarray(0, n), offset);
  forEachMissing(validity, n, (row) => {
    sink.values[offset + row] = NaN;
    (sink.nulls ??= new Uint8Array(sink.values.length))[offset + row] = 1;
  });
}

/** Copies `n` small integer codes (a BOOLEAN cast to UTINYINT: 0/1) into `codes` at `offset`; missing rows become -1. */
export function copyByteCodes(bytes: Uint8Array, validity: Uint8Array | null, n: number, codes: Int32Array, offset: number): void {
  codes.set(bytes.subarray(0, n), offset);
  forEachMissing(validity, n, (row) => {
    codes[offset + row] = -1;
  });
}
