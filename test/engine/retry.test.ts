import { afterEach, describe, expect, it } from 'vitest';
import { retryDelayMs, type RetryPolicy } from '../../src/engine/index.js';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

function policy(over: Partial<RetryPolicy> = {}): RetryPolicy {
  return { maxAttempts: 5, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60_000, jitter: 0, ...over };
}

/** Fail the step's current attempt and return the delay the engine scheduled. */
function failAndDelay(r: FakeRun, key: string): number | undefined {
  const before = r.eventsOf('StepRetryScheduled').length;
  r.fail(key);
  const scheduled = r.eventsOf('StepRetryScheduled');
  return scheduled.length > before ? scheduled[scheduled.length - 1]?.data.delayMs : undefined;
}

describe('retryDelayMs', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    const p = policy({ maxDelayMs: 5000 });
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(p, n, 0))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('keeps the same delay when fixed', () => {
    const p = policy({ backoff: 'fixed', initialDelayMs: 1500 });
    expect([1, 2, 3].map((n) => retryDelayMs(p, n, 0.9))).toEqual([1500, 1500, 1500]);
  });

  it('jitter takes away up to its fraction of the delay, never adds', () => {
    const p = policy({ jitter: 0.2 });
    expect(retryDelayMs(p, 1, 0.5)).toBe(900);
    expect(retryDelayMs(p, 1, 0)).toBe(1000);
    expect(retryDelayMs(p, 2, 0.999)).toBeGreaterThanOrEqual(1600);
    expect(retryDelayMs(p, 2, 0.999)).toBeLessThanOrEqual(2000);
  });

  it('does not overflow after many attempts', () => {
    expect(retryDelayMs(policy({ maxDelayMs: 30_000 }), 5000, 0)).toBe(30_000);
  });
});

describe('retries in a run', () => {
  it('schedules exponential delays 1s, 2s, 4s capped at maxDelay', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ maxAttempts: 5, maxDelayMs: 5000 }) })]));
    r.start();
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      delays.push(failAndDelay(r, 'a'));
      r.advance(r.wake()! - r.now);
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000]);
    expect(r.take('execute').map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5]);
  });

  it('uses the same delay each time when fixed', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ backoff: 'fixed', initialDelayMs: 3000, maxAttempts: 3 }) })]));
    r.start();
    const first = failAndDelay(r, 'a');
    r.advance(3000);
    expect([first, failAndDelay(r, 'a')]).toEqual([3000, 3000]);
  });

  it('applies jitter from env.random: random 0.5 with jitter 0.2 waits 0.9 of the delay', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ jitter: 0.2, initialDelayMs: 10_000 }) })]));
    r.random = 0.5;
    r.start();
    expect(failAndDelay(r, 'a')).toBe(9000);
    expect(r.wake()).toBe(r.now + 9000);
  });

  it('wakes exactly at the retry time: a tick before it starts nothing, at it attempt n+1 starts', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ maxAttempts: 3 }) })]));
    r.start();
    r.take('execute');
    const failedAt = r.now;
    r.fail('a');
    const event = r.eventsOf('StepRetryScheduled')[0];
    expect(event?.data).toEqual({ step: 'a', attempt: 2, at: failedAt + 1000, delayMs: 1000 });
    expect(r.status('a')).toBe('retrying');
    expect(r.wake()).toBe(failedAt + 1000);
    r.tickAt(failedAt + 999);
    expect(r.take('execute')).toEqual([]);
    expect(r.status('a')).toBe('retrying');
    expect(r.wake()).toBe(failedAt + 1000);
    r.tickAt(failedAt + 1000);
    const [exec] = r.take('execute');
    expect(exec).toMatchObject({ step: 'a', attempt: 2 });
    expect(r.step('a').attempts).toBe(2);
    expect(r.status('a')).toBe('running');
    expect(r.wake()).toBeUndefined();
  });

  it('fails for good after maxAttempts attempts and counts them', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ maxAttempts: 3, backoff: 'fixed' }) }), stepSpec('b', { dependsOn: ['a'] })]));
    r.start();
    r.fail('a');
    r.advance(1000);
    r.fail('a');
    r.advance(1000);
    r.fail('a', 'third time');
    expect(r.status('a')).toBe('failed');
    expect(r.step('a').attempts).toBe(3);
    expect(r.eventsOf('StepFailed').map((e) => [e.data.attempt, e.data.willRetry])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(r.eventsOf('StepRetryScheduled')).toHaveLength(2);
    expect(r.status('b')).toBe('skipped');
    expect(r.state.run.error?.message).toBe("step 'a' failed: third time");
    expect(r.wake()).toBeUndefined();
  });

  it('succeeds on a later attempt and clears the earlier error', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ maxAttempts: 2 }) }), stepSpec('b', { dependsOn: ['a'] })]));
    r.start();
    r.fail('a');
    expect(r.step('a').error?.message).toBe('boom');
    r.advance(1000);
    r.succeed('a', { ok: true });
    expect(r.step('a')).toMatchObject({ status: 'succeeded', attempts: 2, outputs: { ok: true } });
    expect(r.step('a').error).toBeUndefined();
    expect(r.take('execute').map((e) => e.step)).toEqual(['a', 'a', 'b']);
  });

  it('does not retry a failure marked retryable: false', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ maxAttempts: 5 }) })]));
    r.start();
    r.fail('a', 'bad input', false);
    expect(r.status('a')).toBe('failed');
    expect(r.step('a').attempts).toBe(1);
    expect(r.eventsOf('StepRetryScheduled')).toEqual([]);
    expect(r.state.run.status).toBe('failed');
  });

  it('ignores a result for the failed attempt while the retry waits', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ maxAttempts: 2 }) })]));
    r.start();
    r.fail('a');
    expect(r.send({ type: 'succeeded', step: 'a', attempt: 1, outputs: {} })).toEqual([]);
    expect(r.status('a')).toBe('retrying');
  });

  it('keeps one idempotency key per step across attempts', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: policy({ maxAttempts: 2 }) })]));
    r.start();
    r.fail('a');
    r.advance(1000);
    const keys = r.take('execute').map((e) => e.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('re-prepares a step with templates before each retry', () => {
    const r = new FakeRun(workflow([stepSpec('a', { parameters: { x: '${{ parameters.x }}' }, retry: policy({ maxAttempts: 2 }) })]));
    r.start();
    r.prepared('a', { parameters: { x: 1 } });
    r.fail('a');
    expect(r.takePrepared()).toEqual(['a']);
    r.advance(1000);
    expect(r.takePrepared()).toEqual(['a']);
    r.prepared('a', { parameters: { x: 2 } });
    expect(r.take('execute').map((e) => [e.attempt, e.parameters])).toEqual([
      [1, { x: 1 }],
      [2, { x: 2 }],
    ]);
  });

  it('wakes for the earliest of several retries', () => {
    const r = new FakeRun(workflow([stepSpec('slow', { retry: policy({ initialDelayMs: 5000 }) }), stepSpec('fast', { retry: policy({ initialDelayMs: 2000 }) })]));
    r.start();
    r.take('execute');
    const t = r.now;
    r.fail('slow');
    r.fail('fast');
    expect(r.wake()).toBe(t + 2000);
    r.tickAt(t + 2000);
    expect(r.takeExecuted()).toEqual(['fast']);
    expect(r.wake()).toBe(t + 5000);
  });
});
