import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

const fixed = (maxAttempts: number) => ({ maxAttempts, backoff: 'fixed' as const, initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0 });

/** Answer every outstanding prepare of an instance with parameters naming its item. */
function prepareInstances(r: FakeRun): string[] {
  const keys = r.takePrepared();
  for (const key of keys) r.prepared(key, { parameters: { item: key } });
  return keys;
}

describe('fan-out and join', () => {
  it('asks to prepare the for_each step, then fans out into instances id[0..n-1]', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: '${{ parameters.hosts }}', parameters: { host: '${{ item }}' } })]));
    r.start();
    expect(r.takePrepared()).toEqual(['fan']);
    r.prepared('fan', { items: ['h1', 'h2', 'h3'] });
    expect(r.status('fan')).toBe('running');
    expect([...r.state.steps.keys()]).toEqual(['fan', 'fan[0]', 'fan[1]', 'fan[2]']);
    expect(r.step('fan[1]')).toMatchObject({ stepId: 'fan', index: 1 });
    const expanded = r.eventsOf('StepExpanded');
    expect(expanded.map((e) => e.data)).toEqual([{ step: 'fan', count: 3, items: ['h1', 'h2', 'h3'] }]);
    // Each instance needs its templates (the item) resolved: a prepare effect each, in index order.
    expect(r.takePrepared()).toEqual(['fan[0]', 'fan[1]', 'fan[2]']);
    expect(r.takeExecuted()).toEqual([]);
  });

  it('executes each instance with its own resolved parameters', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [1, 2] })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: [1, 2] });
    r.prepared('fan[1]', { parameters: { n: 2 } });
    r.prepared('fan[0]', { parameters: { n: 1 } });
    expect(r.take('execute').map((e) => [e.step, e.stepId, e.attempt, e.parameters])).toEqual([
      ['fan[1]', 'fan', 1, { n: 2 }],
      ['fan[0]', 'fan', 1, { n: 1 }],
    ]);
  });

  it('joins the instance outputs as { items } in index order, whatever order they finish in', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] }), stepSpec('after', { dependsOn: ['fan'] })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: ['a', 'b', 'c'] });
    prepareInstances(r);
    r.succeed('fan[2]', { v: 'c' });
    r.succeed('fan[0]', { v: 'a' });
    expect(r.status('fan')).toBe('running');
    expect(r.takeExecuted()).toEqual(['fan[0]', 'fan[1]', 'fan[2]']);
    r.succeed('fan[1]', { v: 'b' });
    expect(r.status('fan')).toBe('succeeded');
    expect(r.step('fan').outputs).toEqual({ items: [{ v: 'a' }, { v: 'b' }, { v: 'c' }] });
    expect(r.takeExecuted()).toEqual(['after']);
  });

  it('an empty list succeeds at once with no items', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] }), stepSpec('after', { dependsOn: ['fan'] })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: [] });
    expect(r.status('fan')).toBe('succeeded');
    expect(r.step('fan').outputs).toEqual({ items: [] });
    expect(r.takePrepared()).toEqual([]);
    expect(r.takeExecuted()).toEqual(['after']);
  });

  it('respects the step maxParallel across its instances', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [], maxParallel: 2 })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: [0, 1, 2, 3, 4] });
    expect(prepareInstances(r)).toEqual(['fan[0]', 'fan[1]']);
    expect(r.status('fan[2]')).toBe('queued');
    r.succeed('fan[0]');
    expect(prepareInstances(r)).toEqual(['fan[2]']);
    r.succeed('fan[1]');
    r.succeed('fan[2]');
    expect(prepareInstances(r)).toEqual(['fan[3]', 'fan[4]']);
    r.succeed('fan[3]');
    r.succeed('fan[4]');
    expect(r.status('fan')).toBe('succeeded');
    expect(r.peakExecuting).toBe(2);
  });

  it('an instance being prepared counts against the step maxParallel', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [], maxParallel: 1 })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: ['x', 'y'] });
    expect(r.takePrepared()).toEqual(['fan[0]']);
    r.prepared('fan[0]', { parameters: {} });
    expect(r.takePrepared()).toEqual([]);
    r.succeed('fan[0]');
    expect(r.takePrepared()).toEqual(['fan[1]']);
  });

  it('the global maxParallel bounds instances and plain steps together', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] }), stepSpec('solo')], { maxParallel: 3 }));
    r.start();
    expect(r.takePrepared()).toEqual(['fan']);
    expect(r.takeExecuted()).toEqual(['solo']);
    r.prepared('fan', { items: [0, 1, 2, 3] });
    expect(prepareInstances(r)).toEqual(['fan[0]', 'fan[1]']);
    r.succeed('solo');
    expect(prepareInstances(r)).toEqual(['fan[2]']);
    expect(r.peakExecuting).toBe(3);
    r.succeed('fan[0]');
    expect(prepareInstances(r)).toEqual(['fan[3]']);
    expect(r.peakExecuting).toBe(3);
  });

  it('one failed instance fails the parent with FOR_EACH_FAILED once all instances are done', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] }), stepSpec('after', { dependsOn: ['fan'] })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: [1, 2, 3] });
    prepareInstances(r);
    r.fail('fan[1]', 'bad item');
    expect(r.status('fan[1]')).toBe('failed');
    expect(r.status('fan')).toBe('running');
    expect(r.status('fan[2]')).toBe('running');
    r.succeed('fan[0]');
    r.succeed('fan[2]');
    expect(r.status('fan')).toBe('failed');
    expect(r.step('fan').error).toEqual({ code: 'FOR_EACH_FAILED', message: '1 of 3 items failed' });
    expect(r.status('after')).toBe('skipped');
    expect(r.step('after').reason).toBe("dependency 'fan' failed");
    expect(r.state.run.status).toBe('failed');
    expect(r.state.run.error?.message).toContain("step 'fan' failed");
  });

  it('a skipped instance does not fail the parent; its slot in items is null', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: [1, 2] });
    r.prepared('fan[0]', { skip: 'item filtered' });
    r.prepared('fan[1]', { parameters: {} });
    r.succeed('fan[1]', { v: 2 });
    expect(r.status('fan')).toBe('succeeded');
    expect(r.step('fan').outputs).toEqual({ items: [null, { v: 2 }] });
  });

  it('a for_each whose list cannot be computed fails the step', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: '${{ nope }}' })]));
    r.start();
    r.prepared('fan', { error: { code: 'EXPRESSION', message: 'not a list' } });
    expect(r.status('fan')).toBe('failed');
    expect(r.state.run.status).toBe('failed');
  });

  it('a skipped for_each step fans out nothing and skips its dependents', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [1], if: 'false' }), stepSpec('after', { dependsOn: ['fan'] })]));
    r.start();
    r.prepared('fan', { skip: 'condition false' });
    expect([...r.state.steps.keys()]).toEqual(['fan', 'after']);
    expect(r.status('after')).toBe('skipped');
  });

  it('retries a failed instance on its own, with the step retry policy', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [], retry: fixed(2) })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: ['a', 'b'] });
    prepareInstances(r);
    r.take('execute');
    r.fail('fan[0]');
    expect(r.status('fan[0]')).toBe('retrying');
    expect(r.wake()).toBe(r.now + 1000);
    r.advance(1000);
    // The retry goes through prepare again (its templates), then executes attempt 2.
    expect(prepareInstances(r)).toEqual(['fan[0]']);
    expect(r.take('execute').map((e) => [e.step, e.attempt])).toEqual([['fan[0]', 2]]);
    r.succeed('fan[0]', { v: 'a' });
    r.succeed('fan[1]', { v: 'b' });
    expect(r.step('fan').outputs).toEqual({ items: [{ v: 'a' }, { v: 'b' }] });
    expect(r.state.run.status).toBe('succeeded');
  });

  it('re-queues an interrupted instance after every instance was dispatched', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: ['a', 'b'] });
    prepareInstances(r);
    const [first] = r.take('execute');
    r.interrupt('fan[0]');
    expect(prepareInstances(r)).toEqual(['fan[0]']);
    const [again] = r.take('execute');
    expect(again).toMatchObject({ step: 'fan[0]', attempt: 2, idempotencyKey: first?.idempotencyKey });
  });

  it('ignores an interruption addressed to the fan-out parent, which runs no process of its own', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: ['a', 'b'] });
    prepareInstances(r);
    expect(r.interrupt('fan')).toEqual([]);
    expect(r.status('fan')).toBe('running');
    expect(r.status('fan[0]')).toBe('running');
    r.succeed('fan[0]');
    r.succeed('fan[1]');
    expect(r.state.run.status).toBe('succeeded');
  });

  it('ignores a result addressed to the fan-out parent', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] })]));
    r.start();
    r.take('prepare');
    r.prepared('fan', { items: ['a'] });
    prepareInstances(r);
    expect(r.succeed('fan', { early: true })).toEqual([]);
    expect(r.status('fan')).toBe('running');
  });
});
