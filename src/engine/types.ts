/**
 * Cairn's glossary. Every entity is defined once, here; other layers convert at their edge
 * (a database row exists only inside the store, a YAML node only inside definition/).
 *
 * - Workflow: a validated, normalized definition (what the user wrote, with defaults).
 * - Step: one node of the workflow's graph (StepSpec). A `for_each` step fans out into
 *   instances `id[0]`, `id[1]`, ...; every instance and every plain step is a StepRun.
 * - Run: one execution of a Workflow with its parameter values.
 * - StepRun: the state of one step (or one fan-out instance) inside a Run.
 * - Attempt: one try at a StepRun; attempts are numbered from 1.
 * - Event: an append-only fact about a Run. The event log is the source of truth;
 *   run and step records are projections of it.
 * - Effect: something the engine asks the runtime to carry out (start an action, kill one).
 */

export type ParameterType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

export interface ParameterSpec {
  type: ParameterType;
  default?: unknown;
  required: boolean;
  enum?: unknown[];
  description?: string;
}

export interface RetryPolicy {
  /** Total tries including the first; 1 means no retry. */
  maxAttempts: number;
  backoff: 'fixed' | 'exponential';
  initialDelayMs: number;
  maxDelayMs: number;
  /** Fraction of the delay randomised (0 = none, 1 = full jitter). */
  jitter: number;
}

/** When a step may start relative to its dependencies (Airflow's names). */
export type TriggerRule = 'all_success' | 'none_failed' | 'all_done';

export interface StepSpec {
  id: string;
  /** A built-in (`shell`, `http`, `log`, `wait`, ...) or a configured command name. */
  command: string;
  description?: string;
  /** Raw values; strings may hold `${{ expr }}` templates resolved when the step starts. */
  parameters: Record<string, unknown>;
  dependsOn: string[];
  /** JSONata condition; a false result skips the step. */
  if?: string;
  /** A JSONata expression yielding a list, or a literal list: one instance per item. */
  forEach?: string | unknown[];
  /** Instances of a `for_each` step that may run at once. */
  maxParallel?: number;
  retry: RetryPolicy;
  /** The step wrote its own `retry` (else a configured default may apply). */
  retryDeclared?: boolean;
  timeoutSeconds?: number;
  continueOnError: boolean;
  triggerRule: TriggerRule;
  /** Output name -> template evaluated over the action's result once the step succeeds. */
  outputs?: Record<string, string>;
  /** The phase the step belongs to, when the workflow has `phases`. */
  phase?: string;
  /** The configured command name the step was written with (`hv-delegate`), when `command` is its built-in. */
  named?: string;
  /** Named resources held while the action runs (`port:8113`, `host:db-1`); see docs/locks.md. */
  locks?: string[];
  /** A configured pool the action takes one slot of while it runs. */
  pool?: string;
  /** Run on a worker with all these labels ([] = any worker) instead of on the engine node (docs/cluster.md). */
  runsOn?: string[];
  /** Undoes what the step did, when the run rolls back. */
  rollback?: CompensationSpec;
  /** A point a `checkpoint` rollback goes back to: it and the steps before it are kept. */
  checkpoint?: boolean;
  /**
   * Steps that must be finished and must not have failed before this one starts, whatever
   * its trigger rule; a skipped one is fine. Phases add these edges: a phase starts when the
   * previous one has passed.
   */
  after?: string[];
  /** Fields the schema does not know (kept, shown, and reported as warnings). */
  extras: Record<string, unknown>;
}

export interface Workflow {
  id: string;
  name: string;
  version: string;
  description?: string;
  category?: string;
  tags: string[];
  parameters: Record<string, ParameterSpec>;
  steps: StepSpec[];
  timeoutSeconds?: number;
  maxParallel?: number;
  /** Run outputs: name -> template over parameters and step outputs. */
  outputs?: Record<string, string>;
  /** Ordered phase names; each step names its phase. */
  phases?: string[];
  /** Locks every step of the run holds while it runs, shared within the run (docs/locks.md). */
  locks?: string[];
  /** Default `runsOn` of the steps whose command can run on a worker (WORKER_COMMANDS). */
  runsOn?: string[];
  /** Roll back (compensate completed steps) when the run fails. */
  rollbackEnabled?: boolean;
  /** What starts runs without anyone asking (docs/triggers.md); absent when there are none. */
  triggers?: Trigger[];
  extras: Record<string, unknown>;
}

/**
 * What starts a run of a workflow by itself: a schedule, or a signed webhook. A trigger is
 * known by its index in the workflow's `triggers` list (start keys and cursors use it).
 */
export type Trigger = CronTrigger | WebhookTrigger;

export interface CronTrigger {
  kind: 'cron';
  /** 5 fields, or 6 with seconds first (croner syntax). */
  cron: string;
  /** IANA time zone the fields are read in; UTC when absent. */
  timezone?: string;
  /** Literal parameter values for every run it starts. */
  parameters: Record<string, unknown>;
}

export interface WebhookTrigger {
  kind: 'webhook';
  /** The Standard Webhooks secret as written: a `${env:NAME}` reference, resolved when a message arrives. */
  secret: string;
  /** Parameter name -> value or `${{ }}` template over `body` (the JSON payload) and `headers`. */
  parameters: Record<string, unknown>;
}

export type RunStatus =
  | 'queued'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rolling_back'
  | 'rolled_back'
  | 'rollback_failed';

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'rolled_back', 'rollback_failed'];

export type RollbackStrategy = 'immediate' | 'graceful' | 'checkpoint';

/** What undoes a step: any action command with its parameters (templates allowed). */
export interface CompensationSpec {
  command: string;
  parameters: Record<string, unknown>;
  timeoutSeconds?: number;
  retry: RetryPolicy;
}

export type StepStatus =
  | 'pending' // dependencies not done yet
  | 'queued' // ready, waiting for a parallelism slot
  | 'running'
  | 'waiting' // a durable timer (wait step)
  | 'retrying' // failed, next attempt scheduled
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled';

export const TERMINAL_STEP_STATUSES: readonly StepStatus[] = ['succeeded', 'failed', 'skipped', 'cancelled'];

export interface StepError {
  message: string;
  /** Stable code, e.g. STEP_TIMEOUT, EXIT_CODE, HTTP_STATUS. */
  code: string;
  details?: Record<string, unknown>;
}

export interface StepRun {
  /** `id` for a plain step, `id[n]` for a fan-out instance. */
  key: string;
  stepId: string;
  index?: number;
  status: StepStatus;
  attempts: number;
  outputs?: Record<string, unknown>;
  error?: StepError;
  /** Why a step was skipped or cancelled, in words. */
  reason?: string;
  startedAt?: number;
  finishedAt?: number;
}

export interface Run {
  id: string;
  workflowId: string;
  workflowName: string;
  definitionHash: string;
  status: RunStatus;
  parameters: Record<string, unknown>;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  outputs?: Record<string, unknown>;
  error?: StepError;
  /** Who started it (CLI user, later API key or MCP client). */
  startedBy?: string;
  /** No new step starts while paused; running ones finish. */
  paused?: boolean;
  /** A sub-workflow's run: the run and step (key) whose `workflow` step started it. */
  parent?: { runId: string; step: string };
}

/** A note in Cairn's memory (`remember`, `recall`, `cairn memory`): what was learnt, searchable. */
export interface Note {
  id: number;
  text: string;
  category?: string;
  tags: string[];
  /** Where it came from, when a step wrote it. */
  runId?: string;
  step?: string;
  createdAt: number;
  createdBy?: string;
}

export type NewNote = Omit<Note, 'id' | 'createdAt'> & { createdAt?: number };

export interface NoteHit extends Note {
  /** Relevance: higher is better (BM25 from full-text search, negated). */
  score: number;
}

/** The typed event map: one shape per event type, shared by the store, logs and live feeds. */
export interface RunEventMap {
  RunCreated: { workflowId: string; workflowName: string; definitionHash: string; parameters: Record<string, unknown>; startedBy?: string };
  RunStarted: Record<string, never>;
  StepStarted: { step: string; attempt: number; idempotencyKey: string; parameters?: Record<string, unknown> };
  StepExpanded: { step: string; count: number; items: unknown[] };
  StepSucceeded: { step: string; attempt: number; outputs: Record<string, unknown> };
  StepFailed: { step: string; attempt: number; error: StepError; willRetry: boolean };
  StepRetryScheduled: { step: string; attempt: number; at: number; delayMs: number };
  StepInterrupted: { step: string; attempt: number; reason: string };
  StepSkipped: { step: string; reason: string; upstreamFailed?: boolean };
  StepCancelled: { step: string; attempt: number; reason: string };
  RunCancelled: { by?: string; reason?: string };
  /** A task or approval is open: who should act, and what they need to know. */
  TaskRequested: { step: string; task: TaskRequest };
  TaskCompleted: { step: string; by: string; output: Record<string, unknown> };
  TaskEscalated: { step: string; to?: string; until?: number };
  ApprovalGranted: { step: string; by: string; comment?: string };
  ApprovalRejected: { step: string; by: string; comment?: string };
  SignalReceived: { name: string; data?: unknown; by?: string };
  /** The run goes again from the steps that did not succeed (they keep their attempt counts). */
  RunRetried: { by?: string; steps: string[] };
  RunPaused: { by?: string };
  RunUnpaused: { by?: string };
  /** Rollback asked for: `graceful` lets running steps finish before compensating. */
  RollbackRequested: { strategy: RollbackStrategy; by?: string; reason?: string; to?: string };
  /** Compensation begins, in this order (most recently completed first). */
  RollbackStarted: { order: string[] };
  CompensationStarted: { step: string; attempt: number; idempotencyKey: string };
  StepCompensated: { step: string; attempt: number; outputs: Record<string, unknown> };
  CompensationFailed: { step: string; attempt: number; error: StepError; willRetry: boolean };
  RunTimedOut: { timeoutSeconds: number };
  RunFinished: { status: RunStatus; outputs?: Record<string, unknown>; error?: StepError };
}

export type RunEventType = keyof RunEventMap;

/** What a waiting `task` or `approval` step asks for. */
export interface TaskRequest {
  kind: 'task' | 'approval';
  instructions?: string;
  /** A name, a role, or `agent`. */
  assignee?: string;
  /** JSON Schema the completing output must satisfy. */
  outputSchema?: Record<string, unknown>;
  /** Approvals: how many distinct approvers, and who may approve (names or roles). */
  required?: number;
  approvers?: string[];
  /** Approvals: may the person who started the run approve it? */
  selfApproval?: boolean;
  /** When the task times out, if it does, and what happens then. */
  dueAt?: number;
  onTimeout?: 'fail' | 'escalate' | 'continue';
  escalateTo?: string;
  /** Fields of the step shown to whoever acts (e.g. `enforcement`, `validation`). */
  details?: Record<string, unknown>;
}

/** A task or approval some person or agent can act on now. */
export interface OpenTask extends TaskRequest {
  runId: string;
  /** The run's workflow, so a list of tasks from many runs says what each is about. */
  workflowId: string;
  workflowName: string;
  step: string;
  /** Approvals so far (for N-of-M). */
  approvedBy: string[];
}

export type RunEvent = {
  [K in RunEventType]: { type: K; runId: string; seq: number; at: number; data: RunEventMap[K] };
}[RunEventType];

export type RunEventOf<K extends RunEventType> = Extract<RunEvent, { type: K }>;

/** What the engine asks the runtime to do. */
export type Effect =
  /** Run the step's action for this attempt (parameters already resolved when present). */
  | { type: 'execute'; step: string; stepId: string; attempt: number; idempotencyKey: string; parameters?: Record<string, unknown> }
  /** Resolve templates, `if` and `for_each` for a step, then answer with a Prepared input. */
  | { type: 'prepare'; step: string; stepId: string }
  /** Stop a running attempt (kill its process tree). */
  | { type: 'abort'; step: string; attempt: number; reason: string }
  /** Run a step's compensation (its `rollback`); parameters may still hold templates. */
  | { type: 'compensate'; step: string; stepId: string; attempt: number; idempotencyKey: string }
  /** Evaluate the workflow's `outputs` templates, then answer with a Finalized input. */
  | { type: 'finalize' };

/** Facts from the outside world that the engine turns into events. */
export type Input =
  | { type: 'start' }
  | { type: 'prepared'; step: string; skip?: string; items?: unknown[]; parameters?: Record<string, unknown>; error?: StepError }
  | { type: 'succeeded'; step: string; attempt: number; outputs: Record<string, unknown> }
  | { type: 'failed'; step: string; attempt: number; error: StepError; retryable?: boolean }
  | { type: 'interrupted'; step: string; attempt: number; reason: string }
  | { type: 'cancel'; by?: string; reason?: string }
  | { type: 'finalized'; outputs?: Record<string, unknown>; error?: StepError }
  | { type: 'complete'; step: string; by: string; output: Record<string, unknown> }
  | { type: 'approve'; step: string; by: string; approve: boolean; comment?: string }
  | { type: 'signal'; name: string; data?: unknown; by?: string }
  | { type: 'rollback'; strategy: RollbackStrategy; to?: string; by?: string; reason?: string }
  | { type: 'compensated'; step: string; attempt: number; outputs: Record<string, unknown> }
  | { type: 'compensation_failed'; step: string; attempt: number; error: StepError; retryable?: boolean }
  | { type: 'retry'; step?: string; by?: string }
  | { type: 'pause'; by?: string }
  | { type: 'unpause'; by?: string }
  | { type: 'tick' };
