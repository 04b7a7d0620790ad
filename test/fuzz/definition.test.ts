import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, formatDiagnostic, parseDefinition, validateWorkflow, VALIDATION_LEVELS, type Diagnostic } from '../../src/definition/index.js';
import { testCatalog } from '../definition/support.js';
import { expectNoPollution, jsonText, pollutingTree, treeArbitrary, type Tree } from './pollution.js';

/*
 * Property-based fuzzing of the definition parser and validator (issue 9): arbitrary text,
 * arbitrary YAML/JSON documents, and structured objects close to the schema. Whatever comes
 * in, the answer is diagnostics with a documented code and a message, never a throw, and no
 * prototype is touched. test/definition/robustness.test.ts mutates valid definitions; this
 * file starts from nothing.
 */

const CODES = new Set<string>(Object.keys(DIAGNOSTIC_CODES));
const catalog = testCatalog(['task', 'approval', 'remember']);

/** The words of the format, so generated objects hit the schema's branches. */
const VOCABULARY = [
  'name', 'id', 'version', 'description', 'steps', 'command', 'parameters', 'depends_on', 'for_each', 'if', 'retry', 'max_attempts',
  'backoff', 'timeout_seconds', 'max_parallel', 'outputs', 'type', 'default', 'enum', 'run', 'argv', 'env', 'url', 'message', 'triggers',
  'cron', 'locks', 'pool', 'trigger_rule', 'rollback', 'on_failure', 'approval_required', 'tags', 'workflow', 'inputs', 'required',
];

function checkDiagnostic(d: Diagnostic): void {
  expect(CODES.has(d.code), `undocumented code ${d.code}`).toBe(true);
  expect(d.code).not.toBe('DEF_INTERNAL');
  expect(typeof d.message).toBe('string');
  expect(d.message.length).toBeGreaterThan(0);
  expect(typeof formatDiagnostic(d)).toBe('string');
}

/** Parse, then validate at every level when it parsed; every answer is a clear diagnostic. */
async function survives(text: string, path: string): Promise<void> {
  const parsed = parseDefinition(text, { path });
  parsed.diagnostics.forEach(checkDiagnostic);
  if (parsed.workflow && !parsed.diagnostics.some((d) => d.severity === 'error')) {
    for (const level of VALIDATION_LEVELS) (await validateWorkflow(parsed, level, catalog)).forEach(checkDiagnostic);
  }
  // Text that is not a definition must say so: no workflow without a diagnostic or with an error.
  if (!parsed.workflow) expect(parsed.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  expectNoPollution();
}

/** A tree as a plain value (for YAML), keeping `__proto__` as an own key. */
function plain(tree: Tree): unknown {
  if (tree === null || typeof tree !== 'object') return tree;
  if (Array.isArray(tree)) return tree.map(plain);
  const out: Record<string, unknown> = {};
  for (const [k, v] of tree.entries) Object.defineProperty(out, k, { value: plain(v), enumerable: true, writable: true, configurable: true });
  return out;
}

/** A document shaped like a definition: name and steps present, everything else arbitrary. */
const nearDefinition: fc.Arbitrary<Tree> = fc
  .tuple(
    fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constant('fuzz')),
    fc.array(
      fc.tuple(fc.constantFrom('a', 'b', 'c', 'a'), fc.constantFrom('shell', 'http', 'log', 'wait', 'task', 'nope', 'workflow'), treeArbitrary(VOCABULARY, 2), fc.array(fc.tuple(fc.constantFrom(...VOCABULARY), treeArbitrary(VOCABULARY, 1)), { maxLength: 3 })),
      { minLength: 1, maxLength: 4 },
    ),
    fc.array(fc.tuple(fc.constantFrom(...VOCABULARY, '__proto__', 'constructor'), treeArbitrary(VOCABULARY, 2)), { maxLength: 3 }),
  )
  .map(([name, steps, extra]): Tree => ({
    entries: [
      ['name', name],
      ['steps', steps.map(([id, command, parameters, more]): Tree => ({ entries: [['id', id], ['command', command], ['parameters', parameters], ...more] }))],
      ...extra,
    ],
  }));

/** Every object in `value` has a standard prototype (or none), and nothing reads `polluted` through one. */
function expectPlainData(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const proto = Object.getPrototypeOf(value) as unknown;
  expect([Object.prototype, Array.prototype, null]).toContain(proto);
  if (!Object.hasOwn(value, 'polluted')) expect((value as Record<string, unknown>).polluted).toBeUndefined();
  for (const key of Object.getOwnPropertyNames(value)) expectPlainData((value as Record<string, unknown>)[key], seen);
}

const RUNS = { numRuns: 150, seed: 9_2026_11 };

describe('fuzz: the definition parser and validator', () => {
  it('arbitrary text, as YAML and as JSON, yields diagnostics only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 }), fc.constantFrom('', '---', '[]', 'null', '{', '&a [*a]', '!!js/function "x"', '? [a]\n: b')), fc.boolean(), async (text, json) => {
        await survives(text, json ? 'fuzz.json' : 'fuzz.yaml');
      }),
      RUNS,
    );
  });

  it('arbitrary JSON and YAML documents (any shape) yield diagnostics only', async () => {
    await fc.assert(
      fc.asyncProperty(treeArbitrary(VOCABULARY), fc.boolean(), async (tree, json) => {
        await survives(json ? jsonText(tree) : stringify(plain(tree)), json ? 'fuzz.json' : 'fuzz.yaml');
      }),
      RUNS,
    );
  });

  it('documents near the schema (name, steps, commands, parameters) yield diagnostics only', async () => {
    await fc.assert(
      fc.asyncProperty(nearDefinition, fc.boolean(), async (tree, json) => {
        await survives(json ? jsonText(tree) : stringify(plain(tree)), json ? 'fuzz.json' : 'fuzz.yaml');
      }),
      RUNS,
    );
  });

  it('a __proto__ / constructor.prototype payload anywhere in a definition pollutes nothing, and the parsed data keeps no prototype link', async () => {
    await fc.assert(
      fc.asyncProperty(pollutingTree, fc.constantFrom('top', 'step', 'parameters'), fc.boolean(), async (payload, where, json) => {
        const step: Tree = { entries: [['id', 'a'], ['command', 'log'], ['parameters', where === 'parameters' ? payload : { entries: [['message', 'hi']] }], ...(where === 'step' ? (payload as { entries: Array<[string, Tree]> }).entries : [])] };
        const doc: Tree = { entries: [['name', 'p'], ['steps', [step]], ...(where === 'top' ? (payload as { entries: Array<[string, Tree]> }).entries : [])] };
        const text = json ? jsonText(doc) : stringify(plain(doc));
        await survives(text, json ? 'p.json' : 'p.yaml');
        const parsed = parseDefinition(text, { path: json ? 'p.json' : 'p.yaml' });
        // A `__proto__` key may be kept as data (an own key, in `extras`), never as a prototype link.
        expectPlainData(parsed.workflow);
        expectPlainData(parsed.data);
      }),
      { numRuns: 100, seed: 9 },
    );
  });
});
