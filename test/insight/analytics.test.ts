import { describe, expect, it } from 'vitest';
import type { Run, RunEvent, RunEventMap, RunEventType, RunStatus } from '../../src/engine/types.js';
import { analyticsOf, type RunHistory } from '../../src/insight/analytics.js';

/*
 * The pure part: hand-built event logs in, figures out. Times are small numbers (ms)
 * from a base, so every expected figure can be worked out by hand.
 */

const BASE = Date.UTC(2026, 10, 20, 8, 0, 0);
const NOW = BASE + 3_600_000;

/** A run's log, event by event: `at` is ms after BASE. */
class Log {
  private readonly events: RunEvent[] = [];
  constructor(
    readonly id: string,
    readonly workflowId: string,
    private readonly createdAt = 0,
  ) {
    this.add('RunCreated', createdAt, { workflowId, workflowName: `${workflowId} name`, definitionHash: 'h', parameters: {} });
  }
  add<K extends RunEventType>(type: K, at: number, data: RunEventMap[K]): this {
    this.events.push({ type, runId: this.id, seq: this.events.length + 1, at: BASE + at, data } as RunEvent);
    return this;
  }
  started(at: number): this {
    return this.add('RunStarted', at, {});
  }
  finished(at: number, status: RunStatus): this {
    return this.add('RunFinished', at, { status });
  }
  failed(at: number, step: string, attempt: number, message: string, willRetry: boolean, code = 'EXIT_CODE'): this {
    this.add('StepFailed', at, { step, attempt, error: { code, message }, willRetry });
    return willRetry ? this.add('StepRetryScheduled', at, { step, attempt: attempt + 1, at: BASE + at + 100, delayMs: 100 }) : this;
  }
  history(status: RunStatus = 'running'): RunHistory {
    const run: Run = { id: this.id, workflowId: this.workflowId, workflowName: this.workflowId, definitionHash: 'h', status, parameters: {}, createdAt: BASE + this.createdAt };
    return { run, events: this.events };
  }
}

const opts = { now: NOW, limit: 5_000 };

describe('analytics from the event log', () => {
  it('with no history says so, with an explicit empty result', () => {
    const report = analyticsOf([], opts);
    expect(report.empty).toBe(true);
    expect(report.summary).toMatch(/^No history yet/);
    expect(report.workflows).toEqual([]);
    expect(report.runs).toEqual({});
    expect(report.totals).toMatchObject({ runs: 0, finished: 0, succeeded: 0, failed: 0, retries: 0, stepFailures: 0 });
    expect(report.totals.successRate).toBeUndefined();
    expect(report.totals.duration).toBeUndefined();
    expect(report.totals.waits.task).toEqual({ decided: 0, open: 0, totalMs: 0 });
    expect(report.series.points.every((p) => p.runs === 0)).toBe(true);
    expect(analyticsOf([], { ...opts, workflowId: 'deploy', since: BASE }).summary).toBe(
      "No history yet: no runs of workflow 'deploy' since 2026-11-20 08:00 UTC in the store, so there are no figures to show.",
    );
  });

  it('counts outcomes, success rate and p50/p95/max duration per workflow', () => {
    const runs: RunHistory[] = [];
    // deploy: 20 runs that took 1s..20s; the 4th and 8th failed, the 12th was cancelled.
    for (let i = 1; i <= 20; i++) {
      const status: RunStatus = i === 4 || i === 8 ? 'failed' : i === 12 ? 'cancelled' : 'succeeded';
      runs.push(new Log(`d${i}`, 'deploy', i * 10).started(i * 10 + 5).finished(i * 10 + 5 + i * 1000, status).history(status));
    }
    runs.push(new Log('b1', 'backup', 1).started(2).finished(502, 'rolled_back').history('rolled_back'));
    runs.push(new Log('b2', 'backup', 3).started(4).history('waiting')); // in flight
    const report = analyticsOf(runs, opts);
    expect(report.empty).toBe(false);
    expect(report.summary).toBe('22 runs of 2 workflows.');
    expect(report.runs).toEqual({ succeeded: 17, failed: 2, cancelled: 1, rolled_back: 1, waiting: 1 });
    const [deploy, backup] = report.workflows;
    expect(deploy).toMatchObject({ workflowId: 'deploy', workflowName: 'deploy name', runs: 20, finished: 20, succeeded: 17, failed: 2, cancelled: 1, inFlight: 0, successRate: 17 / 20 });
    expect(deploy?.duration).toEqual({ count: 20, p50Ms: 10_000, p95Ms: 19_000, maxMs: 20_000, meanMs: 10_500 });
    expect(deploy?.firstRunAt).toBe(BASE + 10);
    expect(deploy?.lastRunAt).toBe(BASE + 200);
    expect(backup).toMatchObject({ runs: 2, finished: 1, succeeded: 0, failed: 1, inFlight: 1, successRate: 0, duration: { count: 1, p50Ms: 500, maxMs: 500 } });
    expect(report.totals).toMatchObject({ runs: 22, finished: 21, succeeded: 17, failed: 3, cancelled: 1, inFlight: 1, successRate: 17 / 21 });
    expect(report.totals.duration?.count).toBe(21);
    expect(report.window).toEqual({ limit: 5_000, runs: 22, truncated: false, from: BASE + 1, to: BASE + 200 });
  });

  it('a run still in flight has no duration and no success figure', () => {
    const report = analyticsOf([new Log('r', 'w').started(1).history('running')], opts);
    expect(report.workflows[0]).toMatchObject({ runs: 1, finished: 0, inFlight: 1 });
    expect(report.workflows[0]?.successRate).toBeUndefined();
    expect(report.workflows[0]?.duration).toBeUndefined();
  });

  it('finds the steps that fail most, with their top error messages and counts', () => {
    const runs = [
      new Log('a', 'ci')
        .started(0)
        .failed(10, 'test', 1, 'exit code 1: 3 tests failed', true)
        .failed(20, 'test', 2, 'exit code 1:   3 tests\nfailed', true)
        .failed(30, 'test', 3, 'connection reset', false, 'NETWORK')
        .finished(40, 'failed')
        .history('failed'),
      new Log('b', 'ci').started(0).failed(10, 'test', 1, 'exit code 1: 3 tests failed', true).add('StepSucceeded', 20, { step: 'test', attempt: 2, outputs: {} }).finished(30, 'succeeded').history('succeeded'),
      // A fan-out: instances count under the step id.
      new Log('c', 'ci')
        .started(0)
        .failed(5, 'lint[0]', 1, 'style', false)
        .failed(5, 'lint[1]', 1, 'style', false)
        .failed(6, 'lint[12]', 1, 'x'.repeat(300), false)
        .finished(9, 'failed')
        .history('failed'),
      new Log('d', 'ci').started(0).failed(1, 'build', 1, 'oom', false, 'SIGNAL').finished(2, 'failed').history('failed'),
    ];
    const report = analyticsOf(runs, { ...opts, topSteps: 2, topErrors: 2 });
    const ci = report.workflows[0];
    expect(ci?.retries).toBe(3);
    expect(ci?.runsWithRetries).toBe(2);
    expect(report.totals).toMatchObject({ retries: 3, stepFailures: 8 });
    expect(ci?.failingSteps).toEqual([
      {
        step: 'test',
        failures: 4,
        finalFailures: 1,
        errors: [
          { code: 'EXIT_CODE', message: 'exit code 1: 3 tests failed', count: 3 },
          { code: 'NETWORK', message: 'connection reset', count: 1 },
        ],
      },
      {
        step: 'lint',
        failures: 3,
        finalFailures: 3,
        errors: [
          { code: 'EXIT_CODE', message: 'style', count: 2 },
          { code: 'EXIT_CODE', message: `${'x'.repeat(199)}…`, count: 1 },
        ],
      },
    ]);
  });

  it('measures waits for tasks and approvals, from the request to the decision', () => {
    const runs = [
      // A task completed after 60s; an approval (2 of N) decided by the second grant after 120s.
      new Log('t', 'release')
        .started(0)
        .add('StepStarted', 0, { step: 'notes', attempt: 1, idempotencyKey: 't:notes' })
        .add('TaskRequested', 0, { step: 'notes', task: { kind: 'task' } })
        .add('TaskCompleted', 60_000, { step: 'notes', by: 'ann', output: {} })
        .add('StepSucceeded', 60_000, { step: 'notes', attempt: 1, outputs: {} })
        .add('TaskRequested', 60_000, { step: 'approve', task: { kind: 'approval', required: 2 } })
        .add('ApprovalGranted', 90_000, { step: 'approve', by: 'bob' })
        .add('ApprovalGranted', 180_000, { step: 'approve', by: 'cy' })
        .add('StepSucceeded', 180_000, { step: 'approve', attempt: 1, outputs: { approved: true } })
        .finished(180_001, 'succeeded')
        .history('succeeded'),
      // Rejected after 30s.
      new Log('r', 'release').started(0).add('TaskRequested', 10, { step: 'approve', task: { kind: 'approval' } }).add('ApprovalRejected', 30_010, { step: 'approve', by: 'ops' }).finished(30_011, 'failed').history('failed'),
      // Still waiting: open, not measured.
      new Log('o', 'release').started(0).add('TaskRequested', 5, { step: 'approve', task: { kind: 'approval' } }).history('waiting'),
      // Cancelled while waiting: the wait ends with the run.
      new Log('c', 'release').started(0).add('TaskRequested', 0, { step: 'notes', task: { kind: 'task' } }).add('RunCancelled', 5_000, {}).finished(7_000, 'cancelled').history('cancelled'),
    ];
    const { workflows, totals } = analyticsOf(runs, opts);
    expect(workflows[0]?.waits.task).toEqual({ decided: 2, open: 0, totalMs: 67_000, durations: { count: 2, p50Ms: 7_000, p95Ms: 60_000, maxMs: 60_000, meanMs: 33_500 } });
    expect(workflows[0]?.waits.approval).toEqual({ decided: 2, open: 1, totalMs: 150_000, durations: { count: 2, p50Ms: 30_000, p95Ms: 120_000, maxMs: 120_000, meanMs: 75_000 } });
    expect(totals.waits.approval.open).toBe(1);
  });

  it('a task retried after a timeout is two waits', () => {
    const log = new Log('x', 'w')
      .started(0)
      .add('TaskRequested', 0, { step: 'ask', task: { kind: 'task' } })
      .failed(1_000, 'ask', 1, 'timed out', true, 'TASK_TIMEOUT')
      .add('StepStarted', 1_100, { step: 'ask', attempt: 2, idempotencyKey: 'x:ask' })
      .add('TaskRequested', 1_100, { step: 'ask', task: { kind: 'task' } })
      .add('TaskCompleted', 1_600, { step: 'ask', by: 'a', output: {} })
      .finished(1_600, 'succeeded');
    const { workflows } = analyticsOf([log.history('succeeded')], opts);
    expect(workflows[0]?.waits.task).toMatchObject({ decided: 2, totalMs: 1_500 });
  });

  it('a run retried by hand: duration to its last finish, outcome of its last finish', () => {
    const log = new Log('x', 'w').started(0).failed(10, 'a', 1, 'boom', false).finished(20, 'failed').add('RunRetried', 5_000, { steps: ['a'] }).finished(6_000, 'succeeded');
    const report = analyticsOf([log.history('succeeded')], opts);
    expect(report.workflows[0]).toMatchObject({ succeeded: 1, failed: 0, runRetries: 1, duration: { maxMs: 6_000 } });
    // Retried and not finished again: in flight, whatever the projection said.
    const again = new Log('y', 'w').started(0).finished(20, 'failed').add('RunRetried', 30, { steps: ['a'] });
    expect(analyticsOf([again.history('failed')], opts).workflows[0]).toMatchObject({ inFlight: 1, failed: 0 });
  });

  it('reports a truncated window and the filters it was given', () => {
    const report = analyticsOf([new Log('a', 'w').started(0).finished(1, 'succeeded').history('succeeded')], { ...opts, limit: 1, truncated: true, workflowId: 'w', since: BASE - 1_000 });
    expect(report.window).toEqual({ since: BASE - 1_000, workflowId: 'w', limit: 1, runs: 1, truncated: true, from: BASE, to: BASE });
    expect(report.summary).toBe("1 run of workflow 'w' since 2026-11-20 07:59 UTC (the newest 1; older runs are not counted).");
    // A run older than `since` that came in anyway is not counted.
    const old = new Log('o', 'w', -5_000).finished(-4_000, 'failed').history('failed');
    expect(analyticsOf([old], { ...opts, since: BASE - 1_000 }).empty).toBe(true);
  });

  it('a time series by outcome, hourly over a short span, with empty buckets kept', () => {
    const hour = 3_600_000;
    const runs = [
      new Log('a', 'w', -2 * hour).finished(-2 * hour + 10, 'succeeded').history('succeeded'),
      new Log('b', 'w', -2 * hour + 60_000).finished(-2 * hour + 70_000, 'failed').history('failed'),
      new Log('c', 'w', 30 * 60_000).history('running'),
    ];
    const { series } = analyticsOf(runs, opts);
    expect(series.bucket).toBe('hour');
    expect(series.points).toEqual([
      { start: BASE - 2 * hour, runs: 2, succeeded: 1, failed: 1, cancelled: 0, inFlight: 0 },
      { start: BASE - hour, runs: 0, succeeded: 0, failed: 0, cancelled: 0, inFlight: 0 },
      { start: BASE, runs: 1, succeeded: 0, failed: 0, cancelled: 0, inFlight: 1 },
      { start: BASE + hour, runs: 0, succeeded: 0, failed: 0, cancelled: 0, inFlight: 0 },
    ]);
  });
});
