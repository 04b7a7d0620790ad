import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/store.js';
import type { AccessKey, Webhook } from '../../src/store/records.js';
import type { StoreContext } from './conformance.js';
import { createdEvent, makeDefinition, makeRun, startedEvents } from './builders.js';

/** What `cairn serve` keeps: the feed, start keys, cursors, keys, webhooks and their outbox. */
export function describeServerCases(ctx: StoreContext): void {
  describe('the feed', () => {
    it('numbers events in commit order across runs and resumes after a cursor', async () => {
      const a = makeRun('a');
      const b = makeRun('b');
      const claimA = await ctx.store.createRun(a, [createdEvent(a)], { ownerId: 'A', leaseMs: 60_000 });
      await ctx.store.createRun(b, [createdEvent(b)]);
      await ctx.store.commit([
        { runId: 'a', lease: { ownerId: 'A', token: claimA?.token ?? 0 }, events: startedEvents('a', 2, 2), steps: [] },
        { runId: 'b', events: startedEvents('b', 2, 1), steps: [] },
      ]);
      const all = await ctx.store.readFeed({ after: 0, limit: 100 });
      expect(all.map((e) => `${e.event.runId}#${e.event.seq}`)).toEqual(['a#1', 'b#1', 'a#2', 'a#3', 'b#2']);
      const cursors = all.map((e) => e.cursor);
      expect([...cursors].sort((x, y) => x - y)).toEqual(cursors);
      expect(new Set(cursors).size).toBe(cursors.length);
      expect(await ctx.store.feedHead()).toBe(cursors.at(-1));
      const rest = await ctx.store.readFeed({ after: cursors[1] as number, limit: 2 });
      expect(rest.map((e) => `${e.event.runId}#${e.event.seq}`)).toEqual(['a#2', 'a#3']);
      const onlyB = await ctx.store.readFeed({ after: 0, limit: 100, runId: 'b' });
      expect(onlyB.map((e) => e.event.seq)).toEqual([1, 2]);
      expect(onlyB[1]?.event).toStrictEqual(startedEvents('b', 2, 1)[0]);
    });

    it('is empty with head 0 in a new store', async () => {
      expect(await ctx.store.readFeed({ after: 0, limit: 10 })).toEqual([]);
      expect(await ctx.store.feedHead()).toBe(0);
    });
  });

  describe('start keys and counts', () => {
    it('refuses a second run with the same start key and writes nothing of it', async () => {
      await ctx.store.createRun(makeRun('r1'), [createdEvent(makeRun('r1'))], undefined, { startKey: 'cron:x:0:1000' });
      const again = ctx.store.createRun(makeRun('r2'), [createdEvent(makeRun('r2'))], undefined, { startKey: 'cron:x:0:1000' });
      await expect(again).rejects.toBeInstanceOf(StoreError);
      await expect(again).rejects.toMatchObject({ code: 'STORE_DUPLICATE' });
      expect(await ctx.store.getRun('r2')).toBeUndefined();
      expect((await ctx.store.findRunByStartKey('cron:x:0:1000'))?.id).toBe('r1');
      expect(await ctx.store.findRunByStartKey('cron:x:0:2000')).toBeUndefined();
      await ctx.store.createRun(makeRun('r3'), [], undefined, { startKey: 'cron:x:0:2000' });
      await ctx.store.createRun(makeRun('r4', { status: 'failed' }), []);
      expect(await ctx.store.countRuns()).toEqual({ queued: 2, failed: 1 });
    });
  });

  describe('definitions by workflow', () => {
    it('lists every version oldest first, of one workflow or all', async () => {
      await ctx.store.putDefinition(makeDefinition('h2', { workflowId: 'deploy', createdAt: 2 }));
      await ctx.store.putDefinition(makeDefinition('h1', { workflowId: 'deploy', createdAt: 1 }));
      await ctx.store.putDefinition(makeDefinition('h3', { workflowId: 'other', createdAt: 3 }));
      expect((await ctx.store.listDefinitions('deploy')).map((d) => d.hash)).toEqual(['h1', 'h2']);
      expect((await ctx.store.listDefinitions()).map((d) => d.hash)).toEqual(['h1', 'h2', 'h3']);
    });
  });

  describe('cursors', () => {
    it('stores and moves a named cursor', async () => {
      expect(await ctx.store.getCursor('webhooks')).toBeUndefined();
      await ctx.store.setCursor('webhooks', 5);
      await ctx.store.setCursor('webhooks', 9);
      expect(await ctx.store.getCursor('webhooks')).toBe(9);
    });
  });

  describe('access keys', () => {
    const key = (id: string, over: Partial<AccessKey> = {}): AccessKey => ({ id, name: `k-${id}`, role: 'viewer', hash: `h-${id}`, createdAt: 1, ...over });

    it('round-trips keys and revokes by id or name, once', async () => {
      await ctx.store.putKey(key('a', { role: 'admin', createdBy: 'setup' }));
      await ctx.store.putKey(key('b'));
      expect(await ctx.store.getKey('a')).toStrictEqual(key('a', { role: 'admin', createdBy: 'setup' }));
      expect(await ctx.store.revokeKey('k-b', 50)).toStrictEqual(key('b', { revokedAt: 50 }));
      expect(await ctx.store.revokeKey('b', 60)).toBeUndefined();
      expect(await ctx.store.revokeKey('a', 70)).toMatchObject({ id: 'a', revokedAt: 70 });
      expect((await ctx.store.listKeys()).map((k) => [k.id, k.revokedAt])).toEqual([['a', 70], ['b', 50]]);
    });

    it('keeps live names unique, and a revoked name free for reuse', async () => {
      await ctx.store.putKey(key('a', { name: 'ci' }));
      await expect(ctx.store.putKey(key('b', { name: 'ci' }))).rejects.toThrow();
      await ctx.store.revokeKey('ci', 5);
      await ctx.store.putKey(key('c', { name: 'ci' }));
      expect((await ctx.store.listKeys()).filter((k) => k.revokedAt === undefined).map((k) => k.id)).toEqual(['c']);
    });
  });

  describe('webhooks and the outbox', () => {
    const hook = (id: string): Webhook => ({ id, url: `https://example.com/${id}`, events: ['workflow.failed'], secret: 'whsec_AAAA', createdAt: 1 });
    const delivery = (id: string, webhookId: string, createdAt = 10) => ({ id, webhookId, eventType: 'workflow.failed', payload: `{"id":"${id}"}`, createdAt });

    it('queues deliveries with the cursor atomically, and only once per cursor', async () => {
      await ctx.store.putWebhook(hook('w1'));
      expect(await ctx.store.enqueueDeliveries('webhooks', 3, [delivery('m1', 'w1')])).toBe(true);
      expect(await ctx.store.enqueueDeliveries('webhooks', 3, [delivery('m2', 'w1')])).toBe(false);
      expect(await ctx.store.enqueueDeliveries('webhooks', 2, [delivery('m3', 'w1')])).toBe(false);
      expect(await ctx.store.getCursor('webhooks')).toBe(3);
      expect((await ctx.store.listDeliveries('w1')).map((d) => d.id)).toEqual(['m1']);
    });

    it('claims due deliveries, hides them while claimed, settles attempts with a history', async () => {
      await ctx.store.putWebhook(hook('w1'));
      await ctx.store.enqueueDeliveries('c', 1, [delivery('m1', 'w1', 10), delivery('m2', 'w1', 20)]);
      const claimed = await ctx.store.claimDeliveries(100, 30_000, 1);
      expect(claimed.map((d) => [d.id, d.status, d.attempts, d.nextAt])).toEqual([['m1', 'pending', 0, 30_100]]);
      expect((await ctx.store.claimDeliveries(200, 30_000, 10)).map((d) => d.id)).toEqual(['m2']);
      expect(await ctx.store.claimDeliveries(300, 30_000, 10)).toEqual([]);
      await ctx.store.settleDelivery('m1', { status: 'pending', nextAt: 1_000, attempt: { at: 400, status: 500, ms: 3 } });
      expect(await ctx.store.nextDeliveryAt()).toBe(1_000);
      expect((await ctx.store.claimDeliveries(1_000, 30_000, 10)).map((d) => d.id)).toEqual(['m1']);
      await ctx.store.settleDelivery('m1', { status: 'delivered', nextAt: 1_100, attempt: { at: 1_100, status: 200, ms: 2 } });
      const [m1] = (await ctx.store.listDeliveries('w1', { status: 'delivered' }));
      expect(m1).toMatchObject({ id: 'm1', status: 'delivered', attempts: 2, lastStatus: 200, finishedAt: 1_100 });
      expect(m1?.history).toEqual([{ at: 400, status: 500, ms: 3 }, { at: 1_100, status: 200, ms: 2 }]);
    });

    it('disables a webhook, and deleting it drops its deliveries', async () => {
      await ctx.store.putWebhook(hook('w1'));
      await ctx.store.enqueueDeliveries('c', 1, [delivery('m1', 'w1')]);
      await ctx.store.disableWebhook('w1', 9, 'receiver answered 410 Gone');
      expect(await ctx.store.getWebhook('w1')).toStrictEqual({ ...hook('w1'), disabledAt: 9, disabledReason: 'receiver answered 410 Gone' });
      expect(await ctx.store.deleteWebhook('w1')).toBe(true);
      expect(await ctx.store.deleteWebhook('w1')).toBe(false);
      expect(await ctx.store.listWebhooks()).toEqual([]);
      expect(await ctx.store.listDeliveries('w1')).toEqual([]);
      expect(await ctx.store.nextDeliveryAt()).toBeUndefined();
    });
  });
}
