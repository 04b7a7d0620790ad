import { describe, expect, it } from 'vitest';
import type { StoreContext } from './conformance.js';
import { createdEvent, makeDefinition, makeRun } from './builders.js';

/** Sub-workflows: the parent link on runs, listing a run's children, stored workflows by id. */
export function describeChildCases(ctx: StoreContext): void {
  describe('sub-workflow links', () => {
    it('round-trips the parent link; a run without one has no parent property', async () => {
      const parent = makeRun('p1');
      const child = makeRun('c1', { parent: { runId: 'p1', step: 'deploy[2]' } });
      await ctx.store.createRun(parent, [createdEvent(parent)]);
      await ctx.store.createRun(child, [createdEvent(child)], { ownerId: 'A', leaseMs: 60_000 });
      expect(await ctx.store.getRun('c1')).toStrictEqual(child);
      expect(await ctx.store.getRun('p1')).toStrictEqual(parent);
      expect(Object.keys((await ctx.store.getRun('p1')) ?? {})).not.toContain('parent');
    });

    it('lists the children of a run, newest first, with the other filters', async () => {
      await ctx.store.createRun(makeRun('p1'), []);
      await ctx.store.createRun(makeRun('p2'), []);
      await ctx.store.createRun(makeRun('c1', { createdAt: 2_000, parent: { runId: 'p1', step: 'a' } }), []);
      await ctx.store.createRun(makeRun('c2', { createdAt: 3_000, status: 'failed', parent: { runId: 'p1', step: 'b' } }), []);
      await ctx.store.createRun(makeRun('c3', { createdAt: 4_000, parent: { runId: 'p2', step: 'a' } }), []);
      const ids = async (filter: Parameters<typeof ctx.store.listRuns>[0]) => (await ctx.store.listRuns(filter)).map((r) => r.id);
      expect(await ids({ parentRunId: 'p1' })).toEqual(['c2', 'c1']);
      expect(await ids({ parentRunId: 'p1', status: ['queued'] })).toEqual(['c1']);
      expect(await ids({ parentRunId: 'p1', limit: 1 })).toEqual(['c2']);
      expect(await ids({ parentRunId: 'p2', before: 4_000 })).toEqual([]);
      expect(await ids({ parentRunId: 'c1' })).toEqual([]);
      expect((await ids({})).sort()).toEqual(['c1', 'c2', 'c3', 'p1', 'p2']);
    });

    it('keeps the link when a projection is committed, even one that omits it', async () => {
      const child = makeRun('c1', { parent: { runId: 'p1', step: 'sub' } });
      const claim = await ctx.store.createRun(child, [createdEvent(child)], { ownerId: 'A', leaseMs: 60_000 });
      const { parent: _dropped, ...bare } = child;
      const lease = { ownerId: 'A', token: claim?.token ?? 0 };
      await ctx.store.commit([{ runId: 'c1', lease, events: [], steps: [], run: { ...bare, status: 'succeeded', finishedAt: 5_000 } }]);
      expect(await ctx.store.getRun('c1')).toStrictEqual({ ...child, status: 'succeeded', finishedAt: 5_000 });
    });
  });

  describe('stored workflows by id', () => {
    it('finds the newest stored definition of a workflow id', async () => {
      await ctx.store.putDefinition(makeDefinition('h-old', { workflowId: 'deploy', createdAt: 1 }));
      await ctx.store.putDefinition(makeDefinition('h-new', { workflowId: 'deploy', createdAt: 3, path: '/w/deploy.yaml' }));
      await ctx.store.putDefinition(makeDefinition('h-mid', { workflowId: 'deploy', createdAt: 2 }));
      await ctx.store.putDefinition(makeDefinition('h-other', { workflowId: 'other', createdAt: 9 }));
      expect(await ctx.store.findDefinition('deploy')).toStrictEqual(makeDefinition('h-new', { workflowId: 'deploy', createdAt: 3, path: '/w/deploy.yaml' }));
      expect((await ctx.store.findDefinition('other'))?.hash).toBe('h-other');
      expect(await ctx.store.findDefinition('missing')).toBeUndefined();
    });
  });
}
