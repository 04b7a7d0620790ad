import { describe, expect, it } from 'vitest';
import { at, check, only, yaml } from './support.js';

describe('the dependency graph (basic level)', () => {
  it('duplicate step ids: error at the second, naming the first one`s line', async () => {
    const ds = await check(yaml('name: x', 'steps:', '  - id: build', '    command: log', '    parameters: {message: a}', '  - id: build', '    command: log', '    parameters: {message: b}'), 'basic');
    const d = only(ds, 'DEF_DUPLICATE_STEP');
    expect(at(d)).toBe('6:9');
    expect(d.message).toBe("duplicate step id 'build': steps[0] (line 3) already uses it");
  });

  it('unknown dependency, with did-you-mean, at the entry', async () => {
    const ds = await check(yaml('name: x', 'steps:', '  - id: build', '  - id: test', '    depends_on: [biuld]'), 'basic');
    const d = only(ds, 'DEF_UNKNOWN_DEPENDENCY');
    expect(at(d)).toBe('5:18');
    expect(d.message).toBe("step 'test' depends on 'biuld', which is not a step of this workflow. Did you mean 'build'?");
    expect(d.fix).toBe('depends_on: [build]');
  });

  it('a lone string dependency is located too', async () => {
    const d = only(await check(yaml('name: x', 'steps:', '  - id: test', '    depends_on: nothing'), 'basic'), 'DEF_UNKNOWN_DEPENDENCY');
    expect(at(d)).toBe('4:17');
    expect(d.fix).toBe('known steps: test');
  });

  it('prints the cycle in run order', async () => {
    const ds = await check(
      yaml('name: x', 'steps:', '  - id: a', '    depends_on: [c]', '  - id: b', '    depends_on: [a]', '  - id: c', '    depends_on: [b]', '  - id: d', '    depends_on: [c]'),
      'basic',
    );
    const d = only(ds, 'DEF_CYCLE');
    expect(d.message).toBe('dependency cycle: a -> b -> c -> a');
    expect(at(d)).toBe('4:18');
  });

  it('a step depending on itself is a cycle', async () => {
    const d = only(await check(yaml('name: x', 'steps:', '  - id: a', '    depends_on: [a]'), 'basic'), 'DEF_CYCLE');
    expect(d.message).toBe('dependency cycle: a -> a');
  });

  it('parameter declarations must agree with themselves', async () => {
    const ds = await check(
      yaml(
        'name: x',
        'parameters:',
        '  port: {type: integer, default: "80"}',
        '  env: {type: string, enum: [dev, prod], default: test}',
        '  mode: {type: string, enum: [1, b]}',
        '  x: {type: string, default: a, required: true}',
        'steps: [{id: a}]',
      ),
      'basic',
    );
    expect(ds.map((d) => `${at(d)} ${d.severity} ${d.message}`)).toEqual([
      "3:34 error parameter 'port': the default '80' (a string) is not an integer",
      "4:51 error parameter 'env': the default 'test' (a string) is not one of the enum values",
      "5:31 error parameter 'mode': enum value 1 (a number) is not a string",
      "6:43 warning parameter 'x' is required but has a default, so it can never be missing",
    ]);
  });
});
