import type { StepFailure } from './analytics-run.js';

/** A step that failed, how often, and what it said most often. */
export interface FailingStep {
  step: string;
  /** Failed attempts, retried ones included. */
  failures: number;
  /** Failures the engine gave up on (the step failed for good). */
  finalFailures: number;
  errors: ErrorCount[];
}

export interface ErrorCount {
  code: string;
  message: string;
  count: number;
}

/** Long messages (a command's stderr) are grouped by their start, shown up to this many characters. */
const MESSAGE_CHARS = 200;

/** The steps that fail most (by failed attempts), each with its most frequent errors. */
export function failingSteps(failures: Iterable<StepFailure>, opts: { steps: number; errors: number }): FailingStep[] {
  const by = new Map<string, { failures: number; final: number; errors: Map<string, ErrorCount> }>();
  for (const f of failures) {
    const entry = by.get(f.step) ?? { failures: 0, final: 0, errors: new Map<string, ErrorCount>() };
    entry.failures += 1;
    if (f.final) entry.final += 1;
    const message = oneLine(f.error.message);
    const key = `${f.error.code}\u0000${message}`;
    const count = entry.errors.get(key) ?? { code: f.error.code, message, count: 0 };
    count.count += 1;
    entry.errors.set(key, count);
    by.set(f.step, entry);
  }
  return [...by]
    .map(([step, e]) => ({
      step,
      failures: e.failures,
      finalFailures: e.final,
      errors: [...e.errors.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code) || a.message.localeCompare(b.message)).slice(0, opts.errors),
    }))
    .sort((a, b) => b.failures - a.failures || b.finalFailures - a.finalFailures || a.step.localeCompare(b.step))
    .slice(0, opts.steps);
}

function oneLine(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length > MESSAGE_CHARS ? `${flat.slice(0, MESSAGE_CHARS - 1)}…` : flat;
}
