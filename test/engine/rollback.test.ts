import { afterEach, describe, expect, it } from 'vitest';
import { compensationOrder, rollbackPlan, rollbackProblem, runStatus, type CompensationSpec, type StepSpec, type Workflow } from '../../src/engine/index.js';
import { FakeRun, expectReplayMatches, expectRunsConsistent, fullProjection, stepSpec, workflow } from './harness.js';

// Contiguous sequences, and a replay of the events that agrees with the live state
// (projection, rollback progress and every compensation), after every test.
afterEach(expectRunsConsistent);

const tries = (maxAttempts: number) => ({ maxAttempts, backoff: 'fixed' as const, initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0 });

function undo(id: string, maxAttempts = 1): CompensationSpec {
  return { command: 'shell', parameters: { command: `undo ${id}` }, retry: tries(maxAttempts) };
}

/** A step with a compensation (`rollback:`) that may be tried `maxAttempts` times. */
function undoable(id: string, over: Partial<StepSpec> = {}, maxAttempts = 1): StepSpec {
  return stepSpec(id, { rollback: undo(id, maxAttempts), ...over });
}

/** a -> b -> c, each undoable, then `d` which has no compensation. */
function chain(over: Partial<Workflow> = {}, bAttempts = 1): Workflow {
  return workflow(
    [undoable('a'), undoable('b', { dependsOn: ['a'] }, bAttempts), undoable('c', { dependsOn: ['b'] }), stepSpec('d', { dependsOn: ['c'] })],
    over,
  );
}

/** Runs a, b, c to success one second apart, with `d` left running. */
function throughC(wf: Workflow): FakeRun {
  const r = new FakeRun(wf);
  r.start();
  for (const key of ['a', 'b', 'c']) {
    r.succeed(key, { did: key });
    r.advance(1000);
  }
  r.take('execute');
  return r;
}

/** Answers every compensation the engine asks for, as it asks; the steps in the order asked. */
function compensateAll(r: FakeRun): string[] {
  const done: string[] = [];
  for (let asked = r.take('compensate'); asked.length > 0; asked = r.take('compensate')) {
    for (const e of asked) {
      done.push(e.step);
      r.compensated(e.step, { undone: e.step });
    }
  }
  return done;
}

const order = (r: FakeRun) => r.eventsOf('RollbackStarted').map((e) => e.data.order);
const compensatedSteps = (r: FakeRun) => r.eventsOf('StepCompensated').map((e) => e.data.step);
const finishes = (r: FakeRun) => r.eventsOf('RunFinished').map((e) => e.data);

describe('automatic rollback when a run fails', () => {
  it('compensates the succeeded steps with a rollback, most recently finished first, then ends rolled_back', () => {
    const r = throughC(chain({ rollbackEnabled: true }));
    const effects = r.fail('d');
    expect(r.eventTypes.slice(-4)).toEqual(['StepFailed:d', 'RollbackRequested', 'RollbackStarted', 'CompensationStarted:c']);
    expect(r.eventsOf('RollbackRequested')[0]?.data).toEqual({ strategy: 'immediate', reason: "step 'd' failed: boom" });
    expect(order(r)).toEqual([['c', 'b', 'a']]);
    // One compensation at a time, each with its own idempotency key.
    expect(effects).toEqual([{ type: 'compensate', step: 'c', stepId: 'c', attempt: 1, idempotencyKey: 'r1:c:rollback' }]);
    expect(r.eventsOf('CompensationStarted')[0]?.data).toEqual({ step: 'c', attempt: 1, idempotencyKey: 'r1:c:rollback' });
    expect(r.state.run.status).toBe('rolling_back');
    expect(runStatus(r.state)).toBe('rolling_back');
    expect(r.wake()).toBeUndefined();
    r.take('compensate');

    expect(r.compensated('c', { removed: 'c' })).toEqual([{ type: 'compensate', step: 'b', stepId: 'b', attempt: 1, idempotencyKey: 'r1:b:rollback' }]);
    expect(r.eventsOf('StepCompensated')[0]?.data).toEqual({ step: 'c', attempt: 1, outputs: { removed: 'c' } });
    expect(compensateAll(r)).toEqual(['b', 'a']);

    expect(compensatedSteps(r)).toEqual(['c', 'b', 'a']);
    expect(finishes(r)).toEqual([
      { status: 'rolled_back', error: { code: 'ROLLED_BACK', message: "rolled back after: step 'd' failed: boom (3 steps compensated)" } },
    ]);
    expect(r.state.run.finishedAt).toBe(r.now);
    // What the steps did stays on record: undoing a step does not rewrite its result.
    expect(r.step('b')).toMatchObject({ status: 'succeeded', outputs: { did: 'b' } });
    expect(r.status('d')).toBe('failed');
    expect(r.take('execute')).toEqual([]);
  });

  it('does nothing of the kind without rollback_enabled: the run just fails', () => {
    const r = throughC(chain());
    r.fail('d');
    expect(finishes(r).map((f) => f.status)).toEqual(['failed']);
    expect(r.eventTypes.filter((t) => t.startsWith('Rollback') || t.startsWith('Compensation'))).toEqual([]);
    expect(r.take('compensate')).toEqual([]);
  });

  it('follows completion order, not definition order: parallel branches undo the later one first', () => {
    const wf = workflow(
      [undoable('a'), undoable('b', { dependsOn: ['a'] }), undoable('c', { dependsOn: ['a'] }), stepSpec('z', { dependsOn: ['b', 'c'] })],
      { rollbackEnabled: true },
    );
    const r = new FakeRun(wf);
    r.start();
    r.succeed('a');
    r.advance(1000);
    r.succeed('c');
    r.advance(1000);
    r.succeed('b');
    r.advance(1000);
    r.fail('z');
    expect(order(r)).toEqual([['b', 'c', 'a']]);
    expect(compensateAll(r)).toEqual(['b', 'c', 'a']);
  });

  it('undoes a dependent before its dependency even when it is defined first', () => {
    const wf = workflow([undoable('deploy', { dependsOn: ['build'] }), undoable('build'), stepSpec('check', { dependsOn: ['deploy'] })], { rollbackEnabled: true });
    const r = new FakeRun(wf);
    r.start();
    r.succeed('build');
    r.advance(1000);
    r.succeed('deploy');
    r.advance(1000);
    r.fail('check');
    expect(order(r)).toEqual([['deploy', 'build']]);
  });

  // Engine bug: steps are ordered by `finishedAt` (milliseconds), ties broken by reverse
  // definition position, so two steps that finish in the same millisecond (fast actions do)
  // are undone in definition order reversed, not completion order: here `build` is undone
  // while `deploy`, which depends on it, is still in place. Fixed by /tmp/engine-fixes-3.diff
  // (a finishing sequence number per step, rollback.ts); make this `it` once applied.
  it('undoes a dependent before its dependency when both finished in the same millisecond', () => {
    const wf = workflow([undoable('deploy', { dependsOn: ['build'] }), undoable('build'), stepSpec('check', { dependsOn: ['deploy'] })], { rollbackEnabled: true });
    const r = new FakeRun(wf);
    r.start();
    r.succeed('build');
    r.succeed('deploy');
    r.fail('check');
    expect(order(r)).toEqual([['deploy', 'build']]);
  });

  it('compensates each fan-out instance on its own, latest first; the parent itself is no compensation', () => {
    const wf = workflow([undoable('a'), undoable('fan', { dependsOn: ['a'], forEach: ['x', 'y', 'z'] }), stepSpec('after', { dependsOn: ['fan'] })], { rollbackEnabled: true });
    const r = new FakeRun(wf);
    r.start();
    r.succeed('a');
    r.prepared('fan', { items: ['x', 'y', 'z'] });
    for (const key of r.takePrepared().filter((k) => k !== 'fan')) r.prepared(key, { parameters: { item: key } });
    for (const key of ['fan[1]', 'fan[0]', 'fan[2]']) {
      r.advance(1000);
      r.succeed(key);
    }
    expect(r.status('fan')).toBe('succeeded');
    r.advance(1000);
    r.fail('after');
    expect(order(r)).toEqual([['fan[2]', 'fan[0]', 'fan[1]', 'a']]);
    expect(r.take('compensate')).toEqual([{ type: 'compensate', step: 'fan[2]', stepId: 'fan', attempt: 1, idempotencyKey: 'r1:fan[2]:rollback' }]);
    r.compensated('fan[2]');
    expect(compensateAll(r)).toEqual(['fan[0]', 'fan[1]', 'a']);
    expect(finishes(r).map((f) => f.status)).toEqual(['rolled_back']);
  });

  it('a fan-out that partly failed: only the instances that succeeded are compensated', () => {
    const wf = workflow([undoable('a'), undoable('fan', { dependsOn: ['a'], forEach: [1, 2, 3] })], { rollbackEnabled: true });
    const r = new FakeRun(wf);
    r.start();
    r.succeed('a');
    r.prepared('fan', { items: [1, 2, 3] });
    for (const key of r.takePrepared().filter((k) => k !== 'fan')) r.prepared(key);
    r.advance(1000);
    r.succeed('fan[0]');
    r.advance(1000);
    r.fail('fan[1]');
    r.advance(1000);
    r.succeed('fan[2]');
    expect(r.eventsOf('StepFailed').map((e) => e.data.step)).toEqual(['fan[1]', 'fan']);
    expect(r.eventsOf('RollbackRequested')[0]?.data.reason).toBe("step 'fan' failed: 1 of 3 items failed");
    expect(order(r)).toEqual([['fan[2]', 'fan[0]', 'a']]);
    expect(compensateAll(r)).toEqual(['fan[2]', 'fan[0]', 'a']);
  });

  it('a rejected approval rolls back what ran before it', () => {
    const wf = workflow(
      [undoable('provision'), stepSpec('ok', { command: 'approval', dependsOn: ['provision'] }), undoable('deploy', { dependsOn: ['ok'] })],
      { rollbackEnabled: true },
    );
    const r = new FakeRun(wf);
    r.start();
    r.succeed('provision', { vm: 'vm-1' });
    expect(r.status('ok')).toBe('waiting');
    const effects = r.approve('ok', 'bob', false, 'not today');
    expect(r.eventTypes.slice(-6)).toEqual([
      'ApprovalRejected:ok',
      'StepFailed:ok',
      'StepSkipped:deploy',
      'RollbackRequested',
      'RollbackStarted',
      'CompensationStarted:provision',
    ]);
    expect(r.eventsOf('RollbackRequested')[0]?.data).toEqual({ strategy: 'immediate', reason: "step 'ok' failed: rejected by bob: not today" });
    expect(effects).toEqual([{ type: 'compensate', step: 'provision', stepId: 'provision', attempt: 1, idempotencyKey: 'r1:provision:rollback' }]);
    r.take('compensate');
    r.compensated('provision');
    expect(finishes(r)).toEqual([
      { status: 'rolled_back', error: { code: 'ROLLED_BACK', message: "rolled back after: step 'ok' failed: rejected by bob: not today (1 step compensated)" } },
    ]);
  });

  it('leaves alone steps that were skipped, failed, continued past, or have no rollback', () => {
    const wf = workflow(
      [
        undoable('a'),
        undoable('soft', { continueOnError: true }),
        stepSpec('plain'),
        undoable('cond', { if: 'false' }),
        undoable('bad', { dependsOn: ['a'] }),
        undoable('after', { dependsOn: ['bad'] }),
      ],
      { rollbackEnabled: true },
    );
    const r = new FakeRun(wf);
    r.start();
    r.prepared('cond', { skip: 'condition false' });
    r.succeed('a');
    r.fail('soft');
    r.succeed('plain');
    r.fail('bad');
    expect(r.status('after')).toBe('skipped');
    expect(order(r)).toEqual([['a']]);
    expect(compensateAll(r)).toEqual(['a']);
  });

  it('a run with nothing to undo rolls back at once', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })], { rollbackEnabled: true }));
    r.start();
    r.succeed('a');
    r.fail('b', 'exit 3');
    expect(order(r)).toEqual([[]]);
    expect(finishes(r)).toEqual([{ status: 'rolled_back', error: { code: 'ROLLED_BACK', message: "rolled back after: step 'b' failed: exit 3 (0 steps compensated)" } }]);
  });
});

describe('compensation retries and failures', () => {
  it('retries a failed compensation at once with the same idempotency key, then carries on', () => {
    const r = throughC(chain({ rollbackEnabled: true }, 3));
    r.fail('d');
    r.compensated('c');
    expect(r.take('compensate').map((e) => [e.step, e.attempt])).toEqual([
      ['c', 1],
      ['b', 1],
    ]);
    const effects = r.failCompensation('b', 'flaky');
    expect(r.eventTypes.slice(-2)).toEqual(['CompensationFailed:b', 'CompensationStarted:b']);
    expect(r.eventsOf('CompensationFailed')[0]?.data).toEqual({ step: 'b', attempt: 1, error: { code: 'EXIT_CODE', message: 'flaky' }, willRetry: true });
    expect(r.eventsOf('CompensationStarted').at(-1)?.data).toEqual({ step: 'b', attempt: 2, idempotencyKey: 'r1:b:rollback' });
    expect(effects).toEqual([{ type: 'compensate', step: 'b', stepId: 'b', attempt: 2, idempotencyKey: 'r1:b:rollback' }]);
    expect(r.wake()).toBeUndefined();

    // A late answer from attempt 1 changes nothing.
    const before = r.events.length;
    expect(r.send({ type: 'compensated', step: 'b', attempt: 1, outputs: {} })).toEqual([]);
    expect(r.send({ type: 'compensation_failed', step: 'b', attempt: 1, error: { code: 'X', message: 'late' } })).toEqual([]);
    expect(r.events.length).toBe(before);

    r.failCompensation('b', 'flaky again');
    expect(r.compensationAttempt('b')).toBe(3);
    r.take('compensate');
    r.compensated('b', { ok: true });
    expect(r.eventsOf('StepCompensated').map((e) => [e.data.step, e.data.attempt])).toEqual([
      ['c', 1],
      ['b', 3],
    ]);
    expect(compensateAll(r)).toEqual(['a']);
    expect(finishes(r).map((f) => f.status)).toEqual(['rolled_back']);
  });

  it('a compensation that fails for good ends the run rollback_failed, listing what was and was not undone', () => {
    const r = throughC(chain({ rollbackEnabled: true }, 2));
    r.fail('d');
    r.compensated('c');
    r.failCompensation('b');
    r.take('compensate');
    const effects = r.failCompensation('b', 'permission denied');
    expect(effects).toEqual([]);
    expect(r.eventsOf('CompensationFailed').map((e) => e.data.willRetry)).toEqual([true, false]);
    expect(finishes(r)).toEqual([
      {
        status: 'rollback_failed',
        error: {
          code: 'ROLLBACK_FAILED',
          message: "compensating 'b' failed: permission denied; compensated: c; not compensated: b, a",
          details: { step: 'b', compensated: ['c'], remaining: ['b', 'a'] },
        },
      },
    ]);
    expect(r.state.run.status).toBe('rollback_failed');
    expect(compensatedSteps(r)).toEqual(['c']);
    expect(r.eventsOf('CompensationStarted').map((e) => e.data.step)).toEqual(['c', 'b', 'b']);
  });

  it('a failure marked not retryable is final even with attempts left', () => {
    const r = throughC(chain({ rollbackEnabled: true }));
    r.fail('d');
    r.failCompensation('c', 'no such resource', false);
    expect(r.eventsOf('CompensationFailed')[0]?.data.willRetry).toBe(false);
    expect(finishes(r)[0]).toMatchObject({
      status: 'rollback_failed',
      error: { message: "compensating 'c' failed: no such resource; compensated: none; not compensated: c, b, a", details: { step: 'c', compensated: [], remaining: ['c', 'b', 'a'] } },
    });
  });
});

describe('rollback asked for while the run runs', () => {
  /** a succeeded; b and c run; d waits on b; t is a task waiting for a person. */
  function busy(): FakeRun {
    const wf = workflow([
      undoable('a'),
      undoable('b', { dependsOn: ['a'] }),
      undoable('c', { dependsOn: ['a'] }),
      stepSpec('d', { dependsOn: ['b'] }),
      stepSpec('t', { command: 'task', dependsOn: ['a'] }),
    ]);
    const r = new FakeRun(wf);
    r.start();
    r.succeed('a');
    r.advance(1000);
    expect(r.takeExecuted()).toEqual(['a', 'b', 'c']);
    expect(r.status('t')).toBe('waiting');
    return r;
  }

  it('immediate: aborts the running steps, cancels the rest, then compensates what succeeded', () => {
    const r = busy();
    const effects = r.rollback('immediate', { by: 'ann', reason: 'bad deploy' });
    expect(effects).toEqual([
      { type: 'abort', step: 'b', attempt: 1, reason: 'rollback' },
      { type: 'abort', step: 'c', attempt: 1, reason: 'rollback' },
      { type: 'compensate', step: 'a', stepId: 'a', attempt: 1, idempotencyKey: 'r1:a:rollback' },
    ]);
    expect(r.eventTypes.slice(-7)).toEqual([
      'RollbackRequested',
      'StepCancelled:b',
      'StepCancelled:c',
      'StepCancelled:d',
      'StepCancelled:t',
      'RollbackStarted',
      'CompensationStarted:a',
    ]);
    expect(r.eventsOf('RollbackRequested')[0]?.data).toEqual({ strategy: 'immediate', by: 'ann', reason: 'bad deploy' });
    expect(r.eventsOf('StepCancelled').map((e) => e.data)).toEqual([
      { step: 'b', attempt: 1, reason: 'rollback (immediate)' },
      { step: 'c', attempt: 1, reason: 'rollback (immediate)' },
      { step: 'd', attempt: 0, reason: 'rollback (immediate)' },
      { step: 't', attempt: 1, reason: 'rollback (immediate)' },
    ]);
    expect(r.executing.size).toBe(0);
    // An aborted step that reports success anyway is not recorded, nor does the task complete.
    const before = r.events.length;
    r.send({ type: 'succeeded', step: 'b', attempt: 1, outputs: {} });
    r.complete('t', 'ann');
    expect(r.events.length).toBe(before);
    expect(r.status('b')).toBe('cancelled');
    r.take('compensate');
    r.compensated('a');
    expect(finishes(r)).toEqual([{ status: 'rolled_back', error: { code: 'ROLLED_BACK', message: 'rolled back after: bad deploy (1 step compensated)' } }]);
    expect(r.take('execute')).toEqual([]);
  });

  it('graceful: lets running steps finish, compensating one that succeeded meanwhile, then the rest', () => {
    const r = busy();
    expect(r.rollback('graceful')).toEqual([]);
    expect(r.eventTypes.slice(-3)).toEqual(['RollbackRequested', 'StepCancelled:d', 'StepCancelled:t']);
    expect(r.eventsOf('StepCancelled')[0]?.data).toEqual({ step: 'd', attempt: 0, reason: 'rollback (graceful)' });
    expect([r.status('b'), r.status('c')]).toEqual(['running', 'running']);
    expect(r.state.run.status).toBe('rolling_back');
    expect(order(r)).toEqual([]);

    r.succeed('b', { made: 'b' });
    expect(r.step('b')).toMatchObject({ status: 'succeeded', outputs: { made: 'b' } });
    expect(order(r)).toEqual([]); // c still runs
    expect(r.takeExecuted()).toEqual([]); // d, which depends on b, does not start
    r.advance(1000);
    r.fail('c', 'exit 1');
    expect(r.status('c')).toBe('failed');
    expect(order(r)).toEqual([['b', 'a']]);
    expect(compensateAll(r)).toEqual(['b', 'a']);
    expect(finishes(r).map((f) => f.status)).toEqual(['rolled_back']);
  });

  it('graceful: a running step that succeeds last is compensated first', () => {
    const r = busy();
    r.rollback('graceful');
    r.fail('b');
    expect(order(r)).toEqual([]);
    r.advance(1000);
    r.succeed('c');
    expect(order(r)).toEqual([['c', 'a']]);
  });

  // Engine bug: during a graceful drain a running step that fails is still retried on paper
  // (StepFailed willRetry: true, StepRetryScheduled), then cancelled a moment later when
  // compensation begins: the log says a retry was scheduled that never could run. `fail` in
  // decide.ts should not retry while rolling back. Fixed by /tmp/engine-fixes-3.diff; make
  // this `it` once applied.
  it('graceful: a running step that fails is not retried', () => {
    const wf = workflow([undoable('a'), undoable('b', { dependsOn: ['a'], retry: tries(3) })]);
    const r = new FakeRun(wf);
    r.start();
    r.succeed('a');
    r.rollback('graceful');
    r.fail('b');
    expect(r.eventsOf('StepFailed').map((e) => e.data.willRetry)).toEqual([false]);
    expect(r.eventsOf('StepRetryScheduled')).toEqual([]);
    expect(order(r)).toEqual([['a']]);
  });

  it('a crash during a graceful drain: the interrupted step is cancelled, not rerun, and compensation begins', () => {
    const r = busy();
    r.rollback('graceful');
    r.succeed('c');
    const after = FakeRun.recover(r);
    expect(after.state.rollback).toEqual({ strategy: 'graceful', next: 0 });
    after.interrupt('b', 'the process running it stopped');
    expect(after.status('b')).toBe('cancelled');
    expect(after.take('execute')).toEqual([]);
    expect(order(after)).toEqual([['c', 'a']]);
    expect(compensateAll(after)).toEqual(['c', 'a']);
  });

  // Engine bug: a step whose templates are being prepared holds a parallelism slot, and
  // StepCancelled does not release it (evolve.ts leaves `preparing` set). A rollback then
  // waits for the slot, and when the runtime's `prepared` answer comes the cancelled step
  // starts (StepStarted, an execute effect) in the middle of the rollback. Fixed by
  // /tmp/engine-fixes-3.diff (evolve.ts StepCancelled clears `preparing`); make this `it` once applied.
  it('immediate: a step being prepared is cancelled and never starts', () => {
    const wf = workflow([undoable('a'), stepSpec('b', { dependsOn: ['a'], parameters: { x: '${{ steps.a.outputs.x }}' } })]);
    const r = new FakeRun(wf);
    r.start();
    r.succeed('a', { x: 1 });
    expect(r.takePrepared()).toEqual(['b']);
    r.rollback('immediate');
    expect(r.status('b')).toBe('cancelled');
    expect(order(r)).toEqual([['a']]);
    r.prepared('b', { parameters: { x: 1 } });
    expect(r.eventTypes).not.toContain('StepStarted:b');
    expect(r.take('execute').map((e) => e.step)).toEqual(['a']);
  });

  // Engine bug: a fan-out parent whose instances were cancelled by a rollback is never
  // finished: beginRollback and startCompensating skip steps with items, and joins do not
  // run while rolling back, so the run ends rolled_back with the parent still `running`.
  // Fixed by /tmp/engine-fixes-3.diff (decide.ts startCompensating); make this `it` once applied.
  it('immediate: a fan-out in progress ends cancelled, parent and instances', () => {
    const wf = workflow([undoable('a'), stepSpec('fan', { dependsOn: ['a'], forEach: [1, 2] })]);
    const r = new FakeRun(wf);
    r.start();
    r.succeed('a');
    r.prepared('fan', { items: [1, 2] });
    for (const key of r.takePrepared().filter((k) => k !== 'fan')) r.prepared(key);
    r.rollback('immediate');
    compensateAll(r);
    expect(r.state.run.status).toBe('rolled_back');
    expect(fullProjection(r.state).steps.map((s) => [s.key, s.status])).toEqual([
      ['a', 'succeeded'],
      ['fan', 'cancelled'],
      ['fan[0]', 'cancelled'],
      ['fan[1]', 'cancelled'],
    ]);
  });

  // Engine bug: RollbackRequested sets `finalizing` (so the normal finish cannot happen),
  // but a `finalized` answer to a finalize effect issued just before the rollback still
  // calls finish(): RunFinished succeeded lands in the middle of the rollback and the
  // compensation's answer is then ignored. Fixed by /tmp/engine-fixes-3.diff (decide.ts,
  // `finalized` ignored while rolling back); make this `it` once applied.
  it('a rollback asked for while the run outputs are evaluated is not cut short by them', () => {
    const r = new FakeRun(workflow([undoable('a')], { outputs: { x: '${{ steps.a.outputs.x }}' } }));
    r.start();
    r.succeed('a', { x: 1 });
    expect(r.take('finalize')).toEqual([{ type: 'finalize' }]);
    r.rollback('immediate');
    r.send({ type: 'finalized', outputs: { x: 1 } });
    expect(r.state.run.status).toBe('rolling_back');
    expect(compensateAll(r)).toEqual(['a']);
    expect(finishes(r).map((f) => f.status)).toEqual(['rolled_back']);
  });
});

describe('checkpoint rollback', () => {
  /** a, b (checkpoint), c, d succeeded one second apart; e runs. */
  function pastCheckpoint(sameMillisecond = false): FakeRun {
    const wf = workflow([
      undoable('a'),
      undoable('b', { dependsOn: ['a'], checkpoint: true }),
      undoable('c', { dependsOn: ['b'] }),
      undoable('d', { dependsOn: ['c'] }),
      undoable('e', { dependsOn: ['d'] }),
    ]);
    const r = new FakeRun(wf);
    r.start();
    for (const key of ['a', 'b', 'c', 'd']) {
      r.succeed(key);
      if (!sameMillisecond) r.advance(1000);
    }
    expect(r.status('e')).toBe('running');
    return r;
  }

  it('goes back to the last checkpoint that succeeded: it and what came before are kept', () => {
    const r = pastCheckpoint();
    expect(rollbackProblem(r.state, 'checkpoint')).toBeUndefined();
    const effects = r.rollback('checkpoint');
    expect(effects[0]).toEqual({ type: 'abort', step: 'e', attempt: 1, reason: 'rollback' });
    expect(r.eventsOf('RollbackRequested')[0]?.data).toEqual({ strategy: 'checkpoint' });
    expect(order(r)).toEqual([['d', 'c']]);
    expect(compensateAll(r)).toEqual(['d', 'c']);
    expect(r.state.steps.get('b')?.compensation).toBeUndefined();
    expect(r.state.steps.get('a')?.compensation).toBeUndefined();
    expect(finishes(r)).toEqual([{ status: 'rolled_back', error: { code: 'ROLLED_BACK', message: 'rolled back (2 steps compensated)' } }]);
  });

  it('goes back to the step named by `to`', () => {
    const r = pastCheckpoint();
    r.rollback('checkpoint', { to: 'a', by: 'ann' });
    expect(r.eventsOf('RollbackRequested')[0]?.data).toEqual({ strategy: 'checkpoint', by: 'ann', to: 'a' });
    expect(compensateAll(r)).toEqual(['d', 'c', 'b']);
  });

  it('takes the latest of several checkpoints', () => {
    const wf = workflow([undoable('a', { checkpoint: true }), undoable('b', { dependsOn: ['a'], checkpoint: true }), undoable('c', { dependsOn: ['b'] })]);
    const r = new FakeRun(wf);
    r.start();
    for (const key of ['a', 'b', 'c']) {
      r.advance(1000);
      r.succeed(key);
    }
    expect(r.state.run.status).toBe('succeeded');
    r.rollback('checkpoint');
    expect(compensateAll(r)).toEqual(['c']);
  });

  // Engine bug: the checkpoint cut compares `finishedAt` milliseconds with `>`, so steps that
  // finished after the checkpoint but in the same millisecond are kept as if before it; here
  // nothing at all is undone. Fixed by /tmp/engine-fixes-3.diff (finishing sequence numbers,
  // rollback.ts); make this `it` once applied.
  it('cuts by completion order even when the checkpoint and later steps share a millisecond', () => {
    const r = pastCheckpoint(true);
    r.rollback('checkpoint');
    expect(order(r)).toEqual([['d', 'c']]);
  });

  it('is refused, with a reason and no event, when there is nothing to go back to', () => {
    const r = pastCheckpoint();
    expect(rollbackProblem(r.state, 'checkpoint', 'nope')).toBe("no step 'nope' in this run");
    expect(rollbackProblem(r.state, 'checkpoint', 'e')).toBe("step 'e' did not succeed, so it is no checkpoint to go back to");
    const plain = new FakeRun(chain());
    plain.start();
    plain.succeed('a');
    expect(rollbackProblem(plain.state, 'checkpoint')).toBe('no step marked `checkpoint: true` has succeeded; name one with --to');
    expect(rollbackProblem(plain.state, 'checkpoint', 'a')).toBeUndefined();
    for (const [run, to] of [
      [r, 'nope'],
      [r, 'e'],
      [plain, undefined],
    ] as const) {
      const before = run.events.length;
      expect(run.rollback('checkpoint', to === undefined ? {} : { to })).toEqual([]);
      expect(run.events.length).toBe(before);
      expect(run.state.run.status).toBe('running');
    }
  });
});

describe('the manual plan', () => {
  it('lists the ordered compensations with their commands and runs nothing', () => {
    const wf = workflow([
      undoable('a'),
      stepSpec('b', { dependsOn: ['a'], checkpoint: true, rollback: { command: 'http', parameters: { url: 'http://x/undo' }, retry: tries(1) } }),
      undoable('c', { dependsOn: ['b'] }),
      stepSpec('d', { dependsOn: ['c'] }),
    ]);
    const r = new FakeRun(wf);
    r.start();
    const at: Record<string, number> = {};
    for (const key of ['a', 'b', 'c']) {
      r.succeed(key);
      at[key] = r.now;
      r.advance(1000);
    }
    const events = r.events.length;
    expect(rollbackPlan(r.state)).toEqual([
      { step: 'c', command: 'shell', parameters: { command: 'undo c' }, finishedAt: at.c },
      { step: 'b', command: 'http', parameters: { url: 'http://x/undo' }, finishedAt: at.b },
      { step: 'a', command: 'shell', parameters: { command: 'undo a' }, finishedAt: at.a },
    ]);
    expect(rollbackPlan(r.state, 'checkpoint').map((c) => c.step)).toEqual(['c']);
    expect(rollbackPlan(r.state, 'checkpoint', 'a').map((c) => c.step)).toEqual(['c', 'b']);
    expect(compensationOrder(r.state, 'graceful')).toEqual(['c', 'b', 'a']);
    expect(r.events.length).toBe(events);
    expect(r.state.run.status).toBe('running');
  });

  it('leaves out what a rollback already compensated', () => {
    const r = throughC(chain({ rollbackEnabled: true }));
    r.fail('d');
    r.compensated('c');
    expect(rollbackPlan(r.state).map((c) => c.step)).toEqual(['b', 'a']);
  });
});

describe('rollback of a finished run', () => {
  it('reopens a failed run and compensates it', () => {
    const r = throughC(chain());
    r.fail('d');
    expect(r.state.run.status).toBe('failed');
    const effects = r.rollback('immediate', { by: 'ann', reason: 'undo the half-done change' });
    expect(r.eventTypes.slice(-3)).toEqual(['RollbackRequested', 'RollbackStarted', 'CompensationStarted:c']);
    expect(effects).toEqual([{ type: 'compensate', step: 'c', stepId: 'c', attempt: 1, idempotencyKey: 'r1:c:rollback' }]);
    expect(r.state.run.status).toBe('rolling_back');
    expect(r.state.run.finishedAt).toBeUndefined();
    r.take('compensate');
    r.compensated('c');
    expect(compensateAll(r)).toEqual(['b', 'a']);
    expect(finishes(r)).toEqual([
      { status: 'failed', outputs: {}, error: { code: 'STEP_FAILED', message: "step 'd' failed: boom" } },
      { status: 'rolled_back', error: { code: 'ROLLED_BACK', message: 'rolled back after: undo the half-done change (3 steps compensated)' } },
    ]);
  });

  it('reopens a succeeded run and undoes all of it; graceful has nothing to wait for', () => {
    const r = new FakeRun(chain());
    r.start();
    for (const key of ['a', 'b', 'c', 'd']) {
      r.advance(1000);
      r.succeed(key);
    }
    expect(r.state.run.status).toBe('succeeded');
    r.rollback('graceful');
    expect(r.eventTypes.slice(-3)).toEqual(['RollbackRequested', 'RollbackStarted', 'CompensationStarted:c']);
    expect(compensateAll(r)).toEqual(['c', 'b', 'a']);
    expect(finishes(r).map((f) => f.status)).toEqual(['succeeded', 'rolled_back']);
    expect(r.state.run.status).toBe('rolled_back');
  });

  it('refuses a second rollback, while rolling back and once rolled back', () => {
    const r = throughC(chain({ rollbackEnabled: true }));
    r.fail('d');
    expect(rollbackProblem(r.state, 'immediate')).toBe('the run is already rolling back');
    let before = r.events.length;
    expect(r.rollback('immediate')).toEqual([]);
    expect(r.rollback('checkpoint', { to: 'a' })).toEqual([]);
    expect(r.events.length).toBe(before);
    compensateAll(r);
    expect(rollbackProblem(r.state, 'immediate')).toBe('the run is already rolled_back');
    before = r.events.length;
    expect(r.rollback('immediate')).toEqual([]);
    expect(r.rollback('graceful')).toEqual([]);
    expect(r.events.length).toBe(before);
    expect(compensatedSteps(r)).toEqual(['c', 'b', 'a']);
  });

  it('refuses a rollback of a run that ended rollback_failed', () => {
    const r = throughC(chain({ rollbackEnabled: true }));
    r.fail('d');
    r.failCompensation('c');
    expect(rollbackProblem(r.state, 'immediate')).toBe('the run is already rollback_failed');
    const before = r.events.length;
    expect(r.rollback('immediate')).toEqual([]);
    expect(r.events.length).toBe(before);
  });

  // Engine bug: a cancelled run (and a timed-out one) keeps `cancelling` set, and `settle`
  // returns early on it, so a rollback that reopens such a run emits RollbackRequested and
  // then nothing: the run stays rolling_back forever. Fixed by /tmp/engine-fixes-3.diff
  // (evolve.ts RollbackRequested clears `cancelling`); make these `it` once applied.
  it('reopens a cancelled run and compensates it', () => {
    const r = new FakeRun(chain());
    r.start();
    r.succeed('a');
    r.cancel('stop');
    expect(r.state.run.status).toBe('cancelled');
    r.rollback('immediate');
    expect(order(r)).toEqual([['a']]);
    expect(compensateAll(r)).toEqual(['a']);
    expect(r.state.run.status).toBe('rolled_back');
  });

  it('reopens a run that timed out and compensates it', () => {
    const r = new FakeRun(chain({ timeoutSeconds: 10 }));
    r.start();
    r.succeed('a');
    r.advance(10_000);
    expect(r.state.run.status).toBe('failed');
    r.rollback('immediate');
    expect(compensateAll(r)).toEqual(['a']);
    expect(r.state.run.status).toBe('rolled_back');
  });
});

describe('cancel during a rollback', () => {
  it('aborts the running compensation and ends the run cancelled; nothing else is compensated', () => {
    const r = throughC(chain({ rollbackEnabled: true }));
    r.fail('d');
    r.compensated('c');
    r.take('compensate');
    const effects = r.cancel('stop');
    expect(effects).toEqual([{ type: 'abort', step: 'b#rollback', attempt: 1, reason: 'stop' }]);
    expect(r.eventTypes.slice(-2)).toEqual(['RunCancelled', 'RunFinished']);
    expect(finishes(r)).toEqual([{ status: 'cancelled', error: { code: 'CANCELLED', message: 'stop' } }]);
    // The compensation reporting back after the cancel is not recorded.
    const before = r.events.length;
    r.send({ type: 'compensated', step: 'b', attempt: 1, outputs: {} });
    r.send({ type: 'compensation_failed', step: 'b', attempt: 1, error: { code: 'X', message: 'killed' } });
    expect(r.events.length).toBe(before);
    expect(r.take('compensate')).toEqual([]);
    expect(compensatedSteps(r)).toEqual(['c']);
  });

  // Engine bug, two of them: reopening the cancelled run hangs (see `cancelling` above), and
  // even past that, compensateNext waits forever on the aborted compensation, still
  // `running` in the state. Fixed by /tmp/engine-fixes-3.diff; make this `it` once applied.
  it('a rollback after that cancel finishes the job, rerunning the aborted compensation', () => {
    const r = throughC(chain({ rollbackEnabled: true }));
    r.fail('d');
    r.compensated('c');
    r.take('compensate');
    r.cancel('stop');
    expect(rollbackProblem(r.state, 'immediate')).toBeUndefined();
    const effects = r.rollback('immediate');
    expect(order(r)).toEqual([['c', 'b', 'a'], ['b', 'a']]);
    expect(effects).toEqual([{ type: 'compensate', step: 'b', stepId: 'b', attempt: 2, idempotencyKey: 'r1:b:rollback' }]);
    expect(compensateAll(r)).toEqual(['b', 'a']);
    expect(compensatedSteps(r)).toEqual(['c', 'b', 'a']);
    expect(r.state.run.status).toBe('rolled_back');
  });
});

describe('run timeout with rollback enabled', () => {
  function timedOut(): FakeRun {
    const r = new FakeRun(chain({ timeoutSeconds: 10, rollbackEnabled: true }, 2));
    r.start();
    r.succeed('a');
    r.advance(4000);
    r.succeed('b');
    r.take('execute');
    return r;
  }

  it('rolls back after the timeout, and the rollback is not bound by the run deadline', () => {
    const r = timedOut();
    const effects = r.advance(6000);
    expect(effects).toEqual([
      { type: 'abort', step: 'c', attempt: 1, reason: 'run timed out' },
      { type: 'compensate', step: 'b', stepId: 'b', attempt: 1, idempotencyKey: 'r1:b:rollback' },
    ]);
    expect(r.eventTypes.slice(-6)).toEqual(['RunTimedOut', 'StepCancelled:c', 'StepCancelled:d', 'RollbackRequested', 'RollbackStarted', 'CompensationStarted:b']);
    expect(r.eventsOf('RollbackRequested')[0]?.data).toEqual({ strategy: 'immediate', reason: 'run exceeded its timeout of 10s' });
    expect(order(r)).toEqual([['b', 'a']]);
    expect(r.wake()).toBeUndefined();
    // Long past the deadline: no second timeout, the compensation is still awaited.
    const before = r.events.length;
    expect(r.advance(3_600_000)).toEqual([]);
    expect(r.events.length).toBe(before);
    r.take('compensate');
    r.failCompensation('b');
    r.advance(60_000);
    expect(compensateAll(r)).toEqual(['b', 'a']);
    expect(r.eventsOf('RunTimedOut')).toHaveLength(1);
    expect(finishes(r)).toEqual([
      { status: 'rolled_back', error: { code: 'ROLLED_BACK', message: 'rolled back after: run exceeded its timeout of 10s (2 steps compensated)' } },
    ]);
  });

  // Engine bug: RunTimedOut sets `cancelling`, which stays set through the rollback that
  // follows, and `cancel` is ignored while `cancelling`: a rollback after a run timeout
  // cannot be cancelled (a hung compensation keeps the run rolling_back for ever). Fixed by
  // /tmp/engine-fixes-3.diff (evolve.ts RollbackRequested clears it); make this `it` once applied.
  it('a rollback after a timeout can be cancelled', () => {
    const r = timedOut();
    r.advance(6000);
    const effects = r.cancel('give up');
    expect(effects).toEqual([{ type: 'abort', step: 'b#rollback', attempt: 1, reason: 'give up' }]);
    expect(r.state.run.status).toBe('cancelled');
  });
});

describe('recovery', () => {
  it('a crash in the middle of a rollback: the running compensation runs again, same key, next attempt; each step undone once', () => {
    const r = throughC(chain({ rollbackEnabled: true }));
    r.fail('d');
    r.compensated('c', { n: 1 });
    expect(r.take('compensate').map((e) => [e.step, e.attempt, e.idempotencyKey])).toEqual([
      ['c', 1, 'r1:c:rollback'],
      ['b', 1, 'r1:b:rollback'],
    ]);

    // The engine dies; a new one rebuilds the run from its events alone.
    const after = FakeRun.recover(r);
    expect(after.state.run.status).toBe('rolling_back');
    expect(after.state.rollback).toEqual({ strategy: 'immediate', reason: "step 'd' failed: boom", order: ['c', 'b', 'a'], next: 1 });
    expect(after.state.steps.get('b')?.compensation).toEqual({ status: 'running', attempts: 1 });
    expect(after.restart()).toEqual([]); // nothing is reissued by itself: recovery reports the interruption

    const effects = after.interruptCompensation('b', 'the process compensating it stopped');
    expect(effects).toEqual([{ type: 'compensate', step: 'b', stepId: 'b', attempt: 2, idempotencyKey: 'r1:b:rollback' }]);
    expect(after.eventsOf('CompensationStarted').map((e) => e.data)).toEqual([
      { step: 'c', attempt: 1, idempotencyKey: 'r1:c:rollback' },
      { step: 'b', attempt: 1, idempotencyKey: 'r1:b:rollback' },
      { step: 'b', attempt: 2, idempotencyKey: 'r1:b:rollback' },
    ]);

    // The dead process's attempt, reported late or interrupted again, changes nothing.
    const before = after.events.length;
    after.send({ type: 'interrupted', step: 'b', attempt: 1, reason: 'again' });
    after.send({ type: 'compensated', step: 'b', attempt: 1, outputs: {} });
    after.send({ type: 'interrupted', step: 'a', attempt: 1, reason: 'not compensating' });
    expect(after.events.length).toBe(before);

    after.take('compensate');
    after.compensated('b');
    expect(compensateAll(after)).toEqual(['a']);
    expect(after.eventsOf('StepCompensated').map((e) => [e.data.step, e.data.attempt])).toEqual([
      ['c', 1],
      ['b', 2],
      ['a', 1],
    ]);
    expect(finishes(after).map((f) => f.status)).toEqual(['rolled_back']);
  });

  it('a crash while a compensation was being retried resumes at the attempt after the last one', () => {
    const r = throughC(chain({ rollbackEnabled: true }, 3));
    r.fail('d');
    r.compensated('c');
    r.failCompensation('b');
    const after = FakeRun.recover(r);
    expect(after.compensationAttempt('b')).toBe(2);
    expect(after.interruptCompensation('b')).toEqual([{ type: 'compensate', step: 'b', stepId: 'b', attempt: 3, idempotencyKey: 'r1:b:rollback' }]);
    after.compensated('b');
    compensateAll(after);
    expect(after.eventsOf('StepCompensated').map((e) => e.data.step)).toEqual(['c', 'b', 'a']);
  });

  interface Scenario {
    name: string;
    wf: Workflow;
    /** One input each (checked after every one); none leaves templates being prepared. */
    inputs: ((r: FakeRun) => unknown)[];
  }

  const scenarios: Scenario[] = [
    {
      name: 'a failure, a retried compensation, a crash mid-compensation',
      wf: chain({ rollbackEnabled: true }, 2),
      inputs: [
        (r) => r.start(),
        (r) => r.succeed('a'),
        (r) => r.advance(1000),
        (r) => r.succeed('b'),
        (r) => r.advance(1000),
        (r) => r.succeed('c'),
        (r) => r.fail('d'),
        (r) => r.compensated('c'),
        (r) => r.failCompensation('b'),
        (r) => r.interruptCompensation('b'),
        (r) => r.compensated('b'),
        (r) => r.compensated('a'),
      ],
    },
    {
      name: 'graceful while steps run, with a task open',
      wf: workflow([undoable('a'), undoable('b', { dependsOn: ['a'] }), undoable('c', { dependsOn: ['a'] }), stepSpec('t', { command: 'task' })]),
      inputs: [
        (r) => r.start(),
        (r) => r.succeed('a'),
        (r) => r.advance(1000),
        (r) => r.rollback('graceful', { by: 'ann' }),
        (r) => r.succeed('c'),
        (r) => r.advance(1000),
        (r) => r.succeed('b'),
        (r) => r.compensated('b'),
        (r) => r.failCompensation('c', 'nope', false),
      ],
    },
    {
      name: 'checkpoint while a step runs',
      wf: workflow([undoable('a', { checkpoint: true }), undoable('b', { dependsOn: ['a'] }), undoable('c', { dependsOn: ['b'] })]),
      inputs: [
        (r) => r.start(),
        (r) => r.succeed('a'),
        (r) => r.advance(1000),
        (r) => r.succeed('b'),
        (r) => r.advance(1000),
        (r) => r.rollback('checkpoint'),
        (r) => r.compensated('b'),
      ],
    },
    {
      name: 'a succeeded run reopened, then cancelled mid-rollback',
      wf: chain(),
      inputs: [
        (r) => r.start(),
        (r) => r.succeed('a'),
        (r) => r.advance(1000),
        (r) => r.succeed('b'),
        (r) => r.advance(1000),
        (r) => r.succeed('c'),
        (r) => r.succeed('d'),
        (r) => r.rollback('immediate', { reason: 'wrong release' }),
        (r) => r.compensated('c'),
        (r) => r.cancel('enough'),
      ],
    },
    {
      name: 'a run timeout with rollback enabled',
      wf: chain({ timeoutSeconds: 5, rollbackEnabled: true }),
      inputs: [
        (r) => r.start(),
        (r) => r.succeed('a'),
        (r) => r.advance(5000),
        (r) => r.advance(5000),
        (r) => r.compensated('a'),
      ],
    },
  ];

  for (const s of scenarios) {
    it(`replay after every input agrees with the live state: ${s.name}`, () => {
      const r = new FakeRun(s.wf);
      for (const input of s.inputs) {
        input(r);
        expectReplayMatches(r);
      }
      expect(['rolled_back', 'rollback_failed', 'cancelled']).toContain(r.state.run.status);
    });

    it(`a crash after any input, then the same inputs, gives the same events: ${s.name}`, () => {
      const live = new FakeRun(s.wf);
      for (const input of s.inputs) input(live);
      for (let k = 1; k < s.inputs.length; k++) {
        const first = new FakeRun(s.wf);
        for (const input of s.inputs.slice(0, k)) input(first);
        const second = FakeRun.recover(first);
        for (const input of s.inputs.slice(k)) input(second);
        expect(second.events).toEqual(live.events);
        expect(fullProjection(second.state)).toEqual(fullProjection(live.state));
      }
    });
  }

  it('replay agrees with the live state after every input of a fan-out rollback', () => {
    const wf = workflow([undoable('a'), undoable('fan', { dependsOn: ['a'], forEach: [1, 2, 3] }), stepSpec('z', { dependsOn: ['fan'] })], { rollbackEnabled: true });
    const r = new FakeRun(wf);
    const check = () => expectReplayMatches(r);
    r.start(); check();
    r.succeed('a'); check();
    r.prepared('fan', { items: [1, 2, 3] }); check();
    for (const key of r.takePrepared().filter((k) => k !== 'fan')) {
      r.prepared(key); check();
    }
    for (const key of ['fan[2]', 'fan[0]', 'fan[1]']) {
      r.advance(1000); check();
      r.succeed(key); check();
    }
    r.fail('z'); check();
    r.failCompensation('fan[1]'); check();
    expect(r.state.run.status).toBe('rollback_failed');
    expect(finishes(r)[0]?.error?.details).toEqual({ step: 'fan[1]', compensated: [], remaining: ['fan[1]', 'fan[0]', 'fan[2]', 'a'] });
  });
});
