import type { PlanStep, RunDetail, RunEvent, StepRun, StepStatus } from '../types';

/** One box of the graph: a step of the definition, with the state of its run (or its instances'). */
export interface GraphStep {
  id: string;
  command: string;
  description?: string;
  phase?: string;
  dependsOn: string[];
  status: StepStatus;
  /** For a for_each step: its instances (id[0], id[1], ...). */
  instances: StepRun[];
  attempts: number;
}

// When instances disagree, the box shows the most telling status.
const PRECEDENCE: StepStatus[] = ['failed', 'running', 'retrying', 'waiting', 'queued', 'cancelled', 'pending', 'skipped', 'succeeded'];

export function combinedStatus(runs: StepRun[]): StepStatus {
  if (runs.length === 0) return 'pending';
  if (runs.every((r) => r.status === 'succeeded')) return 'succeeded';
  if (runs.every((r) => r.status === 'skipped')) return 'skipped';
  for (const s of PRECEDENCE) if (runs.some((r) => r.status === s)) return s;
  return runs[0]!.status;
}

/** The definition's steps joined with their state in this run. Without a plan, the steps alone (no edges). */
export function graphSteps(detail: RunDetail): GraphStep[] {
  const byStep = new Map<string, StepRun[]>();
  for (const s of detail.steps) {
    const list = byStep.get(s.stepId);
    if (list) list.push(s);
    else byStep.set(s.stepId, [s]);
  }
  const plan: PlanStep[] = detail.plan?.steps ?? [...byStep.keys()].map((id) => ({ id, command: '', dependsOn: [], parameters: {} }));
  return plan.map((p) => {
    const runs = byStep.get(p.id) ?? [];
    return {
      id: p.id,
      command: p.command,
      ...(p.description ? { description: p.description } : {}),
      ...(p.phase ? { phase: p.phase } : {}),
      dependsOn: p.dependsOn,
      status: combinedStatus(runs),
      instances: runs,
      attempts: runs.reduce((n, r) => n + r.attempts, 0),
    };
  });
}

/** One try of a step, from the run's events: when it started, ended, and how. */
export interface Attempt {
  step: string;
  attempt: number;
  start: number;
  end?: number;
  outcome: 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled' | 'compensated' | 'compensation_failed';
  error?: string;
  compensation?: boolean;
}

/** Every attempt (and compensation) of every step, in the order they started: the Gantt's bars. */
export function attemptsOf(events: RunEvent[]): Attempt[] {
  const open = new Map<string, Attempt>();
  const all: Attempt[] = [];
  const keyOf = (step: unknown, attempt: unknown, comp = false) => `${comp ? 'c:' : ''}${String(step)}#${String(attempt)}`;
  for (const e of events) {
    const d = e.data as { step?: string; attempt?: number; error?: { message?: string } };
    switch (e.type) {
      case 'StepStarted':
      case 'CompensationStarted': {
        const comp = e.type === 'CompensationStarted';
        const a: Attempt = { step: String(d.step), attempt: Number(d.attempt ?? 1), start: e.at, outcome: 'running', ...(comp ? { compensation: true } : {}) };
        open.set(keyOf(d.step, d.attempt, comp), a);
        all.push(a);
        break;
      }
      case 'StepSucceeded':
      case 'StepFailed':
      case 'StepInterrupted':
      case 'StepCancelled': {
        const a = open.get(keyOf(d.step, d.attempt));
        if (!a) break;
        a.end = e.at;
        a.outcome = e.type === 'StepSucceeded' ? 'succeeded' : e.type === 'StepFailed' ? 'failed' : e.type === 'StepInterrupted' ? 'interrupted' : 'cancelled';
        if (d.error?.message) a.error = d.error.message;
        open.delete(keyOf(d.step, d.attempt));
        break;
      }
      case 'StepCompensated':
      case 'CompensationFailed': {
        const a = open.get(keyOf(d.step, d.attempt, true));
        if (!a) break;
        a.end = e.at;
        a.outcome = e.type === 'StepCompensated' ? 'compensated' : 'compensation_failed';
        if (d.error?.message) a.error = d.error.message;
        open.delete(keyOf(d.step, d.attempt, true));
        break;
      }
    }
  }
  return all;
}
