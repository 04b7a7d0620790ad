import { approvalProblem } from '../engine/task.js';
import type { OpenTask } from '../engine/types.js';
import { deliver } from './delivery.js';
import { CairnError } from './errors.js';
import { currentUser } from './current-user.js';
import { checkOutput } from './output-schema.js';
import { unfinished, waitingIn, type RunAccess, type RunView } from './run-access.js';

/*
 * People (and agents) in the loop: open tasks and approvals, and the answers to them,
 * signals, pause. Each answer is checked here against the run's state, then delivered to
 * whichever process holds the run (delivery.ts); the engine records it as an event.
 */

/** Tasks and approvals waiting for someone: of one run, or of every unfinished run. */
export async function openTasks(a: RunAccess, idOrPrefix?: string): Promise<OpenTask[]> {
  const ids = idOrPrefix ? [await a.resolveRunId(idOrPrefix)] : (await a.store.listRuns({ status: ['running', 'waiting'], limit: 500 })).map((r) => r.id);
  const out: OpenTask[] = [];
  for (const id of ids) {
    const state = await a.stateOf(id);
    for (const st of state.steps.values()) {
      if (st.status === 'waiting' && st.task) {
        out.push({ ...st.task, runId: id, workflowId: state.run.workflowId, workflowName: state.run.workflowName, step: st.key, approvedBy: st.approvedBy ?? [] });
      }
    }
  }
  return out;
}

/** Complete a waiting task with its output (checked against the task's output_schema). */
export async function completeTask(a: RunAccess, idOrPrefix: string, step: string, opts: { output?: Record<string, unknown>; by?: string } = {}): Promise<RunView> {
  const id = await a.resolveRunId(idOrPrefix);
  const by = opts.by ?? currentUser();
  const output = opts.output ?? {};
  const bytes = Buffer.byteLength(JSON.stringify(output));
  if (bytes > a.config.limits.maxOutputBytes) {
    throw new CairnError('OUTPUT_TOO_LARGE', `the output is ${bytes} bytes as JSON; the limit is ${a.config.limits.maxOutputBytes} (limits.max_output_bytes)`, { bytes, limit: a.config.limits.maxOutputBytes });
  }
  const st = await waitingIn(await unfinished(a, id), id, step);
  if (st.task?.kind !== 'task') throw new CairnError('TASK_NOT_OPEN', `step '${step}' waits for ${st.task ? 'an approval: use approve' : 'a timer or signal, not a task'}`);
  await checkOutput(step, st.task.outputSchema, output);
  await deliver(a.delivery(), id, { type: 'complete', step, by, output }, { runId: id, type: 'complete', data: { step, output }, by }, (e) => e.type === 'TaskCompleted' && e.data.step === step);
  return a.getRun(id);
}

/** Approve (or reject) a waiting approval as `by`. */
export async function approveStep(a: RunAccess, idOrPrefix: string, step: string, opts: { approve?: boolean; comment?: string; by?: string } = {}): Promise<RunView> {
  const id = await a.resolveRunId(idOrPrefix);
  const by = opts.by ?? currentUser();
  const approve = opts.approve !== false;
  const state = await a.stateOf(id);
  const st = waitingIn(state, id, step);
  if (st.task?.kind !== 'approval') throw new CairnError('TASK_NOT_OPEN', `step '${step}' waits for ${st.task ? 'a task to be completed: use complete' : 'a timer or signal, not an approval'}`);
  const problem = approvalProblem(state.run, st, by, approve);
  if (problem) throw new CairnError('NOT_ALLOWED', problem, { step, by });
  const comment = opts.comment !== undefined ? { comment: opts.comment } : {};
  await deliver(
    a.delivery(),
    id,
    { type: 'approve', step, by, approve, ...comment },
    { runId: id, type: 'approve', data: { step, approve, ...comment }, by },
    (e) => (e.type === 'ApprovalGranted' || e.type === 'ApprovalRejected') && e.data.step === step && e.data.by === by,
  );
  return a.getRun(id);
}

/** Send a signal to a run; `wait` steps with `signal: NAME` receive it (kept if none waits yet). */
export async function sendSignal(a: RunAccess, idOrPrefix: string, name: string, opts: { data?: unknown; by?: string } = {}): Promise<RunView> {
  const id = await a.resolveRunId(idOrPrefix);
  await unfinished(a, id);
  const by = opts.by ?? currentUser();
  const data = opts.data !== undefined ? { data: opts.data } : {};
  await deliver(a.delivery(), id, { type: 'signal', name, by, ...data }, { runId: id, type: 'signal', data: { name, ...data }, by }, (e) => e.type === 'SignalReceived' && e.data.name === name);
  return a.getRun(id);
}

/** Stop starting new steps (running ones finish), or start again. */
export async function setPaused(a: RunAccess, idOrPrefix: string, opts: { by?: string; resume?: boolean } = {}): Promise<RunView> {
  const id = await a.resolveRunId(idOrPrefix);
  const state = await unfinished(a, id);
  const by = opts.by ?? currentUser();
  const type = opts.resume ? 'unpause' : 'pause';
  if ((state.run.paused === true) === !opts.resume) return a.getRun(id);
  await deliver(a.delivery(), id, { type, by }, { runId: id, type, data: {}, by }, (e) => e.type === (opts.resume ? 'RunUnpaused' : 'RunPaused'));
  return a.getRun(id);
}

