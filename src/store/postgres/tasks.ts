import pg from 'pg';
import { labelSet, TASK_COLUMNS, toTask, type HeldTask, type NewStepTask, type StepTask, type StepTaskStatus, type TaskRenewal, type TaskResult, type TaskRow } from '../step-tasks.js';
import type { TaskChange } from '../store.js';

/*
 * Step tasks on PostgreSQL (migration 002). Workers on many machines claim with FOR UPDATE
 * SKIP LOCKED, so they pass each other instead of queueing on the same rows; leases are
 * measured on the database's clock (cairn_now_ms); every report carries the fencing token
 * its claim returned and is written only if the token still matches. Changes are announced
 * on the channel `cairn_tasks` (NOTIFY is delivered at commit), so workers and nodes wake
 * at once instead of polling.
 */

export const TASK_CHANNEL = 'cairn_tasks';

// JSONB comes back parsed; toTask reads the stored text, as SQLite returns it.
const COLUMNS = TASK_COLUMNS.replace('labels', 'labels::text AS labels');
const UPDATED_COLUMNS = TASK_COLUMNS.split(', ')
  .map((col) => (col === 'labels' ? 't.labels::text AS labels' : `t.${col}`))
  .join(', ');

/**
 * One INSERT for the batch, of the tasks whose lease (if given) is still their run's, and
 * one notification per distinct label set among the new ones. Returns the refused ids.
 */
export async function enqueueTasks(c: pg.Pool, list: NewStepTask[]): Promise<string[]> {
  const { rows } = await c.query<{ refused: string[] }>(
    'WITH t AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $11::text[], $12::int[]) ' +
      'WITH ORDINALITY AS t(id, run_id, step, attempt, key, command, parameters, labels, workdir, owner, token, n)), ' +
      'ok AS (SELECT * FROM t WHERE t.owner IS NULL OR EXISTS (SELECT 1 FROM runs r WHERE r.id = t.run_id AND r.owner_id = t.owner AND r.lease_token = t.token)), ' +
      'ins AS (INSERT INTO step_tasks (id, run_id, step, attempt, idempotency_key, command, parameters, labels, workdir, created_at) ' +
      'SELECT id, run_id, step, attempt, key, command, parameters, labels::jsonb, workdir, cairn_now_ms() FROM ok ORDER BY n ' +
      'ON CONFLICT (id) DO NOTHING RETURNING labels), ' +
      "notified AS (SELECT pg_notify($10, json_build_object('q', labels)::text) FROM (SELECT DISTINCT labels FROM ins) AS sets) " +
      'SELECT (SELECT count(*) FROM notified) AS notified, array(SELECT id FROM t EXCEPT SELECT id FROM ok) AS refused',
    [
      list.map((t) => t.id),
      list.map((t) => t.runId),
      list.map((t) => t.step),
      list.map((t) => t.attempt),
      list.map((t) => t.idempotencyKey),
      list.map((t) => t.command),
      list.map((t) => JSON.stringify(t.parameters)),
      list.map((t) => labelSet(t.labels)),
      list.map((t) => t.workdir ?? null),
      TASK_CHANNEL,
      list.map((t) => t.lease?.ownerId ?? null),
      list.map((t) => t.lease?.token ?? null),
    ],
  );
  return rows[0]?.refused ?? [];
}

export async function getTasks(c: pg.Pool, ids: string[]): Promise<StepTask[]> {
  if (ids.length === 0) return [];
  const { rows } = await c.query<TaskRow>(`SELECT ${COLUMNS} FROM step_tasks WHERE id = ANY($1::text[]) ORDER BY ord`, [ids]);
  return rows.map(toTask);
}

export async function listTasks(c: pg.Pool, filter: { runId?: string; status?: StepTaskStatus[]; limit?: number }): Promise<StepTask[]> {
  const { rows } = await c.query<TaskRow>(
    `SELECT ${COLUMNS} FROM step_tasks WHERE ($1::text IS NULL OR run_id = $1) AND status = ANY($2::text[]) ORDER BY ord LIMIT $3`,
    [filter.runId ?? null, filter.status ?? (filter.runId !== undefined ? ['queued', 'claimed', 'done', 'lost', 'cancelled'] : ['queued', 'claimed']), filter.limit ?? null],
  );
  return rows.map(toTask);
}

export async function claimTasks(c: pg.Pool, workerId: string, opts: { labels: string[]; limit: number; leaseMs: number }): Promise<StepTask[]> {
  const { rows } = await c.query<TaskRow & { ord: number }>(
    'WITH now AS (SELECT cairn_now_ms() AS ms), ' +
      "picked AS (SELECT id FROM step_tasks WHERE status = 'queued' AND labels <@ $2::jsonb ORDER BY ord LIMIT $3 FOR UPDATE SKIP LOCKED) " +
      "UPDATE step_tasks t SET status = 'claimed', worker_id = $1, fence = t.fence + 1, lease_expires_at = (SELECT ms FROM now) + $4::bigint, claimed_at = (SELECT ms FROM now) " +
      `FROM picked WHERE t.id = picked.id RETURNING ${UPDATED_COLUMNS}, t.ord`,
    [workerId, labelSet(opts.labels), opts.limit, opts.leaseMs],
  );
  // RETURNING has no order: first queued, first out.
  rows.sort((a, b) => a.ord - b.ord);
  return rows.map(toTask);
}

export async function renewTasks(c: pg.Pool, workerId: string, held: HeldTask[], leaseMs: number): Promise<TaskRenewal> {
  const { rows } = await c.query<{ id: string; cancel_requested: boolean }>(
    'WITH now AS (SELECT cairn_now_ms() AS ms), held AS (SELECT * FROM unnest($2::text[], $3::int[]) AS h(id, fence)) ' +
      'UPDATE step_tasks t SET lease_expires_at = (SELECT ms FROM now) + $4::bigint FROM held ' +
      "WHERE t.id = held.id AND t.fence = held.fence AND t.worker_id = $1 AND t.status = 'claimed' RETURNING t.id, t.cancel_requested",
    [workerId, held.map((h) => h.id), held.map((h) => h.fence), leaseMs],
  );
  const kept = new Map(rows.map((r) => [r.id, r.cancel_requested]));
  return { lost: held.filter((h) => !kept.has(h.id)).map((h) => h.id), cancelled: rows.filter((r) => r.cancel_requested).map((r) => r.id) };
}

export async function finishTask(c: pg.Pool, task: HeldTask, result: TaskResult): Promise<boolean> {
  const { rows } = await c.query(
    'WITH done AS (UPDATE step_tasks SET status = \'done\', result = $3, finished_at = cairn_now_ms(), lease_expires_at = NULL ' +
      "WHERE id = $1 AND fence = $2 AND status = 'claimed' RETURNING id) SELECT pg_notify($4, json_build_object('f', id)::text) FROM done",
    [task.id, task.fence, JSON.stringify(result), TASK_CHANNEL],
  );
  return rows.length > 0;
}

export async function cancelTask(c: pg.Pool, id: string): Promise<void> {
  await c.query(
    "UPDATE step_tasks SET cancel_requested = true, status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END, " +
      "finished_at = CASE WHEN status = 'queued' THEN cairn_now_ms() ELSE finished_at END WHERE id = $1 AND status IN ('queued', 'claimed')",
    [id],
  );
}

export async function expireTasks(c: pg.Pool, ids: string[]): Promise<string[]> {
  const { rows } = await c.query<{ id: string }>(
    "UPDATE step_tasks SET status = 'lost', finished_at = cairn_now_ms() WHERE id = ANY($1::text[]) AND status = 'claimed' AND lease_expires_at < cairn_now_ms() RETURNING id",
    [ids],
  );
  return rows.map((r) => r.id);
}

export async function pruneTasks(c: pg.Pool, before: number): Promise<number> {
  return (await c.query("DELETE FROM step_tasks WHERE status IN ('done', 'lost', 'cancelled') AND finished_at < $1", [before])).rowCount ?? 0;
}

/**
 * LISTEN on its own connection (a pooled one would be handed to other queries). If the
 * connection drops, listening starts again after a pause; the callers' polling covers the gap.
 */
export async function watchTasks(url: string, listener: (change: TaskChange) => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: 'cairn-listen' });
    next.on('error', () => reconnect());
    next.on('end', () => reconnect());
    next.on('notification', (msg) => {
      if (msg.channel !== TASK_CHANNEL || !msg.payload) return;
      const data = JSON.parse(msg.payload) as { q?: string[]; f?: string };
      if (data.f !== undefined) listener({ kind: 'finished', id: data.f });
      else listener({ kind: 'queued', labels: data.q ?? [] });
    });
    await next.connect();
    await next.query(`LISTEN ${TASK_CHANNEL}`);
    client = next;
  };
  const reconnect = () => {
    if (stopped || retry) return;
    const old = client;
    client = undefined;
    void old?.end().catch(() => {});
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch(() => reconnect());
    }, 1000);
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
