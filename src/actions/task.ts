import { z } from 'zod';
import type { Action } from './action.js';

const onTimeout = z.enum(['fail', 'escalate', 'continue']).describe('What happens at the step timeout: fail (default), escalate to `escalate_to`, or continue without an answer.');

const taskParameters = z.looseObject({
  instructions: z.string().optional().describe('What the person or agent must do (templates allowed).'),
  assignee: z.string().optional().describe('Who should do it: a name, a role, or `agent`.'),
  output_schema: z.record(z.string(), z.unknown()).optional().describe('JSON Schema the output must satisfy; a non-matching output is refused and the task stays open.'),
  on_timeout: onTimeout.optional(),
  escalate_to: z.string().optional().describe('Who takes over when the task times out with on_timeout: escalate.'),
});

export type TaskParameters = z.infer<typeof taskParameters>;

/**
 * Work for a person or an AI agent: the run waits until someone completes the step with an
 * output (`cairn complete`). The engine keeps the waiting; nothing is dispatched here.
 * Unknown parameters are kept and shown to whoever completes the task.
 */
export const taskAction: Action<TaskParameters> = {
  name: 'task',
  summary: 'Wait for a person or an agent to do something and complete the step with an output.',
  parameters: taskParameters,
  mutates: false,
  run() {
    return Promise.reject(new Error('task.run() was called: the engine keeps task steps waiting for `complete`, it never dispatches them'));
  },
};

const approvalParameters = z.strictObject({
  instructions: z.string().optional().describe('What the approvers should check (templates allowed).'),
  required: z.int().min(1).optional().describe('How many distinct people must approve (default 1).'),
  approvers: z.array(z.string()).optional().describe('Who may approve (names; roles arrive with API keys).'),
  self_approval: z.boolean().optional().describe('May the person who started the run approve it? (default true)'),
  assignee: z.string().optional().describe('Who is asked, if not the approvers.'),
  on_timeout: onTimeout.optional(),
  escalate_to: z.string().optional(),
});

export type ApprovalParameters = z.infer<typeof approvalParameters>;

/** A task whose answer is approve or reject (`cairn approve`); N-of-M with `required`. */
export const approvalAction: Action<ApprovalParameters> = {
  name: 'approval',
  summary: 'Wait for approvals (N of M); a rejection fails the step.',
  parameters: approvalParameters,
  mutates: false,
  run() {
    return Promise.reject(new Error('approval.run() was called: the engine keeps approval steps waiting for decisions, it never dispatches them'));
  },
};
