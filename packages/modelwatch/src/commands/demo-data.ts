import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { DuckConnection } from '@modelwatch/server/read';
import { type CommandContext } from './context.js';

/**
 * `modelwatch demo-data`: the quick-start data. From the flights table shipped
 * in the `vega-datasets` npm package (`data/flights-3m.parquet`: 3 million US
 * flights, January–June 2001), writes January and June 2001 as Parquet with
 * the columns of the benchmark:
 *
 * - `dep_hour` = DuckDB `hour(date)`, `day_of_week` = DuckDB `dayofweek(date)`
 *   (0 = Sunday), `delay` (minutes), `distance` (miles), `origin`, `destination`.
 *
 * January has 508,239 rows, June 502,222.
 */

/** The month files written, with the calendar month of 2001 each holds. */
export const DEMO_MONTHS: readonly { file: string; month: number; rows: number }[] = [
  { file: 'jan.parquet', month: 1, rows: 508_239 },
  { file: 'jun.parquet', month: 6, rows: 502_222 },
];

/** The SELECT of one month's derived columns; the source path is bound as $1. */
export function flightsMonthSql(month: number): string {
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new RangeError(`month must be 1..12, got ${month}`);
  return (
    'SELECT hour(date) AS dep_hour, dayofweek(date) AS day_of_week, delay, distance, origin, destination ' +
    `FROM read_parquet($1) WHERE year(date) = 2001 AND month(date) = ${month}`
  );
}

/** Path of `flights-3m.parquet` in an installed `vega-datasets`, looked up from `from` (default: the working directory). */
export function findFlightsParquet(from = process.cwd()): string | null {
  for (const base of [join(from, 'noop.js'), import.meta.url]) {
    try {
      const main = createRequire(base).resolve('vega-datasets');
      // main is <pkg>/build/index.js
      const file = join(dirname(dirname(main)), 'data', 'flights-3m.parquet');
      if (existsSync(file)) return file;
    } catch {
      // not installed there
    }
  }
  return null;
}

export interface DemoDataFlags {
  outDir?: string;
  source?: string;
}

/** Writes `jan.parquet` and `jun.parquet` into `outDir`; returns their paths. */
export async function writeDemoData(source: string, outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const con = await DuckConnection.open();
  try {
    const out: string[] = [];
    for (const m of DEMO_MONTHS) {
      const target = resolve(outDir, m.file);
      // COPY takes no parameters for its target: the path goes in as a quoted string literal.
      await con.query(`COPY (${flightsMonthSql(m.month)}) TO '${target.replaceAll("'", "''")}' (FORMAT parquet)`, [source]);
      out.push(target);
    }
    return out;
  } finally {
    con.close();
  }
}

export async function demoDataCommand(ctx: CommandContext, flags: DemoDataFlags): Promise<number> {
  const source = flags.source ?? findFlightsParquet();
  if (!source) {
    throw new InputError('flights-3m.parquet not found: install the vega-datasets package (npm install vega-datasets) or pass --source path/to/flights-3m.parquet');
  }
  if (!existsSync(source)) throw new InputError(`--source ${source}: file not found`);
  const outDir = flags.outDir ?? '.';
  await ctx.progress.task('writing January and June 2001', () => writeDemoData(source, outDir));
  if (!ctx.quiet) ctx.stdout.write(`Wrote ${DEMO_MONTHS.map((m) => join(outDir, m.file)).join(', ')}\nNext: modelwatch report --reference ${join(outDir, 'jan.parquet')} --current ${join(outDir, 'jun.parquet')} --html report.html\n`);
  return 0;
}
