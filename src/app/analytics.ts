import { analyticsOf, parseSince, type AnalyticsReport, type RunHistory } from '../insight/analytics.js';
import type { Run } from '../engine/types.js';
import type { Store } from '../store/store.js';
import { CairnError } from './errors.js';

export type { AnalyticsReport, DurationStats, FailingStep, ErrorCount, Series, SeriesPoint, Bucket, WorkflowAnalytics, WaitStats, Totals } from '../insight/analytics.js';

export interface AnalyticsQuery {
  workflowId?: string;
  /** A time (ms), or text: a duration back from now (`24h`, `7d`) or a date (`2026-11-01`). */
  since?: number | string;
  /** Read the events of at most this many of the newest runs (default 5,000). */
  limit?: number;
}

export const DEFAULT_ANALYTICS_LIMIT = 5_000;
export const MAX_ANALYTICS_LIMIT = 100_000;

/** Runs read at once: enough to keep a remote store busy, few enough not to flood it. */
const CONCURRENCY = 8;

/**
 * Figures from the event log of the newest runs (of one workflow, since a time). Reading
 * the events of N runs costs N indexed queries, hence the limit.
 */
export async function readAnalytics(store: Store, query: AnalyticsQuery = {}, now = Date.now()): Promise<AnalyticsReport> {
  const limit = query.limit ?? DEFAULT_ANALYTICS_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ANALYTICS_LIMIT) {
    throw new CairnError('USAGE', `limit must be a whole number from 1 to ${MAX_ANALYTICS_LIMIT}, got ${String(limit)}`, { field: 'limit' });
  }
  const since = sinceOf(query.since, now);
  // One more than asked tells whether the window holds more runs than we read.
  const listed = await store.listRuns({ limit: limit + 1, ...(query.workflowId !== undefined ? { workflowId: query.workflowId } : {}) });
  const inWindow = since === undefined ? listed : listed.filter((r) => r.createdAt >= since);
  const runs = inWindow.slice(0, limit);
  const histories = await readHistories(store, runs);
  return analyticsOf(histories, {
    now,
    limit,
    truncated: inWindow.length > limit,
    ...(since !== undefined ? { since } : {}),
    ...(query.workflowId !== undefined ? { workflowId: query.workflowId } : {}),
  });
}

function sinceOf(since: number | string | undefined, now: number): number | undefined {
  if (since === undefined) return undefined;
  if (typeof since === 'number') {
    if (!Number.isFinite(since)) throw new CairnError('USAGE', `since must be a time, got ${String(since)}`, { field: 'since' });
    return since;
  }
  const parsed = parseSince(since, now);
  if ('error' in parsed) throw new CairnError('USAGE', `since: ${parsed.error}`, { field: 'since' });
  return parsed.at;
}

async function readHistories(store: Store, runs: Run[]): Promise<RunHistory[]> {
  const out: RunHistory[] = new Array<RunHistory>(runs.length);
  let next = 0;
  const worker = async () => {
    while (next < runs.length) {
      const i = next++;
      const run = runs[i] as Run;
      out[i] = { run, events: await store.readEvents(run.id) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, runs.length) }, worker));
  return out;
}
