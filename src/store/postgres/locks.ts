import type pg from 'pg';
import { admit, mergeClaims } from '../lock-admission.js';
import type { LockHolderKey, LockOutcome, LockRequest, LockTable } from '../store.js';
import { lockClaims, toLockHold, toLockWaiter, type LockHoldRow, type LockWaiterRow } from '../sqlite/rows.js';
import { LOCK_HOLD_COLUMNS, LOCK_WAITER_COLUMNS } from './sql.js';
import { LOCKS_LOCK, takeLock } from './transaction.js';

/*
 * Locks and their queue (docs/locks.md), decided by ../lock-admission.ts like every store.
 * Each call runs in a transaction under one advisory lock, so reading the holds and the
 * queue and writing the decision is one step for every process sharing the database:
 * two can never both take the last unit. Times are the database's clock.
 */

export async function acquireLocks(c: pg.PoolClient, req: LockRequest): Promise<LockOutcome> {
  await takeLock(c, LOCKS_LOCK);
  const claims = mergeClaims(req.claims);
  const me: LockHolderKey = { runId: req.runId, step: req.step, attempt: req.attempt };
  const dead = req.deadOwners ?? [];
  const now = (await c.query<{ ms: number }>('SELECT cairn_now_ms() AS ms')).rows[0]?.ms ?? Date.now();
  // Void holds (lease lapsed, owner dead or not registered) and void waiters (silent, or owner gone).
  await c.query('DELETE FROM lock_holds WHERE expires_at < $1 OR owner_id = ANY($2::text[]) OR owner_id NOT IN (SELECT id FROM owners)', [now, dead]);
  await c.query('DELETE FROM lock_waiters WHERE seen_at < $1 OR owner_id = ANY($2::text[]) OR owner_id NOT IN (SELECT id FROM owners)', [now - req.leaseMs, dead]);
  const holds = (await c.query<LockHoldRow>(`SELECT ${LOCK_HOLD_COLUMNS} FROM lock_holds WHERE lock = ANY($1::text[])`, [claims.map((cl) => cl.name)])).rows.map(toLockHold);
  const queue = (await c.query<LockWaiterRow>(`SELECT ${LOCK_WAITER_COLUMNS} FROM lock_waiters ORDER BY seq`)).rows.map((row) => ({
    waiter: toLockWaiter(row),
    claims: lockClaims(row),
  }));
  const decision = admit(me, claims, holds, queue);
  if (decision.admitted) {
    await c.query(
      `INSERT INTO lock_holds (${LOCK_HOLD_COLUMNS}) SELECT name, $2, $3, $4, $5, per_run, $6, $7 ` +
        'FROM unnest($1::text[], $8::int[]) AS h (name, per_run) ON CONFLICT DO NOTHING',
      [claims.map((cl) => cl.name), req.runId, req.step, req.attempt, req.ownerId, now, now + req.leaseMs, claims.map((cl) => (cl.perRun ? 1 : 0))],
    );
    await dequeue(c, me);
    return { acquired: true };
  }
  // A waiter keeps its seq (its place) while it polls; only seen_at moves.
  await c.query(
    'INSERT INTO lock_waiters (run_id, step, attempt, owner_id, claims, since, seen_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ' +
      'ON CONFLICT (run_id, step, attempt) DO UPDATE SET seen_at = excluded.seen_at, owner_id = excluded.owner_id, claims = excluded.claims',
    [req.runId, req.step, req.attempt, req.ownerId, JSON.stringify(claims), now],
  );
  return { acquired: false, holders: decision.holders, ahead: decision.ahead };
}

export async function releaseLocks(c: pg.PoolClient, holder: LockHolderKey): Promise<void> {
  await takeLock(c, LOCKS_LOCK);
  await c.query('DELETE FROM lock_holds WHERE run_id = $1 AND step = $2 AND attempt = $3', [holder.runId, holder.step, holder.attempt]);
  await dequeue(c, holder);
}

/** Holders and waiters from one snapshot (REPEATABLE READ is set by the caller). */
export async function listLocks(c: pg.PoolClient): Promise<LockTable> {
  const holders = (await c.query<LockHoldRow>(`SELECT ${LOCK_HOLD_COLUMNS} FROM lock_holds ORDER BY acquired_at, lock, run_id, step, attempt`)).rows;
  const waiters = (await c.query<LockWaiterRow>(`SELECT ${LOCK_WAITER_COLUMNS} FROM lock_waiters ORDER BY seq`)).rows;
  return { holders: holders.map(toLockHold), waiters: waiters.map(toLockWaiter) };
}

async function dequeue(c: pg.PoolClient, h: LockHolderKey): Promise<void> {
  await c.query('DELETE FROM lock_waiters WHERE run_id = $1 AND step = $2 AND attempt = $3', [h.runId, h.step, h.attempt]);
}
