import { rollbackPlan, rollbackProblem, type Compensation } from '../engine/rollback.js';
import { isTerminalRun } from '../engine/state.js';
import { TERMINAL_RUN_STATUSES, type RollbackStrategy, type Run, type StepError } from '../engine/types.js';
import { deliver } from './delivery.js';
import { CairnError } from './errors.js';
import { currentUser } from './current-user.js';
import type { RunAccess } from './run-access.js';

/*
 * Rolling a run back: the application side of docs/rollback.md. The engine decides what
 * to compensate (engine/rollback.ts); this checks the request, hands it to whichever
 * process holds the run, and reports the compensations from the run's events.
 */

export interface CompensationResult {
  step: string;
  status: 'running' | 'succeeded' | 'failed';
  attempts: number;
  error?: StepError;
}

export interface RollbackReport {
  run: Run;
  /** `manual`: the compensations a person should carry out, in order (nothing ran). */
  plan: Compensation[];
  /** What ran, with results. */
  compensations: CompensationResult[];
}

/**
 * Roll a run back: compensate its completed steps (those with a `rollback`), most recent
 * first. `manual` runs nothing and returns the ordered plan for a person. A finished run
 * can be rolled back too. Resolves when the rollback has finished.
 */
export async function rollbackRun(a: RunAccess, idOrPrefix: string, opts: { strategy?: RollbackStrategy | 'manual'; to?: string; by?: string; reason?: string; wait?: boolean } = {}): Promise<RollbackReport> {
  const id = await a.resolveRunId(idOrPrefix);
  const strategy = opts.strategy ?? a.config.defaults.rollbackStrategy;
  const state = await a.stateOf(id);
  if (strategy === 'manual') return { run: state.run, plan: rollbackPlan(state, 'immediate'), compensations: [] };
  const problem = rollbackProblem(state, strategy, opts.to);
  if (problem) throw new CairnError('ROLLBACK_REFUSED', `cannot roll back run ${id}: ${problem}`, { run: id });
  const by = opts.by ?? currentUser();
  const data = { strategy, ...(opts.to ? { to: opts.to } : {}), ...(opts.reason ? { reason: opts.reason } : {}) };
  if (isTerminalRun(state.run) && !a.runtime()?.holds(id)) {
    // A finished run has no owner to take requests: open it so a process can claim it.
    const run = await a.store.getRun(id);
    if (run) await a.store.commit([{ runId: id, events: [], steps: [], run: { ...run, status: 'rolling_back' } }]);
    const lease = await a.store.getLease(id);
    if (lease) await a.store.releaseRun(id, lease.ownerId);
  }
  await deliver(a.delivery(), id, { type: 'rollback', ...data, by }, { runId: id, type: 'rollback', data, by }, (e) => e.type === 'RollbackRequested');
  if (opts.wait === false) return { run: (await a.store.getRun(id)) ?? state.run, plan: [], compensations: await compensationsOf(a, id) };
  const final = await waitForEnd(a, id);
  return { run: final, plan: [], compensations: await compensationsOf(a, id) };
}

/** The steps a `checkpoint` rollback can go back to: succeeded steps marked `checkpoint: true`. */
export async function rollbackPoints(a: RunAccess, idOrPrefix: string): Promise<Array<{ step: string; finishedAt?: number; undone: string[] }>> {
  const id = await a.resolveRunId(idOrPrefix);
  const state = await a.stateOf(id);
  const points = [...state.steps.values()].filter((st) => st.status === 'succeeded' && state.graph.byId.get(st.stepId)?.checkpoint);
  return points.map((st) => ({ step: st.key, ...(st.finishedAt !== undefined ? { finishedAt: st.finishedAt } : {}), undone: rollbackPlan(state, 'checkpoint', st.key).map((c) => c.step) }));
}

/** Each compensation of a run's rollback with its result, in the order they ran. */
export async function compensationsOf(a: RunAccess, id: string): Promise<CompensationResult[]> {
  const out = new Map<string, CompensationResult>();
  for (const e of await a.store.readEvents(id)) {
    if (e.type === 'CompensationStarted') out.set(e.data.step, { step: e.data.step, status: 'running', attempts: e.data.attempt });
    if (e.type === 'StepCompensated') out.set(e.data.step, { step: e.data.step, status: 'succeeded', attempts: e.data.attempt });
    if (e.type === 'CompensationFailed' && !e.data.willRetry) out.set(e.data.step, { step: e.data.step, status: 'failed', attempts: e.data.attempt, error: e.data.error });
  }
  return [...out.values()];
}

/** Wait until a run is finished, wherever it runs. */
async function waitForEnd(a: RunAccess, id: string): Promise<Run> {
  for (;;) {
    const runtime = a.runtime();
    const held = runtime?.holds(id) ? await runtime.waitFor(id) : undefined;
    const run = held ?? (await a.store.getRun(id));
    if (run && TERMINAL_RUN_STATUSES.includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

