import { z } from 'zod';
import { ActionFailure, type Action } from './action.js';

export const workflowParameters = z.strictObject({
  workflow: z
    .string()
    .min(1)
    .describe('The child workflow: a file path relative to this definition file, or the id of a workflow an earlier run stored.'),
  parameters: z.record(z.string(), z.unknown()).optional().describe("The child run's parameters (templates allowed), checked against what the child declares."),
});

export type WorkflowParameters = z.infer<typeof workflowParameters>;

/**
 * A sub-workflow: the step starts a child run and waits for it; the child's outputs become
 * the step's outputs. The runtime carries these steps itself (src/runtime/subworkflow.ts),
 * because starting a run needs the store and the definition loader; this file only
 * declares the parameters, so validation and the JSON Schema know the command.
 * `mutates` is false: the child's own steps are what change the world, and its own
 * validation asks them for rollbacks.
 */
export const workflowAction: Action<WorkflowParameters> = {
  name: 'workflow',
  summary: "Run another workflow as a child run and wait for it; its outputs become the step's outputs.",
  parameters: workflowParameters,
  mutates: false,
  run() {
    // Reached only through a step's `rollback:`: compensations run actions directly.
    return Promise.reject(new ActionFailure('a sub-workflow can run as a step, not yet as a rollback: undo with a shell, http or notify step', 'CHILD_UNAVAILABLE', {}, false));
  },
};
