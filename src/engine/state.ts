import { buildGraph, prerequisites, type Graph } from './graph.js';
import { TERMINAL_RUN_STATUSES, type Run, type RunEventOf, type RollbackStrategy, type StepError, type StepRun, type StepSpec, type TaskRequest, type Workflow } from './types.js';

/** A StepRun plus the bookkeeping the engine needs; only the StepRun part is projected. */
export interface StepState extends StepRun {
  /** Dependencies (of a plain step or fan-out parent) not yet finished. */
  remaining: number;
  /** For a fan-out instance: the parent's key. */
  parent?: string;
  /** Templates/conditions are being evaluated by the runtime (holds a parallelism slot). */
  preparing?: boolean;
  /** The running attempt times out at this moment. */
  deadline?: number;
  retryAt?: number;
  /** A `wait` step wakes at this moment. */
  wakeAt?: number;
  /** Items of a fan-out parent; instance i gets items[i]. */
  items?: unknown[];
  childrenDone?: number;
  childrenFailed?: number;
  /** Failed, but `continue_on_error` lets dependents proceed. */
  continued?: boolean;
  /** Skipped because a dependency failed (directly or further up), not by a condition. */
  upstreamFailed?: boolean;
  /** A waiting task or approval: what it asks for. */
  task?: TaskRequest;
  /** Approvals given so far (distinct names). */
  approvedBy?: string[];
  /** A `wait` step waiting for this signal. */
  signal?: string;
  /**
   * Sequence number of the event that finished it: the exact completion order, where
   * `finishedAt` milliseconds can tie (fast steps finish in the same millisecond).
   */
  finishedSeq?: number;
  /** Its compensation, once a rollback reaches it. */
  compensation?: { status: 'running' | 'succeeded' | 'failed'; attempts: number; error?: StepError };
}

/** A rollback in progress: draining (graceful), then compensating `order` one by one. */
export interface RollbackState {
  strategy: RollbackStrategy;
  reason?: string;
  to?: string;
  order?: string[];
  next: number;
}

/** A signal that arrived before any step waited for it, kept until one does. */
export interface PendingSignal {
  seq: number;
  name: string;
  data?: unknown;
  by?: string;
}

export interface FanQueue {
  indices: number[];
  head: number;
}

export interface RunState {
  run: Run;
  graph: Graph;
  steps: Map<string, StepState>;
  /** Sequence number of the last event applied. */
  seq: number;
  /** Steps holding a parallelism slot (running or preparing). */
  active: number;
  activeByParent: Map<string, number>;
  /** Plain steps ready to start, in order; `head` avoids O(n) shifts. */
  queue: string[];
  queueHead: number;
  /** Fan-out instances ready to start, per parent. */
  fanQueues: Map<string, FanQueue>;
  /** Steps whose dependencies all finished: the engine applies their trigger rule next. */
  resolvable: string[];
  /** Fan-out parents whose instances all finished. */
  joinable: string[];
  /** Step keys with a deadline, retry time or wake time. */
  timed: Set<string>;
  /** Plain steps and fan-out parents not yet finished. */
  open: number;
  runDeadline?: number;
  cancelling: boolean;
  finalizing: boolean;
  signals: PendingSignal[];
  rollback?: RollbackState;
  /** What changed since the last projection was taken. */
  dirtySteps: Set<string>;
  dirtyRun: boolean;
}

const graphCache = new WeakMap<Workflow, Graph>();

export function initialState(run: Run, workflow: Workflow): RunState {
  let graph = graphCache.get(workflow);
  if (!graph) {
    graph = buildGraph(workflow);
    graphCache.set(workflow, graph);
  }
  const steps = new Map<string, StepState>();
  for (const spec of workflow.steps) {
    steps.set(spec.id, { key: spec.id, stepId: spec.id, status: 'pending', attempts: 0, remaining: prerequisites(spec).length });
  }
  return {
    run: { ...run },
    graph,
    steps,
    seq: 0,
    active: 0,
    activeByParent: new Map(),
    queue: [],
    queueHead: 0,
    fanQueues: new Map(),
    resolvable: [],
    joinable: [],
    timed: new Set(),
    open: workflow.steps.length,
    cancelling: false,
    finalizing: false,
    signals: [],
    dirtySteps: new Set(),
    dirtyRun: true,
  };
}

export function isTerminalStep(st: StepRun): boolean {
  return st.status === 'succeeded' || st.status === 'failed' || st.status === 'skipped' || st.status === 'cancelled';
}

export function isTerminalRun(run: Run): boolean {
  return TERMINAL_RUN_STATUSES.includes(run.status);
}

/** A step counts as "done well" for its dependents: succeeded, or failed but continued. */
export function countsAsSuccess(st: StepState): boolean {
  return st.status === 'succeeded' || (st.status === 'failed' && st.continued === true);
}

/** The first event of every run. */
export function runCreatedEvent(run: Run): RunEventOf<'RunCreated'> {
  const data: RunEventOf<'RunCreated'>['data'] = { workflowId: run.workflowId, workflowName: run.workflowName, definitionHash: run.definitionHash, parameters: run.parameters };
  if (run.startedBy !== undefined) data.startedBy = run.startedBy;
  return { type: 'RunCreated', runId: run.id, seq: 1, at: run.createdAt, data };
}

/** Why a step cannot run: words for people, and whether a failure upstream is the cause. */
export interface Blocker {
  reason: string;
  upstreamFailed: boolean;
}

/**
 * Why a step must be skipped given its dependencies and trigger rule, or undefined.
 * A dependency skipped because something before it failed counts as failed, so
 * `none_failed` does not run after a failure that happened further up (Airflow's
 * "upstream_failed").
 */
export function blocking(rule: string, deps: StepState[], after: StepState[] = []): Blocker | undefined {
  for (const prior of after) {
    if (countsAsSuccess(prior) || (prior.status === 'skipped' && !prior.upstreamFailed)) continue;
    return { reason: `'${prior.key}' did not pass, so this phase cannot start`, upstreamFailed: true };
  }
  if (rule === 'all_done') return undefined;
  for (const dep of deps) {
    if (countsAsSuccess(dep)) continue;
    if (dep.status === 'skipped') {
      if (rule === 'none_failed' && !dep.upstreamFailed) continue;
      return { reason: `dependency '${dep.key}' was skipped${dep.upstreamFailed ? ' after a failure' : ''}`, upstreamFailed: dep.upstreamFailed === true };
    }
    return { reason: `dependency '${dep.key}' ${dep.status === 'cancelled' ? 'was cancelled' : 'failed'}`, upstreamFailed: true };
  }
  return undefined;
}

/** The step's blocker, looked up from the state. */
export function blockerOf(state: RunState, spec: StepSpec): Blocker | undefined {
  const get = (id: string) => state.steps.get(id) as StepState;
  return blocking(spec.triggerRule, spec.dependsOn.map(get), (spec.after ?? []).map(get));
}
