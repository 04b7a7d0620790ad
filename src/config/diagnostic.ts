import { formatDiagnostic, type Diagnostic } from '../definition/index.js';

/**
 * A problem found in the configuration: the definition's diagnostic shape (file, line,
 * column, path, fix) with codes of its own. Codes are stable; messages may improve.
 */
export type ConfigDiagnostic = Omit<Diagnostic, 'code'> & { code: ConfigDiagnosticCode };

/** The catalogue of configuration diagnostics (docs/configuration.md lists them). */
export const CONFIG_DIAGNOSTIC_CODES = {
  CFG_READ: 'the file could not be read',
  CFG_AMBIGUOUS: 'more than one of cairn.yaml, cairn.yml and cairn.json in one directory',
  CFG_TOO_LARGE: 'the file is over 1 MiB',
  CFG_TOO_DEEP: 'nesting deeper than the parser allows',
  CFG_JSON_SYNTAX: 'not valid JSON',
  CFG_YAML_SYNTAX: 'not valid YAML',
  CFG_YAML_WARNING: 'YAML the parser accepted with a warning',
  CFG_DUPLICATE_KEY: 'a key appears twice in one mapping',
  CFG_ALIAS_LIMIT: 'too many YAML alias expansions (an "alias bomb")',
  CFG_UNSUPPORTED_VALUE: 'a value JSON cannot hold (cycle, binary, set, infinity)',
  CFG_TYPE: 'a value of the wrong type or shape',
  CFG_REQUIRED: 'a required field is missing',
  CFG_UNKNOWN_KEY: 'a key the configuration does not have',
  CFG_NAME: 'a name of a command, channel, pool or header that is not allowed',
  CFG_RESERVED: 'a section reserved for a later release: kept, not acted on',
  CFG_SHADOWS_BUILTIN: 'a named command with the name of a built-in command',
  CFG_UNKNOWN_BUILTIN: '`uses` names no built-in command',
  CFG_NESTED_COMMAND: '`uses` names another named command',
  CFG_ENV_MISSING: 'a `${env:NAME}` reference to a variable that is not set',
  CFG_ENV_REFERENCE: 'a malformed `${env:...}` reference',
  CFG_ENV_NOT_RESOLVED: '`${env:...}` where Cairn does not resolve it (kept as written)',
  CFG_ENV_VALUE: 'a CAIRN_* environment variable with a bad value',
  CFG_INTERNAL: 'a bug in Cairn while reading the configuration (please report it)',
} as const;

export type ConfigDiagnosticCode = keyof typeof CONFIG_DIAGNOSTIC_CODES;

/** What the top of the file must be; the found kind is appended. */
export const NOT_A_MAPPING = 'the configuration is a mapping of sections (store, defaults, commands, notify, pools)';

/** `file:line:col: error CFG_CODE: message`, and an indented fix line: the definition's format. */
export function formatConfigDiagnostic(d: ConfigDiagnostic): string {
  // formatDiagnostic reads the code only as text; its type names the definition codes.
  return formatDiagnostic({ ...d, code: d.code as string } as Diagnostic);
}

export function hasConfigErrors(diagnostics: readonly ConfigDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function configError(code: ConfigDiagnosticCode, message: string, path: (string | number)[] = [], fix?: string): ConfigDiagnostic {
  const d: ConfigDiagnostic = { severity: 'error', code, message, path };
  if (fix !== undefined) d.fix = fix;
  return d;
}
