/**
 * What `cairn serve` needs. `feed` numbers every event in commit order across runs, so a
 * live stream or a webhook reader resumes from one cursor. `start_key` makes starting a
 * run idempotent (a cron fire, a webhook message id, an Idempotency-Key header). Keys are
 * stored as hashes only. Webhook deliveries are a durable outbox: a delivery row is written
 * in the same transaction that moves the reader's cursor past the event it announces.
 */
export const name = 'server';

export const sql = `
CREATE TABLE feed (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  seq    INTEGER NOT NULL
);
CREATE INDEX feed_by_run ON feed (run_id, id);

ALTER TABLE runs ADD COLUMN start_key TEXT;
CREATE UNIQUE INDEX runs_by_start_key ON runs (start_key) WHERE start_key IS NOT NULL;

CREATE TABLE cursors (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

CREATE TABLE access_keys (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  hash       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT,
  revoked_at INTEGER
);
CREATE UNIQUE INDEX access_keys_live_name ON access_keys (name) WHERE revoked_at IS NULL;

CREATE TABLE webhooks (
  id              TEXT PRIMARY KEY,
  url             TEXT NOT NULL,
  events          TEXT NOT NULL,
  secret          TEXT NOT NULL,
  description     TEXT,
  created_at      INTEGER NOT NULL,
  created_by      TEXT,
  disabled_at     INTEGER,
  disabled_reason TEXT
);

CREATE TABLE webhook_deliveries (
  id          TEXT PRIMARY KEY,
  webhook_id  TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_type  TEXT NOT NULL,
  payload     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'stopped')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  finished_at INTEGER,
  last_status INTEGER,
  last_error  TEXT,
  history     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at);
`;
