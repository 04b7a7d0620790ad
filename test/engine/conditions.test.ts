import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

describe('conditions and skips', () => {
  it('asks the runtime to prepare a step with an `if`, and executes nothing yet', () => {
    const r = new FakeRun(workflow([stepSpec('c', { if: 'parameters.go' })]));
    const effects = r.start();
    expect(effects).toEqual([{ type: 'prepare', step: 'c', stepId: 'c' }]);
    expect(r.takeExecuted()).toEqual([]);
    expect(r.eventsOf('StepStarted')).toEqual([]);
  });

  it('asks to prepare a step whose parameters hold a template, however deep', () => {
    const r = new FakeRun(workflow([stepSpec('t', { parameters: { env: { LIST: ['x', 'a ${{ parameters.n }}'] } } }), stepSpec('plain', { parameters: { n: 1 } })]));
    r.start();
    expect(r.takePrepared()).toEqual(['t']);
    expect(r.takeExecuted()).toEqual(['plain']);
  });

  it('executes a prepared step with the parameters the runtime resolved', () => {
    const r = new FakeRun(workflow([stepSpec('c', { if: 'true', parameters: { msg: '${{ parameters.m }}' } })]));
    r.start();
    r.take('prepare');
    r.prepared('c', { parameters: { msg: 'hello' } });
    const [exec] = r.take('execute');
    expect(exec).toMatchObject({ step: 'c', attempt: 1, parameters: { msg: 'hello' } });
    expect(r.eventsOf('StepStarted')[0]?.data.parameters).toEqual({ msg: 'hello' });
  });

  it('executes a step without templates with its own parameters', () => {
    const r = new FakeRun(workflow([stepSpec('p', { parameters: { run: 'echo hi' } })]));
    r.start();
    expect(r.take('execute')[0]?.parameters).toEqual({ run: 'echo hi' });
  });

  it("keeps a step's literal parameters when the runtime prepares it without resolving any", () => {
    // The step has an `if` but no templates: "prepared, not skipped" carries no parameters.
    const r = new FakeRun(workflow([stepSpec('c', { if: 'parameters.go', command: 'shell', parameters: { run: 'echo hi' } })]));
    r.start();
    r.prepared('c');
    expect(r.take('execute')[0]?.parameters).toEqual({ run: 'echo hi' });
  });

  it('skipping a prepared step records the reason and skips its dependents under all_success', () => {
    const r = new FakeRun(
      workflow([stepSpec('c', { if: 'false' }), stepSpec('d', { dependsOn: ['c'] }), stepSpec('e', { dependsOn: ['d'] })]),
    );
    r.start();
    r.prepared('c', { skip: "condition 'false' is false" });
    expect(r.status('c')).toBe('skipped');
    expect(r.step('c').reason).toBe("condition 'false' is false");
    expect(r.status('d')).toBe('skipped');
    expect(r.step('d').reason).toBe("dependency 'c' was skipped");
    expect(r.status('e')).toBe('skipped');
    expect(r.step('e').reason).toBe("dependency 'd' was skipped");
    expect(r.takeExecuted()).toEqual([]);
    expect(r.state.run.status).toBe('succeeded');
  });

  it('a skipped step is not an error: the run succeeds', () => {
    const r = new FakeRun(workflow([stepSpec('c', { if: 'false' }), stepSpec('other')]));
    r.start();
    r.prepared('c', { skip: 'no' });
    r.succeed('other');
    expect(r.state.run.status).toBe('succeeded');
    expect(r.state.run.error).toBeUndefined();
  });

  it('none_failed runs after a skipped dependency', () => {
    const r = new FakeRun(workflow([stepSpec('c', { if: 'false' }), stepSpec('d', { dependsOn: ['c'], triggerRule: 'none_failed' })]));
    r.start();
    r.prepared('c', { skip: 'no' });
    expect(r.takeExecuted()).toEqual(['d']);
    r.succeed('d');
    expect(r.state.run.status).toBe('succeeded');
  });

  it('none_failed is still skipped after a failed dependency, naming it', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('d', { dependsOn: ['a'], triggerRule: 'none_failed' })]));
    r.start();
    r.fail('a');
    expect(r.status('d')).toBe('skipped');
    expect(r.step('d').reason).toBe("dependency 'a' failed");
  });

  it('all_done runs after a failed dependency, yet the run still fails', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('cleanup', { dependsOn: ['a'], triggerRule: 'all_done' })]));
    r.start();
    expect(r.takeExecuted()).toEqual(['a']);
    r.fail('a');
    expect(r.takeExecuted()).toEqual(['cleanup']);
    r.succeed('cleanup');
    expect(r.state.run.status).toBe('failed');
    expect(r.state.run.error?.message).toContain("'a'");
  });

  it('all_done runs after a skipped dependency', () => {
    const r = new FakeRun(workflow([stepSpec('c', { if: 'false' }), stepSpec('d', { dependsOn: ['c'], triggerRule: 'all_done' })]));
    r.start();
    r.prepared('c', { skip: 'no' });
    expect(r.takeExecuted()).toEqual(['d']);
  });

  it('all_success names the first blocking dependency among several', () => {
    const r = new FakeRun(
      workflow([stepSpec('a'), stepSpec('b', { if: 'false' }), stepSpec('c'), stepSpec('d', { dependsOn: ['a', 'b', 'c'] })]),
    );
    r.start();
    r.succeed('a');
    r.prepared('b', { skip: 'no' });
    r.succeed('c');
    expect(r.step('d').reason).toBe("dependency 'b' was skipped");
  });

  it('a step whose condition errors fails without retry', () => {
    const retry = { maxAttempts: 3, backoff: 'fixed' as const, initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0 };
    const r = new FakeRun(workflow([stepSpec('c', { if: 'bad(', retry }), stepSpec('d', { dependsOn: ['c'] })]));
    r.start();
    r.prepared('c', { error: { code: 'EXPRESSION', message: 'syntax error' } });
    expect(r.status('c')).toBe('failed');
    expect(r.step('c').error?.code).toBe('EXPRESSION');
    expect(r.status('d')).toBe('skipped');
    expect(r.state.run.status).toBe('failed');
    expect(r.wake()).toBeUndefined();
  });

  it('ignores a prepared answer for a step that is not being prepared', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'], if: 'true' })]));
    r.start();
    expect(r.prepared('a', { skip: 'x' })).toEqual([]);
    expect(r.prepared('b', { skip: 'x' })).toEqual([]);
    expect(r.status('a')).toBe('running');
    expect(r.status('b')).toBe('pending');
    expect(r.events).toHaveLength(2);
  });

  it('a second prepared answer for the same step is ignored', () => {
    const r = new FakeRun(workflow([stepSpec('c', { if: 'true' })]));
    r.start();
    r.prepared('c', { parameters: {} });
    expect(r.prepared('c', { parameters: {} })).toEqual([]);
    expect(r.eventsOf('StepStarted')).toHaveLength(1);
  });
});

describe('none_failed after a failure further up', () => {
  it('does not run when a dependency was skipped because of an earlier failure', () => {
    const r = new FakeRun(
      workflow([
        stepSpec('check'),
        stepSpec('restart', { dependsOn: ['check'] }),
        stepSpec('verify', { dependsOn: ['restart'], triggerRule: 'none_failed' }),
        stepSpec('report', { dependsOn: ['verify'], triggerRule: 'all_done' }),
      ]),
    );
    r.start();
    r.takeExecuted();
    r.fail('check');
    expect(r.status('restart')).toBe('skipped');
    expect(r.status('verify')).toBe('skipped');
    expect(r.state.steps.get('verify')?.reason).toBe("dependency 'restart' was skipped after a failure");
    expect(r.takeExecuted()).toEqual(['report']);
  });
});
