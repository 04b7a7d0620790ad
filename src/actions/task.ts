import type { Action } from './action.js';
import { approvalSpec, taskSpec, type ApprovalParameters, type TaskParameters } from './specs/task.js';

export type { ApprovalParameters, TaskParameters } from './specs/task.js';

/**
 * Work for a person or an AI agent: the run waits until someone completes the step with an
 * output (`cairn complete`). The engine keeps the waiting; nothing is dispatched here.
 */
export const taskAction: Action<TaskParameters> = {
  ...taskSpec,
  run() {
    return Promise.reject(new Error('task.run() was called: the engine keeps task steps waiting for `complete`, it never dispatches them'));
  },
};

/** A task whose answer is approve or reject (`cairn approve`); N-of-M with `required`. */
export const approvalAction: Action<ApprovalParameters> = {
  ...approvalSpec,
  run() {
    return Promise.reject(new Error('approval.run() was called: the engine keeps approval steps waiting for decisions, it never dispatches them'));
  },
};
