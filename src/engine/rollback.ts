import { isTerminalRun, type RunState, type StepState } from './state.js';
import type { RollbackStrategy, StepSpec } from './types.js';

/** One compensation in a rollback plan. */
export interface Compensation {
  step: string;
  command: string;
  parameters: Record<string, unknown>;
  finishedAt?: number;
}

/**
 * What a rollback undoes, in order: every step run that succeeded and has a `rollback`,
 * most recently finished first, by the sequence of the event that finished it (reverse
 * dependency order follows: a step finishes after what it depends on, even within one
 * millisecond). `checkpoint` keeps the checkpoint step named by `to`, or the last one that
 * finished, and everything that finished before it.
 */
export function compensationOrder(state: RunState, strategy: RollbackStrategy, to?: string): string[] {
  const candidates: StepState[] = [];
  for (const st of state.steps.values()) {
    if (st.status !== 'succeeded' || st.items !== undefined) continue;
    if (st.compensation?.status === 'succeeded') continue;
    if (specOf(state, st)?.rollback) candidates.push(st);
  }
  let floor = -Infinity;
  if (strategy === 'checkpoint') {
    const point = to !== undefined ? state.steps.get(to) : lastCheckpoint(state);
    floor = point ? finished(point) : -Infinity;
  }
  return candidates
    .filter((st) => finished(st) > floor)
    .sort((a, b) => finished(b) - finished(a))
    .map((st) => st.key);
}

/** `cairn rollback --strategy manual`: the ordered compensations for a person; runs nothing. */
export function rollbackPlan(state: RunState, strategy: RollbackStrategy = 'immediate', to?: string): Compensation[] {
  return compensationOrder(state, strategy, to).map((key) => {
    const st = state.steps.get(key) as StepState;
    const spec = specOf(state, st)?.rollback;
    const item: Compensation = { step: key, command: spec?.command ?? '', parameters: spec?.parameters ?? {} };
    if (st.finishedAt !== undefined) item.finishedAt = st.finishedAt;
    return item;
  });
}

/** Why this run cannot roll back now, or undefined. */
export function rollbackProblem(state: RunState, strategy: RollbackStrategy, to?: string): string | undefined {
  const status = state.run.status;
  if (status === 'rolled_back' || status === 'rollback_failed') return `the run is already ${status}`;
  if (state.rollback && !isTerminalRun(state.run)) return 'the run is already rolling back';
  if (strategy === 'checkpoint') {
    if (to !== undefined) {
      const st = state.steps.get(to);
      if (!st) return `no step '${to}' in this run`;
      if (st.status !== 'succeeded') return `step '${to}' did not succeed, so it is no checkpoint to go back to`;
    } else if (!lastCheckpoint(state)) {
      return 'no step marked `checkpoint: true` has succeeded; name one with --to';
    }
  }
  return undefined;
}

function lastCheckpoint(state: RunState): StepState | undefined {
  let last: StepState | undefined;
  for (const st of state.steps.values()) {
    if (st.status === 'succeeded' && specOf(state, st)?.checkpoint && (last === undefined || finished(st) > finished(last))) last = st;
  }
  return last;
}

/** Completion order: the sequence number of the event that finished the step (unique per run). */
function finished(st: StepState): number {
  return st.finishedSeq ?? 0;
}

function specOf(state: RunState, st: StepState): StepSpec | undefined {
  return state.graph.byId.get(st.stepId);
}
