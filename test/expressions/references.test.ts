import { describe, expect, it } from 'vitest';
import { compileExpression, hasNestedQuantifier } from '../../src/expressions/index.js';

const refs = (src: string) => compileExpression(src).references().map((r) => [r.root, r.key, r.field].filter((x) => x !== undefined).join('.'));

describe('expression references', () => {
  it.each([
    ['parameters.env = "prod"', ['parameters.env']],
    ['steps.build.outputs.url & steps.test.status', ['steps.build.outputs', 'steps.test.status']],
    ['$count(parameters.hosts) > 0 ? item : index', ['parameters.hosts', 'item', 'index']],
    ['$$.parameters.a', ['parameters.a']],
    ['$.parameters.a', ['parameters.a']],
    ['{"k": parameters.k, "l": [run.id]}', ['parameters.k', 'run.id']],
    ['parameters.list[$ > parameters.min]', ['parameters.list']],
    ['parameters.list[$ > $$.parameters.min]', ['parameters.list', 'parameters.min']],
    ['parameters.list.(name)', ['parameters.list']],
    ['(function($v) { parameters.z })(1)', ['parameters.z']],
    ['$map(parameters.l, function($v) { $v.name })', ['parameters.l']],
    ['$ ~> |a|{"b": c}|', []],
    ['steps.`build-app`.outputs', ['steps.build-app.outputs']],
    ['parameters', ['parameters']],
    ['$x := 1', []],
  ])('%s reads %j', (src, expected) => {
    expect(refs(src)).toEqual(expected);
  });

  it('offsets point at the root name', () => {
    expect(compileExpression('1 + parameters.x').references()[0]!.offset).toBe(4);
  });
});

describe('nested quantifiers', () => {
  it.each([
    ['(a+)+', true],
    ['(\\w*x)*', true],
    ['((a)+b)+', true],
    ['(a{2,})+', true],
    ['(ab)+', false],
    ['\\d+(\\.\\d+)?', false],
    ['[(a+)]+', false],
    ['(a+){3}', false],
  ])('%s -> %s', (source, expected) => {
    expect(hasNestedQuantifier(source)).toBe(expected);
  });
});
