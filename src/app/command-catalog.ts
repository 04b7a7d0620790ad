import { z } from 'zod';
import { builtinActions } from '../actions/registry.js';
import type { Config } from '../config/index.js';

/** A command a step may name, as an editor needs it: completion, a palette, a parameters form. */
export interface CommandInfo {
  name: string;
  /** `builtin`, or `named`: a configured command that uses a built-in with preset parameters. */
  kind: 'builtin' | 'named';
  summary: string;
  /** The built-in a named command uses. */
  uses?: string;
  /** True when the command changes the world (strict validation then wants a rollback). */
  mutates: boolean;
  /** JSON Schema of the built-in's parameters (a named command's presets are already merged in at run time). */
  parameters: Record<string, unknown>;
}

/** Built-in commands and the configuration's named commands, sorted by name. */
export function describeCommands(config: Pick<Config, 'commands'>): CommandInfo[] {
  const actions = builtinActions();
  const schemaOf = (name: string): Record<string, unknown> => {
    const action = actions.get(name);
    if (!action) return {};
    const { $schema: _drop, ...schema } = z.toJSONSchema(action.parameters, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return schema;
  };
  const out: CommandInfo[] = [...actions.values()].map((a) => ({ name: a.name, kind: 'builtin', summary: a.summary, mutates: a.mutates, parameters: schemaOf(a.name) }));
  for (const [name, named] of Object.entries(config.commands)) {
    out.push({
      name,
      kind: 'named',
      summary: named.description ?? `${named.uses} with preset parameters`,
      uses: named.uses,
      mutates: actions.get(named.uses)?.mutates ?? false,
      parameters: schemaOf(named.uses),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
