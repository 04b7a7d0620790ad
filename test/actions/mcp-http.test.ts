import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { mcpAction, type McpParameters } from '../../src/actions/mcp.js';
import { McpClients } from '../../src/actions/mcp-clients.js';
import { registerTools } from './fixtures/echo-tools.mjs';
import { actionContext, failure } from './context.js';

/**
 * A Streamable HTTP MCP server (official SDK) on 127.0.0.1: one McpServer and transport per
 * session, a bearer token required, and a way to forget every session as a restart would.
 */
class HttpMcpServer {
  readonly sessions = new Map<string, StreamableHTTPServerTransport>();
  initializes = 0;
  private readonly server: Server;

  constructor(private readonly token: string) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/mcp`;
  }

  /** As if the server restarted: every session is unknown now. */
  async forgetSessions(): Promise<void> {
    const transports = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(transports.map((t) => t.close()));
  }

  async stop(): Promise<void> {
    await this.forgetSessions();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    const known = typeof sessionId === 'string' ? this.sessions.get(sessionId) : undefined;
    if (known) return known.handleRequest(req, res);
    if (typeof sessionId === 'string') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }));
      return;
    }
    this.initializes++;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void this.sessions.set(id, transport),
    });
    const server = new McpServer({ name: 'echo-http', version: '1.0.0' });
    registerTools(server);
    await server.connect(transport);
    await transport.handleRequest(req, res);
  }
}

let server: HttpMcpServer | undefined;
let pool: McpClients | undefined;

afterEach(async () => {
  await pool?.close();
  await server?.stop();
  pool = undefined;
  server = undefined;
});

async function setup(headers: Record<string, string> = { Authorization: 'Bearer t0ken' }): Promise<string> {
  server = new HttpMcpServer('t0ken');
  const url = await server.start();
  pool = new McpClients({ search: { url, headers } });
  return url;
}

function call(parameters: McpParameters) {
  const t = actionContext(parameters);
  t.ctx.mcp = pool;
  return mcpAction.run(t.ctx);
}

describe('the mcp command over Streamable HTTP (a real server on 127.0.0.1)', () => {
  it('calls a tool through `url:` with the configured headers', async () => {
    await setup();
    expect((await call({ server: 'search', tool: 'add', arguments: { a: 20, b: 22 } })).outputs).toEqual({ result: { sum: 42 }, text: '42' });
    expect((await call({ server: 'search', tool: 'echo', arguments: { text: 'one session' } })).outputs.text).toBe('one session');
    expect(server?.initializes).toBe(1);
    expect(server?.sessions.size).toBe(1);
  });

  it('a tool error fails the step with its text', async () => {
    await setup();
    const f = await failure(call({ server: 'search', tool: 'fail', arguments: { message: 'index offline' } }));
    expect(f.code).toBe('MCP_TOOL_ERROR');
    expect(f.message).toContain('index offline');
  });

  it('a refused token is MCP_UNAVAILABLE, and the message shows no header', async () => {
    await setup({ Authorization: 'Bearer wrong-secret' });
    const f = await failure(call({ server: 'search', tool: 'add', arguments: { a: 1, b: 1 } }));
    expect(f.code).toBe('MCP_UNAVAILABLE');
    expect(f.message).toContain('401');
    expect(f.message).not.toContain('wrong-secret');
  });

  it('after the server forgets the session (a restart), the next call opens a new one and goes through', async () => {
    await setup();
    await call({ server: 'search', tool: 'add', arguments: { a: 1, b: 1 } });
    await server?.forgetSessions();
    expect((await call({ server: 'search', tool: 'add', arguments: { a: 2, b: 2 } })).outputs.result).toEqual({ sum: 4 });
    expect(server?.initializes).toBe(2);
  });

  it('a server that is down: MCP_UNAVAILABLE naming the endpoint without its query', async () => {
    const url = await setup();
    await server?.stop();
    server = undefined;
    pool = new McpClients({ search: { url: `${url}?key=secret`, headers: {} } });
    const f = await failure(call({ server: 'search', tool: 'add', arguments: { a: 1, b: 1 } }));
    expect(f.code).toBe('MCP_UNAVAILABLE');
    expect(f.message).toContain(url);
    expect(f.message).not.toContain('secret');
    expect(f.message).toContain('ECONNREFUSED');
  });

  it('lists the tools with their input schemas (what validation reads)', async () => {
    await setup();
    const tools = await pool!.tools('search', { timeoutMs: 10_000 });
    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'echo', 'fail', 'info', 'setting', 'slow']);
    expect(tools.find((t) => t.name === 'add')?.inputSchema).toMatchObject({ type: 'object', required: ['a', 'b'] });
  });
});
