import type pg from 'pg';
import type { Run, RunEvent } from '../../engine/types.js';
import { StoreError, type Claim, type CommitBatch } from '../store.js';
import { runParams, stepParams, type RunHeadRow } from '../sqlite/rows.js';
import { placeholders, RUN_COLUMNS } from './sql.js';
import { FEED_LOCK, takeLock } from './transaction.js';

/*
 * The write path of the event log, inside a transaction opened by the caller; a throw (a
 * duplicate seq is a bug) rolls back everything. Every writer of events first takes the
 * feed lock (transaction.ts), so feed ids commit in order. The runs' heads are read with
 * FOR UPDATE (a concurrent claim skips them), then each batch is a few set-based writes.
 */

const UPSERT_RUN =
  `INSERT INTO runs (${RUN_COLUMNS}) VALUES (${placeholders(14)}) ON CONFLICT (id) DO UPDATE SET ` +
  'workflow_id = excluded.workflow_id, workflow_name = excluded.workflow_name, definition_hash = excluded.definition_hash, ' +
  'status = excluded.status, parameters = excluded.parameters, outputs = excluded.outputs, error = excluded.error, ' +
  'started_by = excluded.started_by, created_at = excluded.created_at, started_at = excluded.started_at, finished_at = excluded.finished_at';

// Feed ids follow the order of the rows as given (WITH ORDINALITY ... ORDER BY).
const INSERT_EVENTS =
  'INSERT INTO events (run_id, seq, type, at, data) SELECT $1, seq, type, at, data ' +
  'FROM unnest($2::int[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY AS e (seq, type, at, data, n) ORDER BY n';

const UPSERT_STEPS =
  'INSERT INTO steps (run_id, key, ord, step_id, idx, status, attempts, outputs, error, reason, started_at, finished_at) ' +
  'SELECT $1, key, ord, step_id, idx, status, attempts, outputs, error, reason, started_at, finished_at ' +
  'FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[]) ' +
  'AS s (ord, key, step_id, idx, status, attempts, outputs, error, reason, started_at, finished_at) ' +
  'ON CONFLICT (run_id, key) DO UPDATE SET step_id = excluded.step_id, idx = excluded.idx, status = excluded.status, ' +
  'attempts = excluded.attempts, outputs = excluded.outputs, error = excluded.error, reason = excluded.reason, ' +
  'started_at = excluded.started_at, finished_at = excluded.finished_at';

const ADVANCE_RUN = 'UPDATE runs SET last_seq = greatest(last_seq, $2), step_ord = step_ord + $3 WHERE id = $1';

export async function insertRun(
  c: pg.PoolClient,
  run: Run,
  events: RunEvent[],
  claim: { ownerId: string; leaseMs: number } | undefined,
  startKey: string | undefined,
): Promise<Claim | undefined> {
  await takeLock(c, FEED_LOCK);
  if (startKey !== undefined) {
    const taken = await c.query<{ id: string }>('SELECT id FROM runs WHERE start_key = $1', [startKey]);
    const id = taken.rows[0]?.id;
    if (id !== undefined) throw new StoreError(`run ${id} was already started with key '${startKey}'`, 'STORE_DUPLICATE');
  }
  await c.query(
    `INSERT INTO runs (${RUN_COLUMNS}, start_key, owner_id, lease_token, lease_expires_at) ` +
      `VALUES (${placeholders(14)}, $15, $16::text, CASE WHEN $16::text IS NULL THEN 0 ELSE 1 END, cairn_now_ms() + $17::bigint)`,
    [...runParams(run), startKey ?? null, claim?.ownerId ?? null, claim === undefined ? null : claim.leaseMs],
  );
  const lastSeq = await insertEvents(c, run.id, events);
  if (lastSeq > 0) await c.query(ADVANCE_RUN, [run.id, lastSeq, 0]);
  return claim === undefined ? undefined : { runId: run.id, token: 1 };
}

/**
 * Writes every batch whose lease still holds; returns the run ids of the refused ones.
 * The runs' rows are locked up front in id order, as heartbeats lock them (leases.ts), so
 * a commit and a heartbeat of the same owner never deadlock; a claim skips locked rows.
 */
export async function writeBatches(c: pg.PoolClient, batches: CommitBatch[]): Promise<string[]> {
  await takeLock(c, FEED_LOCK);
  const ids = [...new Set(batches.map((b) => b.runId))].sort();
  const heads = new Map<string, RunHeadRow>();
  const locked = await c.query<RunHeadRow & { id: string }>(
    'SELECT id, owner_id, lease_token, step_ord FROM runs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
    [ids],
  );
  for (const { id, ...head } of locked.rows) heads.set(id, head);
  const refused: string[] = [];
  for (const batch of batches) {
    const { runId, lease } = batch;
    const head = heads.get(runId);
    if (lease !== undefined && (head?.owner_id !== lease.ownerId || head.lease_token !== lease.token)) {
      refused.push(runId);
      continue;
    }
    if (head === undefined && batch.run === undefined) throw new Error(`commit to run ${runId}, which does not exist`);
    // The run first: a projection may be what creates the row the events belong to.
    if (batch.run !== undefined) await c.query(UPSERT_RUN, runParams(batch.run));
    const lastSeq = await insertEvents(c, runId, batch.events);
    const ord = head?.step_ord ?? 0;
    if (batch.steps.length > 0) await upsertSteps(c, runId, ord, batch);
    if (lastSeq > 0 || batch.steps.length > 0) await c.query(ADVANCE_RUN, [runId, lastSeq, batch.steps.length]);
    // A later batch of the same run in this commit sees what this one wrote.
    heads.set(runId, { owner_id: head?.owner_id ?? null, lease_token: head?.lease_token ?? 0, step_ord: ord + batch.steps.length });
  }
  return refused;
}

/** Returns the highest seq written (0 for none). */
async function insertEvents(c: pg.PoolClient, runId: string, events: RunEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  let lastSeq = 0;
  for (const e of events) {
    if (e.runId !== runId) throw new Error(`event ${e.type} #${e.seq} of run ${e.runId} was committed with run ${runId}`);
    if (e.seq > lastSeq) lastSeq = e.seq;
  }
  await c.query(INSERT_EVENTS, [
    runId,
    events.map((e) => e.seq),
    events.map((e) => e.type),
    events.map((e) => e.at),
    events.map((e) => JSON.stringify(e.data)),
  ]);
  return lastSeq;
}

/**
 * New steps take the next positions; an update keeps its row's position. One statement
 * cannot upsert a row twice, so a key named twice in a batch is written once, with its
 * last value, at the position of its first mention (what row-by-row upserts would leave).
 */
async function upsertSteps(c: pg.PoolClient, runId: string, ord: number, batch: CommitBatch): Promise<void> {
  const byKey = new Map<string, { n: number; params: unknown[] }>();
  batch.steps.forEach((step, i) => {
    const params = stepParams(runId, step, 0);
    byKey.set(step.key, { n: byKey.get(step.key)?.n ?? i + 1, params });
  });
  const rows = [...byKey.values()];
  // stepParams: run_id, key, ord, step_id, idx, status, attempts, outputs, error, reason, started_at, finished_at.
  const columns = [1, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => rows.map((r) => r.params[i] ?? null));
  await c.query(UPSERT_STEPS, [runId, rows.map((r) => ord + r.n), ...columns]);
}
