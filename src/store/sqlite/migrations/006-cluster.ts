/**
 * The cluster (docs/cluster.md): owners say what they are (an engine or a worker, its
 * labels and version) and how many steps they run, for `cairn nodes`; step tasks are the
 * attempts an engine hands to workers. A partial index keeps the claim query on the open
 * tasks only, however many finished ones wait for pruning.
 */
export const name = 'cluster';

export const sql = `
ALTER TABLE owners ADD COLUMN node TEXT;
ALTER TABLE owners ADD COLUMN running INTEGER NOT NULL DEFAULT 0;

CREATE TABLE step_tasks (
  id               TEXT PRIMARY KEY,
  run_id           TEXT NOT NULL,
  step             TEXT NOT NULL,
  attempt          INTEGER NOT NULL,
  idempotency_key  TEXT NOT NULL,
  command          TEXT NOT NULL,
  parameters       TEXT NOT NULL,
  labels           TEXT NOT NULL,
  workdir          TEXT,
  status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'claimed', 'done', 'lost', 'cancelled')),
  worker_id        TEXT,
  fence            INTEGER NOT NULL DEFAULT 0,
  lease_expires_at INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  result           TEXT,
  created_at       INTEGER NOT NULL,
  claimed_at       INTEGER,
  finished_at      INTEGER
);
CREATE INDEX step_tasks_open ON step_tasks (status, created_at) WHERE status IN ('queued', 'claimed');
CREATE INDEX step_tasks_by_run ON step_tasks (run_id, created_at);
CREATE INDEX step_tasks_finished ON step_tasks (finished_at) WHERE finished_at IS NOT NULL;
`;
