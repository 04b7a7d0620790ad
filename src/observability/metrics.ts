import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from '../actions/breakers.js';
import type { RunStatus } from '../engine/types.js';
import type { BulkheadState } from '../runtime/bulkheads.js';
import type { FeedEntry } from '../store/records.js';
import { RunLabels, type WorkflowShape } from './run-labels.js';

/**
 * Cairn's Prometheus metrics, in a registry of their own (never prom-client's global one,
 * so two servers in one process, or a test, never see each other's numbers).
 *
 * Three kinds of source: events (fed to `observe` in feed order: run and step counters, step
 * durations), calls from the server (`observeRequest`, `observeDelivery`), and functions
 * asked at each scrape (runs by status, queue depth, waiting tasks, breakers, bulkheads).
 * docs/observability.md lists every metric; docs/grafana/cairn.json charts them.
 */

export interface MetricsSources {
  /** How many runs are in each status (the store's `countRuns`). */
  countRuns(): Promise<Partial<Record<RunStatus, number>>>;
  /** Tasks and approvals waiting for a person or an agent (the application's `openTasks`). */
  openTasks?(): Promise<ReadonlyArray<{ kind: 'task' | 'approval' }>>;
  /** The circuit breakers of `http` steps' hosts. */
  breakers?(): readonly BreakerState[];
  /** The per-command concurrency limits and their use. */
  bulkheads?(): readonly BulkheadState[];
  /** The workflow a run executes: labels step durations with their command. */
  workflowOf?(runId: string): Promise<WorkflowShape | undefined>;
  /** A source that failed during a scrape (its metric keeps its last value). */
  onError?(err: unknown): void;
}

/** Every metric Cairn registers besides prom-client's default process metrics. */
export const METRIC_NAMES = {
  runs: 'cairn_runs',
  queueDepth: 'cairn_run_queue_depth',
  tasksWaiting: 'cairn_tasks_waiting',
  runsStarted: 'cairn_runs_started_total',
  runsFinished: 'cairn_runs_finished_total',
  stepDuration: 'cairn_step_duration_seconds',
  webhookDeliveries: 'cairn_webhook_deliveries_total',
  httpDuration: 'cairn_http_request_duration_seconds',
  breakerState: 'cairn_circuit_breaker_state',
  breakerFailures: 'cairn_circuit_breaker_failures',
  bulkheadActive: 'cairn_bulkhead_active',
  bulkheadWaiting: 'cairn_bulkhead_waiting',
  bulkheadLimit: 'cairn_bulkhead_limit',
} as const;

/** Every run status, so a status with no run reads 0 rather than vanishing from a chart. */
const RUN_STATUSES = Object.keys({
  queued: 1,
  running: 1,
  waiting: 1,
  succeeded: 1,
  failed: 1,
  cancelled: 1,
  rolling_back: 1,
  rolled_back: 1,
  rollback_failed: 1,
} satisfies Record<RunStatus, 1>) as RunStatus[];

const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;

/** Steps run from milliseconds (log) to days (a task waiting for a person). */
const STEP_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Running attempts remembered at most (an attempt whose end never comes is dropped, oldest first). */
const MAX_ATTEMPTS = 100_000;

type StepOutcome = 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export class Metrics {
  readonly registry = new Registry();
  private readonly runsStarted: Counter<'workflow'>;
  private readonly runsFinished: Counter<'workflow' | 'outcome'>;
  private readonly stepDuration: Histogram<'workflow' | 'command' | 'outcome'>;
  private readonly deliveries: Counter<'outcome'>;
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  private readonly labels: RunLabels;
  /** When each running attempt started, by `runId \0 step \0 attempt` (event time, ms). */
  private readonly starts = new Map<string, number>();

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    this.labels = new RunLabels(sources.workflowOf, sources.onError);
    collectDefaultMetrics({ register: this.registry });
    this.runsStarted = new Counter({ name: METRIC_NAMES.runsStarted, help: 'Runs that started, by workflow.', labelNames: ['workflow'], registers });
    this.runsFinished = new Counter({ name: METRIC_NAMES.runsFinished, help: 'Runs that finished, by workflow and outcome (the final status).', labelNames: ['workflow', 'outcome'], registers });
    this.stepDuration = new Histogram({
      name: METRIC_NAMES.stepDuration,
      help: 'How long step attempts took, from StepStarted to how they ended, by workflow, command and outcome.',
      labelNames: ['workflow', 'command', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.deliveries = new Counter({ name: METRIC_NAMES.webhookDeliveries, help: 'Webhook delivery attempts, by outcome.', labelNames: ['outcome'], registers });
    this.requests = new Histogram({
      name: METRIC_NAMES.httpDuration,
      help: 'Time to answer HTTP requests to the server, by method, route (the pattern, not the path) and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.scrapedGauges(registers);
  }

  /** Feed one event (in feed order; the server subscribes this to its event stream). */
  observe(entry: FeedEntry): void {
    const event = entry.event;
    const runId = event.runId;
    switch (event.type) {
      case 'RunCreated':
        this.labels.created(runId, event.data.workflowId);
        return;
      case 'RunStarted':
        this.labels.with(runId, ({ workflow }) => this.runsStarted.inc({ workflow }));
        return;
      case 'StepStarted':
        if (this.starts.size >= MAX_ATTEMPTS) this.starts.delete(this.starts.keys().next().value as string);
        this.starts.set(attemptKey(runId, event.data.step, event.data.attempt), event.at);
        return;
      case 'StepSucceeded':
        return this.stepEnded(runId, event.data.step, event.data.attempt, event.at, 'succeeded');
      case 'StepFailed':
        return this.stepEnded(runId, event.data.step, event.data.attempt, event.at, 'failed');
      case 'StepCancelled':
        return this.stepEnded(runId, event.data.step, event.data.attempt, event.at, 'cancelled');
      case 'StepInterrupted':
        return this.stepEnded(runId, event.data.step, event.data.attempt, event.at, 'interrupted');
      case 'RunFinished': {
        const outcome = event.data.status;
        this.labels.with(runId, ({ workflow }) => this.runsFinished.inc({ workflow, outcome }));
        this.labels.finished(runId);
        for (const key of this.starts.keys()) if (key.startsWith(`${runId}\0`)) this.starts.delete(key);
        return;
      }
      default:
        return;
    }
  }

  /** One answered HTTP request; `route` is the route's pattern (`/api/v1/runs/:id`), never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  /** One webhook delivery attempt: `delivered`, `failed` (will be tried again), `stopped`, ... */
  observeDelivery(outcome: string): void {
    this.deliveries.inc({ outcome });
  }

  /** The Prometheus text exposition, after every deferred observation has landed. */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.labels.settle();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private stepEnded(runId: string, step: string, attempt: number, at: number, outcome: StepOutcome): void {
    const key = attemptKey(runId, step, attempt);
    const started = this.starts.get(key);
    // An attempt that started before this process was listening has no known duration.
    if (started === undefined) return;
    this.starts.delete(key);
    const seconds = Math.max(0, at - started) / 1000;
    this.labels.with(runId, (labels) => this.stepDuration.observe({ workflow: labels.workflow, command: labels.command(step), outcome }, seconds));
  }

  /** Gauges read from their source at each scrape. */
  private scrapedGauges(registers: Registry[]): void {
    const sources = this.sources;
    // prom-client calls `collect` with the gauge as `this`; a failing source must not fail the scrape.
    const guard = <G>(read: (this: G) => Promise<void> | void) =>
      async function (this: G): Promise<void> {
        try {
          await read.call(this);
        } catch (err) {
          sources.onError?.(err);
        }
      };
    new Gauge({
      name: METRIC_NAMES.runs,
      help: 'Runs in each status, across every process sharing the store.',
      labelNames: ['status'],
      registers,
      collect: guard(async function (this: Gauge<'status'>) {
        const counts = await sources.countRuns();
        for (const status of RUN_STATUSES) this.set({ status }, counts[status] ?? 0);
      }),
    });
    new Gauge({
      name: METRIC_NAMES.queueDepth,
      help: 'Runs queued: created, not started yet.',
      registers,
      collect: guard(async function (this: Gauge) {
        this.set((await sources.countRuns()).queued ?? 0);
      }),
    });
    new Gauge({
      name: METRIC_NAMES.tasksWaiting,
      help: 'Tasks and approvals waiting for a person or an agent, by kind.',
      labelNames: ['kind'],
      registers,
      collect: guard(async function (this: Gauge<'kind'>) {
        const open = (await sources.openTasks?.()) ?? [];
        this.set({ kind: 'task' }, open.filter((t) => t.kind === 'task').length);
        this.set({ kind: 'approval' }, open.filter((t) => t.kind === 'approval').length);
      }),
    });
    new Gauge({
      name: METRIC_NAMES.breakerState,
      help: "Circuit breakers of http steps' hosts: 1 for the state each host's breaker is in, 0 for the others.",
      labelNames: ['host', 'state'],
      registers,
      collect: guard(function (this: Gauge<'host' | 'state'>) {
        this.reset();
        for (const b of sources.breakers?.() ?? []) for (const state of BREAKER_STATES) this.set({ host: b.host, state }, b.state === state ? 1 : 0);
      }),
    });
    new Gauge({
      name: METRIC_NAMES.breakerFailures,
      help: "Consecutive failures of each http host, as its circuit breaker counts them.",
      labelNames: ['host'],
      registers,
      collect: guard(function (this: Gauge<'host'>) {
        this.reset();
        for (const b of sources.breakers?.() ?? []) this.set({ host: b.host }, b.failures);
      }),
    });
    const bulkhead = (name: string, help: string, value: (b: BulkheadState) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['command'],
        registers,
        collect: guard(function (this: Gauge<'command'>) {
          this.reset();
          for (const b of sources.bulkheads?.() ?? []) this.set({ command: b.command }, value(b));
        }),
      });
    bulkhead(METRIC_NAMES.bulkheadActive, 'Step attempts of a concurrency-limited command running now, in this process.', (b) => b.active);
    bulkhead(METRIC_NAMES.bulkheadWaiting, 'Step attempts waiting for a slot of a concurrency-limited command, in this process.', (b) => b.waiting);
    bulkhead(METRIC_NAMES.bulkheadLimit, 'The configured concurrency limit of a command (`concurrency:`).', (b) => b.limit);
  }
}

function attemptKey(runId: string, step: string, attempt: number): string {
  return `${runId}\0${step}\0${attempt}`;
}
