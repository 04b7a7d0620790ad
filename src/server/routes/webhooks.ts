import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, type Webhooks } from '../../app/index.js';
import { route, type AnyRoute } from '../route.js';

const webhookId = z.strictObject({ id: z.string().min(1).max(100) });

/** Outgoing webhooks (docs/webhooks.md): admins subscribe; anyone with a key reads the delivery log. */
export function webhookRoutes(webhooks: Webhooks): AnyRoute[] {
  return [
    route({
      method: 'POST',
      path: '/webhooks',
      access: 'admin',
      summary: 'Subscribe a URL to run events; the signing secret is in this answer only',
      tags: ['webhooks'],
      operationId: 'createWebhook',
      status: 201,
      body: z.strictObject({
        url: z.string().min(1).max(2000).describe('http(s) URL; addresses inside the network are refused unless allowed'),
        events: z.array(z.enum(['*', ...WEBHOOK_EVENT_TYPES] as [string, ...string[]])).min(1).max(100).describe('Event types, or ["*"] for all'),
        description: z.string().max(500).optional(),
      }),
      errors: { 422: 'the URL is refused (SSRF rules)' },
      handler: async ({ body, actor }) => ({ webhook: await webhooks.create({ ...body, by: actor }) }),
    }),
    route({
      method: 'GET',
      path: '/webhooks',
      access: 'viewer',
      summary: 'Webhook subscriptions (never their secrets)',
      tags: ['webhooks'],
      operationId: 'listWebhooks',
      handler: async () => ({ webhooks: await webhooks.list() }),
    }),
    route({
      method: 'GET',
      path: '/webhooks/{id}',
      access: 'viewer',
      summary: 'One webhook subscription',
      tags: ['webhooks'],
      operationId: 'getWebhook',
      params: webhookId,
      errors: { 404: 'no such webhook' },
      handler: async ({ params }) => ({ webhook: await webhooks.get(params.id) }),
    }),
    route({
      method: 'DELETE',
      path: '/webhooks/{id}',
      access: 'admin',
      summary: 'Delete a webhook and its delivery log; nothing pending is sent',
      tags: ['webhooks'],
      operationId: 'deleteWebhook',
      params: webhookId,
      errors: { 404: 'no such webhook' },
      handler: async ({ params }) => {
        await webhooks.delete(params.id);
        return { deleted: params.id };
      },
    }),
    route({
      method: 'GET',
      path: '/webhooks/{id}/deliveries',
      access: 'viewer',
      summary: "A webhook's delivery log, newest first: each message with every attempt",
      tags: ['webhooks'],
      operationId: 'listDeliveries',
      params: webhookId,
      query: z.strictObject({
        limit: z.coerce.number().int().min(1).max(1000).default(50),
        status: z.enum(['pending', 'delivered', 'failed', 'stopped']).optional(),
      }),
      handler: async ({ params, query }) => ({ deliveries: await webhooks.deliveries(params.id, { limit: query.limit, ...(query.status ? { status: query.status } : {}) }) }),
    }),
  ];
}
