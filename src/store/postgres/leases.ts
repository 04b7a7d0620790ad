import type pg from 'pg';
import type { Claim, ClaimOptions, Lease } from '../store.js';
import type { LeaseRow } from '../sqlite/rows.js';
import { TERMINAL } from './sql.js';

/*
 * Ownership of runs, on the database's clock (cairn_now_ms), which every process of a
 * cluster shares. A claim sets the owner, bumps the fencing token and starts a lease, in
 * one UPDATE over rows taken FOR UPDATE SKIP LOCKED: two processes claiming at once never
 * take the same run, and neither waits for the other. Commits check owner and token under
 * the row lock (commit.ts), so a process that lost its run can write nothing.
 */

export async function claimRuns(c: pg.Pool | pg.PoolClient, ownerId: string, opts: ClaimOptions): Promise<Claim[]> {
  if (opts.runIds !== undefined && opts.runIds.length === 0) return [];
  const { rows } = await c.query<{ id: string; lease_token: number; created_at: number }>(
    'WITH now AS (SELECT cairn_now_ms() AS ms), ' +
      `claimable AS (SELECT id FROM runs, now WHERE status NOT IN (${TERMINAL}) ` +
      'AND (owner_id IS NULL OR lease_expires_at < now.ms OR owner_id = ANY($2::text[])) ' +
      'AND ($3::text[] IS NULL OR id = ANY($3::text[])) ' +
      'ORDER BY created_at, id LIMIT $4 FOR UPDATE OF runs SKIP LOCKED) ' +
      'UPDATE runs SET owner_id = $1, lease_token = lease_token + 1, lease_expires_at = (SELECT ms FROM now) + $5::bigint ' +
      'FROM claimable WHERE runs.id = claimable.id RETURNING runs.id, runs.lease_token, runs.created_at',
    [ownerId, opts.deadOwners ?? [], opts.runIds ?? null, opts.limit ?? null, opts.leaseMs],
  );
  // RETURNING has no order: oldest first, as the claim chose them.
  rows.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return rows.map((r) => ({ runId: r.id, token: r.lease_token }));
}

/** Extends the leases of every unfinished run, and every lock, the owner still holds. */
export async function heartbeat(c: pg.Pool | pg.PoolClient, ownerId: string, leaseMs: number, running?: number): Promise<void> {
  await c.query(
    'WITH now AS (SELECT cairn_now_ms() AS ms), ' +
      'o AS (UPDATE owners SET heartbeat_at = (SELECT ms FROM now), running = coalesce($3::int, running) WHERE id = $1), ' +
      // Rows locked in id order, as commits lock them: the two never deadlock.
      `mine AS (SELECT id FROM runs WHERE owner_id = $1 AND status NOT IN (${TERMINAL}) ORDER BY id FOR UPDATE), ` +
      'r AS (UPDATE runs SET lease_expires_at = (SELECT ms FROM now) + $2::bigint FROM mine WHERE runs.id = mine.id AND runs.owner_id = $1) ' +
      'UPDATE lock_holds SET expires_at = (SELECT ms FROM now) + $2::bigint WHERE owner_id = $1',
    [ownerId, leaseMs, running ?? null],
  );
}

export async function removeOwner(c: pg.PoolClient, ownerId: string): Promise<void> {
  await c.query(
    'UPDATE runs SET owner_id = NULL, lease_expires_at = NULL WHERE id IN (SELECT id FROM runs WHERE owner_id = $1 ORDER BY id FOR UPDATE) AND owner_id = $1',
    [ownerId],
  );
  await c.query('DELETE FROM owners WHERE id = $1', [ownerId]);
}

/** The current holder; `expiresAt` may be past if the lease lapsed and nobody took the run yet. */
export async function getLease(c: pg.Pool, runId: string): Promise<Lease | undefined> {
  const row = (await c.query<LeaseRow>('SELECT owner_id, lease_token, lease_expires_at FROM runs WHERE id = $1 AND owner_id IS NOT NULL', [runId])).rows[0];
  if (row === undefined) return undefined;
  return { runId, ownerId: row.owner_id, token: row.lease_token, expiresAt: row.lease_expires_at };
}
