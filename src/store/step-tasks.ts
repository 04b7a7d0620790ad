import type { StepError } from '../engine/types.js';

/*
 * Step tasks: how an engine node hands a step attempt to a worker (`cairn worker`,
 * docs/cluster.md). The node enqueues one task per attempt; a worker whose labels cover
 * the task's claims it under a lease and a fencing token; the result is kept only if the
 * token still matches when the worker reports it, so a worker that lost its lease (paused,
 * partitioned, presumed dead) can no longer record anything.
 */

export type StepTaskStatus = 'queued' | 'claimed' | 'done' | 'lost' | 'cancelled';

export interface NewStepTask {
  /** One per attempt: `runId/step/attempt` (taskId), so enqueueing twice is harmless. */
  id: string;
  runId: string;
  step: string;
  attempt: number;
  idempotencyKey: string;
  command: string;
  /** The action's parameters, templates already resolved by the node. */
  parameters: Record<string, unknown>;
  /** A worker may take the task only if it has every one of these labels. */
  labels: string[];
  /** The node's working directory for the run (used by a worker that has it too). */
  workdir?: string;
  /**
   * The run's lease the node queues it under: the task is written only if that is still
   * the run's current lease, so a node that lost the run cannot start a step behind the
   * back of the node that took it over (which may already run the step's next attempt).
   */
  lease?: { ownerId: string; token: number };
}

export type TaskResult = { ok: true; outputs: Record<string, unknown> } | { ok: false; error: StepError; retryable: boolean };

export interface StepTask extends NewStepTask {
  status: StepTaskStatus;
  /** The worker that holds or last held it. */
  workerId?: string;
  /** Bumped by every claim: a worker's report must carry the one its claim returned. */
  fence: number;
  leaseExpiresAt?: number;
  /** The node asked the worker to stop it (the step was cancelled or timed out). */
  cancelRequested: boolean;
  result?: TaskResult;
  createdAt: number;
  claimedAt?: number;
  finishedAt?: number;
}

/** A task a worker holds: what it must show to renew the lease or report the result. */
export interface HeldTask {
  id: string;
  fence: number;
}

export interface TaskRenewal {
  /** Tasks whose lease is gone: the worker must stop them; their results will be refused. */
  lost: string[];
  /** Tasks the node asked to stop. */
  cancelled: string[];
}

export function taskId(runId: string, step: string, attempt: number): string {
  return `${runId}/${step}/${attempt}`;
}

/** A step_tasks row, as both stores return it. */
export interface TaskRow {
  id: string;
  run_id: string;
  step: string;
  attempt: number;
  idempotency_key: string;
  command: string;
  parameters: string;
  labels: string;
  workdir: string | null;
  status: StepTaskStatus;
  worker_id: string | null;
  fence: number;
  lease_expires_at: number | null;
  cancel_requested: number | boolean;
  result: string | null;
  created_at: number;
  claimed_at: number | null;
  finished_at: number | null;
}

export const TASK_COLUMNS =
  'id, run_id, step, attempt, idempotency_key, command, parameters, labels, workdir, status, worker_id, fence, lease_expires_at, cancel_requested, result, created_at, claimed_at, finished_at';

export function toTask(r: TaskRow): StepTask {
  const task: StepTask = {
    id: r.id,
    runId: r.run_id,
    step: r.step,
    attempt: Number(r.attempt),
    idempotencyKey: r.idempotency_key,
    command: r.command,
    parameters: JSON.parse(r.parameters) as Record<string, unknown>,
    labels: typeof r.labels === 'string' ? (JSON.parse(r.labels) as string[]) : (r.labels as string[]),
    status: r.status,
    fence: Number(r.fence),
    cancelRequested: r.cancel_requested === true || r.cancel_requested === 1,
    createdAt: Number(r.created_at),
  };
  if (r.workdir !== null) task.workdir = r.workdir;
  if (r.worker_id !== null) task.workerId = r.worker_id;
  if (r.lease_expires_at !== null) task.leaseExpiresAt = Number(r.lease_expires_at);
  if (r.result !== null) task.result = JSON.parse(r.result) as TaskResult;
  if (r.claimed_at !== null) task.claimedAt = Number(r.claimed_at);
  if (r.finished_at !== null) task.finishedAt = Number(r.finished_at);
  return task;
}

/** Labels as stored: sorted and without repeats, so equal sets are equal text. */
export function labelSet(labels: readonly string[]): string {
  return JSON.stringify([...new Set(labels)].sort());
}
