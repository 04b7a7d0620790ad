import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

describe('run outputs', () => {
  it('asks the runtime to finalize declared outputs, and finishes with what it answers', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] })], { outputs: { result: '${{ steps.b.outputs.v }}' } }));
    r.start();
    r.succeed('a');
    const effects = r.succeed('b', { v: 42 });
    expect(effects).toEqual([{ type: 'finalize' }]);
    expect(r.state.run.status).toBe('running');
    expect(r.eventsOf('RunFinished')).toEqual([]);
    r.send({ type: 'finalized', outputs: { result: 42 } });
    expect(r.state.run.status).toBe('succeeded');
    expect(r.state.run.outputs).toEqual({ result: 42 });
    expect(r.eventsOf('RunFinished').map((e) => e.data)).toEqual([{ status: 'succeeded', outputs: { result: 42 } }]);
  });

  it('asks to finalize only once', () => {
    const r = new FakeRun(workflow([stepSpec('a')], { outputs: { x: '1' } }));
    r.start();
    r.succeed('a');
    expect(r.take('finalize')).toHaveLength(1);
    expect(r.advance(1000)).toEqual([]);
    expect(r.take('finalize')).toEqual([]);
  });

  it('fails the run when the outputs cannot be evaluated', () => {
    const r = new FakeRun(workflow([stepSpec('a')], { outputs: { x: '${{ nope( }}' } }));
    r.start();
    r.succeed('a');
    r.send({ type: 'finalized', error: { code: 'EXPRESSION', message: 'bad output template' } });
    expect(r.state.run.status).toBe('failed');
    expect(r.state.run.error).toEqual({ code: 'EXPRESSION', message: 'bad output template' });
  });

  it('still fails a run with declared outputs when a step failed', () => {
    const r = new FakeRun(workflow([stepSpec('a')], { outputs: { x: '1' } }));
    r.start();
    r.fail('a', 'bad');
    r.send({ type: 'finalized', outputs: { x: 1 } });
    expect(r.state.run.status).toBe('failed');
    expect(r.state.run.error?.message).toBe("step 'a' failed: bad");
  });

  it('ignores a finalized input the engine did not ask for', () => {
    const r = new FakeRun(workflow([stepSpec('a')], { outputs: { x: '1' } }));
    r.start();
    expect(r.send({ type: 'finalized', outputs: { x: 1 } })).toEqual([]);
    expect(r.state.run.status).toBe('running');
    expect(r.status('a')).toBe('running');
  });

  it('without declared outputs, uses the outputs of the sink steps keyed by step id', () => {
    const r = new FakeRun(
      workflow([stepSpec('a'), stepSpec('b', { dependsOn: ['a'] }), stepSpec('c', { dependsOn: ['a'] }), stepSpec('d')]),
    );
    r.start();
    r.succeed('a', { inner: true });
    r.succeed('d', { d: 4 });
    r.succeed('c', { c: 3 });
    const effects = r.succeed('b', { b: 2 });
    expect(effects).toEqual([]);
    expect(r.state.run.outputs).toEqual({ b: { b: 2 }, c: { c: 3 }, d: { d: 4 } });
    expect(Object.keys(r.state.run.outputs ?? {})).toEqual(['b', 'c', 'd']);
  });

  it('leaves skipped sinks out of the default outputs', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('maybe', { if: 'false' })]));
    r.start();
    r.prepared('maybe', { skip: 'no' });
    r.succeed('a', { x: 1 });
    expect(r.state.run.outputs).toEqual({ a: { x: 1 } });
  });

  it('a fan-out sink contributes its joined items', () => {
    const r = new FakeRun(workflow([stepSpec('fan', { forEach: [] })]));
    r.start();
    r.prepared('fan', { items: [1] });
    r.prepared('fan[0]', { parameters: {} });
    r.succeed('fan[0]', { n: 1 });
    expect(r.state.run.outputs).toEqual({ fan: { items: [{ n: 1 }] } });
  });
});
