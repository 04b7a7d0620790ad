import type { ParameterSpec, ParameterType, RetryPolicy, StepSpec, Trigger, Workflow } from '../engine/types.js';
import { bareExpression } from '../expressions/template.js';
import { durationMs } from './duration.js';
import type { SourcePositions } from './positions.js';
import { LATER_STEP_KEYS, LATER_WORKFLOW_KEYS, stepKeys, workflowKeys, type ParameterInput, type StepInput, type WorkflowInput } from './schema.js';
import { applyPhases, applyRunApproval } from './phases.js';
import { DEFAULT_RETRY } from './retry-default.js';

export { DEFAULT_RETRY };

/**
 * Defaults, chosen once and documented in docs (definition format):
 * - a step without `command` is a manual `task` for a person;
 * - no `retry` means one attempt; a `retry` without details backs off exponentially from
 *   1s up to 60s, shaving up to 20% off each delay (jitter) so retries spread out;
 * - `trigger_rule` is all_success, `continue_on_error` false, `version` "1";
 * - a parameter is required exactly when it has no default.
 */
export const MANUAL_COMMAND = 'task';

/** Turn schema-valid data into the engine's `Workflow` (camelCase, defaults applied). */
export function normalizeWorkflow(input: WorkflowInput, positions?: SourcePositions): Workflow {
  const id = input.id ?? input.workflow_id ?? slug(input.name ?? '');
  const workflow: Workflow = {
    id,
    name: input.name ?? id,
    version: version(input.version, positions),
    tags: input.tags ?? [],
    parameters: parameters(input.parameters ?? {}),
    steps: input.steps.map(step),
    extras: extras(input, workflowKeys(), LATER_WORKFLOW_KEYS, ['workflow_id']),
  };
  if (input.description !== undefined) workflow.description = input.description;
  if (input.category !== undefined) workflow.category = input.category;
  if (input.timeout_seconds !== undefined) workflow.timeoutSeconds = input.timeout_seconds;
  if (input.max_parallel !== undefined) workflow.maxParallel = input.max_parallel;
  if (input.outputs !== undefined) workflow.outputs = { ...input.outputs };
  if (input.rollback_enabled === true || input.on_failure === 'rollback') workflow.rollbackEnabled = true;
  if (input.locks !== undefined && input.locks.length > 0) workflow.locks = unique(input.locks);
  if (input.runs_on !== undefined) workflow.runsOn = labels(input.runs_on);
  if (input.phases !== undefined) applyPhases(workflow, input.phases);
  if (input.approval_required !== undefined) applyRunApproval(workflow, input.approval_required);
  if (input.triggers !== undefined && input.triggers.length > 0) workflow.triggers = input.triggers.map(trigger);
  return workflow;
}

function trigger(input: NonNullable<WorkflowInput['triggers']>[number]): Trigger {
  const parameters = { ...(input.parameters ?? {}) };
  if (input.webhook !== undefined) return { kind: 'webhook', secret: input.webhook.secret, parameters };
  const out: Trigger = { kind: 'cron', cron: input.cron ?? '', parameters };
  if (input.timezone !== undefined) out.timezone = input.timezone;
  return out;
}

/** `Database Maintenance` -> `database-maintenance`. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 128);
  return s === '' ? 'workflow' : s;
}

function version(value: string | number | undefined, positions?: SourcePositions): string {
  if (value === undefined) return '1';
  if (typeof value === 'string') return value;
  // `version: 1.10` is a number to YAML; keep what the user wrote, not 1.1.
  return positions?.scalarSource(['version']) ?? String(value);
}

function parameters(input: Record<string, ParameterInput>): Record<string, ParameterSpec> {
  const out: Record<string, ParameterSpec> = {};
  for (const [name, declared] of Object.entries(input)) {
    const spec = typeof declared === 'object' ? declared : { default: declared };
    const type: ParameterType = spec.type ?? inferType(spec.default) ?? 'string';
    const param: ParameterSpec = { type, required: spec.required ?? spec.default === undefined };
    if (spec.default !== undefined) param.default = spec.default;
    if (spec.enum !== undefined) param.enum = spec.enum;
    if ('description' in spec && spec.description !== undefined) param.description = spec.description;
    Object.defineProperty(out, name, { value: param, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function inferType(value: unknown): ParameterType | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'object';
    default:
      return undefined;
  }
}

function step(input: StepInput): StepSpec {
  const spec: StepSpec = {
    id: input.id,
    command: input.command ?? MANUAL_COMMAND,
    parameters: { ...(input.parameters ?? {}) },
    dependsOn: input.depends_on === undefined ? [] : typeof input.depends_on === 'string' ? [input.depends_on] : [...input.depends_on],
    retry: retry(input.retry),
    continueOnError: input.continue_on_error ?? false,
    triggerRule: input.trigger_rule ?? 'all_success',
    extras: extras(input, stepKeys(), LATER_STEP_KEYS, []),
  };
  if (input.description !== undefined) spec.description = input.description;
  if (input.if !== undefined) spec.if = expression(String(input.if));
  if (input.for_each !== undefined) spec.forEach = typeof input.for_each === 'string' ? expression(input.for_each) : input.for_each;
  if (input.max_parallel !== undefined) spec.maxParallel = input.max_parallel;
  if (input.timeout_seconds !== undefined) spec.timeoutSeconds = input.timeout_seconds;
  if (input.outputs !== undefined) spec.outputs = { ...input.outputs };
  if (input.retry !== undefined) spec.retryDeclared = true;
  if (input.phase !== undefined) spec.phase = input.phase;
  if (input.locks !== undefined && input.locks.length > 0) spec.locks = unique(input.locks);
  if (input.pool !== undefined) spec.pool = input.pool;
  if (input.runs_on !== undefined) spec.runsOn = labels(input.runs_on);
  if (input.checkpoint === true) spec.checkpoint = true;
  if (input.rollback !== undefined) {
    spec.rollback = { command: input.rollback.command, parameters: { ...(input.rollback.parameters ?? {}) }, retry: retry(input.rollback.retry) };
    if (input.rollback.timeout_seconds !== undefined) spec.rollback.timeoutSeconds = input.rollback.timeout_seconds;
  }
  return spec;
}

function labels(runsOn: string | string[]): string[] {
  return unique(typeof runsOn === 'string' ? [runsOn] : runsOn).sort();
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/** `${{ x }}` -> `x`; a malformed one is kept as written (validation reports it). */
function expression(source: string): string {
  try {
    return bareExpression(source);
  } catch {
    return source;
  }
}

function retry(input: StepInput['retry']): RetryPolicy {
  if (input === undefined) return { ...DEFAULT_RETRY };
  if (typeof input === 'number') return { ...DEFAULT_RETRY, maxAttempts: input };
  const initialDelayMs = input.initial_delay === undefined ? DEFAULT_RETRY.initialDelayMs : durationMs(input.initial_delay);
  const maxDelayMs = input.max_delay === undefined ? Math.max(DEFAULT_RETRY.maxDelayMs, initialDelayMs) : durationMs(input.max_delay);
  return {
    maxAttempts: input.max_attempts ?? DEFAULT_RETRY.maxAttempts,
    backoff: input.backoff ?? DEFAULT_RETRY.backoff,
    initialDelayMs,
    maxDelayMs,
    jitter: input.jitter ?? DEFAULT_RETRY.jitter,
  };
}

/** Keys the engine has no field for: unknown ones and those later releases will use. */
function extras(input: Record<string, unknown>, known: readonly string[], later: readonly string[], consumed: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (consumed.includes(key)) continue;
    if (known.includes(key) && !later.includes(key)) continue;
    Object.defineProperty(out, key, { value: input[key], enumerable: true, writable: true, configurable: true });
  }
  return out;
}
