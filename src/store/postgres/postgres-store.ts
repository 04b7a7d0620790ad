import type pg from 'pg';
import type { NewNote, Note, NoteHit, Run, RunEvent, RunStatus, StepRun } from '../../engine/types.js';
import type { AccessKey, Delivery, DeliveryUpdate, FeedEntry, NewDelivery, Webhook } from '../records.js';
import type {
  Claim,
  ClaimOptions,
  CommitBatch,
  CommitResult,
  Lease,
  LockHolderKey,
  LockOutcome,
  LockRequest,
  LockTable,
  LogLine,
  NewRunRequest,
  Owner,
  RunFilter,
  RunRequest,
  StepProcess,
  Store,
  StoredDefinition,
  TaskChange,
} from '../store.js';
import type { HeldTask, NewStepTask, StepTask, StepTaskStatus, TaskRenewal, TaskResult } from '../step-tasks.js';
import * as tasks from './tasks.js';
import {
  definitionParams,
  ownerParams,
  toDefinition,
  toEvent,
  toLogLine,
  toOwner,
  toProcess,
  toRequest,
  toRun,
  toStep,
  type DefinitionRow,
  type EventRow,
  type LogRow,
  type OwnerRow,
  type ProcessRow,
  type RequestRow,
  type RunRow,
  type StepRow,
} from '../sqlite/rows.js';
import { capLine } from '../sqlite/logs.js';
import { toNote, type NoteRow } from '../sqlite/rows.js';
import { keyParams, toDelivery, toKey, toWebhook, webhookParams } from '../sqlite/server-tables.js';
import { insertRun, writeBatches } from './commit.js';
import { describeUrl, openPool, type PostgresStoreOptions } from './connection.js';
import { toStoreError } from './errors.js';
import * as leases from './leases.js';
import * as locks from './locks.js';
import * as notes from './notes.js';
import { listRuns } from './run-queries.js';
import * as server from './server-tables.js';
import { DEFINITION_COLUMNS, LOG_COLUMNS, NOTE_COLUMNS, placeholders, REQUEST_COLUMNS, RUN_COLUMNS, STEP_COLUMNS } from './sql.js';
import { inTransaction } from './transaction.js';

import * as operations from './operations.js';
import type { AuditEntry, AuditFilter, NewAuditEntry, PruneCounts, PruneRequest, SecretListing, StoredSecret } from '../operations.js';

export type { PostgresStoreOptions } from './connection.js';

type KeyRow = Parameters<typeof toKey>[0];
type WebhookRow = Parameters<typeof toWebhook>[0];
type DeliveryRow = Parameters<typeof toDelivery>[0];

/** Opens the store in the PostgreSQL database at `url`, creating its tables if missing. */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const where = describeUrl(url);
  return new PostgresStore(where, await openPool(url, where, opts), url);
}

/**
 * The Store on PostgreSQL, for several processes on several machines sharing one database.
 * Same contract as the SQLite store (one conformance suite); what differs is how each
 * guarantee is kept across processes: row locks (FOR UPDATE) fence commits against claims,
 * FOR UPDATE SKIP LOCKED lets claimers pass each other, advisory transaction locks order
 * the feed and decide locks, and leases run on the database's clock.
 */
export class PostgresStore implements Store {
  readonly location: string;
  private closed = false;

  constructor(
    private readonly where: string,
    private readonly pool: pg.Pool,
    private readonly url: string,
  ) {
    this.location = where;
  }

  async putDefinition(def: StoredDefinition): Promise<void> {
    await this.run(`INSERT INTO definitions (${DEFINITION_COLUMNS}) VALUES (${placeholders(7)}) ON CONFLICT (hash) DO NOTHING`, definitionParams(def));
  }

  async getDefinition(hash: string): Promise<StoredDefinition | undefined> {
    const row = (await this.rows<DefinitionRow>(`SELECT ${DEFINITION_COLUMNS} FROM definitions WHERE hash = $1`, [hash]))[0];
    return row === undefined ? undefined : toDefinition(row);
  }

  async findDefinition(workflowId: string): Promise<StoredDefinition | undefined> {
    const row = (
      await this.rows<DefinitionRow>(`SELECT ${DEFINITION_COLUMNS} FROM definitions WHERE workflow_id = $1 ORDER BY created_at DESC, ord DESC LIMIT 1`, [workflowId])
    )[0];
    return row === undefined ? undefined : toDefinition(row);
  }

  async listDefinitions(workflowId?: string): Promise<StoredDefinition[]> {
    const rows = await this.rows<DefinitionRow>(
      `SELECT ${DEFINITION_COLUMNS} FROM definitions WHERE ($1::text IS NULL OR workflow_id = $1::text) ORDER BY created_at, ord`,
      [workflowId ?? null],
    );
    return rows.map(toDefinition);
  }

  async createRun(run: Run, events: RunEvent[], claim?: { ownerId: string; leaseMs: number }, opts: { startKey?: string } = {}): Promise<Claim | undefined> {
    return this.tx((c) => insertRun(c, run, events, claim, opts.startKey));
  }

  async findRunByStartKey(startKey: string): Promise<Run | undefined> {
    const row = (await this.rows<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE start_key = $1`, [startKey]))[0];
    return row === undefined ? undefined : toRun(row);
  }

  async countRuns(): Promise<Partial<Record<RunStatus, number>>> {
    const counts: Partial<Record<RunStatus, number>> = {};
    for (const row of await this.rows<{ status: RunStatus; n: number }>('SELECT status, count(*) AS n FROM runs GROUP BY status')) counts[row.status] = row.n;
    return counts;
  }

  async commit(batches: CommitBatch[]): Promise<CommitResult> {
    if (batches.length === 0) return { refused: [] };
    return { refused: await this.tx((c) => writeBatches(c, batches)) };
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = (await this.rows<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]))[0];
    return row === undefined ? undefined : toRun(row);
  }

  async findRunIds(prefix: string, limit: number): Promise<string[]> {
    // The range lets the primary key (byte order, COLLATE "C") find the prefix; left()
    // makes it exact and literal: % and _ in a prefix are not patterns.
    const rows = await this.rows<{ id: string }>(
      'SELECT id FROM runs WHERE id >= $1 AND id < $1 || chr(1114111) AND left(id, length($1)) = $1 ORDER BY id LIMIT $2',
      [prefix, limit],
    );
    return rows.map((r) => r.id);
  }

  async listRuns(filter: RunFilter): Promise<Run[]> {
    return (await this.guard(() => listRuns(this.pool, filter))).map(toRun);
  }

  async getSteps(runId: string): Promise<StepRun[]> {
    return (await this.rows<StepRow>(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = $1 ORDER BY ord`, [runId])).map(toStep);
  }

  async readEvents(runId: string, afterSeq = 0): Promise<RunEvent[]> {
    return (await this.rows<EventRow>('SELECT run_id, seq, type, at, data FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq', [runId, afterSeq])).map(toEvent);
  }

  async registerOwner(owner: Owner): Promise<void> {
    await this.run(
      'INSERT INTO owners (id, host, pid, pid_start, started_at, heartbeat_at, node, running) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ' +
        'ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, pid_start = excluded.pid_start, ' +
        'started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, node = excluded.node, running = excluded.running',
      ownerParams(owner),
    );
  }

  async heartbeat(ownerId: string, leaseMs: number, load?: { running: number }): Promise<void> {
    await this.guard(() => leases.heartbeat(this.pool, ownerId, leaseMs, load?.running));
  }

  async listOwners(): Promise<Owner[]> {
    return (await this.rows<OwnerRow>('SELECT * FROM owners ORDER BY started_at, id')).map(toOwner);
  }

  async removeOwner(ownerId: string): Promise<void> {
    await this.tx((c) => leases.removeOwner(c, ownerId));
  }

  async claimRuns(ownerId: string, opts: ClaimOptions): Promise<Claim[]> {
    return this.guard(() => leases.claimRuns(this.pool, ownerId, opts));
  }

  async releaseRun(runId: string, ownerId: string): Promise<void> {
    await this.run('UPDATE runs SET owner_id = NULL, lease_expires_at = NULL WHERE id = $1 AND owner_id = $2', [runId, ownerId]);
  }

  async getLease(runId: string): Promise<Lease | undefined> {
    return this.guard(() => leases.getLease(this.pool, runId));
  }

  async addRequest(req: NewRunRequest): Promise<void> {
    await this.run('INSERT INTO requests (run_id, type, data, requested_by, at) VALUES ($1, $2, $3, $4, cairn_now_ms())', [
      req.runId,
      req.type,
      JSON.stringify(req.data),
      req.by ?? null,
    ]);
  }

  async takeRequests(runIds: string[]): Promise<RunRequest[]> {
    if (runIds.length === 0) return [];
    // One UPDATE ... RETURNING marks and returns atomically; RETURNING has no order.
    const rows = await this.rows<RequestRow>(
      `UPDATE requests SET taken_at = cairn_now_ms() WHERE taken_at IS NULL AND run_id = ANY($1::text[]) RETURNING ${REQUEST_COLUMNS}`,
      [runIds],
    );
    return rows.sort((a, b) => a.id - b.id).map(toRequest);
  }

  async recordProcess(proc: StepProcess): Promise<void> {
    await this.run(
      'INSERT INTO processes (run_id, step, attempt, host, pid, pid_start) VALUES ($1, $2, $3, $4, $5, $6) ' +
        'ON CONFLICT (run_id, step, attempt) DO UPDATE SET host = excluded.host, pid = excluded.pid, pid_start = excluded.pid_start',
      [proc.runId, proc.step, proc.attempt, proc.host, proc.pid, proc.pidStart ?? null],
    );
  }

  async listProcesses(runId: string): Promise<StepProcess[]> {
    return (await this.rows<ProcessRow>('SELECT run_id, step, attempt, host, pid, pid_start FROM processes WHERE run_id = $1 ORDER BY step, attempt', [runId])).map(
      toProcess,
    );
  }

  async removeProcess(runId: string, step: string, attempt: number): Promise<void> {
    await this.run('DELETE FROM processes WHERE run_id = $1 AND step = $2 AND attempt = $3', [runId, step, attempt]);
  }

  async addNote(note: NewNote): Promise<Note> {
    return this.guard(() => notes.addNote(this.pool, note));
  }

  async searchNotes(query: string, opts: { limit?: number; category?: string } = {}): Promise<NoteHit[]> {
    return this.guard(() => notes.searchNotes(this.pool, query, opts));
  }

  async appendLogs(lines: LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    // One statement for the batch; ids follow the order of the lines.
    await this.run(
      'INSERT INTO logs (run_id, step, attempt, stream, line, at) SELECT run_id, step, attempt, stream, line, at ' +
        'FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY AS l (run_id, step, attempt, stream, line, at, n) ORDER BY n',
      [lines.map((l) => l.runId), lines.map((l) => l.step), lines.map((l) => l.attempt), lines.map((l) => l.stream), lines.map((l) => capLine(l.line)), lines.map((l) => l.at)],
    );
  }

  async readLogs(runId: string, opts: { step?: string; afterId?: number; limit?: number } = {}): Promise<LogLine[]> {
    const rows = await this.rows<LogRow>(
      `SELECT ${LOG_COLUMNS} FROM logs WHERE run_id = $1 AND ($2::text IS NULL OR step = $2::text) AND id > $3 ORDER BY id LIMIT $4`,
      [runId, opts.step ?? null, opts.afterId ?? 0, opts.limit ?? null],
    );
    return rows.map(toLogLine);
  }

  async acquireLocks(req: LockRequest): Promise<LockOutcome> {
    return this.tx((c) => locks.acquireLocks(c, req));
  }

  async releaseLocks(holder: LockHolderKey): Promise<void> {
    await this.tx((c) => locks.releaseLocks(c, holder));
  }

  async listLocks(): Promise<LockTable> {
    return this.tx(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return locks.listLocks(c);
    });
  }

  async readFeed(opts: { after: number; limit: number; runId?: string }): Promise<FeedEntry[]> {
    return this.guard(() => server.readFeed(this.pool, opts));
  }

  async feedHead(): Promise<number> {
    return (await this.rows<{ head: number | null }>('SELECT max(feed_id) AS head FROM events'))[0]?.head ?? 0;
  }

  async getCursor(name: string): Promise<number | undefined> {
    return (await this.rows<{ value: number }>('SELECT value FROM cursors WHERE name = $1', [name]))[0]?.value;
  }

  async listCursors(): Promise<Array<{ name: string; value: number }>> {
    return this.rows<{ name: string; value: number }>('SELECT name, value FROM cursors ORDER BY name');
  }

  async listNotes(opts: { afterId?: number; limit: number }): Promise<Note[]> {
    return (await this.rows<NoteRow>(`SELECT ${NOTE_COLUMNS} FROM notes WHERE id > $1 ORDER BY id LIMIT $2`, [opts.afterId ?? 0, opts.limit])).map(toNote);
  }

  async getStartKey(runId: string): Promise<string | undefined> {
    return (await this.rows<{ start_key: string | null }>('SELECT start_key FROM runs WHERE id = $1', [runId]))[0]?.start_key ?? undefined;
  }

  async setCursor(name: string, value: number): Promise<void> {
    await this.run('INSERT INTO cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, value]);
  }

  async putKey(key: AccessKey): Promise<void> {
    await this.run('INSERT INTO access_keys (id, name, role, hash, created_at, created_by, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', keyParams(key));
  }

  async getKey(id: string): Promise<AccessKey | undefined> {
    const row = (await this.rows<KeyRow>('SELECT * FROM access_keys WHERE id = $1', [id]))[0];
    return row === undefined ? undefined : toKey(row);
  }

  async listKeys(): Promise<AccessKey[]> {
    return (await this.rows<KeyRow>('SELECT * FROM access_keys ORDER BY created_at, id')).map(toKey);
  }

  async revokeKey(idOrName: string, at: number): Promise<AccessKey | undefined> {
    return this.tx((c) => server.revokeKey(c, idOrName, at));
  }

  async putWebhook(webhook: Webhook): Promise<void> {
    await this.run(
      'INSERT INTO webhooks (id, url, events, secret, description, created_at, created_by, disabled_at, disabled_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      webhookParams(webhook),
    );
  }

  async getWebhook(id: string): Promise<Webhook | undefined> {
    const row = (await this.rows<WebhookRow>('SELECT * FROM webhooks WHERE id = $1', [id]))[0];
    return row === undefined ? undefined : toWebhook(row);
  }

  async listWebhooks(): Promise<Webhook[]> {
    return (await this.rows<WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, id')).map(toWebhook);
  }

  async deleteWebhook(id: string): Promise<boolean> {
    return (await this.run('DELETE FROM webhooks WHERE id = $1', [id])) > 0;
  }

  async disableWebhook(id: string, at: number, reason: string): Promise<void> {
    await this.run('UPDATE webhooks SET disabled_at = $1, disabled_reason = $2 WHERE id = $3', [at, reason, id]);
  }

  async enqueueDeliveries(cursorName: string, cursor: number, deliveries: NewDelivery[]): Promise<boolean> {
    return this.tx((c) => server.enqueueDeliveries(c, cursorName, cursor, deliveries));
  }

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<Delivery[]> {
    return this.guard(() => server.claimDeliveries(this.pool, now, leaseMs, limit));
  }

  async settleDelivery(id: string, update: DeliveryUpdate): Promise<void> {
    await this.guard(() => server.settleDelivery(this.pool, id, update));
  }

  async listDeliveries(webhookId: string, opts: { limit?: number; status?: Delivery['status'] } = {}): Promise<Delivery[]> {
    const rows = await this.rows<DeliveryRow>(
      'SELECT * FROM webhook_deliveries WHERE webhook_id = $1 AND ($2::text IS NULL OR status = $2::text) ORDER BY created_at DESC, id DESC LIMIT $3',
      [webhookId, opts.status ?? null, opts.limit ?? 100],
    );
    return rows.map(toDelivery);
  }

  async nextDeliveryAt(): Promise<number | undefined> {
    return (await this.rows<{ next: number | null }>("SELECT min(next_at) AS next FROM webhook_deliveries WHERE status = 'pending'"))[0]?.next ?? undefined;
  }

  // Operations (operations.ts): secrets, audit, retention.
  async putSecret(secret: StoredSecret): Promise<void> {
    await this.guard(() => operations.putSecret(this.pool, secret));
  }

  async getSecret(name: string): Promise<StoredSecret | undefined> {
    return this.guard(() => operations.getSecret(this.pool, name));
  }

  async listSecrets(): Promise<SecretListing[]> {
    return this.guard(() => operations.listSecrets(this.pool));
  }

  async deleteSecret(name: string): Promise<boolean> {
    return this.guard(() => operations.deleteSecret(this.pool, name));
  }

  async addAudit(entry: NewAuditEntry): Promise<void> {
    await this.guard(() => operations.addAudit(this.pool, entry));
  }

  async listAudit(filter?: AuditFilter): Promise<AuditEntry[]> {
    return this.guard(() => operations.listAudit(this.pool, filter));
  }

  async prune(req: PruneRequest): Promise<PruneCounts> {
    return this.guard(() => operations.prune(this.pool, req));
  }

  /** PostgreSQL's autovacuum gives the space back on its own. */
  async reclaim(): Promise<void> {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async enqueueTasks(list: NewStepTask[]): Promise<string[]> {
    if (list.length === 0) return [];
    return this.guard(() => tasks.enqueueTasks(this.pool, list));
  }

  async getTasks(ids: string[]): Promise<StepTask[]> {
    return this.guard(() => tasks.getTasks(this.pool, ids));
  }

  async listTasks(filter: { runId?: string; status?: StepTaskStatus[]; limit?: number }): Promise<StepTask[]> {
    return this.guard(() => tasks.listTasks(this.pool, filter));
  }

  async claimTasks(workerId: string, opts: { labels: string[]; limit: number; leaseMs: number }): Promise<StepTask[]> {
    if (opts.limit <= 0) return [];
    return this.guard(() => tasks.claimTasks(this.pool, workerId, opts));
  }

  async renewTasks(workerId: string, held: HeldTask[], leaseMs: number): Promise<TaskRenewal> {
    if (held.length === 0) return { lost: [], cancelled: [] };
    return this.guard(() => tasks.renewTasks(this.pool, workerId, held, leaseMs));
  }

  async finishTask(task: HeldTask, result: TaskResult): Promise<boolean> {
    return this.guard(() => tasks.finishTask(this.pool, task, result));
  }

  async cancelTask(id: string): Promise<void> {
    await this.guard(() => tasks.cancelTask(this.pool, id));
  }

  async expireTasks(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.guard(() => tasks.expireTasks(this.pool, ids));
  }

  async pruneTasks(before: number): Promise<number> {
    return this.guard(() => tasks.pruneTasks(this.pool, before));
  }

  async watchTasks(listener: (change: TaskChange) => void): Promise<() => Promise<void>> {
    return this.guard(() => tasks.watchTasks(this.url, listener));
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.guard(async () => (await this.pool.query<R>(sql, params)).rows);
  }

  /** Runs one statement; the number of rows it touched. */
  private async run(sql: string, params: unknown[]): Promise<number> {
    return this.guard(async () => (await this.pool.query(sql, params)).rowCount ?? 0);
  }

  private async tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.guard(() => inTransaction(this.pool, work));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw toStoreError(err, this.where);
    }
  }
}
