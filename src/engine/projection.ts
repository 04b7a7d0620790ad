import type { RunState } from './state.js';
import type { Run, StepRun } from './types.js';

export interface Projection {
  run?: Run;
  steps: StepRun[];
}

/** The run and step records changed since the last call, as the store keeps them. */
export function takeProjection(state: RunState): Projection {
  const steps: StepRun[] = [];
  for (const key of state.dirtySteps) {
    const st = state.steps.get(key);
    if (st) steps.push(publicStep(st));
  }
  state.dirtySteps.clear();
  const run = state.dirtyRun ? { ...state.run, status: runStatus(state) } : undefined;
  state.dirtyRun = false;
  return run ? { run, steps } : { steps };
}

export function publicStep(st: StepRun): StepRun {
  const out: StepRun = { key: st.key, stepId: st.stepId, status: st.status, attempts: st.attempts };
  if (st.index !== undefined) out.index = st.index;
  if (st.outputs !== undefined) out.outputs = st.outputs;
  if (st.error !== undefined) out.error = st.error;
  if (st.reason !== undefined) out.reason = st.reason;
  if (st.startedAt !== undefined) out.startedAt = st.startedAt;
  if (st.finishedAt !== undefined) out.finishedAt = st.finishedAt;
  return out;
}

/**
 * `waiting` when nothing runs and something waits on a timer; otherwise the stored status.
 * Derived, so it needs no event of its own.
 */
export function runStatus(state: RunState): Run['status'] {
  const status = state.run.status;
  if (status !== 'running' && status !== 'waiting') return status;
  for (const st of state.steps.values()) {
    // A fan-out parent is `running` while its instances are; it does no work of its own.
    if (st.items !== undefined) continue;
    if (st.status === 'running' || st.status === 'queued' || st.status === 'retrying') return 'running';
  }
  for (const st of state.steps.values()) if (st.status === 'waiting') return 'waiting';
  return 'running';
}
