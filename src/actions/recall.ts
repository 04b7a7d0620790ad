import type { NoteHit } from '../engine/types.js';
import type { Action } from './action.js';
import { memoryOf } from './memory.js';
import { recallSpec, type RecallParameters } from './specs/recall.js';

export type { RecallParameters } from './specs/recall.js';

export const recallAction: Action<RecallParameters> = {
  ...recallSpec,
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
