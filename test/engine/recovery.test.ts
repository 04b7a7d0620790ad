import { afterEach, describe, expect, it } from 'vitest';
import { takeProjection, type Workflow } from '../../src/engine/index.js';
import { FakeRun, expectSequencesContiguous, fullProjection, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

const retry = (maxAttempts: number) => ({ maxAttempts, backoff: 'fixed' as const, initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0 });

/** The projection rebuilt from the events alone equals the live one. */
function expectReplayMatches(r: FakeRun): void {
  const rebuilt = r.rebuild();
  expect(rebuilt.seq).toBe(r.state.seq);
  expect(fullProjection(rebuilt)).toEqual(fullProjection(r.state));
}

interface Scenario {
  name: string;
  wf: Workflow;
  /** Drives the run; calls `checkpoint` after each input. */
  drive(r: FakeRun, checkpoint: () => void): void;
}

const scenarios: Scenario[] = [
  {
    name: 'a diamond that succeeds',
    wf: workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] }), stepSpec('c', { dependsOn: ['a'] }), stepSpec('d', { dependsOn: ['b', 'c'] })]),
    drive(r, cp) {
      r.start(); cp();
      r.succeed('a', { x: 1 }); cp();
      r.succeed('c', { y: 2 }); cp();
      r.succeed('b'); cp();
      r.succeed('d', { z: 3 }); cp();
    },
  },
  {
    name: 'a failure that skips dependents, a condition, continue_on_error',
    wf: workflow([
      stepSpec('bad'),
      stepSpec('skipped', { dependsOn: ['bad'] }),
      stepSpec('cond', { if: 'false' }),
      stepSpec('after-cond', { dependsOn: ['cond'], triggerRule: 'none_failed' }),
      stepSpec('soft', { continueOnError: true }),
      stepSpec('after-soft', { dependsOn: ['soft'] }),
      stepSpec('cleanup', { dependsOn: ['bad'], triggerRule: 'all_done' }),
    ]),
    drive(r, cp) {
      r.start(); cp();
      r.prepared('cond', { skip: 'condition false' }); cp();
      r.fail('bad', 'exit 1'); cp();
      r.fail('soft', 'meh'); cp();
      r.succeed('after-cond'); cp();
      r.succeed('after-soft'); cp();
      r.succeed('cleanup'); cp();
    },
  },
  {
    name: 'retries and timeouts',
    wf: workflow([stepSpec('flaky', { retry: retry(3) }), stepSpec('slow', { timeoutSeconds: 5, retry: retry(2) })]),
    drive(r, cp) {
      r.start(); cp();
      r.fail('flaky'); cp();
      r.advance(1000); cp();
      r.fail('flaky'); cp();
      r.advance(4000); cp();
      r.succeed('flaky', { ok: 1 }); cp();
      r.advance(1000); cp();
      r.advance(5000); cp();
      r.fail('slow', 'again'); cp();
    },
  },
  {
    name: 'a retry that waits for a parallelism slot',
    wf: workflow([stepSpec('a', { retry: retry(2) }), stepSpec('b')], { maxParallel: 1 }),
    drive(r, cp) {
      r.start(); cp();
      r.fail('a'); cp();
      r.advance(1000); cp();
      r.succeed('b'); cp();
      r.succeed('a'); cp();
    },
  },
  {
    name: 'a fan-out with a failed item',
    wf: workflow([stepSpec('fan', { forEach: [], maxParallel: 2 }), stepSpec('after', { dependsOn: ['fan'] })]),
    drive(r, cp) {
      r.start(); cp();
      r.prepared('fan', { items: ['a', 'b', 'c'] }); cp();
      r.prepared('fan[0]', { parameters: { i: 0 } }); cp();
      r.prepared('fan[1]', { parameters: { i: 1 } }); cp();
      r.succeed('fan[1]', { v: 1 }); cp();
      r.prepared('fan[2]', { parameters: { i: 2 } }); cp();
      r.fail('fan[0]'); cp();
      r.succeed('fan[2]', { v: 2 }); cp();
    },
  },
  {
    name: 'a wait, then cancellation',
    wf: workflow([stepSpec('nap', { command: 'wait', parameters: { seconds: 10 } }), stepSpec('work'), stepSpec('after', { dependsOn: ['nap'] })]),
    drive(r, cp) {
      r.start(); cp();
      r.succeed('work'); cp();
      r.advance(10_000); cp();
      r.cancel('enough'); cp();
    },
  },
  {
    name: 'a run timeout',
    wf: workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })], { timeoutSeconds: 3 }),
    drive(r, cp) {
      r.start(); cp();
      r.advance(3000); cp();
    },
  },
  {
    name: 'declared outputs',
    wf: workflow([stepSpec('a')], { outputs: { x: '${{ steps.a.outputs.x }}' } }),
    drive(r, cp) {
      r.start(); cp();
      r.succeed('a', { x: 5 }); cp();
      r.send({ type: 'finalized', outputs: { x: 5 } }); cp();
    },
  },
  {
    name: 'an interrupted step',
    wf: workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })]),
    drive(r, cp) {
      r.start(); cp();
      r.interrupt('a'); cp();
      r.succeed('a'); cp();
      r.succeed('b'); cp();
    },
  },
];

describe('replay', () => {
  for (const s of scenarios) {
    it(`rebuilds the final projection from the events: ${s.name}`, () => {
      const r = new FakeRun(s.wf);
      s.drive(r, () => undefined);
      expect(r.state.run.status).not.toBe('running');
      expectReplayMatches(r);
    });
  }

  for (const s of scenarios) {
    it(`rebuilds the projection from the events after every input: ${s.name}`, () => {
      const r = new FakeRun(s.wf);
      s.drive(r, () => expectReplayMatches(r));
    });
  }

  it('rebuilds a step that waits for a parallelism slot as queued, not pending', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b')], { maxParallel: 1 }));
    r.start();
    expect(r.status('b')).toBe('queued');
    expectReplayMatches(r);
  });

  it('the projections taken along the way add up to the full projection', () => {
    const r = new FakeRun(scenarios[3]!.wf);
    const seen = new Map<string, unknown>();
    let run: unknown;
    scenarios[3]!.drive(r, () => {
      const p = takeProjection(r.state);
      if (p.run) run = p.run;
      for (const st of p.steps) seen.set(st.key, st);
    });
    const full = fullProjection(r.state);
    expect(run).toEqual(full.run);
    expect([...seen.keys()].sort()).toEqual(full.steps.map((s) => s.key));
    for (const st of full.steps) expect(seen.get(st.key)).toEqual(st);
  });
});

describe('recovery after a crash', () => {
  it('re-queues an interrupted step: the next execute has attempt + 1 and the same idempotency key', () => {
    const wf = workflow([stepSpec('done'), stepSpec('a', { dependsOn: ['done'] }), stepSpec('b', { dependsOn: ['a'] })]);
    const before = new FakeRun(wf);
    before.start();
    before.succeed('done');
    const first = before.take('execute').find((e) => e.step === 'a');
    expect(first?.attempt).toBe(1);

    const after = FakeRun.recover(before);
    expect(after.status('done')).toBe('succeeded');
    expect(after.status('a')).toBe('running');
    after.send({ type: 'interrupted', step: 'a', attempt: 1, reason: 'engine restarted' });
    expect(after.eventsOf('StepInterrupted').map((e) => e.data)).toEqual([{ step: 'a', attempt: 1, reason: 'engine restarted' }]);
    const [again] = after.take('execute');
    expect(again).toMatchObject({ step: 'a', attempt: 2, idempotencyKey: first?.idempotencyKey });
    after.succeed('a');
    // A step that completed before the crash never executes again.
    expect(after.takeExecuted()).toEqual(['b']);
    after.succeed('b');
    expect(after.state.run.status).toBe('succeeded');
  });

  it('ignores an interruption for a stale attempt or a step that is not running', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })]));
    r.start();
    expect(r.send({ type: 'interrupted', step: 'a', attempt: 2, reason: 'x' })).toEqual([]);
    expect(r.send({ type: 'interrupted', step: 'b', attempt: 0, reason: 'x' })).toEqual([]);
    r.succeed('a');
    expect(r.send({ type: 'interrupted', step: 'a', attempt: 1, reason: 'x' })).toEqual([]);
    expect(r.eventsOf('StepInterrupted')).toEqual([]);
  });

  it('an interrupted step keeps its timeout: a fresh deadline for the new attempt', () => {
    const r = new FakeRun(workflow([stepSpec('a', { timeoutSeconds: 10 })]));
    r.start();
    r.advance(6000);
    r.interrupt('a');
    expect(r.wake()).toBe(r.now + 10_000);
  });

  it('runs an interrupted step again even without a retry policy, counting the attempt', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: retry(1) })]));
    r.start();
    r.interrupt('a');
    expect(r.take('execute').map((e) => e.attempt)).toEqual([1, 2]);
    r.fail('a');
    expect(r.status('a')).toBe('failed');
    expect(r.step('a').attempts).toBe(2);
  });

  it('starts again what was ready but not started, and re-prepares what was being prepared', () => {
    const wf = workflow([stepSpec('a'), stepSpec('b'), stepSpec('c', { if: 'true' })], { maxParallel: 2 });
    const before = new FakeRun(wf);
    before.start();
    expect(before.takeExecuted()).toEqual(['a', 'b']);
    before.succeed('a');
    expect(before.takePrepared()).toEqual(['c']);

    const after = FakeRun.recover(before);
    after.send({ type: 'tick' });
    expect(after.takePrepared()).toEqual(['c']);
    expect(after.takeExecuted()).toEqual([]);
    after.prepared('c', { parameters: {} });
    expect(after.take('execute').map((e) => [e.step, e.attempt])).toEqual([['c', 1]]);
  });

  it('keeps a wait timer across the crash', () => {
    const wf = workflow([stepSpec('nap', { command: 'wait', parameters: { seconds: 60 } })]);
    const before = new FakeRun(wf);
    before.start();
    const due = before.wake();
    before.now += 20_000;
    const after = FakeRun.recover(before);
    expect(after.wake()).toBe(due);
    after.advance(40_000);
    expect(after.step('nap').outputs).toEqual({ waited_seconds: 60 });
  });

  it('keeps a scheduled retry and the run deadline across the crash', () => {
    const wf = workflow([stepSpec('a', { retry: { ...retry(2), initialDelayMs: 5000 } })], { timeoutSeconds: 100 });
    const before = new FakeRun(wf);
    before.start();
    before.fail('a');
    const after = FakeRun.recover(before);
    expect(after.wake()).toBe(before.wake());
    after.advance(5000);
    expect(after.take('execute').map((e) => e.attempt)).toEqual([2]);
    expect(after.wake()).toBe(before.now + 100_000);
  });

  it('resumes a fan-out: finished instances stay done, the interrupted one runs again', () => {
    const wf = workflow([stepSpec('fan', { forEach: [] })]);
    const before = new FakeRun(wf);
    before.start();
    before.prepared('fan', { items: ['a', 'b', 'c'] });
    for (const k of ['fan[0]', 'fan[1]', 'fan[2]']) before.prepared(k, { parameters: {} });
    before.succeed('fan[0]', { v: 0 });
    before.succeed('fan[2]', { v: 2 });

    const after = FakeRun.recover(before);
    after.interrupt('fan[1]');
    expect(after.takePrepared()).toEqual(['fan[1]']);
    after.prepared('fan[1]', { parameters: {} });
    expect(after.take('execute').map((e) => [e.step, e.attempt])).toEqual([['fan[1]', 2]]);
    after.succeed('fan[1]', { v: 1 });
    expect(after.step('fan').outputs).toEqual({ items: [{ v: 0 }, { v: 1 }, { v: 2 }] });
    expect(after.state.run.status).toBe('succeeded');
  });

  it('finalizes again when the crash came while outputs were being evaluated', () => {
    const wf = workflow([stepSpec('a')], { outputs: { x: '1' } });
    const before = new FakeRun(wf);
    before.start();
    before.succeed('a');
    expect(before.take('finalize')).toHaveLength(1);
    const after = FakeRun.recover(before);
    expect(after.send({ type: 'tick' })).toEqual([{ type: 'finalize' }]);
    after.send({ type: 'finalized', outputs: { x: 1 } });
    expect(after.state.run.outputs).toEqual({ x: 1 });
  });

  it('a finished run stays finished after recovery: nothing to do, nothing to wake for', () => {
    const wf = workflow([stepSpec('a')]);
    const before = new FakeRun(wf);
    before.start();
    before.succeed('a');
    const after = FakeRun.recover(before);
    expect(after.state.run.status).toBe('succeeded');
    expect(after.send({ type: 'tick' })).toEqual([]);
    expect(after.wake()).toBeUndefined();
  });
});
