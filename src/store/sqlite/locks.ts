import { admit, mergeClaims } from '../lock-admission.js';
import type { LockHolderKey, LockOutcome, LockRequest, LockTable } from '../store.js';
import { lockClaims, toLockHold, toLockWaiter } from './rows.js';
import type { Statements } from './statements.js';

/*
 * Locks and their queue (docs/locks.md). These run inside a BEGIN IMMEDIATE transaction
 * opened by the caller: reading the holds and the queue and writing the decision is one
 * step for every process sharing the file, so two can never both take the last unit.
 */

export function acquireLocks(s: Statements, req: LockRequest, now: number): LockOutcome {
  const claims = mergeClaims(req.claims);
  const me: LockHolderKey = { runId: req.runId, step: req.step, attempt: req.attempt };
  const dead = JSON.stringify(req.deadOwners ?? []);
  s.purgeHolds.run({ dead, now });
  s.purgeWaiters.run({ dead, alive: now - req.leaseMs });
  const holds = s.holdsOn.all(JSON.stringify(claims.map((c) => c.name))).map(toLockHold);
  const queue = s.lockQueue.all().map((row) => ({ waiter: toLockWaiter(row), claims: lockClaims(row) }));
  const decision = admit(me, claims, holds, queue);
  if (decision.admitted) {
    for (const c of claims) s.insertHold.run(c.name, req.runId, req.step, req.attempt, req.ownerId, c.perRun ? 1 : 0, now, now + req.leaseMs);
    s.dequeue.run(req.runId, req.step, req.attempt);
    return { acquired: true };
  }
  s.enqueue.get(req.runId, req.step, req.attempt, req.ownerId, JSON.stringify(claims), now, now);
  return { acquired: false, holders: decision.holders, ahead: decision.ahead };
}

export function releaseLocks(s: Statements, holder: LockHolderKey): void {
  s.releaseHolds.run(holder.runId, holder.step, holder.attempt);
  s.dequeue.run(holder.runId, holder.step, holder.attempt);
}

export function listLocks(s: Statements): LockTable {
  return { holders: s.allHolds.all().map(toLockHold), waiters: s.lockQueue.all().map(toLockWaiter) };
}
