import type { LockClaim, LockHold, LockHolderKey, LockWaiter } from './store.js';

/**
 * Who may take locks now: the one rule every Store implementation applies, inside the
 * transaction that reads the holds and the queue (docs/locks.md).
 *
 * A claim needs a unit of its lock (a lock has one, a pool one per slot) unless its holder
 * already has one: per-run claims of one run share a unit, so steps of a run re-enter
 * their workflow's locks. Units are counted over the current holds AND the earlier
 * waiters, whether or not those can proceed yet: an earlier waiter keeps its place on
 * every lock it asks for, so nobody overtakes it and it cannot starve (strict FIFO).
 * A request is all or nothing, and a holder never waits for more, so there is no
 * deadlock whatever order locks are named in.
 */
export interface Admission {
  admitted: boolean;
  /** Holds in the way of a claim that must wait. */
  holders: LockHold[];
  /** Earlier waiters in the way of a claim that must wait. */
  ahead: LockWaiter[];
}

export interface QueuedClaims {
  waiter: LockWaiter;
  claims: LockClaim[];
}

export function admit(me: LockHolderKey, claims: readonly LockClaim[], holds: readonly LockHold[], queue: readonly QueuedClaims[]): Admission {
  const mine = queue.find((q) => sameHolder(q.waiter, me));
  const earlier = queue.filter((q) => !sameHolder(q.waiter, me) && (mine === undefined || q.waiter.seq < mine.waiter.seq));
  const holders = new Map<string, LockHold>();
  const ahead = new Map<number, LockWaiter>();
  let admitted = true;
  for (const claim of claims) {
    const myUnit = unit(me, claim.perRun);
    const held = new Set<string>();
    const units = new Set<string>();
    const inTheWay: LockHold[] = [];
    const waitingBefore: LockWaiter[] = [];
    for (const hold of holds) {
      if (hold.lock !== claim.name || sameHolder(hold, me)) continue;
      const u = unit(hold, hold.perRun);
      held.add(u);
      units.add(u);
      if (u !== myUnit) inTheWay.push(hold);
    }
    // Re-entry: my run already holds this per-run unit.
    if (held.has(myUnit)) continue;
    for (const q of earlier) {
      const theirs = q.claims.find((c) => c.name === claim.name);
      if (!theirs) continue;
      units.add(unit(q.waiter, theirs.perRun));
      // An earlier waiter of my own run that wants the same unit goes first too.
      waitingBefore.push(q.waiter);
    }
    if (!units.has(myUnit) && units.size + 1 <= claim.capacity) continue;
    admitted = false;
    for (const h of inTheWay) holders.set(`${h.lock}\u0000${holderId(h)}`, h);
    for (const w of waitingBefore) ahead.set(w.seq, w);
  }
  return { admitted, holders: [...holders.values()], ahead: [...ahead.values()].sort((a, b) => a.seq - b.seq) };
}

/** The unit a holder occupies: its own, or its run's for a per-run (workflow) lock. */
function unit(h: LockHolderKey, perRun: boolean): string {
  return perRun ? `run\u0000${h.runId}` : `step\u0000${holderId(h)}`;
}

function holderId(h: LockHolderKey): string {
  return `${h.runId}\u0000${h.step}\u0000${h.attempt}`;
}

export function sameHolder(a: LockHolderKey, b: LockHolderKey): boolean {
  return a.runId === b.runId && a.step === b.step && a.attempt === b.attempt;
}

/** One claim per name, sorted; a name claimed both per run and per step is per step (the stronger). */
export function mergeClaims(claims: readonly LockClaim[]): LockClaim[] {
  const byName = new Map<string, LockClaim>();
  for (const c of claims) {
    const prev = byName.get(c.name);
    byName.set(c.name, prev ? { name: c.name, capacity: Math.min(prev.capacity, c.capacity), perRun: prev.perRun && c.perRun } : { ...c });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
