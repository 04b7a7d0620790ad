import type { CronTrigger, Trigger } from '../engine/types.js';
import { CronSchedule, cronCursorName, cronStartKey } from './cron.js';

/** A workflow id with the triggers of its newest definition. */
export interface TriggeredWorkflow {
  workflowId: string;
  triggers: readonly Trigger[];
}

/** What one fire asks for: a run of the workflow's newest definition, once per start key. */
export interface CronStart {
  workflowId: string;
  parameters: Record<string, unknown>;
  startKey: string;
  startedBy: 'cron';
}

/** One fire, as reported to `onFire`. */
export interface CronFire {
  workflowId: string;
  triggerIndex: number;
  fireMs: number;
  startKey: string;
  /** A fire made up for at start (or reload) because it was missed while nothing ran. */
  catchUp: boolean;
}

/** Where the time up to which a trigger's fires are handled is kept (the store's cursors). */
export interface CronCursors {
  getCursor(name: string): Promise<number | undefined>;
  setCursor(name: string, value: number): Promise<void>;
}

export interface CronSchedulerDeps {
  cursors: CronCursors;
  /** Start a run; a start key already used must start nothing (STORE_DUPLICATE, or a duplicate result). */
  start(req: CronStart): Promise<unknown>;
  now?(): number;
  /** After each fire, with what `start` returned (or the duplicate error). */
  onFire?(fire: CronFire, result: unknown): void;
  /** A fire that could not start its run, a trigger that cannot be scheduled, a store error: the schedule goes on. */
  onError?(err: unknown, where: { workflowId: string; triggerIndex: number; fireMs?: number }): void;
}

/** Sleep at most this long, then look again: survives clock changes and suspends. */
const MAX_SLEEP_MS = 60_000;

/**
 * Starts runs on the cron triggers of a set of workflows. Give it the set again when
 * definitions change (`schedule`): unchanged triggers keep their timers, removed ones stop,
 * new ones start.
 *
 * Each fire starts a run with the start key `cron:<workflow>:<index>:<fire ms>`, so a fire
 * starts at most one run even when several processes schedule the same workflows, or when
 * one restarts mid-fire. After each fire the fire time is written to the store cursor
 * `cron:<workflow>:<index>`; a trigger scheduled for the first time writes the current time
 * there. At start, a trigger whose cursor is older than its latest fire time fires that one
 * time once (catch-up, like systemd's Persistent=true): however many fires were missed
 * while nothing ran, or while the process stalled, they make one run, for the latest.
 *
 * Croner computes the fire times; the timers are ours, so each fire knows its exact time
 * (croner's callback is not told which time it fires for, and after a stall it reschedules
 * from the moment it ran). Timers are unref'd: the scheduler alone keeps no process alive.
 */
export class CronScheduler {
  private readonly jobs = new Map<string, CronJob>();
  /** Triggers that cannot be scheduled, reported once (not at every reload). */
  private unreadable = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: CronSchedulerDeps) {}

  /** Schedule exactly these workflows' cron triggers (first call: start; later: reload). */
  schedule(workflows: readonly TriggeredWorkflow[]): Promise<void> {
    const next = this.queue.then(() => this.apply(workflows));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** What is scheduled, with each trigger's next fire time. */
  list(): Array<{ workflowId: string; triggerIndex: number; cron: string; timezone: string; nextMs?: number }> {
    return [...this.jobs.values()].map((job) => {
      const nextMs = job.nextFire();
      return { workflowId: job.workflowId, triggerIndex: job.index, cron: job.trigger.cron, timezone: job.schedule.timezone, ...(nextMs !== undefined ? { nextMs } : {}) };
    });
  }

  /** Stop every timer and wait for fires in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    await Promise.all(jobs.map((job) => job.cancel()));
  }

  private async apply(workflows: readonly TriggeredWorkflow[]): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, { workflowId: string; index: number; trigger: CronTrigger }>();
    for (const { workflowId, triggers } of workflows) {
      triggers.forEach((trigger, index) => {
        if (trigger.kind === 'cron') wanted.set(identity(workflowId, index, trigger), { workflowId, index, trigger });
      });
    }
    const gone: CronJob[] = [];
    for (const [key, job] of this.jobs) {
      if (wanted.has(key)) continue;
      this.jobs.delete(key);
      gone.push(job);
    }
    await Promise.all(gone.map((job) => job.cancel()));
    const begun: Promise<void>[] = [];
    const unreadable = new Set<string>();
    for (const [key, { workflowId, index, trigger }] of wanted) {
      if (this.jobs.has(key)) continue;
      let schedule: CronSchedule;
      try {
        schedule = CronSchedule.of(trigger);
      } catch (err) {
        unreadable.add(key);
        if (!this.unreadable.has(key)) this.deps.onError?.(err, { workflowId, triggerIndex: index });
        continue;
      }
      const job = new CronJob(workflowId, index, trigger, schedule, this.deps);
      this.jobs.set(key, job);
      begun.push(job.begin());
    }
    this.unreadable = unreadable;
    await Promise.all(begun);
  }
}

/** Everything that makes a trigger fire differently: a change of any is a new job. */
function identity(workflowId: string, index: number, trigger: CronTrigger): string {
  return JSON.stringify([workflowId, index, trigger.cron, trigger.timezone ?? 'UTC', trigger.parameters]);
}

/** One cron trigger's timer: fires one at a time, each for its exact fire time. */
class CronJob {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  /** Fire times up to here are handled (fired, or before the trigger was first scheduled). */
  private handled = 0;
  private cancelled = false;
  private readonly cursor: string;

  constructor(
    readonly workflowId: string,
    readonly index: number,
    readonly trigger: CronTrigger,
    readonly schedule: CronSchedule,
    private readonly deps: CronSchedulerDeps,
  ) {
    this.cursor = cronCursorName(workflowId, index);
  }

  begin(): Promise<void> {
    const begun = this.catchUp().finally(() => {
      this.busy = undefined;
      this.arm();
    });
    this.busy = begun;
    return begun;
  }

  nextFire(): number | undefined {
    return this.schedule.next(Math.max(this.handled, this.now() - 1));
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private async catchUp(): Promise<void> {
    const now = this.now();
    let recorded: number | undefined;
    try {
      recorded = await this.deps.cursors.getCursor(this.cursor);
    } catch (err) {
      this.report(err);
      this.handled = now;
      return;
    }
    if (recorded === undefined) {
      // First time scheduled anywhere: nothing was missed; remember since when we watch.
      this.handled = now;
      await this.deps.cursors.setCursor(this.cursor, now).catch((err: unknown) => this.report(err));
      return;
    }
    this.handled = recorded;
    const missed = this.schedule.latest(recorded, now);
    if (missed !== undefined && !this.cancelled) await this.fire(missed, true);
  }

  private arm(): void {
    if (this.cancelled) return;
    const next = this.schedule.next(this.handled);
    if (next === undefined) return;
    const delay = Math.min(Math.max(next - this.now(), 0), MAX_SLEEP_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const ticked = this.tick().finally(() => {
        this.busy = undefined;
        this.arm();
      });
      this.busy = ticked;
    }, delay);
    this.timer.unref();
  }

  /** Fire the latest time that is due; several due at once (a stall) make one fire. */
  private async tick(): Promise<void> {
    if (this.cancelled) return;
    const due = this.schedule.latest(this.handled, this.now());
    if (due !== undefined) await this.fire(due, false);
  }

  private async fire(fireMs: number, catchUp: boolean): Promise<void> {
    const startKey = cronStartKey(this.workflowId, this.index, fireMs);
    const fire: CronFire = { workflowId: this.workflowId, triggerIndex: this.index, fireMs, startKey, catchUp };
    let started = false;
    let result: unknown;
    try {
      result = await this.deps.start({ workflowId: this.workflowId, parameters: { ...this.trigger.parameters }, startKey, startedBy: 'cron' });
      started = true;
    } catch (err) {
      // Another process (or this one before a restart) already started this fire's run.
      if (isDuplicate(err)) [started, result] = [true, err];
      else this.report(err, fireMs);
    }
    if (started) {
      try {
        this.deps.onFire?.(fire, result);
      } catch (err) {
        this.report(err, fireMs);
      }
    }
    this.handled = Math.max(this.handled, fireMs);
    await this.deps.cursors.setCursor(this.cursor, fireMs).catch((err: unknown) => this.report(err, fireMs));
  }

  private report(err: unknown, fireMs?: number): void {
    try {
      this.deps.onError?.(err, { workflowId: this.workflowId, triggerIndex: this.index, ...(fireMs !== undefined ? { fireMs } : {}) });
    } catch {
      // A failing reporter must not stop the schedule.
    }
  }
}

function isDuplicate(err: unknown): boolean {
  return err !== null && typeof err === 'object' && (err as { code?: unknown }).code === 'STORE_DUPLICATE';
}
