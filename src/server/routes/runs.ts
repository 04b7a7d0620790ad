import { z } from 'zod';
import { CairnError, type RunStatus, type Workflow } from '../../app/index.js';
import type { ServerDeps } from '../deps.js';
import { ApiError } from '../error-body.js';
import { emptyBody, limitQuery, route, runIdParams, runStepParams, type AnyRoute } from '../route.js';

const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'rolling_back', 'rolled_back'] as const;
const parameters = z.record(z.string(), z.unknown()).describe('Parameter values by name');
const json = z.record(z.string(), z.unknown());

/** Runs ("executions" in the seed's paths): start, list, read, and act on them. */
export function runRoutes(deps: ServerDeps): AnyRoute[] {
  const { cairn } = deps;
  return [
    route({
      method: 'POST',
      path: '/workflows/execute',
      access: 'operator',
      summary: 'Start a run of a stored workflow',
      tags: ['executions'],
      operationId: 'executeWorkflow',
      status: 202,
      body: z.strictObject({
        workflow_id: z.string().min(1).max(200).describe('A stored workflow id (see /workflows/templates), or template:NAME for a built-in template'),
        parameters: parameters.optional(),
        auto_approve: z.boolean().optional().describe('Not supported: approvals are decisions recorded with who made them. Must be false if given.'),
      }),
      errors: { 404: 'no such workflow', 409: 'Idempotency-Key reused', 422: 'bad parameters' },
      handler: async ({ body, actor, key, request, reply }) => {
        if (deps.draining()) throw new ApiError(503, 'SHUTTING_DOWN', 'the server is shutting down and takes no new runs; try another server or again shortly');
        if (body.auto_approve === true) {
          throw new CairnError('NOT_ALLOWED', 'auto_approve is not supported: approve the run with POST /workflows/executions/{id}/steps/approve/approve, which records who approved');
        }
        const idempotency = request.headers['idempotency-key'];
        const startKey = typeof idempotency === 'string' && idempotency !== '' ? `api:${key?.id ?? 'public'}:${idempotency.slice(0, 200)}` : undefined;
        const { run, duplicate } = await cairn.startWorkflow({
          workflowId: body.workflow_id,
          ...(body.parameters ? { parameters: body.parameters } : {}),
          startedBy: actor,
          ...(startKey ? { startKey } : {}),
        });
        if (duplicate) void reply.code(200);
        return { execution_id: run.id, duplicate, run };
      },
    }),
    route({
      method: 'GET',
      path: '/workflows/executions',
      access: 'viewer',
      summary: 'List runs, newest first',
      tags: ['executions'],
      operationId: 'listExecutions',
      query: z.strictObject({
        status: z.string().regex(new RegExp(`^(${RUN_STATUSES.join('|')})(,(${RUN_STATUSES.join('|')}))*$`), { error: `a comma-separated list of: ${RUN_STATUSES.join(', ')}` }).optional(),
        workflow_id: z.string().min(1).max(200).optional(),
        limit: limitQuery.default(50),
        before: z.coerce.number().int().nonnegative().optional().describe('Runs created before this time (ms): pass `next_before` of the previous page'),
      }),
      handler: async ({ query }) => {
        const runs = await cairn.listRuns({
          ...(query.status ? { status: query.status.split(',') as RunStatus[] } : {}),
          ...(query.workflow_id ? { workflowId: query.workflow_id } : {}),
          limit: query.limit + 1,
          ...(query.before !== undefined ? { before: query.before } : {}),
        });
        const page = runs.slice(0, query.limit);
        return { executions: page, ...(runs.length > query.limit ? { next_before: page.at(-1)?.createdAt } : {}) };
      },
    }),
    route({
      method: 'GET',
      path: '/workflows/executions/{id}',
      access: 'viewer',
      summary: 'A run with its steps',
      tags: ['executions'],
      operationId: 'getExecution',
      params: runIdParams,
      errors: { 404: 'no such run' },
      handler: async ({ params }) => {
        const view = await cairn.getRun(params.id);
        return { run: view.run, steps: view.steps, groups: view.groups, ...(view.workflow ? { plan: planOf(view.workflow) } : {}) };
      },
    }),
    route({
      method: 'GET',
      path: '/workflows/executions/{id}/events',
      access: 'viewer',
      summary: "A run's events in order (its audit trail)",
      tags: ['executions'],
      operationId: 'getExecutionEvents',
      params: runIdParams,
      query: z.strictObject({ after: z.coerce.number().int().nonnegative().default(0).describe('Only events after this sequence number') }),
      handler: async ({ params, query }) => ({ events: await cairn.runEvents(params.id, query.after) }),
    }),
    route({
      method: 'GET',
      path: '/workflows/executions/{id}/logs',
      access: 'viewer',
      summary: "A run's step output",
      tags: ['executions'],
      operationId: 'getExecutionLogs',
      params: runIdParams,
      query: z.strictObject({
        step: z.string().min(1).max(200).optional(),
        after: z.coerce.number().int().nonnegative().default(0).describe('Only lines after this line id'),
        limit: limitQuery.default(500),
      }),
      handler: async ({ params, query }) => {
        const id = await cairn.resolveRunId(params.id);
        return { lines: await cairn.logs(id, { afterId: query.after, limit: query.limit, ...(query.step ? { step: query.step } : {}) }) };
      },
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/cancel',
      access: 'operator',
      summary: 'Cancel a run: running steps are stopped, nothing new starts',
      tags: ['executions'],
      operationId: 'cancelExecution',
      params: runIdParams,
      body: z.strictObject({ reason: z.string().max(2000).optional() }).optional(),
      handler: async ({ params, body, actor }) => ({ run: await cairn.cancel(params.id, { by: actor, ...(body?.reason ? { reason: body.reason } : {}) }) }),
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/pause',
      access: 'operator',
      summary: 'Pause a run: running steps finish, nothing new starts',
      tags: ['executions'],
      operationId: 'pauseExecution',
      params: runIdParams,
      body: emptyBody,
      handler: async ({ params, actor }) => ({ run: (await cairn.pause(params.id, { by: actor })).run }),
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/unpause',
      access: 'operator',
      summary: 'Let a paused run go on',
      tags: ['executions'],
      operationId: 'unpauseExecution',
      params: runIdParams,
      body: emptyBody,
      handler: async ({ params, actor }) => ({ run: (await cairn.pause(params.id, { by: actor, resume: true })).run }),
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/retry',
      access: 'operator',
      summary: 'Run a failed or cancelled run again from the steps that did not succeed',
      tags: ['executions'],
      operationId: 'retryExecution',
      params: runIdParams,
      body: z.strictObject({ step: z.string().min(1).max(200).optional().describe('Start again from this step') }).optional(),
      handler: async ({ params, body, actor }) => ({ run: await cairn.retry(params.id, { by: actor, ...(body?.step ? { step: body.step } : {}) }) }),
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/rollback',
      access: 'operator',
      summary: 'Roll a run back (compensate its completed steps), or get the manual plan',
      tags: ['rollback'],
      operationId: 'rollbackExecution',
      status: 202,
      params: runIdParams,
      body: z
        .strictObject({
          strategy: z.enum(['immediate', 'graceful', 'checkpoint', 'manual']).optional(),
          to: z.string().min(1).max(200).optional().describe('For checkpoint: the checkpoint step to go back to'),
          reason: z.string().max(2000).optional(),
        })
        .optional(),
      handler: async ({ params, body, actor }) => {
        const report = await cairn.rollback(params.id, {
          by: actor,
          wait: false,
          ...(body?.strategy ? { strategy: body.strategy } : {}),
          ...(body?.to ? { to: body.to } : {}),
          ...(body?.reason ? { reason: body.reason } : {}),
        });
        return { rollback_id: report.run.id, ...report };
      },
    }),
    route({
      method: 'GET',
      path: '/workflows/executions/{id}/rollback-points',
      access: 'viewer',
      summary: 'Checkpoints a rollback can go back to',
      tags: ['rollback'],
      operationId: 'listRollbackPoints',
      params: runIdParams,
      handler: async ({ params }) => ({ points: await cairn.rollbackPoints(params.id) }),
    }),
    route({
      method: 'GET',
      path: '/workflows/rollbacks/{id}',
      access: 'viewer',
      summary: "A rollback's progress: the run's status and each compensation (the id is the run id)",
      tags: ['rollback'],
      operationId: 'getRollback',
      params: runIdParams,
      handler: async ({ params }) => {
        const id = await cairn.resolveRunId(params.id);
        const { run } = await cairn.getRun(id);
        return { rollback_id: id, status: run.status, run, compensations: await cairn.compensations(id) };
      },
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/steps/{step}/approve',
      access: 'operator',
      summary: 'Approve (or reject) an approval step; the key name is recorded as the approver',
      tags: ['people'],
      operationId: 'approveStep',
      params: runStepParams,
      body: z.strictObject({ approve: z.boolean().default(true).describe('false rejects'), comment: z.string().max(2000).optional() }).optional(),
      handler: async ({ params, body, actor }) => {
        const view = await cairn.approve(params.id, params.step, { approve: body?.approve ?? true, by: actor, ...(body?.comment ? { comment: body.comment } : {}) });
        return { run: view.run, steps: view.steps };
      },
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/steps/{step}/complete',
      access: 'operator',
      summary: 'Complete a task step with its output (checked against its output_schema)',
      tags: ['people'],
      operationId: 'completeStep',
      params: runStepParams,
      body: z.strictObject({ output: json.optional() }).optional(),
      handler: async ({ params, body, actor }) => {
        const view = await cairn.complete(params.id, params.step, { by: actor, ...(body?.output ? { output: body.output } : {}) });
        return { run: view.run, steps: view.steps };
      },
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/steps/{step}/signal',
      access: 'operator',
      summary: 'Send the signal a waiting step listens for (its `signal` parameter)',
      tags: ['people'],
      operationId: 'signalStep',
      params: runStepParams,
      body: z.strictObject({ data: z.unknown().optional() }).optional(),
      handler: async ({ params, body, actor }) => {
        const view = await cairn.getRun(params.id);
        const spec = view.workflow?.steps.find((s) => s.id === params.step);
        if (!spec) throw new CairnError('STEP_NOT_FOUND', `run ${view.run.id} has no step '${params.step}'`, { step: params.step });
        const name = spec.parameters['signal'];
        if (typeof name !== 'string') throw new CairnError('USAGE', `step '${params.step}' does not wait for a signal (it has no \`signal\` parameter)`, { step: params.step });
        const after = await cairn.signal(view.run.id, name, { by: actor, ...(body && 'data' in body ? { data: body.data } : {}) });
        return { signal: name, run: after.run, steps: after.steps };
      },
    }),
    route({
      method: 'POST',
      path: '/workflows/executions/{id}/signal',
      access: 'operator',
      summary: 'Send a named signal to a run (kept until a step waits for it)',
      tags: ['people'],
      operationId: 'signalExecution',
      params: runIdParams,
      body: z.strictObject({ name: z.string().min(1).max(200), data: z.unknown().optional() }),
      handler: async ({ params, body, actor }) => {
        const after = await cairn.signal(params.id, body.name, { by: actor, ...('data' in body ? { data: body.data } : {}) });
        return { signal: body.name, run: after.run, steps: after.steps };
      },
    }),
    route({
      method: 'GET',
      path: '/tasks',
      access: 'viewer',
      summary: 'Open tasks and approvals, of every run or of one',
      tags: ['people'],
      operationId: 'listTasks',
      query: z.strictObject({ run: z.string().min(1).max(64).optional() }),
      handler: async ({ query }) => ({ tasks: await cairn.openTasks(query.run) }),
    }),
  ];
}

/** The definition's shape, for drawing the run as a graph: steps, their dependencies and phases. */
function planOf(workflow: Workflow) {
  return {
    steps: workflow.steps.map((s) => ({
      id: s.id,
      command: s.named ?? s.command,
      ...(s.description ? { description: s.description } : {}),
      dependsOn: s.dependsOn,
      ...(s.phase ? { phase: s.phase } : {}),
      parameters: s.parameters,
    })),
    ...(workflow.phases ? { phases: workflow.phases } : {}),
  };
}
