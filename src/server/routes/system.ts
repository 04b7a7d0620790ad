import { z } from 'zod';
import type { ServerDeps } from '../deps.js';
import { route, type AnyRoute } from '../route.js';

/** Locks, memory, and the server's own state. */
export function systemRoutes(deps: ServerDeps): AnyRoute[] {
  const { cairn } = deps;
  return [
    route({
      method: 'GET',
      path: '/locks',
      access: 'viewer',
      summary: 'Who holds which lock or pool slot, and who waits',
      tags: ['system'],
      operationId: 'listLocks',
      handler: async () => cairn.locks(),
    }),
    route({
      method: 'GET',
      path: '/memory/search',
      access: 'viewer',
      summary: "Full-text search over Cairn's memory (notes), best first",
      tags: ['memory'],
      operationId: 'searchMemory',
      query: z.strictObject({
        q: z.string().max(1000).default('').describe('Words to look for; empty lists the newest notes'),
        category: z.string().min(1).max(100).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(10),
      }),
      handler: async ({ query }) => ({ notes: await cairn.recall(query.q, { limit: query.limit, ...(query.category ? { category: query.category } : {}) }) }),
    }),
    route({
      method: 'POST',
      path: '/memory',
      access: 'operator',
      summary: "Add a note to Cairn's memory",
      tags: ['memory'],
      operationId: 'addMemory',
      status: 201,
      body: z.strictObject({ text: z.string().min(1).max(20_000), category: z.string().min(1).max(100).optional(), tags: z.array(z.string().min(1).max(100)).max(50).optional() }),
      handler: async ({ body, actor }) => ({ note: await cairn.remember({ text: body.text, by: actor, ...(body.category ? { category: body.category } : {}), ...(body.tags ? { tags: body.tags } : {}) }) }),
    }),
  ];
}
