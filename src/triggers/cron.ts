import { Cron } from 'croner';
import { isTimeZone } from '../definition/check-triggers.js';
import type { CronTrigger } from '../engine/types.js';

/**
 * The fire times of a cron trigger, as pure functions of time (no timers). Croner does the
 * calendar arithmetic; fire times are whole seconds, in ms since the epoch. Without a
 * `timezone` the fields are read in UTC, so every process sharing a store computes the
 * same fire times (and so the same start keys) whatever its machine's zone.
 */
export class CronSchedule {
  private readonly pattern: Cron;

  constructor(
    readonly expression: string,
    readonly timezone = 'UTC',
  ) {
    if (!isTimeZone(timezone)) throw new Error(`cron '${expression}': unknown time zone '${timezone}'`);
    try {
      // Paused and without a function: croner only computes, it schedules nothing.
      this.pattern = new Cron(expression, { paused: true, timezone });
    } catch (err) {
      throw new Error(`cron '${expression}' (${timezone}) cannot be read: ${(err as Error).message.replace(/^CronPattern: /, '')}`, { cause: err });
    }
  }

  static of(trigger: CronTrigger): CronSchedule {
    return new CronSchedule(trigger.cron, trigger.timezone);
  }

  /** The first fire time strictly after `afterMs`; undefined when it never fires again. */
  next(afterMs: number): number | undefined {
    return this.pattern.nextRun(new Date(afterMs))?.getTime();
  }

  /**
   * The latest fire time in (`afterMs`, `nowMs`], or undefined when there is none: the one
   * fire that makes up for every one missed in between. A binary search over time, so a
   * per-second schedule missed for a year costs ~40 steps, not 31 million.
   */
  latest(afterMs: number, nowMs: number): number | undefined {
    const first = this.next(afterMs);
    if (first === undefined || first > nowMs) return undefined;
    // Invariant: next(lo) <= now < next(hi).
    let lo = afterMs;
    let hi = nowMs;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const at = this.next(mid);
      if (at !== undefined && at <= nowMs) lo = mid;
      else hi = mid;
    }
    return this.next(lo);
  }
}

/** The start key of one fire: a second run for it is refused by the store. */
export function cronStartKey(workflowId: string, triggerIndex: number, fireMs: number): string {
  return `cron:${workflowId}:${triggerIndex}:${fireMs}`;
}

/** The store cursor holding the time up to which a trigger's fires are handled. */
export function cronCursorName(workflowId: string, triggerIndex: number): string {
  return `cron:${workflowId}:${triggerIndex}`;
}
