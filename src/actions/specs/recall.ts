import { z } from 'zod';
import { lazySpec, type ActionSpec } from '../spec.js';

function recallParameters() {
  return z.strictObject({
    query: z.string().max(1000).optional().describe('Words to search for (any order; the last may be a prefix). Empty: the newest notes.'),
    limit: z.number().int().min(1).max(100).optional().describe('At most this many notes (default 10).'),
    category: z.string().trim().min(1).max(100).optional().describe('Only notes in this category.'),
  });
}

export type RecallParameters = z.infer<ReturnType<typeof recallParameters>>;

export const recallSpec: ActionSpec<RecallParameters> = lazySpec(
  {
    name: 'recall',
    summary: "Search Cairn's memory: notes ranked by relevance, best first.",
    mutates: false,
  },
  recallParameters,
);
