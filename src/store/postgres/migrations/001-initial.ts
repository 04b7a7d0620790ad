/**
 * The whole schema of the PostgreSQL store as of SQLite migration 005, in one step: this
 * store starts life here. Times are BIGINT milliseconds since the epoch, JSON is TEXT kept
 * exactly as written (a webhook payload is signed byte for byte), as in the SQLite store.
 *
 * Differences from SQLite, each for a reason:
 * - the feed is a column of `events` (`feed_id`, an identity): one row per event instead of
 *   two. Identities can commit out of order under concurrency, so every write to `events`
 *   runs under one advisory transaction lock (see ../feed-lock.ts): cursor order is commit order.
 * - notes carry their search terms as a `tsvector` built by Cairn (../search-terms.ts), not
 *   by PostgreSQL's parser, so search does not depend on the database's locale.
 * - `cairn_now_ms()` is the database's clock, which every process of a cluster shares:
 *   leases, heartbeats and lock holds are measured on it.
 */
export const name = 'initial';

export const sql = `
CREATE FUNCTION cairn_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS
  $$ SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT $$;

CREATE TABLE definitions (
  hash        TEXT PRIMARY KEY,
  workflow_id TEXT NOT NULL,
  version     TEXT NOT NULL,
  source      TEXT NOT NULL,
  format      TEXT NOT NULL CHECK (format IN ('yaml', 'json')),
  path        TEXT,
  created_at  BIGINT NOT NULL,
  -- Insertion order, to break ties between definitions stored in the same millisecond.
  ord         BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX definitions_by_workflow ON definitions (workflow_id, created_at);

CREATE TABLE runs (
  id               TEXT PRIMARY KEY COLLATE "C",
  workflow_id      TEXT NOT NULL,
  workflow_name    TEXT NOT NULL,
  definition_hash  TEXT NOT NULL,
  status           TEXT NOT NULL,
  parameters       TEXT NOT NULL,
  outputs          TEXT,
  error            TEXT,
  started_by       TEXT,
  created_at       BIGINT NOT NULL,
  started_at       BIGINT,
  finished_at      BIGINT,
  parent_run_id    TEXT,
  parent_step      TEXT,
  start_key        TEXT UNIQUE,
  owner_id         TEXT,
  lease_token      INTEGER NOT NULL DEFAULT 0,
  lease_expires_at BIGINT,
  last_seq         INTEGER NOT NULL DEFAULT 0,
  step_ord         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_created ON runs (created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at);
CREATE INDEX runs_by_workflow ON runs (workflow_id, created_at);
CREATE INDEX runs_by_owner ON runs (owner_id) WHERE owner_id IS NOT NULL;
CREATE INDEX runs_by_parent ON runs (parent_run_id, created_at) WHERE parent_run_id IS NOT NULL;

CREATE TABLE events (
  run_id  TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  type    TEXT NOT NULL,
  at      BIGINT NOT NULL,
  data    TEXT NOT NULL,
  feed_id BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX events_feed_by_run ON events (run_id, feed_id);

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
  started_at  BIGINT,
  finished_at BIGINT,
  PRIMARY KEY (run_id, key)
);

CREATE TABLE owners (
  id           TEXT PRIMARY KEY,
  host         TEXT NOT NULL,
  pid          INTEGER NOT NULL,
  pid_start    TEXT,
  started_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL
);

CREATE TABLE requests (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  type         TEXT NOT NULL,
  data         TEXT NOT NULL,
  requested_by TEXT,
  at           BIGINT NOT NULL,
  taken_at     BIGINT
);
CREATE INDEX requests_untaken ON requests (run_id, id) WHERE taken_at IS NULL;

CREATE TABLE logs (
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step    TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  stream  TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
  line    TEXT NOT NULL,
  at      BIGINT NOT NULL
);
CREATE INDEX logs_by_run ON logs (run_id, id);
CREATE INDEX logs_by_step ON logs (run_id, step, id);

CREATE TABLE processes (
  run_id    TEXT NOT NULL,
  step      TEXT NOT NULL,
  attempt   INTEGER NOT NULL,
  host      TEXT NOT NULL,
  pid       INTEGER NOT NULL,
  pid_start TEXT,
  PRIMARY KEY (run_id, step, attempt)
);

CREATE TABLE notes (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  text       TEXT NOT NULL,
  category   TEXT,
  tags       TEXT NOT NULL DEFAULT '[]',
  run_id     TEXT,
  step       TEXT,
  created_at BIGINT NOT NULL,
  created_by TEXT,
  terms      TSVECTOR NOT NULL
);
CREATE INDEX notes_by_created ON notes (created_at, id);
CREATE INDEX notes_by_category ON notes (lower(category), created_at) WHERE category IS NOT NULL;
CREATE INDEX notes_terms ON notes USING gin (terms);

CREATE TABLE lock_holds (
  lock        TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  step        TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  owner_id    TEXT NOT NULL,
  per_run     INTEGER NOT NULL CHECK (per_run IN (0, 1)),
  acquired_at BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  PRIMARY KEY (lock, run_id, step, attempt)
);
CREATE INDEX lock_holds_by_holder ON lock_holds (run_id, step, attempt);

CREATE TABLE lock_waiters (
  seq      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id   TEXT NOT NULL,
  step     TEXT NOT NULL,
  attempt  INTEGER NOT NULL,
  owner_id TEXT NOT NULL,
  claims   TEXT NOT NULL,
  since    BIGINT NOT NULL,
  seen_at  BIGINT NOT NULL,
  UNIQUE (run_id, step, attempt)
);

CREATE TABLE cursors (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);

CREATE TABLE access_keys (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  hash       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT,
  revoked_at BIGINT
);
CREATE UNIQUE INDEX access_keys_live_name ON access_keys (name) WHERE revoked_at IS NULL;

CREATE TABLE webhooks (
  id              TEXT PRIMARY KEY,
  url             TEXT NOT NULL,
  events          TEXT NOT NULL,
  secret          TEXT NOT NULL,
  description     TEXT,
  created_at      BIGINT NOT NULL,
  created_by      TEXT,
  disabled_at     BIGINT,
  disabled_reason TEXT
);

CREATE TABLE webhook_deliveries (
  id          TEXT PRIMARY KEY,
  webhook_id  TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_type  TEXT NOT NULL,
  payload     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'stopped')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     BIGINT NOT NULL,
  created_at  BIGINT NOT NULL,
  finished_at BIGINT,
  last_status INTEGER,
  last_error  TEXT,
  history     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at);
`;
