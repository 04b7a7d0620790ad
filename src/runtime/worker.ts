import { existsSync } from 'node:fs';
import { ActionFailure, type Action, type ActionContext, type HostBreakers, type McpCaller, type Memory, type NotifyChannel } from '../actions/action.js';
import type { NetworkGuard } from '../actions/network-guard.js';
import type { StepTask, TaskResult } from '../store/step-tasks.js';
import type { Owner, Store } from '../store/store.js';
import { LogBuffer } from './log-buffer.js';
import { currentOwner } from './owner.js';
import { parameterIssues } from './parameter-issues.js';

export interface WorkerOptions {
  store: Store;
  actions: ReadonlyMap<string, Action>;
  /** What this worker offers; it takes a task only if it has every label the task needs. */
  labels: string[];
  /** Steps it runs at once. */
  concurrency: number;
  /** How long a claim lasts without renewal: a silent worker's steps move on after this (default 5000 ms). */
  leaseMs?: number;
  /** How often to look for work when no notification came (default 1000 ms). */
  pollMs?: number;
  /** Where steps run when the engine node's directory does not exist here. */
  workdir: string;
  version: string;
  memory?: Memory;
  channel?(name: string): NotifyChannel | undefined;
  breakers?: HostBreakers;
  mcp?: McpCaller;
  network?: NetworkGuard;
  onError(err: unknown): void;
  /** What the worker does, one line at a time (`cairn worker` prints them). */
  report?(event: WorkerEvent): void;
}

export type WorkerEvent =
  | { kind: 'started'; task: StepTask }
  | { kind: 'finished'; task: StepTask; ok: boolean; kept: boolean }
  | { kind: 'lost'; task: StepTask };

interface Held {
  task: StepTask;
  controller: AbortController;
  /** The lease is gone: the result will be refused; the work should stop. */
  lost: boolean;
  /** Stopped by this worker's shutdown: nothing is reported, the lease lapses, the step runs again elsewhere. */
  abandoned?: boolean;
}

/**
 * `cairn worker` (docs/cluster.md): takes step tasks whose labels it has, runs their
 * actions, and reports results under the fencing token of its claim. Its leases are renewed
 * every third of the lease; a renewal that comes back "lost" (this process was paused or cut
 * off past its lease and the node moved on) stops the work, and whatever it reports later
 * is refused by the store.
 */
export class Worker {
  readonly owner: Owner;
  private readonly store: Store;
  private readonly leaseMs: number;
  private readonly held = new Map<string, Held>();
  private readonly logs: LogBuffer;
  private readonly running = new Set<Promise<void>>();
  private renewTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => Promise<void>) | undefined;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private stopping = false;

  constructor(private readonly options: WorkerOptions) {
    this.store = options.store;
    this.leaseMs = options.leaseMs ?? 5000;
    this.owner = currentOwner(Date.now());
    this.owner.node = { kind: 'worker', version: options.version, labels: [...options.labels].sort(), capacity: options.concurrency };
    this.logs = new LogBuffer(this.store, options.onError);
  }

  get id(): string {
    return this.owner.id;
  }

  /** Steps running now. */
  get load(): number {
    return this.held.size;
  }

  async start(): Promise<void> {
    await this.store.registerOwner(this.owner);
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.pollTimer = setInterval(() => this.pump(), this.options.pollMs ?? 1000);
    if (this.store.watchTasks) {
      this.unwatch = await this.store.watchTasks((change) => {
        if (change.kind === 'queued' && change.labels.every((l) => this.options.labels.includes(l))) this.pump();
      });
    }
    this.pump();
  }

  /**
   * Take no more work; let running steps finish for up to `graceMs`, then stop them without
   * reporting: their leases lapse and the engine runs them again (same idempotency key).
   */
  async stop(graceMs = 0): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.unwatch?.().catch(this.options.onError);
    clearInterval(this.pollTimer);
    if (this.running.size > 0 && graceMs > 0) {
      await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    for (const h of this.held.values()) {
      h.abandoned = true;
      h.controller.abort(new Error('the worker is stopping'));
    }
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, 5000).unref())]);
    // Renewals go on until here: steps finishing within the grace period keep their results.
    clearInterval(this.renewTimer);
    await this.logs.flush();
    await this.store.removeOwner(this.owner.id).catch(this.options.onError);
  }

  /** Claim what there is room for; one claim at a time, another right after if woken meanwhile. */
  private pump(): void {
    if (this.stopping) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.claim()
      .catch(this.options.onError)
      .finally(() => {
        this.pumping = undefined;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async claim(): Promise<void> {
    const room = this.options.concurrency - this.held.size;
    if (room <= 0 || this.stopping) return;
    const tasks = await this.store.claimTasks(this.owner.id, { labels: this.options.labels, limit: room, leaseMs: this.leaseMs });
    for (const task of tasks) {
      const held: Held = { task, controller: new AbortController(), lost: false };
      this.held.set(task.id, held);
      const running = this.execute(held).finally(() => {
        this.held.delete(task.id);
        this.running.delete(running);
        this.pump();
      });
      this.running.add(running);
    }
    // A full batch may mean more is waiting.
    if (tasks.length === room) this.pumpAgain = true;
  }

  private async execute(held: Held): Promise<void> {
    const { task } = held;
    this.options.report?.({ kind: 'started', task });
    const log = (stream: 'stdout' | 'stderr' | 'system', line: string) =>
      this.logs.push({ runId: task.runId, step: task.step, attempt: task.attempt, stream, line, at: Date.now() });
    log('system', `running on worker ${this.owner.id} (${this.owner.host})`);
    const result = await this.perform(task, held.controller.signal, log);
    if (held.abandoned) {
      log('system', `worker ${this.owner.id} stopped before the step finished: it runs again elsewhere`);
      return;
    }
    const kept = await this.store.finishTask({ id: task.id, fence: task.fence }, result);
    if (!kept) log('system', `worker ${this.owner.id} lost this attempt's lease: its result was refused`);
    this.options.report?.({ kind: 'finished', task, ok: result.ok, kept });
  }

  private async perform(task: StepTask, signal: AbortSignal, log: ActionContext['log']): Promise<TaskResult> {
    const action = this.options.actions.get(task.command);
    if (!action) return failure(new ActionFailure(`this worker has no command '${task.command}'`, 'UNKNOWN_COMMAND', {}, false));
    const parsed = action.parameters.safeParse(task.parameters);
    if (!parsed.success) {
      const issues = parameterIssues(parsed.error);
      return failure(new ActionFailure(`invalid parameters for '${task.command}': ${issues}`, 'BAD_PARAMETERS', {}, false));
    }
    const o = this.options;
    const ctx: ActionContext = {
      runId: task.runId,
      step: task.step,
      attempt: task.attempt,
      idempotencyKey: task.idempotencyKey,
      parameters: parsed.data as Record<string, unknown>,
      signal,
      log,
      // The node's directory, when this machine has it (a shared checkout); else the worker's.
      workdir: task.workdir !== undefined && existsSync(task.workdir) ? task.workdir : o.workdir,
      ...(o.memory ? { memory: o.memory } : {}),
      ...(o.channel ? { channel: o.channel } : {}),
      ...(o.breakers ? { breakers: o.breakers } : {}),
      ...(o.mcp ? { mcp: o.mcp } : {}),
      ...(o.network ? { network: o.network } : {}),
    };
    try {
      return { ok: true, outputs: (await action.run(ctx)).outputs };
    } catch (err) {
      return failure(err);
    }
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) {
      await this.store.heartbeat(this.owner.id, this.leaseMs, { running: 0 }).catch(this.options.onError);
      return;
    }
    const held = [...this.held.values()].filter((h) => !h.lost);
    try {
      const [renewal] = await Promise.all([
        this.store.renewTasks(this.owner.id, held.map((h) => ({ id: h.task.id, fence: h.task.fence })), this.leaseMs),
        this.store.heartbeat(this.owner.id, this.leaseMs, { running: this.held.size }),
      ]);
      for (const id of renewal.lost) {
        const h = this.held.get(id);
        if (!h) continue;
        h.lost = true;
        this.options.report?.({ kind: 'lost', task: h.task });
        h.controller.abort(new Error('the worker lost its lease on the step'));
      }
      for (const id of renewal.cancelled) this.held.get(id)?.controller.abort(new Error('cancelled'));
    } catch (err) {
      this.options.onError(err);
    }
  }
}

function failure(err: unknown): TaskResult {
  if (err instanceof ActionFailure) {
    const error = Object.keys(err.details).length > 0 ? { code: err.code, message: err.message, details: err.details } : { code: err.code, message: err.message };
    return { ok: false, error, retryable: err.retryable };
  }
  return { ok: false, error: { code: 'ACTION_ERROR', message: err instanceof Error ? err.message : String(err) }, retryable: true };
}
