import type { Logger } from 'pino';
import type { RunEvent, RunStatus } from '../engine/types.js';
import type { FeedEntry } from '../store/records.js';
import type { WorkflowShape } from './run-labels.js';

/**
 * One log line per run event, each carrying the ids that find it again: `runId`, `seq`,
 * `cursor`, `workflowId` (when known), `step` and `attempt` (when the event has them), and
 * `event`, the event type. Values a step produced or was given (outputs, parameters, task
 * output, signal data) stay out: they may hold secrets, and the store keeps them anyway.
 */

export interface EventLogOptions {
  /** The workflow of a run whose RunCreated this log did not see (asked once per run). */
  workflowOf?(runId: string): Promise<WorkflowShape | undefined>;
}

/** Fields of event data that are values from steps, parameters or people, never logged. */
const WITHHELD = new Set(['outputs', 'parameters', 'items', 'output', 'data', 'task', 'error']);

const FAILED_RUN: readonly RunStatus[] = ['failed', 'rollback_failed'];

/** Runs whose workflow id is remembered at most, oldest dropped first. */
const MAX_RUNS = 10_000;

export class EventLog {
  private readonly workflows = new Map<string, string | Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly options: EventLogOptions = {},
  ) {}

  /** Write the line for one event (the server subscribes this to its event stream). */
  observe(entry: FeedEntry): void {
    const event = entry.event;
    if (event.type === 'RunCreated') this.remember(event.runId, event.data.workflowId);
    else this.lookUp(event.runId);
    const known = this.workflows.get(event.runId);
    const line: Record<string, unknown> = {
      event: event.type,
      runId: event.runId,
      seq: event.seq,
      cursor: entry.cursor,
      ...(typeof known === 'string' ? { workflowId: known } : {}),
      ...fieldsOf(event),
    };
    this.logger[levelOf(event)](line, summary(event));
    if (event.type === 'RunFinished') this.workflows.delete(event.runId);
  }

  private remember(runId: string, workflowId: string): void {
    if (this.workflows.size >= MAX_RUNS) this.workflows.delete(this.workflows.keys().next().value as string);
    this.workflows.set(runId, workflowId);
  }

  /** This line goes out without the workflow id; the run's later lines will have it. */
  private lookUp(runId: string): void {
    const workflowOf = this.options.workflowOf;
    if (!workflowOf || this.workflows.has(runId)) return;
    const loading = workflowOf(runId).then(
      (workflow) => {
        if (this.workflows.get(runId) !== loading) return;
        if (workflow) this.workflows.set(runId, workflow.id);
        else this.workflows.delete(runId);
      },
      () => {
        this.workflows.delete(runId);
      },
    );
    this.workflows.set(runId, loading);
  }
}

function levelOf(event: RunEvent): 'info' | 'warn' | 'error' {
  switch (event.type) {
    case 'StepFailed':
    case 'CompensationFailed':
    case 'RunTimedOut':
      return 'warn';
    case 'RunFinished':
      return FAILED_RUN.includes(event.data.status) ? 'error' : 'info';
    default:
      return 'info';
  }
}

/** The event's own fields: plain values and lists of names; an error as its code and message. */
function fieldsOf(event: RunEvent): Record<string, unknown> {
  const data = event.data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (WITHHELD.has(key)) continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value;
  }
  const error = data.error as { code?: unknown; message?: unknown } | undefined;
  if (error && typeof error === 'object') out.error = { code: error.code, message: error.message };
  const task = data.task as { kind?: unknown; assignee?: unknown } | undefined;
  if (task && typeof task === 'object') out.task = { kind: task.kind, ...(task.assignee !== undefined ? { assignee: task.assignee } : {}) };
  return out;
}

/** The line's message: what happened, in a few words. */
function summary(event: RunEvent): string {
  switch (event.type) {
    case 'RunCreated':
      return `run created (${event.data.workflowId})`;
    case 'StepStarted':
      return `step ${event.data.step} started (attempt ${event.data.attempt})`;
    case 'StepSucceeded':
      return `step ${event.data.step} succeeded`;
    case 'StepFailed':
      return `step ${event.data.step} failed: ${event.data.error.code}${event.data.willRetry ? ' (will retry)' : ''}`;
    case 'RunFinished':
      return `run ${event.data.status}`;
    default:
      return event.type;
  }
}
