import { describe, expect, it } from 'vitest';
import type { StoreContext } from './conformance.js';
import { createdEvent, makeRun, makeStep, startedEvents } from './builders.js';
import type { Run } from '../../src/engine/types.js';

/** Operations: secrets (sealed values, names only in listings), the audit trail, retention. */
export function describeOperationCases(ctx: StoreContext): void {
  describe('secrets', () => {
    it('keeps a sealed value by name, replaces it, lists names only, deletes it', async () => {
      await ctx.store.putSecret({ name: 'DB_PASSWORD', sealed: 'v1:aaa', updatedAt: 1000, updatedBy: 'alice' });
      await ctx.store.putSecret({ name: 'API_TOKEN', sealed: 'v1:bbb', updatedAt: 1001 });
      await ctx.store.putSecret({ name: 'DB_PASSWORD', sealed: 'v1:ccc', updatedAt: 1002, updatedBy: 'bob' });
      expect(await ctx.store.getSecret('DB_PASSWORD')).toEqual({ name: 'DB_PASSWORD', sealed: 'v1:ccc', updatedAt: 1002, updatedBy: 'bob' });
      expect(await ctx.store.getSecret('NOPE')).toBeUndefined();
      const listed = await ctx.store.listSecrets();
      expect(listed).toEqual([
        { name: 'API_TOKEN', updatedAt: 1001 },
        { name: 'DB_PASSWORD', updatedAt: 1002, updatedBy: 'bob' },
      ]);
      expect(JSON.stringify(listed)).not.toContain('v1:');
      expect(await ctx.store.deleteSecret('API_TOKEN')).toBe(true);
      expect(await ctx.store.deleteSecret('API_TOKEN')).toBe(false);
      expect((await ctx.store.listSecrets()).map((s) => s.name)).toEqual(['DB_PASSWORD']);
    });
  });

  describe('audit', () => {
    it('records entries and lists them newest first, by time and by actor', async () => {
      await ctx.store.addAudit({ at: 1000, actor: 'alice', origin: 'cli host-1', action: 'run.start', target: 'r1', details: { workflow: 'deploy' } });
      await ctx.store.addAudit({ at: 2000, actor: 'ci-key', origin: 'api 10.0.0.5', action: 'step.approve', target: 'r1' });
      await ctx.store.addAudit({ at: 3000, actor: 'alice', origin: 'mcp stdio', action: 'run.cancel', target: 'r2' });
      const all = await ctx.store.listAudit();
      expect(all.map((e) => e.action)).toEqual(['run.cancel', 'step.approve', 'run.start']);
      expect(all[2]).toMatchObject({ at: 1000, actor: 'alice', origin: 'cli host-1', target: 'r1', details: { workflow: 'deploy' } });
      expect(all[1]?.details).toBeUndefined();
      expect(typeof all[0]?.id).toBe('number');
      expect((await ctx.store.listAudit({ since: 2000 })).map((e) => e.at)).toEqual([3000, 2000]);
      expect((await ctx.store.listAudit({ actor: 'alice' })).map((e) => e.target)).toEqual(['r2', 'r1']);
      expect((await ctx.store.listAudit({ limit: 1 })).map((e) => e.at)).toEqual([3000]);
    });
  });

  describe('retention', () => {
    /** A run with events, steps, logs and a request: what pruning must take with it. */
    async function seed(id: string, over: Partial<Run>): Promise<void> {
      const run = makeRun(id, over);
      await ctx.store.createRun(run, [createdEvent(run)]);
      await ctx.store.commit([{ runId: id, events: startedEvents(id, 2, 2), steps: [makeStep('a', { status: 'succeeded' })], run }]);
      await ctx.store.appendLogs([
        { runId: id, step: 'a', attempt: 1, stream: 'stdout', line: `${id} old`, at: 1_000 },
        { runId: id, step: 'a', attempt: 1, stream: 'stdout', line: `${id} new`, at: 9_000 },
      ]);
      await ctx.store.addRequest({ runId: id, type: 'cancel', data: {} });
    }

    it('deletes finished runs older than the cutoff with everything they own, never unfinished ones', async () => {
      await seed('old-done', { status: 'succeeded', finishedAt: 2_000 });
      await seed('old-failed', { status: 'failed', finishedAt: 3_000 });
      await seed('new-done', { status: 'succeeded', finishedAt: 8_000 });
      await seed('running', { status: 'running', createdAt: 500 });
      await seed('waiting', { status: 'waiting', createdAt: 500 });

      const dry = await ctx.store.prune({ runsBefore: 5_000, dryRun: true });
      expect(dry.runs).toBe(2);
      expect(await ctx.store.getRun('old-done')).toBeDefined();

      const done = await ctx.store.prune({ runsBefore: 5_000 });
      expect(done.runs).toBe(2);
      expect(done.logs).toBe(4);
      for (const gone of ['old-done', 'old-failed']) {
        expect(await ctx.store.getRun(gone)).toBeUndefined();
        expect(await ctx.store.readEvents(gone)).toEqual([]);
        expect(await ctx.store.getSteps(gone)).toEqual([]);
        expect(await ctx.store.readLogs(gone)).toEqual([]);
        expect((await ctx.store.readFeed({ after: 0, limit: 100, runId: gone }))).toEqual([]);
      }
      for (const kept of ['new-done', 'running', 'waiting']) {
        expect(await ctx.store.getRun(kept)).toBeDefined();
        expect(await ctx.store.readEvents(kept)).toHaveLength(3);
        expect(await ctx.store.readLogs(kept)).toHaveLength(2);
      }
      expect((await ctx.store.takeRequests(['old-done', 'new-done'])).map((r) => r.runId)).toEqual(['new-done']);
      expect((await ctx.store.prune({ runsBefore: 5_000 })).runs).toBe(0);
      await ctx.store.reclaim();
    });

    it('keeps a finished child while its parent is still running', async () => {
      await seed('parent', { status: 'running' });
      await seed('child', { status: 'succeeded', finishedAt: 1_500, parent: { runId: 'parent', step: 'sub' } });
      expect((await ctx.store.prune({ runsBefore: 5_000 })).runs).toBe(0);
      expect(await ctx.store.getRun('child')).toBeDefined();
    });

    it('prunes old log lines of finished runs only, and old audit entries', async () => {
      await seed('done', { status: 'succeeded', finishedAt: 9_500 });
      await seed('running', { status: 'running' });
      await ctx.store.addAudit({ at: 1_000, actor: 'a', origin: 'cli', action: 'run.start' });
      await ctx.store.addAudit({ at: 9_000, actor: 'a', origin: 'cli', action: 'run.start' });
      expect(await ctx.store.prune({ logsBefore: 5_000, auditBefore: 5_000, dryRun: true })).toEqual({ runs: 0, logs: 1, audit: 1 });
      expect(await ctx.store.prune({ logsBefore: 5_000, auditBefore: 5_000 })).toEqual({ runs: 0, logs: 1, audit: 1 });
      expect((await ctx.store.readLogs('done')).map((l) => l.line)).toEqual(['done new']);
      expect(await ctx.store.readLogs('running')).toHaveLength(2);
      expect((await ctx.store.listAudit()).map((e) => e.at)).toEqual([9_000]);
      expect(await ctx.store.getRun('done')).toBeDefined();
    });
  });
}
