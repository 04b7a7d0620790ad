import type { StepSpec, Workflow } from './types.js';

/**
 * Commands that need nothing of the engine node but their parameters, so a worker can run
 * them (`runs_on`, docs/cluster.md). The others wait for people, read the run's state or
 * start child runs, which only the node holding the run can do.
 */
export const WORKER_COMMANDS: ReadonlySet<string> = new Set(['shell', 'http', 'mcp', 'notify', 'log', 'wait']);

/** Where a step runs: the labels a worker needs ([] = any worker), or undefined for the engine node. */
export function workerLabels(workflow: Pick<Workflow, 'runsOn'>, spec: Pick<StepSpec, 'runsOn' | 'command'>): string[] | undefined {
  return spec.runsOn ?? (WORKER_COMMANDS.has(spec.command) ? workflow.runsOn : undefined);
}
