import { describe, expect, it } from 'vitest';
import { taskId, type NewStepTask } from '../../src/store/step-tasks.js';
import type { StoreContext } from './conformance.js';
import { makeRun } from './builders.js';

function task(runId: string, step: string, attempt = 1, labels: string[] = []): NewStepTask {
  return { id: taskId(runId, step, attempt), runId, step, attempt, idempotencyKey: `${runId}:${step}`, command: 'shell', parameters: { run: 'true' }, labels };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Step tasks: the queue between engine nodes and workers (docs/cluster.md). */
export function describeTaskCases(ctx: StoreContext): void {
  describe('step tasks', () => {
    it('queues a task once, however often it is enqueued', async () => {
      await ctx.store.enqueueTasks([task('r1', 'a')]);
      await ctx.store.enqueueTasks([{ ...task('r1', 'a'), parameters: { run: 'other' } }]);
      const [t] = await ctx.store.getTasks([taskId('r1', 'a', 1)]);
      expect(t).toMatchObject({ status: 'queued', fence: 0, cancelRequested: false, parameters: { run: 'true' }, labels: [] });
      expect(await ctx.store.listTasks({ runId: 'r1' })).toHaveLength(1);
      expect(await ctx.store.getTasks(['nope'])).toStrictEqual([]);
    });

    it("queues a task under a run's lease only while that lease is the run's current one", async () => {
      const claim = await ctx.store.createRun(makeRun('r1'), [], { ownerId: 'node-a', leaseMs: 60_000 });
      const lease = { ownerId: 'node-a', token: claim!.token };
      expect(await ctx.store.enqueueTasks([{ ...task('r1', 'a'), lease }])).toStrictEqual([]);
      // Another node takes the run over: the first node's lease is stale.
      await ctx.store.releaseRun('r1', 'node-a');
      const [taken] = await ctx.store.claimRuns('node-b', { leaseMs: 60_000, runIds: ['r1'] });
      expect(await ctx.store.enqueueTasks([{ ...task('r1', 'b'), lease }, { ...task('r1', 'c'), lease: { ownerId: 'node-b', token: taken!.token } }])).toStrictEqual([taskId('r1', 'b', 1)]);
      expect((await ctx.store.listTasks({ runId: 'r1' })).map((t) => t.step)).toStrictEqual(['a', 'c']);
    });

    it('gives a task to a worker only if the worker has every label it needs', async () => {
      await ctx.store.enqueueTasks([task('r1', 'gpu', 1, ['gpu', 'linux'])]);
      await ctx.store.enqueueTasks([task('r1', 'any', 1, [])]);
      expect((await ctx.store.claimTasks('w-linux', { labels: ['linux'], limit: 10, leaseMs: 5000 })).map((t) => t.step)).toStrictEqual(['any']);
      const taken = await ctx.store.claimTasks('w-gpu', { labels: ['linux', 'gpu', 'big'], limit: 10, leaseMs: 5000 });
      expect(taken.map((t) => [t.step, t.workerId, t.fence, t.status])).toStrictEqual([['gpu', 'w-gpu', 1, 'claimed']]);
      expect(await ctx.store.claimTasks('w-gpu', { labels: ['linux', 'gpu'], limit: 10, leaseMs: 5000 })).toStrictEqual([]);
    });

    it('hands out tasks first in, first out, up to the limit, never one task twice', async () => {
      for (const step of ['a', 'b', 'c', 'd', 'e']) await ctx.store.enqueueTasks([task('r1', step)]);
      const [first, second] = await Promise.all([
        ctx.store.claimTasks('w1', { labels: [], limit: 3, leaseMs: 5000 }),
        ctx.store.claimTasks('w2', { labels: [], limit: 3, leaseMs: 5000 }),
      ]);
      const all = [...first, ...second].map((t) => t.step).sort();
      expect(all).toStrictEqual(['a', 'b', 'c', 'd', 'e']);
      expect(first.length === 3 || second.length === 3).toBe(true);
      const three = first.length === 3 ? first : second;
      // Whoever got three got them in queue order.
      expect(three.map((t) => t.step)).toStrictEqual([...three.map((t) => t.step)].sort());
    });

    it('keeps a result only under the fencing token of the current claim', async () => {
      await ctx.store.enqueueTasks([task('r1', 'a')]);
      const [claimed] = await ctx.store.claimTasks('w1', { labels: [], limit: 1, leaseMs: 5000 });
      expect(claimed).toBeDefined();
      expect(await ctx.store.finishTask({ id: claimed!.id, fence: claimed!.fence + 1 }, { ok: true, outputs: { x: 'forged' } })).toBe(false);
      expect(await ctx.store.finishTask({ id: claimed!.id, fence: claimed!.fence }, { ok: true, outputs: { x: 1 } })).toBe(true);
      // Once done, a second report (a duplicate, or the same worker again) is refused.
      expect(await ctx.store.finishTask({ id: claimed!.id, fence: claimed!.fence }, { ok: true, outputs: { x: 2 } })).toBe(false);
      const [done] = await ctx.store.getTasks([claimed!.id]);
      expect(done).toMatchObject({ status: 'done', result: { ok: true, outputs: { x: 1 } } });
      expect(done!.finishedAt).toBeGreaterThan(0);
    });

    it('expires a claim whose lease lapsed; the late worker can renew nothing and record nothing', async () => {
      await ctx.store.enqueueTasks([task('r1', 'a')]);
      await ctx.store.enqueueTasks([task('r1', 'b')]);
      const claimed = await ctx.store.claimTasks('w1', { labels: [], limit: 2, leaseMs: 50 });
      expect(claimed).toHaveLength(2);
      const held = claimed.map((t) => ({ id: t.id, fence: t.fence }));
      // Only b's lease lapses: a is renewed in time.
      expect(await ctx.store.renewTasks('w1', [held[0]!], 60_000)).toStrictEqual({ lost: [], cancelled: [] });
      await sleep(120);
      expect(await ctx.store.expireTasks(held.map((h) => h.id))).toStrictEqual([held[1]!.id]);
      expect(await ctx.store.renewTasks('w1', held, 5000)).toStrictEqual({ lost: [held[1]!.id], cancelled: [] });
      expect(await ctx.store.finishTask(held[1]!, { ok: true, outputs: {} })).toBe(false);
      expect((await ctx.store.getTasks([held[1]!.id]))[0]).toMatchObject({ status: 'lost', workerId: 'w1' });
      // Another worker cannot renew a task it does not hold.
      expect((await ctx.store.renewTasks('w2', [held[0]!], 5000)).lost).toStrictEqual([held[0]!.id]);
    });

    it('cancels a queued task at once and tells the worker holding a claimed one', async () => {
      await ctx.store.enqueueTasks([task('r1', 'queued')]);
      await ctx.store.cancelTask(taskId('r1', 'queued', 1));
      expect((await ctx.store.getTasks([taskId('r1', 'queued', 1)]))[0]).toMatchObject({ status: 'cancelled', cancelRequested: true });
      expect(await ctx.store.claimTasks('w1', { labels: [], limit: 5, leaseMs: 5000 })).toStrictEqual([]);

      await ctx.store.enqueueTasks([task('r1', 'running')]);
      const [claimed] = await ctx.store.claimTasks('w1', { labels: [], limit: 1, leaseMs: 5000 });
      await ctx.store.cancelTask(claimed!.id);
      const held = { id: claimed!.id, fence: claimed!.fence };
      expect(await ctx.store.renewTasks('w1', [held], 5000)).toStrictEqual({ lost: [], cancelled: [claimed!.id] });
      // The worker still reports how it ended (aborted): recorded, so the node sees it.
      expect(await ctx.store.finishTask(held, { ok: false, error: { code: 'ABORTED', message: 'step aborted' }, retryable: false })).toBe(true);
    });

    it('lists open tasks across runs and prunes finished ones by age', async () => {
      await ctx.store.enqueueTasks([task('r1', 'a')]);
      await ctx.store.enqueueTasks([task('r2', 'a')]);
      const [claimed] = await ctx.store.claimTasks('w1', { labels: [], limit: 1, leaseMs: 5000 });
      expect((await ctx.store.listTasks({})).map((t) => [t.runId, t.status])).toStrictEqual([
        ['r1', 'claimed'],
        ['r2', 'queued'],
      ]);
      expect((await ctx.store.listTasks({ status: ['queued'] })).map((t) => t.runId)).toStrictEqual(['r2']);
      await ctx.store.finishTask({ id: claimed!.id, fence: claimed!.fence }, { ok: true, outputs: {} });
      expect(await ctx.store.pruneTasks(0)).toBe(0);
      expect(await ctx.store.pruneTasks(Date.now() + 60_000)).toBe(1);
      expect((await ctx.store.listTasks({ runId: 'r1' })).length).toBe(0);
      expect((await ctx.store.listTasks({ runId: 'r2' })).length).toBe(1);
    });

    it('records what each owner is and how much it runs', async () => {
      const now = Date.now();
      await ctx.store.registerOwner({ id: 'w1', host: 'h', pid: 1, startedAt: now, heartbeatAt: now, node: { kind: 'worker', version: '0.1.0', labels: ['gpu'], capacity: 4 } });
      await ctx.store.registerOwner({ id: 'n1', host: 'h', pid: 2, startedAt: now + 1, heartbeatAt: now });
      await ctx.store.heartbeat('w1', 5000, { running: 3 });
      const owners = await ctx.store.listOwners();
      expect(owners.find((o) => o.id === 'w1')).toMatchObject({ node: { kind: 'worker', labels: ['gpu'], capacity: 4, version: '0.1.0' }, running: 3 });
      expect(owners.find((o) => o.id === 'n1')?.node).toBeUndefined();
    });
  });
}
