import { ActionFailure, type ActionResult } from '../actions/action.js';
import { abortedFailure } from '../actions/aborted.js';
import type { NewStepTask, StepTask } from '../store/step-tasks.js';
import type { Store } from '../store/store.js';

/** The worker holding a task stopped renewing its lease: the attempt is over, without a result. */
export class WorkerLost extends Error {
  constructor(readonly taskId: string, readonly workerId: string | undefined) {
    super(`the worker running it (${workerId ?? 'unknown'}) stopped renewing its lease`);
    this.name = 'WorkerLost';
  }
}

/** The node no longer holds the run (its lease passed to another node): it must let the run go. */
export class RunLost extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} is held by another node now`);
    this.name = 'RunLost';
  }
}

export interface TaskDispatchOptions {
  store: Store;
  /** How often to look at the tasks waited for, when no notification came (default 1000 ms). */
  pollMs?: number;
  onError(err: unknown): void;
}

interface Waiter {
  resolve(result: ActionResult): void;
  reject(err: unknown): void;
}

/**
 * The engine node's side of workers (docs/cluster.md): a step with `runs_on` becomes a task
 * in the store, and its attempt waits here until a worker reports, the worker is lost, or
 * the step is cancelled. Results arrive by notification where the store pushes them
 * (PostgreSQL), else by polling; the poll also marks tasks whose worker went silent as lost
 * (on the store's clock), which the engine turns into a new attempt.
 */
export class TaskDispatch {
  private readonly waiting = new Map<string, Waiter>();
  private outbox: Array<{ task: NewStepTask; resolve(): void; reject(err: unknown): void; signal: AbortSignal }> = [];
  private readonly store: Store;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => Promise<void>) | undefined;
  private checking: Promise<void> | undefined;
  private recheck = false;
  private started = false;
  /** Tasks to look at on the next check: those notified as finished, or newly waited for. */
  private readonly due = new Set<string>();
  /** The next check looks at every task waited for, and expires silent workers' claims. */
  private full = false;

  constructor(private readonly options: TaskDispatchOptions) {
    this.store = options.store;
  }

  /**
   * Queue an attempt for a worker and wait for its end. An abort cancels the task, unless
   * `keep()` says this node is only letting the run go (shutdown, lease lost): then the
   * worker carries on and the node that takes the run over waits for it.
   */
  async run(task: NewStepTask, signal: AbortSignal, keep: () => boolean): Promise<ActionResult> {
    await this.enqueue(task, signal);
    return this.attach(task.id, signal, keep);
  }

  /**
   * Tasks queued in one turn of the event loop go to the store in one transaction (a fan-out
   * readies hundreds at once). A store that cannot be reached is tried again every second:
   * the step waits, it does not fail, for a database restart is not the step's fault.
   */
  private enqueue(task: NewStepTask, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      this.outbox.push({ task, resolve, reject, signal });
      if (this.outbox.length === 1) setImmediate(() => void this.flushOutbox());
    });
  }

  private async flushOutbox(): Promise<void> {
    const batch = this.outbox.splice(0).filter((p) => {
      if (!p.signal.aborted) return true;
      p.reject(abortedFailure(p.signal.reason));
      return false;
    });
    if (batch.length === 0) return;
    try {
      const refused = new Set(await this.store.enqueueTasks(batch.map((p) => p.task)));
      for (const p of batch) {
        if (refused.has(p.task.id)) p.reject(new RunLost(p.task.runId));
        else p.resolve();
      }
    } catch (err) {
      this.options.onError(err);
      // Kept referenced: steps wait on it, and the process must not exit under them.
      setTimeout(() => {
        if (!this.started) {
          for (const p of batch) p.reject(abortedFailure('the node stopped before the step could be queued'));
          return;
        }
        const first = this.outbox.length === 0;
        this.outbox.unshift(...batch);
        if (first) void this.flushOutbox();
      }, 1000);
    }
  }

  /**
   * Wait for a task already queued (a run taken over from a node that stopped): rejects with
   * WorkerLost, or an ActionFailure for a failed or cancelled step.
   */
  attach(id: string, signal: AbortSignal, keep: () => boolean): Promise<ActionResult> {
    this.ensureStarted();
    return new Promise<ActionResult>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.timer?.unref();
        if (!keep()) void this.store.cancelTask(id).catch(this.options.onError);
        reject(abortedFailure(signal.reason));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.due.add(id);
      this.waiting.set(id, {
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      });
      // A step on a worker is work in progress: the process must not exit while it waits
      // (a local step's child process keeps it alive the same way).
      this.timer?.ref();
      this.check();
    });
  }

  /** Is the task there at all (a successor deciding between waiting for it and starting over)? */
  async exists(id: string): Promise<boolean> {
    return (await this.store.getTasks([id])).length > 0;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.unwatch?.().catch(this.options.onError);
    this.unwatch = undefined;
    this.started = false;
  }

  private ensureStarted(): void {
    if (this.started) return;
    this.started = true;
    this.timer = setInterval(() => {
      this.full = true;
      this.check();
    }, this.options.pollMs ?? 1000);
    this.timer.unref();
    void this.store
      .watchTasks?.((change) => {
        if (change.kind !== 'finished' || !this.waiting.has(change.id)) return;
        this.due.add(change.id);
        this.check();
      })
      .then((unwatch) => {
        if (this.started) this.unwatch = unwatch;
        else void unwatch();
      })
      .catch(this.options.onError);
  }

  /** Look at the tasks due (or all); one look at a time, another right after if asked meanwhile. */
  private check(): void {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = this.look()
      .catch(this.options.onError)
      .finally(() => {
        this.checking = undefined;
        if (this.recheck) {
          this.recheck = false;
          this.check();
        }
      });
  }

  private async look(): Promise<void> {
    const full = this.full;
    const ids = full ? [...this.waiting.keys()] : [...this.due].filter((id) => this.waiting.has(id));
    this.full = false;
    this.due.clear();
    if (ids.length === 0) return;
    const tasks = await this.store.getTasks(ids);
    const claimed = full ? tasks.filter((t) => t.status === 'claimed').map((t) => t.id) : [];
    const lost = new Set(await this.store.expireTasks(claimed));
    for (const task of tasks) {
      const status = lost.has(task.id) ? 'lost' : task.status;
      if (status === 'queued' || status === 'claimed') continue;
      const waiter = this.waiting.get(task.id);
      if (!waiter) continue;
      this.waiting.delete(task.id);
      settle(task, status, waiter);
    }
    if (this.waiting.size === 0) this.timer?.unref();
  }
}

function settle(task: StepTask, status: StepTask['status'], waiter: Waiter): void {
  if (status === 'lost') return waiter.reject(new WorkerLost(task.id, task.workerId));
  if (status === 'cancelled') return waiter.reject(abortedFailure('cancelled before a worker took it'));
  const result = task.result;
  if (!result) return waiter.reject(new ActionFailure('the worker recorded no result', 'WORKER_ERROR'));
  if (result.ok) return waiter.resolve({ outputs: result.outputs });
  waiter.reject(new ActionFailure(result.error.message, result.error.code, result.error.details ?? {}, result.retryable));
}
