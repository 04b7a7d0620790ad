import { z } from 'zod';
import type { Triggers } from '../../app/index.js';
import { route, type AnyRoute } from '../route.js';

/** Incoming webhooks that start runs (docs/triggers.md): the signature is the authentication. */
export function hookRoutes(triggers: Triggers): AnyRoute[] {
  return [
    route({
      method: 'POST',
      path: '/hooks/{workflow}',
      access: 'public',
      summary: "Start a run from a webhook signed with the workflow trigger's secret (Standard Webhooks); a repeated webhook-id starts nothing new",
      tags: ['triggers'],
      operationId: 'acceptHook',
      status: 202,
      rawBody: true,
      params: z.strictObject({ workflow: z.string().min(1).max(200) }),
      errors: { 401: 'signature missing, wrong, or outside the 5-minute tolerance', 404: 'no such workflow, or it has no webhook trigger' },
      handler: async ({ params, request, body, reply }) => {
        const { run, duplicate } = await triggers.hook(params.workflow, request.headers, typeof body === 'string' ? body : '');
        if (duplicate) void reply.code(200);
        return { run_id: run.id, status: run.status, duplicate };
      },
    }),
  ];
}
