import type { Limits } from '../config/index.js';
import type { Diagnostic, ParsedDefinition } from '../definition/index.js';
import type { RunStatus } from '../engine/types.js';
import type { Store } from '../store/store.js';
import { CairnError } from './errors.js';

/*
 * The caps of `limits:` that the application checks (docs/configuration.md#limits): steps
 * per definition, parameters per run, unfinished runs at once. Output and log caps are the
 * runtime's (it sees the outputs and lines); the WebSocket cap is the server's.
 */

/** Statuses of a run that still holds resources (a row, a slot, perhaps a process). */
const UNFINISHED: readonly RunStatus[] = ['queued', 'running', 'waiting', 'rolling_back'];

/** DEF_TOO_MANY_STEPS when the definition has more steps than allowed. */
export function stepCount(parsed: ParsedDefinition, maxSteps: number): Diagnostic[] {
  const steps = parsed.workflow?.steps.length ?? (Array.isArray(parsed.data?.steps) ? parsed.data.steps.length : 0);
  if (steps <= maxSteps) return [];
  return [
    {
      severity: 'error',
      code: 'DEF_TOO_MANY_STEPS',
      message: `the workflow has ${steps} steps; the limit is ${maxSteps} (limits.max_steps)`,
      path: ['steps'],
      ...(parsed.path !== undefined ? { file: parsed.path } : {}),
      fix: 'split it into sub-workflows (`command: workflow`), or raise limits.max_steps in cairn.yaml',
    },
  ];
}

/**
 * Refuses a new run whose parameters are too large (PARAMETERS_TOO_LARGE) or that would
 * pass the cap on unfinished runs (TOO_MANY_RUNS). The count is read just before the run is
 * created: starts racing each other in several processes may pass it by a few.
 */
export async function admitRun(store: Store, limits: Limits, parameters: Record<string, unknown>): Promise<void> {
  const bytes = Buffer.byteLength(JSON.stringify(parameters));
  if (bytes > limits.maxParametersBytes) {
    throw new CairnError('PARAMETERS_TOO_LARGE', `the parameters are ${bytes} bytes as JSON; the limit is ${limits.maxParametersBytes} (limits.max_parameters_bytes): pass large data by reference (a path or URL)`, {
      bytes,
      limit: limits.maxParametersBytes,
    });
  }
  const max = limits.maxConcurrentRuns;
  if (max === undefined) return;
  const counts = await store.countRuns();
  const active = UNFINISHED.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
  if (active >= max) {
    throw new CairnError('TOO_MANY_RUNS', `${active} runs are unfinished; the limit is ${max} (limits.max_concurrent_runs): wait for some to finish, or cancel some`, { active, limit: max });
  }
}
