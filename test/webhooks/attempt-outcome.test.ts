import { describe, expect, it } from 'vitest';
import { retryDelayMs, settle, type RetrySchedule } from '../../src/webhooks/attempt-outcome.js';

const schedule: RetrySchedule = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 5_000 };

describe('backoff with full jitter', () => {
  it('doubles from the base up to the cap, scaled by the random number', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(schedule, n, 1))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(retryDelayMs(schedule, 3, 0.5)).toBe(2_000);
    expect(retryDelayMs(schedule, 3, 0)).toBe(0);
  });
});

describe('what an attempt means for the delivery', () => {
  it('2xx is delivered', () => {
    expect(settle({ kind: 'answered', status: 204 }, 0, 100, 5, schedule, 1)).toEqual({ outcome: 'delivered', update: { status: 'delivered', nextAt: 105, attempt: { at: 100, status: 204, ms: 5 } } });
  });

  it('410 stops the delivery and disables the webhook', () => {
    const s = settle({ kind: 'answered', status: 410 }, 2, 100, 5, schedule, 1);
    expect(s.outcome).toBe('stopped');
    expect(s.update.status).toBe('stopped');
    expect(s.disableWebhook).toBe('the receiver answered 410 Gone');
  });

  it('other statuses and network errors are retried after the backoff, until the last attempt fails', () => {
    const first = settle({ kind: 'answered', status: 500, excerpt: 'boom' }, 0, 100, 5, schedule, 1);
    expect(first).toEqual({ outcome: 'retrying', update: { status: 'pending', nextAt: 1_105, attempt: { at: 100, status: 500, error: 'HTTP 500: boom', ms: 5 } } });
    expect(settle({ kind: 'error', error: 'ECONNREFUSED' }, 2, 100, 5, schedule, 1).update).toMatchObject({ status: 'pending', nextAt: 4_105 });
    expect(settle({ kind: 'error', error: 'ECONNREFUSED' }, 3, 100, 5, schedule, 1)).toMatchObject({ outcome: 'failed', update: { status: 'failed', attempt: { error: 'ECONNREFUSED' } } });
  });

  it('a redirect is a failure, not followed', () => {
    const s = settle({ kind: 'answered', status: 302, location: 'http://169.254.169.254/' }, 0, 100, 5, schedule, 1);
    expect(s.outcome).toBe('retrying');
    expect(s.update.attempt.error).toBe('HTTP 302: a redirect to http://169.254.169.254/, not followed (webhook URLs must answer directly)');
  });

  it('a refused address fails at once; a disabled webhook stops', () => {
    expect(settle({ kind: 'refused', error: 'not sent: loopback' }, 0, 100, 0, schedule, 1).update.status).toBe('failed');
    expect(settle({ kind: 'refused', error: 'not sent: disabled', stop: true }, 0, 100, 0, schedule, 1).update.status).toBe('stopped');
  });
});
