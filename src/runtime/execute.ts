import { ActionFailure, type Action, type HostBreakers, type McpCaller, type Memory, type NotifyChannel } from '../actions/action.js';
import type { Effect, Input } from '../engine/types.js';
import type { LogLine } from '../store/store.js';
import type { Bulkheads } from './bulkheads.js';
import type { LockQueue } from './locks.js';
import { stepOutputs } from './outputs.js';
import { expressionContext } from './prepare.js';
import type { RunSlot } from './run-slot.js';

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
}

/** Carry out an `execute` effect: run the step's action and report how it went. */
export function executeStep(slot: RunSlot, effect: Extract<Effect, { type: 'execute' }>, deps: ExecuteDeps): Promise<void> | undefined {
  const { step, attempt } = effect;
  const spec = slot.state.graph.byId.get(effect.stepId);
  const action = spec ? deps.actions.get(spec.command) : undefined;
  const fail = (code: string, message: string, retryable: boolean, details?: Record<string, unknown>) =>
    deps.report({ type: 'failed', step, attempt, error: details ? { code, message, details } : { code, message }, retryable });
  if (!spec || !action) {
    fail('UNKNOWN_COMMAND', `unknown command '${spec?.command ?? effect.stepId}'; known: ${[...deps.actions.keys()].join(', ')}`, false);
    return undefined;
  }
  const parsed = action.parameters.safeParse(effect.parameters ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(parameters)'}: ${i.message}`).join('; ');
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
    onProcess: (pgid: number) => {
      spawned = true;
      deps.started(step, attempt, pgid);
    },
  };
  let spawned = false;
  // The action runs only while the step holds its locks and a slot of its command; the
  // waits count as running. Locks first: a step holding a slot while it waits for a lock
  // could starve the lock's holder of the slot it needs.
  const act = async () => {
    const claims = deps.locks?.claimsFor(slot.workflow, spec) ?? [];
    const release = deps.locks && claims.length > 0 ? await deps.locks.hold({ runId, step, attempt, signal: running.controller.signal, log: (line) => ctx.log('system', line) }, claims) : undefined;
    try {
      const leave = await deps.bulkheads?.enter(spec.command, running.controller.signal, (b) => ctx.log('system', `waiting for a ${b.command} slot (${b.active} of ${b.limit} in use, ${b.waiting} waiting)`));
      try {
        return await action.run(ctx);
      } finally {
        leave?.();
      }
    } finally {
      await release?.();
    }
  };
  return act()
    .then(async (result) => {
      if (running.silenced) return;
      const outputs = spec.outputs ? await stepOutputs(slot.state, spec.outputs, result.outputs) : result.outputs;
      deps.report({ type: 'succeeded', step, attempt, outputs });
    })
    .catch((err: unknown) => {
      if (running.silenced) return;
      if (err instanceof ActionFailure) fail(err.code, err.message, err.retryable, err.details);
      else fail('ACTION_ERROR', err instanceof Error ? err.message : String(err), true);
    })
    .finally(() => {
      if (slot.controllers.get(step) === running) slot.controllers.delete(step);
      if (spawned) deps.ended(step, attempt);
    });
}
