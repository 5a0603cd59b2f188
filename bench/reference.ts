/**
 * Reference upload over HTTP (`PUT /v1/models/{model}/reference` on a listening
 * server, DuckDB store on disk): the flights of January 2001 (508,239 rows × 5
 * columns) as Parquet and as CSV, and a 1.2M-row × 10-column synthetic Parquet
 * file kept as a 1M-row sample (`references.maxRows`). Each answer is durable (committed) when it
 * arrives. Also event acknowledgments while the 1.2M-row reference is uploaded
 * (100-event JSON batches one after another, against 2 s without an upload),
 * and the start of a server whose configured reference file is unchanged
 * (hashed, not read again).
 *
 * Timing: one warm-up, then the median (and min) of 5 uploads; per-phase times
 * are the server's own (`timingsMs` of the answer). The load average is
 * recorded: the machine is shared, so numbers taken under load are noisy.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { createServer, resolveConfig } from '@modelwatch/server';

const RUNS = 5;
const FLIGHTS = fileURLToPath(new URL('../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x);

async function writeInputs(dir: string): Promise<Record<string, string>> {
  const files = {
    flightsParquet: join(dir, 'flights-2001-01.parquet'),
    flightsCsv: join(dir, 'flights-2001-01.csv'),
    synthetic: join(dir, 'synthetic-1.2m.parquet'),
  };
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  const jan = `SELECT * FROM read_parquet('${FLIGHTS}') WHERE date < TIMESTAMP '2001-02-01'`;
  await c.run(`COPY (${jan}) TO '${files.flightsParquet}' (FORMAT parquet)`);
  await c.run(`COPY (${jan}) TO '${files.flightsCsv}' (FORMAT csv, HEADER)`);
  const numeric = Array.from({ length: 7 }, (_, k) => `sin(i * ${k + 1}.37) * ${k + 1} + (i % ${97 + k}) / 10.0 AS x${k}`);
  const categorical = Array.from({ length: 3 }, (_, k) => `'c' || ((i * ${k + 7}) % ${20 + 30 * k}) AS k${k}`);
  await c.run(`COPY (SELECT ${[...numeric, ...categorical].join(', ')} FROM range(1200000) t(i)) TO '${files.synthetic}' (FORMAT parquet)`);
  c.disconnectSync();
  instance.closeSync();
  return files;
}

interface UploadTimes {
  totalMs: number;
  phases: Record<string, number>;
}

async function upload(url: string, model: string, body: Buffer, contentType: string): Promise<UploadTimes> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/models/${model}/reference`, { method: 'PUT', headers: { 'content-type': contentType }, body });
  const text = await res.text();
  const totalMs = performance.now() - t0;
  if (!res.ok) throw new Error(`upload failed: ${res.status} ${text}`);
  return { totalMs, phases: (JSON.parse(text) as { timingsMs: Record<string, number> }).timingsMs };
}

async function measure(url: string, model: string, path: string, contentType: string) {
  const body = readFileSync(path);
  await upload(url, model, body, contentType); // warm-up (creates the model)
  const runs: UploadTimes[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await upload(url, model, body, contentType));
  const phases: Record<string, number> = {};
  for (const k of Object.keys(runs[0].phases)) phases[k] = median(runs.map((r) => r.phases[k] ?? 0));
  const totals = runs.map((r) => r.totalMs);
  return { bytes: body.length, medianMs: round(median(totals)), minMs: round(Math.min(...totals)), medianPhasesMs: phases };
}

/**
 * Event batches posted one after another while `during` runs: how long each
 * acknowledgment (commit) took. The reference's rows are written beside event
 * appends, so ingestion should not stall for the length of an upload.
 */
async function ingestDuring(url: string, during: Promise<unknown>): Promise<{ batches: number; events: number; medianAckMs: number; maxAckMs: number }> {
  let done = false;
  void during.finally(() => (done = true));
  const acks: number[] = [];
  let n = 0;
  while (!done) {
    const events = Array.from({ length: 100 }, (_, i) => ({ id: `e${n}-${i}`, ts: 1_700_000_000_000 + n * 100 + i, version: 'v1', features: { x: i } }));
    const t = performance.now();
    const res = await fetch(`${url}/v1/models/events/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    await res.text();
    if (!res.ok) throw new Error(`ingest failed: ${res.status}`);
    acks.push(performance.now() - t);
    n++;
  }
  await during;
  return { batches: acks.length, events: acks.length * 100, medianAckMs: +median(acks).toFixed(1), maxAckMs: +Math.max(...acks).toFixed(1) };
}

export async function run(): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bench-reference-'));
  try {
    const files = await writeInputs(dir);
    const loadBefore = loadavg();
    const config = resolveConfig({ server: { dataDir: join(dir, 'data'), port: 0 } }, { baseDir: dir });
    const server = await createServer({ config, defaultMetrics: false });
    const url = await server.listen();
    const results: Record<string, unknown> = {};
    try {
      results.flightsJanuary2001Parquet = { rows: 508_239, columns: 5, ...(await measure(url, 'flights', files.flightsParquet, 'application/vnd.apache.parquet')) };
      results.flightsJanuary2001Csv = { rows: 508_239, columns: 5, ...(await measure(url, 'flights', files.flightsCsv, 'text/csv')) };
      results.synthetic1200kParquetSampled = { rows: 1_200_000, columns: 10, keptRows: 1_000_000, ...(await measure(url, 'synthetic', files.synthetic, 'application/vnd.apache.parquet')) };
      await fetch(`${url}/v1/models/events`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ schema: { columns: [{ name: 'x', kind: 'numeric', role: 'feature' }] }, versions: ['v1'] }) });
      const alone = await ingestDuring(url, new Promise((r) => setTimeout(r, 2000)));
      const whileUploading = await ingestDuring(url, upload(url, 'synthetic', readFileSync(files.synthetic), 'application/vnd.apache.parquet'));
      results.ingestWhileUploading1200k = { alone, whileUploading };
    } finally {
      await server.close();
    }
    // A configured reference that did not change: hashed at start, not read again.
    const yaml = join(dir, 'modelwatch.yaml');
    writeFileSync(yaml, `server: { dataDir: data2, port: 0 }\nmodels:\n  flights:\n    schemaFrom: reference\n    reference: flights-2001-01.parquet\n`);
    const t0 = performance.now();
    let s = await createServer({ configPath: yaml, defaultMetrics: false });
    const firstStartMs = performance.now() - t0;
    await s.close();
    const starts: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      s = await createServer({ configPath: yaml, defaultMetrics: false });
      starts.push(performance.now() - t);
      await s.close();
    }
    results.configuredReferenceStart = { firstStartMs: round(firstStartMs), unchangedStartMedianMs: round(median(starts)) };
    results.loadAverage = { before: loadBefore.map((x) => +x.toFixed(2)), after: loadavg().map((x) => +x.toFixed(2)) };
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
