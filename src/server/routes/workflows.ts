import { z } from 'zod';
import { suggestFrom } from '../../app/index.js';
import type { ServerDeps } from '../deps.js';
import { route, type AnyRoute } from '../route.js';

const LEVELS = ['basic', 'standard', 'strict', 'paranoid'] as const;
const definition = z
  .union([z.string().min(1).describe('YAML or JSON text'), z.record(z.string(), z.unknown()).describe('The definition as a JSON object')])
  .describe('A workflow definition');

/** Stored workflows ("templates" in the seed's paths), validation, suggestions, analytics. */
export function workflowRoutes(deps: ServerDeps): AnyRoute[] {
  const { cairn } = deps;
  return [
    route({
      method: 'GET',
      path: '/workflows/templates',
      access: 'viewer',
      summary: 'Stored workflows, newest revision of each',
      tags: ['workflows'],
      operationId: 'listTemplates',
      query: z.strictObject({ category: z.string().min(1).max(100).optional() }),
      handler: async ({ query }) => ({ templates: await cairn.catalog.list(query.category ? { category: query.category } : {}) }),
    }),
    route({
      method: 'GET',
      path: '/workflows/templates/{id}',
      access: 'viewer',
      summary: 'One stored workflow: its source, parameters and revisions',
      tags: ['workflows'],
      operationId: 'getTemplate',
      params: z.strictObject({ id: z.string().min(1).max(200) }),
      query: z.strictObject({ revision: z.coerce.number().int().positive().optional() }),
      errors: { 404: 'no such workflow or revision' },
      handler: async ({ params, query }) => ({ template: await cairn.catalog.get(params.id, query.revision) }),
    }),
    route({
      method: 'POST',
      path: '/workflows/templates',
      access: 'admin',
      summary: 'Store a workflow; a changed body under an existing id becomes its next revision',
      tags: ['workflows'],
      operationId: 'createTemplate',
      status: 201,
      body: z.union([
        z.strictObject({ definition, format: z.enum(['yaml', 'json']).optional() }),
        z.record(z.string(), z.unknown()).refine((b) => !('definition' in b), { error: 'give either {definition, format} or the definition object itself' }),
      ]),
      errors: { 422: 'the definition is not valid (diagnostics in details)' },
      handler: async ({ body, reply }) => {
        const given = 'definition' in body ? body.definition : body;
        const format = 'format' in body && (body.format === 'yaml' || body.format === 'json') ? body.format : undefined;
        const result = await cairn.catalog.create(typeof given === 'string' ? { text: given, ...(format ? { format } : {}) } : { definition: given });
        if (result.created) deps.catalogChanged();
        else void reply.code(200);
        return { template: result.workflow, created: result.created };
      },
    }),
    route({
      method: 'POST',
      path: '/workflows/validate',
      access: 'viewer',
      summary: 'Check a definition; answers 200 with valid: false and diagnostics when it has errors',
      tags: ['workflows'],
      operationId: 'validateWorkflow',
      body: z.strictObject({ definition, format: z.enum(['yaml', 'json']).optional(), level: z.enum(LEVELS).optional() }),
      handler: async ({ body }) => {
        const text = typeof body.definition === 'string' ? body.definition : JSON.stringify(body.definition, null, 2);
        const format = body.format ?? (typeof body.definition === 'string' ? undefined : 'json');
        const report = await cairn.validateText(text, { ...(format ? { format } : {}), ...(body.level ? { level: body.level } : {}) });
        return { valid: report.valid, level: report.level, diagnostics: report.diagnostics, ...(report.plan ? { plan: report.plan } : {}) };
      },
    }),
    route({
      method: 'POST',
      path: '/workflows/suggest',
      access: 'viewer',
      summary: 'Stored workflows that fit a context and intent',
      tags: ['workflows'],
      operationId: 'suggestWorkflows',
      body: z
        .strictObject({ context: z.string().max(2000).optional(), intent: z.string().max(2000).optional(), limit: z.number().int().min(1).max(50).optional() })
        .refine((b) => (b.context ?? '') !== '' || (b.intent ?? '') !== '', { error: 'give a context or an intent' }),
      handler: async ({ body }) => ({ suggestions: suggestFrom(await cairn.catalog.list(), body, body.limit ?? 5) }),
    }),
    route({
      method: 'GET',
      path: '/workflows/analytics',
      access: 'viewer',
      summary: 'Runs by status, and success rate and duration per workflow',
      tags: ['workflows'],
      operationId: 'getAnalytics',
      query: z.strictObject({ sample: z.coerce.number().int().min(1).max(100_000).default(5_000).describe('How many of the newest runs the per-workflow figures cover') }),
      handler: async ({ query }) => cairn.analytics(query.sample),
    }),
  ];
}
