import { afterEach, describe, expect, it } from 'vitest';
import { runStatus, type StepSpec, type Workflow } from '../../src/engine/index.js';
import { FakeRun, expectRunsConsistent, stepSpec, workflow } from './harness.js';

afterEach(expectRunsConsistent);

/**
 * A workflow in phases, with the edges the definition layer adds: every step of phase k
 * comes `after` all steps of phase k-1.
 */
function phased(phases: Array<[string, StepSpec[]]>, over: Partial<Workflow> = {}): Workflow {
  const steps: StepSpec[] = [];
  let previous: string[] = [];
  for (const [name, specs] of phases) {
    for (const s of specs) steps.push({ ...s, phase: name, ...(previous.length > 0 ? { after: previous } : {}) });
    previous = specs.map((s) => s.id);
  }
  return workflow(steps, { phases: phases.map(([name]) => name), ...over });
}

describe('phases', () => {
  it('a phase starts only when every step of the previous one has finished', () => {
    const r = new FakeRun(phased([['ANALYZE', [stepSpec('a1'), stepSpec('a2')]], ['BUILD', [stepSpec('b1'), stepSpec('b2')]], ['CHECK', [stepSpec('c')]]]));
    r.start();
    expect(r.takeExecuted()).toEqual(['a1', 'a2']);
    r.succeed('a2');
    expect(r.status('b1')).toBe('pending');
    expect(r.takeExecuted()).toEqual([]);
    r.succeed('a1');
    expect(r.takeExecuted()).toEqual(['b1', 'b2']);
    r.succeed('b1');
    expect(r.takeExecuted()).toEqual([]);
    r.succeed('b2');
    expect(r.takeExecuted()).toEqual(['c']);
    r.succeed('c', { done: true });
    expect(r.state.run.status).toBe('succeeded');
    // Only the last phase's steps are sinks: `after` edges count as dependencies.
    expect(r.state.run.outputs).toEqual({ c: { done: true } });
  });

  it('a failing step skips the next phases with the reason, and the run fails', () => {
    const r = new FakeRun(phased([['ANALYZE', [stepSpec('a1'), stepSpec('a2')]], ['BUILD', [stepSpec('b')]], ['CHECK', [stepSpec('c')]]]));
    r.start();
    r.succeed('a1');
    r.fail('a2', 'lint failed');
    expect(r.step('b')).toMatchObject({ status: 'skipped', reason: "'a2' did not pass, so this phase cannot start" });
    expect(r.state.steps.get('b')?.upstreamFailed).toBe(true);
    expect(r.eventsOf('StepSkipped').map((e) => e.data)).toEqual([
      { step: 'b', reason: "'a2' did not pass, so this phase cannot start", upstreamFailed: true },
      { step: 'c', reason: "'b' did not pass, so this phase cannot start", upstreamFailed: true },
    ]);
    expect(r.takeExecuted()).toEqual(['a1', 'a2']);
    expect(r.state.run.status).toBe('failed');
    expect(r.state.run.error).toEqual({ code: 'STEP_FAILED', message: "step 'a2' failed: lint failed" });
  });

  it('the next phase waits for the whole failing phase to finish before it is skipped', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a1'), stepSpec('a2')]], ['TWO', [stepSpec('b')]]]));
    r.start();
    r.fail('a1');
    expect(r.status('b')).toBe('pending');
    expect(r.state.run.status).toBe('running');
    r.succeed('a2');
    expect(r.status('b')).toBe('skipped');
    expect(r.state.run.status).toBe('failed');
  });

  it('a step skipped after a failure inside the phase also holds the next phase', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a1'), stepSpec('a2', { dependsOn: ['a1'] })]], ['TWO', [stepSpec('b')]]]));
    r.start();
    r.fail('a1', 'exit 1');
    expect(r.state.steps.get('a2')).toMatchObject({ status: 'skipped', upstreamFailed: true });
    expect(r.step('b').reason).toBe("'a1' did not pass, so this phase cannot start");
    expect(r.state.run.status).toBe('failed');
  });

  it('a condition-skipped step lets the next phase run, and so does a step skipped after it', () => {
    const r = new FakeRun(
      phased([
        ['ONE', [stepSpec('a1'), stepSpec('opt', { if: 'false' }), stepSpec('after-opt', { dependsOn: ['opt'] })]],
        ['TWO', [stepSpec('b')]],
      ]),
    );
    r.start();
    expect(r.takePrepared()).toEqual(['opt']);
    r.prepared('opt', { skip: 'condition is false' });
    expect(r.state.steps.get('after-opt')).toMatchObject({ status: 'skipped', reason: "dependency 'opt' was skipped" });
    expect(r.state.steps.get('after-opt')?.upstreamFailed).toBeUndefined();
    expect(r.takeExecuted()).toEqual(['a1']);
    r.succeed('a1');
    expect(r.takeExecuted()).toEqual(['b']);
    r.succeed('b');
    expect(r.state.run.status).toBe('succeeded');
  });

  it('the trigger rule applies to depends_on only: all_done does not open a phase after a failure', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a')]], ['TWO', [stepSpec('cleanup', { triggerRule: 'all_done' }), stepSpec('report', { triggerRule: 'none_failed' })]]]));
    r.start();
    r.fail('a');
    expect(r.step('cleanup').reason).toBe("'a' did not pass, so this phase cannot start");
    expect(r.status('report')).toBe('skipped');
    expect(r.takeExecuted()).toEqual(['a']);
  });

  it('inside a phase, all_done still runs after a failed dependency once the previous phase passed', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a')]], ['TWO', [stepSpec('b'), stepSpec('cleanup', { dependsOn: ['b'], triggerRule: 'all_done' })]]]));
    r.start();
    r.succeed('a');
    r.fail('b');
    expect(r.takeExecuted()).toEqual(['a', 'b', 'cleanup']);
  });

  it('a step that is both a dependency and a phase predecessor is counted once', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a')]], ['TWO', [stepSpec('b', { dependsOn: ['a'] })]]]));
    expect(r.state.steps.get('b')?.remaining).toBe(1);
    r.start();
    r.succeed('a');
    expect(r.takeExecuted()).toEqual(['a', 'b']);
  });

  it('a continue_on_error failure counts as passed for the next phase', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a', { continueOnError: true })]], ['TWO', [stepSpec('b')]]]));
    r.start();
    r.fail('a');
    expect(r.takeExecuted()).toEqual(['a', 'b']);
  });

  it('an approval as the last step of a phase holds the next phase until approved', () => {
    const r = new FakeRun(
      phased([
        ['BLUEPRINT', [stepSpec('design'), stepSpec('signoff', { command: 'approval', parameters: { approvers: ['lead'] }, dependsOn: ['design'] })]],
        ['CONSTRUCT', [stepSpec('build')]],
      ]),
    );
    r.start();
    r.succeed('design');
    expect(r.status('signoff')).toBe('waiting');
    expect(r.status('build')).toBe('pending');
    expect(runStatus(r.state)).toBe('waiting');
    r.approve('signoff', 'someone-else');
    expect(r.status('build')).toBe('pending');
    r.approve('signoff', 'lead');
    expect(r.takeExecuted()).toEqual(['design', 'build']);
  });

  it('a rejected phase approval skips the next phase with the reason', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a'), stepSpec('gate', { command: 'approval', dependsOn: ['a'] })]], ['TWO', [stepSpec('b')]]]));
    r.start();
    r.succeed('a');
    r.approve('gate', 'lead', false, 'design is incomplete');
    expect(r.step('b').reason).toBe("'gate' did not pass, so this phase cannot start");
    expect(r.state.run.error?.message).toBe("step 'gate' failed: rejected by lead: design is incomplete");
  });

  it('a task in a phase holds the next phase until completed', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('review', { command: 'task' })]], ['TWO', [stepSpec('ship')]]]));
    r.start();
    expect(runStatus(r.state)).toBe('waiting');
    r.complete('review', 'agent', { verdict: 'ok' });
    expect(r.takeExecuted()).toEqual(['ship']);
  });

  it('the next phase waits for every instance of a fan-out', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('fan', { forEach: [] })]], ['TWO', [stepSpec('b')]]]));
    r.start();
    r.prepared('fan', { items: [1, 2] });
    r.prepared('fan[0]', { parameters: {} });
    r.prepared('fan[1]', { parameters: {} });
    r.succeed('fan[0]');
    expect(r.status('b')).toBe('pending');
    r.fail('fan[1]');
    expect(r.step('b').reason).toBe("'fan' did not pass, so this phase cannot start");
  });

  it('cancelling a run in phase one cancels the later phases', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a')]], ['TWO', [stepSpec('b')]]]));
    r.start();
    r.cancel('stop');
    expect(r.status('b')).toBe('cancelled');
    expect(r.state.run.status).toBe('cancelled');
  });

  it('pausing between phases holds the next phase', () => {
    const r = new FakeRun(phased([['ONE', [stepSpec('a')]], ['TWO', [stepSpec('b')]]]));
    r.start();
    r.pause();
    r.succeed('a');
    expect(r.status('b')).toBe('queued');
    expect(r.takeExecuted()).toEqual(['a']);
    r.unpause();
    expect(r.takeExecuted()).toEqual(['b']);
  });
});
