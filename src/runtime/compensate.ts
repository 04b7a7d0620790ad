import { ActionFailure } from '../actions/action.js';
import type { Effect } from '../engine/types.js';
import { renderTemplates } from '../expressions/index.js';
import type { ExecuteDeps } from './execute.js';
import { expressionContext } from './prepare.js';
import type { RunSlot } from './run-slot.js';
import { parameterIssues } from './parameter-issues.js';

/**
 * Carry out a `compensate` effect: run the step's `rollback` action (its templates read
 * the run's data, e.g. the outputs of the step being undone) and report how it went.
 * Its running attempt is tracked under `<step>#rollback`, so cancel can stop it.
 */
export function compensateStep(slot: RunSlot, effect: Extract<Effect, { type: 'compensate' }>, deps: ExecuteDeps): Promise<void> {
  const { step, attempt } = effect;
  const key = `${step}#rollback`;
  const st = slot.state.steps.get(step);
  const spec = slot.state.graph.byId.get(effect.stepId)?.rollback;
  const fail = (code: string, message: string, retryable: boolean, details?: Record<string, unknown>) =>
    deps.report({ type: 'compensation_failed', step, attempt, error: details ? { code, message, details } : { code, message }, retryable });
  const action = spec ? deps.actions.get(spec.command) : undefined;
  if (!spec || !action) {
    fail('UNKNOWN_COMMAND', `the rollback of '${step}' uses unknown command '${spec?.command ?? '?'}'`, false);
    return Promise.resolve();
  }
  const parent = st?.parent !== undefined ? slot.state.steps.get(st.parent) : undefined;
  const context = expressionContext(slot.state, parent?.items?.[st?.index ?? 0], st?.index);
  const running = { attempt, controller: new AbortController(), silenced: false };
  slot.controllers.set(key, running);
  const timer = spec.timeoutSeconds !== undefined ? setTimeout(() => running.controller.abort(new Error(`compensation timed out after ${spec.timeoutSeconds}s`)), spec.timeoutSeconds * 1000) : undefined;
  let spawned = false;
  const runId = slot.state.run.id;
  return (async () => {
    const rendered = await renderTemplates(spec.parameters, context);
    const parsed = action.parameters.safeParse(rendered);
    if (!parsed.success) {
      const issues = parameterIssues(parsed.error);
      throw new ActionFailure(`invalid parameters for the rollback of '${step}': ${issues}`, 'BAD_PARAMETERS', {}, false);
    }
    return action.run({
      runId,
      step: key,
      attempt,
      idempotencyKey: effect.idempotencyKey,
      parameters: parsed.data as Record<string, unknown>,
      signal: running.controller.signal,
      log: (stream, line) => deps.log({ runId, step: key, attempt, stream, line }),
      workdir: slot.workdir,
      ...(deps.memory ? { memory: deps.memory } : {}),
      ...(deps.channel ? { channel: deps.channel } : {}),
      ...(deps.mcp ? { mcp: deps.mcp } : {}),
      onProcess: (pgid) => {
        spawned = true;
        deps.started(key, attempt, pgid);
      },
    });
  })()
    .then((result) => {
      if (!running.silenced) deps.report({ type: 'compensated', step, attempt, outputs: result.outputs });
    })
    .catch((err: unknown) => {
      if (running.silenced) return;
      if (err instanceof ActionFailure) fail(err.code, err.message, err.retryable, err.details);
      else fail('ACTION_ERROR', err instanceof Error ? err.message : String(err), true);
    })
    .finally(() => {
      if (timer) clearTimeout(timer);
      if (slot.controllers.get(key) === running) slot.controllers.delete(key);
      if (spawned) deps.ended(key, attempt);
    });
}
