// Shapes of the admin answers the Settings page reads (docs/server.md, docs/webhooks.md).

export interface KeyView {
  id: string;
  name: string;
  role: 'viewer' | 'operator' | 'admin';
  createdAt: number;
  createdBy?: string;
  revokedAt?: number;
}

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description?: string;
  createdAt: number;
  createdBy?: string;
  disabledAt?: number;
  disabledReason?: string;
}

export interface DeliveryView {
  id: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed' | 'stopped';
  attempts: number;
  createdAt: number;
  finishedAt?: number;
  lastStatus?: number;
  lastError?: string;
  history: Array<{ at: number; status?: number; error?: string; ms: number }>;
}

export interface LockHolder {
  lock: string;
  runId: string;
  step: string;
  attempt: number;
  ownerId: string;
  perRun: boolean;
  acquiredAt: number;
  expiresAt: number;
  stale: boolean;
}

export interface LockWaiter {
  runId: string;
  step: string;
  attempt: number;
  seq: number;
  locks: string[];
  since: number;
}

export interface LocksView {
  holders: LockHolder[];
  waiters: LockWaiter[];
}

/** The event types a webhook may subscribe to (src/webhooks/event-types.ts). */
export const WEBHOOK_EVENTS = [
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
