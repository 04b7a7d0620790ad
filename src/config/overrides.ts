import { durationMs, VALIDATION_LEVELS, type ValidationLevel } from '../definition/index.js';
import { SYNCHRONOUS_MODES, type Config, type SynchronousMode } from './config.js';
import { configError, type ConfigDiagnostic } from './diagnostic.js';
import type { Environment } from './env-references.js';
import { storeLocation } from './normalize.js';
import { didYouMean, quoteList } from './suggest.js';

/** Settings given on the command line: they beat the environment and the file. */
export interface ConfigFlags {
  /** `--db`: relative paths are relative to `cwd`. */
  db?: string;
  synchronous?: SynchronousMode;
  validationLevel?: ValidationLevel;
  timeoutSeconds?: number;
}

/** The environment variables that override the file, and what they override. */
export const CONFIG_ENVIRONMENT = {
  CAIRN_DB: 'store.path',
  CAIRN_SYNCHRONOUS: 'store.synchronous',
  CAIRN_VALIDATION_LEVEL: 'defaults.validation_level',
  CAIRN_DEFAULT_TIMEOUT: 'defaults.timeout_seconds',
} as const;

/**
 * Apply the precedence flag > environment > file > built-in default on top of a
 * configuration read from its file. Pure: returns a new Config. An empty variable counts
 * as unset; a bad value is an error that names the variable.
 */
export function applyOverrides(config: Config, options: { env: Environment; cwd: string; flags?: ConfigFlags }): { config: Config; diagnostics: ConfigDiagnostic[] } {
  const { env, cwd, flags = {} } = options;
  const out: Config = { ...config, store: { ...config.store }, defaults: { ...config.defaults } };
  const diagnostics: ConfigDiagnostic[] = [];
  const value = (name: keyof typeof CONFIG_ENVIRONMENT): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const bad = (name: keyof typeof CONFIG_ENVIRONMENT, message: string, fix: string) => diagnostics.push(configError('CFG_ENV_VALUE', `${name}: ${message}`, [], fix));

  const db = value('CAIRN_DB');
  if (db !== undefined) out.store.path = storeLocation(db, cwd);

  const synchronous = value('CAIRN_SYNCHRONOUS');
  if (synchronous !== undefined) {
    const mode = SYNCHRONOUS_MODES.find((m) => m === synchronous.toLowerCase());
    if (mode) out.store.synchronous = mode;
    else bad('CAIRN_SYNCHRONOUS', `must be one of ${quoteList(SYNCHRONOUS_MODES)}; got '${synchronous}'.${didYouMean(synchronous, SYNCHRONOUS_MODES)}`.replace(/\.$/, ''), 'set CAIRN_SYNCHRONOUS=normal (the default), or unset it');
  }

  const level = value('CAIRN_VALIDATION_LEVEL');
  if (level !== undefined) {
    const known = VALIDATION_LEVELS.find((l) => l === level.toLowerCase());
    if (known) out.defaults.validationLevel = known;
    else bad('CAIRN_VALIDATION_LEVEL', `must be one of ${quoteList(VALIDATION_LEVELS)}; got '${level}'.${didYouMean(level, VALIDATION_LEVELS)}`.replace(/\.$/, ''), 'set CAIRN_VALIDATION_LEVEL=standard (the default), or unset it');
  }

  const timeout = value('CAIRN_DEFAULT_TIMEOUT');
  if (timeout !== undefined) {
    const seconds = timeoutSeconds(timeout);
    if (seconds !== undefined) out.defaults.timeoutSeconds = seconds;
    else bad('CAIRN_DEFAULT_TIMEOUT', `expected a number of seconds greater than 0 (or a duration such as 90s, 10m, 1h); got '${timeout}'`, 'set CAIRN_DEFAULT_TIMEOUT=600, or unset it');
  }

  if (flags.db !== undefined) out.store.path = storeLocation(flags.db, cwd);
  if (flags.synchronous !== undefined) out.store.synchronous = flags.synchronous;
  if (flags.validationLevel !== undefined) out.defaults.validationLevel = flags.validationLevel;
  if (flags.timeoutSeconds !== undefined) out.defaults.timeoutSeconds = flags.timeoutSeconds;
  return { config: out, diagnostics };
}

/** `600` or `600s`, `10m`, `1h` (as a step's durations are written) -> seconds; undefined if not one, or 0. */
function timeoutSeconds(text: string): number | undefined {
  const asNumber = /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  let ms: number;
  try {
    ms = asNumber !== undefined ? asNumber * 1000 : durationMs(text);
  } catch {
    return undefined;
  }
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : undefined;
}
