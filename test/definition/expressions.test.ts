import { describe, expect, it } from 'vitest';
import { at, check, errors, only, testCatalog, yaml } from './support.js';

describe('expressions compile (basic level)', () => {
  it('points at the error inside a template', async () => {
    const d = only(await check(yaml('name: x', 'steps:', '  - id: a', '    command: log', '    parameters:', '      message: "hi ${{ parameters.who + }}"'), 'basic'), 'DEF_BAD_EXPRESSION');
    expect(at(d)).toBe('6:40');
    expect(d.message).toBe("the template in parameters.message: Unexpected end of expression (in 'parameters.who +')");
  });

  it('points at a bad condition, bare or wrapped', async () => {
    const bare = only(await check(yaml('name: x', 'steps:', '  - id: a', '    if: parameters.x = = 1'), 'basic'), 'DEF_BAD_EXPRESSION');
    expect(at(bare)).toBe('4:24');
    expect(bare.message).toMatch(/^the condition \(if\): /);
    const wrapped = only(await check(yaml('name: x', 'steps:', '  - id: a', '    if: "${{ (parameters.x }}"'), 'basic'), 'DEF_BAD_EXPRESSION');
    expect(at(wrapped)).toBe('4:27');
  });

  it('refuses text mixed into a condition', async () => {
    const d = only(await check(yaml('name: x', 'steps:', '  - id: a', '    if: "yes ${{ true }}"'), 'basic'), 'DEF_BAD_EXPRESSION');
    expect(d.message).toContain('not text mixed with templates');
    expect(at(d)).toBe('4:14');
  });

  it('checks for_each sources, step outputs and workflow outputs', async () => {
    const ds = await check(
      yaml('name: x', 'outputs:', '  total: "${{ $sum( }}"', 'steps:', '  - id: a', '    for_each: "[1, 2"', '    outputs:', '      n: "${{ result. }}"'),
      'basic',
    );
    expect(ds.filter((d) => d.code === 'DEF_BAD_EXPRESSION').map((d) => `${at(d)} ${d.message.split(':')[0]}`)).toEqual([
      '6:21 the for_each source',
      "8:22 output 'n'",
      "3:20 workflow output 'total'",
    ]);
  });

  it('reports an unterminated template at its opening', async () => {
    const d = only(await check(yaml('name: x', 'steps:', '  - id: a', '    command: log', '    parameters: {message: "a ${{ b"}'), 'basic'), 'DEF_BAD_EXPRESSION');
    expect(at(d)).toBe('5:30');
    expect(d.message).toContain("unterminated template: '${{' has no matching '}}'");
  });

  it('refuses $eval and catastrophic regexes', async () => {
    const ds = await check(yaml('name: x', 'steps:', '  - id: a', '    if: $eval("1")', '  - id: b', '    if: $contains("x", /(a+)+$/)'), 'basic');
    expect(ds.map((d) => `${at(d)} ${d.code}`)).toEqual(['4:9 DEF_BAD_EXPRESSION', '6:24 DEF_BAD_EXPRESSION']);
    expect(ds[0]!.message).toContain('$eval is not allowed');
    expect(ds[1]!.message).toContain('repeats a group that itself repeats');
  });
});

describe('expressions read what exists (standard level)', () => {
  const wf = (...steps: string[]) => yaml('name: x', 'parameters:', '  env: {type: string, default: dev}', 'steps:', ...steps);

  it('undeclared parameters', async () => {
    const d = only(await check(wf('  - id: a', '    if: parameters.evn = "prod"')), 'DEF_UNKNOWN_PARAMETER');
    expect(at(d)).toBe('6:9');
    expect(d.message).toBe("the condition (if) reads parameters.evn, but the workflow declares only 'env'. Did you mean 'env'?");
    expect(d.fix).toBe('parameters.env');
  });

  it('steps that are not upstream', async () => {
    const ds = await check(wf('  - id: y', '    command: log', '    parameters: {message: hi}', '  - id: z', '    command: log', '    parameters:', '      message: "${{ steps.y.outputs.message }}"'));
    const d = only(ds, 'DEF_NOT_UPSTREAM');
    expect(d.message).toBe("step 'y' is not a dependency of 'z'; add it to depends_on (otherwise it may not have run yet)");
    expect(at(d)).toBe('11:21');
    expect(d.fix).toBe("depends_on: [y] in step 'z'");
  });

  it('transitive dependencies count as upstream; workflow outputs see every step', async () => {
    const ds = await check(
      yaml(
        'name: x',
        'outputs: {m: "${{ steps.c.outputs.message & steps.a.status }}"}',
        'steps:',
        '  - {id: a, command: log, parameters: {message: a}}',
        '  - {id: b, command: log, parameters: {message: b}, depends_on: a}',
        '  - {id: c, command: log, depends_on: b, parameters: {message: "${{ steps.a.outputs.message }}"}, outputs: {self: "${{ steps.c.status & result.message }}"}}',
      ),
    );
    expect(ds).toEqual([]);
  });

  it('steps that do not exist, and the hyphen trap', async () => {
    const ds = await check(wf('  - id: build-app', '  - id: b', '    depends_on: [build-app]', '    if: steps.build-app.status = "succeeded" and steps.nope.status'), 'standard', undefined);
    expect(ds.filter((d) => d.code !== 'DEF_UNKNOWN_COMMAND').map((d) => `${d.code} ${d.message}`)).toEqual([
      "DEF_UNKNOWN_STEP the condition (if): in an expression, steps.build-app reads as steps.build minus app; ids with '-' need backticks",
      "DEF_UNKNOWN_STEP the condition (if) reads steps.nope, but there is no step 'nope'.",
    ]);
  });

  it('item and index only inside a fan-out; result only in a step`s outputs', async () => {
    const ds = await check(
      wf(
        '  - id: a',
        '    command: log',
        '    for_each: [1, 2]',
        '    parameters: {message: "${{ item & index }}"}',
        '  - id: b',
        '    command: log',
        '    parameters: {message: "${{ item }} ${{ result }}"}',
      ),
    );
    expect(ds.map((d) => `${at(d)} ${d.message}`)).toEqual([
      "11:32 the template in parameters.message reads 'item', which only exists in the parameters and outputs of a for_each step",
      "11:44 the template in parameters.message reads 'result', which only exists in a step's own outputs (the action's result)",
    ]);
  });

  it('a literal for_each list cannot read item itself', async () => {
    const d = only(await check(wf('  - id: a', '    command: log', '    for_each: ["${{ item }}"]', '    parameters: {message: "${{ item }}"}')), 'DEF_UNKNOWN_NAME');
    expect(at(d)).toBe('7:21');
    expect(d.message).toContain('the for_each source reads \'item\'');
  });

  it('unknown context names and run fields', async () => {
    const ds = await check(wf('  - id: a', '    if: paramters.env = "x" or run.start = 1'), 'standard', testCatalog(['task']));
    expect(ds.map((d) => d.message)).toEqual([
      "the condition (if) reads 'paramters', which is not defined; expressions read 'parameters', 'steps', 'run', 'item' and 'index'. Did you mean 'parameters'?",
      "run.start does not exist; run has 'id', 'workflow' and 'started_at'.",
    ]);
  });

  it('names inside filters, lambdas` parameters and transforms are not context reads', async () => {
    const ds = await check(
      wf('  - id: a', `    if: '$count($filter([1,2], function($v) { $v > 1 })) > 0 and $exists(parameters.env[$ = "x"]) and ({"k": 1} ~> |$|{"n": k}|).n = 1'`),
      'standard',
      testCatalog(['task']),
    );
    expect(errors(ds)).toEqual([]);
  });
});
