import type { StepState } from './state.js';
import type { Run, StepSpec, TaskRequest } from './types.js';

/**
 * What a `task` or `approval` step asks for, from its (resolved) parameters. Fields the
 * step carries that Cairn does not know (e.g. `enforcement`, `validation` in older
 * runbooks) are passed along as details for whoever acts.
 */
export function taskRequest(spec: StepSpec, parameters: Record<string, unknown>, now: number): TaskRequest {
  const kind = spec.command === 'approval' ? 'approval' : 'task';
  const task: TaskRequest = { kind };
  const instructions = text(parameters.instructions) ?? spec.description;
  if (instructions !== undefined) task.instructions = instructions;
  const assignee = text(parameters.assignee);
  if (assignee !== undefined) task.assignee = assignee;
  if (isObject(parameters.output_schema)) task.outputSchema = parameters.output_schema;
  if (kind === 'approval') {
    // Templates may resolve to strings ("2", "ann"): read them as meant, never as "anyone".
    const required = typeof parameters.required === 'string' ? Number(parameters.required) : parameters.required;
    task.required = typeof required === 'number' && required >= 1 ? Math.floor(required) : 1;
    const approvers = typeof parameters.approvers === 'string' ? [parameters.approvers] : parameters.approvers;
    if (Array.isArray(approvers)) task.approvers = approvers.filter((a): a is string => typeof a === 'string');
    task.selfApproval = parameters.self_approval !== false && parameters.self_approval !== 'false';
  }
  if (spec.timeoutSeconds !== undefined) task.dueAt = now + spec.timeoutSeconds * 1000;
  const onTimeout = parameters.on_timeout;
  if (onTimeout === 'fail' || onTimeout === 'escalate' || onTimeout === 'continue') task.onTimeout = onTimeout;
  const escalateTo = text(parameters.escalate_to);
  if (escalateTo !== undefined) task.escalateTo = escalateTo;
  if (Object.keys(spec.extras).length > 0) task.details = { ...spec.extras };
  return task;
}

/**
 * Why `by` may not decide this approval, or undefined when they may. Names in `approvers`
 * are matched exactly; roles arrive with API keys in a later release.
 */
export function approvalProblem(run: Run, st: StepState, by: string, approving = true): string | undefined {
  const task = st.task;
  if (!task || task.kind !== 'approval') return `step '${st.key}' is not waiting for an approval`;
  // Escalating an approval hands it to `escalate_to`, who may then decide it.
  const escalatedTo = task.escalateTo !== undefined && task.assignee === task.escalateTo ? task.escalateTo : undefined;
  if (task.approvers && task.approvers.length > 0 && !task.approvers.includes(by) && by !== escalatedTo) {
    return `${by} is not among the approvers of '${st.key}' (${task.approvers.join(', ')})`;
  }
  // Rejecting stays open to everyone allowed to decide: only approving needs another person.
  if (!approving) return undefined;
  if (task.selfApproval === false && run.startedBy === by) {
    return `${by} started this run and may not approve it (self_approval: false)`;
  }
  if ((st.approvedBy ?? []).includes(by)) return `${by} has already approved '${st.key}'`;
  return undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
