import { describe, expect, it } from 'vitest';
import type { RunEvent, RunEventMap, RunEventType } from '../../src/engine/types.js';
import { subscribes, WEBHOOK_EVENT_TYPES, webhookEventType, webhookMessage } from '../../src/webhooks/event-types.js';

const AT = Date.UTC(2025, 0, 2, 3, 4, 5, 678);

function ev<K extends RunEventType>(type: K, data: RunEventMap[K], seq = 7): RunEvent {
  return { type, runId: 'r1', seq, at: AT, data } as RunEvent;
}

const error = { code: 'EXIT_CODE', message: 'exit 3' };

/** One event of every engine type, with the webhook type it should become. */
const CASES: Array<[RunEvent, string | undefined]> = [
  [ev('RunCreated', { workflowId: 'w', workflowName: 'W', definitionHash: 'h', parameters: {} }), undefined],
  [ev('RunStarted', {}), 'workflow.started'],
  [ev('StepStarted', { step: 'a', attempt: 1, idempotencyKey: 'r1:a', parameters: { token: 's3cret' } }), 'step.started'],
  [ev('StepExpanded', { step: 'a', count: 2, items: [1, 2] }), undefined],
  [ev('StepSucceeded', { step: 'a', attempt: 1, outputs: { n: 1 } }), 'step.succeeded'],
  [ev('StepFailed', { step: 'a', attempt: 1, error, willRetry: false }), 'step.failed'],
  [ev('StepRetryScheduled', { step: 'a', attempt: 2, at: AT + 1000, delayMs: 1000 }), 'step.retrying'],
  [ev('StepInterrupted', { step: 'a', attempt: 1, reason: 'owner died' }), undefined],
  [ev('StepSkipped', { step: 'b', reason: 'condition false' }), 'step.skipped'],
  [ev('StepCancelled', { step: 'b', attempt: 0, reason: 'run cancelled' }), 'step.cancelled'],
  [ev('RunCancelled', { by: 'ada', reason: 'no' }), undefined],
  [ev('TaskRequested', { step: 't', task: { kind: 'task', assignee: 'ops' } }), 'task.requested'],
  [ev('TaskRequested', { step: 'ok', task: { kind: 'approval', approvers: ['lead'], required: 1 } }), 'approval.requested'],
  [ev('TaskCompleted', { step: 't', by: 'ada', output: { done: true } }), 'task.completed'],
  [ev('TaskEscalated', { step: 't', to: 'boss' }), 'task.escalated'],
  [ev('ApprovalGranted', { step: 'ok', by: 'lead' }), 'approval.granted'],
  [ev('ApprovalRejected', { step: 'ok', by: 'lead', comment: 'not today' }), 'approval.rejected'],
  [ev('SignalReceived', { name: 'go', data: { secret: 1 } }), 'workflow.signal_received'],
  [ev('RunRetried', { by: 'ada', steps: ['a'] }), 'workflow.retried'],
  [ev('RunPaused', { by: 'ada' }), 'workflow.paused'],
  [ev('RunUnpaused', {}), 'workflow.resumed'],
  [ev('RollbackRequested', { strategy: 'immediate' }), undefined],
  [ev('RollbackStarted', { order: ['b', 'a'] }), 'workflow.rolling_back'],
  [ev('CompensationStarted', { step: 'a', attempt: 1, idempotencyKey: 'k' }), undefined],
  [ev('StepCompensated', { step: 'a', attempt: 1, outputs: {} }), 'step.compensated'],
  [ev('CompensationFailed', { step: 'a', attempt: 1, error, willRetry: false }), 'step.compensation_failed'],
  [ev('RunTimedOut', { timeoutSeconds: 5 }), undefined],
  [ev('RunFinished', { status: 'succeeded', outputs: { answer: 42 } }), 'workflow.completed'],
  [ev('RunFinished', { status: 'failed', error }), 'workflow.failed'],
  [ev('RunFinished', { status: 'cancelled', error: { code: 'CANCELLED', message: 'no' } }), 'workflow.cancelled'],
  [ev('RunFinished', { status: 'rolled_back' }), 'workflow.rolled_back'],
  [ev('RunFinished', { status: 'rollback_failed' }), 'workflow.rollback_failed'],
];

describe('engine events -> webhook event types', () => {
  it.each(CASES.map(([e, t]) => [`${e.type}${e.type === 'RunFinished' ? `(${e.data.status})` : ''}`, e, t] as const))('%s -> %s', (_name, event, type) => {
    expect(webhookEventType(event)).toBe(type);
    if (type === undefined) expect(webhookMessage(event)).toBeUndefined();
    else expect(webhookMessage(event)?.type).toBe(type);
  });

  it('reaches every advertised type from some engine event, and nothing else', () => {
    const reached = new Set(CASES.map(([, t]) => t).filter((t) => t !== undefined));
    expect([...reached].sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
  });

  it('builds a Standard Webhooks payload: type, ISO timestamp of the event, data with run and workflow', () => {
    const message = webhookMessage(ev('RunFinished', { status: 'failed', error }, 12), { workflowId: 'deploy', workflowName: 'Deploy' });
    expect(message).toEqual({
      type: 'workflow.failed',
      timestamp: '2025-01-02T03:04:05.678Z',
      data: { runId: 'r1', workflowId: 'deploy', workflowName: 'Deploy', seq: 12, status: 'failed', error },
    });
    expect(JSON.stringify(message)).not.toContain('undefined');
  });

  it('carries the step, attempt, status and error of a failed step', () => {
    expect(webhookMessage(ev('StepFailed', { step: 'build', attempt: 2, error, willRetry: true }))?.data).toEqual({
      runId: 'r1',
      seq: 7,
      step: 'build',
      attempt: 2,
      status: 'retrying',
      error,
      willRetry: true,
    });
  });

  it('never sends the resolved parameters of a step, nor signal data (they may hold secrets)', () => {
    expect(JSON.stringify(webhookMessage(ev('StepStarted', { step: 'a', attempt: 1, idempotencyKey: 'k', parameters: { token: 's3cret' } })))).not.toContain('s3cret');
    expect(JSON.stringify(webhookMessage(ev('SignalReceived', { name: 'go', data: { token: 's3cret' } })))).not.toContain('s3cret');
  });

  it('matches subscriptions by exact type or *', () => {
    expect(subscribes(['workflow.failed'], 'workflow.failed')).toBe(true);
    expect(subscribes(['workflow.failed'], 'workflow.completed')).toBe(false);
    expect(subscribes(['*'], 'step.started')).toBe(true);
  });
});
