import type { DeliveryAttempt, DeliveryUpdate } from '../store/records.js';

/*
 * What one delivery attempt's result means for the delivery: delivered, try again later,
 * give up, or stop for good. Pure: the clock and the random number come in as arguments.
 */

export interface RetrySchedule {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt (before jitter); doubles after each failure. */
  baseDelayMs: number;
  /** The longest delay between two attempts. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySchedule = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 3_600_000 };

/** What the receiver did, or why nothing was sent. */
export type AttemptResult =
  | { kind: 'answered'; status: number; location?: string; excerpt?: string }
  /** Network error, timeout, DNS failure: worth another try. */
  | { kind: 'error'; error: string }
  /** Not sent and never will be (the address is refused, the webhook is disabled). */
  | { kind: 'refused'; error: string; stop?: boolean };

export type AttemptOutcome = 'delivered' | 'retrying' | 'failed' | 'stopped';

export interface Settlement {
  outcome: AttemptOutcome;
  update: DeliveryUpdate;
  /** The receiver asked (410 Gone) that nothing more be sent to this webhook. */
  disableWebhook?: string;
}

/**
 * Exponential backoff with full jitter (a uniformly random wait up to the capped
 * exponential delay), so receivers that come back after an outage are not hit by every
 * sender at once. `failures` counts the attempts so far (1 after the first failed).
 */
export function retryDelayMs(schedule: RetrySchedule, failures: number, random: number): number {
  const exponential = schedule.baseDelayMs * 2 ** Math.max(0, failures - 1);
  return Math.round(Math.min(exponential, schedule.maxDelayMs) * random);
}

/**
 * `attemptsBefore` is how many attempts the delivery had before this one; `at` when this
 * one began and `ms` how long it took.
 */
export function settle(result: AttemptResult, attemptsBefore: number, at: number, ms: number, schedule: RetrySchedule, random: number): Settlement {
  const attempt = record(result, at, ms);
  const end = at + attempt.ms;
  if (result.kind === 'answered' && result.status >= 200 && result.status < 300) return { outcome: 'delivered', update: { status: 'delivered', nextAt: end, attempt } };
  if (result.kind === 'answered' && result.status === 410) {
    return { outcome: 'stopped', update: { status: 'stopped', nextAt: end, attempt }, disableWebhook: 'the receiver answered 410 Gone' };
  }
  if (result.kind === 'refused') return { outcome: result.stop ? 'stopped' : 'failed', update: { status: result.stop ? 'stopped' : 'failed', nextAt: end, attempt } };
  const attempts = attemptsBefore + 1;
  if (attempts >= schedule.maxAttempts) return { outcome: 'failed', update: { status: 'failed', nextAt: end, attempt } };
  return { outcome: 'retrying', update: { status: 'pending', nextAt: end + retryDelayMs(schedule, attempts, random), attempt } };
}

function record(result: AttemptResult, at: number, ms: number): DeliveryAttempt {
  const attempt: DeliveryAttempt = { at, ms: Math.round(ms) };
  if (result.kind !== 'answered') return { ...attempt, error: result.error };
  attempt.status = result.status;
  const error = answerError(result);
  return error === undefined ? attempt : { ...attempt, error };
}

function answerError(r: Extract<AttemptResult, { kind: 'answered' }>): string | undefined {
  if (r.status >= 200 && r.status < 300) return undefined;
  const excerpt = r.excerpt ? `: ${r.excerpt}` : '';
  if (r.status >= 300 && r.status < 400) return `HTTP ${r.status}: a redirect${r.location ? ` to ${r.location}` : ''}, not followed (webhook URLs must answer directly)`;
  if (r.status === 410) return 'HTTP 410 Gone: the receiver asked for no more deliveries; the webhook is disabled';
  return `HTTP ${r.status}${excerpt}`;
}
