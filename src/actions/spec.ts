import type { z } from 'zod';

/**
 * What validation knows about a built-in command: its name, parameters and effects, but
 * not how it runs. Kept apart from `Action` (action.ts) so that `cairn validate` loads
 * the specs in specs/ and never the code that spawns processes or opens connections.
 */
export interface ActionSpec<P = Record<string, unknown>> {
  name: string;
  /** One line for `cairn validate` messages and docs. */
  summary: string;
  /** Schema of the parameters after templates are resolved. */
  parameters: z.ZodType<P>;
  /** True when the action changes the world (strict validation wants a rollback then). */
  mutates: boolean;
  /**
   * Parameter names whose values must not contain `${{ }}` templates, with the reason
   * shown to the user (e.g. shell `run`: pass values through `env` instead).
   */
  noTemplates?: Record<string, string>;
}

/**
 * A spec whose parameters schema is built on first use. Building a zod schema costs time
 * at start, and `cairn validate` needs only the schemas of the commands a workflow names.
 */
export function lazySpec<P>(spec: Omit<ActionSpec<P>, 'parameters'>, parameters: () => z.ZodType<P>): ActionSpec<P> {
  let built: z.ZodType<P> | undefined;
  return {
    ...spec,
    get parameters() {
      built ??= parameters();
      return built;
    },
  };
}
