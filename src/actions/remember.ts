import { z } from 'zod';
import type { Action, ActionContext } from './action.js';
import { memoryOf } from './memory.js';

/** A note is for people and search, not a data store: keep it to a page or so. */
export const MAX_NOTE_CHARS = 64 * 1024;

const text = z.string().trim().min(1, 'must not be empty').max(MAX_NOTE_CHARS, `must be at most ${MAX_NOTE_CHARS} characters`);

const rememberParameters = z
  .strictObject({
    text: text.optional().describe('What to remember. Default: a line naming the run and the step.'),
    note: text.optional().describe('Another name for `text`.'),
    category: z.string().trim().min(1).max(100).optional().describe('A category to file the note under (e.g. infrastructure).'),
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional().describe('Labels; searched like the text.'),
  })
  .refine((p) => p.text === undefined || p.note === undefined, {
    message: 'give `text` or `note`, not both (they are the same parameter)',
    path: ['note'],
  });

export type RememberParameters = z.infer<typeof rememberParameters>;

export const rememberAction: Action<RememberParameters> = {
  name: 'remember',
  summary: "Store a note (text, category, tags) in Cairn's memory, linked to this run and step.",
  parameters: rememberParameters,
  mutates: true,
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
