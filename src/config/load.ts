import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { defaultConfig, type Config } from './config.js';
import { configError, type ConfigDiagnostic } from './diagnostic.js';
import type { Environment } from './env-references.js';
import { applyOverrides, type ConfigFlags } from './overrides.js';
import { readConfigFile } from './source.js';
import { validateConfig } from './validate.js';

/** The names Cairn looks for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = ['cairn.yaml', 'cairn.yml', 'cairn.json'] as const;

export interface LoadConfigOptions {
  cwd: string;
  /** `--config`: a file that must exist (relative to `cwd`). Without it, `cwd` is searched. */
  path?: string;
  env: Environment;
  /** The built-in command names, for checking `commands:`. */
  builtins: readonly string[];
  /** Command-line settings, applied last. */
  flags?: ConfigFlags;
}

export interface LoadedConfig {
  config: Config;
  /** Errors mean the caller must refuse to start, printing them; warnings are for showing. */
  diagnostics: ConfigDiagnostic[];
  /** The absolute path of the file that was read, if any. */
  file?: string;
}

/**
 * Find, read and check the configuration, then apply the environment and the flags. No
 * file is fine (all defaults). Never throws for bad input: problems come back as
 * diagnostics, each with file:line:col where it has a place.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { cwd, env, builtins, flags } = options;
  const diagnostics: ConfigDiagnostic[] = [];
  let config = defaultConfig();
  let file: string | undefined;
  try {
    const found = await locate(options);
    diagnostics.push(...found.diagnostics);
    if (found.file !== undefined) {
      file = found.file;
      const source = await readConfigFile(found.file, found.shown ?? found.file);
      diagnostics.push(...source.diagnostics);
      if (source.data !== undefined && !source.diagnostics.some((d) => d.severity === 'error')) {
        const checked = validateConfig(source.data, { builtins, env, file: found.shown ?? found.file, dir: dirname(found.file), ...(source.positions ? { positions: source.positions } : {}) });
        diagnostics.push(...checked.diagnostics);
        config = checked.config;
      }
    }
  } catch (err) {
    diagnostics.push(configError('CFG_INTERNAL', `internal error while reading the configuration: ${(err as Error).message}`));
  }
  const overridden = applyOverrides(config, { env, cwd, ...(flags ? { flags } : {}) });
  diagnostics.push(...overridden.diagnostics);
  return file === undefined ? { config: overridden.config, diagnostics } : { config: overridden.config, diagnostics, file };
}

/** The file to read: `--config` as given, else the one of CONFIG_FILE_NAMES in `cwd`. */
async function locate(options: LoadConfigOptions): Promise<{ file?: string; shown?: string; diagnostics: ConfigDiagnostic[] }> {
  if (options.path !== undefined) {
    // A named file that is missing is an error (DEF_READ from the reader says so).
    return { file: resolve(options.cwd, options.path), shown: options.path, diagnostics: [] };
  }
  const present: string[] = [];
  for (const name of CONFIG_FILE_NAMES) if (await isFile(join(options.cwd, name))) present.push(name);
  const [first, ...others] = present;
  if (first === undefined) return { diagnostics: [] };
  if (others.length > 0) {
    // Reading one and ignoring the other would make half of the user's settings vanish.
    const d = configError('CFG_AMBIGUOUS', `${present.join(' and ')} are both in ${options.cwd}: Cairn reads one configuration file`, [], `merge them into ${first} and delete the other, or pick one with --config`);
    return { diagnostics: [d] };
  }
  return { file: join(options.cwd, first), shown: first, diagnostics: [] };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
