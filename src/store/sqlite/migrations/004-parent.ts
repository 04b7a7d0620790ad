/**
 * Sub-workflows: a run started by a `workflow` step records the run and step (key) that
 * started it. The link is written when the run is created and never changes. The partial
 * index serves "the children of this run" (`cairn status`, and the runtime looking for the
 * child of a step before it starts another) without growing with top-level runs.
 */
export const name = 'parent';

export const sql = `
ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
ALTER TABLE runs ADD COLUMN parent_step TEXT;
CREATE INDEX runs_by_parent ON runs (parent_run_id, created_at) WHERE parent_run_id IS NOT NULL;
`;
