import type { RetryPolicy } from './types.js';

/**
 * Delay before attempt `failedAttempt + 1`. `random` is injected (a number in [0, 1)) so the
 * engine stays deterministic under test; jitter subtracts up to `jitter` of the delay so a
 * herd of retries spreads out without ever waiting longer than the cap.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: number): number {
  const base =
    policy.backoff === 'fixed'
      ? policy.initialDelayMs
      : policy.initialDelayMs * 2 ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(base, policy.maxDelayMs);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(capped * (1 - jitter * random));
}
