/**
 * The cluster (docs/cluster.md), as SQLite migration 006: owners say what they are and how
 * many steps they run; step tasks are the attempts an engine hands to workers. Labels are
 * JSONB so that "the worker has every label the task needs" is one containment test (<@).
 * `ord` gives claims a first-in, first-out order that does not depend on clocks.
 */
export const name = 'cluster';

export const sql = `
ALTER TABLE owners ADD COLUMN node TEXT;
ALTER TABLE owners ADD COLUMN running INTEGER NOT NULL DEFAULT 0;

CREATE TABLE step_tasks (
  id               TEXT PRIMARY KEY,
  ord              BIGINT GENERATED ALWAYS AS IDENTITY,
  run_id           TEXT NOT NULL,
  step             TEXT NOT NULL,
  attempt          INTEGER NOT NULL,
  idempotency_key  TEXT NOT NULL,
  command          TEXT NOT NULL,
  parameters       TEXT NOT NULL,
  labels           JSONB NOT NULL,
  workdir          TEXT,
  status           TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'claimed', 'done', 'lost', 'cancelled')),
  worker_id        TEXT,
  fence            INTEGER NOT NULL DEFAULT 0,
  lease_expires_at BIGINT,
  cancel_requested BOOLEAN NOT NULL DEFAULT false,
  result           TEXT,
  created_at       BIGINT NOT NULL,
  claimed_at       BIGINT,
  finished_at      BIGINT
);
CREATE INDEX step_tasks_queued ON step_tasks (ord) WHERE status = 'queued';
CREATE INDEX step_tasks_by_run ON step_tasks (run_id, ord);
CREATE INDEX step_tasks_finished ON step_tasks (finished_at) WHERE finished_at IS NOT NULL;
`;
