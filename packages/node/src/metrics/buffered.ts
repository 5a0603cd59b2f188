/**
 * prom-client metrics whose hot path is a field increment.
 *
 * prom-client's own `counter.labels(...).inc()` costs ~0.3 µs and
 * `histogram.labels(...).observe()` ~0.6 µs here (each call hashes the label set
 * into a new string and validates it), more than our whole budget per
 * prediction. These subclasses keep one preallocated *cell* per label set,
 * obtained once with `cell(labels)` and cached by the caller; recording is
 * `cell.value++` or `cell.observe(x)` (a scan over a Float64Array). The
 * registry reads the cells when it is scraped (`get()`), so the classes stay
 * ordinary prom-client metrics: registered in a `Registry`, found by
 * `getSingleMetric`, merged, aggregated across cluster workers.
 *
 * The parent's own `inc`/`observe`/`labels` are not used by this package and
 * are routed to the cells so that a caller who uses them is still counted.
 */
import { Counter, Histogram } from 'prom-client';
import type { MetricType, Registry } from 'prom-client';

export type Labels = Readonly<Record<string, string>>;
/** prom-client's label object type (not exported by its typings). */
type PromLabels<T extends string> = Partial<Record<T, string | number>>;

/** One counter series. `value` is cumulative: add to it. */
export class CounterCell {
  value = 0;
  constructor(readonly labels: Labels) {}
}

/** One histogram series with its own bucket upper bounds. */
export class HistogramCell {
  /** Observations per bucket, not cumulative; the last slot counts values above every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    readonly bounds: Float64Array,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Adds one finite observation; returns false (and records nothing) for NaN and ±Infinity. */
  observe(x: number): boolean {
    if (x - x !== 0) return false;
    const b = this.bounds;
    const n = b.length;
    let k = 0;
    // Buckets are few (≤ 256) and values cluster in the low ones: a linear scan beats bisection.
    while (k < n && x > b[k]) k++;
    this.counts[k]++;
    this.sum += x;
    this.count++;
    return true;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

function keyOf(labelNames: readonly string[], labels: Record<string, unknown>): string {
  let key = '';
  for (const name of labelNames) {
    const v = labels[name];
    if (typeof v !== 'string') throw new TypeError(`label "${name}": expected a string (got ${JSON.stringify(v)})`);
    key += v + '\u0000';
  }
  for (const name of Object.keys(labels)) {
    if (!labelNames.includes(name)) throw new TypeError(`label "${name}" is not one of ${labelNames.join(', ')}`);
  }
  return key;
}

function labelsFromArgs(labelNames: readonly string[], args: unknown[]): Record<string, string> {
  if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null) return args[0] as Record<string, string>;
  const out: Record<string, string> = {};
  labelNames.forEach((n, i) => (out[n] = String(args[i])));
  return out;
}

export interface FastCounterConfig<T extends string> {
  name: string;
  help: string;
  labelNames: readonly T[];
  registers: Registry[];
}

/** A prom-client `Counter` recording into {@link CounterCell}s. */
export class FastCounter<T extends string = string> extends Counter<T> {
  private cells: Map<string, CounterCell> = new Map();
  private readonly names: readonly string[];

  constructor(config: FastCounterConfig<T>) {
    super({ name: config.name, help: config.help, labelNames: config.labelNames, registers: config.registers });
    this.names = config.labelNames;
    // Counter's constructor installs `inc` as an own property; route it to the cells.
    const self = this as unknown as { inc: (labels?: unknown, value?: number) => void };
    self.inc = (labels?: unknown, value?: number) => {
      if (typeof labels === 'object' && labels !== null) this.cell(labels as Record<T, string>).value += value ?? 1;
      else this.cell({} as Record<T, string>).value += (labels as number | undefined) ?? 1;
    };
  }

  /** The cell of a label set (created on first use; cache it). */
  cell(labels: Record<T, string>): CounterCell {
    const key = keyOf(this.names, labels);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = new CounterCell(Object.freeze({ ...labels }));
      this.cells.set(key, cell);
    }
    return cell;
  }

  override labels(...args: unknown[]): Counter.Internal {
    const cell = this.cell(labelsFromArgs(this.names, args) as Record<T, string>);
    return { inc: (value?: number) => void (cell.value += value ?? 1) } as Counter.Internal;
  }

  override async get() {
    const values: { value: number; labels: PromLabels<T> }[] = [];
    for (const cell of this.cells.values()) values.push({ value: cell.value, labels: { ...cell.labels } as PromLabels<T> });
    return { name: this.name, help: this.help, type: 'counter' as unknown as MetricType /* the typings declare an enum; the runtime uses strings */, values, aggregator: this.aggregator, collect: () => undefined };
  }

  override reset(): void {
    // Called by the parent constructor before `cells` exists.
    if (this.cells) for (const cell of this.cells.values()) cell.value = 0;
  }

  override remove(...args: unknown[]): void {
    if (this.cells) this.cells.delete(keyOf(this.names, labelsFromArgs(this.names, args)));
  }

  declare readonly name: string;
  declare readonly help: string;
  declare readonly aggregator: 'sum';
}

export interface FastHistogramConfig<T extends string> extends FastCounterConfig<T> {
  /** Default bucket upper bounds of new cells. */
  buckets: readonly number[];
}

/** A prom-client `Histogram` recording into {@link HistogramCell}s; each cell may have its own buckets. */
export class FastHistogram<T extends string = string> extends Histogram<T> {
  private cells: Map<string, HistogramCell> = new Map();
  private readonly names: readonly string[];
  private readonly defaultBounds: Float64Array;

  constructor(config: FastHistogramConfig<T>) {
    super({ name: config.name, help: config.help, labelNames: config.labelNames, registers: config.registers, buckets: [...config.buckets] });
    this.names = config.labelNames;
    this.defaultBounds = Float64Array.from(config.buckets);
    const self = this as unknown as { observe: (labels: unknown, value?: number) => void };
    self.observe = (labels: unknown, value?: number) => {
      if (typeof labels === 'object' && labels !== null) this.cell(labels as Record<T, string>).observe(value as number);
      else this.cell({} as Record<T, string>).observe(labels as number);
    };
  }

  /** The cell of a label set (created on first use with `buckets` or the default buckets; cache it). */
  cell(labels: Record<T, string>, buckets?: readonly number[]): HistogramCell {
    const key = keyOf(this.names, labels);
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = new HistogramCell(Object.freeze({ ...labels }), buckets ? Float64Array.from(buckets) : this.defaultBounds);
      this.cells.set(key, cell);
    }
    return cell;
  }

  override labels(...args: unknown[]): Histogram.Internal<T> {
    const cell = this.cell(labelsFromArgs(this.names, args) as Record<T, string>);
    return {
      observe: (value: number) => void cell.observe(value),
      startTimer: () => {
        const t0 = performance.now();
        return () => {
          const s = (performance.now() - t0) / 1000;
          cell.observe(s);
          return s;
        };
      },
    } as Histogram.Internal<T>;
  }

  override async get() {
    const bucketName = `${this.name}_bucket`;
    const values: { value: number; labels: PromLabels<T>; metricName: string }[] = [];
    for (const cell of this.cells.values()) {
      let acc = 0;
      for (let k = 0; k < cell.bounds.length; k++) {
        acc += cell.counts[k];
        values.push({ value: acc, labels: { ...cell.labels, le: cell.bounds[k] } as PromLabels<T>, metricName: bucketName });
      }
      values.push({ value: cell.count, labels: { ...cell.labels, le: '+Inf' } as PromLabels<T>, metricName: bucketName });
      values.push({ value: cell.sum, labels: { ...cell.labels } as PromLabels<T>, metricName: `${this.name}_sum` });
      values.push({ value: cell.count, labels: { ...cell.labels } as PromLabels<T>, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram' as unknown as MetricType, values, aggregator: this.aggregator, collect: () => undefined };
  }

  /** The registry prefers this method to `get()` for histograms; both give the same values. */
  getForPromString() {
    return this.get();
  }

  override reset(): void {
    if (this.cells) for (const cell of this.cells.values()) cell.reset();
  }

  override remove(...args: unknown[]): void {
    if (this.cells) this.cells.delete(keyOf(this.names, labelsFromArgs(this.names, args)));
  }

  override zero(labels: Record<T, string>): void {
    this.cell(labels);
  }

  declare readonly name: string;
  declare readonly help: string;
  declare readonly aggregator: 'sum';
}
