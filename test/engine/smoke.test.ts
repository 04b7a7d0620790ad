import { afterEach, describe, expect, it } from 'vitest';
import { FakeRun, expectSequencesContiguous, stepSpec, workflow } from './harness.js';

afterEach(expectSequencesContiguous);

describe('engine smoke', () => {
  it('runs two parallel steps then a join', () => {
    const r = new FakeRun(workflow([stepSpec('a'), stepSpec('b'), stepSpec('c', { dependsOn: ['a', 'b'] })]));
    r.start();
    expect(r.takeExecuted()).toEqual(['a', 'b']);
    r.succeed('a', { x: 1 });
    expect(r.takeExecuted()).toEqual([]);
    r.succeed('b');
    expect(r.takeExecuted()).toEqual(['c']);
    r.succeed('c', { y: 2 });
    expect(r.state.run.status).toBe('succeeded');
    expect(r.state.run.outputs).toEqual({ c: { y: 2 } });
  });
});
