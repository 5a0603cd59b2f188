import type { Report } from '@modelwatch/core';
import { renderHtml, startHtmlRenderer, type HtmlRenderer } from '../output/html.js';
import { reportSummary, verdictLine } from '../output/summary.js';
import { phase } from '../output/timing.js';
import { parseComparisonFlags, runComparison, type ComparisonFlags } from './comparison.js';
import { toJson, writeOutput, type CommandContext } from './context.js';

/**
 * `modelwatch report`: compare current data with a reference and write the
 * Report as JSON and/or a self-contained HTML page; without either, print a
 * summary. A report is not a gate: the exit code is 0 whenever a report was
 * produced (use `modelwatch check` to fail a pipeline).
 */

export interface ReportFlags extends ComparisonFlags {
  json?: string;
  html?: string;
  title?: string;
}

/** Writes the requested outputs of a report; returns the paths written. */
export async function writeReportOutputs(ctx: CommandContext, report: Report, flags: { json?: string; html?: string; title?: string }, renderer?: HtmlRenderer): Promise<string[]> {
  const written: string[] = [];
  if (flags.json !== undefined) {
    writeOutput(ctx, flags.json, toJson(report), 'JSON report');
    if (flags.json !== '-') written.push(flags.json);
    phase('write JSON');
  }
  if (flags.html !== undefined) {
    const html = await ctx.progress.task('rendering HTML', () => (renderer ? renderer.render(report, flags.title) : renderHtml(report, flags.title)));
    writeOutput(ctx, flags.html, html, 'HTML report');
    if (flags.html !== '-') written.push(flags.html);
    phase('render and write HTML');
  }
  return written;
}

export async function reportCommand(ctx: CommandContext, flags: ReportFlags): Promise<number> {
  const settings = parseComparisonFlags(flags);
  // The renderer loads on its own thread while the inputs are compared. Not for
  // wide inputs: there the thread's own heap would add to the batches' memory,
  // and loading it after the comparison costs little next to it.
  let renderer: HtmlRenderer | undefined;
  let written: string[];
  let report: Report;
  try {
    report = (await runComparison(ctx, settings, (wide) => {
      if (flags.html !== undefined && !wide) renderer = startHtmlRenderer();
    })).report;
    written = await writeReportOutputs(ctx, report, flags, renderer);
  } finally {
    renderer?.close();
  }
  const toStdout = flags.json === '-' || flags.html === '-';
  if (flags.json === undefined && flags.html === undefined) {
    ctx.stdout.write(`${reportSummary(report, ctx.style)}\n`);
  } else if (!ctx.quiet) {
    const out = toStdout ? ctx.stderr : ctx.stdout;
    out.write(`${verdictLine(report, toStdout ? { color: false } : ctx.style)}\n`);
    if (written.length) out.write(`Wrote ${written.join(', ')}\n`);
  }
  return 0;
}
