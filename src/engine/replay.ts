import { evolve } from './evolve.js';
import { initialState, type RunState } from './state.js';
import type { Run, RunEvent, Workflow } from './types.js';

/** Rebuild a run's engine state from its stored events (recovery, and checks before acting). */
export function replay(stored: Run, workflow: Workflow, events: readonly RunEvent[]): RunState {
  const fresh: Run = { ...stored, status: 'queued' };
  delete fresh.startedAt;
  delete fresh.finishedAt;
  delete fresh.outputs;
  delete fresh.error;
  delete fresh.paused;
  const state = initialState(fresh, workflow);
  for (const event of events) evolve(state, event);
  return state;
}
