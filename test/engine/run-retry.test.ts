import { afterEach, describe, expect, it } from 'vitest';
import { retryProblem } from '../../src/engine/index.js';
import { FakeRun, expectRunsConsistent, stepSpec, workflow } from './harness.js';

afterEach(expectRunsConsistent);

describe('retrying a failed run', () => {
  const wf = () =>
    workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] }), stepSpec('c', { dependsOn: ['b'] }), stepSpec('side')]);

  it('runs the failed step and what it blocked again, never what succeeded', () => {
    const r = new FakeRun(wf());
    r.start();
    expect(r.takeExecuted()).toEqual(['a', 'side']);
    r.succeed('a', { v: 1 });
    r.succeed('side');
    expect(r.takeExecuted()).toEqual(['b']);
    r.fail('b');
    expect(r.state.run.status).toBe('failed');
    expect(r.status('c')).toBe('skipped');
    r.send({ type: 'retry', by: 'ops' });
    expect(r.state.run.status).toBe('running');
    expect(r.eventTypes.slice(-2)).toEqual(['RunRetried', 'StepStarted:b']);
    expect(r.takeExecuted()).toEqual(['b']);
    expect(r.state.steps.get('b')?.attempts).toBe(2);
    r.succeed('b');
    expect(r.takeExecuted()).toEqual(['c']);
    r.succeed('c', { done: true });
    expect(r.state.run.status).toBe('succeeded');
    expect(r.state.steps.get('a')?.outputs).toEqual({ v: 1 });
    expect(r.eventTypes.filter((t) => t === 'StepStarted:a')).toHaveLength(1);
  });

  it('with a step, only that step and what comes after it', () => {
    const r = new FakeRun(workflow([stepSpec('x'), stepSpec('y'), stepSpec('z', { dependsOn: ['y'] })]));
    r.start();
    r.takeExecuted();
    r.fail('x');
    r.fail('y');
    r.send({ type: 'retry', step: 'y' });
    expect(r.takeExecuted()).toEqual(['y']);
    r.succeed('y');
    r.succeed('z');
    // x failed and was not retried: the run fails again, without running x.
    expect(r.takeExecuted()).toEqual(['z']);
    expect(r.state.run.status).toBe('failed');
    expect(r.eventTypes.filter((t) => t === 'StepStarted:x')).toHaveLength(1);
  });

  it('refuses a run that succeeded, or a step that succeeded', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b')]));
    r.start();
    r.takeExecuted();
    r.succeed('a');
    r.fail('b');
    expect(retryProblem(r.state, 'a')).toMatch(/succeeded/);
    expect(retryProblem(r.state, 'nope')).toMatch(/no step/);
    r.send({ type: 'retry' });
    r.takeExecuted();
    r.succeed('b');
    expect(r.state.run.status).toBe('succeeded');
    expect(retryProblem(r.state)).toMatch(/only a failed or cancelled run/);
    const before = r.eventTypes.length;
    r.send({ type: 'retry' });
    expect(r.eventTypes.length).toBe(before);
  });
});

describe('retrying a run rebuilt from its events', () => {
  it('waits for the retried step before its dependents, as live', () => {
    const live = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] }), stepSpec('c', { dependsOn: ['b'] })]));
    live.start();
    live.takeExecuted();
    live.succeed('a');
    live.takeExecuted();
    live.fail('b');
    const r = FakeRun.recover(live);
    r.send({ type: 'retry' });
    expect(r.status('c')).toBe('pending');
    expect(r.takeExecuted()).toEqual(['b']);
    r.succeed('b');
    expect(r.takeExecuted()).toEqual(['c']);
    r.succeed('c');
    expect(r.state.run.status).toBe('succeeded');
  });
});
