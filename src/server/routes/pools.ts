import type { ServerDeps } from '../deps.js';
import { route, type AnyRoute } from '../route.js';

/** The configured pools (`pools:` in cairn.yaml): their names and slots. Who holds a slot is in GET /locks (`pool:<name>`). */
export function poolRoutes(deps: ServerDeps): AnyRoute[] {
  const { cairn } = deps;
  return [
    route({
      method: 'GET',
      path: '/pools',
      access: 'viewer',
      summary: 'Configured pools with their slots (holders and waiters are in GET /locks, as pool:<name>)',
      tags: ['system'],
      operationId: 'listPools',
      handler: async () => ({
        pools: Object.entries(cairn.config.pools)
          .map(([name, pool]) => ({ name, slots: pool.slots, ...(pool.description !== undefined ? { description: pool.description } : {}) }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      }),
    }),
  ];
}
