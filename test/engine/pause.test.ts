import { afterEach, describe, expect, it } from 'vitest';
import { takeProjection } from '../../src/engine/index.js';
import { FakeRun, expectReplayMatches, expectRunsConsistent, fullProjection, stepSpec, workflow } from './harness.js';

afterEach(expectRunsConsistent);

const chain = () => workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] }), stepSpec('c', { dependsOn: ['b'] })]);

describe('pause and unpause', () => {
  it('no new step starts while paused; the running one finishes and its result is recorded', () => {
    const r = new FakeRun(chain());
    r.start();
    expect(r.takeExecuted()).toEqual(['a']);
    r.pause('ann');
    expect(r.eventsOf('RunPaused').map((e) => e.data)).toEqual([{ by: 'ann' }]);
    expect(r.state.run.paused).toBe(true);
    expect(takeProjection(r.state).run?.paused).toBe(true);
    r.succeed('a', { x: 1 });
    expect(r.step('a')).toMatchObject({ status: 'succeeded', outputs: { x: 1 } });
    expect(r.status('b')).toBe('queued');
    expect(r.takeExecuted()).toEqual([]);
    expect(r.eventsOf('StepStarted').map((e) => e.data.step)).toEqual(['a']);
    expect(r.advance(60_000)).toEqual([]);
    expect(r.status('b')).toBe('queued');
  });

  it('unpause starts what was held, in order', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] }), stepSpec('c', { dependsOn: ['a'] })]));
    r.start();
    r.pause();
    r.succeed('a');
    r.unpause('bob');
    expect(r.eventsOf('RunUnpaused').map((e) => e.data)).toEqual([{ by: 'bob' }]);
    expect(r.state.run.paused).toBe(false);
    expect(r.takeExecuted()).toEqual(['a', 'b', 'c']);
    r.succeed('b');
    r.succeed('c');
    expect(r.state.run.status).toBe('succeeded');
  });

  it('pausing twice emits once; unpausing a run that is not paused emits nothing', () => {
    const r = new FakeRun(chain());
    r.start();
    expect(r.unpause()).toEqual([]);
    r.pause();
    r.pause('again');
    expect(r.eventsOf('RunPaused')).toHaveLength(1);
    r.unpause();
    r.unpause();
    expect(r.eventsOf('RunUnpaused')).toHaveLength(1);
    r.pause();
    expect(r.eventsOf('RunPaused')).toHaveLength(2);
    expect(r.eventTypes.filter((t) => t === 'RunPaused' || t === 'RunUnpaused')).toEqual(['RunPaused', 'RunUnpaused', 'RunPaused']);
  });

  it('a run paused before it starts starts none of its steps until unpaused', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b')]));
    r.pause();
    r.start();
    expect(r.eventTypes).toEqual(['RunPaused', 'RunStarted']);
    expect(r.status('a')).toBe('queued');
    expect(r.takeExecuted()).toEqual([]);
    r.unpause();
    expect(r.takeExecuted()).toEqual(['a', 'b']);
  });

  it('holds tasks, approvals and waits too: none of them starts while paused', () => {
    const r = new FakeRun(
      workflow([
        stepSpec('a'),
        stepSpec('t', { command: 'task', dependsOn: ['a'] }),
        stepSpec('ok', { command: 'approval', dependsOn: ['a'] }),
        stepSpec('nap', { command: 'wait', parameters: { seconds: 5 }, dependsOn: ['a'] }),
        stepSpec('sig', { command: 'wait', parameters: { signal: 'go' }, dependsOn: ['a'] }),
      ]),
    );
    r.start();
    r.pause();
    r.succeed('a');
    r.signal('go', 1);
    for (const k of ['t', 'ok', 'nap', 'sig']) expect(r.status(k)).toBe('queued');
    expect(r.eventsOf('TaskRequested')).toEqual([]);
    // The signal came before its wait step started: kept, not lost.
    expect(r.state.signals).toHaveLength(1);
    r.unpause();
    expect(r.eventsOf('TaskRequested').map((e) => e.data.step)).toEqual(['t', 'ok']);
    expect(r.status('nap')).toBe('waiting');
    expect(r.step('sig').outputs).toMatchObject({ signal: 'go', data: 1 });
  });

  it('does not stop what already waits: a task can be completed, a timer fires, a signal arrives', () => {
    const r = new FakeRun(
      workflow([
        stepSpec('t', { command: 'task' }),
        stepSpec('nap', { command: 'wait', parameters: { seconds: 5 } }),
        stepSpec('sig', { command: 'wait', parameters: { signal: 'go' } }),
        stepSpec('after', { dependsOn: ['t', 'nap', 'sig'] }),
      ]),
    );
    r.start();
    r.pause();
    r.complete('t', 'ann');
    r.advance(5000);
    r.signal('go');
    for (const k of ['t', 'nap', 'sig']) expect(r.status(k)).toBe('succeeded');
    expect(r.status('after')).toBe('queued');
    expect(r.takeExecuted()).toEqual([]);
    r.unpause();
    expect(r.takeExecuted()).toEqual(['after']);
  });

  it('a retry that falls due while paused waits for the unpause', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0 } })]));
    r.start();
    r.pause();
    r.fail('a');
    r.advance(1000);
    expect(r.status('a')).toBe('retrying');
    expect(r.take('execute').map((e) => e.attempt)).toEqual([1]);
    r.unpause();
    expect(r.take('execute').map((e) => e.attempt)).toEqual([2]);
  });

  it('an interrupted step is queued again but not restarted while paused', () => {
    const r = new FakeRun(chain());
    r.start();
    r.takeExecuted();
    r.pause();
    r.interrupt('a');
    expect(r.status('a')).toBe('queued');
    expect(r.takeExecuted()).toEqual([]);
    r.unpause();
    expect(r.take('execute').map((e) => [e.step, e.attempt])).toEqual([['a', 2]]);
  });

  it('fan-out instances do not start while paused', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] })]));
    r.start();
    r.pause();
    r.prepared('fan', { items: [1, 2] });
    expect(r.status('fan[0]')).toBe('queued');
    expect(r.takePrepared()).toEqual(['fan']);
    r.unpause();
    expect(r.takePrepared()).toEqual(['fan[0]', 'fan[1]']);
  });

  it('a paused run whose last running step finishes still finishes', () => {
    const r = new FakeRun(workflow([stepSpec('a')]));
    r.start();
    r.pause();
    r.succeed('a');
    expect(r.state.run.status).toBe('succeeded');
    expect(r.unpause()).toEqual([]);
  });

  it('a paused run can be cancelled', () => {
    const r = new FakeRun(chain());
    r.start();
    r.pause();
    r.cancel('stop');
    expect(r.state.run.status).toBe('cancelled');
    expect(r.take('abort').map((e) => e.step)).toEqual(['a']);
  });

  it('the pause survives a crash: the recovered run still starts nothing until unpaused', () => {
    const before = new FakeRun(chain());
    before.start();
    before.pause();
    before.succeed('a');
    const after = FakeRun.recover(before);
    expect(after.state.run.paused).toBe(true);
    expect(fullProjection(after.state)).toEqual(fullProjection(before.state));
    after.send({ type: 'tick' });
    expect(after.takeExecuted()).toEqual([]);
    after.unpause();
    expect(after.takeExecuted()).toEqual(['b']);
    expectReplayMatches(after);
  });

  // Engine bug: a step whose templates were being evaluated when the pause came starts when
  // the `prepared` answer arrives, although the run is paused (StepStarted after RunPaused).
  // Fixed by /tmp/engine-fixes-2.diff (decide.ts onPrepared); make this `it` once applied.
  it('a step being prepared when the pause comes does not start until unpaused', () => {
    const r = new FakeRun(workflow([stepSpec('a', { if: 'true' })]));
    r.start();
    expect(r.takePrepared()).toEqual(['a']);
    r.pause();
    r.prepared('a', { parameters: {} });
    expect(r.eventsOf('StepStarted')).toEqual([]);
    expect(r.takeExecuted()).toEqual([]);
    expect(r.status('a')).toBe('queued');
    r.unpause();
    expect(r.takePrepared()).toEqual(['a']);
    r.prepared('a', { parameters: {} });
    expect(r.takeExecuted()).toEqual(['a']);
  });
});
