import { z } from 'zod';
import { ROLES } from '../../app/index.js';
import type { ServerDeps } from '../deps.js';
import { route, type AnyRoute } from '../route.js';

/** API keys, for admins: create (shown once), list, revoke. */
export function keyRoutes(deps: ServerDeps): AnyRoute[] {
  const { cairn } = deps;
  return [
    route({
      method: 'GET',
      path: '/whoami',
      access: 'viewer',
      summary: "The calling key: its id, name and role (the dashboard's login check)",
      tags: ['keys'],
      operationId: 'whoAmI',
      handler: async ({ key }) => ({ id: key?.id, name: key?.name, role: key?.role }),
    }),
    route({
      method: 'POST',
      path: '/keys',
      access: 'admin',
      summary: 'Create an API key; the key is in this answer only',
      tags: ['keys'],
      operationId: 'createKey',
      status: 201,
      body: z.strictObject({ role: z.enum(ROLES as [string, ...string[]]), name: z.string().min(1).max(64).optional() }),
      handler: async ({ body, actor }) => cairn.keys.create({ role: body.role as (typeof ROLES)[number], by: actor, ...(body.name ? { name: body.name } : {}) }),
    }),
    route({
      method: 'GET',
      path: '/keys',
      access: 'admin',
      summary: 'Every key (never its secret), revoked ones included',
      tags: ['keys'],
      operationId: 'listKeys',
      handler: async () => ({ keys: await cairn.keys.list() }),
    }),
    route({
      method: 'DELETE',
      path: '/keys/{id}',
      access: 'admin',
      summary: 'Revoke a key (by id or name): it stops working at once',
      tags: ['keys'],
      operationId: 'revokeKey',
      params: z.strictObject({ id: z.string().min(1).max(64) }),
      errors: { 404: 'no live key with that id or name' },
      handler: async ({ params }) => ({ key: await cairn.keys.revoke(params.id) }),
    }),
  ];
}
