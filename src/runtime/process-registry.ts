import type { StepProcess, Store } from '../store/store.js';

/**
 * Records the process groups of running attempts (so a successor can stop them after a
 * crash) without a disk write per spawn: registrations wait a moment, and one whose
 * process ended before it was written is dropped, with its removal. Most steps' processes
 * live a few milliseconds; those that live longer are on record within `delayMs`.
 */
export class ProcessRegistry {
  private readonly pending = new Map<string, StepProcess>();
  private readonly removals: StepProcess[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 25,
  ) {}

  started(proc: StepProcess): void {
    this.pending.set(keyOf(proc), proc);
    this.schedule();
  }

  ended(proc: Pick<StepProcess, 'runId' | 'step' | 'attempt'>): void {
    if (this.pending.delete(keyOf(proc))) return; // never written: nothing to undo
    this.removals.push({ ...proc, host: '', pid: 0 });
    this.schedule();
  }

  /** Write what is waiting now (before stopping). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const adds = [...this.pending.values()];
    this.pending.clear();
    const removes = this.removals.splice(0);
    try {
      for (const proc of adds) await this.store.recordProcess(proc);
      for (const proc of removes) await this.store.removeProcess(proc.runId, proc.step, proc.attempt);
    } catch (err) {
      this.onError(err);
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    this.timer.unref();
  }
}

function keyOf(proc: Pick<StepProcess, 'runId' | 'step' | 'attempt'>): string {
  return `${proc.runId}\u0000${proc.step}\u0000${proc.attempt}`;
}
