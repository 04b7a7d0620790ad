import type { Run, RunEvent, RunStatus, StepError } from '../engine/types.js';
import type { Outcome } from './analytics-series.js';

/*
 * What one run's event log says, reduced to the facts analytics add up. Everything comes
 * from the events; the run record is used only for the status of a run still in flight
 * (which has no RunFinished yet) and as a fallback for its workflow id.
 */

export interface RunFacts {
  runId: string;
  workflowId: string;
  workflowName: string;
  status: RunStatus;
  outcome: Outcome;
  createdAt: number;
  /** First RunStarted (or RunCreated) to the last RunFinished; absent while in flight. */
  durationMs?: number;
  /** Automatic step retries (StepRetryScheduled). */
  retries: number;
  /** Whole-run retries someone asked for (RunRetried). */
  runRetries: number;
  failures: StepFailure[];
  /** Closed waits for a person or an agent: TaskRequested to its decision. */
  waits: Wait[];
  /** Tasks and approvals still open when the log ends. */
  openWaits: Array<{ kind: WaitKind; step: string; sinceAt: number }>;
}

export interface StepFailure {
  /** The step id: fan-out instances `deploy[3]` count as `deploy`. */
  step: string;
  error: StepError;
  /** False when the engine will try again. */
  final: boolean;
}

export type WaitKind = 'task' | 'approval';

export interface Wait {
  kind: WaitKind;
  step: string;
  ms: number;
}

const FAILED: readonly RunStatus[] = ['failed', 'rolled_back', 'rollback_failed'];
const TERMINAL: readonly RunStatus[] = ['succeeded', 'cancelled', ...FAILED];

export function outcomeOf(status: RunStatus): Outcome {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'cancelled') return 'cancelled';
  if (FAILED.includes(status)) return 'failed';
  return 'inFlight';
}

export function stepIdOf(key: string): string {
  return key.replace(/\[\d+\]$/, '');
}

/** The events that end a wait for a task or an approval on that step. */
const DECIDES = new Set(['TaskCompleted', 'ApprovalRejected', 'StepSucceeded', 'StepFailed', 'StepCancelled', 'StepInterrupted', 'StepSkipped']);

export function factsOf(run: Run, events: readonly RunEvent[]): RunFacts {
  let workflowId = run.workflowId;
  let workflowName = run.workflowName;
  let createdAt = run.createdAt;
  let startedAt: number | undefined;
  let finished: { at: number; status: RunStatus } | undefined;
  let retries = 0;
  let runRetries = 0;
  const failures: StepFailure[] = [];
  const waits: Wait[] = [];
  const open = new Map<string, { kind: WaitKind; at: number }>();
  const close = (step: string, at: number) => {
    const wait = open.get(step);
    if (!wait) return;
    open.delete(step);
    waits.push({ kind: wait.kind, step: stepIdOf(step), ms: Math.max(0, at - wait.at) });
  };

  for (const event of events) {
    switch (event.type) {
      case 'RunCreated':
        workflowId = event.data.workflowId;
        workflowName = event.data.workflowName;
        createdAt = event.at;
        break;
      case 'RunStarted':
        startedAt ??= event.at;
        break;
      case 'RunFinished':
        finished = { at: event.at, status: event.data.status };
        for (const step of [...open.keys()]) close(step, event.at);
        break;
      case 'RunRetried':
        runRetries += 1;
        finished = undefined;
        break;
      case 'StepRetryScheduled':
        retries += 1;
        break;
      case 'StepFailed':
        failures.push({ step: stepIdOf(event.data.step), error: event.data.error, final: !event.data.willRetry });
        close(event.data.step, event.at);
        break;
      case 'TaskRequested':
        close(event.data.step, event.at); // a new attempt of the same task: the old wait is over
        open.set(event.data.step, { kind: event.data.task.kind, at: event.at });
        break;
      default:
        if (DECIDES.has(event.type) && 'step' in event.data) close(event.data.step, event.at);
    }
  }

  // A log that ends without RunFinished is a run in flight, whatever an older projection says.
  const status = finished?.status ?? (TERMINAL.includes(run.status) ? 'running' : run.status);
  const facts: RunFacts = {
    runId: run.id,
    workflowId,
    workflowName,
    status,
    outcome: outcomeOf(status),
    createdAt,
    retries,
    runRetries,
    failures,
    waits,
    openWaits: [...open].map(([step, w]) => ({ kind: w.kind, step: stepIdOf(step), sinceAt: w.at })),
  };
  if (finished) facts.durationMs = Math.max(0, finished.at - (startedAt ?? createdAt));
  return facts;
}
