import { afterEach, describe, expect, it } from 'vitest';
import { takeProjection } from '../../src/engine/index.js';
import { FakeRun, expectSequencesContiguous, fullProjection, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

describe('wait steps', () => {
  it('keeps its own timer: no execute effect, status waiting, wakes at the right time', () => {
    const r = new FakeRun(workflow([stepSpec('nap', { command: 'wait', parameters: { seconds: 30 } }), stepSpec('after', { dependsOn: ['nap'] })]));
    const t0 = r.now;
    r.start();
    expect(r.take('execute')).toEqual([]);
    expect(r.status('nap')).toBe('waiting');
    expect(r.eventsOf('StepStarted').map((e) => e.data.step)).toEqual(['nap']);
    expect(r.wake()).toBe(t0 + 30_000);
    expect(r.advance(29_999)).toEqual([]);
    expect(r.status('nap')).toBe('waiting');
    r.advance(1);
    expect(r.status('nap')).toBe('succeeded');
    expect(r.step('nap').outputs).toEqual({ waited_seconds: 30 });
    expect(r.takeExecuted()).toEqual(['after']);
  });

  it('projects the run as waiting while only timers are pending, running otherwise', () => {
    const r = new FakeRun(workflow([stepSpec('nap', { command: 'wait', parameters: { seconds: 5 } }), stepSpec('busy')]));
    r.start();
    expect(takeProjection(r.state).run?.status).toBe('running');
    r.succeed('busy');
    expect(takeProjection(r.state).run?.status).toBe('waiting');
    expect(fullProjection(r.state).run.status).toBe('waiting');
    // The stored status stays running: waiting is derived, it has no event of its own.
    expect(r.state.run.status).toBe('running');
    r.advance(5000);
    expect(takeProjection(r.state).run?.status).toBe('succeeded');
  });

  it('reports the time actually waited when the tick comes late', () => {
    const r = new FakeRun(workflow([stepSpec('nap', { command: 'wait', parameters: { seconds: 10 } })]));
    r.start();
    r.advance(42_000);
    expect(r.step('nap').outputs).toEqual({ waited_seconds: 42 });
  });

  it('uses resolved parameters when its seconds come from a template', () => {
    const r = new FakeRun(workflow([stepSpec('nap', { command: 'wait', parameters: { seconds: '${{ parameters.delay }}' } })]));
    r.start();
    expect(r.takePrepared()).toEqual(['nap']);
    r.prepared('nap', { parameters: { seconds: 7 } });
    expect(r.take('execute')).toEqual([]);
    expect(r.wake()).toBe(r.now + 7000);
  });

  it('waits until an absolute time', () => {
    const until = new Date(2_000_000).toISOString();
    const r = new FakeRun(workflow([stepSpec('nap', { command: 'wait', parameters: { until } })]));
    r.start();
    expect(r.wake()).toBe(2_000_000);
    r.tickAt(2_000_000);
    expect(r.status('nap')).toBe('succeeded');
  });

  it('a zero wait succeeds at the next tick', () => {
    const r = new FakeRun(workflow([stepSpec('nap', { command: 'wait', parameters: {} })]));
    r.start();
    expect(r.wake()).toBe(r.now);
    r.advance(0);
    expect(r.step('nap').outputs).toEqual({ waited_seconds: 0 });
  });

  it('holds no parallelism slot', () => {
    const r = new FakeRun(
      workflow([stepSpec('n1', { command: 'wait', parameters: { seconds: 5 } }), stepSpec('n2', { command: 'wait', parameters: { seconds: 5 } }), stepSpec('work')], {
        maxParallel: 1,
      }),
    );
    r.start();
    expect(r.status('n1')).toBe('waiting');
    expect(r.status('n2')).toBe('waiting');
    expect(r.takeExecuted()).toEqual(['work']);
  });

  it('is not interrupted: its timer is durable', () => {
    const r = new FakeRun(workflow([stepSpec('nap', { command: 'wait', parameters: { seconds: 5 } })]));
    r.start();
    expect(r.interrupt('nap')).toEqual([]);
    expect(r.status('nap')).toBe('waiting');
  });

  it('wakes several timers due at the same tick in one go', () => {
    const r = new FakeRun(
      workflow([
        stepSpec('n1', { command: 'wait', parameters: { seconds: 3 } }),
        stepSpec('n2', { command: 'wait', parameters: { seconds: 2 } }),
        stepSpec('join', { dependsOn: ['n1', 'n2'] }),
      ]),
    );
    r.start();
    expect(r.wake()).toBe(r.now + 2000);
    r.advance(3000);
    expect(r.takeExecuted()).toEqual(['join']);
  });
});
