import type { RunState } from '../engine/state.js';
import type { Run, Workflow } from '../engine/types.js';

/** A run this process holds: its engine state, lease and what is running for it. */
export interface RunSlot {
  state: RunState;
  workflow: Workflow;
  /** Fencing token of our claim; the store refuses writes made under an older one. */
  token: number;
  controllers: Map<string, RunningAttempt>;
  timer?: NodeJS.Timeout;
  timerAt?: number;
  workdir: string;
  /**
   * The run as the store has it (after the last commit): what snapshots show, so a reader
   * never sees a status whose steps are still being written.
   */
  committed?: Run;
  /** What to redact from what the run records: its revealed secrets (secrets.ts redactionList). */
  redact?: string[];
}

export interface RunningAttempt {
  attempt: number;
  controller: AbortController;
  /** Set when the process lets the run go: the attempt's result must not be reported. */
  silenced?: boolean;
}
