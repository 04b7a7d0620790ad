import type { NewNote, Note, NoteHit } from '../engine/types.js';
import type { NetworkGuard } from './network-guard.js';
import type { ActionSpec } from './spec.js';

/**
 * A built-in command. Actions are tiny plugins behind this one interface: each file in
 * this folder exports one, its spec (specs/: name, parameters, ...) joined to its run().
 * They act on the world and report back; they decide nothing about the run (retries,
 * timeouts and ordering belong to the engine).
 */
export interface Action<P = Record<string, unknown>> extends ActionSpec<P> {
  run(ctx: ActionContext<P>): Promise<ActionResult>;
}

export interface ActionContext<P = Record<string, unknown>> {
  runId: string;
  /** Step run key: `id` or `id[n]` for a fan-out instance. */
  step: string;
  attempt: number;
  /** The same for every attempt of one step run: lets the target deduplicate. */
  idempotencyKey: string;
  parameters: P;
  /** Aborted on cancel or timeout; the action must stop promptly (kill its processes). */
  signal: AbortSignal;
  /** Stream a line to the run log. */
  log(stream: 'stdout' | 'stderr' | 'system', line: string): void;
  /** Default working directory (where the definition file lives). */
  workdir: string;
  /**
   * Tell Cairn the process group the action started, so that if this Cairn process dies,
   * the next one can stop it before running the step again.
   */
  onProcess?(pgid: number): void;
  /** Cairn's memory, for `remember` and `recall`. */
  memory?: Memory;
  /** A configured notification channel by name (`notify`); undefined when unknown. */
  channel?(name: string): NotifyChannel | undefined;
  /** Parameter values and step outputs the step may read (for `gate` evidence). */
  data?: Record<string, unknown>;
  /** Circuit breakers per target host (`http`; breakers.ts); without them every request goes out. */
  breakers?: HostBreakers;
  /** The configured MCP servers, pooled per process (`mcp`; mcp-clients.ts). */
  mcp?: McpCaller;
  /** Where `http` may connect (network-guard.ts); the application always sets it. */
  network?: NetworkGuard;
}

/** Calls tools on the configured MCP servers; see mcp-clients.ts. */
export interface McpCaller {
  /** Throws an ActionFailure (MCP_UNAVAILABLE, MCP_TIMEOUT, CIRCUIT_OPEN, ...) when the call cannot be made. */
  call(server: string, call: McpToolCall, signal: AbortSignal): Promise<McpToolResult>;
}

export interface McpToolCall {
  tool: string;
  arguments: Record<string, unknown>;
  /** Time limit of the call; without it only the step's own timeout applies. */
  timeoutMs?: number;
  /** Sent in the request's `_meta` so that the server may deduplicate a retried call. */
  idempotencyKey?: string;
}

/** A `tools/call` result, as the MCP specification defines it (the parts Cairn reads). */
export interface McpToolResult {
  content: Array<{ type: string; text?: string } & Record<string, unknown>>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** Sends a request through its host's circuit breaker; see breakers.ts. */
export interface HostBreakers {
  execute<T extends { status: number }>(url: string, send: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export interface Memory {
  add(note: NewNote): Promise<Note>;
  search(query: string, opts?: { limit?: number; category?: string }): Promise<NoteHit[]>;
}

/** Where `notify` sends a message: a JSON webhook, a Slack-compatible incoming webhook, or the run log. */
export type NotifyChannel =
  | { type: 'webhook'; url: string; headers?: Record<string, string> }
  | { type: 'slack'; url: string }
  | { type: 'log' };

export interface ActionResult {
  outputs: Record<string, unknown>;
}

/** A failure that is recorded on the step (as opposed to a bug in Cairn). */
export class ActionFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
    /** False when retrying cannot help (bad parameters). */
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'ActionFailure';
  }
}
