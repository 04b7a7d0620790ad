import { describe, expect, it } from 'vitest';
import { compileExpression, createContext, evaluateExpression, ExpressionError, isTruthy, renderTemplates } from '../../src/expressions/index.js';

const ctx = {
  parameters: { who: 'Ada', n: 3, hosts: ['a', 'b'], flag: false, nothing: null },
  steps: { build: { outputs: { url: 'http://x', count: 2 }, status: 'succeeded' } },
  run: { id: 'run-1', workflow: 'wf', started_at: '2024-01-01T00:00:00.000Z' },
};

describe('evaluateExpression', () => {
  it('returns typed values', async () => {
    expect(await evaluateExpression('parameters.n + 1', ctx)).toBe(4);
    expect(await evaluateExpression('parameters.hosts', ctx)).toEqual(['a', 'b']);
    expect(await evaluateExpression('steps.build.outputs', ctx)).toEqual({ url: 'http://x', count: 2 });
    expect(await evaluateExpression('steps.build.status = "succeeded"', ctx)).toBe(true);
    expect(await evaluateExpression('run.id', ctx)).toBe('run-1');
    expect(await evaluateExpression('parameters.missing', ctx)).toBeUndefined();
  });

  it('accepts a condition written as ${{ }}', async () => {
    expect(await evaluateExpression('${{ parameters.n > 2 }}', ctx)).toBe(true);
  });

  it('sees item and index in a fan-out context', async () => {
    expect(await evaluateExpression('item & "#" & index', { ...ctx, item: 'b', index: 1 })).toBe('b#1');
  });

  it('returns plain arrays and objects, never JSONata sequences', async () => {
    const list = (await evaluateExpression('parameters.hosts.($ & "!")', ctx)) as unknown[];
    expect(Array.isArray(list)).toBe(true);
    expect(Object.keys(list)).toEqual(['0', '1']);
    expect(JSON.stringify(list)).toBe('["a!","b!"]');
    expect(await evaluateExpression('function($x) { $x }', ctx)).toBeUndefined();
  });

  it('syntax errors carry the offset of the problem', async () => {
    const err = (await evaluateExpression('parameters.n + * 2', ctx).catch((e: unknown) => e)) as ExpressionError;
    expect(err).toBeInstanceOf(ExpressionError);
    expect(err).toMatchObject({ code: 'EXPR_SYNTAX', offset: 17, expression: 'parameters.n + * 2', jsonataCode: 'S0201' });
    expect(() => compileExpression('')).toThrow('empty expression');
  });

  it('evaluation errors are ExpressionErrors too', async () => {
    const err = (await evaluateExpression('parameters.who + 1', ctx).catch((e: unknown) => e)) as ExpressionError;
    expect(err).toMatchObject({ code: 'EXPR_EVALUATION', jsonataCode: 'T2001' });
    expect(err.offset).toBe(15);
  });

  it('caches compiled expressions', () => {
    expect(compileExpression('parameters.n * 2')).toBe(compileExpression('parameters.n * 2'));
  });

  it('a sealed context is reused as it is; the caller`s data is never changed', async () => {
    const data = { parameters: { list: [3, 1, 2] } };
    const sealed = createContext(data);
    expect(await evaluateExpression('$sort(parameters.list)', sealed)).toEqual([1, 2, 3]);
    expect(data.parameters.list).toEqual([3, 1, 2]);
    expect(Object.getPrototypeOf(sealed)).toBeNull();
  });
});

describe('isTruthy (JSONata semantics)', () => {
  it.each([
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    [Number.NaN, false],
    ['x', true],
    ['', false],
    ['false', true],
    [null, false],
    [undefined, false],
    [[], false],
    [[0, ''], false],
    [[0, 1], true],
    [{}, false],
    [{ a: 1 }, true],
  ])('%j -> %s', (value, expected) => {
    expect(isTruthy(value)).toBe(expected);
  });
});

describe('renderTemplates', () => {
  it('renders deep, typed for whole templates and as text inside other text', async () => {
    const input = {
      message: 'Hello ${{ parameters.who }}, ${{ parameters.n }} hosts: ${{ parameters.hosts }} ${{ parameters.missing }}.',
      count: '${{ parameters.n }}',
      flag: '${{ parameters.flag }}',
      nil: '${{ parameters.nothing }}',
      gone: '${{ parameters.missing }}',
      list: ['${{ steps.build.outputs.url }}', 'plain', 7, '${{ parameters.missing }}'],
      nested: { env: { URL: '${{ steps.build.outputs.url }}' } },
      text: 'null is ${{ parameters.nothing }}',
    };
    expect(await renderTemplates(input, ctx)).toEqual({
      message: 'Hello Ada, 3 hosts: ["a","b"] .',
      count: 3,
      flag: false,
      nil: null,
      list: ['http://x', 'plain', 7, null],
      nested: { env: { URL: 'http://x' } },
      text: 'null is null',
    });
  });

  it('never changes its input and returns new containers', async () => {
    const input = Object.freeze({ a: Object.freeze(['${{ parameters.n }}']), b: Object.freeze({ c: 'x' }) });
    const out = (await renderTemplates(input, ctx)) as { a: unknown[]; b: object };
    expect(out).toEqual({ a: [3], b: { c: 'x' } });
    expect(out.a).not.toBe(input.a);
    expect(out.b).not.toBe(input.b);
  });

  it('values without templates need no context at all', async () => {
    expect(await renderTemplates({ a: 1, b: ['x'] }, {})).toEqual({ a: 1, b: ['x'] });
  });

  it('throws ExpressionError for a bad template', async () => {
    await expect(renderTemplates({ a: 'x ${{ 1 + }}' }, ctx)).rejects.toMatchObject({ code: 'EXPR_SYNTAX' });
    await expect(renderTemplates({ a: 'x ${{ 1 + ' }, ctx)).rejects.toMatchObject({ code: 'EXPR_SYNTAX', offset: 2 });
  });
});
