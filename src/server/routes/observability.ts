import type { Cairn } from '../../app/index.js';
import type { Metrics } from '../../app/observability.js';
import { route, type AnyRoute } from '../route.js';

/** Prometheus metrics, and the state of circuit breakers and concurrency limits. */
export function observabilityRoutes(cairn: Cairn, metrics: Metrics): AnyRoute[] {
  return [
    route({
      method: 'GET',
      path: '/metrics',
      root: true,
      access: 'viewer',
      summary: 'Prometheus metrics (text exposition format); scrape with a viewer key as bearer token',
      tags: ['system'],
      operationId: 'metrics',
      handler: async ({ reply }) => {
        const { contentType, body } = await metrics.render();
        return reply.type(contentType).send(body);
      },
    }),
    route({
      method: 'GET',
      path: '/breakers',
      access: 'viewer',
      summary: "Circuit breakers of http steps' target hosts, and per-command concurrency limits, in this server",
      tags: ['system'],
      operationId: 'listBreakers',
      handler: async () => ({ breakers: cairn.breakers(), bulkheads: cairn.bulkheads() }),
    }),
  ];
}
