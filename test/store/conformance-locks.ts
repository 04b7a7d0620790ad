import { describe, expect, it } from 'vitest';
import type { LockClaim, LockOutcome, LockRequest, Owner } from '../../src/store/store.js';
import { waitUntilPast } from './builders.js';
import type { StoreContext } from './conformance.js';

const LEASE = 60_000;

function owner(id: string, over: Partial<Owner> = {}): Owner {
  const now = Date.now();
  return { id, host: 'box', pid: 1234, startedAt: now, heartbeatAt: now, ...over };
}

const lock = (name: string): LockClaim => ({ name, capacity: 1, perRun: false });
const runLock = (name: string): LockClaim => ({ name, capacity: 1, perRun: true });
const pool = (name: string, slots: number): LockClaim => ({ name: `pool:${name}`, capacity: slots, perRun: false });

function req(runId: string, step: string, claims: LockClaim[], over: Partial<LockRequest> = {}): LockRequest {
  return { runId, step, attempt: 1, ownerId: 'A', claims, leaseMs: LEASE, ...over };
}

function blocked(outcome: LockOutcome): Extract<LockOutcome, { acquired: false }> {
  if (outcome.acquired) throw new Error('expected the request to wait');
  return outcome;
}

/** Locks, pool slots and their FIFO queue, shared by every process using the store. */
export function describeLockCases(ctx: StoreContext): void {
  describe('locks', () => {
    it('takes free locks at once and lists each hold with its holder', async () => {
      await ctx.store.registerOwner(owner('A'));
      const before = Date.now();
      expect(await ctx.store.acquireLocks(req('r1', 'deploy', [lock('port:8113'), lock('host:db-1')]))).toStrictEqual({ acquired: true });
      const table = await ctx.store.listLocks();
      expect(table.waiters).toStrictEqual([]);
      expect(table.holders.map((h) => h.lock).sort()).toStrictEqual(['host:db-1', 'port:8113']);
      for (const h of table.holders) {
        expect(h).toMatchObject({ runId: 'r1', step: 'deploy', attempt: 1, ownerId: 'A', perRun: false });
        expect(h.acquiredAt).toBeGreaterThanOrEqual(before);
        expect(h.expiresAt).toBe(h.acquiredAt + LEASE);
      }
    });

    it('makes a second request wait, names the holder, and admits it after the release', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.registerOwner(owner('B'));
      await ctx.store.acquireLocks(req('r1', 's', [lock('db')]));
      const waiting = blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('db')], { ownerId: 'B' })));
      expect(waiting.holders).toMatchObject([{ lock: 'db', runId: 'r1', step: 's', ownerId: 'A' }]);
      expect(waiting.ahead).toStrictEqual([]);
      const table = await ctx.store.listLocks();
      expect(table.waiters).toMatchObject([{ runId: 'r2', step: 's', attempt: 1, ownerId: 'B', locks: ['db'] }]);
      await ctx.store.releaseLocks({ runId: 'r1', step: 's', attempt: 1 });
      expect(await ctx.store.acquireLocks(req('r2', 's', [lock('db')], { ownerId: 'B' }))).toStrictEqual({ acquired: true });
      expect(await ctx.store.listLocks()).toMatchObject({ holders: [{ lock: 'db', runId: 'r2' }], waiters: [] });
    });

    it('takes all of a request or none of it', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.acquireLocks(req('r1', 's', [lock('b')]));
      blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('a'), lock('b')])));
      expect((await ctx.store.listLocks()).holders.map((h) => `${h.lock}@${h.runId}`)).toStrictEqual(['b@r1']);
      await ctx.store.releaseLocks({ runId: 'r1', step: 's', attempt: 1 });
      expect((await ctx.store.acquireLocks(req('r2', 's', [lock('a'), lock('b')]))).acquired).toBe(true);
      expect((await ctx.store.listLocks()).holders.map((h) => `${h.lock}@${h.runId}`).sort()).toStrictEqual(['a@r2', 'b@r2']);
    });

    it('admits waiters in the order they came, keeping each place across polls', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.acquireLocks(req('r0', 's', [lock('db')]));
      blocked(await ctx.store.acquireLocks(req('r1', 's', [lock('db')])));
      blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('db')])));
      const first = (await ctx.store.listLocks()).waiters;
      blocked(await ctx.store.acquireLocks(req('r1', 's', [lock('db')])));
      expect((await ctx.store.listLocks()).waiters).toStrictEqual(first);
      expect(first.map((w) => w.runId)).toStrictEqual(['r1', 'r2']);
      await ctx.store.releaseLocks({ runId: 'r0', step: 's', attempt: 1 });
      // r2 polls first but r1 came first.
      const second = blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('db')])));
      expect(second.holders).toStrictEqual([]);
      expect(second.ahead.map((w) => w.runId)).toStrictEqual(['r1']);
      expect((await ctx.store.acquireLocks(req('r1', 's', [lock('db')]))).acquired).toBe(true);
      blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('db')])));
      await ctx.store.releaseLocks({ runId: 'r1', step: 's', attempt: 1 });
      expect((await ctx.store.acquireLocks(req('r2', 's', [lock('db')]))).acquired).toBe(true);
    });

    it('lets nobody overtake an earlier waiter on any lock it asks for', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.acquireLocks(req('r0', 's', [lock('a')]));
      blocked(await ctx.store.acquireLocks(req('r1', 's', [lock('a'), lock('b')])));
      const late = blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('b')])));
      expect(late.holders).toStrictEqual([]);
      expect(late.ahead.map((w) => w.runId)).toStrictEqual(['r1']);
      // Unrelated locks are not held up by the queue.
      expect((await ctx.store.acquireLocks(req('r3', 's', [lock('c')]))).acquired).toBe(true);
    });

    it('shares a per-run lock between the steps of one run only', async () => {
      await ctx.store.registerOwner(owner('A'));
      expect((await ctx.store.acquireLocks(req('r1', 'a', [runLock('db')]))).acquired).toBe(true);
      expect((await ctx.store.acquireLocks(req('r1', 'b', [runLock('db')]))).acquired).toBe(true);
      const other = blocked(await ctx.store.acquireLocks(req('r2', 'a', [runLock('db')])));
      expect(other.holders.map((h) => h.step).sort()).toStrictEqual(['a', 'b']);
      // A step that names the lock itself wants it alone, even within its run.
      blocked(await ctx.store.acquireLocks(req('r1', 'c', [lock('db')])));
      await ctx.store.releaseLocks({ runId: 'r1', step: 'a', attempt: 1 });
      blocked(await ctx.store.acquireLocks(req('r2', 'a', [runLock('db')])));
      await ctx.store.releaseLocks({ runId: 'r1', step: 'b', attempt: 1 });
      // r2/a queued before r1/c did.
      blocked(await ctx.store.acquireLocks(req('r1', 'c', [lock('db')])));
      expect((await ctx.store.acquireLocks(req('r2', 'a', [runLock('db')]))).acquired).toBe(true);
    });

    it('admits as many holders of a pool as it has slots, then queues', async () => {
      await ctx.store.registerOwner(owner('A'));
      for (const run of ['r1', 'r2']) expect((await ctx.store.acquireLocks(req(run, 'deploy', [pool('deploys', 2)]))).acquired).toBe(true);
      const third = blocked(await ctx.store.acquireLocks(req('r3', 'deploy', [pool('deploys', 2)])));
      expect(third.holders.map((h) => h.runId).sort()).toStrictEqual(['r1', 'r2']);
      blocked(await ctx.store.acquireLocks(req('r4', 'deploy', [pool('deploys', 2)])));
      await ctx.store.releaseLocks({ runId: 'r1', step: 'deploy', attempt: 1 });
      blocked(await ctx.store.acquireLocks(req('r4', 'deploy', [pool('deploys', 2)])));
      expect((await ctx.store.acquireLocks(req('r3', 'deploy', [pool('deploys', 2)]))).acquired).toBe(true);
      expect((await ctx.store.listLocks()).holders.map((h) => h.runId).sort()).toStrictEqual(['r2', 'r3']);
    });

    it('makes a new attempt of a step wait until the previous attempt lets go', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.acquireLocks(req('r1', 's', [lock('db')]));
      blocked(await ctx.store.acquireLocks(req('r1', 's', [lock('db')], { attempt: 2 })));
      await ctx.store.releaseLocks({ runId: 'r1', step: 's', attempt: 1 });
      expect((await ctx.store.acquireLocks(req('r1', 's', [lock('db')], { attempt: 2 }))).acquired).toBe(true);
      // Asking again for what one holds is harmless.
      expect((await ctx.store.acquireLocks(req('r1', 's', [lock('db')], { attempt: 2 }))).acquired).toBe(true);
      expect((await ctx.store.listLocks()).holders).toHaveLength(1);
    });

    it('treats the holds and waits of a gone owner as released', async () => {
      await ctx.store.registerOwner(owner('live'));
      await ctx.store.registerOwner(owner('silent'));
      await ctx.store.registerOwner(owner('crashed'));
      // 'ghost' never registered (or was removed).
      await ctx.store.acquireLocks(req('r1', 's', [lock('a')], { ownerId: 'ghost' }));
      // 'silent' stops heartbeating: its hold lapses with its lease.
      await ctx.store.acquireLocks(req('r2', 's', [lock('b')], { ownerId: 'silent', leaseMs: 5 }));
      await waitUntilPast(Date.now() + 5);
      await ctx.store.acquireLocks(req('r3', 's', [lock('c')], { ownerId: 'crashed' }));
      await ctx.store.acquireLocks(req('r4', 's', [lock('d')], { ownerId: 'crashed' }));
      expect(await ctx.store.acquireLocks(req('r5', 's', [lock('a'), lock('b')], { ownerId: 'live' }))).toStrictEqual({ acquired: true });
      blocked(await ctx.store.acquireLocks(req('r6', 's', [lock('c')], { ownerId: 'live' })));
      expect(await ctx.store.acquireLocks(req('r6', 's', [lock('c')], { ownerId: 'live', deadOwners: ['crashed'] }))).toStrictEqual({ acquired: true });
      const table = await ctx.store.listLocks();
      expect(table.holders.map((h) => `${h.lock}@${h.ownerId}`).sort()).toStrictEqual(['a@live', 'b@live', 'c@live']);
      expect(table.waiters).toStrictEqual([]);
    });

    it("extends an owner's holds with its heartbeat", async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.registerOwner(owner('B'));
      await ctx.store.acquireLocks(req('r1', 's', [lock('db')], { leaseMs: 5 }));
      await ctx.store.heartbeat('A', LEASE);
      await waitUntilPast(Date.now() + 5);
      const waiting = blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('db')], { ownerId: 'B' })));
      expect(waiting.holders[0]?.expiresAt).toBeGreaterThan(Date.now() + LEASE / 2);
    });

    it('drops a dead waiter from the queue so the next one is not stuck behind it', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.registerOwner(owner('B'));
      await ctx.store.acquireLocks(req('r0', 's', [lock('db')]));
      blocked(await ctx.store.acquireLocks(req('r1', 's', [lock('db')], { ownerId: 'B' })));
      blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('db')])));
      await ctx.store.removeOwner('B');
      await ctx.store.releaseLocks({ runId: 'r0', step: 's', attempt: 1 });
      expect((await ctx.store.acquireLocks(req('r2', 's', [lock('db')]))).acquired).toBe(true);
    });

    it('release drops the holds and the place in the queue, and ignores what is not there', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.acquireLocks(req('r1', 's', [lock('a')]));
      blocked(await ctx.store.acquireLocks(req('r2', 's', [lock('a'), lock('b')])));
      await ctx.store.releaseLocks({ runId: 'r2', step: 's', attempt: 1 });
      await ctx.store.releaseLocks({ runId: 'nobody', step: 's', attempt: 1 });
      expect(await ctx.store.listLocks()).toMatchObject({ holders: [{ lock: 'a', runId: 'r1' }], waiters: [] });
    });
  });
}
