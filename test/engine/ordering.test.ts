import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

describe('ordering', () => {
  it('runs a chain one step at a time, in dependency order', () => {
    const r = new FakeRun(
      workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] }), stepSpec('c', { dependsOn: ['b'] }), stepSpec('d', { dependsOn: ['c'] })]),
    );
    r.start();
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const next = r.takeExecuted();
      expect(next).toHaveLength(1);
      order.push(...next);
      r.succeed(next[0] as string);
    }
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(r.takeExecuted()).toEqual([]);
    expect(r.state.run.status).toBe('succeeded');
  });

  it('keeps a dependent pending until its dependency succeeds', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })]));
    r.start();
    expect(r.status('a')).toBe('running');
    expect(r.status('b')).toBe('pending');
    r.succeed('a');
    expect(r.status('b')).toBe('running');
  });

  it('runs a diamond: both branches after the root, the join after both', () => {
    const r = new FakeRun(
      workflow([
        stepSpec('root'),
        stepSpec('left', { dependsOn: ['root'] }),
        stepSpec('right', { dependsOn: ['root'] }),
        stepSpec('join', { dependsOn: ['left', 'right'] }),
      ]),
    );
    r.start();
    expect(r.takeExecuted()).toEqual(['root']);
    r.succeed('root');
    expect(r.takeExecuted()).toEqual(['left', 'right']);
    r.succeed('right');
    expect(r.takeExecuted()).toEqual([]);
    expect(r.status('join')).toBe('pending');
    r.succeed('left');
    expect(r.takeExecuted()).toEqual(['join']);
    r.succeed('join', { done: true });
    expect(r.state.run.status).toBe('succeeded');
    expect(r.state.run.outputs).toEqual({ join: { done: true } });
  });

  it('breaks ties between steps ready together by definition order', () => {
    const r = new FakeRun(workflow([stepSpec('zeta'), stepSpec('alpha'), stepSpec('mid'), stepSpec('beta')]));
    r.start();
    expect(r.takeExecuted()).toEqual(['zeta', 'alpha', 'mid', 'beta']);
  });

  it('uses definition order for dependents released by one step, whatever their dependency lists say', () => {
    const r = new FakeRun(
      workflow([
        stepSpec('root'),
        stepSpec('c3', { dependsOn: ['root'] }),
        stepSpec('c1', { dependsOn: ['root'] }),
        stepSpec('c2', { dependsOn: ['root'] }),
      ]),
    );
    r.start();
    expect(r.takeExecuted()).toEqual(['root']);
    r.succeed('root');
    expect(r.takeExecuted()).toEqual(['c3', 'c1', 'c2']);
  });

  it('definition order decides who gets the single slot when several are ready', () => {
    const r = new FakeRun(
      workflow([stepSpec('root'), stepSpec('b', { dependsOn: ['root'] }), stepSpec('a', { dependsOn: ['root'] }), stepSpec('c', { dependsOn: ['root'] })], {
        maxParallel: 1,
      }),
    );
    r.start();
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [key] = r.takeExecuted();
      order.push(key as string);
      r.succeed(key as string);
    }
    expect(order).toEqual(['root', 'b', 'a', 'c']);
  });

  it('records StepStarted before StepSucceeded for every step and RunFinished last', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })]));
    r.start();
    r.succeed('a');
    r.succeed('b');
    expect(r.eventTypes).toEqual(['RunStarted', 'StepStarted:a', 'StepSucceeded:a', 'StepStarted:b', 'StepSucceeded:b', 'RunFinished']);
  });

  it('finishes an empty workflow at once', () => {
    const r = new FakeRun(workflow([]));
    r.start();
    expect(r.state.run.status).toBe('succeeded');
    expect(r.state.run.outputs).toEqual({});
  });

  it('a second start does nothing', () => {
    const r = new FakeRun(workflow([stepSpec('a')]));
    r.start();
    expect(r.takeExecuted()).toEqual(['a']);
    expect(r.start()).toEqual([]);
    expect(r.eventsOf('RunStarted')).toHaveLength(1);
    expect(r.takeExecuted()).toEqual([]);
  });

  it('a step never executes before every one of its dependencies succeeded (wide fan-in)', () => {
    const deps = Array.from({ length: 10 }, (_, i) => stepSpec(`d${i}`));
    const r = new FakeRun(workflow([...deps, stepSpec('sink', { dependsOn: deps.map((d) => d.id) })]));
    r.start();
    expect(r.takeExecuted()).toHaveLength(10);
    for (let i = 9; i >= 1; i--) {
      r.succeed(`d${i}`);
      expect(r.takeExecuted()).toEqual([]);
    }
    r.succeed('d0');
    expect(r.takeExecuted()).toEqual(['sink']);
  });

  it('stamps the run and steps with the clock', () => {
    const r = new FakeRun(workflow([stepSpec('a')]));
    const t0 = r.now;
    r.start();
    r.now += 2500;
    r.succeed('a');
    expect(r.state.run.startedAt).toBe(t0);
    expect(r.step('a').startedAt).toBe(t0);
    expect(r.step('a').finishedAt).toBe(t0 + 2500);
    expect(r.state.run.finishedAt).toBe(t0 + 2500);
  });
});
