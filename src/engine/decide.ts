import { retryDelayMs } from './backoff.js';
import { enqueue, evolve, isHumanCommand, step, update } from './evolve.js';
import { approvalProblem, taskRequest } from './task.js';
import { compensationOrder, rollbackProblem } from './rollback.js';
import { retryProblem, stepsToRetry } from './retry.js';
import { blockerOf, isTerminalRun, isTerminalStep, type RunState, type StepState } from './state.js';
import type { Effect, Input, RollbackStrategy, RunEvent, RunEventMap, RunEventType, RunStatus, StepError } from './types.js';
import { compensationKey, stepKey } from './idempotency.js';

/** What the engine needs from the world, injected so tests control time and chance. */
export interface Env {
  now: number;
  /** A number in [0, 1), for retry jitter. */
  random(): number;
}

export interface Decision {
  events: RunEvent[];
  effects: Effect[];
}

/**
 * The engine's one entry point: given the state and an input (a fact from outside), the
 * events that follow and the effects the runtime must carry out. Every event is applied
 * to `state` before `decide` returns.
 */
export function decide(state: RunState, input: Input, env: Env): Decision {
  const d = new Decider(state, env);
  // A finished run takes one input still: a rollback that undoes what it did.
  const reopens =
    (input.type === 'rollback' && rollbackProblem(state, input.strategy, input.to) === undefined) ||
    (input.type === 'retry' && retryProblem(state, input.step) === undefined);
  if (!isTerminalRun(state.run) || reopens) {
    d.handle(input);
    d.settle();
  }
  return { events: d.events, effects: d.effects };
}

/** The earliest moment at which a `tick` input can change something, if any. */
export function nextWakeAt(state: RunState): number | undefined {
  if (isTerminalRun(state.run)) return undefined;
  let min = state.runDeadline;
  for (const key of state.timed) {
    const st = state.steps.get(key);
    const at = st?.deadline ?? st?.retryAt ?? st?.wakeAt;
    if (at !== undefined && (min === undefined || at < min)) min = at;
  }
  return min;
}

class Decider {
  readonly events: RunEvent[] = [];
  readonly effects: Effect[] = [];

  constructor(
    private readonly state: RunState,
    private readonly env: Env,
  ) {}

  handle(input: Input): void {
    const { state } = this;
    switch (input.type) {
      case 'start':
        if (state.run.status === 'queued') this.emit('RunStarted', {});
        return;
      case 'prepared':
        return this.onPrepared(input);
      case 'succeeded': {
        const st = this.current(input.step, input.attempt);
        if (st) this.emit('StepSucceeded', { step: st.key, attempt: input.attempt, outputs: input.outputs });
        return;
      }
      case 'failed': {
        const st = this.current(input.step, input.attempt);
        if (st) this.fail(st, input.error, input.retryable !== false);
        return;
      }
      case 'interrupted': {
        const st = state.steps.get(input.step);
        if (st?.compensation?.status === 'running' && st.compensation.attempts === input.attempt) {
          // Its process died with the last owner: run it again, same idempotency key.
          this.startCompensation(st, input.attempt + 1);
          return;
        }
        if (st && st.status === 'running' && st.items === undefined && st.attempts === input.attempt) {
          this.emit('StepInterrupted', { step: st.key, attempt: input.attempt, reason: input.reason });
        }
        return;
      }
      case 'cancel':
        if (!state.cancelling) this.cancel(input.by, input.reason);
        return;
      case 'finalized':
        // A rollback asked for while the outputs were evaluated decides the end instead.
        if (state.finalizing && !state.rollback) this.finish(input.outputs, input.error);
        return;
      case 'complete':
        return this.onComplete(input);
      case 'approve':
        return this.onApprove(input);
      case 'signal':
        return this.onSignal(input.name, input.data, input.by);
      case 'rollback':
        if (rollbackProblem(state, input.strategy, input.to) === undefined) this.beginRollback(input.strategy, input);
        return;
      case 'retry':
        if (retryProblem(state, input.step) === undefined) {
          this.emit('RunRetried', { steps: stepsToRetry(state, input.step), ...(input.by ? { by: input.by } : {}) });
        }
        return;
      case 'compensated': {
        const st = state.steps.get(input.step);
        if (st?.compensation?.status === 'running' && st.compensation.attempts === input.attempt) {
          this.emit('StepCompensated', { step: st.key, attempt: input.attempt, outputs: input.outputs });
          this.compensateNext();
        }
        return;
      }
      case 'compensation_failed':
        return this.onCompensationFailed(input);
      case 'pause':
        if (!state.run.paused) this.emit('RunPaused', input.by ? { by: input.by } : {});
        return;
      case 'unpause':
        if (state.run.paused) this.emit('RunUnpaused', input.by ? { by: input.by } : {});
        return;
      case 'tick':
        return this.onTick();
    }
  }

  /** Resolve ready steps, join fan-outs, start what fits, and finish the run when done. */
  settle(): void {
    const { state } = this;
    if (state.cancelling || isTerminalRun(state.run)) return;
    if (state.rollback) {
      // Nothing new starts; once nothing runs, compensation begins.
      if (state.rollback.order === undefined) this.startCompensating();
      return;
    }
    for (;;) {
      if (state.resolvable.length > 0) {
        const id = state.resolvable.shift() as string;
        this.resolve(step(state, id));
        continue;
      }
      if (state.joinable.length > 0) {
        this.join(step(state, state.joinable.shift() as string));
        continue;
      }
      break;
    }
    if (!state.run.paused) this.startQueued();
    if (state.open === 0 && !state.finalizing) {
      if (state.graph.workflow.outputs !== undefined) {
        state.finalizing = true;
        this.effects.push({ type: 'finalize' });
      } else {
        this.finish(this.sinkOutputs());
      }
    }
  }

  private resolve(st: StepState): void {
    // Only a pending step whose prerequisites all finished; a stale entry is dropped.
    if (st.status !== 'pending' || st.remaining > 0) return;
    const spec = this.state.graph.byId.get(st.stepId);
    if (!spec) return;
    const blocker = blockerOf(this.state, spec);
    if (blocker) {
      this.emit('StepSkipped', blocker.upstreamFailed ? { step: st.key, reason: blocker.reason, upstreamFailed: true } : { step: st.key, reason: blocker.reason });
      return;
    }
    update(this.state, st, () => {
      st.status = 'queued';
    });
    enqueue(this.state, st);
  }

  private join(parent: StepState): void {
    if (isTerminalStep(parent)) return;
    const failed = parent.childrenFailed ?? 0;
    const count = parent.items?.length ?? 0;
    if (failed > 0) {
      this.emit('StepFailed', {
        step: parent.key,
        attempt: 1,
        error: { code: 'FOR_EACH_FAILED', message: `${failed} of ${count} items failed` },
        willRetry: false,
      });
      return;
    }
    const items: unknown[] = [];
    for (let i = 0; i < count; i++) items.push(this.state.steps.get(`${parent.stepId}[${i}]`)?.outputs ?? null);
    this.emit('StepSucceeded', { step: parent.key, attempt: 1, outputs: { items } });
  }

  private startQueued(): void {
    const { state } = this;
    const limit = state.graph.workflow.maxParallel ?? Infinity;
    while (state.active < limit && state.queueHead < state.queue.length) {
      const key = state.queue[state.queueHead++] as string;
      const st = step(state, key);
      if (startable(st)) this.begin(st);
    }
    if (state.queueHead === state.queue.length && state.queueHead > 0) {
      state.queue.length = 0;
      state.queueHead = 0;
    }
    for (const [parentKey, fan] of state.fanQueues) {
      const parent = step(state, parentKey);
      const perParent = state.graph.byId.get(parent.stepId)?.maxParallel ?? Infinity;
      while (state.active < limit && (state.activeByParent.get(parentKey) ?? 0) < perParent && fan.head < fan.indices.length) {
        const st = step(state, `${parent.stepId}[${fan.indices[fan.head++]}]`);
        if (startable(st)) this.begin(st);
      }
      if (fan.head === fan.indices.length) state.fanQueues.delete(parentKey);
    }
  }

  /** Start a queued step: straight away, or after the runtime resolves its templates. */
  private begin(st: StepState): void {
    const { state } = this;
    if (state.graph.needsPrepare.has(st.stepId)) {
      update(state, st, () => {
        st.preparing = true;
      });
      this.effects.push({ type: 'prepare', step: st.key, stepId: st.stepId });
      return;
    }
    this.startAttempt(st, undefined);
  }

  private startAttempt(st: StepState, parameters: Record<string, unknown> | undefined): void {
    const attempt = st.attempts + 1;
    const idempotencyKey = stepKey(this.state.run.id, st.key);
    this.emit('StepStarted', parameters ? { step: st.key, attempt, idempotencyKey, parameters } : { step: st.key, attempt, idempotencyKey });
    const spec = this.state.graph.byId.get(st.stepId);
    const given = parameters ?? spec?.parameters ?? {};
    if (spec && isHumanCommand(spec.command)) {
      this.emit('TaskRequested', { step: st.key, task: taskRequest(spec, given, this.env.now) });
      return;
    }
    if (spec?.command === 'wait') {
      // A durable timer or a signal, kept by the engine itself. A signal that came first is used now.
      const pending = typeof given.signal === 'string' ? this.state.signals.find((p) => p.name === given.signal) : undefined;
      if (pending) this.emit('StepSucceeded', { step: st.key, attempt, outputs: signalOutputs(pending.name, pending.data, pending.by, pending.seq) });
      return;
    }
    this.effects.push({
      type: 'execute',
      step: st.key,
      stepId: st.stepId,
      attempt,
      idempotencyKey,
      parameters: parameters ?? spec?.parameters ?? {},
    });
  }

  private onPrepared(input: Extract<Input, { type: 'prepared' }>): void {
    const st = this.state.steps.get(input.step);
    if (!st || !st.preparing) return;
    if (input.error) {
      update(this.state, st, () => {
        st.preparing = false;
      });
      this.emit('StepFailed', { step: st.key, attempt: st.attempts + 1, error: input.error, willRetry: false });
    } else if (input.skip !== undefined) {
      update(this.state, st, () => {
        st.preparing = false;
      });
      this.emit('StepSkipped', { step: st.key, reason: input.skip });
    } else if (input.items !== undefined) {
      this.emit('StepExpanded', { step: st.key, count: input.items.length, items: input.items });
    } else if (this.state.run.paused) {
      // Paused while its templates were evaluated: it has not started, so it waits in the
      // queue and is prepared again on unpause (values may have changed by then).
      update(this.state, st, () => {
        st.preparing = false;
      });
      enqueue(this.state, st);
    } else {
      this.startAttempt(st, input.parameters);
    }
  }

  private fail(st: StepState, error: StepError, retryable: boolean): void {
    const spec = this.state.graph.byId.get(st.stepId);
    const policy = spec?.retry;
    const willRetry = retryable && policy !== undefined && st.attempts < policy.maxAttempts && !this.state.cancelling && !this.state.rollback;
    this.emit('StepFailed', { step: st.key, attempt: st.attempts, error, willRetry });
    if (willRetry && policy) {
      const delayMs = retryDelayMs(policy, st.attempts, this.env.random());
      this.emit('StepRetryScheduled', { step: st.key, attempt: st.attempts + 1, at: this.env.now + delayMs, delayMs });
    }
  }

  private onComplete(input: Extract<Input, { type: 'complete' }>): void {
    const st = this.state.steps.get(input.step);
    if (!st || st.status !== 'waiting' || st.task?.kind !== 'task') return;
    this.emit('TaskCompleted', { step: st.key, by: input.by, output: input.output });
    this.emit('StepSucceeded', { step: st.key, attempt: st.attempts, outputs: { ...input.output, completed_by: input.by } });
  }

  private onApprove(input: Extract<Input, { type: 'approve' }>): void {
    const st = this.state.steps.get(input.step);
    if (!st || st.status !== 'waiting' || st.task?.kind !== 'approval') return;
    if (approvalProblem(this.state.run, st, input.by, input.approve) !== undefined) return;
    const comment = input.comment !== undefined ? { comment: input.comment } : {};
    if (!input.approve) {
      this.emit('ApprovalRejected', { step: st.key, by: input.by, ...comment });
      const why = `rejected by ${input.by}${input.comment ? `: ${input.comment}` : ''}`;
      this.emit('StepFailed', { step: st.key, attempt: st.attempts, error: { code: 'REJECTED', message: why, details: { by: input.by } }, willRetry: false });
      return;
    }
    this.emit('ApprovalGranted', { step: st.key, by: input.by, ...comment });
    const approvers = st.approvedBy ?? [];
    if (approvers.length >= (st.task.required ?? 1)) {
      this.emit('StepSucceeded', { step: st.key, attempt: st.attempts, outputs: { approved: true, approvers } });
    }
  }

  private onSignal(name: string, data: unknown, by: string | undefined): void {
    const waiting = [...this.state.steps.values()].filter((st) => st.status === 'waiting' && st.signal === name);
    const event = { name, ...(data !== undefined ? { data } : {}), ...(by ? { by } : {}) };
    this.emit('SignalReceived', event);
    for (const st of waiting) this.emit('StepSucceeded', { step: st.key, attempt: st.attempts, outputs: signalOutputs(name, data, by) });
  }

  private beginRollback(strategy: RollbackStrategy, opts: { to?: string; by?: string; reason?: string }): void {
    const wasRunning = !isTerminalRun(this.state.run);
    const data: RunEventMap['RollbackRequested'] = { strategy };
    if (opts.by !== undefined) data.by = opts.by;
    if (opts.reason !== undefined) data.reason = opts.reason;
    if (opts.to !== undefined) data.to = opts.to;
    this.emit('RollbackRequested', data);
    if (!wasRunning) return;
    // immediate and checkpoint stop running steps now; graceful lets them finish.
    for (const st of this.state.steps.values()) {
      if (isTerminalStep(st) || st.items !== undefined) continue;
      if (st.status === 'running') {
        if (strategy === 'graceful') continue;
        this.effects.push({ type: 'abort', step: st.key, attempt: st.attempts, reason: 'rollback' });
      }
      this.emit('StepCancelled', { step: st.key, attempt: st.attempts, reason: `rollback (${strategy})` });
    }
  }

  /** Once nothing runs any more, fix the order and compensate the first step. */
  private startCompensating(): void {
    const { state } = this;
    const rollback = state.rollback;
    if (!rollback || rollback.order !== undefined) return;
    if (state.active > 0) return;
    // Instances first, then fan-out parents, which no join finishes while rolling back.
    for (const parents of [false, true]) {
      for (const st of state.steps.values()) {
        if (!isTerminalStep(st) && (st.items !== undefined) === parents) this.emit('StepCancelled', { step: st.key, attempt: st.attempts, reason: 'rollback' });
      }
    }
    this.emit('RollbackStarted', { order: compensationOrder(state, rollback.strategy, rollback.to) });
    this.compensateNext();
  }

  private compensateNext(): void {
    const rollback = this.state.rollback;
    const order = rollback?.order;
    if (!rollback || !order) return;
    if (rollback.next >= order.length) {
      const why = rollback.reason ? `rolled back after: ${rollback.reason}` : 'rolled back';
      this.emit('RunFinished', { status: 'rolled_back', error: { code: 'ROLLED_BACK', message: `${why} (${order.length} step${order.length === 1 ? '' : 's'} compensated)` } });
      return;
    }
    // A compensation left `running` here was aborted by a cancel: it runs again, next attempt.
    const st = step(this.state, order[rollback.next] as string);
    this.startCompensation(st, (st.compensation?.attempts ?? 0) + 1);
  }

  private startCompensation(st: StepState, attempt: number): void {
    const idempotencyKey = compensationKey(this.state.run.id, st.key);
    this.emit('CompensationStarted', { step: st.key, attempt, idempotencyKey });
    this.effects.push({ type: 'compensate', step: st.key, stepId: st.stepId, attempt, idempotencyKey });
  }

  private onCompensationFailed(input: Extract<Input, { type: 'compensation_failed' }>): void {
    const st = this.state.steps.get(input.step);
    if (!st || st.compensation?.status !== 'running' || st.compensation.attempts !== input.attempt) return;
    const policy = this.state.graph.byId.get(st.stepId)?.rollback?.retry;
    const willRetry = input.retryable !== false && policy !== undefined && input.attempt < policy.maxAttempts;
    this.emit('CompensationFailed', { step: st.key, attempt: input.attempt, error: input.error, willRetry });
    if (willRetry) {
      this.startCompensation(st, input.attempt + 1);
      return;
    }
    const order = this.state.rollback?.order ?? [];
    const done = order.slice(0, this.state.rollback?.next ?? 0);
    // The step whose compensation failed is not undone either.
    const left = order.slice(this.state.rollback?.next ?? 0);
    const message = `compensating '${st.key}' failed: ${input.error.message}; compensated: ${done.join(', ') || 'none'}; not compensated: ${left.join(', ') || 'none'}`;
    this.emit('RunFinished', { status: 'rollback_failed', error: { code: 'ROLLBACK_FAILED', message, details: { step: st.key, compensated: done, remaining: left } } });
  }

  /** A waiting task, approval or signal reached its deadline. */
  private onWaitingTimeout(st: StepState): void {
    const task = st.task;
    if (task?.onTimeout === 'escalate' && task.escalateTo !== undefined && task.assignee !== task.escalateTo) {
      const spec = this.state.graph.byId.get(st.stepId);
      const until = spec?.timeoutSeconds !== undefined ? this.env.now + spec.timeoutSeconds * 1000 : undefined;
      this.emit('TaskEscalated', until !== undefined ? { step: st.key, to: task.escalateTo, until } : { step: st.key, to: task.escalateTo });
      return;
    }
    if (task?.onTimeout === 'continue') {
      this.emit('StepSucceeded', { step: st.key, attempt: st.attempts, outputs: { timed_out: true } });
      return;
    }
    const what = task ? (task.kind === 'approval' ? 'approval' : 'task') : `signal '${st.signal}'`;
    this.emit('StepFailed', { step: st.key, attempt: st.attempts, error: { code: task ? 'TASK_TIMEOUT' : 'SIGNAL_TIMEOUT', message: `no ${what} before the deadline` }, willRetry: false });
  }

  private onTick(): void {
    const { state, env } = this;
    if (state.runDeadline !== undefined && env.now >= state.runDeadline) {
      this.emit('RunTimedOut', { timeoutSeconds: state.graph.workflow.timeoutSeconds ?? 0 });
      this.stopAll('run timed out');
      this.finish(undefined, { code: 'RUN_TIMEOUT', message: `run exceeded its timeout of ${state.graph.workflow.timeoutSeconds}s` }, 'failed');
      return;
    }
    for (const key of [...state.timed]) {
      const st = step(state, key);
      if (st.status === 'running' && st.deadline !== undefined && env.now >= st.deadline) {
        const seconds = state.graph.byId.get(st.stepId)?.timeoutSeconds;
        this.effects.push({ type: 'abort', step: st.key, attempt: st.attempts, reason: 'timeout' });
        this.fail(st, { code: 'STEP_TIMEOUT', message: `step timed out after ${seconds}s` }, true);
      } else if (st.status === 'retrying' && st.retryAt !== undefined && env.now >= st.retryAt) {
        // Stays `retrying` until it starts: the log holds no event for "due", so replay agrees.
        update(state, st, () => {
          st.retryAt = undefined;
        });
        enqueue(state, st);
      } else if (st.status === 'waiting' && st.deadline !== undefined && env.now >= st.deadline) {
        this.onWaitingTimeout(st);
      } else if (st.status === 'waiting' && st.wakeAt !== undefined && env.now >= st.wakeAt) {
        const waited = Math.max(0, Math.round((env.now - (st.startedAt ?? env.now)) / 1000));
        this.emit('StepSucceeded', { step: st.key, attempt: st.attempts, outputs: { waited_seconds: waited } });
      }
    }
  }

  private cancel(by: string | undefined, reason: string | undefined): void {
    this.emit('RunCancelled', by === undefined ? { reason } : { by, reason });
    this.stopAll(reason ?? 'run cancelled');
    this.finish(undefined, { code: 'CANCELLED', message: reason ?? 'run cancelled' }, 'cancelled');
  }

  /** Cancel every unfinished step; abort the ones that are running. */
  private stopAll(reason: string): void {
    for (const st of this.state.steps.values()) {
      if (st.compensation?.status === 'running') this.effects.push({ type: 'abort', step: `${st.key}#rollback`, attempt: st.compensation.attempts, reason });
      if (isTerminalStep(st)) continue;
      if (st.status === 'running' && st.items === undefined) this.effects.push({ type: 'abort', step: st.key, attempt: st.attempts, reason });
      this.emit('StepCancelled', { step: st.key, attempt: st.attempts, reason });
    }
  }

  private finish(outputs: Record<string, unknown> | undefined, error?: StepError, forced?: RunStatus): void {
    if (isTerminalRun(this.state.run)) return;
    const failedStep = forced ? undefined : this.firstFailure();
    const status: RunStatus = forced ?? (failedStep ? 'failed' : error ? 'failed' : 'succeeded');
    const finalError =
      error ??
      (failedStep
        ? { code: 'STEP_FAILED', message: `step '${failedStep.key}' failed: ${failedStep.error?.message ?? failedStep.reason ?? failedStep.status}` }
        : undefined);
    if (status === 'failed' && this.state.graph.workflow.rollbackEnabled && !this.state.rollback) {
      this.beginRollback('immediate', { reason: finalError?.message ?? 'the run failed' });
      this.startCompensating();
      return;
    }
    const data: RunEventMap['RunFinished'] = { status };
    if (outputs !== undefined) data.outputs = outputs;
    if (finalError !== undefined) data.error = finalError;
    this.emit('RunFinished', data);
  }

  private firstFailure(): StepState | undefined {
    for (const id of this.state.graph.order) {
      const st = step(this.state, id);
      if ((st.status === 'failed' && !st.continued) || st.status === 'cancelled') return st;
    }
    return undefined;
  }

  /** Without declared outputs, a run's outputs are those of its final steps, by step id. */
  private sinkOutputs(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const id of this.state.graph.order) {
      if ((this.state.graph.dependents.get(id)?.length ?? 0) > 0) continue;
      const st = step(this.state, id);
      if (st.outputs !== undefined) out[id] = st.outputs;
    }
    return out;
  }

  /** The step run if it is still on this attempt; a late result from an older attempt is ignored. */
  private current(key: string, attempt: number): StepState | undefined {
    const st = this.state.steps.get(key);
    return st && st.status === 'running' && st.items === undefined && st.attempts === attempt ? st : undefined;
  }

  private emit<K extends RunEventType>(type: K, data: RunEventMap[K]): void {
    const event = { type, runId: this.state.run.id, seq: this.state.seq + 1, at: this.env.now, data } as RunEvent;
    evolve(this.state, event);
    this.events.push(event);
  }
}


/** Queued, or a retry that is due; not already being prepared. */
function startable(st: StepState): boolean {
  return (st.status === 'queued' || (st.status === 'retrying' && st.retryAt === undefined)) && !st.preparing;
}

/** What a `wait` step that received a signal outputs; `signal_seq` marks a kept one as used. */
function signalOutputs(name: string, data: unknown, by: string | undefined, seq?: number): Record<string, unknown> {
  return { signal: name, data: data ?? null, ...(by ? { by } : {}), ...(seq !== undefined ? { signal_seq: seq } : {}) };
}
