import { ActionFailure } from '../actions/action.js';
import { workflowAction, workflowParameters, type WorkflowParameters } from '../actions/workflow.js';
import { isTerminalRun } from '../engine/state.js';
import type { Effect, Input, Run, StepError, StepSpec } from '../engine/types.js';
import type { Store } from '../store/store.js';
import type { ExecuteDeps } from './execute.js';
import { stepOutputs } from './outputs.js';
import type { RunningAttempt, RunSlot } from './run-slot.js';
import { parameterIssues } from './parameter-issues.js';

/** How often a step looks at a child that another process carries. */
const POLL_MS = 250;

/** What the app needs to start the child run of a `workflow` step. */
export interface ChildRequest {
  parent: Run;
  /** The step key (`deploy`, or `deploy[2]` in a fan-out) and the attempt that asks. */
  step: string;
  attempt: number;
  /** A path relative to `workdir`, or the id of a stored workflow. */
  workflow: string;
  parameters: Record<string, unknown>;
  /** The directory of the parent's definition file. */
  workdir: string;
}

/** The app's side of sub-workflows: starting a run needs loading, validation and parameters. */
export interface ChildHooks {
  /**
   * Resolve, validate and start the child run, carried by this runtime, with its link to
   * the parent. Throws an ActionFailure for what the user must fix (not found, invalid,
   * too deep, a cycle).
   */
  startChild(req: ChildRequest): Promise<Run>;
  /** Cancel a run wherever it is held; resolves once it has ended or the request is stored. */
  cancelChild(runId: string, reason: string): Promise<void>;
}

/** What the runtime lends the `workflow` steps it carries. */
export interface ChildHost extends Partial<ChildHooks> {
  store: Store;
  holds(runId: string): boolean;
  /** The final run once it finishes here, or undefined when this process lets it go. */
  waitFor(runId: string): Promise<Run | undefined>;
  /** Claim the run if no live process holds it; true when this process carries it now. */
  adopt(runId: string): Promise<boolean>;
}

/** Is this `execute` effect a `workflow` step, carried here rather than by an action? */
export function isSubworkflow(slot: RunSlot, stepId: string): boolean {
  return slot.state.graph.byId.get(stepId)?.command === workflowAction.name;
}

/**
 * Carries `workflow` steps. The step starts a child run (or finds the one an earlier
 * attempt started, by the link the store keeps) and stays `running` until the child ends;
 * its outcome becomes the step's. A step recovered after a crash waits for the child
 * already there instead of starting another: only a child that failed or was cancelled
 * is replaced, by the step's next attempt.
 */
export class ChildRuns {
  /** Children this process is cancelling: a retry of their step starts a new one after them. */
  private readonly cancelling = new Set<string>();
  /** Attempts stopping their child, so that shutting down can let them finish first. */
  private readonly stopping = new Set<Promise<void>>();

  constructor(private readonly host: ChildHost) {}

  run(slot: RunSlot, effect: Extract<Effect, { type: 'execute' }>, deps: ExecuteDeps): Promise<void> {
    const { step, attempt } = effect;
    const spec = slot.state.graph.byId.get(effect.stepId);
    const fail = (error: StepError, retryable: boolean) => deps.report({ type: 'failed', step, attempt, error, retryable });
    const parsed = workflowParameters.safeParse(effect.parameters ?? {});
    if (!spec || !parsed.success) {
      const issues = parsed.success ? 'unknown step' : parameterIssues(parsed.error);
      fail({ code: 'BAD_PARAMETERS', message: `invalid parameters for 'workflow': ${issues}` }, false);
      return Promise.resolve();
    }
    const running: RunningAttempt = { attempt, controller: new AbortController(), silenced: false };
    slot.controllers.set(step, running);
    // Decided when the abort comes: a cancel or timeout stops the child, but a process
    // letting the run go (shutdown, lease lost) leaves it for whoever takes the run next.
    // Finishing the run silences the attempt right after a cancel aborted it, so read now.
    let stopChild = false;
    const attemptOf = { slot, step, attempt, spec, running, log: (line: string) => deps.log({ runId: slot.state.run.id, step, attempt, stream: 'system', line }) };
    const done = this.carry(attemptOf, parsed.data, () => stopChild)
      .then((input) => {
        if (input && !running.silenced) deps.report(input);
      })
      .catch((err: unknown) => {
        if (running.silenced) return;
        if (err instanceof ActionFailure) fail({ code: err.code, message: err.message, ...(Object.keys(err.details).length > 0 ? { details: err.details } : {}) }, err.retryable);
        else fail({ code: 'ACTION_ERROR', message: err instanceof Error ? err.message : String(err) }, true);
      })
      .finally(() => {
        if (slot.controllers.get(step) === running) slot.controllers.delete(step);
      });
    // Registered before any abort can come (aborts come from later effects, never from carry).
    running.controller.signal.addEventListener(
      'abort',
      () => {
        stopChild = !running.silenced;
        if (stopChild) this.hold(done);
      },
      { once: true },
    );
    return done;
  }

  /** Resolves once every child being stopped has ended (or after `maxMs`). */
  async drain(maxMs: number): Promise<void> {
    if (this.stopping.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((r) => (timer = setTimeout(r, maxMs)));
    await Promise.race([Promise.allSettled([...this.stopping]), late]);
    clearTimeout(timer);
  }

  private hold(work: Promise<void>): Promise<void> {
    this.stopping.add(work);
    void work.finally(() => this.stopping.delete(work));
    return work;
  }

  /**
   * A `workflow` step was stopped (cancel, timeout, rollback) while no attempt of it runs in
   * this process, as when a run is cancelled on being taken over from a dead process: its
   * child would run on with nobody waiting, so it is cancelled too.
   */
  abandon(slot: RunSlot, step: string, reason: string): Promise<void> {
    const stepId = slot.state.steps.get(step)?.stepId;
    if (stepId === undefined || !isSubworkflow(slot, stepId)) return Promise.resolve();
    const parentId = slot.state.run.id;
    return this.hold(
      (async () => {
        const child = await newestChild(this.host.store, parentId, step);
        if (child && !isTerminalRun(child)) await this.stop(child.id, `its parent run ${parentId} stopped step '${step}': ${reason}`);
      })(),
    );
  }

  /** Start or find the child, wait for it, and say what the step's outcome is (none when stopped). */
  private async carry(a: Attempt, params: WorkflowParameters, stopChild: () => boolean): Promise<Input | undefined> {
    const { signal } = a.running.controller;
    const child = await this.attach(a, params);
    if (!child) return undefined;
    const final = signal.aborted ? undefined : await this.waitEnd(child.id, signal);
    if (!final) {
      if (stopChild()) await this.stop(child.id, `its parent run ${a.slot.state.run.id} stopped step '${a.step}': ${reasonOf(signal)}`);
      return { type: 'failed', step: a.step, attempt: a.attempt, error: { code: 'ABORTED', message: `step aborted: ${reasonOf(signal)}` }, retryable: true };
    }
    a.log(`child run ${final.id} ${final.status}`);
    return outcome(a, final);
  }

  /** The child this attempt waits for: the one already there, or a new one. */
  private async attach(a: Attempt, params: WorkflowParameters): Promise<Run | undefined> {
    const parent = a.slot.state.run;
    const { signal } = a.running.controller;
    const existing = await newestChild(this.host.store, parent.id, a.step);
    if (existing && this.cancelling.has(existing.id)) {
      // An earlier attempt (timed out) is still stopping it: never two children at once.
      await this.waitEnd(existing.id, signal);
    } else if (existing && (!isTerminalRun(existing) || existing.status === 'succeeded')) {
      a.log(`child run ${existing.id} (${existing.workflowName}) was started before; ${existing.status === 'succeeded' ? 'it succeeded, using its outputs' : 'waiting for it'}`);
      return existing;
    }
    if (signal.aborted) return undefined;
    if (!this.host.startChild) throw new ActionFailure('this Cairn runtime was started without a way to start child runs', 'CHILD_UNAVAILABLE', {}, false);
    const child = await this.host.startChild({ parent, step: a.step, attempt: a.attempt, workflow: params.workflow, parameters: params.parameters ?? {}, workdir: a.slot.workdir });
    a.log(`started child run ${child.id} (${child.workflowName})`);
    return child;
  }

  /** Wait until the child has ended, wherever it runs; undefined when the signal aborts first. */
  private async waitEnd(runId: string, signal: AbortSignal): Promise<Run | undefined> {
    while (!signal.aborted) {
      if (this.host.holds(runId)) {
        const final = await untilAborted(this.host.waitFor(runId), signal);
        if (final && isTerminalRun(final)) return final;
        continue;
      }
      const stored = await this.host.store.getRun(runId);
      if (!stored) throw new ActionFailure(`child run ${runId} is missing from the store`, 'CHILD_FAILED', { run_id: runId });
      if (isTerminalRun(stored)) return stored;
      // Nobody live carries it (its process died): take it on; else another process does.
      if (!(await this.host.adopt(runId))) await untilAborted(new Promise((r) => setTimeout(r, POLL_MS)), signal);
    }
    return undefined;
  }

  private async stop(runId: string, reason: string): Promise<void> {
    if (!this.host.cancelChild || this.cancelling.has(runId)) return;
    this.cancelling.add(runId);
    try {
      await this.host.cancelChild(runId, reason);
    } finally {
      this.cancelling.delete(runId);
    }
  }
}

interface Attempt {
  slot: RunSlot;
  step: string;
  attempt: number;
  spec: StepSpec;
  running: RunningAttempt;
  log(line: string): void;
}

/** The newest child run a step started (the store lists newest first). */
async function newestChild(store: Store, parentRunId: string, step: string): Promise<Run | undefined> {
  return (await store.listRuns({ parentRunId })).find((r) => r.parent?.step === step);
}

/** A finished child as the step's outcome: its outputs (plus `run_id`), or CHILD_FAILED. */
async function outcome(a: Attempt, child: Run): Promise<Input> {
  const { step, attempt } = a;
  if (child.status === 'succeeded') {
    const result = { ...child.outputs, run_id: child.id };
    try {
      const outputs = a.spec.outputs ? await stepOutputs(a.slot.state, a.spec.outputs, result) : result;
      return { type: 'succeeded', step, attempt, outputs };
    } catch (err) {
      return { type: 'failed', step, attempt, error: { code: 'EXPRESSION', message: `step outputs: ${(err as Error).message}` }, retryable: false };
    }
  }
  const why = child.error ? `${child.error.message} (${child.error.code})` : 'no reason recorded';
  const details: Record<string, unknown> = { run_id: child.id, status: child.status, ...(child.error ? { error: child.error } : {}) };
  return { type: 'failed', step, attempt, error: { code: 'CHILD_FAILED', message: `child run ${child.id} (${child.workflowName}) ${child.status}: ${why}`, details }, retryable: true };
}

/**
 * A child whose parent has ended has nobody to report to: the input that cancels it when
 * a process takes it over (its parent was cancelled while no process carried the step).
 */
export async function orphanInput(store: Store, run: Run): Promise<Input | undefined> {
  if (!run.parent) return undefined;
  const parent = await store.getRun(run.parent.runId);
  if (!parent || !isTerminalRun(parent)) return undefined;
  return { type: 'cancel', reason: `its parent run ${parent.id} ended (${parent.status}) while it ran` };
}

/** The promise's value, or undefined as soon as the signal aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted';
}
