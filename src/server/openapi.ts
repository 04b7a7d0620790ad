import { z } from 'zod';
import type { AnyRoute } from './route.js';

export const API_PREFIX = '/api/v1';

/** JSON Schema of an input, as OpenAPI 3.1 takes it (2020-12, no $schema key). */
function schemaOf(type: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...schema } = z.toJSONSchema(type, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
}

const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: { code: { type: 'string', description: 'Stable code, listed in docs/errors.md' }, message: { type: 'string' }, details: { type: 'object' } },
    },
  },
};

/**
 * The OpenAPI 3.1 document, generated from the same route table that registers the routes
 * and checks their inputs. `x-cairn-access` on each operation names the role it needs.
 */
export function openApiDocument(routes: AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    for (const [where, type] of [['path', r.params], ['query', r.query]] as const) {
      if (!type) continue;
      const schema = schemaOf(type);
      const props = (schema['properties'] ?? {}) as Record<string, Record<string, unknown>>;
      const required = new Set((schema['required'] as string[] | undefined) ?? []);
      for (const [name, prop] of Object.entries(props)) {
        parameters.push({ name, in: where, required: where === 'path' || (required.has(name) && prop['default'] === undefined), schema: prop, ...(prop['description'] ? { description: prop['description'] } : {}) });
      }
    }
    const status = String(r.status ?? 200);
    const responses: Record<string, unknown> = {
      [status]: { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
      default: { description: 'An error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    };
    if (r.access !== 'public') {
      responses['401'] = { description: 'No key, or a key that is unknown or revoked', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
      responses['403'] = { description: `The key's role is below ${r.access}`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    for (const [code, description] of Object.entries(r.errors ?? {})) {
      responses[code] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    const operation: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags,
      'x-cairn-access': r.access,
      ...(r.access === 'public' ? { security: [] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: !r.body.safeParse(undefined).success, content: { 'application/json': { schema: schemaOf(r.body) } } } } : {}),
      responses,
    };
    const path = (r.root ? '' : API_PREFIX) + r.path;
    paths[path] = { ...paths[path], [r.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Cairn API', version, description: 'Durable workflows for operations runbooks and AI agents. Errors are {"error": {"code", "message", "details"}}; codes are listed in docs/errors.md.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `cairn keys create`' } },
      schemas: { Error: ERROR_BODY },
    },
    paths,
  };
}
