import { BrokenCircuitError, handleWhen } from 'cockatiel';
import { abortedFailure } from './aborted.js';
import { ActionFailure, type McpCaller, type McpToolCall, type McpToolResult } from './action.js';
import { countedBreaker, DEFAULT_BREAKER_FAILURES, DEFAULT_HALF_OPEN_AFTER_MS, readBreaker, type BreakerOptions, type BreakerStatus, type CountedBreaker } from './breakers.js';
import { loadSdk, McpConnectError, McpConnection, type McpServerSpec } from './mcp-connection.js';

/**
 * The configured MCP servers of one Cairn process, each behind one pooled connection:
 * opened on first use, shared by every step (the protocol multiplexes requests), reopened
 * after it breaks, closed when the runtime stops. Each server has a circuit breaker
 * (cockatiel, the `circuit_breaker:` settings): after consecutive failures to reach it,
 * calls fail at once with CIRCUIT_OPEN until a trial call goes through.
 */

export type { McpServerSpec } from './mcp-connection.js';

export interface McpClientsOptions {
  breaker?: BreakerOptions;
  /** Time for starting a server and its `initialize` handshake (default 30 s). */
  connectTimeoutMs?: number;
}

/** A tool as `tools/list` describes it (the parts validation reads). */
export interface McpTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/** One server's breaker as the API and metrics show it. */
export interface McpBreakerState {
  server: string;
  state: BreakerStatus;
  failures: number;
  openedAt?: number;
  retryAt?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Without `timeout_seconds` a call is bounded by the step's own timeout only (setTimeout's maximum). */
const NO_TIMEOUT_MS = 2 ** 31 - 1;

/** The `_meta` key that carries the step's idempotency key to the server. */
export const IDEMPOTENCY_META_KEY = 'cairn/idempotency-key';

/** Failures that say the server is in trouble (the others are the call's own fault). */
const SERVER_FAILURE_CODES = new Set(['MCP_UNAVAILABLE', 'MCP_TIMEOUT']);

/** JSON-RPC error codes, as the SDK's ErrorCode enum has them. */
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;
const INTERNAL_ERROR = -32603;

/** Pages of `tools/list` read at most (a server that pages forever must not hang validation). */
const MAX_TOOL_PAGES = 50;

interface Entry {
  pending: Promise<McpConnection>;
  connection?: McpConnection;
  /** Stops an opening that has not finished (the pool is closing). */
  abort: AbortController;
}

type ServerBreaker = CountedBreaker;

export class McpClients implements McpCaller {
  private readonly connections = new Map<string, Entry>();
  private readonly breakers = new Map<string, ServerBreaker>();
  private readonly failures: number;
  private readonly halfOpenAfterMs: number;
  private readonly connectTimeoutMs: number;

  constructor(
    private readonly servers: Readonly<Record<string, McpServerSpec>>,
    options: McpClientsOptions = {},
  ) {
    this.failures = options.breaker?.failures ?? DEFAULT_BREAKER_FAILURES;
    this.halfOpenAfterMs = options.breaker?.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  /** The configured server names, sorted. */
  names(): string[] {
    return Object.keys(this.servers).sort();
  }

  has(server: string): boolean {
    return Object.hasOwn(this.servers, server);
  }

  /** Call a tool through the server's breaker; the result as the server sent it (`isError` included). */
  async call(server: string, call: McpToolCall, signal: AbortSignal): Promise<McpToolResult> {
    const spec = this.spec(server);
    const breaker = this.breakerFor(server);
    try {
      return await untilAborted(
        breaker.policy.execute(() => this.callOnce(server, spec, call, signal)),
        signal,
      );
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.openFailure(server, breaker);
      if (error instanceof ActionFailure) throw error;
      throw signal.aborted ? abortedFailure(signal.reason) : error;
    }
  }

  /** The tools a server offers, for validation: no breaker, everything within `timeoutMs`. */
  async tools(server: string, opts: { timeoutMs: number }): Promise<McpTool[]> {
    const spec = this.spec(server);
    const signal = AbortSignal.timeout(opts.timeoutMs);
    const { connection } = await this.connection(server, spec, signal, Math.min(opts.timeoutMs, this.connectTimeoutMs));
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MAX_TOOL_PAGES; page++) {
        const listed = await connection.client.listTools(cursor === undefined ? {} : { cursor }, { signal, timeout: opts.timeoutMs });
        tools.push(...listed.tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema as Record<string, unknown>, ...(t.description !== undefined ? { description: t.description } : {}) })));
        cursor = listed.nextCursor;
        if (cursor === undefined) break;
      }
    } catch (error) {
      throw await this.failure(server, connection, error, 'tools/list', opts.timeoutMs, signal);
    }
    return tools;
  }

  /** Every server's breaker, in the order first used. */
  breakerStates(): McpBreakerState[] {
    return [...this.breakers].map(([server, breaker]) => this.stateOf(server, breaker));
  }

  /**
   * Close every connection (stdio servers exit), and give up openings still under way
   * rather than wait for their handshake. The pool stays usable: a later call reconnects.
   */
  async close(): Promise<void> {
    const entries = [...this.connections.values()];
    this.connections.clear();
    for (const entry of entries) if (!entry.connection) entry.abort.abort(new Error('the MCP connection pool is closing'));
    await Promise.allSettled(entries.map(async (entry) => (await entry.pending).close()));
  }

  private spec(server: string): McpServerSpec {
    if (!this.has(server)) {
      const known = this.names();
      throw new ActionFailure(
        `no MCP server '${server}' in the configuration (${known.length === 0 ? 'mcp_servers is empty' : `configured: ${known.join(', ')}`})`,
        'MCP_UNKNOWN_SERVER',
        { server, known },
        false,
      );
    }
    return this.servers[server] as McpServerSpec;
  }

  private async callOnce(server: string, spec: McpServerSpec, call: McpToolCall, signal: AbortSignal): Promise<McpToolResult> {
    const params = {
      name: call.tool,
      arguments: call.arguments,
      ...(call.idempotencyKey !== undefined ? { _meta: { [IDEMPOTENCY_META_KEY]: call.idempotencyKey } } : {}),
    };
    const options = { signal, timeout: call.timeoutMs ?? NO_TIMEOUT_MS };
    const what = `tool '${call.tool}'`;
    let { connection, fresh } = await this.connection(server, spec, signal);
    try {
      return (await connection.client.callTool(params, undefined, options)) as McpToolResult;
    } catch (error) {
      // A pooled HTTP connection whose server restarted (session forgotten) or went away
      // while idle: the request never reached a tool, so once more on a new connection.
      if (fresh || signal.aborted || !neverDelivered(error)) throw await this.failure(server, connection, error, what, call.timeoutMs, signal);
      this.forget(server, connection);
      ({ connection, fresh } = await this.connection(server, spec, signal));
    }
    try {
      return (await connection.client.callTool(params, undefined, options)) as McpToolResult;
    } catch (error) {
      throw await this.failure(server, connection, error, what, call.timeoutMs, signal);
    }
  }

  /** The server's connection, opened when there is none; waiters share one opening. */
  private async connection(server: string, spec: McpServerSpec, signal: AbortSignal, waitMs = this.connectTimeoutMs): Promise<{ connection: McpConnection; fresh: boolean }> {
    let entry = this.connections.get(server);
    const fresh = entry?.connection === undefined;
    if (!entry) {
      const abort = new AbortController();
      const opening: Entry = {
        pending: McpConnection.open(server, spec, { timeoutMs: this.connectTimeoutMs, signal: abort.signal, onClose: (c) => this.forget(server, c) }),
        abort,
      };
      opening.pending.then(
        (connection) => (opening.connection = connection),
        () => {
          if (this.connections.get(server) === opening) this.connections.delete(server);
        },
      );
      this.connections.set(server, opening);
      entry = opening;
    }
    try {
      return { connection: await untilAborted(entry.pending, signal), fresh };
    } catch (error) {
      if (signal.aborted && !isTimeout(signal.reason)) throw abortedFailure(signal.reason);
      throw unreachable(server, spec, error, waitMs);
    }
  }

  /** Drop a broken connection so that the next call opens a new one. */
  private forget(server: string, connection: McpConnection): void {
    const entry = this.connections.get(server);
    if (entry?.connection === connection) this.connections.delete(server);
    if (!connection.closed) void connection.close();
  }

  /** What went wrong with a request on an open connection, as a step failure. */
  private async failure(server: string, connection: McpConnection, error: unknown, what: string, timeoutMs: number | undefined, signal: AbortSignal): Promise<ActionFailure> {
    // A step is stopped with a plain Error; only validation's own time limit is a TimeoutError.
    if (signal.aborted && !isTimeout(signal.reason)) return abortedFailure(signal.reason);
    const details = { server };
    const { McpError } = await loadSdk();
    if ((error instanceof McpError && error.code === REQUEST_TIMEOUT) || signal.aborted) {
      return new ActionFailure(`MCP server '${server}' did not answer ${what} within ${seconds(timeoutMs ?? 0)} s`, 'MCP_TIMEOUT', { ...details, timeoutMs });
    }
    if (error instanceof McpError && error.code !== CONNECTION_CLOSED) {
      // The server answered with a JSON-RPC error: it is up, and refused this request.
      return new ActionFailure(`MCP server '${server}' refused ${what}: ${error.message}`, 'MCP_REQUEST_FAILED', { ...details, mcpCode: error.code }, error.code === INTERNAL_ERROR);
    }
    this.forget(server, connection);
    await new Promise((r) => setImmediate(r)); // let the last stderr lines of an exiting server arrive
    const tail = connection.stderrTail();
    const why = error instanceof McpError ? 'the connection closed' : describeError(error);
    return new ActionFailure(`MCP server '${server}' failed during ${what}: ${why}${tail ? `; its stderr ends with:\n${tail}` : ''}`, 'MCP_UNAVAILABLE', details);
  }

  private breakerFor(server: string): ServerBreaker {
    const known = this.breakers.get(server);
    if (known) return known;
    const breaker = countedBreaker(
      handleWhen((error) => error instanceof ActionFailure && SERVER_FAILURE_CODES.has(error.code)),
      this.failures,
      this.halfOpenAfterMs,
    );
    this.breakers.set(server, breaker);
    return breaker;
  }

  private stateOf(server: string, breaker: ServerBreaker): McpBreakerState {
    return { server, ...readBreaker(breaker, this.halfOpenAfterMs) };
  }

  private openFailure(server: string, breaker: ServerBreaker): ActionFailure {
    const state = this.stateOf(server, breaker);
    const retryAt = state.retryAt ?? Date.now();
    const wait = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    const when = state.state === 'half-open' ? 'a trial call is in flight' : `the next call goes through at ${new Date(retryAt).toISOString()} (in ${wait} s)`;
    return new ActionFailure(
      `circuit open for MCP server '${server}' after ${state.failures} consecutive failures to reach it; ${when}`,
      'CIRCUIT_OPEN',
      { server, failures: state.failures, ...(state.openedAt !== undefined ? { openedAt: state.openedAt } : {}), retryAt },
    );
  }
}

/** The failure to open a connection: the server could not start, or did not answer the handshake. */
function unreachable(server: string, spec: McpServerSpec, error: unknown, timeoutMs: number): ActionFailure {
  const target = 'command' in spec ? `'${spec.command[0] ?? ''}'` : shownUrl(spec.url);
  const cause = error instanceof McpConnectError ? error.cause : error;
  const code = (cause as { code?: unknown }).code;
  const why =
    code === REQUEST_TIMEOUT || isTimeout(cause)
      ? `no answer to the initialize handshake within ${seconds(timeoutMs)} s`
      : code === CONNECTION_CLOSED
        ? 'it closed the connection during the initialize handshake'
        : describeError(cause);
  const tail = error instanceof McpConnectError ? error.stderr : '';
  return new ActionFailure(
    `cannot connect to MCP server '${server}' (${target}): ${why}${tail ? `; its stderr ends with:\n${tail}` : ''}`,
    'MCP_UNAVAILABLE',
    { server },
  );
}

/** True for errors that prove the request reached no tool: connection refused, or an unknown session (HTTP 404). */
function neverDelivered(error: unknown): boolean {
  const status = (error as { code?: unknown }).code;
  if (error instanceof Error && error.name !== 'McpError' && status === 404) return true;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The SDK's StreamableHTTPError carries the HTTP status as its code (JSON-RPC codes are negative).
  const status = (error as { code?: unknown }).code;
  if (typeof status === 'number' && status >= 100 && status < 600) return `${error.message} (HTTP ${status})`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail !== undefined && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message;
}

/** An endpoint as shown in messages: no credentials, no query (either may hold a token). */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'its url';
  }
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/**
 * While a trial call is in flight, cockatiel holds other callers until it ends, deaf to
 * their signals; and one step giving up must not cancel an opening others wait for.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  let stop = () => {};
  const aborted = new Promise<never>((_, reject) => {
    stop = () => reject(signal.reason as Error);
    signal.addEventListener('abort', stop, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', stop));
}

