import { describe, expect, it } from 'vitest';
import type { StoreContext } from './conformance.js';
import { makeRun } from './builders.js';

/** The registry of running attempts' process groups. */
export function describeProcessCases(ctx: StoreContext): void {
  describe('processes', () => {
    it('records, lists per run, replaces per attempt and removes process groups', async () => {
      for (const id of ['r1', 'r2']) await ctx.store.createRun(makeRun(id), []);
      await ctx.store.recordProcess({ runId: 'r1', step: 'b', attempt: 1, host: 'h1', pid: 200, pidStart: '99' });
      await ctx.store.recordProcess({ runId: 'r1', step: 'a', attempt: 2, host: 'h1', pid: 100 });
      await ctx.store.recordProcess({ runId: 'r2', step: 'a', attempt: 1, host: 'h2', pid: 300 });
      expect(await ctx.store.listProcesses('r1')).toStrictEqual([
        { runId: 'r1', step: 'a', attempt: 2, host: 'h1', pid: 100 },
        { runId: 'r1', step: 'b', attempt: 1, host: 'h1', pid: 200, pidStart: '99' },
      ]);
      await ctx.store.recordProcess({ runId: 'r1', step: 'b', attempt: 1, host: 'h1', pid: 201, pidStart: '100' });
      expect((await ctx.store.listProcesses('r1')).find((p) => p.step === 'b')?.pid).toBe(201);
      await ctx.store.removeProcess('r1', 'a', 2);
      await ctx.store.removeProcess('r1', 'zzz', 1);
      expect((await ctx.store.listProcesses('r1')).map((p) => p.step)).toStrictEqual(['b']);
      expect(await ctx.store.listProcesses('r2')).toHaveLength(1);
      expect(await ctx.store.listProcesses('none')).toStrictEqual([]);
    });
  });
}
