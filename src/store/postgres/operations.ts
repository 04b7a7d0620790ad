import type pg from 'pg';
import type { AuditEntry, AuditFilter, NewAuditEntry, PruneCounts, PruneRequest, SecretListing, StoredSecret } from '../operations.js';
import { toAudit } from '../sqlite/operations.js';
import { TERMINAL } from './sql.js';
import { inTransaction } from './transaction.js';

/* Migration 003: secrets, the audit trail and retention, as the SQLite store keeps them. */

interface SecretRow {
  name: string;
  sealed: string;
  updated_at: number;
  updated_by: string | null;
}

/** Tables keyed by run id without a cascading foreign key (logs and requests cascade). */
const RUN_TABLES = ['events', 'steps', 'processes', 'lock_holds', 'lock_waiters', 'requests'];

/** Finished runs before $1, leaving alone a child whose parent is still going. */
const PRUNABLE = `SELECT r.id FROM runs r
  WHERE r.status IN (${TERMINAL}) AND r.finished_at IS NOT NULL AND r.finished_at < $1
    AND NOT EXISTS (SELECT 1 FROM runs p WHERE p.id = r.parent_run_id AND p.status NOT IN (${TERMINAL}))`;

const OLD_LOGS = `FROM logs WHERE at < $1 AND run_id IN (SELECT id FROM runs WHERE status IN (${TERMINAL}))`;

export async function putSecret(c: pg.Pool, secret: StoredSecret): Promise<void> {
  await c.query(
    'INSERT INTO secrets (name, sealed, updated_at, updated_by) VALUES ($1, $2, $3, $4) ' +
      'ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
    [secret.name, secret.sealed, secret.updatedAt, secret.updatedBy ?? null],
  );
}

export async function getSecret(c: pg.Pool, name: string): Promise<StoredSecret | undefined> {
  const row = (await c.query<SecretRow>('SELECT * FROM secrets WHERE name = $1', [name])).rows[0];
  return row === undefined ? undefined : { name: row.name, sealed: row.sealed, updatedAt: row.updated_at, ...(row.updated_by !== null ? { updatedBy: row.updated_by } : {}) };
}

export async function listSecrets(c: pg.Pool): Promise<SecretListing[]> {
  const { rows } = await c.query<SecretRow>('SELECT name, updated_at, updated_by FROM secrets ORDER BY name COLLATE "C"');
  return rows.map((row) => ({ name: row.name, updatedAt: row.updated_at, ...(row.updated_by !== null ? { updatedBy: row.updated_by } : {}) }));
}

export async function deleteSecret(c: pg.Pool, name: string): Promise<boolean> {
  return ((await c.query('DELETE FROM secrets WHERE name = $1', [name])).rowCount ?? 0) > 0;
}

export async function addAudit(c: pg.Pool, entry: NewAuditEntry): Promise<void> {
  await c.query('INSERT INTO audit (at, actor, origin, action, target, details) VALUES ($1, $2, $3, $4, $5, $6)', [
    entry.at,
    entry.actor,
    entry.origin,
    entry.action,
    entry.target ?? null,
    entry.details === undefined ? null : JSON.stringify(entry.details),
  ]);
}

export async function listAudit(c: pg.Pool, filter: AuditFilter = {}): Promise<AuditEntry[]> {
  const { rows } = await c.query<Parameters<typeof toAudit>[0]>(
    'SELECT * FROM audit WHERE at >= $1 AND ($2::text IS NULL OR actor = $2::text) ORDER BY id DESC LIMIT $3',
    [filter.since ?? 0, filter.actor ?? null, filter.limit ?? 100],
  );
  return rows.map(toAudit);
}

export function prune(pool: pg.Pool, req: PruneRequest): Promise<PruneCounts> {
  return inTransaction(pool, async (c) => {
    const counts: PruneCounts = { runs: 0, logs: 0, audit: 0 };
    const count = async (sql: string, params: unknown[]) => Number((await c.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0);
    if (req.logsBefore !== undefined) {
      counts.logs = req.dryRun ? await count(`SELECT count(*) AS n ${OLD_LOGS}`, [req.logsBefore]) : ((await c.query(`DELETE ${OLD_LOGS}`, [req.logsBefore])).rowCount ?? 0);
    }
    if (req.runsBefore !== undefined) {
      // Lock the runs first, so a run being retried (status moving off a finished one) is not taken from under it.
      const ids = (await c.query<{ id: string }>(`${PRUNABLE} FOR UPDATE OF r SKIP LOCKED`, [req.runsBefore])).rows.map((r) => r.id);
      counts.runs = ids.length;
      if (!req.dryRun && ids.length > 0) {
        counts.logs += (await c.query('DELETE FROM logs WHERE run_id = ANY($1::text[])', [ids])).rowCount ?? 0;
        for (const table of RUN_TABLES) await c.query(`DELETE FROM ${table} WHERE run_id = ANY($1::text[])`, [ids]);
        await c.query('DELETE FROM runs WHERE id = ANY($1::text[])', [ids]);
      }
    }
    if (req.auditBefore !== undefined) {
      counts.audit = req.dryRun ? await count('SELECT count(*) AS n FROM audit WHERE at < $1', [req.auditBefore]) : ((await c.query('DELETE FROM audit WHERE at < $1', [req.auditBefore])).rowCount ?? 0);
    }
    return counts;
  });
}
