import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, formatDiagnostic, formatPlan, parseDefinition, planWorkflow, validateWorkflow, VALIDATION_LEVELS, type Diagnostic } from '../../src/definition/index.js';
import { testCatalog } from './support.js';

/** A valid definition that uses most of the format, so mutations hit every code path. */
const YAML_BASE = `# a definition that exercises most of the format
name: Robust Workflow
version: 1.2
description: used by the robustness test
tags: [a, b]
timeout_seconds: 600
max_parallel: 3
parameters:
  env: {type: string, default: dev, enum: [dev, prod]}
  hosts: {type: array, default: [h1, h2]}
  count: 2
defaults: &defaults
  command: log
  timeout_seconds: 5
steps:
  - <<: *defaults
    id: first
    parameters: {message: "hello \${{ parameters.env }}"}
  - id: fan
    command: shell
    depends_on: [first]
    for_each: \${{ parameters.hosts }}
    max_parallel: 2
    retry: {max_attempts: 3, backoff: exponential, initial_delay: 500ms, max_delay: 1m, jitter: 0.1}
    parameters:
      argv: [echo, "\${{ item }}"]
      env: {INDEX: "\${{ index }}"}
  - id: gate
    command: wait
    depends_on: fan
    if: parameters.env = "prod" and steps.first.status = "succeeded"
    trigger_rule: none_failed
    parameters: {seconds: 1}
    outputs: {waited: "\${{ result.seconds }}"}
  - id: last
    command: http
    depends_on: [gate]
    continue_on_error: true
    parameters: {url: "http://127.0.0.1:1/\${{ steps.gate.outputs.waited }}", method: GET}
outputs:
  summary: \${{ steps.last.status & ' ' & parameters.count }}
`;

const JSON_BASE = readFileSync(fileURLToPath(new URL('../fixtures/seeds/seed-004-database-maintenance.json', import.meta.url)), 'utf8');

const SNIPPETS = ['-', ':', ': ', '- ', '{', '}', '[', ']', ',', '"', "'", '#', '&a ', '*a', '*defaults', '<<: ', '${{', '}}', '\t', '\n', '  ', '!!binary ', '~', 'null', '1e999', '__proto__: ', '$eval("1")', '---\n', '? ', '|\n', '%YAML 1.1\n'];

type Mutation = (text: string) => string;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((n) => (t: string) => (t.length ? t.slice(0, n % t.length) + t.slice((n % t.length) + 1) : t)),
  fc.nat().map((n) => (t: string) => (t.length ? t.slice(0, (n % t.length) + 1) + t.slice(n % t.length) : t)),
  fc.nat().map((n) => (t: string) => {
    if (t.length < 2) return t;
    const i = n % (t.length - 1);
    return t.slice(0, i) + t[i + 1] + t[i] + t.slice(i + 2);
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...SNIPPETS)).map(([n, s]) => (t: string) => t.slice(0, n % (t.length + 1)) + s + t.slice(n % (t.length + 1))),
  fc.nat().map((n) => (t: string) => lines(t, (ls) => ls.filter((_, i) => i !== n % ls.length))),
  fc.nat().map((n) => (t: string) => lines(t, (ls) => ls.flatMap((l, i) => (i === n % ls.length ? [l, l] : [l])))),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (t: string) =>
    lines(t, (ls) => {
      const out = [...ls];
      const i = a % ls.length;
      const j = b % ls.length;
      [out[i], out[j]] = [out[j]!, out[i]!];
      return out;
    }),
  ),
  // Change a value's type: replace what follows a colon with something of another kind.
  fc.tuple(fc.nat(), fc.constantFrom('[]', '{}', '42', 'true', 'null', '"text"', '[1, {a: b}]', '-1', '0.5', '"${{ }}"')).map(([n, v]) => (t: string) =>
    lines(t, (ls) => ls.map((l, i) => (i === n % ls.length && l.includes(':') ? `${l.slice(0, l.indexOf(':') + 1)} ${v}` : l))),
  ),
  fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
);

function lines(text: string, f: (ls: string[]) => string[]): string {
  const ls = text.split('\n');
  return ls.length ? f(ls).join('\n') : text;
}

function checkDiagnostic(d: Diagnostic): void {
  expect(Object.keys(DIAGNOSTIC_CODES)).toContain(d.code);
  expect(['error', 'warning']).toContain(d.severity);
  expect(d.message.length).toBeGreaterThan(0);
  expect(d.code).not.toBe('DEF_INTERNAL');
  expect(Array.isArray(d.path)).toBe(true);
  if (d.line !== undefined) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
  }
  expect(typeof formatDiagnostic(d)).toBe('string');
}

const reached = { parsed: 0, workflow: 0, validated: 0 };

async function survives(text: string, path: string): Promise<void> {
  const parsed = parseDefinition(text, { path });
  reached.parsed++;
  parsed.diagnostics.forEach(checkDiagnostic);
  if (!parsed.workflow) return;
  reached.workflow++;
  for (const level of VALIDATION_LEVELS) {
    const found = await validateWorkflow(parsed, level, testCatalog(['task', 'approval', 'hv-delegate', 'remember']));
    found.forEach(checkDiagnostic);
    reached.validated++;
    if (level === 'basic' && !found.some((d) => d.severity === 'error')) expect(typeof formatPlan(planWorkflow(parsed.workflow))).toBe('string');
  }
}

describe('robustness: mutated definitions never crash the parser or the validator', () => {
  it('both bases are valid to start with', async () => {
    for (const [text, path] of [
      [YAML_BASE, 'base.yaml'],
      [JSON_BASE, 'base.json'],
    ] as const) {
      const parsed = parseDefinition(text, { path });
      expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      // Warnings are fine (the approval that approval_required adds has no deadline).
      const found = await validateWorkflow(parsed, 'paranoid', testCatalog(['approval', 'hv-delegate', 'remember']));
      expect(found.filter((d) => d.severity === 'error')).toEqual([]);
    }
  });

  it('1,000 mutated definitions (YAML and JSON) yield only diagnostics', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (json, mutations) => {
        const text = mutations.reduce((t, m) => m(t), json ? JSON_BASE : YAML_BASE);
        await survives(text, json ? 'mutated.json' : 'mutated.yaml');
      }),
      { numRuns: 1000, seed: 20240601 },
    );
    // The mutations must not all die in the parser: many reach normalization and validation.
    expect(reached.parsed).toBeGreaterThanOrEqual(1000);
    expect(reached.workflow).toBeGreaterThan(200);
  }, 120_000);
});
