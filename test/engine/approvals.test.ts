import { afterEach, describe, expect, it } from 'vitest';
import { approvalProblem, runStatus, type StepSpec, type StepState } from '../../src/engine/index.js';
import { FakeRun, expectReplayMatches, expectRunsConsistent, stepSpec, workflow, type RunFields } from './harness.js';

afterEach(expectRunsConsistent);

function approval(id: string, parameters: Record<string, unknown> = {}, over: Partial<StepSpec> = {}): StepSpec {
  return stepSpec(id, { command: 'approval', parameters, ...over });
}

/** An approval gate `ok` in front of a `deploy` step. */
function gated(parameters: Record<string, unknown>, run: RunFields = {}, over: Partial<StepSpec> = {}): FakeRun {
  const r = new FakeRun(workflow([approval('ok', parameters, over), stepSpec('deploy', { dependsOn: ['ok'] })]), {}, [], run);
  r.start();
  return r;
}

function problem(r: FakeRun, key: string, by: string): string | undefined {
  return approvalProblem(r.state.run, r.state.steps.get(key) as StepState, by);
}

describe('approval steps', () => {
  it('wait with what they ask for: one approval from anyone by default', () => {
    const r = gated({ instructions: 'Ship it?' });
    expect(r.eventTypes).toEqual(['RunStarted', 'StepStarted:ok', 'TaskRequested:ok']);
    expect(r.eventsOf('TaskRequested')[0]?.data.task).toEqual({ kind: 'approval', instructions: 'Ship it?', required: 1, selfApproval: true });
    expect(r.take('execute')).toEqual([]);
    expect(r.status('ok')).toBe('waiting');
    expect(runStatus(r.state)).toBe('waiting');
    r.approve('ok', 'anyone', true, 'lgtm');
    expect(r.eventsOf('ApprovalGranted').map((e) => e.data)).toEqual([{ step: 'ok', by: 'anyone', comment: 'lgtm' }]);
    expect(r.step('ok').outputs).toEqual({ approved: true, approvers: ['anyone'] });
    expect(r.takeExecuted()).toEqual(['deploy']);
  });

  it('N of M: 2 of [ann, bob, cy] succeeds at the second distinct approver; a late third changes nothing', () => {
    const r = gated({ required: 2, approvers: ['ann', 'bob', 'cy'] });
    expect(r.eventsOf('TaskRequested')[0]?.data.task).toMatchObject({ required: 2, approvers: ['ann', 'bob', 'cy'] });
    r.approve('ok', 'ann');
    expect(r.eventTypes.slice(-1)).toEqual(['ApprovalGranted:ok']);
    expect(r.status('ok')).toBe('waiting');
    expect(r.takeExecuted()).toEqual([]);
    r.approve('ok', 'cy', true, 'fine by me');
    expect(r.eventTypes.slice(-3)).toEqual(['ApprovalGranted:ok', 'StepSucceeded:ok', 'StepStarted:deploy']);
    expect(r.step('ok').outputs).toEqual({ approved: true, approvers: ['ann', 'cy'] });
    expect(r.takeExecuted()).toEqual(['deploy']);
    const before = r.events.length;
    r.approve('ok', 'bob');
    r.approve('ok', 'bob', false);
    expect(r.events.length).toBe(before);
  });

  it('refuses a name not among the approvers: no event, nothing changes', () => {
    const r = gated({ approvers: ['ann', 'bob'] });
    expect(problem(r, 'ok', 'mallory')).toBe("mallory is not among the approvers of 'ok' (ann, bob)");
    const before = r.events.length;
    expect(r.approve('ok', 'mallory')).toEqual([]);
    expect(r.approve('ok', 'mallory', false, 'no')).toEqual([]);
    expect(r.events.length).toBe(before);
    expect(r.status('ok')).toBe('waiting');
    expect(r.state.steps.get('ok')?.approvedBy).toEqual([]);
    r.approve('ok', 'bob');
    expect(r.status('ok')).toBe('succeeded');
  });

  it('refuses self-approval when the step says so; another approver still can', () => {
    const r = gated({ required: 1, approvers: ['ann', 'bob'], self_approval: false }, { startedBy: 'ann' });
    expect(r.eventsOf('TaskRequested')[0]?.data.task.selfApproval).toBe(false);
    expect(problem(r, 'ok', 'ann')).toBe('ann started this run and may not approve it (self_approval: false)');
    const before = r.events.length;
    expect(r.approve('ok', 'ann')).toEqual([]);
    expect(r.events.length).toBe(before);
    expect(r.status('ok')).toBe('waiting');
    expect(problem(r, 'ok', 'bob')).toBeUndefined();
    r.approve('ok', 'bob');
    expect(r.step('ok').outputs).toEqual({ approved: true, approvers: ['bob'] });
  });

  it('N of M with a refused self-approval: the starter does not count towards the 2', () => {
    const r = gated({ required: 2, approvers: ['ann', 'bob', 'cy'], self_approval: false }, { startedBy: 'bob' });
    r.approve('ok', 'ann');
    r.approve('ok', 'bob');
    expect(r.status('ok')).toBe('waiting');
    expect(r.eventsOf('ApprovalGranted').map((e) => e.data.by)).toEqual(['ann']);
    r.approve('ok', 'cy');
    expect(r.step('ok').outputs).toEqual({ approved: true, approvers: ['ann', 'cy'] });
  });

  it('lets the starter approve when self-approval is not forbidden', () => {
    const r = gated({ approvers: ['ann'] }, { startedBy: 'ann' });
    r.approve('ok', 'ann');
    expect(r.status('ok')).toBe('succeeded');
  });

  it('does not count a second approval by the same person', () => {
    const r = gated({ required: 2, approvers: ['ann', 'bob', 'cy'] });
    r.approve('ok', 'ann');
    expect(problem(r, 'ok', 'ann')).toBe("ann has already approved 'ok'");
    const before = r.events.length;
    expect(r.approve('ok', 'ann')).toEqual([]);
    expect(r.events.length).toBe(before);
    expect(r.status('ok')).toBe('waiting');
    expect(r.state.steps.get('ok')?.approvedBy).toEqual(['ann']);
  });

  it('a rejection fails the step with the reason, skips its dependents and fails the run', () => {
    const r = gated({ required: 2, approvers: ['ann', 'bob'] });
    r.approve('ok', 'ann');
    r.approve('ok', 'bob', false, 'not on a Friday');
    expect(r.eventTypes.slice(-5)).toEqual(['ApprovalGranted:ok', 'ApprovalRejected:ok', 'StepFailed:ok', 'StepSkipped:deploy', 'RunFinished']);
    expect(r.eventsOf('ApprovalRejected').map((e) => e.data)).toEqual([{ step: 'ok', by: 'bob', comment: 'not on a Friday' }]);
    expect(r.eventsOf('StepFailed')[0]?.data).toEqual({
      step: 'ok',
      attempt: 1,
      error: { code: 'REJECTED', message: 'rejected by bob: not on a Friday', details: { by: 'bob' } },
      willRetry: false,
    });
    expect(r.step('deploy')).toMatchObject({ status: 'skipped', reason: "dependency 'ok' failed" });
    expect(r.state.steps.get('deploy')?.upstreamFailed).toBe(true);
    expect(r.state.run.status).toBe('failed');
    expect(r.state.run.error).toEqual({ code: 'STEP_FAILED', message: "step 'ok' failed: rejected by bob: not on a Friday" });
    expect(r.takeExecuted()).toEqual([]);
  });

  it('a rejection without a comment says who rejected', () => {
    const r = gated({}, {}, { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 1, maxDelayMs: 1, jitter: 0 } });
    r.approve('ok', 'bob', false);
    expect(r.eventsOf('ApprovalRejected')[0]?.data).toEqual({ step: 'ok', by: 'bob' });
    expect(r.step('ok').error?.message).toBe('rejected by bob');
    // A rejection is a decision, not a flake: never retried.
    expect(r.eventsOf('StepRetryScheduled')).toEqual([]);
    expect(r.state.run.status).toBe('failed');
  });

  it('continue_on_error lets the run go on after a rejection', () => {
    const r = gated({}, {}, { continueOnError: true });
    r.approve('ok', 'bob', false);
    expect(r.status('ok')).toBe('failed');
    expect(r.takeExecuted()).toEqual(['deploy']);
  });

  it('completing an approval does nothing', () => {
    const r = gated({ approvers: ['ann'] });
    const before = r.events.length;
    expect(r.complete('ok', 'ann', { approved: true })).toEqual([]);
    r.send({ type: 'succeeded', step: 'ok', attempt: 1, outputs: { approved: true } });
    expect(r.events.length).toBe(before);
    expect(r.status('ok')).toBe('waiting');
  });

  it('ignores decisions on a step that is not waiting for an approval', () => {
    const r = new FakeRun(workflow([stepSpec('build'), approval('ok', {}, { dependsOn: ['build'] })]));
    r.start();
    expect(problem(r, 'ok', 'ann')).toBe("step 'ok' is not waiting for an approval");
    expect(r.approve('ok', 'ann')).toEqual([]);
    expect(r.approve('build', 'ann')).toEqual([]);
    expect(r.approve('missing', 'ann')).toEqual([]);
    expect(r.eventsOf('ApprovalGranted')).toEqual([]);
  });

  it('times out like a task: fail says no approval came', () => {
    const r = gated({ approvers: ['ann'], on_timeout: 'fail' }, {}, { timeoutSeconds: 30 });
    r.advance(30_000);
    expect(r.step('ok').error).toEqual({ code: 'TASK_TIMEOUT', message: 'no approval before the deadline' });
    expect(r.state.run.status).toBe('failed');
    expect(r.approve('ok', 'ann')).toEqual([]);
  });

  it('keeps approvals given so far across a crash', () => {
    const wf = workflow([approval('ok', { required: 2, approvers: ['ann', 'bob', 'cy'], self_approval: false }), stepSpec('deploy', { dependsOn: ['ok'] })]);
    const before = new FakeRun(wf, {}, [], { startedBy: 'cy' });
    before.start();
    before.approve('ok', 'ann');
    const after = FakeRun.recover(before);
    expect(after.state.steps.get('ok')?.approvedBy).toEqual(['ann']);
    expectReplayMatches(after);
    // Still one short; the same person and the starter are still refused after the crash.
    expect(after.approve('ok', 'ann')).toEqual([]);
    expect(after.approve('ok', 'cy')).toEqual([]);
    expect(after.status('ok')).toBe('waiting');
    after.approve('ok', 'bob');
    expect(after.step('ok').outputs).toEqual({ approved: true, approvers: ['ann', 'bob'] });
    expect(after.takeExecuted()).toEqual(['deploy']);
  });

  // Engine bug: an approval escalated to someone outside `approvers` cannot be decided by
  // them, so escalation only delays the failure. Fixed by /tmp/engine-fixes-2.diff (task.ts);
  // make this `it` once applied.
  it('an approval escalated to a lead lets the lead decide', () => {
    const r = gated({ approvers: ['ann', 'bob'], on_timeout: 'escalate', escalate_to: 'lead' }, {}, { timeoutSeconds: 60 });
    r.advance(60_000);
    expect(r.state.steps.get('ok')?.task?.assignee).toBe('lead');
    expect(problem(r, 'ok', 'lead')).toBeUndefined();
    r.approve('ok', 'lead');
    expect(r.status('ok')).toBe('succeeded');
  });

  // Engine bug: parameters resolved from templates may be strings. `approvers: ann` (or a
  // template giving "ann") leaves the approval open to anyone, and `required: "2"` asks for
  // one approval. Fixed by /tmp/engine-fixes-2.diff (task.ts); make these `it` once applied.
  it('a single approver given as a string restricts the approval to that name', () => {
    const r = gated({ approvers: 'ann' });
    expect(problem(r, 'ok', 'mallory')).toBe("mallory is not among the approvers of 'ok' (ann)");
    r.approve('ok', 'mallory');
    expect(r.status('ok')).toBe('waiting');
  });

  it('a required count given as a string still asks for that many approvals', () => {
    const r = gated({ required: '2', approvers: ['ann', 'bob'] });
    r.approve('ok', 'ann');
    expect(r.status('ok')).toBe('waiting');
    r.approve('ok', 'bob');
    expect(r.status('ok')).toBe('succeeded');
  });
});
