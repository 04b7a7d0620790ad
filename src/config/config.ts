import type { ValidationLevel } from '../definition/index.js';
import type { RetryPolicy } from '../engine/types.js';

/**
 * The configuration of one Cairn installation, as the rest of Cairn sees it: camelCase,
 * validated, `${env:NAME}` references resolved, environment overrides applied. Values
 * left undefined mean "the built-in default of whoever uses it" (docs/configuration.md).
 */
export interface Config {
  store: StoreConfig;
  defaults: Defaults;
  /** Named commands by name, e.g. `hv-delegate` -> `task` with an assignee. */
  commands: Record<string, NamedCommand>;
  notify: { channels: Record<string, NotifyChannel> };
  pools: Record<string, Pool>;
  /** Attempts of a built-in command that may run at once in one process (bulkheads), by command. */
  concurrency: Record<string, number>;
  /** Circuit breakers of `http` steps; unset fields mean the built-in defaults (5 failures, 30 s). */
  circuitBreaker: CircuitBreakerConfig;
  /** Where `http` steps may connect: allow and deny lists (cloud metadata is refused unless allowed). */
  network: { allow: string[]; deny: string[] };
  /** Caps with clear errors (`limits:`); every field has its default filled in. */
  limits: Limits;
  /** `cairn serve` settings (flags win over them). */
  server: ServerConfig;
  /** MCP servers that `mcp` steps call, by name (`mcp_servers:`). */
  mcpServers: Record<string, McpServerConfig>;
  /** How long finished runs, logs and audit entries are kept (ms); unset keeps them. */
  retention: RetentionConfig;
  /** Where secrets come from besides the environment (absolute paths). */
  secrets: { file?: string; keyFile?: string };
  /** Sections later releases give meaning to, as written. */
  reserved: Record<string, unknown>;
}

export interface RetentionConfig {
  runsMs?: number;
  logsMs?: number;
  auditMs?: number;
  sweepEveryMs?: number;
}

export interface ServerConfig {
  host?: string;
  port?: number;
  /** A folder of definitions, absolute. */
  workflows?: string;
  corsOrigins?: string[];
  bodyLimitBytes?: number;
  rateLimit?: { max: number; windowMs: number };
  failedAuth?: { max: number; windowMs: number };
  shutdownGraceMs?: number;
  allowPrivateWebhooks?: boolean | string[];
  /** WebSocket clients of /api/v1/events at once (default 1,000). */
  maxWebsocketClients?: number;
}

/** Caps that keep one workflow, run or client from exhausting the rest (docs/configuration.md#limits). */
export interface Limits {
  /** Steps per workflow definition (default 10,000). */
  maxSteps: number;
  /** Size of a run's parameters as JSON, in bytes (default 1 MiB). */
  maxParametersBytes: number;
  /** Size of one step's outputs as JSON, in bytes (default 1 MiB). */
  maxOutputBytes: number;
  /** Log bytes kept per step attempt; the rest is dropped with a note (default 10 MiB). */
  maxLogBytesPerStep: number;
  /** Unfinished runs at once in the store; undefined means no cap. */
  maxConcurrentRuns?: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxSteps: 10_000,
  maxParametersBytes: 1024 * 1024,
  maxOutputBytes: 1024 * 1024,
  maxLogBytesPerStep: 10 * 1024 * 1024,
};

export const SYNCHRONOUS_MODES = ['off', 'normal', 'full', 'extra'] as const;
export type SynchronousMode = (typeof SYNCHRONOUS_MODES)[number];

export const ROLLBACK_STRATEGIES = ['immediate', 'graceful', 'checkpoint', 'manual'] as const;
export type RollbackStrategy = (typeof ROLLBACK_STRATEGIES)[number];

export interface StoreConfig {
  /** A SQLite file (absolute; relative paths are resolved) or a `postgres://` URL. Default: the store's. */
  path?: string;
  /** SQLite `synchronous`. Default: the store's (`normal`). */
  synchronous?: SynchronousMode;
}

export interface Defaults {
  /** Applies to steps that set no `timeout_seconds`. Default: none. */
  timeoutSeconds?: number;
  /** Applies to steps that set no `retry`. Default: the definition's (one attempt). */
  retry?: RetryPolicy;
  validationLevel: ValidationLevel;
  rollbackStrategy: RollbackStrategy;
}

/** A name that stands for a built-in command with preset parameters. */
export interface NamedCommand {
  uses: string;
  parameters: Record<string, unknown>;
  description?: string;
}

/**
 * Where `notify` sends a message. The same shape as actions' `NotifyChannel`, defined again
 * here because config/ may not depend on actions/; the application maps one onto the other.
 */
export type NotifyChannel =
  | { type: 'webhook'; url: string; headers?: Record<string, string> }
  | { type: 'slack'; url: string }
  | { type: 'log' };

export interface Pool {
  slots: number;
  description?: string;
}

/**
 * An MCP server: a program Cairn starts and talks to over stdio, or a Streamable HTTP
 * endpoint. `${env:NAME}` references are resolved. The same shape as actions'
 * `McpServerSpec`, defined again here because config/ may not depend on actions/.
 */
export type McpServerConfig =
  | {
      /** The program and its arguments, exactly: no shell. */
      command: string[];
      /** Variables set for the program, besides the few safe ones it inherits (HOME, PATH, ...). */
      env: Record<string, string>;
      /** Absolute; the configuration file's directory unless set. */
      cwd: string;
      description?: string;
    }
  | { url: string; headers: Record<string, string>; description?: string };

export interface CircuitBreakerConfig {
  /** Consecutive failures that open a host's breaker. */
  failures?: number;
  /** How long an open breaker waits before a trial request. */
  halfOpenAfterMs?: number;
}

export const BUILTIN_VALIDATION_LEVEL: ValidationLevel = 'standard';
export const BUILTIN_ROLLBACK_STRATEGY: RollbackStrategy = 'immediate';

/** The configuration with no file, no environment and no flags. */
export function defaultConfig(): Config {
  return {
    store: {},
    defaults: { validationLevel: BUILTIN_VALIDATION_LEVEL, rollbackStrategy: BUILTIN_ROLLBACK_STRATEGY },
    commands: {},
    notify: { channels: {} },
    pools: {},
    concurrency: {},
    circuitBreaker: {},
    network: { allow: [], deny: [] },
    limits: { ...DEFAULT_LIMITS },
    server: {},
    mcpServers: {},
    retention: {},
    secrets: {},
    reserved: {},
  };
}
