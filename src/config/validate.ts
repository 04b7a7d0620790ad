import type { SourcePositions } from '../definition/index.js';
import { checkCommands } from './commands.js';
import { checkConcurrency } from './concurrency.js';
import { defaultConfig, type Config } from './config.js';
import { configError, hasConfigErrors, NOT_A_MAPPING, type ConfigDiagnostic } from './diagnostic.js';
import { isResolvedPath, resolveChannelSecrets, unresolvedReferences, type Environment } from './env-references.js';
import { issueDiagnostics, label, valueAt } from './issues.js';
import { isMcpSecretPath, resolveMcpSecrets } from './mcp-secrets.js';
import { normalizeConfig } from './normalize.js';
import { configSchema, ENV_REFERENCE_START, RESERVED_SECTIONS, type ConfigInput } from './schema.js';

export interface ValidateConfigOptions {
  /** The names of the built-in commands (`shell`, `http`, `task`, ...): named commands map onto these. */
  builtins: readonly string[];
  /** Where `${env:NAME}` references are looked up. Default: none set. */
  env?: Environment;
  /** Shown in diagnostics. */
  file?: string;
  /** From a data path back to line and column, when the data came from a file. */
  positions?: SourcePositions;
  /** Directory a relative `store.path` is relative to (the file's). Default: the process's. */
  dir?: string;
}

export interface ValidatedConfig {
  /** The configuration; all defaults when there are errors (the caller must then refuse to start). */
  config: Config;
  diagnostics: ConfigDiagnostic[];
}

/** Problems with a key (rather than its value) point at the key. */
const KEY_CODES = new Set<ConfigDiagnostic['code']>(['CFG_UNKNOWN_KEY', 'CFG_NAME', 'CFG_RESERVED', 'CFG_SHADOWS_BUILTIN']);

/**
 * Check configuration data as read from a file (snake_case) and turn it into a `Config`.
 * Pure but for the environment it is handed: no file access. Never throws for bad data.
 */
export function validateConfig(data: unknown, options: ValidateConfigOptions): ValidatedConfig {
  const found: { d: ConfigDiagnostic; within?: number }[] = [];
  const place = () => inFileOrder(found.map(({ d, within }) => placed(d, options, within)));
  if (data === undefined || data === null) return { config: defaultConfig(), diagnostics: [] };
  if (typeof data !== 'object' || Array.isArray(data)) {
    found.push({ d: configError('CFG_TYPE', `${NOT_A_MAPPING}; found ${Array.isArray(data) ? 'a list' : `a ${typeof data}`}`) });
    return { config: defaultConfig(), diagnostics: place() };
  }
  const raw = data as Record<string, unknown>;
  const schema = configSchema();
  const result = schema.safeParse(raw);
  if (!result.success) for (const d of issueDiagnostics(result.error.issues, raw, schema)) found.push({ d });
  for (const section of RESERVED_SECTIONS) {
    if (raw[section] !== undefined) {
      found.push({ d: { severity: 'warning', code: 'CFG_RESERVED', message: `'${section}' is reserved for a later release: kept, but this version of Cairn does not act on it`, path: [section] } });
    }
  }
  for (const d of checkCommands(raw.commands, options.builtins)) found.push({ d });
  for (const d of checkConcurrency(raw.concurrency, options.builtins, raw.commands)) found.push({ d });
  const channels = resolveChannelSecrets(raw, options.env ?? {});
  const resolved = resolveMcpSecrets(channels.data, options.env ?? {});
  found.push(...[...channels.problems, ...resolved.problems].map((p) => ({ d: p.diagnostic, within: p.within })));
  for (const path of unresolvedReferences(raw, (p) => isResolvedPath(p) || isMcpSecretPath(p) || isReservedSection(p))) {
    const within = String(valueAt(raw, path)).indexOf(ENV_REFERENCE_START);
    found.push({ d: { severity: 'warning', code: 'CFG_ENV_NOT_RESOLVED', message: `${label(path)}: \${env:...} is resolved only in urls, headers and env of notify channels and mcp_servers; here it stays as written`, path }, within });
  }

  const diagnostics = place();
  if (!result.success || hasConfigErrors(diagnostics)) return { config: defaultConfig(), diagnostics };
  // Normalize the data as written (zod's copy of a mapping may lose a `__proto__` key).
  return { config: normalizeConfig(resolved.data as ConfigInput, options.dir ?? process.cwd()), diagnostics };
}

/** Reserved sections are kept as written for the release that gives them meaning. */
function isReservedSection(path: (string | number)[]): boolean {
  return path.length === 1 && (RESERVED_SECTIONS as readonly (string | number)[]).includes(path[0] ?? '');
}

/** File, line and column from the diagnostic's path (a key problem points at the key). */
function placed(d: ConfigDiagnostic, options: ValidateConfigOptions, within?: number): ConfigDiagnostic {
  const out = { ...d };
  if (options.file !== undefined) out.file = options.file;
  if (out.line === undefined && options.positions) {
    const pos = options.positions.locate(d.path, KEY_CODES.has(d.code) ? 'key' : 'value', within);
    if (pos) {
      out.line = pos.line;
      out.col = pos.col;
    }
  }
  return out;
}

/** As the file reads, top to bottom; problems with no place last, in the order found. */
function inFileOrder(diagnostics: ConfigDiagnostic[]): ConfigDiagnostic[] {
  const at = (d: ConfigDiagnostic) => (d.line === undefined ? Number.MAX_SAFE_INTEGER : d.line * 1e6 + (d.col ?? 0));
  return [...diagnostics].sort((a, b) => at(a) - at(b));
}
