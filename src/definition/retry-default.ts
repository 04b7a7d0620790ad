import type { RetryPolicy } from '../engine/types.js';

/** No retry unless asked; a declared policy starts from these values. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 1, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.2 };
