import { z } from 'zod';
import { prefillFor, suggestWorkflows } from '../../app/suggestions.js';
import { listTemplates } from '../../app/templates.js';
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
      path: '/workflows/builtin-templates',
      access: 'viewer',
      summary: 'The built-in templates shipped with Cairn, runnable as template:NAME',
      tags: ['workflows'],
      operationId: 'listBuiltinTemplates',
      handler: async () => ({ templates: listTemplates() }),
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
      summary: 'Workflows (templates and stored) that fit a context, an intent and recent commands, best first, each with its reasons',
      tags: ['workflows'],
      operationId: 'suggestWorkflows',
      body: z
        .strictObject({
          context: z.string().max(2000).optional(),
          intent: z.string().max(2000).optional(),
          recent_commands: z
            .union([z.string().max(2000), z.array(z.string().min(1).max(200)).max(100)])
            .optional()
            .describe('Commands or workflow ids run just before, oldest first: a list, or comma-separated text'),
          limit: z.number().int().min(1).max(50).optional(),
        })
        .refine((b) => (b.context ?? '').trim() !== '' || (b.intent ?? '').trim() !== '' || recentOf(b.recent_commands).length > 0, {
          error: 'give a context, an intent or recent_commands',
        }),
      handler: async ({ body }) => ({
        suggestions: await suggestWorkflows(cairn, {
          ...(body.context !== undefined ? { context: body.context } : {}),
          ...(body.intent !== undefined ? { intent: body.intent } : {}),
          recent: recentOf(body.recent_commands),
          limit: body.limit ?? 5,
        }),
      }),
    }),
    route({
      method: 'GET',
      path: '/workflows/templates/{id}/prefill',
      access: 'viewer',
      summary: "A workflow's parameters with their most used values in successful runs (with counts) and defaults",
      tags: ['workflows'],
      operationId: 'prefillTemplate',
      params: z.strictObject({ id: z.string().min(1).max(200).describe('A stored workflow id, or template:NAME') }),
      errors: { 404: 'no such workflow' },
      handler: async ({ params }) => prefillFor(cairn, params.id),
    }),
    route({
      method: 'GET',
      path: '/workflows/analytics',
      access: 'viewer',
      summary: 'Figures from the event log: outcomes, durations, failing steps, retries, waits, runs over time',
      tags: ['workflows'],
      operationId: 'getAnalytics',
      query: z.strictObject({
        sample: z.coerce.number().int().min(1).max(100_000).default(5_000).describe('How many of the newest runs are read'),
        workflow: z.string().min(1).max(200).optional().describe('Only runs of this workflow id'),
        since: z.string().min(1).max(100).optional().describe('Only runs created since: a duration back from now (24h, 7d, 2w) or a date (2026-11-01)'),
      }),
      handler: async ({ query }) =>
        cairn.analytics({ limit: query.sample, ...(query.workflow !== undefined ? { workflowId: query.workflow } : {}), ...(query.since !== undefined ? { since: query.since } : {}) }),
    }),
  ];
}

function recentOf(given: string | string[] | undefined): string[] {
  const list = typeof given === 'string' ? given.split(',') : (given ?? []);
  return list.map((c) => c.trim()).filter((c) => c !== '');
}
