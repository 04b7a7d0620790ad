import type { Run, RunEvent, RunStatus } from '../engine/types.js';
import { failingSteps, type FailingStep } from './analytics-failures.js';
import { durationStats, type DurationStats } from './analytics-percentile.js';
import { factsOf, type RunFacts, type WaitKind } from './analytics-run.js';
import { seriesOf, type Series } from './analytics-series.js';

/*
 * Analytics from the event log: the pure part. Give it runs with their events, get back
 * figures. Nothing is estimated: a figure with no data behind it is absent, and a window
 * with no runs says so (`empty`).
 */

export type { DurationStats } from './analytics-percentile.js';
export type { ErrorCount, FailingStep } from './analytics-failures.js';
export type { Bucket, Series, SeriesPoint } from './analytics-series.js';
export { parseSince } from './analytics-since.js';

export interface RunHistory {
  run: Run;
  events: readonly RunEvent[];
}

/** What was looked at. */
export interface AnalyticsWindow {
  /** Only runs created at or after this time (ms). */
  since?: number;
  workflowId?: string;
  /** At most this many of the newest runs are read. */
  limit: number;
  /** Runs read. */
  runs: number;
  /** More runs matched than `limit`: the figures cover the newest `limit` only. */
  truncated: boolean;
  /** Creation time of the oldest and newest run read. */
  from?: number;
  to?: number;
}

export interface WaitStats {
  /** Waits that ended (a decision, or the step or run ending). */
  decided: number;
  /** Still waiting when the figures were made. */
  open: number;
  totalMs: number;
  durations?: DurationStats;
}

export interface OutcomeCounts {
  runs: number;
  /** Runs with an outcome (succeeded, failed, rolled back, cancelled). */
  finished: number;
  succeeded: number;
  /** failed, rolled_back and rollback_failed. */
  failed: number;
  cancelled: number;
  inFlight: number;
  /** succeeded / finished, 0..1; absent until a run finished. */
  successRate?: number;
}

export interface WorkflowAnalytics extends OutcomeCounts {
  workflowId: string;
  workflowName: string;
  /** Wall time of finished runs. */
  duration?: DurationStats;
  /** Automatic step retries. */
  retries: number;
  /** Runs that needed at least one automatic retry. */
  runsWithRetries: number;
  /** Whole-run retries someone asked for. */
  runRetries: number;
  failingSteps: FailingStep[];
  waits: Record<WaitKind, WaitStats>;
  firstRunAt: number;
  lastRunAt: number;
}

export interface Totals extends OutcomeCounts {
  duration?: DurationStats;
  retries: number;
  stepFailures: number;
  waits: Record<WaitKind, WaitStats>;
}

export interface AnalyticsReport {
  /** When the figures were made (ms). */
  generatedAt: number;
  /** No run in the window: there is no history to speak of yet. */
  empty: boolean;
  /** One sentence on what the figures cover, or that there is no history. */
  summary: string;
  window: AnalyticsWindow;
  /** Runs read, by status. */
  runs: Partial<Record<RunStatus, number>>;
  totals: Totals;
  /** Most runs first. */
  workflows: WorkflowAnalytics[];
  series: Series;
}

export interface AnalyticsOptions {
  now: number;
  since?: number;
  workflowId?: string;
  limit: number;
  truncated?: boolean;
  /** How many failing steps per workflow, and errors per step (default 5 and 3). */
  topSteps?: number;
  topErrors?: number;
}

export function analyticsOf(histories: Iterable<RunHistory>, opts: AnalyticsOptions): AnalyticsReport {
  const since = opts.since;
  const facts = [...histories].map((h) => factsOf(h.run, h.events)).filter((f) => since === undefined || f.createdAt >= since);
  const byWorkflow = new Map<string, RunFacts[]>();
  for (const f of facts) {
    const list = byWorkflow.get(f.workflowId);
    if (list) list.push(f);
    else byWorkflow.set(f.workflowId, [f]);
  }
  const top = { steps: opts.topSteps ?? 5, errors: opts.topErrors ?? 3 };

  const workflows = [...byWorkflow].map(([workflowId, runs]) => workflowOf(workflowId, runs, top));
  workflows.sort((a, b) => b.runs - a.runs || a.workflowId.localeCompare(b.workflowId));

  const from = facts.length > 0 ? facts.reduce((a, f) => Math.min(a, f.createdAt), Infinity) : undefined;
  const to = facts.length > 0 ? facts.reduce((a, f) => Math.max(a, f.createdAt), -Infinity) : undefined;
  const window: AnalyticsWindow = {
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.workflowId !== undefined ? { workflowId: opts.workflowId } : {}),
    limit: opts.limit,
    runs: facts.length,
    truncated: opts.truncated ?? false,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
  const byStatus: Partial<Record<RunStatus, number>> = {};
  for (const f of facts) byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
  const durations = facts.flatMap((f) => (f.durationMs !== undefined ? [f.durationMs] : []));
  const duration = durationStats(durations);
  const totals: Totals = {
    ...outcomes(facts),
    ...(duration ? { duration } : {}),
    retries: sum(facts, (f) => f.retries),
    stepFailures: sum(facts, (f) => f.failures.length),
    waits: waitsOf(facts),
  };
  const seriesFrom = opts.since ?? from ?? opts.now;
  return {
    generatedAt: opts.now,
    empty: facts.length === 0,
    summary: summaryOf(window, workflows.length),
    window,
    runs: byStatus,
    totals,
    workflows,
    series: seriesOf(facts, Math.min(seriesFrom, opts.now), opts.now),
  };
}

function workflowOf(workflowId: string, runs: RunFacts[], top: { steps: number; errors: number }): WorkflowAnalytics {
  const newest = runs.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
  const duration = durationStats(runs.flatMap((r) => (r.durationMs !== undefined ? [r.durationMs] : [])));
  return {
    workflowId,
    workflowName: newest.workflowName,
    ...outcomes(runs),
    ...(duration ? { duration } : {}),
    retries: sum(runs, (r) => r.retries),
    runsWithRetries: runs.filter((r) => r.retries > 0).length,
    runRetries: sum(runs, (r) => r.runRetries),
    failingSteps: failingSteps(
      runs.flatMap((r) => r.failures),
      top,
    ),
    waits: waitsOf(runs),
    firstRunAt: runs.reduce((a, r) => Math.min(a, r.createdAt), newest.createdAt),
    lastRunAt: newest.createdAt,
  };
}

function outcomes(runs: RunFacts[]): OutcomeCounts {
  const count = (o: RunFacts['outcome']) => runs.filter((r) => r.outcome === o).length;
  const succeeded = count('succeeded');
  const failed = count('failed');
  const cancelled = count('cancelled');
  const finished = succeeded + failed + cancelled;
  return {
    runs: runs.length,
    finished,
    succeeded,
    failed,
    cancelled,
    inFlight: count('inFlight'),
    ...(finished > 0 ? { successRate: succeeded / finished } : {}),
  };
}

function waitsOf(runs: RunFacts[]): Record<WaitKind, WaitStats> {
  const of = (kind: WaitKind): WaitStats => {
    const ms = runs.flatMap((r) => r.waits.filter((w) => w.kind === kind).map((w) => w.ms));
    const durations = durationStats(ms);
    return {
      decided: ms.length,
      open: sum(runs, (r) => r.openWaits.filter((w) => w.kind === kind).length),
      totalMs: ms.reduce((a, b) => a + b, 0),
      ...(durations ? { durations } : {}),
    };
  };
  return { task: of('task'), approval: of('approval') };
}

function sum<T>(items: readonly T[], f: (item: T) => number): number {
  return items.reduce((a, item) => a + f(item), 0);
}

function summaryOf(window: AnalyticsWindow, workflows: number): string {
  const since = window.since !== undefined ? ` since ${new Date(window.since).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  if (window.runs === 0) return `No history yet: no runs${window.workflowId !== undefined ? ` of workflow '${window.workflowId}'` : ''}${since} in the store, so there are no figures to show.`;
  const runs = `${window.runs} run${window.runs === 1 ? '' : 's'}`;
  const of = window.workflowId !== undefined ? `workflow '${window.workflowId}'` : `${workflows} workflow${workflows === 1 ? '' : 's'}`;
  const newest = window.truncated ? ` (the newest ${window.limit}; older runs are not counted)` : '';
  return `${runs} of ${of}${since}${newest}.`;
}
