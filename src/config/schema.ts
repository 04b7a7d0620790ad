import { z } from 'zod';
import { VALIDATION_LEVELS, workflowSchema, type ValidationLevel } from '../definition/index.js';
import { DURATION_PATTERN } from '../definition/schema.js';
import { ROLLBACK_STRATEGIES, SYNCHRONOUS_MODES } from './config.js';

/**
 * The configuration file format, once: validation, the JSON Schema
 * (schema/config.schema.json) and "did you mean" all come from here. Keys are snake_case as
 * users write them; normalize.ts turns a parsed value into the camelCase `Config`.
 *
 * Every object is strict: a key the configuration does not know is an error, because a
 * setting that is silently ignored is worse than one that stops Cairn from starting.
 */

/** Names of named commands, channels and pools: `hv-delegate`, `ops.pager`, `deploys`. */
export const CONFIG_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** The sections later releases give meaning to: accepted and kept, with a warning. */
export const RESERVED_SECTIONS = [] as const;

/** A retention age: `90m`, `12h`, `30d`, `2w`. */
export const AGE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(m|h|d|w)\s*$/;

/** Where `${env:NAME}` references are resolved (see env-references.ts). */
export const ENV_REFERENCE_START = '${env:';

/** An environment variable name. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function build() {
  // A step's `retry` and `timeout_seconds`, so a default is written exactly like a step's own.
  const stepFields = workflowSchema().shape.steps.element.shape;
  const levels = VALIDATION_LEVELS as readonly ValidationLevel[] as [ValidationLevel, ...ValidationLevel[]];
  const name = (what: string) =>
    z.string().regex(CONFIG_NAME_PATTERN, { error: `a ${what} name is letters, digits, _, - and ., starting with a letter or _ (at most 128)` });
  // An empty section (`commands:` with every entry commented out) is YAML null: accept it.
  const section = <T extends z.ZodType>(schema: T) => schema.nullable().optional();
  const url = z
    .string({ error: 'expected a URL' })
    .refine((s) => s.includes(ENV_REFERENCE_START) || isHttpUrl(s), { error: 'expected an http:// or https:// URL, or a ${env:NAME} reference' })
    .describe('An http:// or https:// URL; may hold ${env:NAME} references, resolved when Cairn starts.');

  const store = z
    .strictObject({
      path: z.string().min(1).optional().describe('The store: a SQLite file (relative to this file) or a postgres:// URL. Default .cairn/cairn.db.'),
      synchronous: z.enum(SYNCHRONOUS_MODES).optional().describe('SQLite `synchronous`: off, normal (default), full or extra (see docs/durability.md).'),
    })
    .describe('Where runs are kept.');

  const defaults = z
    .strictObject({
      timeout_seconds: stepFields.timeout_seconds.describe('Timeout of steps that set no timeout_seconds. Default: none.'),
      retry: stepFields.retry.describe('Retry policy of steps that set no retry (a number of attempts or {max_attempts, backoff, initial_delay, max_delay, jitter}).'),
      validation_level: z.enum(levels).optional().describe('Validation level of `cairn run` and `cairn validate`: basic, standard (default), strict or paranoid.'),
      rollback_strategy: z.enum(ROLLBACK_STRATEGIES).optional().describe('How a failed run is undone when rollback is enabled: immediate (default), graceful, checkpoint or manual.'),
    })
    .describe('Defaults for workflows and runs.');

  const command = z
    .strictObject({
      uses: z.string({ error: 'a named command needs `uses`: the built-in command it stands for' }).min(1).describe('The built-in command this name stands for (shell, http, task, notify, ...).'),
      parameters: z.record(z.string(), z.unknown(), { error: 'expected a mapping of parameter names to values' }).optional().describe("Preset parameters; a step's own parameters win (plain mappings are merged, lists replaced)."),
      description: z.string().optional().describe('What the command does, shown in listings.'),
    })
    .describe('A name that stands for a built-in command with preset parameters.');

  const channel = z
    .discriminatedUnion('type', [
      z
        .strictObject({
          type: z.literal('webhook'),
          url,
          headers: z.record(z.string().regex(HEADER_NAME, { error: 'an HTTP header name is letters, digits and !#$%&\'*+.^_`|~-' }), z.string({ error: 'expected a header value (a string)' }).regex(/^[^\r\n]*$/, { error: 'a header value cannot hold a line break' })).optional().describe('Extra HTTP headers; values may hold ${env:NAME} references (secrets).'),
        })
        .describe('POST a JSON message to a URL.'),
      z.strictObject({ type: z.literal('slack'), url }).describe('A Slack-compatible incoming webhook.'),
      z.strictObject({ type: z.literal('log') }).describe("Write the message to the run's log."),
    ])
    .describe('A notification channel: webhook, slack or log.');

  const pool = z
    .strictObject({
      slots: z.int({ error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? 'expected a whole number of slots' : undefined) }).min(1).describe('How many holders the pool admits at once.'),
      description: z.string().optional().describe('What the pool guards.'),
    })
    .describe('A pool of interchangeable slots (`pool: deploys` on a step).');

  const slots = z
    .int({ error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? 'expected a whole number of attempts' : undefined) })
    .min(1)
    .describe('Attempts of this command that may run at once in one Cairn process.');

  const durationError = 'expected a duration: seconds as a number, or a string such as "500ms", "30s", "1m"';
  const breaker = z
    .strictObject({
      failures: z.int({ error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? 'expected a whole number of failures' : undefined) }).min(1).optional().describe('Consecutive failures (network errors, timeouts, 5xx) that open a host\'s breaker. Default 5.'),
      half_open_after: z
        .union([z.number().nonnegative(), z.string().regex(DURATION_PATTERN, { error: durationError })], { error: durationError })
        .optional()
        .describe('How long an open breaker fails requests at once before letting one trial through: seconds, or "30s", "1m". Default 30s.'),
    })
    .describe('Circuit breakers of `http` steps (one per target host) and `mcp` steps (one per server), per process (docs/observability.md).');

  const perWindow = (what: string) =>
    z
      .strictObject({
        max: z.int({ error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? `expected a whole number of ${what}` : undefined) }).min(1),
        per: z.union([z.number().positive(), z.string().regex(DURATION_PATTERN, { error: durationError })], { error: durationError }).optional().describe('The window: seconds, or "1m". Default 1m.'),
      })
      .describe(`At most \`max\` ${what} per window.`);
  const server = z
    .strictObject({
      host: z.string().min(1).optional().describe('Address to listen on (default 127.0.0.1). A non-loopback address needs an API key to exist first.'),
      port: z.int().min(0).max(65535).optional().describe('TCP port (default 8900).'),
      workflows: z.string().min(1).optional().describe('A folder of definitions to load and watch (relative to this file).'),
      cors_origins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, { error: 'an origin is scheme://host[:port], such as https://ops.example.com' })).optional().describe('Browser origins allowed to call the API (exact matches). CORS is off without them.'),
      body_limit: z.int().min(1024).max(64 * 1024 * 1024).optional().describe('Largest request body in bytes (default 1 MiB).'),
      rate_limit: perWindow('requests per API key (or address, before authentication)').optional(),
      failed_auth: perWindow('failed authentications per address before it is refused for the rest of the window').optional(),
      shutdown_grace: z.union([z.number().nonnegative(), z.string().regex(DURATION_PATTERN, { error: durationError })], { error: durationError }).optional().describe('On SIGTERM, how long running steps may take to finish (default 30s).'),
      max_websocket_clients: z.int().min(1).optional().describe('WebSocket clients of /api/v1/events at once (default 1000); one more is refused with 503 TOO_MANY_CLIENTS.'),
      webhooks: z
        .strictObject({
          allow_private: z
            .union([z.boolean(), z.array(z.string().min(1))])
            .optional()
            .describe('Let webhooks reach addresses inside the network: true for all, or a list of CIDRs, addresses and host names. Default false (SSRF protection).'),
        })
        .optional(),
    })
    .describe('`cairn serve` settings; command-line flags win over them (docs/server.md).');

  const headers = z
    .record(z.string().regex(HEADER_NAME, { error: 'an HTTP header name is letters, digits and !#$%&\'*+.^_`|~-' }), z.string({ error: 'expected a header value (a string)' }).regex(/^[^\r\n]*$/, { error: 'a header value cannot hold a line break' }))
    .optional();
  const mcpServer = z
    .strictObject({
      command: z
        .array(z.string({ error: 'each item of `command` is one argument (a string)' }).min(1), { error: (issue) => (issue.code === 'invalid_type' ? 'expected a list: the program and its arguments, e.g. [npx, -y, my-server] (run without a shell)' : undefined) })
        .min(1)
        .optional()
        .describe('A stdio server: the program and its arguments, exactly (no shell). Workflows cannot change it.'),
      env: z
        .record(z.string().regex(ENV_NAME, { error: 'an environment variable name is letters, digits and _, not starting with a digit' }), z.union([z.string(), z.number(), z.boolean()], { error: 'expected a value (a string)' }))
        .optional()
        .describe('Environment variables of a stdio server (besides HOME, PATH, USER, ...); values may hold ${env:NAME} references.'),
      cwd: z.string().min(1).optional().describe("Working directory of a stdio server (relative to this file). Default: this file's directory."),
      url: z
        .string({ error: 'expected a URL' })
        .refine((s) => s.includes(ENV_REFERENCE_START) || isHttpUrl(s), { error: 'expected an http:// or https:// URL, or a ${env:NAME} reference' })
        .optional()
        .describe('A Streamable HTTP server: its endpoint (http or https); may hold ${env:NAME} references.'),
      headers: headers.describe('HTTP headers sent to a Streamable HTTP server; values may hold ${env:NAME} references (tokens).'),
      description: z.string().optional().describe('What the server offers, shown in listings.'),
    })
    .superRefine((server, ctx) => {
      const stdio = server.command !== undefined;
      const http = server.url !== undefined;
      if (stdio && http) ctx.addIssue({ code: 'custom', message: 'a server has either `command` (stdio) or `url` (Streamable HTTP), not both', path: ['url'] });
      if (!stdio && !http) ctx.addIssue({ code: 'custom', message: 'a server needs `command` (a stdio program, e.g. [npx, -y, my-server]) or `url` (a Streamable HTTP endpoint)' });
      for (const key of ['env', 'cwd'] as const) {
        if (http && !stdio && server[key] !== undefined) ctx.addIssue({ code: 'custom', message: `\`${key}\` applies to a stdio server (one with \`command\`), not to a url`, path: [key] });
      }
      if (stdio && !http && server.headers !== undefined) ctx.addIssue({ code: 'custom', message: '`headers` applies to a Streamable HTTP server (one with `url`), not to a command', path: ['headers'] });
    })
    .describe('An MCP server that `mcp` steps call: a stdio `command`, or a Streamable HTTP `url`.');

  const networkEntry = z
    .string({ error: 'expected a CIDR (10.0.0.0/8), an IP address or a host name' })
    .regex(/^(private|[0-9A-Za-z_.:[\]-]+(\/\d{1,3})?)$/, { error: 'expected a CIDR (10.0.0.0/8), an IP address, a host name, or `private`' });
  const network = z
    .strictObject({
      allow: z.array(networkEntry).optional().describe('CIDRs, addresses and host names `http` steps may always reach, even a cloud metadata address.'),
      deny: z.array(networkEntry).optional().describe('CIDRs, addresses and host names `http` steps may not reach; `private` for every non-public range (loopback, 10/8, ...).'),
    })
    .describe('Where `http` steps may connect. Cloud metadata addresses (169.254.169.254, ...) are refused unless allowed (docs/configuration.md).');

  const bytes = (what: string) => z.int({ error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? 'expected a whole number of bytes' : undefined) }).min(1024).describe(what);
  const limits = z
    .strictObject({
      max_steps: z.int({ error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? 'expected a whole number of steps' : undefined) }).min(1).optional().describe('Steps per workflow definition (default 10000).'),
      max_parameters_bytes: bytes("Size of a run's parameters as JSON, in bytes (default 1048576).").optional(),
      max_output_bytes: bytes("Size of one step's outputs as JSON, in bytes (default 1048576).").optional(),
      max_log_bytes_per_step: bytes('Log bytes kept per step attempt; the rest is dropped with a note line (default 10485760).').optional(),
      max_concurrent_runs: z.int({ error: (issue) => (issue.code === 'invalid_type' && issue.input !== undefined ? 'expected a whole number of runs' : undefined) }).min(1).optional().describe('Unfinished runs at once; a start beyond it is refused with TOO_MANY_RUNS (default: no cap).'),
    })
    .describe('Caps with clear errors (docs/configuration.md).');

  const ageError = 'expected an age such as "90m", "12h", "30d" or "2w"';
  const age = (what: string) => z.string().regex(AGE_PATTERN, { error: ageError }).optional().describe(what);
  const retention = z
    .strictObject({
      runs: age('Delete finished runs (with their events, steps, logs and outputs) this long after they finished, e.g. "30d". Default: keep.'),
      logs: age('Delete the log lines of finished runs this old (shorter than `runs`), e.g. "7d". Default: keep.'),
      audit: age('Delete audit entries this old, e.g. "365d". Default: keep.'),
      sweep_every: age('How often `cairn serve` applies retention. Default "1h".'),
    })
    .describe('How long finished runs, their logs and the audit trail are kept (`cairn serve` sweeps; `cairn prune` on demand).');
  const secrets = z
    .strictObject({
      file: z.string().min(1).optional().describe('A YAML or JSON file of NAME: value pairs; refused when its group or others may read it (chmod 600). Relative to this file.'),
      key_file: z.string().min(1).optional().describe('A file holding the master key (base64 of 32 random bytes) that encrypts the secrets kept in the store; CAIRN_MASTER_KEY wins. Relative to this file.'),
    })
    .describe('Where `${{ secrets.NAME }}` values come from besides CAIRN_SECRET_NAME (docs/secrets.md).');

  return z
    .strictObject({
      $schema: z.string().optional().describe('The JSON Schema of this file, for editors.'),
      store: section(store),
      defaults: section(defaults),
      commands: section(z.record(name('command'), command).describe('Named commands: a name -> a built-in command with preset parameters.')),
      notify: section(
        z
          .strictObject({ channels: section(z.record(name('channel'), channel).describe('Channels by name.')) })
          .describe('Where `notify` steps send messages.'),
      ),
      pools: section(z.record(name('pool'), pool).describe('Pools by name.')),
      concurrency: section(
        z
          .record(name('command'), slots)
          .describe('Bulkheads: built-in command -> attempts that may run at once in one process (e.g. `{ http: 4, shell: 8 }`); the rest wait their turn.'),
      ),
      circuit_breaker: section(breaker),
      network: section(network),
      limits: section(limits),
      mcp_servers: section(z.record(name('MCP server'), mcpServer).describe('MCP servers by name, for `mcp` steps (docs/workflows.md). Only the configuration defines them.')),
      retention: section(retention),
      secrets: section(secrets),
      server: section(server),
    })
    .describe('The Cairn configuration file (cairn.yaml, cairn.yml or cairn.json).');
}

export function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export type ConfigSchema = ReturnType<typeof build>;
export type ConfigInput = z.infer<ConfigSchema>;

let built: ConfigSchema | undefined;

/** Built on first use so importing this module stays cheap. */
export function configSchema(): ConfigSchema {
  built ??= build();
  return built;
}

