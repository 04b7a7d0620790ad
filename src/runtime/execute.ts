import { ActionFailure, type Action, type ActionResult, type HostBreakers, type McpCaller, type Memory, type NotifyChannel } from '../actions/action.js';
import type { NetworkGuard } from '../actions/network-guard.js';
import type { Effect, Input, StepSpec } from '../engine/types.js';
import type { LogLine } from '../store/store.js';
import type { Bulkheads } from './bulkheads.js';
import type { LockQueue } from './locks.js';
import { stepOutputs } from './outputs.js';
import { revealSecrets } from './reveal.js';
import { secretNames, type SecretSource } from './secrets.js';
import { expressionContext } from './prepare.js';
import type { RunningAttempt, RunSlot } from './run-slot.js';
import { RunLost, WorkerLost, type TaskDispatch } from './task-dispatch.js';
import { workerLabels } from '../engine/placement.js';
import { taskId } from '../store/step-tasks.js';
import { parameterIssues } from './parameter-issues.js';

export interface ExecuteDeps {
  actions: ReadonlyMap<string, Action>;
  memory?: Memory;
  channel?(name: string): NotifyChannel | undefined;
  log(line: Omit<LogLine, 'at'>): void;
  report(input: Input): void;
  /** The attempt started a process group (recorded so a successor can stop it). */
  started(step: string, attempt: number, pgid: number): void;
  /** The attempt is over; its process record can go. */
  ended(step: string, attempt: number): void;
  /** Locks and pool slots (docs/locks.md); without it, `locks` and `pool` are not enforced. */
  locks?: LockQueue;
  /** Per-command concurrency limits of this process (`concurrency:`; docs/observability.md). */
  bulkheads?: Bulkheads;
  /** Circuit breakers per target host, for `http` steps. */
  breakers?: HostBreakers;
  /** The pooled connections to the configured MCP servers, for `mcp` steps. */
  mcp?: McpCaller;
  /** Values of `${{ secrets.NAME }}` (secrets.ts); without it a step that reads one fails. */
  secrets?: SecretSource;
  /** Where `http` steps may connect (`network:`). */
  network?: NetworkGuard;
  /** Largest step outputs, as JSON bytes (`limits.max_output_bytes`); default 1 MiB. */
  maxOutputBytes?: number;
  /** Hands steps with `runs_on` to workers (docs/cluster.md); without it they run here. */
  dispatch?: TaskDispatch;
  /** The lease this process holds the run under: steps handed to workers are queued under it. */
  lease?: { ownerId: string };
  /** Another node holds the run now: this process must let it go without reporting. */
  lost?(): void;
}

/** Carry out an `execute` effect: run the step's action and report how it went. */
export function executeStep(slot: RunSlot, effect: Extract<Effect, { type: 'execute' }>, deps: ExecuteDeps): Promise<void> | undefined {
  const { step, attempt } = effect;
  const spec = slot.state.graph.byId.get(effect.stepId);
  const action = spec ? deps.actions.get(spec.command) : undefined;
  const fail = (code: string, message: string, retryable: boolean) => deps.report({ type: 'failed', step, attempt, error: { code, message }, retryable });
  if (!spec || !action) {
    fail('UNKNOWN_COMMAND', `unknown command '${spec?.command ?? effect.stepId}'; known: ${[...deps.actions.keys()].join(', ')}`, false);
    return undefined;
  }
  const parsed = action.parameters.safeParse(effect.parameters ?? {});
  if (!parsed.success) {
    const issues = parameterIssues(parsed.error);
    fail('BAD_PARAMETERS', `invalid parameters for '${spec.command}': ${issues}`, false);
    return undefined;
  }
  const running = { attempt, controller: new AbortController(), silenced: false };
  slot.controllers.set(step, running);
  const runId = slot.state.run.id;
  const ctx = {
    runId,
    step,
    attempt,
    idempotencyKey: effect.idempotencyKey,
    parameters: parsed.data as Record<string, unknown>,
    signal: running.controller.signal,
    log: (stream: 'stdout' | 'stderr' | 'system', line: string) => deps.log({ runId, step, attempt, stream, line }),
    workdir: slot.workdir,
    // Built only when an action reads it (gate): it costs a walk over every step.
    get data() {
      return expressionContext(slot.state);
    },
    ...(deps.memory ? { memory: deps.memory } : {}),
    ...(deps.channel ? { channel: deps.channel } : {}),
    ...(deps.breakers ? { breakers: deps.breakers } : {}),
    ...(deps.mcp ? { mcp: deps.mcp } : {}),
    ...(deps.network ? { network: deps.network } : {}),
    onProcess: (pgid: number) => {
      spawned = true;
      deps.started(step, attempt, pgid);
    },
  };
  let spawned = false;
  const labels = deps.dispatch ? workerLabels(slot.workflow, spec) : undefined;
  const perform = async () => {
    if (!labels || !deps.dispatch) {
      const leave = await deps.bulkheads?.enter(spec.command, running.controller.signal, (b) => ctx.log('system', `waiting for a ${b.command} slot (${b.active} of ${b.limit} in use, ${b.waiting} waiting)`));
      try {
        ctx.parameters = await revealSecrets(slot, step, spec, action, ctx.parameters, deps.secrets);
        return await action.run(ctx);
      } finally {
        leave?.();
      }
    }
    // A task's parameters are stored for the worker: a secret's value must not be (docs/secrets.md).
    if (secretNames(spec.parameters).length > 0) throw new ActionFailure(`step '${step}' reads secrets, which are not handed to workers yet; run it without runs_on`, 'SECRET_UNAVAILABLE', {}, false);
    const task = {
      id: taskId(runId, step, attempt),
      ...{ runId, step, attempt, idempotencyKey: effect.idempotencyKey, command: spec.command, parameters: ctx.parameters, labels, workdir: slot.workdir },
      ...(deps.lease ? { lease: { ownerId: deps.lease.ownerId, token: slot.token } } : {}),
    };
    return deps.dispatch.run(task, running.controller.signal, () => running.silenced);
  };
  // The action runs only while the step holds its locks and a slot of its command; the
  // waits count as running. Locks first: a step holding a slot while it waits for a lock
  // could starve the lock's holder of the slot it needs.
  const act = async () => {
    const claims = deps.locks?.claimsFor(slot.workflow, spec) ?? [];
    const release = deps.locks && claims.length > 0 ? await deps.locks.hold({ runId, step, attempt, signal: running.controller.signal, log: (line) => ctx.log('system', line) }, claims) : undefined;
    try {
      return await perform();
    } finally {
      await release?.();
    }
  };
  return settle(slot, spec, step, running, act(), deps).finally(() => {
    if (spawned) deps.ended(step, attempt);
  });
}

/**
 * Wait again for an attempt a worker is running (a run taken over from a node that
 * stopped): undefined when there is no such task, so the caller starts a new attempt instead.
 */
export async function attachStep(slot: RunSlot, stepKey: string, stepId: string, attempt: number, deps: ExecuteDeps): Promise<{ settled: Promise<void> } | undefined> {
  const spec = slot.state.graph.byId.get(stepId);
  const id = taskId(slot.state.run.id, stepKey, attempt);
  if (!spec || !deps.dispatch || !workerLabels(slot.workflow, spec) || !(await deps.dispatch.exists(id))) return undefined;
  const running = { attempt, controller: new AbortController(), silenced: false };
  slot.controllers.set(stepKey, running);
  return { settled: settle(slot, spec, stepKey, running, deps.dispatch.attach(id, running.controller.signal, () => running.silenced), deps) };
}

/** Report how an attempt ended, unless the runtime silenced it (shutdown, lease lost). */
function settle(slot: RunSlot, spec: StepSpec, step: string, running: RunningAttempt, work: Promise<ActionResult>, deps: ExecuteDeps): Promise<void> {
  const { attempt } = running;
  return work
    .then(async (result) => {
      if (running.silenced) return;
      const outputs = spec.outputs ? await stepOutputs(slot.state, spec.outputs, result.outputs) : result.outputs;
      checkOutputSize(outputs, deps.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
      deps.report({ type: 'succeeded', step, attempt, outputs });
    })
    .catch((err: unknown) => {
      if (running.silenced) return;
      if (err instanceof RunLost) return deps.lost?.();
      const fail = (code: string, message: string, retryable: boolean, details?: Record<string, unknown>) =>
        deps.report({ type: 'failed', step, attempt, error: details ? { code, message, details } : { code, message }, retryable });
      // Not a failure of the step: the engine starts a new attempt, with the same idempotency key.
      if (err instanceof WorkerLost) deps.report({ type: 'interrupted', step, attempt, reason: err.message });
      else if (err instanceof ActionFailure) fail(err.code, err.message, err.retryable, err.details);
      else fail('ACTION_ERROR', err instanceof Error ? err.message : String(err), true);
    })
    .finally(() => {
      if (slot.controllers.get(step) === running) slot.controllers.delete(step);
    });
}

const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Outputs are stored in every event that carries them and read by every later step: capped. */
function checkOutputSize(outputs: Record<string, unknown>, limit: number): void {
  const bytes = Buffer.byteLength(JSON.stringify(outputs));
  if (bytes > limit) {
    throw new ActionFailure(`the step's outputs are ${bytes} bytes as JSON; the limit is ${limit} (limits.max_output_bytes): write large data to a file and output its path`, 'OUTPUT_TOO_LARGE', { bytes, limit }, false);
  }
}
