/**
 * `MODELWATCH_TIMING=1`: each phase of a command (reading, comparing, writing)
 * with its wall time and CPU time (all threads, DuckDB's included) on stderr,
 * measured from process start, for benchmarks and bug reports.
 */
const ENABLED = process.env.MODELWATCH_TIMING === '1' || process.env.MODELWATCH_TIMING === '2';
/** `MODELWATCH_TIMING=2` adds the steps inside phases (`step`). */
const DETAIL = process.env.MODELWATCH_TIMING === '2';
let last = 0;
let lastCpu = { user: 0, system: 0 };

/** Records the end of a phase. */
export function phase(label: string): void {
  if (!ENABLED) return;
  const now = performance.now();
  const cpu = process.cpuUsage();
  const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
  process.stderr.write(`[timing] ${label}: ${(now - last).toFixed(0)} ms (cpu ${cpuMs.toFixed(0)} ms, at ${now.toFixed(0)} ms, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB)\n`);
  last = now;
  lastCpu = cpu;
}

let lastStep = 0;

/** Records a step inside a phase (`MODELWATCH_TIMING=2`): its wall time since the previous step or phase. */
export function step(label: string): void {
  if (!DETAIL) return;
  const now = performance.now();
  process.stderr.write(`[timing:step] ${label}: ${(now - Math.max(last, lastStep)).toFixed(0)} ms (at ${now.toFixed(0)} ms)\n`);
  lastStep = now;
}
