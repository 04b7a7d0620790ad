import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

const independent = (n: number) => Array.from({ length: n }, (_, i) => stepSpec(`s${i}`));

describe('parallel groups', () => {
  it('starts every independent step at once without a limit', () => {
    const r = new FakeRun(workflow(independent(6)));
    r.start();
    expect(r.takeExecuted()).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
    expect(r.peakExecuting).toBe(6);
  });

  it('runs parallel groups level by level', () => {
    // Two groups: {a, b} then {c, d} (each needs both of the first group), then e.
    const r = new FakeRun(
      workflow([
        stepSpec('a'),
        stepSpec('b'),
        stepSpec('c', { dependsOn: ['a', 'b'] }),
        stepSpec('d', { dependsOn: ['a', 'b'] }),
        stepSpec('e', { dependsOn: ['c', 'd'] }),
      ]),
    );
    r.start();
    expect(r.takeExecuted()).toEqual(['a', 'b']);
    r.succeed('b');
    r.succeed('a');
    expect(r.takeExecuted()).toEqual(['c', 'd']);
    r.succeed('c');
    r.succeed('d');
    expect(r.takeExecuted()).toEqual(['e']);
  });

  it('lets independent branches progress at their own pace', () => {
    const r = new FakeRun(
      workflow([stepSpec('a1'), stepSpec('a2', { dependsOn: ['a1'] }), stepSpec('b1'), stepSpec('b2', { dependsOn: ['b1'] })]),
    );
    r.start();
    expect(r.takeExecuted()).toEqual(['a1', 'b1']);
    r.succeed('a1');
    expect(r.takeExecuted()).toEqual(['a2']);
    r.succeed('a2');
    expect(r.status('b1')).toBe('running');
    r.succeed('b1');
    expect(r.takeExecuted()).toEqual(['b2']);
  });
});

describe('global maxParallel', () => {
  it('never has more than maxParallel steps executing, and starts the next as one finishes', () => {
    const r = new FakeRun(workflow(independent(7), { maxParallel: 3 }));
    r.start();
    expect(r.takeExecuted()).toEqual(['s0', 's1', 's2']);
    expect(r.status('s3')).toBe('queued');
    r.succeed('s1');
    expect(r.takeExecuted()).toEqual(['s3']);
    r.succeed('s0');
    r.succeed('s2');
    expect(r.takeExecuted()).toEqual(['s4', 's5']);
    r.succeed('s3');
    expect(r.takeExecuted()).toEqual(['s6']);
    for (const k of ['s4', 's5', 's6']) r.succeed(k);
    expect(r.state.run.status).toBe('succeeded');
    expect(r.peakExecuting).toBe(3);
  });

  it('maxParallel 1 turns independent steps into a sequence in definition order', () => {
    const r = new FakeRun(workflow(independent(4), { maxParallel: 1 }));
    r.start();
    const order: string[] = [];
    for (;;) {
      const next = r.takeExecuted();
      if (next.length === 0) break;
      expect(next).toHaveLength(1);
      order.push(...next);
      r.succeed(next[0] as string);
    }
    expect(order).toEqual(['s0', 's1', 's2', 's3']);
    expect(r.peakExecuting).toBe(1);
  });

  it('a failed step frees its slot', () => {
    const r = new FakeRun(workflow(independent(3), { maxParallel: 2 }));
    r.start();
    expect(r.takeExecuted()).toEqual(['s0', 's1']);
    r.fail('s0');
    expect(r.takeExecuted()).toEqual(['s2']);
  });

  it('a step preparing its templates holds a slot', () => {
    const r = new FakeRun(workflow([stepSpec('c', { if: 'true' }), stepSpec('x'), stepSpec('y')], { maxParallel: 2 }));
    r.start();
    expect(r.takePrepared()).toEqual(['c']);
    expect(r.takeExecuted()).toEqual(['x']);
    expect(r.status('y')).toBe('queued');
    r.prepared('c', { skip: 'condition false' });
    expect(r.takeExecuted()).toEqual(['y']);
  });

  it('a step waiting for its retry holds no slot', () => {
    const retry = { maxAttempts: 2, backoff: 'fixed' as const, initialDelayMs: 5000, maxDelayMs: 5000, jitter: 0 };
    const r = new FakeRun(workflow([stepSpec('a', { retry }), stepSpec('b')], { maxParallel: 1 }));
    r.start();
    expect(r.takeExecuted()).toEqual(['a']);
    r.fail('a');
    expect(r.status('a')).toBe('retrying');
    expect(r.takeExecuted()).toEqual(['b']);
    r.advance(5000);
    // Due, but the one slot is taken: it waits for b.
    expect(r.takeExecuted()).toEqual([]);
    r.succeed('b');
    expect(r.takeExecuted()).toEqual(['a']);
    expect(r.peakExecuting).toBe(1);
  });

  it('the limit holds across dependents released by several finishing steps', () => {
    const r = new FakeRun(
      workflow(
        [
          stepSpec('a'),
          stepSpec('b'),
          ...['a', 'b'].flatMap((p) => [stepSpec(`${p}1`, { dependsOn: [p] }), stepSpec(`${p}2`, { dependsOn: [p] }), stepSpec(`${p}3`, { dependsOn: [p] })]),
        ],
        { maxParallel: 2 },
      ),
    );
    r.start();
    expect(r.takeExecuted()).toEqual(['a', 'b']);
    r.succeed('a');
    expect(r.takeExecuted()).toEqual(['a1']);
    r.succeed('b');
    expect(r.takeExecuted()).toEqual(['a2']);
    while (r.executing.size > 0) {
      const [next] = [...r.executing];
      r.succeed((next as string).split('#')[0] as string);
      r.takeExecuted();
      expect(r.executing.size).toBeLessThanOrEqual(2);
    }
    expect(r.state.run.status).toBe('succeeded');
    expect(r.peakExecuting).toBe(2);
  });
});
