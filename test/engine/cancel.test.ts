import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

function midRun(): FakeRun {
  const r = new FakeRun(
    workflow([
      stepSpec('done'),
      stepSpec('run1', { dependsOn: ['done'] }),
      stepSpec('run2', { dependsOn: ['done'] }),
      stepSpec('cond', { dependsOn: ['done'], if: 'true' }),
      stepSpec('later', { dependsOn: ['run1'] }),
    ]),
  );
  r.start();
  r.succeed('done', { v: 1 });
  r.take('execute');
  r.take('prepare');
  return r;
}

describe('cancellation', () => {
  it('aborts running steps, cancels every unfinished step, and ends the run cancelled', () => {
    const r = midRun();
    const effects = r.cancel('operator said stop');
    expect(effects).toEqual([
      { type: 'abort', step: 'run1', attempt: 1, reason: 'operator said stop' },
      { type: 'abort', step: 'run2', attempt: 1, reason: 'operator said stop' },
    ]);
    expect(r.status('done')).toBe('succeeded');
    for (const k of ['run1', 'run2', 'cond', 'later']) {
      expect(r.status(k)).toBe('cancelled');
      expect(r.step(k).reason).toBe('operator said stop');
    }
    expect(r.state.run.status).toBe('cancelled');
    expect(r.state.run.error).toEqual({ code: 'CANCELLED', message: 'operator said stop' });
    expect(r.eventTypes.slice(-6)).toEqual([
      'RunCancelled',
      'StepCancelled:run1',
      'StepCancelled:run2',
      'StepCancelled:cond',
      'StepCancelled:later',
      'RunFinished',
    ]);
  });

  it('records who cancelled', () => {
    const r = midRun();
    r.send({ type: 'cancel', by: 'alice', reason: 'wrong host' });
    expect(r.eventsOf('RunCancelled').map((e) => e.data)).toEqual([{ by: 'alice', reason: 'wrong host' }]);
  });

  it('has a default reason', () => {
    const r = midRun();
    r.cancel();
    expect(r.step('later').reason).toBe('run cancelled');
    expect(r.state.run.error?.message).toBe('run cancelled');
  });

  it('ignores every later result, prepare answer and tick', () => {
    const r = midRun();
    r.cancel();
    const n = r.events.length;
    expect(r.send({ type: 'succeeded', step: 'run1', attempt: 1, outputs: {} })).toEqual([]);
    expect(r.send({ type: 'failed', step: 'run2', attempt: 1, error: { code: 'KILLED', message: 'SIGTERM' } })).toEqual([]);
    expect(r.prepared('cond', { parameters: {} })).toEqual([]);
    expect(r.advance(60_000)).toEqual([]);
    expect(r.events).toHaveLength(n);
    expect(r.status('run1')).toBe('cancelled');
    expect(r.state.run.status).toBe('cancelled');
  });

  it('a second cancel does nothing', () => {
    const r = midRun();
    r.cancel('first');
    const n = r.events.length;
    expect(r.cancel('second')).toEqual([]);
    expect(r.events).toHaveLength(n);
    expect(r.state.run.error?.message).toBe('first');
  });

  it('cancels a run that never started', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b')]));
    expect(r.cancel()).toEqual([]);
    expect(r.state.run.status).toBe('cancelled');
    expect(r.status('a')).toBe('cancelled');
    expect(r.start()).toEqual([]);
    expect(r.eventsOf('RunStarted')).toEqual([]);
  });

  it('cancels queued steps, steps waiting for a retry and wait timers without aborting them', () => {
    const r = new FakeRun(
      workflow(
        [
          stepSpec('sleep', { command: 'wait', parameters: { seconds: 100 } }),
          stepSpec('busy'),
          stepSpec('flaky', { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 9000, maxDelayMs: 9000, jitter: 0 } }),
          stepSpec('q1'),
          stepSpec('q2'),
        ],
        { maxParallel: 2 },
      ),
    );
    r.start();
    r.fail('flaky');
    expect(r.status('sleep')).toBe('waiting');
    expect(r.status('flaky')).toBe('retrying');
    expect(r.status('q1')).toBe('running');
    expect(r.status('q2')).toBe('queued');
    const effects = r.cancel();
    expect(effects).toEqual([
      { type: 'abort', step: 'busy', attempt: 1, reason: 'run cancelled' },
      { type: 'abort', step: 'q1', attempt: 1, reason: 'run cancelled' },
    ]);
    for (const k of ['sleep', 'busy', 'flaky', 'q1', 'q2']) expect(r.status(k)).toBe('cancelled');
    expect(r.wake()).toBeUndefined();
  });

  it('cancels a fan-out: aborts the running instances, not the parent', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [], maxParallel: 1 })]));
    r.start();
    r.prepared('fan', { items: ['a', 'b'] });
    r.prepared('fan[0]', { parameters: {} });
    const effects = r.cancel();
    expect(effects).toEqual([{ type: 'abort', step: 'fan[0]', attempt: 1, reason: 'run cancelled' }]);
    expect(['fan', 'fan[0]', 'fan[1]'].map((k) => r.status(k))).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('cancels while the run outputs are being evaluated', () => {
    const r = new FakeRun(workflow([stepSpec('a')], { outputs: { x: '${{ steps.a.outputs.x }}' } }));
    r.start();
    r.succeed('a', { x: 1 });
    expect(r.take('finalize')).toHaveLength(1);
    r.cancel();
    expect(r.state.run.status).toBe('cancelled');
    expect(r.send({ type: 'finalized', outputs: { x: 1 } })).toEqual([]);
    expect(r.state.run.status).toBe('cancelled');
  });
});
