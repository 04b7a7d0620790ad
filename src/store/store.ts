import type { NewNote, Note, NoteHit, Run, RunEvent, RunStatus, StepRun } from '../engine/types.js';
import type { AccessKey, Delivery, DeliveryUpdate, FeedEntry, NewDelivery, Webhook } from './records.js';
import type { AuditEntry, AuditFilter, NewAuditEntry, PruneCounts, PruneRequest, SecretListing, StoredSecret } from './operations.js';
import type { HeldTask, NewStepTask, StepTask, StepTaskStatus, TaskRenewal, TaskResult } from './step-tasks.js';

/**
 * The one durable store. Narrow and async so that SQLite (embedded) and PostgreSQL
 * (cluster) implement the same contract, checked by one conformance suite
 * (test/store/conformance.ts). The store decides nothing: the runtime hands it events and
 * the projections those events produce, and the store writes both in one transaction.
 */
export interface Store {
  /** Human-readable location, for messages ("sqlite:.cairn/cairn.db"). */
  readonly location: string;

  // Definitions, stored by content hash so a run always knows the exact text it started with.
  putDefinition(def: StoredDefinition): Promise<void>;
  getDefinition(hash: string): Promise<StoredDefinition | undefined>;
  /** The newest stored definition of a workflow id (a `workflow` step naming a stored workflow). */
  findDefinition(workflowId: string): Promise<StoredDefinition | undefined>;
  /** Every stored version, oldest first (of one workflow id, or of all). */
  listDefinitions(workflowId?: string): Promise<StoredDefinition[]>;

  /**
   * Create a run (status `queued`) with its first events, unowned or owned by `claim`.
   * With a `startKey` (a cron fire, a webhook message id, an Idempotency-Key), a second run
   * with the same key is refused: StoreError `STORE_DUPLICATE`, nothing written.
   */
  createRun(run: Run, events: RunEvent[], claim?: { ownerId: string; leaseMs: number }, opts?: { startKey?: string }): Promise<Claim | undefined>;
  /** The run created with this start key, if any. */
  findRunByStartKey(startKey: string): Promise<Run | undefined>;
  /** How many runs are in each status (statuses with none are absent). */
  countRuns(): Promise<Partial<Record<RunStatus, number>>>;

  /**
   * Group commit: append events for many runs in ONE transaction, with their projections.
   * A batch whose lease no longer matches (another owner took the run) is refused and
   * nothing of it is written; the other batches still commit.
   */
  commit(batches: CommitBatch[]): Promise<CommitResult>;

  getRun(id: string): Promise<Run | undefined>;
  /** Resolve a unique prefix of a run id, as git does for commits. */
  findRunIds(prefix: string, limit: number): Promise<string[]>;
  listRuns(filter: RunFilter): Promise<Run[]>;
  getSteps(runId: string): Promise<StepRun[]>;
  readEvents(runId: string, afterSeq?: number): Promise<RunEvent[]>;

  // Ownership: a process claims runs with a lease; a claim carries a fencing token.
  registerOwner(owner: Owner): Promise<void>;
  /**
   * Extend the owner's heartbeat and the leases of every run (and lock) it holds; `running`
   * (steps it runs now) is shown by `cairn nodes`.
   */
  heartbeat(ownerId: string, leaseMs: number, load?: { running: number }): Promise<void>;
  listOwners(): Promise<Owner[]>;
  removeOwner(ownerId: string): Promise<void>;
  /**
   * Claim unfinished runs that are unowned, whose lease expired, or whose owner is one of
   * `deadOwners`. With `runIds`, only those runs. Each claim increments the run's token.
   */
  claimRuns(ownerId: string, opts: ClaimOptions): Promise<Claim[]>;
  /** Give a run back (unowned) if `ownerId` still holds it. */
  releaseRun(runId: string, ownerId: string): Promise<void>;
  /** Who holds a run right now, if anyone. */
  getLease(runId: string): Promise<Lease | undefined>;

  // Requests from other processes (cancel, later approve/complete), drained by the owner.
  addRequest(req: NewRunRequest): Promise<void>;
  takeRequests(runIds: string[]): Promise<RunRequest[]>;

  // Process groups of running attempts: a new owner stops what a dead one left running
  // before it runs the step again, so two processes never run one step at once.
  recordProcess(proc: StepProcess): Promise<void>;
  listProcesses(runId: string): Promise<StepProcess[]>;
  removeProcess(runId: string, step: string, attempt: number): Promise<void>;

  // Memory: notes with full-text search (SQLite FTS5), ranked best first.
  addNote(note: NewNote): Promise<Note>;
  searchNotes(query: string, opts?: { limit?: number; category?: string }): Promise<NoteHit[]>;

  // Step output streams, written in batches outside the event transaction.
  appendLogs(lines: LogLine[]): Promise<void>;
  readLogs(runId: string, opts?: { step?: string; afterId?: number; limit?: number }): Promise<LogLine[]>;

  close(): Promise<void>;

  // Locks (docs/locks.md): named resources such as `port:8113`, and pools of slots, held by
  // step attempts across every process sharing the store. Waiters queue in FIFO order.
  /**
   * Take every claim of the request at once, or none: then the request joins the queue (or
   * keeps its place in it) and the answer says who is in the way. Void holds (owner not
   * registered or in `deadOwners`, or lease lapsed) and void waiters (owner gone, or
   * silent for `leaseMs`) are dropped first. Holds last `leaseMs`; `heartbeat` extends them.
   */
  acquireLocks(req: LockRequest): Promise<LockOutcome>;
  /** Drop an attempt's holds and its place in the queue (both, either, or neither). */
  releaseLocks(holder: LockHolderKey): Promise<void>;
  /** Every hold (oldest first) and every waiter (in queue order). */
  listLocks(): Promise<LockTable>;

  // The feed: every committed event in commit order, across runs; a cursor names a place.
  readFeed(opts: { after: number; limit: number; runId?: string }): Promise<FeedEntry[]>;
  /** The newest cursor (0 when empty). */
  feedHead(): Promise<number>;

  // Named cursors (where a reader of the feed got to; a cron trigger's last fire).
  getCursor(name: string): Promise<number | undefined>;
  setCursor(name: string, value: number): Promise<void>;

  // API keys: the server reads them on every request, so revoking takes effect at once.
  putKey(key: AccessKey): Promise<void>;
  getKey(id: string): Promise<AccessKey | undefined>;
  listKeys(): Promise<AccessKey[]>;
  /** Revoke a live key by id or name: the key as revoked, or undefined when there is none. */
  revokeKey(idOrName: string, at: number): Promise<AccessKey | undefined>;

  // Webhooks and their outbox.
  putWebhook(webhook: Webhook): Promise<void>;
  getWebhook(id: string): Promise<Webhook | undefined>;
  listWebhooks(): Promise<Webhook[]>;
  /** Delete a webhook and its deliveries; false when there is none. */
  deleteWebhook(id: string): Promise<boolean>;
  disableWebhook(id: string, at: number, reason: string): Promise<void>;
  /**
   * Atomically: queue the deliveries and move the named feed cursor to `cursor`, unless it
   * is already there or past it (another reader did the work): then nothing is written.
   */
  enqueueDeliveries(cursorName: string, cursor: number, deliveries: NewDelivery[]): Promise<boolean>;
  /**
   * Take pending deliveries that are due, pushing their `nextAt` to `now + leaseMs` so no
   * other process takes them meanwhile; a claim that is never settled comes due again.
   */
  claimDeliveries(now: number, leaseMs: number, limit: number): Promise<Delivery[]>;
  settleDelivery(id: string, update: DeliveryUpdate): Promise<void>;
  listDeliveries(webhookId: string, opts?: { limit?: number; status?: Delivery['status'] }): Promise<Delivery[]>;
  /** The soonest `nextAt` of a pending delivery, if any. */
  nextDeliveryAt(): Promise<number | undefined>;

  // Export: what `cairn migrate-store` needs, beyond the reads above, to copy a store whole.
  /** Notes oldest first (by id) after `afterId`, at most `limit`: every note, page by page. */
  listNotes(opts: { afterId?: number; limit: number }): Promise<Note[]>;
  /** Every named cursor, by name. */
  listCursors(): Promise<Array<{ name: string; value: number }>>;
  /** The start key the run was created with, if any. */
  getStartKey(runId: string): Promise<string | undefined>;

  // Operations (operations.ts): encrypted secrets, the audit trail, retention.
  /** Create or replace a secret by name. */
  putSecret(secret: StoredSecret): Promise<void>;
  getSecret(name: string): Promise<StoredSecret | undefined>;
  /** Every secret's name and when it changed, by name; never a value. */
  listSecrets(): Promise<SecretListing[]>;
  /** False when there is none. */
  deleteSecret(name: string): Promise<boolean>;
  addAudit(entry: NewAuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;
  /**
   * Delete finished runs (events, steps, logs, requests, processes, locks, feed entries),
   * old log lines of finished runs and old audit entries; never a run that is not
   * finished, nor a finished child whose parent is not. Counts what went (or would go).
   */
  prune(req: PruneRequest): Promise<PruneCounts>;
  /** Give freed space back (SQLite: checkpoint the WAL, incremental vacuum); may do nothing. */
  reclaim(): Promise<void>;

  // Step tasks: attempts handed to workers (step-tasks.ts, docs/cluster.md).
  /**
   * Queue tasks for workers, in one transaction; a task whose id is already there is left as
   * it is. Returns the ids of the tasks refused because their `lease` is no longer the run's.
   */
  enqueueTasks(tasks: NewStepTask[]): Promise<string[]>;
  getTasks(ids: string[]): Promise<StepTask[]>;
  /** A run's tasks (oldest first), or every task in the given states. */
  listTasks(filter: { runId?: string; status?: StepTaskStatus[]; limit?: number }): Promise<StepTask[]>;
  /**
   * Take up to `limit` queued tasks, oldest first, whose labels the worker has all of: each
   * gets the worker, a lease of `leaseMs` (on the store's clock) and a new fencing token.
   */
  claimTasks(workerId: string, opts: { labels: string[]; limit: number; leaseMs: number }): Promise<StepTask[]>;
  /** Extend the leases of the tasks the worker still holds; says which it lost or must stop. */
  renewTasks(workerId: string, held: HeldTask[], leaseMs: number): Promise<TaskRenewal>;
  /** Record the result; false (nothing written) unless the task is still claimed under this token. */
  finishTask(task: HeldTask, result: TaskResult): Promise<boolean>;
  /** Ask for a task to stop: a queued one is cancelled at once, a claimed one told through its renewals. */
  cancelTask(id: string): Promise<void>;
  /** Mark claimed tasks whose lease lapsed as lost (their results will be refused); returns those ids. */
  expireTasks(ids: string[]): Promise<string[]>;
  /** Delete finished tasks (done, lost, cancelled) older than `before` (ms). Returns how many. */
  pruneTasks(before: number): Promise<number>;
  /**
   * Be told at once when a task is queued or finished (PostgreSQL LISTEN/NOTIFY). Absent
   * where the store cannot push (SQLite): callers poll, as they also do as a fallback.
   */
  watchTasks?(listener: (change: TaskChange) => void): Promise<() => Promise<void>>;
}

/** What `watchTasks` reports: a task queued (with its labels) or finished. */
export type TaskChange = { kind: 'queued'; labels: string[] } | { kind: 'finished'; id: string };

/** The step attempt that holds or waits for locks. */
export interface LockHolderKey {
  runId: string;
  step: string;
  attempt: number;
}

export interface LockClaim {
  /** `port:8113`, `host:db-1`, `db`; a pool is `pool:<name>`. */
  name: string;
  /** How many may hold it at once: 1 for a lock, the slots of a pool. */
  capacity: number;
  /** Shared by every step of one run (workflow-level locks): re-entrant within the run. */
  perRun: boolean;
}

export interface LockRequest extends LockHolderKey {
  ownerId: string;
  claims: LockClaim[];
  /** Owners known to be gone (their process died): their holds and waits are void. */
  deadOwners?: string[];
  /** The requester's lease: how long its holds last without a heartbeat. */
  leaseMs: number;
}

export interface LockHold extends LockHolderKey {
  lock: string;
  ownerId: string;
  perRun: boolean;
  acquiredAt: number;
  /** When the hold lapses unless its owner's heartbeat extends it (as a run's lease). */
  expiresAt: number;
}

export interface LockWaiter extends LockHolderKey {
  /** Place in the queue: lower goes first. */
  seq: number;
  locks: string[];
  ownerId: string;
  since: number;
}

export type LockOutcome =
  | { acquired: true }
  /** `holders` hold what the request needs; `ahead` are earlier waiters for any of it. */
  | { acquired: false; holders: LockHold[]; ahead: LockWaiter[] };

export interface LockTable {
  holders: LockHold[];
  waiters: LockWaiter[];
}

export interface StoredDefinition {
  hash: string;
  workflowId: string;
  version: string;
  /** The exact text the user wrote. */
  source: string;
  format: 'yaml' | 'json';
  /** Where it came from, when it came from a file. */
  path?: string;
  createdAt: number;
}

export interface CommitBatch {
  runId: string;
  /** The lease under which the events were decided (omit only for unowned bookkeeping). */
  lease?: { ownerId: string; token: number };
  events: RunEvent[];
  /** The run's projection after the events, if it changed. */
  run?: Run;
  /** Projections of the step runs the events changed. */
  steps: StepRun[];
}

export interface CommitResult {
  /** Runs whose batch was refused because their lease is held by someone else now. */
  refused: string[];
}

export interface RunFilter {
  status?: RunStatus[];
  workflowId?: string;
  limit?: number;
  /** Runs created before this time (ms), for pagination newest-first. */
  before?: number;
  /** Only the sub-workflow runs started by this run's `workflow` steps. */
  parentRunId?: string;
}

export interface Owner {
  id: string;
  host: string;
  pid: number;
  /** Process start time as the OS reports it, to tell a reused pid from the owner. */
  pidStart?: string;
  startedAt: number;
  heartbeatAt: number;
  /** What the process is, for `cairn nodes`: an engine runs workflows, a worker runs steps only. */
  node?: NodeInfo;
  /** Steps it was running at its last heartbeat. */
  running?: number;
}

export interface NodeInfo {
  kind: 'engine' | 'worker';
  version: string;
  /** A worker's labels (a step's `runs_on` must be a subset). */
  labels?: string[];
  /** Steps a worker runs at once. */
  capacity?: number;
}

export interface ClaimOptions {
  leaseMs: number;
  runIds?: string[];
  deadOwners?: string[];
  limit?: number;
}

export interface Claim {
  runId: string;
  token: number;
}

export interface Lease {
  runId: string;
  ownerId: string;
  token: number;
  expiresAt: number;
}

export type RunRequestType = 'cancel' | 'complete' | 'approve' | 'signal' | 'pause' | 'unpause' | 'rollback';

export interface NewRunRequest {
  runId: string;
  type: RunRequestType;
  data: Record<string, unknown>;
  by?: string;
}

export interface RunRequest extends NewRunRequest {
  id: number;
  at: number;
}

export interface StepProcess {
  runId: string;
  step: string;
  attempt: number;
  host: string;
  /** The process group id (the leader's pid). */
  pid: number;
  /** The leader's start time as the OS reports it, to tell a reused pid apart. */
  pidStart?: string;
}

export interface LogLine {
  id?: number;
  runId: string;
  step: string;
  attempt: number;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
  at: number;
}

/** Raised when the store cannot proceed (locked by another process, disk full, corrupt). */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: 'STORE_BUSY' | 'STORE_UNAVAILABLE' | 'STORE_FULL' | 'STORE_CORRUPT' | 'STORE_VERSION' | 'STORE_DUPLICATE',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
