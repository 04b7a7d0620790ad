import { WORKER_COMMANDS, workerLabels } from '../engine/placement.js';
import { secretNames } from '../expressions/secret-names.js';
import type { Workflow } from '../engine/types.js';
import type { Diagnostic } from './diagnostic.js';

/**
 * Standard level: `runs_on` only on steps a worker can run. A task, an approval or a child
 * workflow lives in the engine node that holds the run; sending it to a worker would make
 * it wait forever.
 */
export function checkPlacement(workflow: Workflow): Diagnostic[] {
  const out: Diagnostic[] = [];
  workflow.steps.forEach((step, i) => {
    const secrets = workerLabels(workflow, step) !== undefined ? secretNames(step.parameters) : [];
    if (secrets.length > 0) {
      // A task's parameters are stored for the worker to read: a secret's value must not be.
      out.push({
        severity: 'error',
        code: 'DEF_RUNS_ON',
        message: `step '${step.id}' reads secrets (${secrets.join(', ')}) and would run on a worker; steps that read secrets run on the engine node`,
        path: step.runsOn !== undefined ? ['steps', i, 'runs_on'] : ['runs_on'],
        fix: step.runsOn !== undefined ? 'remove runs_on from this step' : "drop the workflow's runs_on and set runs_on on the steps that should run on workers",
      });
      return;
    }
    if (step.runsOn === undefined || WORKER_COMMANDS.has(step.command)) return;
    out.push({
      severity: 'error',
      code: 'DEF_RUNS_ON',
      message: `step '${step.id}' runs '${step.command}', which only the engine node can run, so it cannot have runs_on; workers run ${[...WORKER_COMMANDS].join(', ')}`,
      path: ['steps', i, 'runs_on'],
      fix: 'remove runs_on from this step',
    });
  });
  return out;
}
