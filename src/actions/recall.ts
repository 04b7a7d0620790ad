import { z } from 'zod';
import type { NoteHit } from '../engine/types.js';
import type { Action } from './action.js';
import { memoryOf } from './memory.js';

const recallParameters = z.strictObject({
  query: z.string().max(1000).optional().describe('Words to search for (any order; the last may be a prefix). Empty: the newest notes.'),
  limit: z.number().int().min(1).max(100).optional().describe('At most this many notes (default 10).'),
  category: z.string().trim().min(1).max(100).optional().describe('Only notes in this category.'),
});

export type RecallParameters = z.infer<typeof recallParameters>;

export const recallAction: Action<RecallParameters> = {
  name: 'recall',
  summary: "Search Cairn's memory: notes ranked by relevance, best first.",
  parameters: recallParameters,
  mutates: false,
  async run(ctx) {
    const memory = memoryOf(ctx, 'recall');
    const p = ctx.parameters;
    const hits = await memory.search(p.query ?? '', {
      ...(p.limit === undefined ? {} : { limit: p.limit }),
      ...(p.category === undefined ? {} : { category: p.category }),
    });
    ctx.log('system', `recalled ${hits.length} note${hits.length === 1 ? '' : 's'}${p.query ? ` for ${JSON.stringify(p.query)}` : ''}`);
    return { outputs: { notes: hits.map(noteOutput), count: hits.length } };
  },
};

/** Outputs are snake_case and always have every key, so expressions need no existence checks. */
function noteOutput(hit: NoteHit): Record<string, unknown> {
  return {
    id: hit.id,
    text: hit.text,
    category: hit.category ?? null,
    tags: hit.tags,
    score: hit.score,
    run_id: hit.runId ?? null,
    step: hit.step ?? null,
  };
}
