import { builtinSpecs } from '../actions/catalog.js';
import { formatConfigDiagnostic, hasConfigErrors, loadConfig, type Config, type ConfigFlags } from '../config/index.js';
import { CairnError } from './errors.js';

export interface SettingsRequest {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--config FILE`; without it `cairn.yaml` in `cwd`, if any. */
  configPath?: string;
  flags?: ConfigFlags;
}

/**
 * The configuration in force: file, environment and flags. A configuration with errors
 * stops the command with every problem listed (nothing half-configured starts).
 */
export async function loadSettings(req: SettingsRequest): Promise<Config> {
  const loaded = await loadConfig({
    cwd: req.cwd,
    env: req.env,
    builtins: [...builtinSpecs().keys()],
    ...(req.configPath ? { path: req.configPath } : {}),
    ...(req.flags ? { flags: req.flags } : {}),
  });
  if (hasConfigErrors(loaded.diagnostics)) {
    const lines = loaded.diagnostics.map(formatConfigDiagnostic);
    throw new CairnError('CONFIG_INVALID', `the configuration${loaded.file ? ` ${loaded.file}` : ''} has errors`, { lines });
  }
  return loaded.config;
}
