import type { Claim, ClaimOptions, Lease } from '../store.js';
import type { Statements } from './statements.js';

/*
 * Ownership of runs. A claim sets the owner, bumps the fencing token and starts a lease;
 * every commit made under a lease checks owner and token in its own transaction, so a
 * process that lost its run (its lease lapsed and another took it) can write nothing.
 * These functions run inside a transaction opened by the caller.
 */

export function claimRuns(s: Statements, ownerId: string, opts: ClaimOptions, now: number): Claim[] {
  if (opts.runIds !== undefined && opts.runIds.length === 0) return [];
  const ids = s.claimable.all({
    now,
    deadOwners: JSON.stringify(opts.deadOwners ?? []),
    runIds: opts.runIds === undefined ? null : JSON.stringify(opts.runIds),
    limit: opts.limit ?? -1,
  });
  const expiresAt = now + opts.leaseMs;
  return ids.map((runId) => ({ runId, token: s.claim.get(ownerId, expiresAt, runId) as number }));
}

/** Extends the leases of every unfinished run, and every lock, the owner still holds. */
export function heartbeat(s: Statements, ownerId: string, leaseMs: number, now: number, running?: number): void {
  s.touchOwner.run(now, running ?? null, ownerId);
  s.extendLeases.run(now + leaseMs, ownerId);
  s.extendHolds.run(now + leaseMs, ownerId);
}

export function removeOwner(s: Statements, ownerId: string): void {
  s.releaseOwnerRuns.run(ownerId);
  s.deleteOwner.run(ownerId);
}

/** The current holder; `expiresAt` may be past if the lease lapsed and nobody took the run yet. */
export function getLease(s: Statements, runId: string): Lease | undefined {
  const row = s.getLease.get(runId);
  if (row === undefined) return undefined;
  return { runId, ownerId: row.owner_id, token: row.lease_token, expiresAt: row.lease_expires_at };
}
