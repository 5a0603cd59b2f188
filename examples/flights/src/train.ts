/**
 * Training: the two model versions on January 2001, and the reference the
 * monitors compare with (January's inputs with v1's outputs and the truth).
 *
 *   node examples/flights/dist/train.js [--dir .demo] [--force]
 *
 * writes `<dir>/models/v1.json`, `<dir>/models/v2.json` and
 * `<dir>/reference.parquet`. Nothing is retrained when the three files exist
 * (unless `--force`): the demo starts in seconds after the first run.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DELAY_THRESHOLD_MINUTES, flightFeatures, flightsParquet, isMain, openDuckDB, parseTime, readColumns } from './flights.js';
import type { FlightColumns } from './flights.js';
import { ForestModel, LogisticModel, loadModel } from './model.js';
import type { DelayModel } from './model.js';

/** The training window: January 2001. */
export const TRAIN_FROM = parseTime('2001-01-01', 'train from');
export const TRAIN_TO = parseTime('2001-02-01', 'train to');

export interface Artefacts {
  dir: string;
  models: string;
  v1: string;
  v2: string;
  reference: string;
}

export function artefacts(dir: string): Artefacts {
  const abs = resolve(dir);
  const models = join(abs, 'models');
  return { dir: abs, models, v1: join(models, 'v1.json'), v2: join(models, 'v2.json'), reference: join(abs, 'reference.parquet') };
}

export interface TrainedModels {
  v1: DelayModel;
  v2: DelayModel;
  /** True when they were trained now, false when loaded from files. */
  trained: boolean;
  paths: Artefacts;
}

/** Loads the models of a directory. */
export function loadModels(dir: string): { v1: DelayModel; v2: DelayModel } {
  const p = artefacts(dir);
  const read = (file: string) => loadModel(JSON.parse(readFileSync(file, 'utf8')), file);
  return { v1: read(p.v1), v2: read(p.v2) };
}

/** Writes a file atomically (a temporary file renamed into place). */
function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/**
 * The reference as Parquet: January's inputs, v1's prediction and score, and
 * the truth, through a DuckDB appender and `COPY … TO`.
 */
export async function writeReference(c: FlightColumns, v1: DelayModel, file: string): Promise<void> {
  const { con, close } = await openDuckDB();
  const tmp = `${file}.tmp-${process.pid}.parquet`;
  try {
    await con.run(
      'CREATE TABLE ref (dep_hour INTEGER, day_of_week INTEGER, distance INTEGER, origin VARCHAR, destination VARCHAR, delayed INTEGER, p_delayed DOUBLE, label INTEGER)',
    );
    const app = await con.createAppender('ref');
    for (let i = 0; i < c.n; i++) {
      const out = v1.predict(flightFeatures(c, i));
      app.appendInteger(c.depHour[i]);
      app.appendInteger(c.dayOfWeek[i]);
      app.appendInteger(c.distance[i]);
      app.appendVarchar(c.origin[i]);
      app.appendVarchar(c.destination[i]);
      app.appendInteger(out.prediction);
      app.appendDouble(out.scores['1']);
      app.appendInteger(c.delay[i] > DELAY_THRESHOLD_MINUTES ? 1 : 0);
      app.endRow();
    }
    app.closeSync();
    // COPY takes no parameter for its target: the path is a quoted literal.
    await con.run(`COPY ref TO '${tmp.replaceAll("'", "''")}' (FORMAT parquet)`);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
    close();
  }
}

export interface TrainOptions {
  force?: boolean;
  parquet?: string;
  log?: (line: string) => void;
}

/** Loads the models and reference of `dir`, training and writing them first when any is missing. */
export async function ensureTrained(dir: string, opts: TrainOptions = {}): Promise<TrainedModels> {
  const paths = artefacts(dir);
  const log = opts.log ?? (() => undefined);
  if (!opts.force && existsSync(paths.v1) && existsSync(paths.v2) && existsSync(paths.reference)) {
    return { ...loadModels(dir), trained: false, paths };
  }
  mkdirSync(paths.models, { recursive: true });
  const parquet = opts.parquet ?? flightsParquet();
  log(`training on ${parquet}: flights of January 2001 …`);
  const started = performance.now();
  const jan = await readColumns(TRAIN_FROM, TRAIN_TO, parquet);
  const window = { from: TRAIN_FROM, to: TRAIN_TO };
  const v1 = LogisticModel.train(jan, window, { version: 'v1' });
  log(`  v1 ${v1.kind}: ${v1.training.rows} flights, ${v1.training.seconds} s, ROC AUC ${v1.training.rocAuc.toFixed(3)} on its training data, threshold ${v1.threshold.toFixed(3)}`);
  const v2 = ForestModel.train(jan, window, { version: 'v2' });
  log(`  v2 ${v2.kind}: ${v2.training.rows} flights, ${v2.training.seconds} s, ROC AUC ${v2.training.rocAuc.toFixed(3)} on its training data, threshold ${v2.threshold.toFixed(3)}`);
  writeAtomic(paths.v1, `${JSON.stringify(v1.toJSON())}\n`);
  writeAtomic(paths.v2, `${JSON.stringify(v2.toJSON())}\n`);
  await writeReference(jan, v1, paths.reference);
  log(`  reference: ${jan.n} rows → ${paths.reference} (${((performance.now() - started) / 1000).toFixed(1)} s in all)`);
  return { v1, v2, trained: true, paths };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { dir: { type: 'string', default: '.demo' }, force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write('usage: train [--dir .demo] [--force]\n  writes <dir>/models/v1.json, <dir>/models/v2.json and <dir>/reference.parquet\n');
    return;
  }
  const res = await ensureTrained(values.dir!, { force: values.force, log: (l) => process.stdout.write(`${l}\n`) });
  if (!res.trained) process.stdout.write(`models and reference already in ${res.paths.dir} (use --force to retrain)\n`);
}

if (isMain(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`train: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
