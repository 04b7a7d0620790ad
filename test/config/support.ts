import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { formatConfigDiagnostic, loadConfig, parseConfigText, validateConfig, type ConfigDiagnostic, type Environment, type LoadedConfig, type ValidatedConfig } from '../../src/config/index.js';

/** The built-in command names of issue 3, owned by these tests so they do not move under us. */
export const BUILTINS = ['shell', 'http', 'mcp', 'task', 'approval', 'workflow', 'wait', 'gate', 'notify', 'remember', 'recall', 'log'];

/** Parse and validate configuration text as if it were the file `file`. */
export function check(text: string, env: Environment = {}, file = 'cairn.yaml'): ValidatedConfig {
  const source = parseConfigText(text, file);
  if (!source.data) return { config: validateConfig(undefined, { builtins: BUILTINS }).config, diagnostics: source.diagnostics };
  const checked = validateConfig(source.data, { builtins: BUILTINS, env, file, dir: '/etc/cairn', ...(source.positions ? { positions: source.positions } : {}) });
  return { config: checked.config, diagnostics: [...source.diagnostics, ...checked.diagnostics] };
}

/** The formatted lines, as a user sees them (without fix lines). */
export function lines(diagnostics: readonly ConfigDiagnostic[]): string[] {
  return diagnostics.map((d) => formatConfigDiagnostic(d).split('\n')[0] ?? '');
}

export function only(result: { diagnostics: ConfigDiagnostic[] }): ConfigDiagnostic {
  if (result.diagnostics.length !== 1) throw new Error(`expected one diagnostic, got:\n${lines(result.diagnostics).join('\n') || '(none)'}`);
  return result.diagnostics[0] as ConfigDiagnostic;
}

const scratch: string[] = [];
afterAll(async () => {
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh directory holding `files` (name -> text). */
export async function directory(files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-config-'));
  scratch.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

export function load(cwd: string, options: { path?: string; env?: Environment; flags?: Parameters<typeof loadConfig>[0]['flags'] } = {}): Promise<LoadedConfig> {
  return loadConfig({ cwd, env: options.env ?? {}, builtins: BUILTINS, ...(options.path !== undefined ? { path: options.path } : {}), ...(options.flags ? { flags: options.flags } : {}) });
}
