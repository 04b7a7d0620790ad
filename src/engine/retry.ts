import { prerequisites } from './graph.js';
import type { RunState } from './state.js';

/**
 * Which steps a `retry` runs again: every plain step (or fan-out parent) that did not
 * succeed; with `from`, only that step and the unsucceeded steps after it. Steps that
 * succeeded keep their outputs and never run again.
 */
export function stepsToRetry(state: RunState, from?: string): string[] {
  const unsucceeded = state.graph.order.filter((id) => state.steps.get(id)?.status !== 'succeeded');
  if (from === undefined) return unsucceeded;
  const downstream = new Set<string>([from]);
  for (const id of state.graph.order) {
    const spec = state.graph.byId.get(id);
    if (spec && prerequisites(spec).some((d) => downstream.has(d))) downstream.add(id);
  }
  return unsucceeded.filter((id) => downstream.has(id));
}

/** Why the run cannot be retried now, or undefined. */
export function retryProblem(state: RunState, from?: string): string | undefined {
  const status = state.run.status;
  if (status !== 'failed' && status !== 'cancelled') return `only a failed or cancelled run can be retried; this one is ${status}`;
  if (from !== undefined) {
    const st = state.steps.get(from);
    if (!st) return `no step '${from}' in this run`;
    if (st.status === 'succeeded') return `step '${from}' succeeded; retry starts from a step that did not`;
  }
  if (stepsToRetry(state, from).length === 0) return 'every step succeeded: nothing to retry';
  return undefined;
}
