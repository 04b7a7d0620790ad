/**
 * A problem found in a definition, with where it is and how to fix it. Codes are stable:
 * scripts and tests match on them, messages may improve.
 */
export interface Diagnostic {
  severity: 'error' | 'warning';
  code: DiagnosticCode;
  message: string;
  file?: string;
  /** 1-based line and column, when the problem has a place in the file. */
  line?: number;
  col?: number;
  /** Keys and indexes from the document root to the offending value (as written in the file). */
  path: (string | number)[];
  /** What to change, when there is one obvious change. */
  fix?: string;
}

/** The catalogue of definition diagnostics (docs list them by these names). */
export const DIAGNOSTIC_CODES = {
  DEF_TOO_LARGE: 'the file is over the size limit',
  DEF_TOO_DEEP: 'nesting deeper than the parser allows',
  DEF_TOO_MANY_STEPS: 'more steps than `limits.max_steps` allows (default 10,000)',
  DEF_READ: 'the file could not be read',
  DEF_EMPTY: 'the file holds no definition',
  DEF_JSON_SYNTAX: 'not valid JSON',
  DEF_YAML_SYNTAX: 'not valid YAML',
  DEF_YAML_WARNING: 'YAML the parser accepted with a warning',
  DEF_DUPLICATE_KEY: 'a key appears twice in one mapping',
  DEF_ALIAS_LIMIT: 'too many YAML alias expansions (an "alias bomb")',
  DEF_UNSUPPORTED_VALUE: 'a value JSON cannot hold (cycle, binary, set, infinity)',
  DEF_TYPE: 'a value of the wrong type or shape',
  DEF_REQUIRED: 'a required field is missing',
  DEF_UNKNOWN_KEY: 'a key close to a known one: probably a typo',
  DEF_EXTRA_KEY: 'a key Cairn does not know, kept as metadata',
  DEF_DUPLICATE_STEP: 'two steps with one id',
  DEF_UNKNOWN_DEPENDENCY: 'depends_on names a step that does not exist',
  DEF_CYCLE: 'steps depend on each other in a cycle',
  DEF_BAD_EXPRESSION: 'an expression or template that does not compile',
  DEF_PARAMETER: 'a parameter declaration that contradicts itself',
  DEF_UNKNOWN_COMMAND: 'a command that is neither built in nor configured',
  DEF_COMMAND_PARAMETERS: "parameters the command's schema refuses",
  DEF_TEMPLATE_NOT_ALLOWED: 'a template where the command forbids one',
  DEF_UNKNOWN_PARAMETER: 'an expression reads a parameter that is not declared',
  DEF_UNKNOWN_NAME: 'an expression reads a name the context does not have',
  DEF_SECRET_NOT_ALLOWED: 'a secret read where it would be recorded or visible (only step parameters; a shell step only in `env`)',
  DEF_SECRET_UNRESOLVED: 'a secret the workflow reads is not set anywhere this Cairn looks (strict)',
  DEF_UNKNOWN_STEP: 'an expression reads a step that does not exist',
  DEF_NOT_UPSTREAM: 'an expression reads a step that may not have run yet',
  DEF_TIMEOUT: 'a timeout that is suspicious',
  DEF_NO_TIMEOUT: 'a step that could run forever',
  DEF_NO_ROLLBACK: 'a state-changing step without a rollback',
  DEF_UNKNOWN_POOL: 'a step takes a slot of a pool the configuration does not have',
  DEF_RUNS_ON: 'a step that only the engine node can run asks for a worker (`runs_on`)',
  DEF_UNKNOWN_MCP_SERVER: 'an `mcp` step names a server the configuration does not have',
  DEF_UNKNOWN_MCP_TOOL: 'an `mcp` step calls a tool its server does not offer',
  DEF_MCP_ARGUMENTS: "an `mcp` step's arguments do not match the tool's input schema",
  DEF_MCP_UNREACHABLE: 'an MCP server could not be reached to check a step (a warning below paranoid)',
  DEF_CONSTANT_CONDITION: 'a condition that reads nothing, so it never varies',
  DEF_CRON: 'a cron expression that does not parse, or never fires',
  DEF_TIMEZONE: 'a time zone that is not an IANA name this system knows',
  DEF_TRIGGER_PARAMETER: "a trigger's parameters do not fit the workflow's parameters",
  DEF_TRIGGER_SECRET: 'a webhook secret that is not an ${env:NAME} reference',
  DEF_INTERNAL: 'a bug in Cairn while checking the definition (please report it)',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** `file:line:col: error DEF_CODE: message` and, when there is one, an indented fix line. */
export function formatDiagnostic(d: Diagnostic): string {
  const place = [d.file, d.line, d.line !== undefined ? d.col : undefined].filter((p) => p !== undefined).join(':');
  const head = `${place ? `${place}: ` : ''}${d.severity} ${d.code}: ${d.message}`;
  return d.fix ? `${head}\n  fix: ${d.fix.replace(/\n/g, '\n       ')}` : head;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
