/**
 * The data: 3 million US domestic flights of January–June 2001 from the
 * `vega-datasets` npm package (`data/flights-3m.parquet`: `date` — the
 * departure time —, `delay` in minutes, `distance` in miles, `origin`,
 * `destination`), read with DuckDB.
 *
 * A flight becomes the model's input as:
 * - `dep_hour` = DuckDB `hour(date)` (0–23),
 * - `day_of_week` = DuckDB `dayofweek(date)` (0 = Sunday … 6 = Saturday),
 * - `distance` (miles), `origin`, `destination` (IATA codes);
 * and its truth is `delay > 15` (minutes): "delayed".
 *
 * These are the columns `modelwatch demo-data` writes for the quick start.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';

/** Minutes of arrival delay beyond which a flight counts as delayed (the US DOT's definition). */
export const DELAY_THRESHOLD_MINUTES = 15;

/** The model's input: what a booking system knows before the flight. */
export interface FlightFeatures {
  dep_hour: number | null;
  day_of_week: number | null;
  distance: number | null;
  origin: string | null;
  destination: string | null;
}

export const FEATURE_NAMES = ['dep_hour', 'day_of_week', 'distance', 'origin', 'destination'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** A flight of the data set: its features, its departure time and its true delay. */
export interface Flight extends FlightFeatures {
  /** Row number in (date, origin, destination, distance, delay) order, 1-based: a stable id. */
  row: number;
  /** Departure time, epoch milliseconds (the data's timestamps are read as UTC). */
  ts: number;
  /** Arrival delay in minutes. */
  delay: number;
}

/** Columns as typed arrays (training reads a whole month). */
export interface FlightColumns {
  n: number;
  row: Float64Array;
  ts: Float64Array;
  depHour: Float64Array;
  dayOfWeek: Float64Array;
  distance: Float64Array;
  delay: Float64Array;
  origin: string[];
  destination: string[];
}

/** Path of `flights-3m.parquet` in the installed `vega-datasets` package. */
export function flightsParquet(): string {
  const override = process.env.MODELWATCH_FLIGHTS_PARQUET;
  if (override) return override;
  const require = createRequire(import.meta.url);
  let main: string;
  try {
    main = require.resolve('vega-datasets');
  } catch {
    throw new Error('the vega-datasets package is not installed (it is a devDependency of the repository root: run npm ci)');
  }
  // main is <pkg>/build/<file>.js
  const file = join(dirname(dirname(main)), 'data', 'flights-3m.parquet');
  if (!existsSync(file)) throw new Error(`${file} not found (vega-datasets without the flights data?)`);
  return file;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch ms of an ISO date (`2001-02-01`) or date-time (UTC when it has no offset). */
export function parseTime(text: string, what: string): number {
  const t = text.trim();
  const ms = ISO_DAY.test(t) ? Date.parse(`${t}T00:00:00Z`) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);
  if (!Number.isFinite(ms)) throw new Error(`${what}: expected a date like 2001-02-01 or 2001-02-01T06:00 (got ${JSON.stringify(text)})`);
  return ms;
}

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A DuckDB connection on an in-memory database (closed with the returned function). */
export async function openDuckDB(): Promise<{ con: DuckDBConnection; close: () => void }> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  return {
    con,
    close: () => {
      con.closeSync();
      db.closeSync();
    },
  };
}

/** The flights as a view `flights` with the derived columns (the parquet path is a literal: views take no parameters). */
async function defineView(con: DuckDBConnection, parquet: string): Promise<void> {
  const path = parquet.replaceAll("'", "''");
  await con.run(
    `CREATE OR REPLACE TEMP VIEW flights AS
     SELECT row_number() OVER (ORDER BY date, origin, destination, distance, delay)::DOUBLE AS row,
            epoch_ms(date)::DOUBLE AS ts, hour(date)::DOUBLE AS dep_hour, dayofweek(date)::DOUBLE AS day_of_week,
            distance::DOUBLE AS distance, delay::DOUBLE AS delay, origin, destination
     FROM read_parquet('${path}')
     WHERE date IS NOT NULL AND delay IS NOT NULL AND distance IS NOT NULL AND origin IS NOT NULL AND destination IS NOT NULL`,
  );
}

/** Flights with `from <= ts < to` as columns, in departure order. */
export async function readColumns(from: number, to: number, parquet = flightsParquet()): Promise<FlightColumns> {
  const { con, close } = await openDuckDB();
  try {
    await defineView(con, parquet);
    const res = await con.runAndReadAll(
      'SELECT row, ts, dep_hour, day_of_week, distance, delay, origin, destination FROM flights WHERE ts >= $1 AND ts < $2 ORDER BY ts, row',
      [from, to],
    );
    const c = res.getColumns();
    const f64 = (i: number) => Float64Array.from(c[i] as number[]);
    return {
      n: res.currentRowCount,
      row: f64(0),
      ts: f64(1),
      depHour: f64(2),
      dayOfWeek: f64(3),
      distance: f64(4),
      delay: f64(5),
      origin: c[6] as string[],
      destination: c[7] as string[],
    };
  } finally {
    close();
  }
}

/** The model's input of one flight of columns. */
export function flightFeatures(c: FlightColumns, i: number): FlightFeatures {
  return { dep_hour: c.depHour[i], day_of_week: c.dayOfWeek[i], distance: c.distance[i], origin: c.origin[i], destination: c.destination[i] };
}

/** One flight of columns as an object. */
export function flightAt(c: FlightColumns, i: number): Flight {
  return {
    row: c.row[i],
    ts: c.ts[i],
    dep_hour: c.depHour[i],
    day_of_week: c.dayOfWeek[i],
    distance: c.distance[i],
    origin: c.origin[i],
    destination: c.destination[i],
    delay: c.delay[i],
  };
}

/**
 * Flights with `from <= ts < to`, in departure order, read a day at a time so
 * that a five-month replay holds one day in memory.
 */
export async function* readFlights(from: number, to: number, parquet = flightsParquet()): AsyncGenerator<Flight[]> {
  const { con, close } = await openDuckDB();
  try {
    await defineView(con, parquet);
    // Row numbers over the whole file, computed once.
    await con.run('CREATE TEMP TABLE selected AS SELECT * FROM flights WHERE ts >= $1 AND ts < $2', [from, to]);
    const DAY = 86_400_000;
    for (let start = from; start < to; start = Math.min(to, Math.floor(start / DAY) * DAY + DAY)) {
      const end = Math.min(to, Math.floor(start / DAY) * DAY + DAY);
      const res = await con.runAndReadAll(
        'SELECT row, ts, dep_hour, day_of_week, distance, delay, origin, destination FROM selected WHERE ts >= $1 AND ts < $2 ORDER BY ts, row',
        [start, end],
      );
      const c = res.getColumns();
      const n = res.currentRowCount;
      const out: Flight[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = {
          row: c[0][i] as number,
          ts: c[1][i] as number,
          dep_hour: c[2][i] as number,
          day_of_week: c[3][i] as number,
          distance: c[4][i] as number,
          delay: c[5][i] as number,
          origin: c[6][i] as string,
          destination: c[7][i] as string,
        };
      }
      if (n > 0) yield out;
    }
  } finally {
    close();
  }
}

/** Whether a module is the process's entry point (`node file.js`, or the `.ts` source under tsx). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  const strip = (p: string) => p.replace(/\.(ts|js)$/, '');
  return strip(resolve(entry)) === strip(fileURLToPath(moduleUrl));
}
