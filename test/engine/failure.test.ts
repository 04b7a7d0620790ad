import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

describe('a failed step', () => {
  it('skips its dependents, lets independent branches continue, and fails the run naming the step', () => {
    const r = new FakeRun(
      workflow([
        stepSpec('bad'),
        stepSpec('after', { dependsOn: ['bad'] }),
        stepSpec('later', { dependsOn: ['after'] }),
        stepSpec('good'),
        stepSpec('good2', { dependsOn: ['good'] }),
      ]),
    );
    r.start();
    expect(r.takeExecuted()).toEqual(['bad', 'good']);
    r.fail('bad', 'exit code 3');
    expect(r.status('bad')).toBe('failed');
    expect(r.status('after')).toBe('skipped');
    expect(r.step('after').reason).toBe("dependency 'bad' failed");
    expect(r.status('later')).toBe('skipped');
    expect(r.state.run.status).toBe('running');
    r.succeed('good');
    expect(r.takeExecuted()).toEqual(['good2']);
    r.succeed('good2');
    expect(r.state.run.status).toBe('failed');
    expect(r.state.run.error).toEqual({ code: 'STEP_FAILED', message: "step 'bad' failed: exit code 3" });
    expect(r.eventsOf('RunFinished')).toHaveLength(1);
  });

  it('keeps the error it failed with on the step record', () => {
    const r = new FakeRun(workflow([stepSpec('a')]));
    r.start();
    r.fail('a', 'nope');
    expect(r.step('a').error).toEqual({ code: 'EXIT_CODE', message: 'nope' });
    expect(r.step('a').attempts).toBe(1);
  });

  it('names the first failed step in definition order when several failed', () => {
    const r = new FakeRun(workflow([stepSpec('x'), stepSpec('y')]));
    r.start();
    r.fail('y', 'second');
    r.fail('x', 'first');
    expect(r.state.run.error?.message).toBe("step 'x' failed: first");
  });

  it('ignores results for a step that is not running', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })]));
    r.start();
    expect(r.send({ type: 'succeeded', step: 'b', attempt: 1, outputs: {} })).toEqual([]);
    expect(r.send({ type: 'failed', step: 'nope', attempt: 1, error: { code: 'X', message: 'x' } })).toEqual([]);
    expect(r.send({ type: 'succeeded', step: 'a', attempt: 2, outputs: {} })).toEqual([]);
    expect(r.status('b')).toBe('pending');
    expect(r.status('a')).toBe('running');
    r.succeed('a');
    expect(r.send({ type: 'succeeded', step: 'a', attempt: 1, outputs: { again: true } })).toEqual([]);
    expect(r.step('a').outputs).toEqual({});
  });
});

describe('continue_on_error', () => {
  it('lets dependents run and the run succeed after the step fails', () => {
    const r = new FakeRun(workflow([stepSpec('flaky', { continueOnError: true }), stepSpec('next', { dependsOn: ['flaky'] })]));
    r.start();
    expect(r.takeExecuted()).toEqual(['flaky']);
    r.fail('flaky', 'it broke');
    expect(r.status('flaky')).toBe('failed');
    expect(r.step('flaky').error?.message).toBe('it broke');
    expect(r.takeExecuted()).toEqual(['next']);
    r.succeed('next', { ok: 1 });
    expect(r.state.run.status).toBe('succeeded');
    expect(r.state.run.error).toBeUndefined();
    expect(r.state.run.outputs).toEqual({ next: { ok: 1 } });
  });

  it('only continues after the retries are spent', () => {
    const retry = { maxAttempts: 2, backoff: 'fixed' as const, initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0 };
    const r = new FakeRun(workflow([stepSpec('flaky', { continueOnError: true, retry }), stepSpec('next', { dependsOn: ['flaky'] })]));
    r.start();
    r.takeExecuted();
    r.fail('flaky');
    expect(r.status('flaky')).toBe('retrying');
    expect(r.takeExecuted()).toEqual([]);
    r.advance(1000);
    expect(r.takeExecuted()).toEqual(['flaky']);
    r.fail('flaky');
    expect(r.takeExecuted()).toEqual(['next']);
  });

  it('a failed sink with continue_on_error leaves the run succeeded', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { continueOnError: true })]));
    r.start();
    r.succeed('a', { v: 1 });
    r.fail('b');
    expect(r.state.run.status).toBe('succeeded');
    expect(r.state.run.outputs).toEqual({ a: { v: 1 } });
  });
});
