import type { RunEvent, RunStatus } from '../engine/types.js';

/*
 * The names webhooks subscribe to, and how the engine's RunEvents map onto them. Pure: the
 * same event always gives the same message. Engine events that are bookkeeping (RunCreated,
 * StepExpanded, RunCancelled before its RunFinished, ...) map to nothing and are not sent.
 */

export const WEBHOOK_EVENT_TYPES = [
  'workflow.started',
  'workflow.completed',
  'workflow.failed',
  'workflow.cancelled',
  'workflow.rolling_back',
  'workflow.rolled_back',
  'workflow.rollback_failed',
  'workflow.paused',
  'workflow.resumed',
  'workflow.retried',
  'workflow.signal_received',
  'step.started',
  'step.succeeded',
  'step.failed',
  'step.retrying',
  'step.skipped',
  'step.cancelled',
  'step.compensated',
  'step.compensation_failed',
  'approval.requested',
  'approval.granted',
  'approval.rejected',
  'task.requested',
  'task.completed',
  'task.escalated',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Subscribes to every event type. */
export const ALL_EVENTS = '*';

export function isWebhookEventType(name: string): name is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(name);
}

/** Does a subscription list (`events` of a webhook) include this type? */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes(ALL_EVENTS) || events.includes(type);
}

/** What a message says about the run it concerns, looked up once per run. */
export interface RunIdentity {
  workflowId?: string;
  workflowName?: string;
}

/** The JSON body of a message (Standard Webhooks shape). */
export interface WebhookMessage {
  type: WebhookEventType;
  /** When the event happened (ISO 8601), not when it was sent. */
  timestamp: string;
  data: Record<string, unknown> & { runId: string; seq: number };
}

const FINISHED: Partial<Record<RunStatus, WebhookEventType>> = {
  succeeded: 'workflow.completed',
  failed: 'workflow.failed',
  cancelled: 'workflow.cancelled',
  rolled_back: 'workflow.rolled_back',
  rollback_failed: 'workflow.rollback_failed',
};

/** The webhook event type of an engine event, or undefined when it is not sent. */
export function webhookEventType(event: RunEvent): WebhookEventType | undefined {
  return describe(event)?.type;
}

/** The message for an engine event, or undefined when the event is not sent. */
export function webhookMessage(event: RunEvent, run: RunIdentity = {}): WebhookMessage | undefined {
  const described = describe(event);
  if (!described) return undefined;
  const data = { runId: event.runId, ...defined(run), seq: event.seq, ...defined(described.data) };
  return { type: described.type, timestamp: new Date(event.at).toISOString(), data };
}

type Described = { type: WebhookEventType; data: Record<string, unknown> };

/*
 * Step parameters are deliberately left out (StepStarted carries them resolved, and they
 * may hold secrets from the environment); outputs are included, as the API shows them.
 */
function describe(event: RunEvent): Described | undefined {
  switch (event.type) {
    case 'RunStarted':
      return { type: 'workflow.started', data: { status: 'running' } };
    case 'RunFinished': {
      const type = FINISHED[event.data.status];
      return type && { type, data: { status: event.data.status, outputs: event.data.outputs, error: event.data.error } };
    }
    case 'RollbackStarted':
      return { type: 'workflow.rolling_back', data: { status: 'rolling_back', order: event.data.order } };
    case 'RunPaused':
      return { type: 'workflow.paused', data: { by: event.data.by } };
    case 'RunUnpaused':
      return { type: 'workflow.resumed', data: { by: event.data.by } };
    case 'RunRetried':
      return { type: 'workflow.retried', data: { by: event.data.by, steps: event.data.steps } };
    case 'SignalReceived':
      return { type: 'workflow.signal_received', data: { signal: event.data.name, by: event.data.by } };
    case 'StepStarted':
      return { type: 'step.started', data: { step: event.data.step, attempt: event.data.attempt, status: 'running' } };
    case 'StepSucceeded':
      return { type: 'step.succeeded', data: { step: event.data.step, attempt: event.data.attempt, status: 'succeeded', outputs: event.data.outputs } };
    case 'StepFailed':
      return { type: 'step.failed', data: { step: event.data.step, attempt: event.data.attempt, status: event.data.willRetry ? 'retrying' : 'failed', error: event.data.error, willRetry: event.data.willRetry } };
    case 'StepRetryScheduled':
      return { type: 'step.retrying', data: { step: event.data.step, attempt: event.data.attempt, status: 'retrying', at: new Date(event.data.at).toISOString(), delayMs: event.data.delayMs } };
    case 'StepSkipped':
      return { type: 'step.skipped', data: { step: event.data.step, status: 'skipped', reason: event.data.reason } };
    case 'StepCancelled':
      return { type: 'step.cancelled', data: { step: event.data.step, attempt: event.data.attempt, status: 'cancelled', reason: event.data.reason } };
    case 'StepCompensated':
      return { type: 'step.compensated', data: { step: event.data.step, attempt: event.data.attempt, outputs: event.data.outputs } };
    case 'CompensationFailed':
      return { type: 'step.compensation_failed', data: { step: event.data.step, attempt: event.data.attempt, error: event.data.error, willRetry: event.data.willRetry } };
    case 'TaskRequested': {
      const { kind, instructions, assignee, approvers, required, dueAt } = event.data.task;
      const due = dueAt === undefined ? undefined : new Date(dueAt).toISOString();
      return { type: kind === 'approval' ? 'approval.requested' : 'task.requested', data: { step: event.data.step, status: 'waiting', instructions, assignee, approvers, required, dueAt: due } };
    }
    case 'TaskCompleted':
      return { type: 'task.completed', data: { step: event.data.step, by: event.data.by, output: event.data.output } };
    case 'TaskEscalated':
      return { type: 'task.escalated', data: { step: event.data.step, to: event.data.to, until: event.data.until === undefined ? undefined : new Date(event.data.until).toISOString() } };
    case 'ApprovalGranted':
      return { type: 'approval.granted', data: { step: event.data.step, by: event.data.by, comment: event.data.comment } };
    case 'ApprovalRejected':
      return { type: 'approval.rejected', data: { step: event.data.step, by: event.data.by, comment: event.data.comment } };
    // Bookkeeping, or said better by another event (RunCancelled by its RunFinished).
    case 'RunCreated':
    case 'StepExpanded':
    case 'StepInterrupted':
    case 'RunCancelled':
    case 'RollbackRequested':
    case 'CompensationStarted':
    case 'RunTimedOut':
      return undefined;
    default:
      // A new engine event must be mapped or listed above: this line stops compiling.
      return unmapped(event);
  }
}

function unmapped(event: never): undefined {
  void event;
  return undefined;
}

/** Drop undefined fields, so the JSON has no `"x": undefined` surprises in key order. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
