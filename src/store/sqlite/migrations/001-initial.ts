/**
 * The first schema. The event log (`events`) is the source of truth; `runs` and `steps`
 * are projections written in the same transaction. Lease columns live on `runs`, the row
 * every commit reads anyway to check the lease.
 */
export const name = 'initial';

export const sql = `
CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at INTEGER NOT NULL
);

CREATE TABLE definitions (
  hash        TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  version     TEXT NOT NULL,
  source      TEXT NOT NULL,
  format      TEXT NOT NULL CHECK (format IN ('yaml', 'json')),
  path        TEXT,
  created_at  INTEGER NOT NULL
);
CREATE INDEX definitions_by_workflow ON definitions (workflow_id, created_at);

CREATE TABLE runs (
  id               TEXT PRIMARY KEY,
  workflow_id      TEXT NOT NULL,
  workflow_name    TEXT NOT NULL,
  definition_hash  TEXT NOT NULL,
  status           TEXT NOT NULL,
  parameters       TEXT NOT NULL,
  outputs          TEXT,
  error            TEXT,
  started_by       TEXT,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  owner_id         TEXT,
  lease_token      INTEGER NOT NULL DEFAULT 0,
  lease_expires_at INTEGER,
  last_seq         INTEGER NOT NULL DEFAULT 0,
  -- Positions handed to steps so far: gives getSteps its creation order (see steps.ord).
  step_ord         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at);
CREATE INDEX runs_by_workflow ON runs (workflow_id, created_at);
CREATE INDEX runs_by_owner ON runs (owner_id) WHERE owner_id IS NOT NULL;

-- events and steps carry no foreign key: they are written only by commit, which checks
-- the run once per batch instead of once per row (the hot path of the engine).
CREATE TABLE events (
  run_id TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  type   TEXT NOT NULL,
  at     INTEGER NOT NULL,
  data   TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- ord is the step's position when it first appeared in its run; an upsert keeps it.
CREATE TABLE steps (
  run_id      TEXT NOT NULL,
  key         TEXT NOT NULL,
  ord         INTEGER NOT NULL,
  step_id     TEXT NOT NULL,
  idx         INTEGER,
  status      TEXT NOT NULL,
  attempts    INTEGER NOT NULL,
  outputs     TEXT,
  error       TEXT,
  reason      TEXT,
  started_at  INTEGER,
  finished_at INTEGER,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;

CREATE TABLE owners (
  id           TEXT PRIMARY KEY,
  host         TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  pid_start    TEXT,
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
);

CREATE TABLE requests (
  id           INTEGER PRIMARY KEY,
  run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  type         TEXT NOT NULL,
  data         TEXT NOT NULL,
  requested_by TEXT,
  at           INTEGER NOT NULL,
  taken_at     INTEGER
);
CREATE INDEX requests_untaken ON requests (run_id, id) WHERE taken_at IS NULL;

CREATE TABLE logs (
  id      INTEGER PRIMARY KEY,
  run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step    TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  stream  TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
  line    TEXT NOT NULL,
  at      INTEGER NOT NULL
);
CREATE INDEX logs_by_run ON logs (run_id, id);
CREATE INDEX logs_by_step ON logs (run_id, step, id);

-- Process groups of running attempts, so a new owner can stop what a dead one left.
CREATE TABLE processes (
  run_id    TEXT NOT NULL,
  step      TEXT NOT NULL,
  attempt   INTEGER NOT NULL,
  host      TEXT NOT NULL,
  pid       INTEGER NOT NULL,
  pid_start TEXT,
  PRIMARY KEY (run_id, step, attempt)
) WITHOUT ROWID;
`;
