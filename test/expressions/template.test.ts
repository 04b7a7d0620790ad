import { describe, expect, it } from 'vitest';
import { bareExpression, ExpressionError, findTemplates, hasTemplate, parseTemplate, wholeTemplate } from '../../src/expressions/index.js';

describe('templates', () => {
  it('hasTemplate is a cheap test on strings only', () => {
    expect(hasTemplate('a ${{ b }}')).toBe(true);
    expect(hasTemplate('a ${ b }')).toBe(false);
    expect(hasTemplate(42)).toBe(false);
    expect(hasTemplate({ a: '${{ b }}' })).toBe(false);
  });

  it('splits text and expressions, with offsets', () => {
    expect(parseTemplate('Hi ${{ parameters.who }}, bye')).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'expression', expression: 'parameters.who', offset: 7 },
      { kind: 'text', text: ', bye' },
    ]);
  });

  it('finds the closing braces past strings, objects, backticks and comments', () => {
    const exprs = (s: string) => parseTemplate(s).flatMap((p) => (p.kind === 'expression' ? [p.expression] : []));
    expect(exprs('${{ {"a": {"b": 1}} }}')).toEqual(['{"a": {"b": 1}}']);
    expect(exprs("${{ '}}' & \"}}\" }}")).toEqual(["'}}' & \"}}\""]);
    expect(exprs('${{ steps.`a}}b`.outputs }}')).toEqual(['steps.`a}}b`.outputs']);
    expect(exprs('${{ 1 /* }} */ }}')).toEqual(['1 /* }} */']);
    expect(exprs("${{ 'it\\'s }}' }}")).toEqual(["'it\\'s }}'"]);
    expect(exprs('${{a}}${{b}}')).toEqual(['a', 'b']);
  });

  it('refuses unterminated and empty templates with the offset of the opening', () => {
    expect(() => parseTemplate('abc ${{ x')).toThrow(new ExpressionError("unterminated template: '${{' has no matching '}}'", 'EXPR_SYNTAX', 'abc ${{ x', 4));
    try {
      parseTemplate('ab ${{   }}');
    } catch (err) {
      expect(err).toMatchObject({ code: 'EXPR_SYNTAX', offset: 3, message: "empty template '${{   }}'" });
    }
  });

  it('a string that is one template, whitespace aside, is whole', () => {
    expect(wholeTemplate(parseTemplate('  ${{ x }}\n'))?.expression).toBe('x');
    expect(wholeTemplate(parseTemplate('a${{ x }}'))).toBeUndefined();
    expect(wholeTemplate(parseTemplate('${{ x }}${{ y }}'))).toBeUndefined();
  });

  it('bareExpression unwraps a condition written as a template', () => {
    expect(bareExpression('${{ parameters.x = 1 }}')).toBe('parameters.x = 1');
    expect(bareExpression('parameters.x = 1')).toBe('parameters.x = 1');
    expect(() => bareExpression('x ${{ y }}')).toThrow(/not text mixed with templates/);
  });

  it('findTemplates walks objects and arrays and reports paths', () => {
    const found = findTemplates({ a: ['x ${{ one }} ${{ two }}', '${{ three }}'], b: { c: 'plain', d: '${{ four' }, n: 1 });
    expect(found.map(({ path, expression, offset, whole }) => ({ path, expression, offset, whole }))).toEqual([
      { path: ['a', 0], expression: 'one', offset: 6, whole: false },
      { path: ['a', 0], expression: 'two', offset: 17, whole: false },
      { path: ['a', 1], expression: 'three', offset: 4, whole: true },
      { path: ['b', 'd'], expression: '${{ four', offset: 0, whole: false },
    ]);
    expect(found[3]!.error).toBeInstanceOf(ExpressionError);
  });
});
