/**
 * Locks and pools (docs/locks.md). `lock_holds` has one row per lock an attempt holds; a
 * pool's slots are rows of one name, up to its capacity. `lock_waiters` is the queue: seq
 * orders it (AUTOINCREMENT, so a number is never reused and an old waiter never appears
 * younger), and `claims` keeps what the waiter asks for, so that a newcomer can tell
 * which earlier waiters it must let go first. `seen_at` is renewed by every poll: a waiter
 * that stopped polling (its process froze or forgot it) loses its place.
 * A hold has a lease (`expires_at`), extended with its owner's runs by every heartbeat.
 * No foreign keys: a hold outlives nothing it points to, and the owner check is a join.
 */
export const name = 'locks';

export const sql = `
CREATE TABLE lock_holds (
  lock        TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  step        TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  owner_id    TEXT NOT NULL,
  per_run     INTEGER NOT NULL CHECK (per_run IN (0, 1)),
  acquired_at INTEGER NOT NULL,
  -- A lease, as on runs: extended by the owner's heartbeat, void once past.
  expires_at  INTEGER NOT NULL,
  PRIMARY KEY (lock, run_id, step, attempt)
) WITHOUT ROWID;
CREATE INDEX lock_holds_by_holder ON lock_holds (run_id, step, attempt);

CREATE TABLE lock_waiters (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id   TEXT NOT NULL,
  step     TEXT NOT NULL,
  attempt  INTEGER NOT NULL,
  owner_id TEXT NOT NULL,
  claims   TEXT NOT NULL,
  since    INTEGER NOT NULL,
  seen_at  INTEGER NOT NULL,
  UNIQUE (run_id, step, attempt)
);
`;
