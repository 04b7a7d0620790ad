/**
 * The configuration file (cairn.yaml, cairn.yml or cairn.json): read with positions, checked
 * against one zod schema, `${env:NAME}` resolved, then overridden by the environment and
 * the command line. Named commands map a name onto a built-in with preset parameters.
 */
export { applyOverrides, CONFIG_ENVIRONMENT, type ConfigFlags } from './overrides.js';
export { checkCommands, mergeParameters, resolveCommand } from './commands.js';
export {
  BUILTIN_ROLLBACK_STRATEGY,
  BUILTIN_VALIDATION_LEVEL,
  DEFAULT_LIMITS,
  defaultConfig,
  ROLLBACK_STRATEGIES,
  SYNCHRONOUS_MODES,
  type CircuitBreakerConfig,
  type Config,
  type Defaults,
  type Limits,
  type McpServerConfig,
  type RetentionConfig,
  type NamedCommand,
  type NotifyChannel,
  type Pool,
  type RollbackStrategy,
  type StoreConfig,
  type SynchronousMode,
} from './config.js';
export { CONFIG_DIAGNOSTIC_CODES, formatConfigDiagnostic, hasConfigErrors, type ConfigDiagnostic, type ConfigDiagnosticCode } from './diagnostic.js';
export type { Environment } from './env-references.js';
export { CONFIG_SCHEMA_ID, configJsonSchema } from './json-schema.js';
export { CONFIG_FILE_NAMES, loadConfig, type LoadConfigOptions, type LoadedConfig } from './load.js';
export { configSchema } from './schema.js';
export { CONFIG_MAX_BYTES, parseConfigText, type ConfigSource } from './source.js';
export { validateConfig, type ValidateConfigOptions, type ValidatedConfig } from './validate.js';
