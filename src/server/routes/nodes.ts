import { nodesJson } from '../../app/index.js';
import type { ServerDeps } from '../deps.js';
import { route, type AnyRoute } from '../route.js';

/** The cluster's registry (docs/cluster.md): engine nodes and workers, and steps waiting for a worker. */
export function nodeRoutes(deps: ServerDeps): AnyRoute[] {
  const { cairn } = deps;
  return [
    route({
      method: 'GET',
      path: '/nodes',
      access: 'viewer',
      summary: 'Engine nodes and workers sharing the store, and the steps queued for workers (as `cairn nodes`)',
      tags: ['system'],
      operationId: 'listNodes',
      handler: async () => nodesJson(await cairn.nodes(), await cairn.waitingForWorkers()),
    }),
  ];
}
