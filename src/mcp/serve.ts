import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Cairn } from '../app/index.js';
import type { McpContext, Principal } from './context.js';
import { buildMcpServer } from './server.js';

/*
 * The MCP server's two doors. This is the one file of src/mcp that `cairn mcp` (cli/) and
 * `cairn serve` (server/) may import.
 */

export type { Principal };

export interface StdioOptions {
  cairn: Cairn;
  /** Who the local user is: recorded as the actor of runs, approvals and completions. */
  actor: string;
  version: string;
  input?: Readable;
  output?: Writable;
  onError?(err: unknown): void;
}

/**
 * MCP over stdin/stdout, as the local user with full (admin) rights. Resolves when the
 * client goes away (stdin ends) or `stop` is called; runs started here keep running until
 * then, and what is unfinished is left to recovery (`cairn resume`, or any later process).
 */
export async function serveStdio(opts: StdioOptions): Promise<{ closed: Promise<void>; stop(): Promise<void> }> {
  const input = opts.input ?? process.stdin;
  const ctx: McpContext = {
    cairn: opts.cairn,
    principal: { name: opts.actor, role: 'admin' },
    transport: 'stdio',
    version: opts.version,
    ...(opts.onError ? { onError: opts.onError } : {}),
  };
  const built = buildMcpServer(ctx);
  const transport = new StdioServerTransport(input, opts.output ?? process.stdout);
  let finish: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (finish = resolve));
  let stopping: Promise<void> | undefined;
  // Closing the server closes the transport, whose onclose calls stop again: the first call wins.
  const stop = () =>
    (stopping ??= Promise.resolve().then(async () => {
      input.off('end', onEnd);
      built.close();
      await built.server.close().catch((err: unknown) => opts.onError?.(err));
      finish();
    }));
  const onEnd = () => void stop();
  // The SDK's transport does not watch for the end of stdin: a client that exits closes it.
  input.once('end', onEnd);
  transport.onclose = () => void stop();
  await built.server.connect(transport);
  return { closed, stop };
}

export interface HttpOptions {
  cairn: Cairn;
  principal: Principal;
  version: string;
  /** Host header values the server answers to (`127.0.0.1:8900`, `localhost:8900`, ...): DNS-rebinding protection. */
  allowedHosts: string[];
  /** Origin header values allowed; a request with any other Origin is refused (none listed: none allowed). */
  allowedOrigins: string[];
  refuseRuns?(): string | undefined;
  catalogChanged?(): void;
  onError?(err: unknown): void;
}

/**
 * One Streamable HTTP request, stateless: a new server and transport answer it and are
 * closed with the response. The key's name and role come from the HTTP layer, which has
 * already authenticated the request.
 */
export async function answerHttp(req: IncomingMessage, res: ServerResponse, body: unknown, opts: HttpOptions): Promise<void> {
  const ctx: McpContext = {
    cairn: opts.cairn,
    principal: opts.principal,
    transport: 'http',
    version: opts.version,
    ...(opts.refuseRuns ? { refuseRuns: opts.refuseRuns } : {}),
    ...(opts.catalogChanged ? { catalogChanged: opts.catalogChanged } : {}),
    ...(opts.onError ? { onError: opts.onError } : {}),
  };
  const built = buildMcpServer(ctx);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableDnsRebindingProtection: true,
    allowedHosts: opts.allowedHosts,
    ...(opts.allowedOrigins.length > 0 ? { allowedOrigins: opts.allowedOrigins } : {}),
  });
  res.on('close', () => {
    built.close();
    void transport.close();
    void built.server.close();
  });
  await built.server.connect(transport);
  await transport.handleRequest(req, res, body);
}
