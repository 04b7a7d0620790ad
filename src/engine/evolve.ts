import { instanceKey, prerequisites } from './graph.js';
import { blockerOf, isTerminalStep, type RunState, type StepState } from './state.js';
import type { RunEvent, RunEventOf } from './types.js';

/**
 * Apply one event to the run state. Deterministic and free of I/O: replaying a run's
 * stored events through `evolve` rebuilds exactly the state the engine had. For speed
 * (thousands of steps per run) the state is updated in place.
 */
export function evolve(state: RunState, event: RunEvent): void {
  state.seq = event.seq;
  switch (event.type) {
    case 'RunCreated':
      return;
    case 'RunStarted':
      return onRunStarted(state, event);
    case 'StepStarted':
      return onStepStarted(state, event);
    case 'StepExpanded':
      return onStepExpanded(state, event);
    case 'StepSucceeded': {
      const st = step(state, event.data.step);
      // Only a signal wait consumes a kept signal; any other output may hold any field.
      const consumed = st.signal !== undefined ? event.data.outputs.signal_seq : undefined;
      if (typeof consumed === 'number') state.signals = state.signals.filter((s) => s.seq !== consumed);
      update(state, st, () => {
        st.status = 'succeeded';
        st.outputs = event.data.outputs;
        st.error = undefined;
        st.finishedAt = event.at;
        st.finishedSeq = event.seq;
      });
      return onFinished(state, st);
    }
    case 'StepFailed': {
      const st = step(state, event.data.step);
      const willRetry = event.data.willRetry;
      update(state, st, () => {
        st.status = willRetry ? 'retrying' : 'failed';
        st.error = event.data.error;
        if (!willRetry) {
          st.finishedAt = event.at;
          st.finishedSeq = event.seq;
          st.continued = state.graph.byId.get(st.stepId)?.continueOnError === true;
        }
      });
      if (!willRetry) onFinished(state, st);
      return;
    }
    case 'StepRetryScheduled': {
      const st = step(state, event.data.step);
      st.retryAt = event.data.at;
      state.timed.add(st.key);
      return;
    }
    case 'StepInterrupted': {
      const st = step(state, event.data.step);
      update(state, st, () => {
        st.status = 'queued';
      });
      enqueue(state, st);
      return;
    }
    case 'StepSkipped': {
      const st = step(state, event.data.step);
      update(state, st, () => {
        st.status = 'skipped';
        st.reason = event.data.reason;
        if (event.data.upstreamFailed) st.upstreamFailed = true;
        st.finishedAt = event.at;
        st.finishedSeq = event.seq;
      });
      return onFinished(state, st);
    }
    case 'StepCancelled': {
      const st = step(state, event.data.step);
      update(state, st, () => {
        st.status = 'cancelled';
        st.reason = event.data.reason;
        st.finishedAt = event.at;
        st.finishedSeq = event.seq;
        st.preparing = false; // a step cancelled while its templates were evaluated gives its slot back
      });
      return onFinished(state, st);
    }
    case 'RunCancelled':
      state.cancelling = true;
      return;
    case 'TaskRequested': {
      const st = step(state, event.data.step);
      update(state, st, () => {
        st.task = event.data.task;
        st.approvedBy = [];
        st.deadline = event.data.task.dueAt;
        if (st.deadline !== undefined) state.timed.add(st.key);
      });
      return;
    }
    case 'TaskEscalated': {
      const st = step(state, event.data.step);
      update(state, st, () => {
        if (st.task) st.task = { ...st.task, ...(event.data.to ? { assignee: event.data.to } : {}), dueAt: event.data.until };
        st.deadline = event.data.until;
        if (st.deadline !== undefined) state.timed.add(st.key);
      });
      return;
    }
    case 'ApprovalGranted': {
      const st = step(state, event.data.step);
      st.approvedBy = [...(st.approvedBy ?? []), event.data.by];
      state.dirtySteps.add(st.key);
      return;
    }
    case 'TaskCompleted':
    case 'ApprovalRejected':
      return;
    case 'SignalReceived': {
      const waiting = [...state.steps.values()].some((st) => st.status === 'waiting' && st.signal === event.data.name);
      // Delivered to the steps waiting for it (their StepSucceeded follows); else kept.
      if (!waiting) state.signals.push({ seq: event.seq, name: event.data.name, data: event.data.data, ...(event.data.by ? { by: event.data.by } : {}) });
      return;
    }
    case 'RollbackRequested': {
      const d = event.data;
      state.rollback = { strategy: d.strategy, next: 0, ...(d.reason !== undefined ? { reason: d.reason } : {}), ...(d.to !== undefined ? { to: d.to } : {}) };
      // A finished run opens again to be rolled back.
      state.run.status = 'rolling_back';
      delete state.run.finishedAt;
      state.finalizing = true; // no normal finish any more: the rollback decides the end
      state.cancelling = false; // a cancelled or timed-out run reopened; a cancel may stop this rollback
      delete state.runDeadline; // compensating is not bound by the run's own timeout
      state.dirtyRun = true;
      return;
    }
    case 'RollbackStarted':
      if (state.rollback) state.rollback.order = event.data.order;
      return;
    case 'CompensationStarted': {
      const st = step(state, event.data.step);
      st.compensation = { status: 'running', attempts: event.data.attempt };
      state.dirtySteps.add(st.key);
      return;
    }
    case 'StepCompensated': {
      const st = step(state, event.data.step);
      st.compensation = { status: 'succeeded', attempts: event.data.attempt };
      if (state.rollback) state.rollback.next++;
      state.dirtySteps.add(st.key);
      return;
    }
    case 'CompensationFailed': {
      const st = step(state, event.data.step);
      st.compensation = { status: event.data.willRetry ? 'running' : 'failed', attempts: event.data.attempt, error: event.data.error };
      state.dirtySteps.add(st.key);
      return;
    }
    case 'RunRetried':
      return onRunRetried(state, event);
    case 'RunPaused':
      state.run.paused = true;
      state.dirtyRun = true;
      return;
    case 'RunUnpaused':
      state.run.paused = false;
      state.dirtyRun = true;
      return;
    case 'RunTimedOut':
      state.cancelling = true;
      return;
    case 'RunFinished': {
      const run = state.run;
      run.status = event.data.status;
      run.outputs = event.data.outputs;
      run.error = event.data.error;
      run.finishedAt = event.at;
      state.timed.clear();
      state.dirtyRun = true;
      return;
    }
  }
}

function onRunStarted(state: RunState, event: RunEventOf<'RunStarted'>): void {
  const run = state.run;
  run.status = 'running';
  run.startedAt = event.at;
  const timeout = state.graph.workflow.timeoutSeconds;
  if (timeout !== undefined) state.runDeadline = event.at + timeout * 1000;
  state.dirtyRun = true;
  for (const id of state.graph.order) {
    if (step(state, id).remaining === 0) ready(state, id);
  }
}

function onRunRetried(state: RunState, event: RunEventOf<'RunRetried'>): void {
  const run = state.run;
  run.status = 'running';
  delete run.finishedAt;
  delete run.outputs;
  delete run.error;
  state.cancelling = false;
  state.finalizing = false;
  const timeout = state.graph.workflow.timeoutSeconds;
  if (timeout !== undefined) state.runDeadline = event.at + timeout * 1000;
  state.dirtyRun = true;
  const again = new Set(event.data.steps);
  // Entries left from the first time round (replay does not consume them) would resolve
  // the reset steps too early.
  state.resolvable = state.resolvable.filter((id) => !again.has(id));
  state.joinable = state.joinable.filter((key) => !again.has(key));
  // Fan-out instances of a step that goes again are made anew when it expands.
  for (const [key, st] of state.steps) {
    if (st.parent !== undefined && again.has(st.stepId)) state.steps.delete(key);
  }
  for (const id of event.data.steps) {
    const st = step(state, id);
    const spec = state.graph.byId.get(id);
    if (!spec) continue;
    update(state, st, () => {
      st.status = 'pending';
      st.error = undefined;
      st.reason = undefined;
      st.outputs = undefined;
      st.finishedAt = undefined;
      st.upstreamFailed = undefined;
      st.continued = undefined;
      st.task = undefined;
      st.items = undefined;
      st.childrenDone = undefined;
      st.childrenFailed = undefined;
    });
    state.fanQueues.delete(id);
    st.remaining = prerequisites(spec).filter((d) => again.has(d)).length;
    state.open++;
  }
  for (const id of event.data.steps) if (step(state, id).remaining === 0) ready(state, id);
}

function onStepStarted(state: RunState, event: RunEventOf<'StepStarted'>): void {
  const st = step(state, event.data.step);
  const spec = state.graph.byId.get(st.stepId);
  update(state, st, () => {
    st.preparing = false;
    st.attempts = event.data.attempt;
    st.startedAt ??= event.at;
    st.retryAt = undefined;
    st.error = undefined;
    const parameters = event.data.parameters ?? spec?.parameters ?? {};
    if (spec?.command === 'wait' && typeof parameters.signal === 'string') {
      st.status = 'waiting';
      st.signal = parameters.signal;
      if (spec.timeoutSeconds !== undefined) {
        st.deadline = event.at + spec.timeoutSeconds * 1000;
        state.timed.add(st.key);
      }
    } else if (spec?.command === 'wait') {
      st.status = 'waiting';
      st.wakeAt = wakeTime(parameters, event.at);
      state.timed.add(st.key);
    } else if (spec && isHumanCommand(spec.command)) {
      st.status = 'waiting'; // TaskRequested follows with what is asked
    } else {
      st.status = 'running';
      if (spec?.timeoutSeconds !== undefined) {
        st.deadline = event.at + spec.timeoutSeconds * 1000;
        state.timed.add(st.key);
      }
    }
  });
}

function onStepExpanded(state: RunState, event: RunEventOf<'StepExpanded'>): void {
  const parent = step(state, event.data.step);
  update(state, parent, () => {
    parent.preparing = false;
    parent.status = 'running';
    parent.startedAt ??= event.at;
    parent.attempts = 1;
    parent.items = event.data.items;
    parent.childrenDone = 0;
    parent.childrenFailed = 0;
  });
  const indices: number[] = [];
  for (let i = 0; i < event.data.count; i++) {
    const key = instanceKey(parent.stepId, i);
    const child: StepState = { key, stepId: parent.stepId, index: i, status: 'queued', attempts: 0, remaining: 0, parent: parent.key };
    state.steps.set(key, child);
    state.dirtySteps.add(key);
    indices.push(i);
  }
  state.fanQueues.set(parent.key, { indices, head: 0 });
  if (event.data.count === 0) state.joinable.push(parent.key);
}

/** Commands whose step waits for a person or an agent instead of running an action. */
export function isHumanCommand(command: string): boolean {
  return command === 'task' || command === 'approval';
}

/** Queue a step that is ready (or ready again after an interruption). */
export function enqueue(state: RunState, st: StepState): void {
  if (st.parent !== undefined && st.index !== undefined) {
    let fan = state.fanQueues.get(st.parent);
    if (!fan) {
      fan = { indices: [], head: 0 };
      state.fanQueues.set(st.parent, fan);
    }
    fan.indices.push(st.index);
  } else {
    state.queue.push(st.key);
  }
}

/**
 * Change a step and keep the slot counters right: a step holds a slot while it is
 * running or being prepared, whichever path it took there.
 */
export function update(state: RunState, st: StepState, change: () => void): void {
  const before = holdsSlot(st);
  change();
  const after = holdsSlot(st);
  if (before !== after) {
    const delta = after ? 1 : -1;
    state.active += delta;
    if (st.parent !== undefined) {
      state.activeByParent.set(st.parent, (state.activeByParent.get(st.parent) ?? 0) + delta);
    }
  }
  if (st.status !== 'running' && st.status !== 'waiting') st.deadline = undefined;
  if (st.status !== 'waiting') {
    st.wakeAt = undefined;
    st.signal = undefined;
  }
  if (st.deadline === undefined && st.retryAt === undefined && st.wakeAt === undefined) state.timed.delete(st.key);
  state.dirtySteps.add(st.key);
  state.dirtyRun = true;
}

/** A fan-out parent (it has items) runs through its instances and holds no slot itself. */
function holdsSlot(st: StepState): boolean {
  return st.preparing === true || (st.status === 'running' && st.items === undefined);
}

function onFinished(state: RunState, st: StepState): void {
  if (!isTerminalStep(st)) return;
  st.retryAt = undefined;
  state.timed.delete(st.key);
  if (st.parent !== undefined) {
    const parent = step(state, st.parent);
    parent.childrenDone = (parent.childrenDone ?? 0) + 1;
    if ((st.status === 'failed' && !st.continued) || st.status === 'cancelled') {
      parent.childrenFailed = (parent.childrenFailed ?? 0) + 1;
    }
    if (parent.childrenDone === parent.items?.length && !isTerminalStep(parent)) state.joinable.push(parent.key);
    return;
  }
  state.open--;
  for (const dep of state.graph.dependents.get(st.stepId) ?? []) {
    const next = step(state, dep);
    next.remaining--;
    if (next.remaining === 0 && next.status === 'pending') ready(state, dep);
  }
}

/** All dependencies finished: queue the step if its trigger rule lets it run, else leave the skip to `decide`. */
function ready(state: RunState, id: string): void {
  const st = step(state, id);
  const spec = state.graph.byId.get(id);
  if (!spec) return;
  if (blockerOf(state, spec) !== undefined) {
    state.resolvable.push(id);
    return;
  }
  update(state, st, () => {
    st.status = 'queued';
  });
  enqueue(state, st);
}

function wakeTime(parameters: Record<string, unknown>, startedAt: number): number {
  if (typeof parameters.until === 'string') {
    const at = Date.parse(parameters.until);
    if (!Number.isNaN(at)) return at;
  }
  const seconds = Number(parameters.seconds ?? 0);
  return startedAt + (Number.isFinite(seconds) ? seconds : 0) * 1000;
}

export function step(state: RunState, key: string): StepState {
  const st = state.steps.get(key);
  if (!st) throw new Error(`engine: unknown step run '${key}' in run ${state.run.id}`);
  return st;
}
