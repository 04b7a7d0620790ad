import { mergeParameters, resolveCommand, type Config } from '../config/index.js';
import type { Workflow } from '../engine/types.js';

/**
 * Steps written with a configured command name (`hv-delegate`) become their built-in
 * (`task`) with the preset parameters merged under theirs, before validation and before
 * the engine sees them: a named command behaves exactly like the built-in it uses.
 * Default timeouts and retry policies apply here too, to steps that run an action and
 * set none.
 */
export function applyConfig(workflow: Workflow, config: Config): void {
  for (const step of workflow.steps) {
    const resolved = resolveCommand(config, step.command);
    if (resolved) {
      step.named = step.command;
      step.command = resolved.builtin;
      step.parameters = mergeParameters(resolved.preset, step.parameters);
    }
    const waitsForPeople = step.command === 'task' || step.command === 'approval' || step.command === 'wait';
    if (step.timeoutSeconds === undefined && config.defaults.timeoutSeconds !== undefined && !waitsForPeople) {
      step.timeoutSeconds = config.defaults.timeoutSeconds;
    }
    if (!step.retryDeclared && config.defaults.retry !== undefined && !waitsForPeople) step.retry = { ...config.defaults.retry };
  }
}
