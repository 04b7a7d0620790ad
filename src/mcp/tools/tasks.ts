import { z } from 'zod';
import { CairnError, TERMINAL_RUN_STATUSES } from '../../app/index.js';
import { executionId, stepKey } from '../arguments.js';
import type { McpContext } from '../context.js';
import { answer } from '../result.js';
import { statusOf, type StatusView } from '../status.js';
import { tool, type AnyTool } from '../tool.js';

/** Answering what a run waits for: approvals and tasks (the agent's work). */
export const taskTools: AnyTool[] = [
  tool({
    name: 'workflow_approve',
    title: 'Approve or reject an approval',
    description:
      'Decide an approval a run waits for (an `approval` step, a phase\'s approval such as BLUEPRINT-approval, or the ' +
      'run-wide `approve`): approve: true lets the run go on, false rejects it (the step and the run fail). The decision is ' +
      'recorded with your name and comment. Only listed approvers may decide; whoever started the run may not approve it when ' +
      'self_approval is false; nobody approves twice. Approvals are for people to decide: do not approve your own work ' +
      'unless the person you work for asked you to. `step` may be left out when exactly one approval is open. Returns the ' +
      'run\'s status (as workflow_status does) after the decision.',
    input: z.strictObject({
      execution_id: executionId,
      step: stepKey.optional().describe('The approval step (default: the only open approval)'),
      approve: z.boolean().optional().describe('false rejects (default true)'),
      comment: z.string().max(2000).optional().describe('Recorded with the decision'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    access: 'operator',
    handler: async (args, ctx) => {
      const step = args.step ?? (await onlyOpenApproval(ctx, args.execution_id));
      const approve = args.approve !== false;
      const view = await ctx.cairn.approve(args.execution_id, step, { approve, by: ctx.principal.name, ...(args.comment !== undefined ? { comment: args.comment } : {}) });
      const status = await statusOf(ctx.cairn, view.run.id, ctx.principal);
      const st = view.steps.find((s) => s.key === step);
      const what = !approve ? `Rejected '${step}'` : st?.status === 'succeeded' ? `Approved '${step}'` : `Approval of '${step}' recorded (more approvals needed)`;
      return answer(`${what}; run ${status.execution_id} is ${status.status}. ${nextLine(status)}`, { decided: { step, approve }, ...status });
    },
  }),
  tool({
    name: 'workflow_step_complete',
    title: 'Complete a task',
    description:
      'Complete a task a run waits for (a `task` step; tasks with assignee "agent" are yours) with its output, a JSON object ' +
      'that must satisfy the task\'s output_schema (see workflow_status: open_tasks). An output that does not is refused ' +
      'with the reasons (OUTPUT_INVALID) and the task stays open: fix it and call again. Only a task that is open now can be ' +
      'completed: a task of a phase that has not started is refused (TASK_NOT_OPEN); the engine, not you, decides when the ' +
      'next phase starts. The output becomes the step\'s outputs, read by later steps. Returns the run\'s status (as ' +
      'workflow_status does) after completing, with the next thing to do.',
    input: z.strictObject({
      execution_id: executionId,
      step: stepKey,
      output: z.record(z.string(), z.unknown()).optional().describe('The result of the task: a JSON object satisfying its output_schema (default {})'),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    access: 'operator',
    handler: async (args, ctx) => {
      const view = await ctx.cairn.complete(args.execution_id, args.step, { by: ctx.principal.name, ...(args.output ? { output: args.output } : {}) });
      const status = await statusOf(ctx.cairn, view.run.id, ctx.principal);
      return answer(`Completed '${args.step}'; run ${status.execution_id} is ${status.status}${status.phases?.current ? `, phase ${status.phases.current}` : ''}. ${nextLine(status)}`, { completed: args.step, ...status });
    },
  }),
];

async function onlyOpenApproval(ctx: McpContext, run: string): Promise<string> {
  const open = (await ctx.cairn.openTasks(run)).filter((t) => t.kind === 'approval');
  const only = open[0];
  if (open.length === 1 && only) return only.step;
  if (open.length === 0) {
    const { run: now } = await ctx.cairn.getRun(run);
    if (TERMINAL_RUN_STATUSES.includes(now.status)) throw new CairnError('RUN_FINISHED', `run ${now.id} already ${now.status}`, { status: now.status });
    throw new CairnError('TASK_NOT_OPEN', `run ${now.id} has no open approval now; workflow_status shows what it waits for`);
  }
  throw new CairnError('USAGE', `run ${run} has ${open.length} open approvals (${open.map((t) => t.step).join(', ')}): name one with step`);
}

function nextLine(s: StatusView): string {
  return s.next.tool ? `Next: ${s.next.tool}: ${s.next.why}` : s.next.why;
}
