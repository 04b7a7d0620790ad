/**
 * Operations (docs/secrets.md, docs/audit.md): secrets sealed by the application
 * (AES-256-GCM; the store never sees a value in clear) and the audit trail of
 * state-changing actions. Indexes serve retention.
 */
export const name = 'operations';

export const sql = `
CREATE TABLE secrets (
  name       TEXT PRIMARY KEY,
  sealed     TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT
);

CREATE TABLE audit (
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      BIGINT NOT NULL,
  actor   TEXT NOT NULL,
  origin  TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT,
  details TEXT
);
CREATE INDEX audit_by_at ON audit (at);
CREATE INDEX audit_by_actor ON audit (actor, at);

CREATE INDEX runs_by_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX logs_by_at ON logs (at);
`;
