import { ActionFailure, type ActionContext, type Memory } from './action.js';

/** The memory `remember` and `recall` use, or a failure saying this Cairn was started without one. */
export function memoryOf(ctx: ActionContext<unknown>, command: string): Memory {
  if (ctx.memory) return ctx.memory;
  throw new ActionFailure(
    `\`${command}\` needs Cairn's memory: this runtime was started without one (no store was given to it)`,
    'MEMORY_UNAVAILABLE',
    {},
    false,
  );
}
