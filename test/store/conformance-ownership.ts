import { describe, expect, it } from 'vitest';
import type { Owner } from '../../src/store/store.js';
import type { StoreContext } from './conformance.js';
import { createdEvent, event, makeRun, makeStep, waitUntilPast } from './builders.js';

const LONG = 60_000;

function owner(id: string, over: Partial<Owner> = {}): Owner {
  return { id, host: 'box', pid: 1234, pidStart: 'Mon Jan  1 00:00:00 2024', startedAt: 1, heartbeatAt: 1, ...over };
}

/** Owners, claims, leases and the fencing that keeps two processes off one run. */
export function describeOwnershipCases(ctx: StoreContext): void {
  describe('owners', () => {
    it('registers, lists, re-registers and removes owners', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.registerOwner(owner('B', { pidStart: undefined, startedAt: 2 }));
      expect(await ctx.store.listOwners()).toStrictEqual([owner('A'), { id: 'B', host: 'box', pid: 1234, startedAt: 2, heartbeatAt: 1 }]);
      await ctx.store.registerOwner(owner('A', { pid: 99 }));
      expect((await ctx.store.listOwners()).find((o) => o.id === 'A')?.pid).toBe(99);
      await ctx.store.removeOwner('A');
      expect((await ctx.store.listOwners()).map((o) => o.id)).toStrictEqual(['B']);
      await ctx.store.removeOwner('nobody');
    });

    it('releases the runs of a removed owner', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.createRun(makeRun('r1'), [], { ownerId: 'A', leaseMs: LONG });
      await ctx.store.removeOwner('A');
      expect(await ctx.store.getLease('r1')).toBeUndefined();
      expect(await ctx.store.claimRuns('B', { leaseMs: LONG })).toStrictEqual([{ runId: 'r1', token: 2 }]);
    });

    it('heartbeats the owner and extends the leases of its unfinished runs only', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.createRun(makeRun('r1'), [], { ownerId: 'A', leaseMs: 1_000 });
      await ctx.store.createRun(makeRun('r2'), [], { ownerId: 'A', leaseMs: 1_000 });
      await ctx.store.createRun(makeRun('r3'), [], { ownerId: 'B', leaseMs: 1_000 });
      const finished = makeRun('r2', { status: 'succeeded' });
      await ctx.store.commit([{ runId: 'r2', lease: { ownerId: 'A', token: 1 }, events: [], run: finished, steps: [] }]);
      const r2Before = await ctx.store.getLease('r2');
      const r3Before = await ctx.store.getLease('r3');
      const before = Date.now();
      await ctx.store.heartbeat('A', 10 * LONG);
      expect((await ctx.store.getLease('r1'))?.expiresAt).toBeGreaterThanOrEqual(before + 10 * LONG);
      expect(await ctx.store.getLease('r2')).toStrictEqual(r2Before);
      expect(await ctx.store.getLease('r3')).toStrictEqual(r3Before);
      expect((await ctx.store.listOwners())[0]?.heartbeatAt).toBeGreaterThanOrEqual(before);
      await ctx.store.heartbeat('nobody', LONG);
    });
  });

  describe('claims and leases', () => {
    it('claims unowned unfinished runs, oldest first, never finished ones', async () => {
      await ctx.store.createRun(makeRun('r1', { createdAt: 2 }), []);
      await ctx.store.createRun(makeRun('r2', { createdAt: 1, status: 'running' }), []);
      await ctx.store.createRun(makeRun('r3', { status: 'waiting' }), []);
      await ctx.store.createRun(makeRun('r4', { status: 'rolling_back' }), []);
      for (const [i, status] of (['succeeded', 'failed', 'cancelled', 'rolled_back'] as const).entries()) {
        await ctx.store.createRun(makeRun(`done${i}`, { status }), []);
      }
      expect(await ctx.store.claimRuns('A', { leaseMs: LONG, limit: 1 })).toStrictEqual([{ runId: 'r2', token: 1 }]);
      const rest = await ctx.store.claimRuns('A', { leaseMs: LONG });
      expect(rest.map((c) => c.runId).sort()).toStrictEqual(['r1', 'r3', 'r4']);
      expect(await ctx.store.claimRuns('A', { leaseMs: LONG })).toStrictEqual([]);
      expect(await ctx.store.getLease('r1')).toMatchObject({ ownerId: 'A', token: 1 });
    });

    it('claims only the runs named by runIds', async () => {
      for (const id of ['r1', 'r2', 'r3']) await ctx.store.createRun(makeRun(id), []);
      expect(await ctx.store.claimRuns('A', { leaseMs: LONG, runIds: ['r2', 'missing'] })).toStrictEqual([
        { runId: 'r2', token: 1 },
      ]);
      expect(await ctx.store.claimRuns('A', { leaseMs: LONG, runIds: [] })).toStrictEqual([]);
      expect(await ctx.store.getLease('r1')).toBeUndefined();
    });

    it('never takes a run from a live owner whose lease has not expired', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.createRun(makeRun('r1'), [], { ownerId: 'A', leaseMs: LONG });
      expect(await ctx.store.claimRuns('B', { leaseMs: LONG })).toStrictEqual([]);
      expect(await ctx.store.claimRuns('B', { leaseMs: LONG, runIds: ['r1'], deadOwners: ['C'] })).toStrictEqual([]);
      expect(await ctx.store.getLease('r1')).toMatchObject({ ownerId: 'A', token: 1 });
    });

    it('takes over the runs of a dead owner at once', async () => {
      await ctx.store.registerOwner(owner('A'));
      await ctx.store.createRun(makeRun('r1'), [], { ownerId: 'A', leaseMs: LONG });
      await ctx.store.createRun(makeRun('r2'), [], { ownerId: 'C', leaseMs: LONG });
      expect(await ctx.store.claimRuns('B', { leaseMs: LONG, deadOwners: ['A'] })).toStrictEqual([{ runId: 'r1', token: 2 }]);
      expect(await ctx.store.getLease('r1')).toMatchObject({ ownerId: 'B', token: 2 });
      expect(await ctx.store.getLease('r2')).toMatchObject({ ownerId: 'C', token: 1 });
    });

    it('fences a stale owner: its commit is refused and writes nothing, the others commit', async () => {
      const run = makeRun('r1');
      await ctx.store.createRun(run, [createdEvent(run)]);
      await ctx.store.createRun(makeRun('other'), []);
      const [claimA] = await ctx.store.claimRuns('A', { leaseMs: 1, runIds: ['r1'] });
      expect(claimA).toStrictEqual({ runId: 'r1', token: 1 });
      const leaseA = { ownerId: 'A', token: 1 };
      await ctx.store.commit([{ runId: 'r1', lease: leaseA, events: [event('r1', 2, 'RunStarted', {})], steps: [] }]);

      await waitUntilPast((await ctx.store.getLease('r1'))?.expiresAt ?? 0);
      const claimsB = await ctx.store.claimRuns('B', { leaseMs: LONG });
      expect(claimsB.sort((x, y) => x.runId.localeCompare(y.runId))).toStrictEqual([
        { runId: 'other', token: 1 },
        { runId: 'r1', token: 2 },
      ]);

      const stale = {
        runId: 'r1',
        lease: leaseA,
        events: [event('r1', 3, 'StepStarted', { step: 'a', attempt: 1, idempotencyKey: 'k' })],
        run: makeRun('r1', { status: 'running' }),
        steps: [makeStep('a', { status: 'running', attempts: 1 })],
      };
      const fine = { runId: 'other', lease: { ownerId: 'B', token: 1 }, events: [event('other', 1, 'RunStarted', {})], steps: [] };
      expect(await ctx.store.commit([stale, fine])).toStrictEqual({ refused: ['r1'] });
      expect(await ctx.store.readEvents('r1')).toHaveLength(2);
      expect((await ctx.store.getRun('r1'))?.status).toBe('queued');
      expect(await ctx.store.getSteps('r1')).toStrictEqual([]);
      expect(await ctx.store.readEvents('other')).toHaveLength(1);

      // The old owner's heartbeat cannot win the run back either.
      await ctx.store.heartbeat('A', LONG);
      expect(await ctx.store.getLease('r1')).toMatchObject({ ownerId: 'B', token: 2 });
      const current = { ...stale, lease: { ownerId: 'B', token: 2 } };
      expect(await ctx.store.commit([current])).toStrictEqual({ refused: [] });
      expect(await ctx.store.readEvents('r1')).toHaveLength(3);
    });

    it('refuses a commit to a run whose owner does not match', async () => {
      await ctx.store.createRun(makeRun('r1'), []);
      const batch = { runId: 'r1', lease: { ownerId: 'A', token: 0 }, events: [event('r1', 1, 'RunStarted', {})], steps: [] };
      expect(await ctx.store.commit([batch])).toStrictEqual({ refused: ['r1'] });
      expect(await ctx.store.readEvents('r1')).toStrictEqual([]);
    });

    it('releases a run only for the owner that holds it, and the next claim gets a new token', async () => {
      await ctx.store.createRun(makeRun('r1'), [], { ownerId: 'A', leaseMs: LONG });
      await ctx.store.releaseRun('r1', 'B');
      expect(await ctx.store.getLease('r1')).toMatchObject({ ownerId: 'A' });
      await ctx.store.releaseRun('r1', 'A');
      expect(await ctx.store.getLease('r1')).toBeUndefined();
      expect(await ctx.store.claimRuns('B', { leaseMs: LONG })).toStrictEqual([{ runId: 'r1', token: 2 }]);
      const stale = { runId: 'r1', lease: { ownerId: 'A', token: 1 }, events: [], steps: [] };
      expect(await ctx.store.commit([stale])).toStrictEqual({ refused: ['r1'] });
    });
  });
}
