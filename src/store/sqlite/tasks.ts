import type { Database, Statement } from 'better-sqlite3';
import { labelSet, TASK_COLUMNS, toTask, type HeldTask, type NewStepTask, type StepTask, type StepTaskStatus, type TaskRenewal, type TaskResult, type TaskRow } from '../step-tasks.js';

/*
 * Step tasks on SQLite (migration 006): the same contract as on PostgreSQL, for workers on
 * the machine that holds the file. Every write is one transaction under BEGIN IMMEDIATE,
 * so a claim is atomic without row locks: SQLite has one writer at a time.
 */

const FINISHED = "('done', 'lost', 'cancelled')";

export class TaskStatements {
  private readonly insert: Statement;
  private readonly byId: Statement<[string], TaskRow>;
  private readonly byRun: Statement<[string, number], TaskRow>;
  private readonly byStatus: Statement<[string, number], TaskRow>;
  private readonly claimable: Statement<[string, number], TaskRow>;
  private readonly claim: Statement;
  private readonly renew: Statement;
  private readonly heldState: Statement<[string], { status: StepTaskStatus; fence: number; worker_id: string | null; cancel_requested: number }>;
  private readonly finish: Statement;
  private readonly cancelQueued: Statement;
  private readonly cancelClaimed: Statement;
  private readonly expire: Statement;
  private readonly prune: Statement;
  private readonly leaseHolds: Statement<[string, string, number], number>;
  readonly enqueue: (tasks: NewStepTask[], now: number) => string[];
  readonly claimTasks: (workerId: string, labels: string[], limit: number, leaseMs: number, now: number) => StepTask[];
  readonly renewTasks: (workerId: string, held: HeldTask[], leaseMs: number, now: number) => TaskRenewal;
  readonly finishTask: (task: HeldTask, result: TaskResult, now: number) => boolean;
  readonly cancelTask: (id: string, now: number) => void;
  readonly expireTasks: (ids: string[], now: number) => string[];

  constructor(db: Database) {
    this.insert = db.prepare(
      'INSERT INTO step_tasks (id, run_id, step, attempt, idempotency_key, command, parameters, labels, workdir, created_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.leaseHolds = db.prepare<[string, string, number], number>('SELECT 1 FROM runs WHERE id = ? AND owner_id = ? AND lease_token = ?').pluck();
    this.byId = db.prepare(`SELECT ${TASK_COLUMNS} FROM step_tasks WHERE id = ?`);
    this.byRun = db.prepare(`SELECT ${TASK_COLUMNS} FROM step_tasks WHERE run_id = ? ORDER BY created_at, rowid LIMIT ?`);
    this.byStatus = db.prepare(`SELECT ${TASK_COLUMNS} FROM step_tasks WHERE status IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid LIMIT ?`);
    // A worker may take a task when no label of the task is missing from its own.
    this.claimable = db.prepare(
      `SELECT ${TASK_COLUMNS} FROM step_tasks t WHERE status = 'queued' ` +
        'AND NOT EXISTS (SELECT 1 FROM json_each(t.labels) l WHERE l.value NOT IN (SELECT value FROM json_each(?))) ' +
        'ORDER BY created_at, rowid LIMIT ?',
    );
    this.claim = db.prepare("UPDATE step_tasks SET status = 'claimed', worker_id = ?, fence = fence + 1, lease_expires_at = ?, claimed_at = ? WHERE id = ? AND status = 'queued'");
    this.renew = db.prepare("UPDATE step_tasks SET lease_expires_at = ? WHERE id = ? AND fence = ? AND worker_id = ? AND status = 'claimed'");
    this.heldState = db.prepare('SELECT status, fence, worker_id, cancel_requested FROM step_tasks WHERE id = ?');
    this.finish = db.prepare("UPDATE step_tasks SET status = 'done', result = ?, finished_at = ?, lease_expires_at = NULL WHERE id = ? AND fence = ? AND status = 'claimed'");
    this.cancelQueued = db.prepare("UPDATE step_tasks SET status = 'cancelled', cancel_requested = 1, finished_at = ? WHERE id = ? AND status = 'queued'");
    this.cancelClaimed = db.prepare("UPDATE step_tasks SET cancel_requested = 1 WHERE id = ? AND status = 'claimed'");
    this.expire = db.prepare("UPDATE step_tasks SET status = 'lost', finished_at = ? WHERE id = ? AND status = 'claimed' AND lease_expires_at < ?");
    this.prune = db.prepare(`DELETE FROM step_tasks WHERE status IN ${FINISHED} AND finished_at < ?`);

    this.enqueue = db.transaction((tasks: NewStepTask[], now: number) => {
      const refused: string[] = [];
      for (const task of tasks) {
        // Only under the run's current lease, when one is given (step-tasks.ts).
        if (task.lease && this.leaseHolds.get(task.runId, task.lease.ownerId, task.lease.token) === undefined) {
          refused.push(task.id);
          continue;
        }
        this.insert.run(task.id, task.runId, task.step, task.attempt, task.idempotencyKey, task.command, JSON.stringify(task.parameters), labelSet(task.labels), task.workdir ?? null, now);
      }
      return refused;
    }).immediate;
    this.claimTasks = db.transaction((workerId: string, labels: string[], limit: number, leaseMs: number, now: number) => {
      const rows = this.claimable.all(JSON.stringify(labels), limit);
      const taken: StepTask[] = [];
      for (const row of rows) {
        if (this.claim.run(workerId, now + leaseMs, now, row.id).changes === 0) continue;
        taken.push(toTask({ ...row, status: 'claimed', worker_id: workerId, fence: row.fence + 1, lease_expires_at: now + leaseMs, claimed_at: now }));
      }
      return taken;
    }).immediate;
    this.renewTasks = db.transaction((workerId: string, held: HeldTask[], leaseMs: number, now: number) => {
      const renewal: TaskRenewal = { lost: [], cancelled: [] };
      for (const h of held) {
        if (this.renew.run(now + leaseMs, h.id, h.fence, workerId).changes === 0) renewal.lost.push(h.id);
        else if (this.heldState.get(h.id)?.cancel_requested === 1) renewal.cancelled.push(h.id);
      }
      return renewal;
    }).immediate;
    this.finishTask = db.transaction((task: HeldTask, result: TaskResult, now: number) => this.finish.run(JSON.stringify(result), now, task.id, task.fence).changes > 0).immediate;
    this.cancelTask = db.transaction((id: string, now: number) => {
      if (this.cancelQueued.run(now, id).changes === 0) this.cancelClaimed.run(id);
    }).immediate;
    this.expireTasks = db.transaction((ids: string[], now: number) => ids.filter((id) => this.expire.run(now, id, now).changes > 0)).immediate;
  }

  get(ids: string[]): StepTask[] {
    const tasks: StepTask[] = [];
    for (const id of ids) {
      const row = this.byId.get(id);
      if (row !== undefined) tasks.push(toTask(row));
    }
    return tasks;
  }

  list(filter: { runId?: string; status?: StepTaskStatus[]; limit?: number }): StepTask[] {
    const limit = filter.limit ?? -1;
    const rows = filter.runId !== undefined ? this.byRun.all(filter.runId, limit) : this.byStatus.all(JSON.stringify(filter.status ?? ['queued', 'claimed']), limit);
    const wanted = filter.status ? new Set(filter.status) : undefined;
    return rows.filter((r) => !wanted || wanted.has(r.status)).map(toTask);
  }

  pruneBefore(before: number): number {
    return this.prune.run(before).changes;
  }
}
