/*
 * The log kept per step attempt is capped (`limits.max_log_bytes_per_step`): a step that
 * prints without end would otherwise fill the store. Lines past the cap are dropped and
 * counted; when the attempt ends, one note line says how much was dropped.
 */

export const DEFAULT_MAX_LOG_BYTES_PER_STEP = 10 * 1024 * 1024;

interface Tally {
  kept: number;
  dropped: number;
}

export class LogCap {
  private readonly tallies = new Map<string, Tally>();

  constructor(private readonly maxBytes = DEFAULT_MAX_LOG_BYTES_PER_STEP) {}

  /** Whether to keep this line of the attempt (false once the attempt's log is full). */
  admit(runId: string, step: string, attempt: number, line: string): boolean {
    const key = attemptKey(runId, step, attempt);
    const tally = this.tallies.get(key) ?? { kept: 0, dropped: 0 };
    this.tallies.set(key, tally);
    // A line counts its newline, as it would in a file.
    const bytes = Buffer.byteLength(line) + 1;
    if (tally.dropped === 0 && tally.kept + bytes <= this.maxBytes) {
      tally.kept += bytes;
      return true;
    }
    tally.dropped += bytes;
    return false;
  }

  /** The note for an attempt that has ended, if lines were dropped; forgets the attempt. */
  end(runId: string, step: string, attempt: number): string | undefined {
    const key = attemptKey(runId, step, attempt);
    const tally = this.tallies.get(key);
    this.tallies.delete(key);
    if (!tally || tally.dropped === 0) return undefined;
    return `… truncated ${tally.dropped} bytes (the log of a step attempt keeps ${this.maxBytes} bytes: limits.max_log_bytes_per_step)`;
  }
}

function attemptKey(runId: string, step: string, attempt: number): string {
  return `${runId}\u0000${step}\u0000${attempt}`;
}
