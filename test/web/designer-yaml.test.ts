import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { graphOf } from '../../web/src/designer/graph-of';
import { addDependency, addStep, freeStepId, removeDependency, starterParameters } from '../../web/src/designer/yaml-edit';

const COMMENTED = `# Deploy the web tier.
id: deploy # stable id
name: Deploy
steps:
  # build first
  - id: build
    command: shell
    parameters: { run: make } # flow style kept
  - id: test
    command: shell
    parameters:
      run: make test
`;

function ok(result: { ok: boolean; text?: string; error?: string }): string {
  if (!result.ok || result.text === undefined) throw new Error(`expected an edit, got: ${result.error}`);
  return result.text;
}

describe('designer YAML write-back', () => {
  it('appends a step with a fresh id and starter parameters, keeping comments and layout', () => {
    const result = addStep(COMMENTED, 'shell', { parameters: starterParameters('shell')! });
    const text = ok(result);
    expect(result.id).toBe('shell');
    expect(text.startsWith(COMMENTED)).toBe(true);
    expect(text.slice(COMMENTED.length)).toBe(`  - id: shell\n    command: shell\n    parameters:\n      run: echo "hello from cairn"\n`);
    expect(parse(text).steps.map((s: { id: string }) => s.id)).toEqual(['build', 'test', 'shell']);
  });

  it('picks the next free id when the command name is taken', () => {
    expect(freeStepId('log', new Set())).toBe('log');
    expect(freeStepId('log', new Set(['log', 'log-2']))).toBe('log-3');
    const once = ok(addStep('id: x\nsteps: []\n', 'log'));
    const twice = addStep(once, 'log');
    expect(twice.id).toBe('log-2');
  });

  it('creates the steps list when there is none, and a definition from empty text', () => {
    expect(ok(addStep('id: x\nname: X\n', 'log'))).toBe('id: x\nname: X\nsteps:\n  - id: log\n    command: log\n');
    expect(parse(ok(addStep('', 'wait')))).toEqual({ id: 'new-workflow', steps: [{ id: 'wait', command: 'wait' }] });
    // An empty flow list grows into a block list.
    expect(ok(addStep('id: x\nsteps: []\n', 'log'))).toBe('id: x\nsteps:\n  - id: log\n    command: log\n');
  });

  it('refuses text that does not parse, or steps that are not a list, saying why', () => {
    expect(addStep('id: [x\n', 'log')).toMatchObject({ ok: false, error: expect.stringMatching(/does not parse/) });
    expect(addStep('id: x\nsteps: {a: 1}\n', 'log')).toEqual({ ok: false, error: '`steps` is not a list' });
    expect(addStep('- a\n- b\n', 'log')).toMatchObject({ ok: false, error: expect.stringMatching(/not a mapping/) });
    expect(addStep('id: x\nsteps: []\n', 'log', { id: 'bad id' })).toMatchObject({ ok: false });
  });

  it('adds a dependency as a flow list, then grows the list, keeping comments', () => {
    const once = ok(addDependency(COMMENTED, 'build', 'test'));
    expect(once).toContain('    depends_on: [ build ]\n');
    expect(once).toContain('# build first');
    expect(once).toContain('id: deploy # stable id');
    expect(once).toContain('parameters: { run: make } # flow style kept');
    const withThird = ok(addStep(once, 'log'));
    const twice = ok(addDependency(withThird, 'test', 'log'));
    const thrice = ok(addDependency(twice, 'build', 'log'));
    expect(parse(thrice).steps[2].depends_on).toEqual(['test', 'build']);
    expect(graphOf(thrice).steps.map((s) => [s.id, s.dependsOn])).toEqual([
      ['build', []],
      ['test', ['build']],
      ['log', ['test', 'build']],
    ]);
  });

  it('turns a single depends_on string into a list', () => {
    const text = 'id: x\nsteps:\n  - id: a\n    command: log\n  - id: b\n    command: log\n  - id: c\n    command: log\n    depends_on: a\n';
    expect(parse(ok(addDependency(text, 'b', 'c'))).steps[2].depends_on).toEqual(['a', 'b']);
  });

  it('leaves an existing dependency alone and refuses cycles, self-dependencies and unknown steps', () => {
    const once = ok(addDependency(COMMENTED, 'build', 'test'));
    expect(ok(addDependency(once, 'build', 'test'))).toBe(once);
    expect(addDependency(once, 'test', 'build')).toEqual({ ok: false, error: "'test' already depends on 'build': the new dependency would make a cycle" });
    expect(addDependency(once, 'test', 'test')).toMatchObject({ ok: false, error: expect.stringMatching(/itself/) });
    expect(addDependency(once, 'nope', 'test')).toEqual({ ok: false, error: "no step 'nope'" });
    expect(addDependency(once, 'test', 'nope')).toEqual({ ok: false, error: "no step 'nope'" });
  });

  it('removes a dependency, and depends_on with it when it empties', () => {
    const once = ok(addDependency(COMMENTED, 'build', 'test'));
    expect(ok(removeDependency(once, 'build', 'test'))).toBe(COMMENTED);
  });

  it('gives starter parameters: known ones, else the required keys of the command schema', () => {
    expect(starterParameters('log')).toEqual({ message: 'hello from cairn' });
    expect(starterParameters('custom', { required: ['url', 'count'], properties: { url: { type: 'string' }, count: { type: 'integer' } } })).toEqual({ url: '', count: 0 });
    expect(starterParameters('custom', { properties: {} })).toBeUndefined();
  });
});

describe('designer graph preview', () => {
  it('reads steps and dependencies leniently while the text is being typed', () => {
    const g = graphOf('id: x\nsteps:\n  - id: a\n    command: log\n  - id: b\n    depends_on: [a, ghost, b]\n  - command: log\n  - id: a\n');
    expect(g.steps.map((s) => ({ id: s.id, command: s.command, dependsOn: s.dependsOn }))).toEqual([
      { id: 'a', command: 'log', dependsOn: [] },
      { id: 'b', command: 'task', dependsOn: ['a'] },
    ]);
    expect(g.steps[1]!.offset).toBe('id: x\nsteps:\n  - id: a\n    command: log\n  - '.length);
  });

  it('says why there is no graph', () => {
    expect(graphOf('').problem).toBe('no definition yet');
    expect(graphOf('id: x\n').problem).toBe('no steps yet');
    expect(graphOf('id: [x\n').problem).toMatch(/does not parse/);
  });
});
