import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Variables } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import { CairnError } from '../app/index.js';
import type { McpContext } from './context.js';
import { statusOf } from './status.js';

const RUN_URI = /^cairn:\/\/runs\/([^/?#]+)$/;

/**
 * `cairn://workflows/{id}`: a stored workflow's definition (its newest revision), as
 * written. `cairn://runs/{id}`: a run's state, as workflow_status returns it (JSON).
 */
export function registerResources(server: McpServer, ctx: McpContext): void {
  const { cairn } = ctx;
  server.registerResource(
    'workflow',
    new ResourceTemplate('cairn://workflows/{id}', {
      list: async () => ({
        resources: (await cairn.catalog.list()).map((w) => ({
          uri: `cairn://workflows/${encodeURIComponent(w.id)}`,
          name: w.id,
          title: w.name,
          ...(w.description ? { description: w.description } : {}),
        })),
      }),
    }),
    { title: 'Workflow definition', description: 'The source (YAML or JSON) of a stored workflow, newest revision' },
    async (uri, vars) => {
      const stored = await cairn.catalog.get(variable(vars, 'id')).catch(notFound);
      return { contents: [{ uri: uri.href, mimeType: stored.format === 'json' ? 'application/json' : 'application/yaml', text: stored.source }] };
    },
  );
  server.registerResource(
    'run',
    new ResourceTemplate('cairn://runs/{id}', {
      list: async () => ({
        resources: (await cairn.listRuns({ limit: 50 })).map((r) => ({ uri: `cairn://runs/${r.id}`, name: r.id, title: `${r.workflowId}: ${r.status}`, mimeType: 'application/json' })),
      }),
    }),
    { title: 'Run state', description: 'A run: status, phases, open tasks, gates, steps, next action; step outputs under data', mimeType: 'application/json' },
    async (uri, vars) => {
      const status = await statusOf(cairn, variable(vars, 'id'), ctx.principal).catch(notFound);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(status, null, 2) }] };
    },
  );
}

/**
 * resources/subscribe for runs: every committed event of a subscribed run (from this
 * process or any other sharing the store) sends notifications/resources/updated, at most
 * one per run per 50 ms. Needs a connection that lasts (stdio).
 */
export function handleSubscriptions(server: McpServer, ctx: McpContext): () => void {
  const watching = new Map<string, { stop: () => void; timer?: NodeJS.Timeout }>();
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const uri = request.params.uri;
    const match = RUN_URI.exec(uri);
    if (!match) throw new McpError(ErrorCode.InvalidParams, `only runs send updates: subscribe to cairn://runs/{id}, not ${uri.slice(0, 200)}`);
    if (watching.has(uri)) return {};
    const runId = await ctx.cairn.resolveRunId(decodeURIComponent(match[1] ?? '')).catch((err: unknown) => {
      throw new McpError(ErrorCode.InvalidParams, err instanceof Error ? err.message : String(err));
    });
    const stream = await ctx.cairn.events();
    const entry: { stop: () => void; timer?: NodeJS.Timeout } = { stop: () => undefined };
    entry.stop = stream.subscribe({ runId }, () => {
      if (entry.timer) return;
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (watching.get(uri) === entry) void server.server.sendResourceUpdated({ uri }).catch((err: unknown) => ctx.onError?.(err));
      }, 50);
    });
    watching.set(uri, entry);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    stop(request.params.uri);
    return {};
  });
  const stop = (uri: string) => {
    const entry = watching.get(uri);
    if (!entry) return;
    watching.delete(uri);
    entry.stop();
    if (entry.timer) clearTimeout(entry.timer);
  };
  return () => {
    for (const uri of [...watching.keys()]) stop(uri);
  };
}

/** MCP's code for a resource that does not exist; other errors keep their message. */
const RESOURCE_NOT_FOUND = -32002;

function notFound(err: unknown): never {
  if (err instanceof CairnError) {
    const missing = err.code === 'WORKFLOW_NOT_FOUND' || err.code === 'RUN_NOT_FOUND';
    throw new McpError(missing ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams, `${err.code}: ${err.message}`);
  }
  throw err;
}

function variable(vars: Variables, name: string): string {
  const value = vars[name];
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '') throw new McpError(ErrorCode.InvalidParams, `the resource URI needs a ${name}`);
  return decodeURIComponent(text);
}
