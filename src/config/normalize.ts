import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_RETRY, durationMs } from '../definition/index.js';
import type { RetryPolicy } from '../engine/types.js';
import { defaultConfig, type Config, type McpServerConfig, type NotifyChannel } from './config.js';
import { AGE_PATTERN, RESERVED_SECTIONS, type ConfigInput } from './schema.js';

type RetryInput = NonNullable<NonNullable<ConfigInput['defaults']>['retry']>;

/**
 * Schema-valid data (snake_case, `${env:}` already resolved) to the camelCase `Config`.
 * `dir` is the directory of the file: a relative store path is relative to it, so the
 * configuration means the same thing whichever directory Cairn is started from.
 */
export function normalizeConfig(input: ConfigInput, dir: string): Config {
  const config = defaultConfig();
  const store = input.store ?? {};
  if (store.path !== undefined) config.store.path = storeLocation(store.path, dir);
  if (store.synchronous !== undefined) config.store.synchronous = store.synchronous;

  const defaults = input.defaults ?? {};
  if (defaults.timeout_seconds !== undefined) config.defaults.timeoutSeconds = defaults.timeout_seconds;
  if (defaults.retry !== undefined) config.defaults.retry = retryPolicy(defaults.retry);
  if (defaults.validation_level !== undefined) config.defaults.validationLevel = defaults.validation_level;
  if (defaults.rollback_strategy !== undefined) config.defaults.rollbackStrategy = defaults.rollback_strategy;

  for (const [name, command] of Object.entries(input.commands ?? {})) {
    define(config.commands, name, { uses: command.uses, parameters: { ...(command.parameters ?? {}) }, ...(command.description !== undefined ? { description: command.description } : {}) });
  }
  for (const [name, channel] of Object.entries(input.notify?.channels ?? {})) define(config.notify.channels, name, notifyChannel(channel));
  for (const [name, pool] of Object.entries(input.pools ?? {})) {
    define(config.pools, name, { slots: pool.slots, ...(pool.description !== undefined ? { description: pool.description } : {}) });
  }
  for (const [command, limit] of Object.entries(input.concurrency ?? {})) define(config.concurrency, command, limit);
  const breaker = input.circuit_breaker ?? {};
  if (breaker.failures !== undefined) config.circuitBreaker.failures = breaker.failures;
  if (breaker.half_open_after !== undefined) config.circuitBreaker.halfOpenAfterMs = durationMs(breaker.half_open_after);
  if (input.network?.allow) config.network.allow = [...input.network.allow];
  if (input.network?.deny) config.network.deny = [...input.network.deny];
  const limits = input.limits ?? {};
  if (limits.max_steps !== undefined) config.limits.maxSteps = limits.max_steps;
  if (limits.max_parameters_bytes !== undefined) config.limits.maxParametersBytes = limits.max_parameters_bytes;
  if (limits.max_output_bytes !== undefined) config.limits.maxOutputBytes = limits.max_output_bytes;
  if (limits.max_log_bytes_per_step !== undefined) config.limits.maxLogBytesPerStep = limits.max_log_bytes_per_step;
  if (limits.max_concurrent_runs !== undefined) config.limits.maxConcurrentRuns = limits.max_concurrent_runs;
  const server = input.server ?? {};
  const window = (w: { max: number; per?: number | string }) => ({ max: w.max, windowMs: w.per === undefined ? 60_000 : durationMs(w.per) });
  if (server.host !== undefined) config.server.host = server.host;
  if (server.port !== undefined) config.server.port = server.port;
  if (server.workflows !== undefined) config.server.workflows = resolve(dir, server.workflows);
  if (server.cors_origins !== undefined) config.server.corsOrigins = server.cors_origins;
  if (server.body_limit !== undefined) config.server.bodyLimitBytes = server.body_limit;
  if (server.rate_limit !== undefined) config.server.rateLimit = window(server.rate_limit);
  if (server.failed_auth !== undefined) config.server.failedAuth = window(server.failed_auth);
  if (server.shutdown_grace !== undefined) config.server.shutdownGraceMs = durationMs(server.shutdown_grace);
  if (server.webhooks?.allow_private !== undefined) config.server.allowPrivateWebhooks = server.webhooks.allow_private;
  if (server.max_websocket_clients !== undefined) config.server.maxWebsocketClients = server.max_websocket_clients;
  for (const [name, server] of Object.entries(input.mcp_servers ?? {})) define(config.mcpServers, name, mcpServer(server, dir));
  const retention = input.retention ?? {};
  if (retention.runs !== undefined) config.retention.runsMs = ageMs(retention.runs);
  if (retention.logs !== undefined) config.retention.logsMs = ageMs(retention.logs);
  if (retention.audit !== undefined) config.retention.auditMs = ageMs(retention.audit);
  if (retention.sweep_every !== undefined) config.retention.sweepEveryMs = ageMs(retention.sweep_every);
  if (input.secrets?.file !== undefined) config.secrets.file = resolve(dir, input.secrets.file);
  if (input.secrets?.key_file !== undefined) config.secrets.keyFile = resolve(dir, input.secrets.key_file);
  for (const section of RESERVED_SECTIONS) {
    if (input[section] !== undefined) config.reserved[section] = input[section];
  }
  return config;
}

/** A file path is made absolute against `base`; URLs and `:memory:` are kept as written. */
export function storeLocation(location: string, base: string): string {
  if (/^postgres(ql)?:\/\//i.test(location) || location === ':memory:' || isAbsolute(location)) return location;
  return resolve(base, location);
}

/** The step `retry` format into the engine's policy, with the definition's defaults. */
function retryPolicy(input: RetryInput): RetryPolicy {
  if (typeof input === 'number') return { ...DEFAULT_RETRY, maxAttempts: input };
  const initialDelayMs = input.initial_delay === undefined ? DEFAULT_RETRY.initialDelayMs : durationMs(input.initial_delay);
  return {
    maxAttempts: input.max_attempts ?? DEFAULT_RETRY.maxAttempts,
    backoff: input.backoff ?? DEFAULT_RETRY.backoff,
    initialDelayMs,
    maxDelayMs: input.max_delay === undefined ? Math.max(DEFAULT_RETRY.maxDelayMs, initialDelayMs) : durationMs(input.max_delay),
    jitter: input.jitter ?? DEFAULT_RETRY.jitter,
  };
}

function notifyChannel(input: NonNullable<NonNullable<ConfigInput['notify']>['channels']>[string]): NotifyChannel {
  switch (input.type) {
    case 'webhook':
      return input.headers === undefined ? { type: 'webhook', url: input.url } : { type: 'webhook', url: input.url, headers: { ...input.headers } };
    case 'slack':
      return { type: 'slack', url: input.url };
    case 'log':
      return { type: 'log' };
  }
}

/** A stdio server runs in the file's directory unless it says otherwise, wherever Cairn starts. */
function mcpServer(input: NonNullable<ConfigInput['mcp_servers']>[string], dir: string): McpServerConfig {
  const description = input.description !== undefined ? { description: input.description } : {};
  if (input.command !== undefined) {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(input.env ?? {})) define(env, name, String(value));
    return { command: [...input.command], env, cwd: resolve(dir, input.cwd ?? '.'), ...description };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) define(headers, name, value);
  return { url: input.url ?? '', headers, ...description };
}

/** Names come from the file: `__proto__` is a valid one and must stay a plain key. */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const AGE_UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `30d` in milliseconds (the schema has checked the form). */
function ageMs(text: string): number {
  const match = AGE_PATTERN.exec(text);
  return match ? Math.round(Number(match[1]) * AGE_UNIT_MS[match[2] as keyof typeof AGE_UNIT_MS]) : 0;
}
