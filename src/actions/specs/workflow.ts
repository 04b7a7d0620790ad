import { z } from 'zod';
import type { ActionSpec } from '../spec.js';

export const workflowParameters = z.strictObject({
  workflow: z
    .string()
    .min(1)
    .describe('The child workflow: a file path relative to this definition file, or the id of a workflow an earlier run stored.'),
  parameters: z.record(z.string(), z.unknown()).optional().describe("The child run's parameters (templates allowed), checked against what the child declares."),
});

export type WorkflowParameters = z.infer<typeof workflowParameters>;

/**
 * `mutates` is false: the child's own steps are what change the world, and its own
 * validation asks them for rollbacks.
 */
export const workflowSpec: ActionSpec<WorkflowParameters> = {
  name: 'workflow',
  summary: "Run another workflow as a child run and wait for it; its outputs become the step's outputs.",
  parameters: workflowParameters,
  mutates: false,
};
