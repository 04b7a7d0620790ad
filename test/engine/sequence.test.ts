import { afterEach, describe, expect, it } from 'vitest';
import { decide, evolve, initialState, type RunEvent } from '../../src/engine/index.js';
import { FakeRun, expectContiguousSeqs, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

const ev = (seq: number): RunEvent => ({ type: 'RunStarted', runId: 'r1', seq, at: 0, data: {} });

describe('event sequence numbers', () => {
  it('the checker refuses a gap, a repeat, and a log that does not start at 1', () => {
    expect(() => expectContiguousSeqs([ev(1), ev(3)])).toThrow();
    expect(() => expectContiguousSeqs([ev(1), ev(1)])).toThrow();
    expect(() => expectContiguousSeqs([ev(2), ev(3)])).toThrow();
    expectContiguousSeqs([ev(1), ev(2), ev(3)]);
  });

  it('continue after a RunCreated event the runtime stored first', () => {
    const wf = workflow([stepSpec('a')]);
    const state = initialState({ id: 'r1', workflowId: 'wf', workflowName: 'wf', definitionHash: 'h', status: 'queued', parameters: {}, createdAt: 0 }, wf);
    const created: RunEvent = { type: 'RunCreated', runId: 'r1', seq: 1, at: 0, data: { workflowId: 'wf', workflowName: 'wf', definitionHash: 'h', parameters: {} } };
    evolve(state, created);
    const env = { now: 0, random: () => 0 };
    const d1 = decide(state, { type: 'start' }, env);
    const d2 = decide(state, { type: 'succeeded', step: 'a', attempt: 1, outputs: {} }, env);
    expectContiguousSeqs([created, ...d1.events, ...d2.events]);
  });

  it('continue from the last stored event after recovery', () => {
    const before = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })]));
    before.start();
    const after = FakeRun.recover(before);
    after.interrupt('a');
    after.succeed('a');
    after.succeed('b');
    expect(after.events[before.events.length]?.seq).toBe(before.events.length + 1);
    expectContiguousSeqs(after.events);
  });

  it('every event carries the run id and the time of the input that caused it', () => {
    const r = new FakeRun(workflow([stepSpec('a', { retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 10, maxDelayMs: 10, jitter: 0 } })]));
    r.start();
    r.now += 5;
    r.fail('a');
    expect(r.events.every((e) => e.runId === 'r1')).toBe(true);
    expect(r.events.slice(-2).map((e) => e.at)).toEqual([r.now, r.now]);
  });
});
