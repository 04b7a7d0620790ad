import type { Config } from '../config/index.js';
import { isTerminalRun, type RunState, type StepState } from '../engine/state.js';
import type { Run, StepRun, Workflow } from '../engine/types.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Store } from '../store/store.js';
import type { DeliveryDeps } from './delivery.js';
import { CairnError } from './errors.js';

export interface RunView {
  run: Run;
  steps: StepRun[];
  /** Parallel groups of step ids, in order: what the plan said would run together. */
  groups: string[][];
  workflow?: Workflow;
}

/** What acting on an existing run needs of the application (`Cairn` provides it). */
export interface RunAccess {
  store: Store;
  config: Config;
  resolveRunId(idOrPrefix: string): Promise<string>;
  /** The run's engine state, rebuilt from its events. */
  stateOf(id: string): Promise<RunState>;
  getRun(idOrPrefix: string): Promise<RunView>;
  /** This process's runtime, if it has started one. */
  runtime(): Runtime | undefined;
  delivery(): DeliveryDeps;
}

/** The run's state, refusing a run that has already ended. */
export async function unfinished(a: RunAccess, id: string): Promise<RunState> {
  const state = await a.stateOf(id);
  if (isTerminalRun(state.run)) throw new CairnError('RUN_FINISHED', `run ${id} already ${state.run.status}`, { status: state.run.status });
  return state;
}

/** The step, which must be waiting (for a task, an approval, a timer or a signal). */
export function waitingIn(state: RunState, id: string, step: string): StepState {
  if (isTerminalRun(state.run)) throw new CairnError('RUN_FINISHED', `run ${id} already ${state.run.status}`, { status: state.run.status });
  const st = state.steps.get(step);
  if (!st) throw new CairnError('STEP_NOT_FOUND', `run ${id} has no step '${step}'; steps: ${[...state.steps.keys()].join(', ')}`, { step });
  if (st.status !== 'waiting') throw new CairnError('TASK_NOT_OPEN', `step '${step}' is ${st.status}, not waiting for anyone`, { step, status: st.status });
  return st;
}
