import { describe, expect, it } from 'vitest';
import type { StoreContext } from './conformance.js';
import { createdEvent, makeRun } from './builders.js';

/** What `cairn migrate-store` reads beyond the everyday calls: every note, cursor and start key. */
export function describeExportCases(ctx: StoreContext): void {
  describe('export', () => {
    it('lists every note oldest first, page by page', async () => {
      for (let i = 0; i < 5; i++) await ctx.store.addNote({ text: `note ${i}`, tags: [`t${i}`], createdAt: 100 - i });
      const first = await ctx.store.listNotes({ limit: 3 });
      expect(first.map((n) => n.text)).toStrictEqual(['note 0', 'note 1', 'note 2']);
      const rest = await ctx.store.listNotes({ afterId: first[2]!.id, limit: 3 });
      expect(rest.map((n) => n.text)).toStrictEqual(['note 3', 'note 4']);
      expect(rest[1]).toMatchObject({ tags: ['t4'], createdAt: 96 });
      expect(await ctx.store.listNotes({ afterId: rest[1]!.id, limit: 3 })).toStrictEqual([]);
    });

    it('lists every cursor by name', async () => {
      expect(await ctx.store.listCursors()).toStrictEqual([]);
      await ctx.store.setCursor('webhooks', 12);
      await ctx.store.setCursor('cron:a:0', 1_700_000_000_000);
      await ctx.store.setCursor('webhooks', 15);
      expect(await ctx.store.listCursors()).toStrictEqual([
        { name: 'cron:a:0', value: 1_700_000_000_000 },
        { name: 'webhooks', value: 15 },
      ]);
    });

    it("tells a run's start key", async () => {
      const keyed = makeRun('k1');
      await ctx.store.createRun(keyed, [createdEvent(keyed)], undefined, { startKey: 'msg_42' });
      const plain = makeRun('k2');
      await ctx.store.createRun(plain, [createdEvent(plain)]);
      expect(await ctx.store.getStartKey('k1')).toBe('msg_42');
      expect(await ctx.store.getStartKey('k2')).toBeUndefined();
      expect(await ctx.store.getStartKey('none')).toBeUndefined();
    });
  });
}
