/**
 * `wrap(predict, options)`: the framework-free way in.
 */
import { ModelMonitor } from './monitor.js';
import type { MonitorOptions, WrapOptions } from './monitor.js';

/**
 * Instruments a predict function: golden-signal and model metrics on the
 * registry, and (with `exporter`) one event per call sent to `modelwatch serve`.
 * The returned function has `predict`'s signature; errors pass through unchanged.
 *
 * ```ts
 * const predict = wrap(model.predict, { model: 'fraud', version: 'v3', task: 'binary',
 *   features: { amount: 'numeric', country: 'categorical' }, exporter });
 * const { prediction, scores } = await predict(input);
 * ```
 *
 * Create it once at start-up (it creates a {@link ModelMonitor}); to instrument
 * several functions of one model, create a `ModelMonitor` and call its `wrap`.
 */
export function wrap<A extends unknown[], R>(predict: (...args: A) => R, options: MonitorOptions & WrapOptions<A, R>): (...args: A) => R {
  return new ModelMonitor(options).wrap(predict, options);
}
