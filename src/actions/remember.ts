import type { Action, ActionContext } from './action.js';
import { memoryOf } from './memory.js';
import { rememberSpec, type RememberParameters } from './specs/remember.js';

export { MAX_NOTE_CHARS, type RememberParameters } from './specs/remember.js';

export const rememberAction: Action<RememberParameters> = {
  ...rememberSpec,
  async run(ctx) {
    const memory = memoryOf(ctx, 'remember');
    const p = ctx.parameters;
    const tags = [...new Set(p.tags ?? [])];
    const note = await memory.add({
      text: p.text ?? p.note ?? defaultText(ctx),
      ...(p.category === undefined ? {} : { category: p.category }),
      tags,
      runId: ctx.runId,
      step: ctx.step,
    });
    ctx.log('system', `remembered note ${note.id}${note.category ? ` in ${note.category}` : ''}`);
    return { outputs: { note_id: note.id, text: note.text } };
  },
};

/**
 * A step may remember just that it happened (the seed fixtures call `remember` with only a
 * category): the note then says where it came from, which is what a later search finds.
 */
function defaultText(ctx: ActionContext<RememberParameters>): string {
  return `Run ${ctx.runId} step ${ctx.step}`;
}
