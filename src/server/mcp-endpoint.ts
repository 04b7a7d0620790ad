import { hostname, networkInterfaces } from 'node:os';
import { z } from 'zod';
import type { Cairn } from '../app/index.js';
import { sendError } from './error-body.js';
import { route, type AnyRoute } from './route.js';

/*
 * MCP over Streamable HTTP at /mcp. The route is in the one route table, so the auth hook
 * authorizes it like any REST route (a viewer key at least; the tools then check the
 * key's role for what they do), and rate limits apply. Stateless: each POST gets a fresh
 * MCP server acting as the key; there is no SSE stream to GET and no session to DELETE.
 */

export interface McpEndpointOptions {
  cairn: Cairn;
  version: string;
  /** The address the server listens on; the Host headers it answers to follow from it. */
  host: string;
  /** Origins allowed to call (the CORS list); with none, a request that carries an Origin is refused. */
  allowedOrigins: string[];
  draining(): boolean;
  catalogChanged?(): void;
  onError?(err: unknown): void;
}

export function mcpRoutes(opts: McpEndpointOptions): AnyRoute[] {
  const notHere = (method: 'GET' | 'DELETE') =>
    route({
      method,
      path: '/mcp',
      root: true,
      access: 'viewer',
      summary: `MCP: ${method} is not used (stateless endpoint: no SSE stream, no session); 405`,
      tags: ['mcp'],
      operationId: `mcp${method === 'GET' ? 'Get' : 'Delete'}`,
      handler: async ({ reply }) =>
        reply
          .code(405)
          .header('allow', 'POST')
          .send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: POST JSON-RPC messages to /mcp (stateless: no SSE stream, no session)' }, id: null }),
    });
  return [
    route({
      method: 'POST',
      path: '/mcp',
      root: true,
      access: 'viewer',
      summary: "MCP over Streamable HTTP (stateless JSON-RPC): Cairn's tools, resources and prompts; each tool checks the key's role",
      tags: ['mcp'],
      operationId: 'mcp',
      body: z.unknown().describe('A JSON-RPC message or batch (MCP Streamable HTTP)'),
      handler: async ({ body, key, request, reply }) => {
        const origin = request.headers.origin;
        if (origin !== undefined && !opts.allowedOrigins.includes(origin)) {
          return sendError(reply, 403, 'FORBIDDEN', `MCP requests from origin '${origin}' are not allowed: list the origin with --cors-origin to allow it`, { origin });
        }
        if (!key) return sendError(reply, 401, 'UNAUTHORIZED', 'MCP over HTTP needs an API key: send Authorization: Bearer <key>');
        // Loaded on the first MCP request: `cairn serve` starts without the SDK.
        const { answerHttp } = await import('../mcp/serve.js');
        reply.hijack();
        await answerHttp(request.raw, reply.raw, body, {
          cairn: opts.cairn,
          principal: { name: key.name, role: key.role },
          version: opts.version,
          allowedHosts: allowedHosts(opts.host, request.raw.socket.localPort ?? 0),
          allowedOrigins: opts.allowedOrigins,
          refuseRuns: () => (opts.draining() ? 'the server is shutting down and takes no new runs; try another server or again shortly' : undefined),
          ...(opts.catalogChanged ? { catalogChanged: opts.catalogChanged } : {}),
          ...(opts.onError ? { onError: opts.onError } : {}),
        });
        return reply;
      },
    }),
    notHere('GET'),
    notHere('DELETE'),
  ];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * The Host header values that name this server (DNS-rebinding protection): a page on
 * another name that resolves to this address is refused. On a wildcard address, every
 * local interface address and the machine's host name.
 */
export function allowedHosts(host: string, port: number): string[] {
  const names = new Set<string>();
  if (LOOPBACK.test(host)) {
    for (const name of ['127.0.0.1', 'localhost', '::1', host]) names.add(name);
  } else if (host === '0.0.0.0' || host === '::') {
    for (const name of ['127.0.0.1', 'localhost', '::1', hostname()]) names.add(name);
    for (const list of Object.values(networkInterfaces())) for (const nic of list ?? []) names.add(nic.address);
  } else {
    names.add(host);
  }
  const out: string[] = [];
  for (const name of names) {
    const h = name.includes(':') ? `[${name}]` : name;
    out.push(`${h}:${port}`);
    if (port === 80) out.push(h);
  }
  return out;
}
