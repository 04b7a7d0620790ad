import type { Config } from './config.js';
import { configError, type ConfigDiagnostic } from './diagnostic.js';
import { didYouMean, quoteList } from './suggest.js';

/**
 * Check the `commands:` section against the built-in command names: a named command may not
 * take a built-in's name (the workflow would silently change meaning), and `uses` names a
 * built-in, never another named command (one level: what a step runs is always one lookup
 * away). Reads the data as written and skips entries whose shape the schema already refused.
 */
export function checkCommands(commands: unknown, builtins: readonly string[]): ConfigDiagnostic[] {
  if (commands === null || typeof commands !== 'object' || Array.isArray(commands)) return [];
  const entries = Object.entries(commands as Record<string, unknown>);
  const named = new Map(entries);
  const out: ConfigDiagnostic[] = [];
  for (const [name, spec] of entries) {
    if (builtins.includes(name)) {
      out.push(configError('CFG_SHADOWS_BUILTIN', `commands.${name}: '${name}' is a built-in command; a named command cannot take its name`, ['commands', name], `rename it (e.g. 'my-${name}') and use that name in your workflows`));
    }
    const uses = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>).uses : undefined;
    if (typeof uses !== 'string' || uses === '' || builtins.includes(uses)) continue;
    const path = ['commands', name, 'uses'];
    const other = named.get(uses);
    if (other !== undefined) {
      const otherUses = other !== null && typeof other === 'object' ? (other as Record<string, unknown>).uses : undefined;
      const fix = typeof otherUses === 'string' && builtins.includes(otherUses) ? `write \`uses: ${otherUses}\` and repeat the parameters of '${uses}' you need` : 'name a built-in command in `uses`';
      out.push(configError('CFG_NESTED_COMMAND', `commands.${name}.uses: '${uses}' is a named command; a named command uses a built-in command directly`, path, fix));
      continue;
    }
    out.push(
      configError('CFG_UNKNOWN_BUILTIN', `commands.${name}.uses: '${uses}' is not a built-in command.${didYouMean(uses, builtins)}`.replace(/\.$/, ''), path, `the built-in commands are ${quoteList([...builtins].sort())}`),
    );
  }
  return out;
}

/**
 * The built-in a named command stands for and its preset parameters (a copy), or undefined
 * when `name` is not a named command (it may still be a built-in: the caller knows those).
 */
export function resolveCommand(config: Pick<Config, 'commands'>, name: string): { builtin: string; preset: Record<string, unknown> } | undefined {
  if (!Object.prototype.hasOwnProperty.call(config.commands, name)) return undefined;
  const command = config.commands[name];
  if (!command) return undefined;
  return { builtin: command.uses, preset: structuredClone(command.parameters) };
}

/**
 * A step's parameters over a named command's preset: the step wins; where both hold a plain
 * mapping (e.g. `env`, `headers`) the two are merged the same way, key by key; lists and
 * every other value are replaced whole. Neither input is changed.
 */
export function mergeParameters(preset: Readonly<Record<string, unknown>>, stepParameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(preset)) define(out, key, structuredClone(value));
  for (const [key, value] of Object.entries(stepParameters)) {
    const base = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
    define(out, key, isPlainObject(base) && isPlainObject(value) ? mergeParameters(base, value) : value);
  }
  return out;
}

/** Plain assignment would treat a `__proto__` key (valid in YAML and JSON) as the prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
