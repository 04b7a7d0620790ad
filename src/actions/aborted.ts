import { ActionFailure } from './action.js';

/** The failure of a step stopped by its abort signal (cancel or timeout). */
export function abortedFailure(reason: unknown, details: Record<string, unknown> = {}): ActionFailure {
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted';
  return new ActionFailure(`step aborted: ${why}`, 'ABORTED', { reason: why, ...details });
}
