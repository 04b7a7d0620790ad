import { afterEach, describe, expect, it } from 'vitest';
import { takeProjection, type StepSpec, type Workflow } from '../../src/engine/index.js';
import { FakeRun, engineMemory, expectReplayMatches, expectRunsConsistent, fullProjection, stepSpec, workflow, type RunFields } from './harness.js';

afterEach(expectRunsConsistent);

const task = (id: string, parameters: Record<string, unknown> = {}, over: Partial<StepSpec> = {}) => stepSpec(id, { command: 'task', parameters, ...over });
const approval = (id: string, parameters: Record<string, unknown> = {}, over: Partial<StepSpec> = {}) =>
  stepSpec(id, { command: 'approval', parameters, ...over });
const waitFor = (id: string, signal: string, over: Partial<StepSpec> = {}) => stepSpec(id, { command: 'wait', parameters: { signal }, ...over });

interface Scenario {
  name: string;
  wf: Workflow;
  run?: RunFields;
  /** Drives the run; calls `checkpoint` after each input. */
  drive(r: FakeRun, checkpoint: () => void): void;
}

/** Tasks, approvals, signals, pause and phases, each driven to the end of its run. */
const scenarios: Scenario[] = [
  {
    name: 'a task completed, then its dependent',
    wf: workflow([task('t', { instructions: 'do it', assignee: 'ann' }, { extras: { enforcement: 'code-review' } }), stepSpec('next', { dependsOn: ['t'] })]),
    drive(r, cp) {
      r.start(); cp();
      r.approve('t', 'ann'); cp();
      r.complete('t', 'ann', { ok: true }); cp();
      r.succeed('next'); cp();
    },
  },
  {
    name: 'N of M with refusals, a duplicate and a late approver',
    wf: workflow([approval('ok', { required: 2, approvers: ['ann', 'bob', 'cy'], self_approval: false }), stepSpec('deploy', { dependsOn: ['ok'] })]),
    run: { startedBy: 'bob' },
    drive(r, cp) {
      r.start(); cp();
      r.approve('ok', 'mallory'); cp();
      r.approve('ok', 'bob'); cp();
      r.approve('ok', 'ann', true, 'fine'); cp();
      r.approve('ok', 'ann'); cp();
      r.complete('ok', 'cy'); cp();
      r.approve('ok', 'cy'); cp();
      r.approve('ok', 'bob'); cp();
      r.succeed('deploy'); cp();
    },
  },
  {
    name: 'a rejection',
    wf: workflow([approval('ok', { approvers: ['ann'] }), stepSpec('deploy', { dependsOn: ['ok'] }), stepSpec('other')]),
    drive(r, cp) {
      r.start(); cp();
      r.approve('ok', 'ann', false, 'no'); cp();
      r.succeed('other'); cp();
    },
  },
  {
    name: 'task timeouts: escalate then fail, continue',
    wf: workflow([
      task('esc', { assignee: 'ann', on_timeout: 'escalate', escalate_to: 'lead' }, { timeoutSeconds: 10 }),
      task('cont', { on_timeout: 'continue' }, { timeoutSeconds: 15 }),
      stepSpec('after', { dependsOn: ['cont'] }),
    ]),
    drive(r, cp) {
      r.start(); cp();
      r.advance(10_000); cp();
      r.advance(5_000); cp();
      r.succeed('after'); cp();
      r.advance(5_000); cp();
    },
  },
  {
    name: 'signals: kept before, delivered while waiting, one left over, one timing out',
    wf: workflow([
      stepSpec('build'),
      waitFor('early', 'go', { dependsOn: ['build'] }),
      waitFor('live', 'ready'),
      waitFor('late', 'never', { timeoutSeconds: 30, continueOnError: true }),
    ]),
    drive(r, cp) {
      r.signal('go', 1, 'ann'); cp();
      r.start(); cp();
      r.signal('go', 2); cp();
      r.signal('unrelated'); cp();
      r.succeed('build'); cp();
      r.signal('ready', { x: 1 }); cp();
      r.advance(30_000); cp();
    },
  },
  {
    name: 'pause, results while paused, unpause',
    wf: workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] }), task('t', {}, { dependsOn: ['a'] }), stepSpec('c')], { maxParallel: 2 }),
    drive(r, cp) {
      r.start(); cp();
      r.pause('ann'); cp();
      r.pause(); cp();
      r.succeed('a'); cp();
      r.succeed('c'); cp();
      r.unpause('ann'); cp();
      r.complete('t', 'bob'); cp();
      r.pause(); cp();
      r.succeed('b'); cp();
    },
  },
  {
    name: 'phases: an approval gate, then a failure that skips the last phase',
    wf: (() => {
      const one = [stepSpec('a1'), stepSpec('opt', { if: 'false' }), approval('gate', {}, { dependsOn: ['a1'] })];
      const two = [stepSpec('b1'), stepSpec('b2')];
      const three = [stepSpec('c')];
      const steps = [
        ...one.map((s) => ({ ...s, phase: 'ONE' })),
        ...two.map((s) => ({ ...s, phase: 'TWO', after: one.map((o) => o.id) })),
        ...three.map((s) => ({ ...s, phase: 'THREE', after: two.map((o) => o.id) })),
      ];
      return workflow(steps, { phases: ['ONE', 'TWO', 'THREE'] });
    })(),
    drive(r, cp) {
      r.start(); cp();
      r.prepared('opt', { skip: 'condition false' }); cp();
      r.succeed('a1'); cp();
      r.approve('gate', 'lead'); cp();
      r.succeed('b1'); cp();
      r.fail('b2', 'tests failed'); cp();
    },
  },
];

describe('replay of runs under human control', () => {
  for (const s of scenarios) {
    it(`rebuilds the same projection and engine memory after every input: ${s.name}`, () => {
      const r = new FakeRun(s.wf, {}, [], s.run ?? {});
      s.drive(r, () => expectReplayMatches(r));
      expect(['succeeded', 'failed']).toContain(r.state.run.status);
    });
  }

  for (const s of scenarios) {
    it(`resumes after a crash after any input and ends the same way: ${s.name}`, () => {
      const reference = new FakeRun(s.wf, {}, [], s.run ?? {});
      let inputs = 0;
      s.drive(reference, () => inputs++);
      for (let crashAt = 1; crashAt < inputs; crashAt++) {
        const r = new FakeRun(s.wf, {}, [], s.run ?? {});
        let seen = 0;
        s.drive(r, () => {
          if (++seen === crashAt) r.restart();
        });
        expect(fullProjection(r.state)).toEqual(fullProjection(reference.state));
        expect(engineMemory(r.state)).toEqual(engineMemory(reference.state));
      }
    });
  }

  it('the projections taken along the way add up to the full projection', () => {
    const s = scenarios[1] as Scenario;
    const r = new FakeRun(s.wf, {}, [], s.run ?? {});
    const seen = new Map<string, unknown>();
    let run: unknown;
    s.drive(r, () => {
      const p = takeProjection(r.state);
      if (p.run) run = p.run;
      for (const st of p.steps) seen.set(st.key, st);
    });
    const full = fullProjection(r.state);
    expect(run).toEqual(full.run);
    for (const st of full.steps) expect(seen.get(st.key)).toEqual(st);
  });
});
