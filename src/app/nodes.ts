import { hostname } from 'node:os';
import { isOwnerDead } from '../runtime/owner.js';
import type { StepTask } from '../store/step-tasks.js';
import type { Owner, Store } from '../store/store.js';

/** One engine node or worker sharing the store, as `cairn nodes` and the API show it. */
export interface NodeView {
  id: string;
  kind: 'engine' | 'worker';
  host: string;
  pid: number;
  version?: string;
  labels: string[];
  capacity?: number;
  running: number;
  startedAt: number;
  heartbeatAt: number;
  /** No heartbeat for longer than `staleAfterMs` (or its process is gone, on this machine). */
  alive: boolean;
}

/** A step handed to workers that is still waiting for one, and why it waits. */
export interface WaitingTask {
  runId: string;
  step: string;
  attempt: number;
  labels: string[];
  queuedAt: number;
  /** No live worker has every label the step needs: it waits until one starts. */
  noWorker: boolean;
}

/**
 * The registry of the cluster (docs/cluster.md): every process that registered with the
 * store, newest heartbeat first in each kind. A node that stopped cleanly has left it; one
 * that died stays until a successor clears it, shown as not alive.
 */
export async function listNodes(store: Store, staleAfterMs: number, now = Date.now()): Promise<NodeView[]> {
  return (await store.listOwners()).map((o) => nodeView(o, staleAfterMs, now));
}

export function nodeView(o: Owner, staleAfterMs: number, now: number): NodeView {
  const view: NodeView = {
    id: o.id,
    kind: o.node?.kind ?? 'engine',
    host: o.host,
    pid: o.pid,
    labels: o.node?.labels ?? [],
    running: o.running ?? 0,
    startedAt: o.startedAt,
    heartbeatAt: o.heartbeatAt,
    alive: now - o.heartbeatAt <= staleAfterMs && !(o.host === hostname() && isOwnerDead(o)),
  };
  if (o.node?.version !== undefined) view.version = o.node.version;
  if (o.node?.capacity !== undefined) view.capacity = o.node.capacity;
  return view;
}

/** Whether some live worker could take a task with these labels. */
export function hasWorkerFor(nodes: readonly NodeView[], labels: readonly string[]): boolean {
  return nodes.some((n) => n.kind === 'worker' && n.alive && labels.every((l) => n.labels.includes(l)));
}

/** The queued tasks (of one run, or all), each saying whether any live worker could take it. */
export async function waitingTasks(store: Store, nodes: readonly NodeView[], runId?: string): Promise<WaitingTask[]> {
  const tasks: StepTask[] = await store.listTasks({ ...(runId !== undefined ? { runId } : {}), status: ['queued'] });
  return tasks.map((t) => ({ runId: t.runId, step: t.step, attempt: t.attempt, labels: t.labels, queuedAt: t.createdAt, noWorker: !hasWorkerFor(nodes, t.labels) }));
}

/** The JSON form of the registry (`cairn nodes --json`, GET /api/v1/nodes): snake_case, ISO 8601 times. */
export function nodesJson(nodes: readonly NodeView[], waiting: readonly WaitingTask[]): Record<string, unknown> {
  return {
    nodes: nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      host: n.host,
      pid: n.pid,
      labels: n.labels,
      running: n.running,
      ...(n.capacity !== undefined ? { capacity: n.capacity } : {}),
      version: n.version ?? null,
      started_at: new Date(n.startedAt).toISOString(),
      heartbeat_at: new Date(n.heartbeatAt).toISOString(),
      alive: n.alive,
    })),
    waiting: waiting.map((w) => ({ run_id: w.runId, step: w.step, attempt: w.attempt, labels: w.labels, queued_at: new Date(w.queuedAt).toISOString(), no_worker: w.noWorker })),
  };
}
