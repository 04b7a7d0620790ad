import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';

/**
 * One open connection to one MCP server, through the official SDK's client: a program
 * started with its exact argv (stdio), or a Streamable HTTP endpoint. The SDK is loaded on
 * the first connection, so workflows without `mcp` steps never pay for it.
 */

/** A configured server (config's `McpServerConfig`; `${env:NAME}` already resolved). */
export type McpServerSpec =
  | { command: string[]; env: Record<string, string>; cwd: string; description?: string }
  | { url: string; headers: Record<string, string>; description?: string };

/** What Cairn calls itself in the MCP `initialize` handshake. */
const CLIENT_INFO = { name: 'cairn', version: '0.1.0' };

/** Lines of a stdio server's stderr kept to explain why it failed. */
const STDERR_LINES = 20;
const STDERR_LINE_CHARS = 500;

export class McpConnection {
  /** True once the transport closed (the process exited, or close() was called). */
  closed = false;
  private readonly stderr: string[] = [];
  private partial = '';

  private constructor(
    readonly server: string,
    readonly client: Client,
    private readonly transport: Transport,
    readonly kind: 'stdio' | 'http',
  ) {}

  /**
   * Start the transport and run the `initialize` handshake within `timeoutMs` (or until
   * `signal`: the pool is closing). `onClose` hears when the connection ends for any reason,
   * so the pool can forget it.
   */
  static async open(server: string, spec: McpServerSpec, opts: { timeoutMs: number; signal: AbortSignal; onClose(connection: McpConnection): void }): Promise<McpConnection> {
    const sdk = await loadSdk();
    const client = new sdk.Client(CLIENT_INFO, { capabilities: {} });
    let connection: McpConnection;
    if ('command' in spec) {
      const [program = '', ...args] = spec.command;
      // The SDK spawns without a shell and passes only HOME, PATH, USER and the like, plus `env`.
      const transport = new sdk.StdioClientTransport({ command: program, args, env: spec.env, cwd: spec.cwd, stderr: 'pipe' });
      connection = new McpConnection(server, client, transport, 'stdio');
      transport.stderr?.on('data', (chunk: Buffer) => connection.keepStderr(chunk.toString('utf8')));
    } else {
      const transport = new sdk.StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers } });
      connection = new McpConnection(server, client, transport, 'http');
    }
    client.onclose = () => {
      connection.closed = true;
      opts.onClose(connection);
    };
    try {
      await client.connect(connection.transport, { timeout: opts.timeoutMs, signal: opts.signal });
    } catch (error) {
      await connection.close();
      // A server that exits at start says why on stderr; its last lines arrive after the exit.
      await new Promise((r) => setImmediate(r));
      throw new McpConnectError(error, connection.stderrTail());
    }
    return connection;
  }

  /** The last lines the server wrote to stderr (stdio), for error messages. */
  stderrTail(): string {
    return [...this.stderr, this.partial].filter((line) => line.trim() !== '').join('\n');
  }

  /** End the session (HTTP: DELETE it, briefly) and the transport (stdio: the process exits). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.transport instanceof (await loadSdk()).StreamableHTTPClientTransport) {
      const transport = this.transport;
      await Promise.race([transport.terminateSession().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    await this.client.close().catch(() => undefined);
  }

  private keepStderr(text: string): void {
    const lines = (this.partial + text).split(/\r?\n/);
    this.partial = (lines.pop() ?? '').slice(-STDERR_LINE_CHARS);
    for (const line of lines) this.stderr.push(line.slice(0, STDERR_LINE_CHARS));
    this.stderr.splice(0, Math.max(0, this.stderr.length - STDERR_LINES));
  }
}

/** Opening a connection failed: the SDK's error, with what a stdio server wrote to stderr. */
export class McpConnectError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly stderr: string,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'McpConnectError';
  }
}

/** The parts of the SDK Cairn uses, loaded once, on first use. */
export interface Sdk {
  Client: typeof import('@modelcontextprotocol/sdk/client/index.js').Client;
  StdioClientTransport: typeof import('@modelcontextprotocol/sdk/client/stdio.js').StdioClientTransport;
  StreamableHTTPClientTransport: typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js').StreamableHTTPClientTransport;
  McpError: typeof import('@modelcontextprotocol/sdk/types.js').McpError;
}

let sdk: Promise<Sdk> | undefined;

export function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]).then(([client, stdio, http, types]) => ({
    Client: client.Client,
    StdioClientTransport: stdio.StdioClientTransport,
    StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
    McpError: types.McpError,
  }));
  return sdk;
}
