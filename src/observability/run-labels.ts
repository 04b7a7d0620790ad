/**
 * The labels of a run's metrics: its workflow id and each step's command. Events carry
 * neither on every line (StepStarted names the step, not its command), so they come from
 * the run's RunCreated event and, when given, from `workflowOf` (asked once per run).
 * An observation made while the workflow is still loading waits for it; `settle()` lets a
 * scrape wait for those.
 */

/** What labels need of a workflow (a `Workflow` fits). */
export interface WorkflowShape {
  id: string;
  steps: ReadonlyArray<{ id: string; command: string }>;
}

export interface Labels {
  workflow: string;
  /** The command of a step key (`id` or a fan-out instance `id[3]`). */
  command(step: string): string;
}

interface Track {
  workflow?: string;
  commands?: Map<string, string>;
  loading?: Promise<void>;
}

/** Runs remembered at most; the oldest go first (their later metrics read `unknown`). */
const MAX_RUNS = 10_000;

export const UNKNOWN = 'unknown';

export class RunLabels {
  private readonly runs = new Map<string, Track>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly workflowOf?: (runId: string) => Promise<WorkflowShape | undefined>,
    private readonly onError?: (err: unknown) => void,
  ) {}

  created(runId: string, workflowId: string): void {
    this.track(runId).workflow = workflowId;
  }

  /** Call `use` with the run's labels, now or once its workflow has loaded. */
  with(runId: string, use: (labels: Labels) => void): void {
    const track = this.track(runId);
    if (!track.loading) {
      use(labelsOf(track));
      return;
    }
    const later = track.loading.then(() => use(labelsOf(track)));
    this.pending.add(later);
    void later.finally(() => this.pending.delete(later));
  }

  /** The run is over: forget it once what waits for its labels has run. */
  finished(runId: string): void {
    const track = this.runs.get(runId);
    if (!track) return;
    if (!track.loading) this.runs.delete(runId);
    else void track.loading.then(() => this.runs.delete(runId));
  }

  /** Resolves when every observation waiting for a workflow has been made. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(runId: string): Track {
    const known = this.runs.get(runId);
    if (known) return known;
    if (this.runs.size >= MAX_RUNS) this.runs.delete(this.runs.keys().next().value as string);
    const track: Track = {};
    this.runs.set(runId, track);
    if (this.workflowOf) {
      track.loading = this.workflowOf(runId)
        .then((workflow) => {
          if (!workflow) return;
          track.workflow ??= workflow.id;
          track.commands = new Map(workflow.steps.map((s) => [s.id, s.command]));
        })
        .catch((err: unknown) => this.onError?.(err))
        .finally(() => delete track.loading);
    }
    return track;
  }
}

function labelsOf(track: Track): Labels {
  return {
    workflow: track.workflow ?? UNKNOWN,
    command: (step) => track.commands?.get(step.replace(/\[\d+\]$/, '')) ?? UNKNOWN,
  };
}
