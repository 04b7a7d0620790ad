import type { Run, RunStatus } from '../engine/types.js';
import type { WorkflowSummary } from './catalog.js';

/*
 * First answers for `/workflows/analytics` and `/workflows/suggest`, from what the store
 * already holds: run outcomes and the catalog's words. Deeper suggestions (history,
 * sequences, parameter pre-fill) come with the insight layer.
 */

export interface WorkflowStats {
  workflowId: string;
  runs: number;
  succeeded: number;
  failed: number;
  /** succeeded / finished, 0..1; undefined until one finished. */
  successRate?: number;
  /** Mean wall time of finished runs, ms. */
  meanDurationMs?: number;
  lastRunAt: number;
}

export interface Analytics {
  runs: Partial<Record<RunStatus, number>>;
  workflows: WorkflowStats[];
  /** How many of the newest runs the per-workflow figures cover. */
  sample: number;
}

const FINISHED: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'rolled_back'];

export function analyticsOf(counts: Partial<Record<RunStatus, number>>, runs: Run[]): Analytics {
  const by = new Map<string, { runs: number; succeeded: number; failed: number; finished: number; duration: number; timed: number; last: number }>();
  for (const run of runs) {
    const s = by.get(run.workflowId) ?? { runs: 0, succeeded: 0, failed: 0, finished: 0, duration: 0, timed: 0, last: 0 };
    s.runs += 1;
    if (run.status === 'succeeded') s.succeeded += 1;
    if (run.status === 'failed' || run.status === 'rolled_back') s.failed += 1;
    if (FINISHED.includes(run.status)) s.finished += 1;
    if (run.finishedAt !== undefined && run.startedAt !== undefined) {
      s.duration += run.finishedAt - run.startedAt;
      s.timed += 1;
    }
    s.last = Math.max(s.last, run.createdAt);
    by.set(run.workflowId, s);
  }
  const workflows = [...by].map(([workflowId, s]): WorkflowStats => ({
    workflowId,
    runs: s.runs,
    succeeded: s.succeeded,
    failed: s.failed,
    ...(s.finished > 0 ? { successRate: s.succeeded / s.finished } : {}),
    ...(s.timed > 0 ? { meanDurationMs: Math.round(s.duration / s.timed) } : {}),
    lastRunAt: s.last,
  }));
  workflows.sort((a, b) => b.runs - a.runs || a.workflowId.localeCompare(b.workflowId));
  return { runs: counts, workflows, sample: runs.length };
}

export interface Suggestion {
  workflow: WorkflowSummary;
  /** 0..1: the share of the request's words the workflow's words cover. */
  score: number;
  matched: string[];
}

/** Workflows whose id, name, description, category or tags share words with the request. */
export function suggestFrom(catalog: WorkflowSummary[], request: { context?: string; intent?: string }, limit = 5): Suggestion[] {
  const wanted = words(`${request.context ?? ''} ${request.intent ?? ''}`);
  if (wanted.size === 0) return [];
  const out: Suggestion[] = [];
  for (const workflow of catalog) {
    const have = words([workflow.id, workflow.name, workflow.description ?? '', workflow.category ?? '', ...workflow.tags].join(' '));
    const matched = [...wanted].filter((w) => have.has(w) || [...have].some((h) => h.length > 3 && w.length > 3 && (h.startsWith(w) || w.startsWith(h))));
    if (matched.length > 0) out.push({ workflow, score: matched.length / wanted.size, matched });
  }
  return out.sort((a, b) => b.score - a.score || a.workflow.id.localeCompare(b.workflow.id)).slice(0, limit);
}

const STOP = new Set(['a', 'an', 'the', 'and', 'or', 'to', 'of', 'for', 'in', 'on', 'with', 'my', 'our', 'is', 'it']);

function words(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1 && !STOP.has(w)),
  );
}
