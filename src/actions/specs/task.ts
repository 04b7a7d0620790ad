import { z } from 'zod';
import { lazySpec, type ActionSpec } from '../spec.js';

function onTimeout() {
  return z.enum(['fail', 'escalate', 'continue']).describe('What happens at the step timeout: fail (default), escalate to `escalate_to`, or continue without an answer.');
}

function taskParameters() {
  return z.looseObject({
    instructions: z.string().optional().describe('What the person or agent must do (templates allowed).'),
    assignee: z.string().optional().describe('Who should do it: a name, a role, or `agent`.'),
    output_schema: z.record(z.string(), z.unknown()).optional().describe('JSON Schema the output must satisfy; a non-matching output is refused and the task stays open.'),
    on_timeout: onTimeout().optional(),
    escalate_to: z.string().optional().describe('Who takes over when the task times out with on_timeout: escalate.'),
  });
}

export type TaskParameters = z.infer<ReturnType<typeof taskParameters>>;

/** Unknown parameters are kept and shown to whoever completes the task. */
export const taskSpec: ActionSpec<TaskParameters> = lazySpec(
  {
    name: 'task',
    summary: 'Wait for a person or an agent to do something and complete the step with an output.',
    mutates: false,
  },
  taskParameters,
);

function approvalParameters() {
  return z.strictObject({
    instructions: z.string().optional().describe('What the approvers should check (templates allowed).'),
    required: z.int().min(1).optional().describe('How many distinct people must approve (default 1).'),
    approvers: z.array(z.string()).optional().describe('Who may approve (names; roles arrive with API keys).'),
    self_approval: z.boolean().optional().describe('May the person who started the run approve it? (default true)'),
    assignee: z.string().optional().describe('Who is asked, if not the approvers.'),
    on_timeout: onTimeout().optional(),
    escalate_to: z.string().optional(),
  });
}

export type ApprovalParameters = z.infer<ReturnType<typeof approvalParameters>>;

export const approvalSpec: ActionSpec<ApprovalParameters> = lazySpec(
  {
    name: 'approval',
    summary: 'Wait for approvals (N of M); a rejection fails the step.',
    mutates: false,
  },
  approvalParameters,
);
