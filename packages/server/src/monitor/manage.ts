/**
 * Monitors and alert rules managed over the API (`PUT`, `GET`, `DELETE
 * /v1/models/{model}/monitors/{name}` and `/alerts/{name}`): checked with the
 * same schema and resolver as `modelwatch.yaml`, stored durably with the model,
 * effective at once.
 *
 * Rules:
 * - **The configuration file wins.** A monitor or alert rule that the file
 *   defines for the model cannot be created, replaced or deleted over the API
 *   (409 `defined_in_config`); change the file. Should the file later define a
 *   name the API defined before, the file's runs and the API's is listed as
 *   ignored.
 * - **Monitors replace the defaults**, as in the file: a model runs its
 *   configured and API-defined monitors, or the defaults when it has neither.
 *   Default monitors cannot be deleted (409 `default_monitor`).
 * - **Results follow the definition.** Creating or changing a monitor deletes
 *   the monitor's stored results and marks every window that holds events for
 *   evaluation, so its results always come from its current definition (a
 *   backfill, in the background); deleting a monitor deletes its results. An
 *   unchanged definition put again changes nothing.
 * - **Alert rules point at monitors that run.** A rule must name a monitor the
 *   model runs; a monitor change that would leave a rule without its monitor is
 *   refused (409 `monitor_in_use`): an API-defined rule, or a configured one
 *   that reads a default monitor (the first monitor of the model's own stops
 *   the defaults).
 * - At most {@link MAX_API_DEFINITIONS} API-defined monitors and as many alert
 *   rules per model (422 `too_many_definitions`).
 */
import { Compile } from 'typebox/compile';
import { exprProblem } from '../alerts/expr.js';
import { ruleProblems } from '../alerts/rules.js';
import { formatValidationErrors } from '../config/errors.js';
import type { Problem, RawValidationError } from '../config/errors.js';
import { resolveAlert, resolveMonitor } from '../config/load.js';
import type { RawAlert, RawMonitor } from '../config/load.js';
import { AlertSchema, MonitorSchema } from '../config/schema.js';
import type { ModelwatchConfig } from '../config/types.js';
import type { ModelMetrics } from '../metrics/model-metrics.js';
import { UnknownModelError } from '../store/store.js';
import type { DefinitionKind, ModelRecord, Store, StoredDefinition } from '../store/store.js';
import { alertRuleSources, alertSpec, monitorSources, monitorSpec } from './definitions.js';
import type { DefinitionSource, ResolvedMonitor } from './definitions.js';
import type { MonitorScheduler } from './scheduler.js';

/** Most monitors, and most alert rules, one model may have defined over the API. */
export const MAX_API_DEFINITIONS = 100;

/** A definition the service refuses; `status` is the HTTP status, `code` the error code. */
export class DefinitionError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    readonly code: string,
    message: string,
    readonly problems?: Problem[],
  ) {
    super(message);
    this.name = 'DefinitionError';
  }
}

/** A monitor or alert rule as the API lists it. */
export interface DefinitionView {
  name: string;
  source: DefinitionSource;
  /** The object in the shape of `modelwatch.yaml`, every default spelled out; PUT it back to get the same object. */
  definition: Record<string, unknown>;
  /** API-defined objects: when created and last changed (ISO 8601). */
  createdAt?: string;
  updatedAt?: string;
}

/** An API-defined object that does not run, and why. */
export interface IgnoredView {
  name: string;
  reason: string;
  definition: Record<string, unknown>;
}

/** What a PUT did. */
export interface PutOutcome {
  created: boolean;
  /** False when the same definition was already in place (nothing was re-evaluated). */
  changed: boolean;
  /** Results of the monitor's previous definition that were deleted. */
  deletedResults: number;
  /** Alert rules: what makes the rule likely never to have a value (a metric the monitor does not produce, …). */
  warnings?: Problem[];
  view: DefinitionView;
}

const monitorChecker = Compile(MonitorSchema);
const alertChecker = Compile(AlertSchema);
const iso = (ms: number) => new Date(ms).toISOString();
const render = (problems: readonly Problem[]) => problems.map((p) => `${p.path || 'body'}: ${p.message}`).join('; ');

function view(name: string, source: DefinitionSource, definition: Record<string, unknown>, stored?: StoredDefinition): DefinitionView {
  const v: DefinitionView = { name, source, definition };
  if (stored) {
    v.createdAt = iso(stored.createdAt);
    v.updatedAt = iso(stored.updatedAt);
  }
  return v;
}

/** The record as it would be with `defs` as its API definitions (to check a change before making it). */
function withDefinitions(model: ModelRecord, defs: StoredDefinition[]): ModelRecord {
  const out: ModelRecord = { ...model };
  if (defs.length > 0) out.definitions = defs;
  else delete out.definitions;
  return out;
}

export class MonitorDefinitions {
  constructor(
    private readonly store: Store,
    private readonly config: ModelwatchConfig,
    private readonly scheduler: MonitorScheduler,
    private readonly metrics?: ModelMetrics,
  ) {}

  private async model(name: string): Promise<ModelRecord> {
    const m = await this.store.getModel(name);
    if (!m) throw new UnknownModelError(name);
    return m;
  }

  private configFile(): string {
    return this.config.source ? `the configuration file (${this.config.source})` : 'the configuration';
  }

  private configured(model: string, kind: DefinitionKind, name: string): boolean {
    const m = this.config.models.find((x) => x.name === model);
    return kind === 'monitor' ? (m?.monitors.some((x) => x.name === name) ?? false) : (m?.alerts.some((x) => x.name === name) ?? false);
  }

  // -------------------------------------------------------------------------
  // Reading

  /** The monitors a model runs, with their source, and the API-defined ones it ignores. */
  async listMonitors(modelName: string): Promise<{ monitors: DefinitionView[]; ignored: IgnoredView[] }> {
    const model = await this.model(modelName);
    const { monitors, ignored } = monitorSources(this.config, model);
    return {
      monitors: monitors.map((m) => view(m.monitor.name, m.source, monitorSpec(m.monitor), m.stored)),
      ignored: ignored.map((d) => ({ name: d.stored.name, reason: d.reason, definition: { ...d.stored.spec, name: d.stored.name } })),
    };
  }

  /** One monitor the model runs, or 404 `monitor_not_found`. */
  async getMonitor(modelName: string, name: string): Promise<DefinitionView> {
    const found = (await this.listMonitors(modelName)).monitors.find((m) => m.name === name);
    if (!found) throw new DefinitionError(404, 'monitor_not_found', `model "${modelName}" runs no monitor named "${name}"`);
    return found;
  }

  /** The model's alert rules, with their source, and the API-defined ones it ignores. */
  async listAlerts(modelName: string): Promise<{ alerts: DefinitionView[]; ignored: IgnoredView[] }> {
    const model = await this.model(modelName);
    const { rules, ignored } = alertRuleSources(this.config, model);
    return {
      alerts: rules.map((r) => view(r.rule.name, r.source, alertSpec(r.rule), r.stored)),
      ignored: ignored.map((d) => ({ name: d.stored.name, reason: d.reason, definition: { ...d.stored.spec, name: d.stored.name } })),
    };
  }

  /** One alert rule of the model, or 404 `alert_not_found`. */
  async getAlert(modelName: string, name: string): Promise<DefinitionView> {
    const found = (await this.listAlerts(modelName)).alerts.find((a) => a.name === name);
    if (!found) throw new DefinitionError(404, 'alert_not_found', `model "${modelName}" has no alert rule named "${name}"`);
    return found;
  }

  // -------------------------------------------------------------------------
  // Checking

  /** The body with the name from the URL (a `name` in the body must be the same). */
  private named(body: unknown, name: string, what: string): Record<string, unknown> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new DefinitionError(400, 'bad_request', `invalid ${what}: body: expected a JSON object`, [{ path: '', message: 'expected a JSON object' }]);
    }
    const b = body as Record<string, unknown>;
    if (b.name !== undefined && b.name !== name) {
      const problem = { path: 'name', message: `must be the name in the URL (${JSON.stringify(name)}) or be left out (got ${JSON.stringify(b.name)})` };
      throw new DefinitionError(400, 'bad_request', `invalid ${what}: ${render([problem])}`, [problem]);
    }
    return { ...b, name };
  }

  private shape(checker: typeof monitorChecker | typeof alertChecker, schema: typeof MonitorSchema | typeof AlertSchema, value: Record<string, unknown>, what: string): void {
    if (checker.Check(value)) return;
    const problems = formatValidationErrors(schema, value, checker.Errors(value) as unknown as RawValidationError[]);
    throw new DefinitionError(400, 'bad_request', `invalid ${what}: ${render(problems)}`, problems);
  }

  /** A monitor body checked as `modelwatch.yaml` checks a monitor of this model (shape, durations, columns, methods), resolved. */
  checkMonitor(model: ModelRecord, name: string, body: unknown): { spec: Record<string, unknown> } {
    const value = this.named(body, name, 'monitor');
    this.shape(monitorChecker, MonitorSchema, value, 'monitor');
    const problems: Problem[] = [];
    const monitor = resolveMonitor(value as RawMonitor, '', model.schema, problems);
    if (monitor.type === 'model_quality' && (model.task ?? model.schema.task) === undefined) {
      problems.push({ path: 'type', message: 'a model_quality monitor needs the task (binary, multiclass or regression): register the model with a task' });
    }
    if (problems.length > 0) throw new DefinitionError(400, 'bad_request', `invalid monitor: ${render(problems)}`, problems);
    return { spec: value };
  }

  /** An alert rule body checked as `modelwatch.yaml` checks one (against the monitors the model runs and the configured channels). */
  checkAlert(model: ModelRecord, name: string, body: unknown): { spec: Record<string, unknown>; warnings: Problem[] } {
    const value = this.named(body, name, 'alert rule');
    this.shape(alertChecker, AlertSchema, value, 'alert rule');
    const problems: Problem[] = [];
    const running = monitorSources(this.config, model).monitors;
    const monitors = new Set(running.map((m) => m.monitor.name));
    const channels = new Set(this.config.notifications.map((n) => n.name));
    const defaults = running.length > 0 && running.every((m) => m.source === 'default');
    const rule = resolveAlert(value as RawAlert, '', monitors, channels, problems, defaults ? ' (the default monitors: the model has no monitors of its own)' : '');
    const syntax = rule.expr === undefined ? null : exprProblem(rule.expr);
    if (syntax) problems.push({ path: 'expr', message: syntax });
    if (problems.length > 0) throw new DefinitionError(400, 'bad_request', `invalid alert rule: ${render(problems)}`, problems);
    // What the alert engine would log: metric names the monitor does not produce (the rule would never have a value).
    const type = monitorSources(this.config, model).monitors.find((m) => m.monitor.name === rule.monitor)?.monitor.type;
    const warnings = ruleProblems(rule, type).map((p) => ({ path: p.field, message: p.message }));
    return { spec: value, warnings };
  }

  /**
   * Alert rules that would name a monitor the model no longer runs: API-defined
   * ones, and configured ones that read a default monitor (the model's first
   * monitor of its own stops the defaults).
   */
  private orphanedRules(after: ModelRecord, before: ModelRecord): string[] {
    const orphans = (m: ModelRecord) => {
      const running = new Set(monitorSources(this.config, m).monitors.map((x) => x.monitor.name));
      return alertRuleSources(this.config, m).rules.filter((r) => !running.has(r.rule.monitor));
    };
    // Only those the change would orphan (a rule without its monitor already does not hold every change up).
    const already = new Set(orphans(before).map((r) => r.rule.name));
    return orphans(after)
      .filter((r) => !already.has(r.rule.name))
      .map((r) => `"${r.rule.name}" (monitor "${r.rule.monitor}"${r.source === 'config' ? `, in ${this.configFile()}` : ''})`);
  }

  // -------------------------------------------------------------------------
  // Changing

  /**
   * Creates or replaces an API-defined monitor. A new or changed monitor's
   * stored results are deleted and all its windows marked for evaluation;
   * monitors that stop running (the defaults, when this is the model's first
   * monitor) lose their exported series.
   */
  async putMonitor(modelName: string, name: string, body: unknown): Promise<PutOutcome> {
    return this.scheduler.redefine(async () => {
      const model = await this.model(modelName);
      if (this.configured(modelName, 'monitor', name)) {
        throw new DefinitionError(409, 'defined_in_config', `monitor "${name}" of model "${modelName}" is defined in ${this.configFile()}; change it there`);
      }
      const { spec } = this.checkMonitor(model, name, body);
      const defs = [...(model.definitions ?? [])];
      const i = defs.findIndex((d) => d.kind === 'monitor' && d.name === name);
      if (i < 0 && defs.filter((d) => d.kind === 'monitor').length >= MAX_API_DEFINITIONS) {
        throw new DefinitionError(422, 'too_many_definitions', `model "${modelName}" already has ${MAX_API_DEFINITIONS} monitors defined over the API`);
      }
      const before = monitorSources(this.config, model).monitors;
      const previous = before.find((m) => m.monitor.name === name && m.source === 'api');
      const draft: StoredDefinition = { kind: 'monitor', name, spec, createdAt: 0, updatedAt: 0 };
      if (i >= 0) defs[i] = draft;
      else defs.push(draft);
      const after = monitorSources(this.config, withDefinitions(model, defs)).monitors;
      const next = after.find((m) => m.monitor.name === name)!;
      if (previous && JSON.stringify(previous.monitor) === JSON.stringify(next.monitor)) {
        return { created: false, changed: false, deletedResults: 0, view: view(name, 'api', monitorSpec(previous.monitor), previous.stored) };
      }
      const orphans = this.orphanedRules(withDefinitions(model, defs), model);
      if (orphans.length > 0) {
        throw new DefinitionError(409, 'monitor_in_use', `alert rules of model "${modelName}" would name monitors that no longer run: ${orphans.join(', ')}; change or delete them first`);
      }
      const { model: updated, created } = await this.store.putDefinition(modelName, { kind: 'monitor', name, spec });
      const deletedResults = await this.store.deleteResults({ model: modelName, monitor: name });
      const stored = updated.definitions?.find((d) => d.kind === 'monitor' && d.name === name);
      this.afterChange(modelName, before, monitorSources(this.config, updated).monitors, [name]);
      return { created, changed: true, deletedResults, view: view(name, 'api', monitorSpec(next.monitor), stored) };
    });
  }

  /** Deletes an API-defined monitor and its results (the defaults come back when it was the model's last monitor). */
  async deleteMonitor(modelName: string, name: string): Promise<{ deletedResults: number }> {
    return this.scheduler.redefine(async () => {
      const model = await this.model(modelName);
      if (this.configured(modelName, 'monitor', name)) {
        throw new DefinitionError(409, 'defined_in_config', `monitor "${name}" of model "${modelName}" is defined in ${this.configFile()}; remove it there`);
      }
      const defs = model.definitions ?? [];
      if (!defs.some((d) => d.kind === 'monitor' && d.name === name)) {
        const before = monitorSources(this.config, model).monitors;
        if (before.some((m) => m.monitor.name === name && m.source === 'default')) {
          throw new DefinitionError(409, 'default_monitor', `"${name}" is a default monitor of model "${modelName}": defaults cannot be deleted; they stop when the model has monitors of its own (define one with PUT /v1/models/${modelName}/monitors/{name})`);
        }
        throw new DefinitionError(404, 'monitor_not_found', `model "${modelName}" has no monitor named "${name}" defined over the API`);
      }
      const remaining = defs.filter((d) => !(d.kind === 'monitor' && d.name === name));
      const orphans = this.orphanedRules(withDefinitions(model, remaining), model);
      if (orphans.length > 0) {
        throw new DefinitionError(409, 'monitor_in_use', `alert rules of model "${modelName}" name this monitor: ${orphans.join(', ')}; change or delete them first`);
      }
      const before = monitorSources(this.config, model).monitors;
      const { model: updated } = await this.store.deleteDefinition(modelName, 'monitor', name);
      const deletedResults = await this.store.deleteResults({ model: modelName, monitor: name });
      this.afterChange(modelName, before, monitorSources(this.config, updated).monitors, []);
      return { deletedResults };
    });
  }

  /** Export and scheduling after the monitors of a model changed: series of monitors that stopped or changed go, new and changed monitors are marked. */
  private afterChange(model: string, before: readonly { monitor: ResolvedMonitor }[], after: readonly { monitor: ResolvedMonitor }[], changed: readonly string[]): void {
    const names = after.map((m) => m.monitor.name);
    this.metrics?.retainMonitors(model, names);
    for (const n of changed) this.metrics?.removeSeries(model, n);
    const had = new Map(before.map((m) => [m.monitor.name, JSON.stringify(m.monitor)]));
    const mark = after.filter((m) => changed.includes(m.monitor.name) || had.get(m.monitor.name) !== JSON.stringify(m.monitor)).map((m) => m.monitor.name);
    void this.scheduler.markMonitors(model, mark);
  }

  /** Creates or replaces an API-defined alert rule. */
  async putAlert(modelName: string, name: string, body: unknown): Promise<PutOutcome> {
    return this.scheduler.redefine(async () => {
      const model = await this.model(modelName);
      if (this.configured(modelName, 'alert', name)) {
        throw new DefinitionError(409, 'defined_in_config', `alert rule "${name}" of model "${modelName}" is defined in ${this.configFile()}; change it there`);
      }
      const { spec, warnings } = this.checkAlert(model, name, body);
      const defs = model.definitions ?? [];
      const old = defs.find((d) => d.kind === 'alert' && d.name === name);
      if (!old && defs.filter((d) => d.kind === 'alert').length >= MAX_API_DEFINITIONS) {
        throw new DefinitionError(422, 'too_many_definitions', `model "${modelName}" already has ${MAX_API_DEFINITIONS} alert rules defined over the API`);
      }
      const next = alertRuleSources(this.config, withDefinitions(model, [...defs.filter((d) => d !== old), { kind: 'alert', name, spec, createdAt: 0, updatedAt: 0 }]))
        .rules.find((r) => r.rule.name === name)!;
      const current = alertRuleSources(this.config, model).rules.find((r) => r.rule.name === name && r.source === 'api');
      if (current && JSON.stringify(current.rule) === JSON.stringify(next.rule)) {
        return { created: false, changed: false, deletedResults: 0, warnings, view: view(name, 'api', alertSpec(current.rule), current.stored) };
      }
      const { model: updated, created } = await this.store.putDefinition(modelName, { kind: 'alert', name, spec });
      const stored = updated.definitions?.find((d) => d.kind === 'alert' && d.name === name);
      return { created, changed: true, deletedResults: 0, warnings, view: view(name, 'api', alertSpec(next.rule), stored) };
    });
  }

  /** Deletes an API-defined alert rule. */
  async deleteAlert(modelName: string, name: string): Promise<void> {
    await this.scheduler.redefine(async () => {
      await this.model(modelName);
      if (this.configured(modelName, 'alert', name)) {
        throw new DefinitionError(409, 'defined_in_config', `alert rule "${name}" of model "${modelName}" is defined in ${this.configFile()}; remove it there`);
      }
      const { deleted } = await this.store.deleteDefinition(modelName, 'alert', name);
      if (!deleted) throw new DefinitionError(404, 'alert_not_found', `model "${modelName}" has no alert rule named "${name}" defined over the API`);
    });
  }
}
