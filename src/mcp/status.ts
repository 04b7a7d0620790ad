import type { Cairn, Run, RunView } from '../app/index.js';
import { runGuide, type GateView, type GuideTask, type PhaseView, type RunGuide } from '../app/guide.js';
import type { Principal } from './context.js';

/** A task as the agent sees it: what to do, for whom, and the call that answers it. */
export interface TaskView {
  step: string;
  kind: 'task' | 'approval';
  phase?: string;
  /** Assigned to `agent` or to the caller by name. */
  for_you: boolean;
  assignee?: string;
  instructions?: string;
  output_schema?: Record<string, unknown>;
  approvers?: string[];
  required?: number;
  approved_by: string[];
  due_at?: string;
  details?: Record<string, unknown>;
  answer_with: { tool: string; arguments: Record<string, unknown> };
}

export interface NextHint {
  /** The tool to call next; absent when nothing is left to do. */
  tool?: string;
  arguments?: Record<string, unknown>;
  why: string;
}

/** What workflow_status answers: the agent's guide through a run. */
export interface StatusView {
  execution_id: string;
  workflow: { id: string; name: string };
  status: Run['status'];
  paused: boolean;
  started_by?: string;
  created_at: string;
  finished_at?: string;
  phases?: { current?: string; list: PhaseView[] };
  open_tasks: TaskView[];
  gates: GateView[];
  steps: Array<{ step: string; phase?: string; command?: string; status: string; attempts: number; reason?: string }>;
  next: NextHint;
  /** Produced by the run: outputs and errors, to read as data. */
  data: { run_outputs?: Record<string, unknown>; run_error?: unknown; step_outputs: Record<string, unknown>; step_errors: Record<string, unknown> };
}

export async function statusOf(cairn: Cairn, id: string, who: Principal): Promise<StatusView> {
  const view = await cairn.getRun(id);
  return statusView(view, runGuide(view, await cairn.openTasks(view.run.id)), who);
}

function statusView(view: RunView, guide: RunGuide, who: Principal): StatusView {
  const { run } = view;
  const taskViews = guide.tasks.map((t) => taskView(run.id, t, who));
  const stepOutputs: Record<string, unknown> = {};
  const stepErrors: Record<string, unknown> = {};
  for (const st of view.steps) {
    if (st.outputs && Object.keys(st.outputs).length > 0) stepOutputs[st.key] = st.outputs;
    if (st.error) stepErrors[st.key] = st.error;
  }
  return {
    execution_id: run.id,
    workflow: { id: run.workflowId, name: run.workflowName },
    status: run.status,
    paused: run.paused === true,
    ...(run.startedBy !== undefined ? { started_by: run.startedBy } : {}),
    created_at: new Date(run.createdAt).toISOString(),
    ...(run.finishedAt !== undefined ? { finished_at: new Date(run.finishedAt).toISOString() } : {}),
    ...(guide.phases.length > 0 ? { phases: { ...(guide.currentPhase !== undefined ? { current: guide.currentPhase } : {}), list: guide.phases } } : {}),
    open_tasks: taskViews,
    gates: guide.gates,
    steps: guide.steps.map((st) => ({
      step: st.key,
      ...(st.phase !== undefined ? { phase: st.phase } : {}),
      ...(st.command !== undefined ? { command: st.command } : {}),
      status: st.status,
      attempts: st.attempts,
      ...(st.reason !== undefined ? { reason: st.reason } : {}),
    })),
    next: nextHint(view, taskViews, guide.gates),
    data: {
      ...(run.outputs ? { run_outputs: run.outputs } : {}),
      ...(run.error ? { run_error: run.error } : {}),
      step_outputs: stepOutputs,
      step_errors: stepErrors,
    },
  };
}

function taskView(runId: string, t: GuideTask, who: Principal): TaskView {
  const forYou = t.assignee === 'agent' || (t.assignee !== undefined && t.assignee === who.name);
  const answerWith =
    t.kind === 'approval'
      ? { tool: 'workflow_approve', arguments: { execution_id: runId, step: t.step, approve: true } }
      : { tool: 'workflow_step_complete', arguments: { execution_id: runId, step: t.step, output: t.outputSchema ? '<an object that satisfies output_schema>' : {} } };
  return {
    step: t.step,
    kind: t.kind,
    ...(t.phase !== undefined ? { phase: t.phase } : {}),
    for_you: forYou,
    ...(t.assignee !== undefined ? { assignee: t.assignee } : {}),
    ...(t.instructions !== undefined ? { instructions: t.instructions } : {}),
    ...(t.outputSchema !== undefined ? { output_schema: t.outputSchema } : {}),
    ...(t.approvers !== undefined ? { approvers: t.approvers } : {}),
    ...(t.required !== undefined ? { required: t.required } : {}),
    approved_by: t.approvedBy,
    ...(t.dueAt !== undefined ? { due_at: new Date(t.dueAt).toISOString() } : {}),
    ...(t.details !== undefined ? { details: t.details } : {}),
    answer_with: answerWith,
  };
}

/** What to call next, from the run's state: the engine decides what is open, this only points at it. */
function nextHint(view: RunView, tasks: TaskView[], gates: GateView[]): NextHint {
  const { run } = view;
  const id = run.id;
  const holding = gates.find((g) => g.state === 'holding');
  switch (run.status) {
    case 'succeeded':
      return { why: 'The run succeeded: every step is done. Nothing is left to do.' };
    case 'failed': {
      if (holding) {
        return { tool: 'workflow_retry', arguments: { execution_id: id, step: holding.step }, why: `Gate '${holding.step}' holds (see gates for its evidence): fix what it reports, then retry the run from the gate.` };
      }
      const failed = view.steps.find((st) => st.status === 'failed');
      return {
        tool: 'workflow_retry',
        arguments: { execution_id: id, ...(failed ? { step: failed.key } : {}) },
        why: `The run failed${failed ? ` at step '${failed.key}'` : ''}: fix the cause and retry it, or undo what it did with workflow_rollback.`,
      };
    }
    case 'cancelled':
    case 'rolled_back':
    case 'rollback_failed':
      return { why: `The run is ${run.status.replace('_', ' ')}. Start a new run with workflow_execute if the work is still needed.` };
    default:
      break;
  }
  if (run.paused) return { tool: 'workflow_status', arguments: { execution_id: id }, why: 'The run is paused: no new step starts until someone unpauses it.' };
  const mine = tasks.find((t) => t.for_you && t.kind === 'task');
  if (mine) {
    return {
      tool: 'workflow_step_complete',
      arguments: mine.answer_with.arguments,
      why: `Task '${mine.step}'${mine.phase ? ` (phase ${mine.phase})` : ''} is yours: do what its instructions say, then complete it with an output${mine.output_schema ? ' that satisfies its output_schema' : ''}.`,
    };
  }
  const approval = tasks.find((t) => t.kind === 'approval');
  if (approval) {
    const who = approval.approvers && approval.approvers.length > 0 ? approval.approvers.join(', ') : 'a person with the operator role';
    return {
      tool: 'workflow_status',
      arguments: { execution_id: id },
      why: `Approval '${approval.step}' is open for ${who}: ask them to review and approve (workflow_approve). The run waits; check back with workflow_status.`,
    };
  }
  const other = tasks[0];
  if (other) return { tool: 'workflow_status', arguments: { execution_id: id }, why: `Task '${other.step}' waits for ${other.assignee ?? 'a person'}; check back with workflow_status.` };
  const busy = view.steps.filter((st) => st.status === 'running' || st.status === 'queued' || st.status === 'retrying').map((st) => st.key);
  return {
    tool: 'workflow_status',
    arguments: { execution_id: id },
    why: busy.length > 0 ? `Steps are running (${busy.join(', ')}): check again shortly, or subscribe to cairn://runs/${id}.` : 'The run is waiting (a timer or a signal): check again later.',
  };
}
