import { ActionFailure } from '../actions/action.js';
import type { Run } from '../engine/types.js';
import type { Store } from '../store/store.js';

/** How deep sub-workflows may nest: a top-level run is level 0, its children level 1. */
export const MAX_CHILD_DEPTH = 10;

/** The run and its ancestors, nearest first, up to one past the depth limit. */
export async function ancestry(store: Store, run: Run): Promise<Run[]> {
  const chain = [run];
  let current = run;
  while (current.parent && chain.length <= MAX_CHILD_DEPTH) {
    const up = await store.getRun(current.parent.runId);
    if (!up) break;
    chain.push(up);
    current = up;
  }
  return chain;
}

/**
 * May `parent` start a child run of this definition? Refused when the child would nest
 * deeper than MAX_CHILD_DEPTH (CHILD_DEPTH), or when the same definition (by content
 * hash) already runs higher up the chain (CHILD_CYCLE): a workflow that calls itself,
 * directly or through others, would start children until the depth limit anyway.
 */
export async function checkLineage(store: Store, parent: Run, child: { hash: string; name: string }): Promise<void> {
  const chain = await ancestry(store, parent);
  const path = [...chain].reverse().map((r) => `${r.workflowName} (${r.id})`);
  if (chain.length > MAX_CHILD_DEPTH) {
    throw new ActionFailure(
      `sub-workflows may nest at most ${MAX_CHILD_DEPTH} levels deep; starting '${child.name}' here would be level ${chain.length}: ${path.join(' → ')} → ${child.name}`,
      'CHILD_DEPTH',
      { limit: MAX_CHILD_DEPTH, chain: chain.map((r) => r.id) },
      false,
    );
  }
  const again = chain.find((r) => r.definitionHash === child.hash);
  if (again) {
    throw new ActionFailure(
      `workflow '${child.name}' would call itself: run ${again.id} of the same definition is higher up this chain (${path.join(' → ')} → ${child.name})`,
      'CHILD_CYCLE',
      { run: again.id, chain: chain.map((r) => r.id) },
      false,
    );
  }
}
