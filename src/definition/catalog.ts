import type { z } from 'zod';

/**
 * What validation needs to know about commands. The application builds one from the
 * built-in actions (and, later, the `commands:` of cairn.yaml); tests build small ones.
 */
export interface CommandCatalog {
  has(name: string): boolean;
  /** Known command names, for messages and "did you mean". */
  names(): string[];
  /** The schema of the command's parameters (after templates are resolved). */
  parameters(name: string): z.ZodType | undefined;
  /** True when the command changes the world (strict validation wants a rollback). */
  mutates(name: string): boolean;
  /** Parameter name -> why it must not hold a `${{ }}` template. */
  noTemplates(name: string): Record<string, string> | undefined;
}

/** The parts of a command the catalog reads; `Action` from src/actions fits as it is. */
export interface CommandDescription {
  name: string;
  parameters?: z.ZodType;
  mutates?: boolean;
  noTemplates?: Record<string, string>;
}

/** A catalog over a fixed list of commands. */
export function createCatalog(commands: Iterable<CommandDescription>): CommandCatalog {
  const byName = new Map<string, CommandDescription>();
  for (const command of commands) byName.set(command.name, command);
  const sorted = [...byName.keys()].sort();
  return {
    has: (name) => byName.has(name),
    names: () => [...sorted],
    parameters: (name) => byName.get(name)?.parameters,
    mutates: (name) => byName.get(name)?.mutates ?? false,
    noTemplates: (name) => byName.get(name)?.noTemplates,
  };
}
