import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { CliError } from './errors.js';
import type { CheckFlags } from './commands/check.js';
import { processContext, type CommandContext } from './commands/context.js';
import type { DemoDataFlags } from './commands/demo-data.js';
import type { ProfileFlags } from './commands/profile.js';
import type { ReportFlags } from './commands/report.js';
import type { RulesFlags } from './commands/rules.js';
import type { SchemaFlags } from './commands/schema.js';
import { LOG_LEVELS, type ServeFlags } from './commands/serve.js';

/**
 * The `modelwatch` command line: `report`, `check`, `profile`, `schema`,
 * `demo-data`, `serve` and `rules`. `main(argv)` parses, runs one command and resolves to
 * the exit code; it never calls `process.exit` itself (except `serve` on a second
 * stop signal, which stops at once).
 *
 * Exit codes: 0 success (for `check`: every test passed, warnings allowed),
 * 1 `check` found a failing test, 2 usage, input or internal error. Errors are
 * printed one line per problem on stderr, without a stack trace unless
 * `--debug` or `MODELWATCH_DEBUG=1`.
 *
 * Each command's module is imported when the command runs: `report` does not
 * load YAML (rules, suites) or the server, and starts sooner.
 */

/** The package version (read from package.json next to src/ and dist/). */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const EXAMPLES = `
Examples:
  $ modelwatch demo-data --out-dir data
  $ modelwatch report --reference data/jan.parquet --current data/jun.parquet
  $ modelwatch report -r train.csv -c today.csv --target label --prediction pred --html report.html --json report.json
  $ modelwatch check -r train.parquet -c batch.parquet --suite checks.yaml --junit results.xml
  $ modelwatch profile train.parquet --target label --out train.profile.json
  $ modelwatch report -r train.profile.json -c today.csv --html report.html
  $ modelwatch schema train.csv --target label --out schema.json
  $ modelwatch serve --config modelwatch.yaml --data ./modelwatch-data --port 8080
  $ modelwatch rules --config modelwatch.yaml --out modelwatch-rules.yml

Exit codes: 0 ok (check: all tests passed, warnings allowed), 1 check failed, 2 usage, input or internal error.
Inputs: CSV, TSV, Parquet, NDJSON/JSONL, JSON array (by extension and content), or a profile as --reference.
`;

/** Options shared by `report` and `check`. */
function comparisonOptions(cmd: Command): Command {
  return cmd
    .requiredOption('-r, --reference <file>', 'reference data (training/validation data) or a saved profile')
    .requiredOption('-c, --current <file>', 'current data to compare with the reference')
    .option('--schema <file>', 'schema JSON (from "modelwatch schema"); default: inferred from the reference')
    .option('--target <column>', 'ground-truth column')
    .option('--prediction <column>', 'model prediction column')
    .option('--scores <columns...>', 'predicted probability / score columns')
    .addOption(new Option('--task <task>', 'learning task (default: inferred from the target)').choices(['binary', 'multiclass', 'regression']))
    .option('--positive-label <label>', 'positive class of a binary task')
    .option('--sample <rows>', 'compare a uniform random sample of this many rows of each file (recorded in the report)')
    .option('--seed <n>', 'seed of --sample (default 42)')
    .option('--method <name>', 'drift method for every column it applies to (e.g. psi, ks, jensen_shannon)')
    .option('--column-method <column=method>', 'drift method for one column (repeatable)', collect)
    .option('--threshold <x>', 'drift threshold for every column (default: the method\'s)')
    .option('--drift-share <x>', 'share of drifting features at which the dataset drifts (default 0.5)')
    .option('--html <file>', 'write the self-contained HTML report')
    .option('--json <file>', 'write the JSON report ("-" for stdout)')
    .option('--title <text>', 'title of the HTML report');
}

/** Options for commands reading one file (`profile`, `schema`). */
function roleOptions(cmd: Command): Command {
  return cmd
    .option('--target <column>', 'ground-truth column')
    .option('--prediction <column>', 'model prediction column')
    .option('--scores <columns...>', 'predicted probability / score columns')
    .addOption(new Option('--task <task>', 'learning task').choices(['binary', 'multiclass', 'regression']))
    .option('--positive-label <label>', 'positive class of a binary task')
    .option('--sample <rows>', 'use a uniform random sample of this many rows')
    .option('--seed <n>', 'seed of --sample (default 42)');
}

interface GlobalFlags {
  quiet?: boolean;
  debug?: boolean;
}

/** Builds the program; `run` receives each command's action. */
export function buildProgram(run: (action: (ctx: CommandContext) => Promise<number>, flags: GlobalFlags) => Promise<void>): Command {
  const program = new Command('modelwatch')
    .description('Compare a model\'s current data with its reference: drift, data quality and model quality as an HTML report, JSON, or a CI verdict.')
    .version(version(), '-V, --version')
    .option('-q, --quiet', 'no progress, no messages besides results')
    .option('--debug', 'print stack traces of errors (also MODELWATCH_DEBUG=1)')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', EXAMPLES)
    .exitOverride();
  const globals = () => program.opts<GlobalFlags>();

  comparisonOptions(program.command('report').description('compare current data with a reference; write HTML and/or JSON, or print a summary (exit 0)'))
    .addHelpText('after', `
Examples:
  $ modelwatch report --reference jan.parquet --current jun.parquet
  $ modelwatch report -r train.csv -c today.csv --html report.html --json report.json
  $ modelwatch report -r train.csv -c today.csv --target y --prediction y_hat --column-method age=ks --sample 100000`)
    .action((flags: ReportFlags) => run(async (ctx) => (await import('./commands/report.js')).reportCommand(ctx, flags), globals()));

  comparisonOptions(program.command('check').description('run a test suite on the comparison; exit 0 pass, 1 fail, 2 usage/input error'))
    .option('--suite <file>', 'test suite (YAML or JSON); default: derived from the reference')
    .option('--junit <file>', 'write JUnit XML for CI test reporters')
    .addHelpText('after', `
Suite file (YAML):
  name: nightly
  tests:
    - drift.share < 0.3
    - column(distance).missing_share <= reference + 0.05
    - metric(f1) >= 0.8
    - { condition: "column(*).drift_detected == 0", severity: warn }

Examples:
  $ modelwatch check -r jan.parquet -c jun.parquet
  $ modelwatch check -r train.parquet -c batch.csv --suite checks.yaml --junit junit.xml --html report.html`)
    .action((flags: CheckFlags) => run(async (ctx) => (await import('./commands/check.js')).checkCommand(ctx, flags), globals()));

  roleOptions(program.command('profile').description('save a reference profile (statistics, quantiles, bins, categories) to use instead of the raw reference'))
    .argument('<data>', 'data file')
    .option('-o, --out <file>', 'where to write the profile JSON (default: stdout)')
    .option('--schema <file>', 'schema JSON to profile with')
    .addHelpText('after', `
Example:
  $ modelwatch profile train.parquet --target label --out train.profile.json
  $ modelwatch report --reference train.profile.json --current today.csv`)
    .action((data: string, flags: ProfileFlags) => run(async (ctx) => (await import('./commands/profile.js')).profileCommand(ctx, data, flags), globals()));

  roleOptions(program.command('schema').description('print the schema inferred from a data file (JSON, editable, accepted by --schema)'))
    .argument('<data>', 'data file (or a profile: prints its schema)')
    .option('-o, --out <file>', 'write the schema JSON to a file instead of stdout')
    .addHelpText('after', `
Example:
  $ modelwatch schema train.csv --target label --out schema.json
  $ modelwatch report -r train.csv -c today.csv --schema schema.json`)
    .action((data: string, flags: SchemaFlags) => run(async (ctx) => (await import('./commands/schema.js')).schemaCommand(ctx, data, flags), globals()));

  program
    .command('demo-data')
    .description('write the quick-start data: January and June 2001 flights (from the vega-datasets package) as Parquet')
    .option('--out-dir <dir>', 'directory to write jan.parquet and jun.parquet into', '.')
    .option('--source <file>', 'path of flights-3m.parquet (default: from an installed vega-datasets)')
    .action((flags: DemoDataFlags) => run(async (ctx) => (await import('./commands/demo-data.js')).demoDataCommand(ctx, flags), globals()));

  program
    .command('serve')
    .description('run the monitoring service: HTTP API for models, prediction events and ground truth, monitors, Prometheus /metrics (until Ctrl+C / SIGTERM)')
    .option('--config <file>', 'modelwatch.yaml: models, monitors, alerts, store, auth (default: none, every default)')
    .option('--data <dir>', 'data directory of the embedded DuckDB store (default: ./modelwatch-data)')
    .option('--port <port>', 'TCP port, 0 for any free port (default: 8080)')
    .option('--host <address>', 'address to listen on (default: 127.0.0.1; without auth tokens keep it on loopback)')
    .addOption(new Option('--log-level <level>', 'log level of the JSON logs on stderr').choices(LOG_LEVELS).default('info'))
    .addHelpText('after', `
Prints the API, docs and /metrics addresses on stdout once listening. SIGINT/SIGTERM stop it
gracefully: in-flight requests finish, queued events are committed, the store is checkpointed.
Exit codes: 0 stopped cleanly, 2 bad configuration (the setting is named), port in use, bad option.

Examples:
  $ modelwatch serve
  $ modelwatch serve --config modelwatch.yaml --data /var/lib/modelwatch --port 8080
  $ curl -s localhost:8080/metrics | grep modelwatch_feature_drift_detected`)
    .action((flags: ServeFlags) => run(async (ctx) => (await import('./commands/serve.js')).serveCommand(ctx, flags), globals()));

  program
    .command('rules')
    .description('write the alert rules of a modelwatch.yaml as Prometheus alerting rules (over the modelwatch_* gauges of serve)')
    .option('--config <file>', 'modelwatch.yaml with models.<name>.alerts')
    .option('-o, --out <file>', 'where to write the rules YAML (default: stdout)')
    .option('--strict', 'fail (exit 2) when a rule has no PromQL equivalent, instead of listing it in a comment')
    .addHelpText('after', `
Rules reading metrics that serve does not export (p_value, error_ratio, ...) or that PromQL cannot
express are listed in a comment and on stderr, never approximated. Check the output with
  $ promtool check rules modelwatch-rules.yml

Example:
  $ modelwatch rules --config modelwatch.yaml --out /etc/prometheus/rules/modelwatch.yml`)
    .action((flags: RulesFlags) => run(async (ctx) => (await import('./commands/rules.js')).rulesCommand(ctx, flags), globals()));

  return program;
}

/** Whether stack traces are wanted. */
function debugWanted(flags: GlobalFlags, argv: readonly string[]): boolean {
  return flags.debug === true || argv.includes('--debug') || process.env.MODELWATCH_DEBUG === '1';
}

/**
 * Runs the command line (`argv` without node and script) and resolves to the
 * exit code. Output goes to the given context (the process's streams by default).
 */
export async function main(argv: readonly string[], makeContext: (quiet: boolean) => CommandContext = processContext): Promise<number> {
  let code = 0;
  let ctx: CommandContext | null = null;
  const program = buildProgram(async (action, flags) => {
    ctx = makeContext(flags.quiet === true);
    code = await action(ctx);
  });
  const stderr = (text: string) => ((ctx as CommandContext | null)?.stderr ?? process.stderr).write(text);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    (ctx as CommandContext | null)?.progress.clear();
    if (e instanceof CommanderError) {
      // Help and version exit 0; commander has printed its one-line error otherwise.
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    const debug = debugWanted(program.opts<GlobalFlags>(), argv);
    if (e instanceof CliError) {
      for (const line of e.problems) stderr(`modelwatch: ${line}\n`);
      if (debug) stderr(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    stderr(`modelwatch: internal error: ${err?.message ?? String(e)}\n`);
    stderr(debug ? `${err?.stack ?? ''}\n` : 'modelwatch: run with --debug (or MODELWATCH_DEBUG=1) for the stack trace, and please report it\n');
    return 2;
  }
}
