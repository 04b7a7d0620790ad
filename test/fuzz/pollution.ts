import fc from 'fast-check';
import { expect } from 'vitest';

/*
 * Shared pieces of the fuzz tests: payloads that try to reach a prototype, JSON text
 * written by hand (JSON.stringify drops a `__proto__` own key, JSON.parse keeps it), and
 * the check, after every case, that no prototype gained or changed a property.
 */

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const watched: Array<[string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

function snapshot(): string {
  return JSON.stringify(watched.map(([name, proto]) => [name, Object.getOwnPropertyNames(proto).sort(), Object.getOwnPropertySymbols(proto).length]));
}

const before = snapshot();

/** Fails the test if any watched prototype gained a property, or a probe key reads through. */
export function expectNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted, 'Object.prototype.polluted').toBeUndefined();
  expect(probe.isAdmin, 'Object.prototype.isAdmin').toBeUndefined();
  expect(Object.prototype.toString.call([]), 'Object.prototype.toString').toBe('[object Array]');
  expect(snapshot()).toBe(before);
}

/** A JSON value as a tree whose objects are entry lists, so a key may be `__proto__`. */
export type Tree = null | boolean | number | string | Tree[] | { entries: Array<[string, Tree]> };

export function jsonText(tree: Tree): string {
  if (tree === null || typeof tree !== 'object') return JSON.stringify(tree);
  if (Array.isArray(tree)) return `[${tree.map(jsonText).join(',')}]`;
  return `{${tree.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
}

/** A payload aimed at a prototype: `{"__proto__": {"polluted": true}}` and its cousins. */
export const pollutingTree: fc.Arbitrary<Tree> = fc
  .tuple(fc.constantFrom(...PROTO_KEYS), fc.constantFrom('polluted', 'isAdmin', 'toString', 'prototype'), fc.constantFrom<Tree>(true, 'yes', 1, { entries: [['polluted', true]] }))
  .map(([outer, inner, value]): Tree => {
    const leaf: Tree = { entries: [[inner, value]] };
    return outer === 'constructor' ? { entries: [['constructor', { entries: [['prototype', leaf]] }]] } : { entries: [[outer, leaf]] };
  });

/** Trees with keys from `vocabulary` (and the prototype keys), leaves from fast-check's JSON values. */
export function treeArbitrary(vocabulary: readonly string[], depth = 3): fc.Arbitrary<Tree> {
  const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...vocabulary, ...PROTO_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
  const leaf: fc.Arbitrary<Tree> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -5, max: 100_000 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 30 }),
    fc.constantFrom('${{ parameters.x }}', '${{ steps.a.outputs.__proto__ }}', '${{ $eval("1") }}', '10s', 'shell', 'http', 'log', '1m', '*/5 * * * *'),
  );
  const { tree } = fc.letrec<{ tree: Tree; node: Tree }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', maxDepth: depth }, leaf, tie('node')),
    node: fc.oneof(
      fc.array(tie('tree'), { maxLength: 4 }),
      fc.array(fc.tuple(key, tie('tree')), { maxLength: 6 }).map((entries): Tree => ({ entries })),
      pollutingTree,
    ),
  }));
  return tree;
}
