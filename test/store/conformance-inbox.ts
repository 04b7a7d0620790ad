import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/store/store.js';
import type { StoreContext } from './conformance.js';
import { makeRun } from './builders.js';

function line(runId: string, step: string, text: string, over: Partial<LogLine> = {}): LogLine {
  return { runId, step, attempt: 1, stream: 'stdout', line: text, at: 7, ...over };
}

/** The request inbox and the step log streams. */
export function describeInboxAndLogCases(ctx: StoreContext): void {
  describe('requests', () => {
    it('hands each request out once, in order, only for the runs asked for', async () => {
      for (const id of ['r1', 'r2']) await ctx.store.createRun(makeRun(id), []);
      const before = Date.now();
      await ctx.store.addRequest({ runId: 'r1', type: 'cancel', data: { reason: 'first' }, by: 'alice' });
      await ctx.store.addRequest({ runId: 'r2', type: 'cancel', data: {} });
      await ctx.store.addRequest({ runId: 'r1', type: 'cancel', data: { reason: 'second' } });

      const taken = await ctx.store.takeRequests(['r1']);
      expect(taken.map((r) => r.data)).toStrictEqual([{ reason: 'first' }, { reason: 'second' }]);
      expect(taken[0]).toMatchObject({ runId: 'r1', type: 'cancel', by: 'alice' });
      expect(taken[1]).not.toHaveProperty('by');
      expect(taken[0]?.at).toBeGreaterThanOrEqual(before);
      expect((taken[0]?.id ?? 0) < (taken[1]?.id ?? 0)).toBe(true);

      expect(await ctx.store.takeRequests(['r1'])).toStrictEqual([]);
      expect(await ctx.store.takeRequests([])).toStrictEqual([]);
      expect((await ctx.store.takeRequests(['r1', 'r2'])).map((r) => r.runId)).toStrictEqual(['r2']);
    });
  });

  describe('logs', () => {
    it('round-trips log lines in order, with ids, filtered by step, after an id, up to a limit', async () => {
      for (const id of ['r1', 'r2']) await ctx.store.createRun(makeRun(id), []);
      const lines = [
        line('r1', 'a', 'one'),
        line('r1', 'b', 'two', { stream: 'stderr', attempt: 2 }),
        line('r2', 'a', 'elsewhere'),
        line('r1', 'a', 'three ✓', { stream: 'system' }),
        line('r1', 'a', ''),
      ];
      await ctx.store.appendLogs(lines);
      await ctx.store.appendLogs([]);

      const all = await ctx.store.readLogs('r1');
      expect(all).toStrictEqual([lines[0], lines[1], lines[3], lines[4]].map((l, i) => ({ ...l, id: all[i]?.id })));
      expect(all.every((l) => typeof l.id === 'number')).toBe(true);
      const idList = all.map((l) => l.id ?? 0);
      expect(idList).toStrictEqual([...idList].sort((x, y) => x - y));

      expect((await ctx.store.readLogs('r1', { step: 'a' })).map((l) => l.line)).toStrictEqual(['one', 'three ✓', '']);
      expect((await ctx.store.readLogs('r1', { afterId: all[1]?.id })).map((l) => l.line)).toStrictEqual(['three ✓', '']);
      expect((await ctx.store.readLogs('r1', { limit: 2 })).map((l) => l.line)).toStrictEqual(['one', 'two']);
      expect((await ctx.store.readLogs('r1', { step: 'a', afterId: all[0]?.id, limit: 1 })).map((l) => l.line)).toStrictEqual([
        'three ✓',
      ]);
      expect(await ctx.store.readLogs('r1', { step: 'zzz' })).toStrictEqual([]);
      expect(await ctx.store.readLogs('nope')).toStrictEqual([]);
    });

    it('cuts a runaway line and says so', async () => {
      await ctx.store.createRun(makeRun('r1'), []);
      await ctx.store.appendLogs([line('r1', 'a', 'x'.repeat(1024 * 1024))]);
      const [stored] = await ctx.store.readLogs('r1');
      expect(stored?.line.length).toBeLessThan(1024 * 1024);
      expect(stored?.line).toMatch(/^x+.*truncated/);
    });
  });
}
