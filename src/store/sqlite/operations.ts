import type { Database, Statement } from 'better-sqlite3';
import type { AuditEntry, AuditFilter, NewAuditEntry, PruneCounts, PruneRequest, SecretListing, StoredSecret } from '../operations.js';
import { TERMINAL_RUN_STATUSES } from '../../engine/types.js';
import { readPragma, setPragma } from './pragma.js';

/*
 * Statements for migration 007: secrets, the audit trail, and retention. Built on first use
 * (and pinned with the database, like every statement: native-lifetime.ts).
 */

type Bind = unknown[];

interface SecretRow {
  name: string;
  sealed: string;
  updated_at: number;
  updated_by: string | null;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string;
  origin: string;
  action: string;
  target: string | null;
  details: string | null;
}

const TERMINAL = TERMINAL_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/** Finished runs before @before, leaving alone a child whose parent is still going. */
const PRUNABLE = `SELECT r.id FROM runs r
  WHERE r.status IN (${TERMINAL}) AND r.finished_at IS NOT NULL AND r.finished_at < @before
    AND NOT EXISTS (SELECT 1 FROM runs p WHERE p.id = r.parent_run_id AND p.status NOT IN (${TERMINAL}))`;

/** Tables keyed by run id without a cascading foreign key. */
const RUN_TABLES = ['events', 'steps', 'processes', 'lock_holds', 'lock_waiters', 'feed', 'requests'];

export function prepareOperations(db: Database) {
  const p = <R = unknown>(sql: string): Statement<Bind, R> => db.prepare<Bind, R>(sql);
  // The ids of one prune, on this connection only.
  db.exec('CREATE TEMP TABLE IF NOT EXISTS prune_ids (id TEXT PRIMARY KEY)');
  const s = {
    putSecret: p(
      'INSERT INTO secrets (name, sealed, updated_at, updated_by) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at, updated_by = excluded.updated_by',
    ),
    getSecret: p<SecretRow>('SELECT * FROM secrets WHERE name = ?'),
    listSecrets: p<SecretRow>('SELECT name, updated_at, updated_by FROM secrets ORDER BY name'),
    deleteSecret: p('DELETE FROM secrets WHERE name = ?'),
    addAudit: p('INSERT INTO audit (at, actor, origin, action, target, details) VALUES (?, ?, ?, ?, ?, ?)'),
    listAudit: p<AuditRow>('SELECT * FROM audit WHERE at >= @since AND (@actor IS NULL OR actor = @actor) ORDER BY id DESC LIMIT @limit'),
    prunableRuns: p<string>(PRUNABLE).pluck(),
    clearIds: p('DELETE FROM prune_ids'),
    insertId: p('INSERT INTO prune_ids (id) VALUES (?)'),
    deleteRunLogs: p('DELETE FROM logs WHERE run_id IN (SELECT id FROM prune_ids)'),
    deleteFrom: RUN_TABLES.map((table) => p(`DELETE FROM ${table} WHERE run_id IN (SELECT id FROM prune_ids)`)),
    deleteRuns: p('DELETE FROM runs WHERE id IN (SELECT id FROM prune_ids)'),
    oldLogs: p<number>(`SELECT count(*) FROM logs WHERE at < @before AND run_id IN (SELECT id FROM runs WHERE status IN (${TERMINAL}))`).pluck(),
    deleteOldLogs: p(`DELETE FROM logs WHERE at < @before AND run_id IN (SELECT id FROM runs WHERE status IN (${TERMINAL}))`),
    oldAudit: p<number>('SELECT count(*) FROM audit WHERE at < @before').pluck(),
    deleteOldAudit: p('DELETE FROM audit WHERE at < @before'),
  };
  const prune = db.transaction((req: PruneRequest): PruneCounts => {
    const counts: PruneCounts = { runs: 0, logs: 0, audit: 0 };
    if (req.logsBefore !== undefined) {
      counts.logs = req.dryRun ? (s.oldLogs.get({ before: req.logsBefore }) ?? 0) : s.deleteOldLogs.run({ before: req.logsBefore }).changes;
    }
    if (req.runsBefore !== undefined) {
      const ids = s.prunableRuns.all({ before: req.runsBefore });
      counts.runs = ids.length;
      if (!req.dryRun && ids.length > 0) {
        s.clearIds.run();
        for (const id of ids) s.insertId.run(id);
        counts.logs += s.deleteRunLogs.run().changes;
        for (const del of s.deleteFrom) del.run();
        s.deleteRuns.run();
        s.clearIds.run();
      }
    }
    if (req.auditBefore !== undefined) {
      counts.audit = req.dryRun ? (s.oldAudit.get({ before: req.auditBefore }) ?? 0) : s.deleteOldAudit.run({ before: req.auditBefore }).changes;
    }
    return counts;
  });
  return {
    putSecret(secret: StoredSecret): void {
      s.putSecret.run(secret.name, secret.sealed, secret.updatedAt, secret.updatedBy ?? null);
    },
    getSecret(name: string): StoredSecret | undefined {
      const row = s.getSecret.get(name);
      return row === undefined ? undefined : { name: row.name, sealed: row.sealed, updatedAt: row.updated_at, ...(row.updated_by !== null ? { updatedBy: row.updated_by } : {}) };
    },
    listSecrets(): SecretListing[] {
      return s.listSecrets.all().map((row) => ({ name: row.name, updatedAt: row.updated_at, ...(row.updated_by !== null ? { updatedBy: row.updated_by } : {}) }));
    },
    deleteSecret(name: string): boolean {
      return s.deleteSecret.run(name).changes > 0;
    },
    addAudit(entry: NewAuditEntry): void {
      s.addAudit.run(entry.at, entry.actor, entry.origin, entry.action, entry.target ?? null, entry.details === undefined ? null : JSON.stringify(entry.details));
    },
    listAudit(filter: AuditFilter = {}): AuditEntry[] {
      return s.listAudit.all({ since: filter.since ?? 0, actor: filter.actor ?? null, limit: filter.limit ?? 100 }).map(toAudit);
    },
    prune: (req: PruneRequest): PruneCounts => prune.immediate(req),
    reclaim(): void {
      // Pages freed by a prune are reused by later writes either way; a store created with
      // auto_vacuum = incremental can also hand them back to the file system.
      if (readPragma(db, 'auto_vacuum') === 2) setPragma(db, 'incremental_vacuum');
      setPragma(db, 'wal_checkpoint(TRUNCATE)');
    },
  };
}

export type OperationStatements = ReturnType<typeof prepareOperations>;

export function toAudit(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    origin: row.origin,
    action: row.action,
    ...(row.target !== null ? { target: row.target } : {}),
    ...(row.details !== null ? { details: JSON.parse(row.details) as Record<string, unknown> } : {}),
  };
}
