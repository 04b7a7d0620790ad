import type Database from 'better-sqlite3';
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
} from '../store.js';
import type { HeldTask, NewStepTask, StepTask, StepTaskStatus, TaskRenewal, TaskResult } from '../step-tasks.js';
import { TaskStatements } from './tasks.js';
import { insertRun, writeBatches } from './commit.js';
import { openDatabase, type SqliteStoreOptions } from './connection.js';
import { toStoreError } from './errors.js';
import { pin } from './native-lifetime.js';
import { setPragma } from './pragma.js';
import * as leases from './leases.js';
import * as locks from './locks.js';
import * as logs from './logs.js';
import * as notes from './notes.js';
import { definitionParams, ownerParams, toDefinition, toEvent, toNote, toOwner, toProcess, toRequest, toRun, toStep } from './rows.js';
import { prepareStatements, RunQueries, type Statements } from './statements.js';
import {
  deliveryParams,
  keyParams,
  prepareServerStatements,
  settleParams,
  toDelivery,
  toFeedEntry,
  toKey,
  toWebhook,
  webhookParams,
  type ServerStatements,
} from './server-tables.js';

import { prepareOperations, type OperationStatements } from './operations.js';
import type { AuditEntry, AuditFilter, NewAuditEntry, PruneCounts, PruneRequest, SecretListing, StoredSecret } from '../operations.js';

export type { SqliteStoreOptions } from './connection.js';

/** Opens the embedded store in one file, creating the file and its directory if missing. */
export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(path, openDatabase(path, opts), opts.busyTimeoutMs ?? 5000);
}

/**
 * The Store on better-sqlite3. Its calls are synchronous; the async methods only wrap the
 * results, without deferring, so a commit costs what SQLite costs. Every write runs under
 * BEGIN IMMEDIATE: it takes the write lock up front (waiting up to the busy timeout)
 * instead of failing mid-way when another process writes between our read and our write.
 */
export class SqliteStore implements Store {
  readonly location: string;
  private readonly s: Statements;
  private readonly server: ServerStatements;
  private readonly runs: RunQueries;
  private readonly tx: ReturnType<typeof transactions>;
  private operations: OperationStatements | undefined;
  private readonly tasks: TaskStatements;

  constructor(
    private readonly path: string,
    private readonly db: Database.Database,
    private readonly busyTimeoutMs: number,
  ) {
    this.location = `sqlite:${path}`;
    this.s = prepareStatements(db);
    this.server = prepareServerStatements(db);
    this.runs = new RunQueries(db);
    this.tx = transactions(db, this.s, this.server);
    this.tasks = new TaskStatements(db);
    // Its statements and transaction functions must never be collected (native-lifetime.ts).
    pin(this);
  }

  async putDefinition(def: StoredDefinition): Promise<void> {
    this.guard(() => this.s.putDefinition.run(...definitionParams(def)));
  }

  async getDefinition(hash: string): Promise<StoredDefinition | undefined> {
    const row = this.guard(() => this.s.getDefinition.get(hash));
    return row === undefined ? undefined : toDefinition(row);
  }

  async findDefinition(workflowId: string): Promise<StoredDefinition | undefined> {
    const row = this.guard(() => this.s.findDefinition.get(workflowId));
    return row === undefined ? undefined : toDefinition(row);
  }

  async listDefinitions(workflowId?: string): Promise<StoredDefinition[]> {
    return this.guard(() => this.s.listDefinitions.all({ workflowId: workflowId ?? null })).map(toDefinition);
  }

  async createRun(run: Run, events: RunEvent[], claim?: { ownerId: string; leaseMs: number }, opts: { startKey?: string } = {}): Promise<Claim | undefined> {
    return this.guard(() => this.tx.createRun.immediate(run, events, claim, Date.now(), opts.startKey));
  }

  async findRunByStartKey(startKey: string): Promise<Run | undefined> {
    const id = this.guard(() => this.server.runIdByStartKey.get(startKey));
    return id === undefined ? undefined : this.getRun(id);
  }

  async countRuns(): Promise<Partial<Record<RunStatus, number>>> {
    const counts: Partial<Record<RunStatus, number>> = {};
    for (const row of this.guard(() => this.server.countRuns.all())) counts[row.status] = row.n;
    return counts;
  }

  async commit(batches: CommitBatch[]): Promise<CommitResult> {
    if (batches.length === 0) return { refused: [] };
    return { refused: this.guard(() => this.tx.commit.immediate(batches)) };
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = this.guard(() => this.s.getRun.get(id));
    return row === undefined ? undefined : toRun(row);
  }

  async findRunIds(prefix: string, limit: number): Promise<string[]> {
    return this.guard(() => this.s.findRunIds.all({ prefix, limit }));
  }

  async listRuns(filter: RunFilter): Promise<Run[]> {
    return this.guard(() => this.runs.list(filter)).map(toRun);
  }

  async getSteps(runId: string): Promise<StepRun[]> {
    return this.guard(() => this.s.getSteps.all(runId)).map(toStep);
  }

  async readEvents(runId: string, afterSeq = 0): Promise<RunEvent[]> {
    return this.guard(() => this.s.readEvents.all(runId, afterSeq)).map(toEvent);
  }

  async registerOwner(owner: Owner): Promise<void> {
    this.guard(() => this.s.registerOwner.run(...ownerParams(owner)));
  }

  async heartbeat(ownerId: string, leaseMs: number, load?: { running: number }): Promise<void> {
    this.guard(() => this.tx.heartbeat.immediate(ownerId, leaseMs, Date.now(), load?.running));
  }

  async listOwners(): Promise<Owner[]> {
    return this.guard(() => this.s.listOwners.all()).map(toOwner);
  }

  async removeOwner(ownerId: string): Promise<void> {
    this.guard(() => this.tx.removeOwner.immediate(ownerId));
  }

  async claimRuns(ownerId: string, opts: ClaimOptions): Promise<Claim[]> {
    return this.guard(() => this.tx.claimRuns.immediate(ownerId, opts, Date.now()));
  }

  async releaseRun(runId: string, ownerId: string): Promise<void> {
    this.guard(() => this.s.releaseRun.run(runId, ownerId));
  }

  async getLease(runId: string): Promise<Lease | undefined> {
    return this.guard(() => leases.getLease(this.s, runId));
  }

  async addRequest(req: NewRunRequest): Promise<void> {
    this.guard(() => this.s.addRequest.run(req.runId, req.type, JSON.stringify(req.data), req.by ?? null, Date.now()));
  }

  async takeRequests(runIds: string[]): Promise<RunRequest[]> {
    if (runIds.length === 0) return [];
    // One UPDATE ... RETURNING marks and returns atomically; RETURNING has no order.
    const rows = this.guard(() => this.s.takeRequests.all(Date.now(), JSON.stringify(runIds)));
    return rows.sort((a, b) => a.id - b.id).map(toRequest);
  }

  async recordProcess(proc: StepProcess): Promise<void> {
    this.guard(() => this.s.recordProcess.run(proc.runId, proc.step, proc.attempt, proc.host, proc.pid, proc.pidStart ?? null));
  }

  async listProcesses(runId: string): Promise<StepProcess[]> {
    return this.guard(() => this.s.listProcesses.all(runId)).map(toProcess);
  }

  async removeProcess(runId: string, step: string, attempt: number): Promise<void> {
    this.guard(() => this.s.removeProcess.run(runId, step, attempt));
  }

  async addNote(note: NewNote): Promise<Note> {
    return this.guard(() => notes.addNote(this.s, note, Date.now()));
  }

  async searchNotes(query: string, opts: { limit?: number; category?: string } = {}): Promise<NoteHit[]> {
    return this.guard(() => notes.searchNotes(this.s, query, opts));
  }

  async appendLogs(lines: LogLine[]): Promise<void> {
    if (lines.length === 0) return;
    this.guard(() => this.tx.appendLogs.immediate(lines));
  }

  async readLogs(runId: string, opts: { step?: string; afterId?: number; limit?: number } = {}): Promise<LogLine[]> {
    return this.guard(() => logs.readLogs(this.s, runId, opts));
  }

  async acquireLocks(req: LockRequest): Promise<LockOutcome> {
    return this.guard(() => this.tx.acquireLocks.immediate(req, Date.now()));
  }

  async releaseLocks(holder: LockHolderKey): Promise<void> {
    this.guard(() => this.tx.releaseLocks.immediate(holder));
  }

  async listLocks(): Promise<LockTable> {
    return this.guard(() => this.tx.listLocks.deferred());
  }

  async readFeed(opts: { after: number; limit: number; runId?: string }): Promise<FeedEntry[]> {
    const rows = this.guard(() =>
      opts.runId === undefined ? this.server.readFeed.all(opts.after, opts.limit) : this.server.readRunFeed.all(opts.runId, opts.after, opts.limit),
    );
    return rows.map(toFeedEntry);
  }

  async feedHead(): Promise<number> {
    return this.guard(() => this.server.feedHead.get()) ?? 0;
  }

  async getCursor(name: string): Promise<number | undefined> {
    return this.guard(() => this.server.getCursor.get(name));
  }

  async setCursor(name: string, value: number): Promise<void> {
    this.guard(() => this.server.setCursor.run(name, value));
  }

  async putKey(key: AccessKey): Promise<void> {
    this.guard(() => this.server.putKey.run(...keyParams(key)));
  }

  async getKey(id: string): Promise<AccessKey | undefined> {
    const row = this.guard(() => this.server.getKey.get(id));
    return row === undefined ? undefined : toKey(row);
  }

  async listKeys(): Promise<AccessKey[]> {
    return this.guard(() => this.server.listKeys.all()).map(toKey);
  }

  async revokeKey(idOrName: string, at: number): Promise<AccessKey | undefined> {
    return this.guard(() => this.tx.revokeKey.immediate(idOrName, at));
  }

  async putWebhook(webhook: Webhook): Promise<void> {
    this.guard(() => this.server.putWebhook.run(...webhookParams(webhook)));
  }

  async getWebhook(id: string): Promise<Webhook | undefined> {
    const row = this.guard(() => this.server.getWebhook.get(id));
    return row === undefined ? undefined : toWebhook(row);
  }

  async listWebhooks(): Promise<Webhook[]> {
    return this.guard(() => this.server.listWebhooks.all()).map(toWebhook);
  }

  async deleteWebhook(id: string): Promise<boolean> {
    return this.guard(() => this.server.deleteWebhook.run(id)).changes > 0;
  }

  async disableWebhook(id: string, at: number, reason: string): Promise<void> {
    this.guard(() => this.server.disableWebhook.run(at, reason, id));
  }

  async enqueueDeliveries(cursorName: string, cursor: number, deliveries: NewDelivery[]): Promise<boolean> {
    return this.guard(() => this.tx.enqueueDeliveries.immediate(cursorName, cursor, deliveries));
  }

  async claimDeliveries(now: number, leaseMs: number, limit: number): Promise<Delivery[]> {
    const rows = this.guard(() => this.server.claimDeliveries.all({ now, until: now + leaseMs, limit }));
    // RETURNING has no order.
    return rows.map(toDelivery).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async settleDelivery(id: string, update: DeliveryUpdate): Promise<void> {
    this.guard(() => this.server.settleDelivery.run(settleParams(id, update)));
  }

  async listDeliveries(webhookId: string, opts: { limit?: number; status?: Delivery['status'] } = {}): Promise<Delivery[]> {
    const rows = this.guard(() => this.server.listDeliveries.all({ webhookId, status: opts.status ?? null, limit: opts.limit ?? 100 }));
    return rows.map(toDelivery);
  }

  async nextDeliveryAt(): Promise<number | undefined> {
    return this.guard(() => this.server.nextDeliveryAt.get()) ?? undefined;
  }

  async listNotes(opts: { afterId?: number; limit: number }): Promise<Note[]> {
    return this.guard(() => this.server.listNotes.all(opts.afterId ?? 0, opts.limit)).map(toNote);
  }

  async listCursors(): Promise<Array<{ name: string; value: number }>> {
    return this.guard(() => this.server.listCursors.all());
  }

  async getStartKey(runId: string): Promise<string | undefined> {
    return this.guard(() => this.server.startKeyOf.get(runId)) ?? undefined;
  }

  async enqueueTasks(tasks: NewStepTask[]): Promise<string[]> {
    if (tasks.length === 0) return [];
    return this.guard(() => this.tasks.enqueue(tasks, Date.now()));
  }

  async getTasks(ids: string[]): Promise<StepTask[]> {
    return this.guard(() => this.tasks.get(ids));
  }

  async listTasks(filter: { runId?: string; status?: StepTaskStatus[]; limit?: number }): Promise<StepTask[]> {
    return this.guard(() => this.tasks.list(filter));
  }

  async claimTasks(workerId: string, opts: { labels: string[]; limit: number; leaseMs: number }): Promise<StepTask[]> {
    if (opts.limit <= 0) return [];
    return this.guard(() => this.tasks.claimTasks(workerId, opts.labels, opts.limit, opts.leaseMs, Date.now()));
  }

  async renewTasks(workerId: string, held: HeldTask[], leaseMs: number): Promise<TaskRenewal> {
    if (held.length === 0) return { lost: [], cancelled: [] };
    return this.guard(() => this.tasks.renewTasks(workerId, held, leaseMs, Date.now()));
  }

  async finishTask(task: HeldTask, result: TaskResult): Promise<boolean> {
    return this.guard(() => this.tasks.finishTask(task, result, Date.now()));
  }

  async cancelTask(id: string): Promise<void> {
    this.guard(() => this.tasks.cancelTask(id, Date.now()));
  }

  async expireTasks(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return this.guard(() => this.tasks.expireTasks(ids, Date.now()));
  }

  async pruneTasks(before: number): Promise<number> {
    return this.guard(() => this.tasks.pruneBefore(before));
  }

  // Operations (operations.ts): secrets, audit, retention.
  async putSecret(secret: StoredSecret): Promise<void> {
    this.guard(() => this.ops.putSecret(secret));
  }

  async getSecret(name: string): Promise<StoredSecret | undefined> {
    return this.guard(() => this.ops.getSecret(name));
  }

  async listSecrets(): Promise<SecretListing[]> {
    return this.guard(() => this.ops.listSecrets());
  }

  async deleteSecret(name: string): Promise<boolean> {
    return this.guard(() => this.ops.deleteSecret(name));
  }

  async addAudit(entry: NewAuditEntry): Promise<void> {
    this.guard(() => this.ops.addAudit(entry));
  }

  async listAudit(filter?: AuditFilter): Promise<AuditEntry[]> {
    return this.guard(() => this.ops.listAudit(filter));
  }

  async prune(req: PruneRequest): Promise<PruneCounts> {
    return this.guard(() => this.ops.prune(req));
  }

  async reclaim(): Promise<void> {
    this.guard(() => this.ops.reclaim());
  }

  private get ops(): OperationStatements {
    this.operations ??= prepareOperations(this.db);
    return this.operations;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      // Refreshes planner statistics when they matter; best effort, closing matters more.
      setPragma(this.db, 'optimize');
    } catch {
      // Another process holds the lock: skip it this time.
    }
    this.db.close();
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      throw toStoreError(err, this.path, this.busyTimeoutMs);
    }
  }
}

/** Transaction functions, built once: better-sqlite3 rolls back when one throws. */
function transactions(db: Database.Database, s: Statements, server: ServerStatements) {
  return {
    revokeKey: db.transaction((idOrName: string, at: number): AccessKey | undefined => {
      const row = server.liveKey.get({ key: idOrName });
      if (row === undefined) return undefined;
      server.revokeKey.run(at, row.id);
      return { ...toKey(row), revokedAt: at };
    }),
    enqueueDeliveries: db.transaction((cursorName: string, cursor: number, deliveries: NewDelivery[]): boolean => {
      const current = server.getCursor.get(cursorName);
      if (current !== undefined && current >= cursor) return false;
      for (const d of deliveries) server.insertDelivery.run(...deliveryParams(d));
      server.setCursor.run(cursorName, cursor);
      return true;
    }),
    createRun: db.transaction(
      (run: Run, events: RunEvent[], claim: { ownerId: string; leaseMs: number } | undefined, now: number, startKey: string | undefined) =>
        insertRun(s, run, events, claim, now, startKey),
    ),
    commit: db.transaction((batches: CommitBatch[]) => writeBatches(s, batches)),
    heartbeat: db.transaction((ownerId: string, leaseMs: number, now: number, running: number | undefined) =>
      leases.heartbeat(s, ownerId, leaseMs, now, running),
    ),
    removeOwner: db.transaction((ownerId: string) => leases.removeOwner(s, ownerId)),
    claimRuns: db.transaction((ownerId: string, opts: ClaimOptions, now: number) =>
      leases.claimRuns(s, ownerId, opts, now),
    ),
    appendLogs: db.transaction((lines: LogLine[]) => logs.appendLogs(s, lines)),
    acquireLocks: db.transaction((req: LockRequest, now: number) => locks.acquireLocks(s, req, now)),
    releaseLocks: db.transaction((holder: LockHolderKey) => locks.releaseLocks(s, holder)),
    // One read transaction, so holders and waiters are from the same moment.
    listLocks: db.transaction(() => locks.listLocks(s)),
  };
}
