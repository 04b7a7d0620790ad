import { describeCommands } from '../../app/command-catalog.js';
import { workflowSchema } from '../../app/validate.js';
import type { ServerDeps } from '../deps.js';
import { route, type AnyRoute } from '../route.js';

/** What an editor needs to help write a definition: the commands a step may name and the definition's JSON Schema. */
export function authoringRoutes(deps: ServerDeps): AnyRoute[] {
  const { cairn } = deps;
  return [
    route({
      method: 'GET',
      path: '/commands',
      access: 'viewer',
      summary: 'The commands a step may name: built-in and configured (named), each with its summary and parameters schema',
      tags: ['workflows'],
      operationId: 'listCommands',
      handler: async () => ({ commands: describeCommands(cairn.config) }),
    }),
    route({
      method: 'GET',
      path: '/workflows/schema',
      access: 'viewer',
      summary: 'The JSON Schema of a workflow definition (as `cairn schema` prints it)',
      tags: ['workflows'],
      operationId: 'getWorkflowSchema',
      handler: async () => workflowSchema(),
    }),
  ];
}
