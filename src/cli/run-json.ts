import type { Run, StepRun } from '../app/index.js';

/**
 * The `--json` contract for a run. Field names are snake_case and stable: scripts rely
 * on them (README, "JSON output").
 */
export function runJson(run: Run, steps?: StepRun[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    run_id: run.id,
    workflow: run.workflowId,
    status: run.status,
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
  };
  if (steps) {
    out.steps = steps.map((s) => ({
      id: s.key,
      status: s.status,
      attempts: s.attempts,
      outputs: s.outputs ?? null,
      error: s.error ?? (s.reason !== undefined && s.status !== 'succeeded' ? { code: s.status.toUpperCase(), message: s.reason } : null),
    }));
  }
  out.outputs = run.outputs ?? null;
  if (run.error) out.error = run.error;
  return out;
}

export function runSummaryJson(run: Run): Record<string, unknown> {
  return {
    run_id: run.id,
    workflow: run.workflowId,
    status: run.status,
    started_by: run.startedBy ?? null,
    created_at: iso(run.createdAt),
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
  };
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
