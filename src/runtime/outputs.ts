import type { RunState } from '../engine/state.js';
import type { Input } from '../engine/types.js';
import { renderTemplates } from '../expressions/index.js';
import { expressionContext } from './prepare.js';

/** A step's declared `outputs:` evaluated over its action's result (`result.*`), added to it. */
export async function stepOutputs(state: RunState, declared: Record<string, string>, result: Record<string, unknown>): Promise<Record<string, unknown>> {
  const context = { ...expressionContext(state), result };
  const extra = (await renderTemplates(declared, context)) as Record<string, unknown>;
  return { ...result, ...extra };
}

/** Carry out a `finalize` effect: the workflow's `outputs:` over the finished steps. */
export async function finalizeOutputs(state: RunState): Promise<Input> {
  const declared = state.graph.workflow.outputs ?? {};
  try {
    const outputs = (await renderTemplates(declared, expressionContext(state))) as Record<string, unknown>;
    return { type: 'finalized', outputs };
  } catch (err) {
    return { type: 'finalized', error: { code: 'EXPRESSION', message: `workflow outputs: ${(err as Error).message}` } };
  }
}
