import { ActionFailure, type Action } from './action.js';
import { workflowSpec, type WorkflowParameters } from './specs/workflow.js';

export { workflowParameters, type WorkflowParameters } from './specs/workflow.js';

/**
 * A sub-workflow: the step starts a child run and waits for it; the child's outputs become
 * the step's outputs. The runtime carries these steps itself (src/runtime/subworkflow.ts),
 * because starting a run needs the store and the definition loader; this file only
 * declares the parameters (specs/workflow.ts), so validation and the JSON Schema know
 * the command.
 */
export const workflowAction: Action<WorkflowParameters> = {
  ...workflowSpec,
  run() {
    // Reached only through a step's `rollback:`: compensations run actions directly.
    return Promise.reject(new ActionFailure('a sub-workflow can run as a step, not yet as a rollback: undo with a shell, http or notify step', 'CHILD_UNAVAILABLE', {}, false));
  },
};
