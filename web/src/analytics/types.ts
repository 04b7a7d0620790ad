// The analytics answer (GET /api/v1/workflows/analytics; docs/analytics.md), as far as the page reads it.

export interface DurationStats {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface OutcomeCounts {
  runs: number;
  finished: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  inFlight: number;
  successRate?: number;
}

export interface FailingStep {
  step: string;
  failures: number;
  finalFailures: number;
  errors: Array<{ code: string; message: string; count: number }>;
}

export interface WorkflowAnalytics extends OutcomeCounts {
  workflowId: string;
  workflowName: string;
  duration?: DurationStats;
  retries: number;
  runsWithRetries: number;
  runRetries: number;
  failingSteps: FailingStep[];
  firstRunAt: number;
  lastRunAt: number;
}

export interface SeriesPoint {
  start: number;
  runs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  inFlight: number;
}

export interface AnalyticsReport {
  generatedAt: number;
  empty: boolean;
  summary: string;
  window: { since?: number; workflowId?: string; limit: number; runs: number; truncated: boolean; from?: number; to?: number };
  totals: OutcomeCounts & { duration?: DurationStats; retries: number; stepFailures: number };
  workflows: WorkflowAnalytics[];
  series: { bucket: 'hour' | 'day' | 'week'; points: SeriesPoint[] };
}

export interface Suggestion {
  workflow: string;
  name: string;
  score: number;
  reasons: string[];
  matched: string[];
}
