import { z } from 'zod';
import type { AuditEntry } from '../../app/index.js';
import type { ServerDeps } from '../deps.js';
import { limitQuery, route, type AnyRoute } from '../route.js';

const secretName = z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a secret name is letters, digits and _, not starting with a digit').describe('The secret name') });

/** Secrets (names only, never values) and the audit trail, for admins. */
export function operationRoutes(deps: ServerDeps): AnyRoute[] {
  const { cairn } = deps;
  return [
    route({
      method: 'GET',
      path: '/secrets',
      access: 'admin',
      summary: 'Secret names and where each comes from (env, file, store); never a value',
      tags: ['secrets'],
      operationId: 'listSecrets',
      handler: async () => ({
        secrets: (await cairn.secrets.list()).map((s) => ({ name: s.name, source: s.source, ...(s.updatedAt ? { updated_at: new Date(s.updatedAt).toISOString() } : {}), ...(s.updatedBy ? { updated_by: s.updatedBy } : {}) })),
      }),
    }),
    route({
      method: 'PUT',
      path: '/secrets/{name}',
      access: 'admin',
      summary: 'Store a secret, sealed with the master key; the answer never holds the value',
      tags: ['secrets'],
      operationId: 'setSecret',
      params: secretName,
      body: z.strictObject({ value: z.string().min(1).max(65_536).describe('The value; never returned by any route') }),
      errors: { 503: 'no master key is configured (SECRET_KEY_MISSING)' },
      handler: async ({ params, body, actor }) => {
        await cairn.secrets.set(params.name, body.value, actor);
        return { name: params.name, stored: true };
      },
    }),
    route({
      method: 'DELETE',
      path: '/secrets/{name}',
      access: 'admin',
      summary: 'Delete a secret from the store',
      tags: ['secrets'],
      operationId: 'deleteSecret',
      params: secretName,
      errors: { 404: 'no such secret in the store' },
      handler: async ({ params }) => {
        await cairn.secrets.delete(params.name);
        return { name: params.name, deleted: true };
      },
    }),
    route({
      method: 'GET',
      path: '/audit',
      access: 'admin',
      summary: 'The audit trail: who did what, from where, newest first',
      tags: ['audit'],
      operationId: 'listAudit',
      query: z.strictObject({
        since: z.string().min(1).max(64).optional().describe('A duration back from now (1h, 7d) or a date (2026-11-01)'),
        actor: z.string().min(1).max(200).optional().describe('Only this actor'),
        limit: limitQuery.optional().describe('How many (default 100)'),
      }),
      handler: async ({ query }) => ({
        entries: (await cairn.audit.list({ ...(query.since ? { since: query.since } : {}), ...(query.actor ? { actor: query.actor } : {}), ...(query.limit ? { limit: query.limit } : {}) })).map(auditJson),
      }),
    }),
  ];
}

function auditJson(e: AuditEntry): Record<string, unknown> {
  return { id: e.id, at: new Date(e.at).toISOString(), actor: e.actor, origin: e.origin, action: e.action, ...(e.target !== undefined ? { target: e.target } : {}), ...(e.details ? { details: e.details } : {}) };
}
