import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../server/harness.js';
import { expectNoPollution, jsonText, pollutingTree, PROTO_KEYS, treeArbitrary, type Tree } from './pollution.js';

/*
 * Property-based fuzzing of every API body schema (issue 9). The routes come from the
 * server's own OpenAPI document, so a route added later is fuzzed too. For each route that
 * takes a body: arbitrary JSON, objects built from the schema's own property names (plus
 * prototype keys), prototype payloads and text that is not JSON, sent to a real server over
 * loopback. The server never answers 5xx; an error is always `{"error": {code, message}}`;
 * no prototype of the server's process changes.
 */

interface Operation {
  method: string;
  path: string;
  /** Property names of the body schema (of each branch of a union). */
  properties: string[];
}

let t: TestServer;
const operations: Operation[] = [];
let runId = '';

beforeAll(async () => {
  t = await startServer();
  const started = await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'hello' } });
  expect(started.status).toBe(202);
  runId = started.body.execution_id as string;
  const doc = (await t.call('GET', '/api/v1/openapi.json', { key: t.admin.key })).body as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>> };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!op.requestBody) continue;
      operations.push({ method: method.toUpperCase(), path, properties: [...propertyNames(op.requestBody.content?.['application/json']?.schema)] });
    }
  }
  // The trigger hook keeps its body raw (the signature covers the exact bytes): not in the document's bodies, fuzzed all the same.
  if (doc.paths['/api/v1/hooks/{workflow}']) operations.push({ method: 'POST', path: '/api/v1/hooks/{workflow}', properties: ['workflow_id', 'parameters'] });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

function propertyNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== 'object') return into;
  const s = schema as { properties?: Record<string, unknown>; anyOf?: unknown[]; oneOf?: unknown[]; allOf?: unknown[] };
  for (const [name, sub] of Object.entries(s.properties ?? {})) {
    into.add(name);
    propertyNames(sub, into);
  }
  for (const branch of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) propertyNames(branch, into);
  return into;
}

/** A path with its parameters filled: the started run, its step, the stored workflow. */
function fill(path: string): string {
  const values: Record<string, string> = { id: runId, step: 'greet', workflow: 'hello', name: 'hello' };
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
}

function bodies(op: Operation): fc.Arbitrary<{ text: string; what: string }> {
  const vocabulary = op.properties.length > 0 ? op.properties : ['x'];
  const nearSchema = fc
    .array(fc.tuple(fc.constantFrom(...vocabulary, ...PROTO_KEYS), treeArbitrary(['workflow_id', 'hello', 'parameters', 'who', 'definition', 'text', ...vocabulary], 2)), { maxLength: 5 })
    .map((entries): Tree => ({ entries }));
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v) ?? 'null', what: 'json' })),
    nearSchema.map((tree) => ({ text: jsonText(tree), what: 'near-schema' })),
    pollutingTree.map((tree) => ({ text: jsonText(tree), what: 'prototype' })),
    fc.constantFrom('{', '{"a":', '[1,]', 'nul', '"unterminated', '{"a":1}}', '\u0000', '{"__proto__":').map((text) => ({ text, what: 'not-json' })),
    fc.string({ maxLength: 50 }).map((text) => ({ text, what: 'text' })),
  );
}

async function send(op: Operation, text: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(t.url + fill(op.path), {
    method: op.method,
    headers: { authorization: `Bearer ${t.admin.key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: text,
  });
  const raw = await res.text();
  let body: unknown = raw;
  try {
    body = raw === '' ? undefined : JSON.parse(raw);
  } catch {
    // kept as text
  }
  return { status: res.status, body };
}

function expectClearAnswer(op: Operation, status: number, body: unknown, text: string): void {
  const label = `${op.method} ${op.path} with ${text.slice(0, 200)}`;
  expect(status, label).toBeLessThan(500);
  if (status < 400) return;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  expect(error, `${label}: an error body`).toBeDefined();
  // MCP answers JSON-RPC errors (a numeric code); every other route an API error code.
  if (op.path === '/mcp' && typeof error?.code === 'number') expect(Number.isInteger(error.code)).toBe(true);
  else expect(String(error?.code), label).toMatch(/^[A-Z][A-Z0-9_]+$/);
  expect(typeof error?.message).toBe('string');
  expect((error?.message as string).length).toBeGreaterThan(0);
}

describe('fuzz: every API route that takes a body', () => {
  it('the OpenAPI document lists the routes with bodies (runs, workflows, keys, memory, webhooks, hooks, mcp)', () => {
    const paths = operations.map((o) => `${o.method} ${o.path}`);
    const expected = ['workflows/execute', 'workflows/validate', 'keys', 'memory', 'webhooks', 'workflows/executions/{id}/signal', 'hooks/{workflow}'];
    for (const path of expected) expect(paths).toContain(`POST /api/v1/${path}`);
    expect(paths).toContain('POST /mcp');
    expect(operations.length).toBeGreaterThanOrEqual(12);
  });

  it('arbitrary and near-schema bodies: never a 5xx, always a clear error, no prototype touched', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(bodies(op), async ({ text }) => {
          const { status, body } = await send(op, text);
          try {
            expectClearAnswer(op, status, body, text);
          } catch (err) {
            failures.push(String(err));
            throw err;
          }
          expectNoPollution();
        }),
        { numRuns: 30, seed: 2026 + op.path.length },
      );
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('the server still answers normally after the fuzzing', async () => {
    expect((await t.call('GET', '/api/v1/workflows/templates', { key: t.admin.key })).status).toBe(200);
    const again = await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'hello', parameters: { who: 'after' } } });
    expect(again.status).toBe(202);
    // A parameter named __proto__ is refused or kept as data; the server's prototypes are intact.
    const proto = await send({ method: 'POST', path: '/api/v1/workflows/execute', properties: [] }, '{"workflow_id":"hello","parameters":{"__proto__":{"polluted":true}}}');
    expect(proto.status).toBeLessThan(500);
    expectNoPollution();
  });
});
