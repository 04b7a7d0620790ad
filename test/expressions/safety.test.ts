import { afterEach, describe, expect, it } from 'vitest';
import { createContext, evaluateExpression, ExpressionError, renderTemplates } from '../../src/expressions/index.js';
import { parseDefinition } from '../../src/definition/index.js';

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();
const baseline = prototypeKeys();

function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(prototypeKeys()).toEqual(baseline);
  expect(Object.getOwnPropertyNames(Array.prototype)).not.toContain('polluted');
}

afterEach(expectNoPollution);

const ctx = { parameters: { name: 'x', list: [1, 2] }, steps: {}, run: { id: 'r', workflow: 'w', started_at: '2024-01-01T00:00:00Z' } };

describe('prototype pollution', () => {
  it('rendering a value with __proto__, constructor and prototype keys changes no prototype', async () => {
    const value = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "a": {"__proto__": {"polluted": "${{ parameters.name }}"}}}') as Record<string, unknown>;
    const out = (await renderTemplates(value, ctx)) as Record<string, unknown>;
    expectNoPollution();
    // The keys survive as plain data.
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor', 'a']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"a":{"__proto__":{"polluted":"x"}}}');
  });

  it.each([
    '$ ~> |__proto__|{"polluted": 1}|',
    '$ ~> |parameters.__proto__|{"polluted": 1}|',
    '$ ~> |parameters.constructor.prototype|{"polluted": 1}|',
    '$merge([{"__proto__": {"polluted": 1}}, {"a": 1}])',
    '{"__proto__": {"polluted": 1}}',
    '$spread({"__proto__": {"polluted": 1}})',
    '$sift($, function($v, $k) { $k = "__proto__" })',
    '(parameters.__proto__.polluted := 1; parameters.__proto__)',
    '$lookup(parameters, "__proto__")',
    '$each(parameters.constructor, function($v, $k) { $k })',
  ])('evaluating %s pollutes nothing and sees no prototype', async (expr) => {
    // Some of these are refused (JSONata cannot assign to paths); either way nothing changes.
    const result = await evaluateExpression(expr, ctx).catch((err: unknown) => {
      expect(err).toBeInstanceOf(ExpressionError);
      return undefined;
    });
    expectNoPollution();
    if (result && typeof result === 'object') expect(Object.getPrototypeOf(result)).toBe(Array.isArray(result) ? Array.prototype : Object.prototype);
  });

  it('context lookups never reach Object.prototype', async () => {
    expect(await evaluateExpression('parameters.__proto__', ctx)).toBeUndefined();
    expect(await evaluateExpression('parameters.constructor', ctx)).toBeUndefined();
    expect(await evaluateExpression('parameters.toString', ctx)).toBeUndefined();
    expect(await evaluateExpression('parameters.hasOwnProperty', ctx)).toBeUndefined();
    expect(await evaluateExpression('$keys(parameters)', ctx)).toEqual(['name', 'list']);
  });

  it('a context holding __proto__ keys is read as data', async () => {
    const hostile = createContext(JSON.parse('{"parameters": {"__proto__": {"polluted": 1}, "x": 1}}') as Record<string, unknown>);
    expect(await evaluateExpression('parameters.x', hostile)).toBe(1);
    expect(await evaluateExpression('$keys(parameters)', hostile)).toEqual(['__proto__', 'x']);
  });

  it('a definition with __proto__ keys keeps them as metadata and pollutes nothing', () => {
    const parsed = parseDefinition('name: x\n__proto__: {polluted: 1}\nsteps:\n  - id: a\n    __proto__: {polluted: 2}\n    parameters: {__proto__: {polluted: 3}}\n');
    expectNoPollution();
    const wf = parsed.workflow!;
    expect(Object.keys(wf.extras)).toEqual(['__proto__']);
    expect(Object.keys(wf.steps[0]!.extras)).toEqual(['__proto__']);
    expect(Object.keys(wf.steps[0]!.parameters)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(wf.steps[0]!.parameters)).toBe(Object.prototype);
  });

  it('parameters named like prototype members are ordinary parameters', () => {
    const parsed = parseDefinition('name: x\nparameters:\n  constructor: 1\n  toString: {type: string}\nsteps: [{id: a}]\n');
    expect(parsed.diagnostics).toEqual([]);
    expect(Object.keys(parsed.workflow!.parameters)).toEqual(['constructor', 'toString']);
  });
});

describe('no way out of the sandbox', () => {
  it.each(['process', '$process', 'require', '$require', 'global', 'globalThis', 'this', 'constructor', 'Function'])('%s is nothing', async (name) => {
    const expr = name.startsWith('$') ? `${name}` : name;
    expect(await evaluateExpression(expr, ctx)).toBeUndefined();
  });

  it('functions cannot be reached through values', async () => {
    expect(await evaluateExpression('parameters.name.constructor', ctx)).toBeUndefined();
    expect(await evaluateExpression('parameters.list.constructor', ctx)).toBeUndefined();
    expect(await evaluateExpression('$process.exit(1)', ctx)).toBeUndefined();
    await expect(evaluateExpression('$process(1)', ctx)).rejects.toBeInstanceOf(ExpressionError);
  });

  it('$eval is refused before it runs', async () => {
    await expect(evaluateExpression('$eval("1 + 1")', ctx)).rejects.toMatchObject({ code: 'EXPR_FORBIDDEN', offset: 0 });
    await expect(evaluateExpression('($e := $eval; $e("1"))', ctx)).rejects.toMatchObject({ code: 'EXPR_FORBIDDEN' });
  });

  it('infinite recursion ends with a clear error instead of a hang', async () => {
    const err = (await evaluateExpression('($f := function(){$f()}; $f())', ctx).catch((e: unknown) => e)) as ExpressionError;
    expect(err).toBeInstanceOf(ExpressionError);
    expect(err.code).toBe('EXPR_LIMIT');
    expect(err.message).toMatch(/infinite loop or recursion/);
    const deep = (await evaluateExpression('($f := function($n){ 1 + $f($n) }; $f(1))', ctx).catch((e: unknown) => e)) as ExpressionError;
    expect(deep.code).toBe('EXPR_LIMIT');
    expect(deep.message).toMatch(/recursion deeper than/);
  });

  it('regular expressions prone to catastrophic backtracking are refused', async () => {
    await expect(evaluateExpression('$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a+)+$/)', ctx)).rejects.toMatchObject({ code: 'EXPR_FORBIDDEN' });
    await expect(evaluateExpression('$match("ab", /(ab)+/).match', ctx)).resolves.toBe('ab');
  });
});
