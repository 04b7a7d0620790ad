import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

const retry = (maxAttempts: number) => ({ maxAttempts, backoff: 'fixed' as const, initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0 });

describe('step timeouts', () => {
  it('wakes at the deadline; a tick before it does nothing', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 10 })]));
    r.start();
    expect(r.wake()).toBe(r.now + 10_000);
    expect(r.advance(9_999)).toEqual([]);
    expect(r.status('a')).toBe('running');
  });

  it('aborts the attempt and fails the step with STEP_TIMEOUT past the deadline', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 10 }), stepSpec('b', { dependsOn: ['a'] })]));
    r.start();
    r.take('execute');
    const effects = r.advance(10_000);
    expect(effects).toContainEqual({ type: 'abort', step: 'a', attempt: 1, reason: 'timeout' });
    const failed = r.eventsOf('StepFailed');
    expect(failed.map((e) => e.data)).toEqual([
      { step: 'a', attempt: 1, error: { code: 'STEP_TIMEOUT', message: 'step timed out after 10s' }, willRetry: false },
    ]);
    expect(r.status('a')).toBe('failed');
    expect(r.status('b')).toBe('skipped');
    expect(r.state.run.status).toBe('failed');
    expect(r.executing.size).toBe(0);
  });

  it('retries a timed-out step when its policy allows, with a fresh deadline', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 10, retry: retry(2) })]));
    r.start();
    r.take('execute');
    r.advance(10_000);
    expect(r.status('a')).toBe('retrying');
    expect(r.eventsOf('StepFailed')[0]?.data.willRetry).toBe(true);
    expect(r.wake()).toBe(r.now + 1000);
    r.advance(1000);
    expect(r.take('execute').map((e) => e.attempt)).toEqual([2]);
    expect(r.wake()).toBe(r.now + 10_000);
    r.succeed('a');
    expect(r.state.run.status).toBe('succeeded');
  });

  it('ignores a late success from the timed-out attempt, before and after the retry starts', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 5, retry: retry(2) })]));
    r.start();
    r.advance(5_000);
    expect(r.send({ type: 'succeeded', step: 'a', attempt: 1, outputs: { late: true } })).toEqual([]);
    expect(r.status('a')).toBe('retrying');
    r.advance(1000);
    expect(r.send({ type: 'succeeded', step: 'a', attempt: 1, outputs: { late: true } })).toEqual([]);
    expect(r.status('a')).toBe('running');
    r.succeed('a', { fresh: true });
    expect(r.step('a').outputs).toEqual({ fresh: true });
  });

  it('ignores a late success after the timeout failed the step for good', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 5 }), stepSpec('other')]));
    r.start();
    r.advance(5_000);
    r.send({ type: 'succeeded', step: 'a', attempt: 1, outputs: {} });
    expect(r.status('a')).toBe('failed');
  });

  it('a step that finishes in time clears its deadline', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 5 }), stepSpec('b', { dependsOn: ['a'] })]));
    r.start();
    r.advance(4_000);
    r.succeed('a');
    expect(r.wake()).toBeUndefined();
    expect(r.advance(10_000)).toEqual([]);
    expect(r.status('b')).toBe('running');
  });

  it('times out several steps that pass their deadline together', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 2 }), stepSpec('b', { timeoutSeconds: 3 })]));
    r.start();
    const aborts = r.advance(3_000).filter((e) => e.type === 'abort');
    expect(aborts.map((e) => e.type === 'abort' && e.step)).toEqual(['a', 'b']);
  });
});

describe('run timeout', () => {
  it('wakes at the run deadline', () => {
    const r = new FakeRun(workflow([stepSpec('a')], { timeoutSeconds: 60 }));
    r.start();
    expect(r.wake()).toBe(r.now + 60_000);
  });

  it('times the run out: RunTimedOut, aborts what runs, cancels the rest, fails with RUN_TIMEOUT', () => {
    const r = new FakeRun(
      workflow([stepSpec('a'), stepSpec('b'), stepSpec('c', { dependsOn: ['a'] }), stepSpec('done')], { timeoutSeconds: 30 }),
    );
    r.start();
    r.succeed('done');
    r.take('execute');
    r.advance(29_999);
    expect(r.state.run.status).toBe('running');
    const effects = r.advance(1);
    expect(effects.filter((e) => e.type === 'abort')).toEqual([
      { type: 'abort', step: 'a', attempt: 1, reason: 'run timed out' },
      { type: 'abort', step: 'b', attempt: 1, reason: 'run timed out' },
    ]);
    expect(r.eventsOf('RunTimedOut').map((e) => e.data)).toEqual([{ timeoutSeconds: 30 }]);
    expect(r.status('a')).toBe('cancelled');
    expect(r.status('b')).toBe('cancelled');
    expect(r.status('c')).toBe('cancelled');
    expect(r.status('done')).toBe('succeeded');
    expect(r.state.run.status).toBe('failed');
    expect(r.state.run.error?.code).toBe('RUN_TIMEOUT');
    expect(r.wake()).toBeUndefined();
    expect(r.eventTypes.at(-1)).toBe('RunFinished');
  });

  it('ignores results after the run timed out', () => {
    const r = new FakeRun(workflow([stepSpec('a')], { timeoutSeconds: 1 }));
    r.start();
    r.advance(1000);
    const n = r.events.length;
    expect(r.succeed('a')).toEqual([]);
    expect(r.advance(10_000)).toEqual([]);
    expect(r.events).toHaveLength(n);
  });

  it('takes precedence over a step deadline reached at the same tick', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 5, retry: retry(3) })], { timeoutSeconds: 5 }));
    r.start();
    r.advance(5000);
    expect(r.state.run.error?.code).toBe('RUN_TIMEOUT');
    expect(r.eventsOf('StepRetryScheduled')).toEqual([]);
  });

  it('cancels a step waiting for its retry', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: { ...retry(3), initialDelayMs: 60_000, maxDelayMs: 60_000 } })], { timeoutSeconds: 10 }));
    r.start();
    r.fail('a');
    expect(r.wake()).toBe(r.now + 10_000);
    const effects = r.advance(10_000);
    expect(effects.filter((e) => e.type === 'abort')).toEqual([]);
    expect(r.status('a')).toBe('cancelled');
    expect(r.state.run.status).toBe('failed');
  });

  it('aborts only attempts that execute, not a fan-out parent', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] })], { timeoutSeconds: 10 }));
    r.start();
    r.prepared('fan', { items: ['x'] });
    r.prepared('fan[0]', { parameters: {} });
    const effects = r.advance(10_000);
    expect(effects.filter((e) => e.type === 'abort').map((e) => e.type === 'abort' && e.step)).toEqual(['fan[0]']);
  });
});
