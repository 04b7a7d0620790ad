import { z } from 'zod';
import { lazySpec, type ActionSpec } from '../spec.js';

/** A note is for people and search, not a data store: keep it to a page or so. */
export const MAX_NOTE_CHARS = 64 * 1024;

function rememberParameters() {
  const text = z.string().trim().min(1, 'must not be empty').max(MAX_NOTE_CHARS, `must be at most ${MAX_NOTE_CHARS} characters`);
  return z
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
}

export type RememberParameters = z.infer<ReturnType<typeof rememberParameters>>;

export const rememberSpec: ActionSpec<RememberParameters> = lazySpec(
  {
    name: 'remember',
    summary: "Store a note (text, category, tags) in Cairn's memory, linked to this run and step.",
    mutates: true,
  },
  rememberParameters,
);
