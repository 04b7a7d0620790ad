import { abortedFailure } from '../actions/aborted.js';

/**
 * Bulkheads: at most N attempts of one command run at once in this process (`concurrency:`
 * in cairn.yaml, e.g. `{ http: 4, shell: 8 }`). The others wait their turn in FIFO order;
 * nobody is refused. A waiter whose step is cancelled or times out leaves the queue at once.
 *
 * A small semaphore rather than cockatiel's bulkhead: cockatiel keeps an aborted waiter in
 * its queue until a slot frees, and a cancelled step must stop promptly.
 */

export interface BulkheadState {
  command: string;
  limit: number;
  /** Attempts running now. */
  active: number;
  /** Attempts waiting for a slot. */
  waiting: number;
}

interface Waiter {
  admit(): void;
}

class Semaphore {
  active = 0;
  readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {}

  enter(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortedFailure(signal.reason));
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          signal.removeEventListener('abort', leave);
          resolve();
        },
      };
      const leave = () => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        reject(abortedFailure(signal.reason));
      };
      signal.addEventListener('abort', leave, { once: true });
      this.queue.push(waiter);
    });
  }

  /** Hand the slot straight to the next waiter, so a newcomer cannot jump the queue. */
  leave(): void {
    const next = this.queue.shift();
    if (next) next.admit();
    else this.active--;
  }
}

export class Bulkheads {
  private readonly semaphores = new Map<string, Semaphore>();

  /** `limits`: command -> attempts that may run at once (a whole number >= 1). */
  constructor(limits: Readonly<Record<string, number>> = {}) {
    for (const [command, limit] of Object.entries(limits)) {
      if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency.${command} must be a whole number >= 1, got ${limit}`);
      this.semaphores.set(command, new Semaphore(limit));
    }
  }

  /**
   * Take a slot of `command` (at once when it has no limit or a slot is free); resolves with
   * the function that gives it back (call it exactly once). Rejects with an ABORTED failure,
   * holding nothing, when `signal` aborts first. `wait` is told once when the attempt queues.
   */
  async enter(command: string, signal: AbortSignal, wait?: (state: BulkheadState) => void): Promise<() => void> {
    const semaphore = this.semaphores.get(command);
    if (!semaphore) return () => {};
    if (semaphore.active >= semaphore.limit && !signal.aborted) wait?.(stateOf(command, semaphore));
    await semaphore.enter(signal);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      semaphore.leave();
    };
  }

  /** Every limited command, in configuration order. */
  list(): BulkheadState[] {
    return [...this.semaphores].map(([command, semaphore]) => stateOf(command, semaphore));
  }
}

function stateOf(command: string, semaphore: Semaphore): BulkheadState {
  return { command, limit: semaphore.limit, active: semaphore.active, waiting: semaphore.queue.length };
}
