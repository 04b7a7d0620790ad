import type { RunState } from '../engine/state.js';
import type { Input, StepSpec } from '../engine/types.js';
import { evaluateExpression, isTruthy, renderTemplates } from '../expressions/index.js';
import { maskedSecrets, secretNames } from './secrets.js';

/** Fan-out lists longer than this are refused: a typo should not start a million steps. */
export const MAX_FOR_EACH_ITEMS = 10_000;

/**
 * Carry out a `prepare` effect: evaluate the step's condition, fan-out list and parameter
 * templates against the run's data, and answer the engine with a `prepared` input.
 */
export async function prepareStep(state: RunState, key: string, spec: StepSpec): Promise<Input> {
  const instance = state.steps.get(key);
  const parent = instance?.parent !== undefined ? state.steps.get(instance.parent) : undefined;
  const context = expressionContext(state, parent?.items?.[instance?.index ?? 0], instance?.index);
  try {
    if (parent === undefined) {
      if (spec.if !== undefined && !isTruthy(await evaluateExpression(spec.if, context))) {
        return { type: 'prepared', step: key, skip: `condition is false: ${spec.if}` };
      }
      if (spec.forEach !== undefined) {
        const items = Array.isArray(spec.forEach) ? await renderTemplates(spec.forEach, context) : await evaluateExpression(spec.forEach, context);
        if (!Array.isArray(items)) {
          return failed(key, 'FOR_EACH_NOT_LIST', `for_each must give a list, got ${describe(items)}`);
        }
        if (items.length > MAX_FOR_EACH_ITEMS) {
          return failed(key, 'FOR_EACH_TOO_LARGE', `for_each gave ${items.length} items; the limit is ${MAX_FOR_EACH_ITEMS}`);
        }
        return { type: 'prepared', step: key, items };
      }
    }
    // Secrets read masked here: what is prepared is recorded (secrets.ts).
    const secrets = secretNames(spec.parameters);
    if (secrets.length > 0) context.secrets = maskedSecrets(secrets);
    const parameters = (await renderTemplates(spec.parameters, context)) as Record<string, unknown>;
    return { type: 'prepared', step: key, parameters };
  } catch (err) {
    return failed(key, 'EXPRESSION', (err as Error).message);
  }
}

/** The data expressions see: `parameters`, `steps.<id>.outputs|status`, `run`, `item`, `index`. */
export function expressionContext(state: RunState, item?: unknown, index?: number): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const id of state.graph.order) {
    const st = state.steps.get(id);
    if (st) steps[id] = { outputs: st.outputs ?? {}, status: st.status };
  }
  const run = state.run;
  const context: Record<string, unknown> = {
    parameters: run.parameters,
    steps,
    run: { id: run.id, workflow: run.workflowId, started_at: new Date(run.startedAt ?? run.createdAt).toISOString() },
  };
  if (index !== undefined) {
    context.item = item;
    context.index = index;
  }
  return context;
}

function failed(step: string, code: string, message: string): Input {
  return { type: 'prepared', step, error: { code, message } };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
