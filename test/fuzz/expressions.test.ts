import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createContext, evaluateExpression, ExpressionError, renderTemplates } from '../../src/expressions/index.js';
import { expectNoPollution, PROTO_KEYS } from './pollution.js';

/*
 * Property-based fuzzing of the expression evaluator (issue 9). Expressions are grown from
 * a small JSONata grammar biased toward the dangerous parts: prototype keys, functions that
 * build or merge objects, transforms, lambdas, regexes, and routes out of the sandbox
 * (`constructor.constructor`, `$eval`). Whatever the expression, the answer is a value or
 * an ExpressionError with a known code; nothing leaks a function or a host object, no
 * prototype changes, and the context is left as it was.
 */

const CODES = new Set(['EXPR_SYNTAX', 'EXPR_FORBIDDEN', 'EXPR_EVALUATION', 'EXPR_LIMIT']);

const DATA = {
  parameters: { name: 'ada', n: 3, list: [1, 2, 3], nested: { deep: { x: 'y' } }, flag: true },
  steps: { build: { status: 'succeeded', outputs: { url: 'http://x', count: 2 } } },
  run: { id: 'run-1', workflow: 'wf', started_at: '2026-11-21T00:00:00.000Z' },
  item: { host: 'h1' },
  index: 0,
};
const frozenCopy = JSON.stringify(DATA);

const ROOTS = ['parameters', 'steps', 'run', 'item', 'index', '$', '$$'];
const KEYS = ['name', 'n', 'list', 'nested', 'deep', 'build', 'outputs', 'status', 'id', 'x', ...PROTO_KEYS, 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'polluted', 'process', 'env', 'mainModule', 'require'];
const FUNCTIONS = ['$string', '$number', '$keys', '$lookup', '$merge', '$spread', '$sift', '$each', '$count', '$sum', '$join', '$split', '$uppercase', '$substring', '$replace', '$match', '$contains', '$exists', '$type', '$eval', '$error', '$assert', '$reduce', '$map', '$filter', '$sort', '$distinct', '$zip', '$boolean', '$not', '$now', '$millis', '$random', '$shuffle', '$clone', '$function', '$globalThis', '$process'];
const ESCAPES = [
  'constructor.constructor("return process")()',
  '$string.constructor("return process")()',
  '$lookup($, "constructor").constructor("return this")()',
  '$.__proto__.polluted := 1',
  '$ ~> |$|{"__proto__": {"polluted": true}}|',
  '$merge([{}, {"__proto__": {"polluted": true}}])',
  '$spread({"constructor": {"prototype": {"polluted": 1}}})',
  '$eval("1+1")',
  '$eval("$$.constructor")',
  '$sift($, function($v, $k) { $k in ["__proto__", "constructor"] })',
  '$keys($.__proto__)',
  'parameters.constructor.prototype',
  '$$.__proto__.__proto__',
  '$type(parameters.toString)',
];
/** Escapes that run into a limit (time, depth, size): checked once each, kept out of the generator to keep it quick. */
const LIMITED = [
  '$match("aaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)',
  '(function($f) { $f($f) })(function($f) { $f($f) })',
  '[1..10000000]',
  '$map([1..100000], function($v) { $string($v) })',
];

function tokenArbitrary(): fc.Arbitrary<string> {
  const literal = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null', '[]', '{}', '"__proto__"', '{"__proto__": {"polluted": 1}}', '/a+/', '/(a|a)*b/'),
  );
  const path = fc.tuple(fc.constantFrom(...ROOTS), fc.array(fc.constantFrom(...KEYS), { maxLength: 4 })).map(([root, keys]) => [root, ...keys].join('.'));
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      literal,
      path,
      fc.constantFrom(...ESCAPES),
      fc.tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '%', '&', '=', '!=', '<', '>', 'and', 'or', 'in', '~>'), tie('expr')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      fc.tuple(fc.constantFrom(...FUNCTIONS), fc.array(tie('expr'), { maxLength: 3 })).map(([f, args]) => `${f}(${args.join(', ')})`),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a}[${b}]`),
      fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([a, b, c]) => `${a} ? ${b} : ${c}`),
      fc.tuple(fc.constantFrom(...KEYS), tie('expr')).map(([k, v]) => `{${JSON.stringify(k)}: ${v}}`),
      fc.tuple(tie('expr'), tie('expr')).map(([body, arg]) => `(function($x) { ${body} })(${arg})`),
      fc.tuple(tie('expr'), fc.constantFrom(...KEYS), tie('expr')).map(([target, k, v]) => `${target} ~> |$|{${JSON.stringify(k)}: ${v}}|`),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a}; ${b})`),
      fc.tuple(fc.constantFrom('$v', '$w'), tie('expr'), tie('expr')).map(([name, value, body]) => `(${name} := ${value}; ${body})`),
    ),
  }));
  // Some plain garbage too: the tokenizer must refuse it cleanly.
  return fc.oneof({ weight: 8, arbitrary: expr }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
}

/** A value that came out of an expression is data: no functions, no host objects, standard prototypes. */
function expectData(value: unknown, seen = new Set<unknown>()): void {
  expect(typeof value).not.toBe('function');
  expect(typeof value).not.toBe('symbol');
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  expect([Object.prototype, Array.prototype, null]).toContain(Object.getPrototypeOf(value));
  expect(value).not.toBe(globalThis);
  expect(value).not.toBe(process);
  for (const key of Object.getOwnPropertyNames(value)) expectData((value as Record<string, unknown>)[key], seen);
}

async function judge(expression: string): Promise<void> {
  const context = createContext(JSON.parse(frozenCopy) as typeof DATA);
  try {
    expectData(await evaluateExpression(expression, context));
  } catch (err) {
    expect(err, `${expression} threw a non-ExpressionError: ${String(err)}`).toBeInstanceOf(ExpressionError);
    const e = err as ExpressionError;
    expect(CODES.has(e.code)).toBe(true);
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.offset).toBeGreaterThanOrEqual(0);
  }
  expectNoPollution();
  expect(JSON.stringify(DATA)).toBe(frozenCopy);
  expect((globalThis as Record<string, unknown>).polluted).toBeUndefined();
}

describe('fuzz: the expression evaluator', () => {
  it('every known escape route answers data or an ExpressionError', async () => {
    for (const expression of [...ESCAPES, ...LIMITED]) await judge(expression);
  });

  it('generated expressions: a value or an ExpressionError, never a crash, a function, a host object or a polluted prototype', async () => {
    await fc.assert(
      fc.asyncProperty(tokenArbitrary(), async (expression) => {
        await judge(expression);
      }),
      { numRuns: 300, seed: 20261121 },
    );
  });

  it('templates in arbitrary values render to data or an ExpressionError', async () => {
    const piece = fc.oneof(fc.string({ maxLength: 10 }), tokenArbitrary().map((e) => '${{ ' + e + ' }}'), fc.constantFrom('${{', '}}', '${{ }}', '$${{ x }}'));
    const value = fc.oneof(
      fc.array(piece, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('')),
      fc.dictionary(fc.constantFrom('a', ...PROTO_KEYS), fc.array(piece, { maxLength: 3 }).map((p) => p.join('')), { maxKeys: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(value, async (input) => {
        try {
          expectData(await renderTemplates(input, createContext(JSON.parse(frozenCopy) as typeof DATA)));
        } catch (err) {
          expect(err).toBeInstanceOf(ExpressionError);
          expect(CODES.has((err as ExpressionError).code)).toBe(true);
        }
        expectNoPollution();
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
