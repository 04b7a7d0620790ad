import { describe, expect, it } from 'vitest';
import type { StoreContext } from './conformance.js';
import { createdEvent, event, makeDefinition, makeRun, makeStep, startedEvents } from './builders.js';

/** Definitions, runs, events, projections, listing: the event log and what it projects. */
export function describeRunCases(ctx: StoreContext): void {
  describe('definitions', () => {
    it('round-trips a definition, with and without a path', async () => {
      const withPath = makeDefinition('h-a', { path: '/tmp/hello.yaml' });
      const withoutPath = makeDefinition('h-b', { format: 'json', source: '{"name":"x"}' });
      await ctx.store.putDefinition(withPath);
      await ctx.store.putDefinition(withoutPath);
      expect(await ctx.store.getDefinition('h-a')).toStrictEqual(withPath);
      expect(await ctx.store.getDefinition('h-b')).toStrictEqual(withoutPath);
      expect(await ctx.store.getDefinition('missing')).toBeUndefined();
    });

    it('accepts the same content hash twice and keeps the first', async () => {
      await ctx.store.putDefinition(makeDefinition('h-a', { createdAt: 1 }));
      await ctx.store.putDefinition(makeDefinition('h-a', { createdAt: 2 }));
      expect((await ctx.store.getDefinition('h-a'))?.createdAt).toBe(1);
    });
  });

  describe('runs and events', () => {
    it('has a location to show in messages', () => {
      expect(ctx.store.location).toMatch(/\S/);
    });

    it('creates an unowned run with its first events', async () => {
      const run = makeRun('r1', { startedBy: 'alice' });
      expect(await ctx.store.createRun(run, [createdEvent(run)])).toBeUndefined();
      expect(await ctx.store.getRun('r1')).toStrictEqual(run);
      expect(await ctx.store.readEvents('r1')).toStrictEqual([createdEvent(run)]);
      expect(await ctx.store.getLease('r1')).toBeUndefined();
      expect(await ctx.store.getSteps('r1')).toStrictEqual([]);
    });

    it('creates a run owned by a claim, with token 1 and a lease', async () => {
      const before = Date.now();
      const claim = await ctx.store.createRun(makeRun('r1'), [], { ownerId: 'A', leaseMs: 60_000 });
      expect(claim).toStrictEqual({ runId: 'r1', token: 1 });
      const lease = await ctx.store.getLease('r1');
      expect(lease).toMatchObject({ runId: 'r1', ownerId: 'A', token: 1 });
      expect(lease?.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    });

    it('refuses a second run with the same id and keeps the first intact', async () => {
      const run = makeRun('r1');
      await ctx.store.createRun(run, [createdEvent(run)]);
      const clash = makeRun('r1', { workflowId: 'other' });
      await expect(ctx.store.createRun(clash, [createdEvent(clash), event('r1', 2, 'RunStarted', {})])).rejects.toThrow();
      expect(await ctx.store.getRun('r1')).toStrictEqual(run);
      expect(await ctx.store.readEvents('r1')).toHaveLength(1);
    });

    it('appends events and reads them in seq order, after a given seq', async () => {
      const run = makeRun('r1');
      await ctx.store.createRun(run, [createdEvent(run)]);
      const more = [
        event('r1', 2, 'RunStarted', {}),
        event('r1', 3, 'StepStarted', { step: 'a', attempt: 1, idempotencyKey: 'r1:a:1', parameters: { x: 1 } }),
        event('r1', 4, 'StepSucceeded', { step: 'a', attempt: 1, outputs: { text: 'héllo ✓', n: 1.5 } }),
        event('r1', 5, 'StepFailed', { step: 'b', attempt: 1, error: { message: 'boom', code: 'EXIT_CODE', details: { exitCode: 2 } }, willRetry: false }),
      ];
      expect(await ctx.store.commit([{ runId: 'r1', events: more, steps: [] }])).toStrictEqual({ refused: [] });
      expect(await ctx.store.readEvents('r1')).toStrictEqual([createdEvent(run), ...more]);
      expect(await ctx.store.readEvents('r1', 3)).toStrictEqual(more.slice(2));
      expect(await ctx.store.readEvents('r1', 5)).toStrictEqual([]);
      expect(await ctx.store.readEvents('nope')).toStrictEqual([]);
    });

    it('group-commits batches of several runs in one call', async () => {
      for (const id of ['r1', 'r2', 'r3']) await ctx.store.createRun(makeRun(id), [createdEvent(makeRun(id))]);
      const result = await ctx.store.commit(
        ['r1', 'r2', 'r3'].map((runId, i) => ({
          runId,
          events: startedEvents(runId, 2, i + 1),
          steps: [makeStep(`s${i}`, { status: 'running', attempts: 1 })],
        })),
      );
      expect(result.refused).toStrictEqual([]);
      expect(await ctx.store.readEvents('r1')).toHaveLength(2);
      expect(await ctx.store.readEvents('r2')).toHaveLength(3);
      expect(await ctx.store.readEvents('r3')).toHaveLength(4);
      expect((await ctx.store.getSteps('r3')).map((s) => s.key)).toStrictEqual(['s2']);
      expect(await ctx.store.commit([])).toStrictEqual({ refused: [] });
    });

    it('rolls back the whole commit when one batch repeats a seq', async () => {
      for (const id of ['r1', 'r2']) await ctx.store.createRun(makeRun(id), [createdEvent(makeRun(id))]);
      const good = {
        runId: 'r1',
        events: startedEvents('r1', 2, 3),
        run: makeRun('r1', { status: 'running' }),
        steps: [makeStep('a', { status: 'running' })],
      };
      const duplicate = { runId: 'r2', events: [event('r2', 1, 'RunStarted', {})], steps: [makeStep('b')] };
      await expect(ctx.store.commit([good, duplicate])).rejects.toThrow();
      expect(await ctx.store.readEvents('r1')).toHaveLength(1);
      expect((await ctx.store.getRun('r1'))?.status).toBe('queued');
      expect(await ctx.store.getSteps('r1')).toStrictEqual([]);
      expect(await ctx.store.getSteps('r2')).toStrictEqual([]);
      // And the store still works afterwards.
      expect(await ctx.store.commit([good])).toStrictEqual({ refused: [] });
      expect(await ctx.store.readEvents('r1')).toHaveLength(4);
    });
  });

  describe('projections', () => {
    it('replaces the run projection and leaves the lease alone', async () => {
      await ctx.store.createRun(makeRun('r1'), [], { ownerId: 'A', leaseMs: 60_000 });
      const finished = makeRun('r1', {
        status: 'failed',
        startedAt: 1_100,
        finishedAt: 1_200,
        outputs: { answer: 42 },
        error: { message: 'step b failed', code: 'STEP_FAILED' },
      });
      const events = [event('r1', 1, 'RunFinished', { status: 'failed' as const })];
      await ctx.store.commit([{ runId: 'r1', lease: { ownerId: 'A', token: 1 }, events, run: finished, steps: [] }]);
      expect(await ctx.store.getRun('r1')).toStrictEqual(finished);
      expect(await ctx.store.getLease('r1')).toMatchObject({ ownerId: 'A', token: 1 });
    });

    it('upserts step projections and keeps the order in which steps first appeared', async () => {
      await ctx.store.createRun(makeRun('r1'), []);
      const first = [makeStep('b'), makeStep('a'), makeStep('fan[0]', { index: 0 }), makeStep('fan[1]', { index: 1 })];
      await ctx.store.commit([{ runId: 'r1', events: [], steps: first }]);
      const a = makeStep('a', { status: 'succeeded', attempts: 2, outputs: { v: [1, 2] }, startedAt: 5, finishedAt: 9 });
      const fan1 = makeStep('fan[1]', {
        index: 1,
        status: 'failed',
        attempts: 1,
        error: { message: 'nope', code: 'EXIT_CODE' },
      });
      const c = makeStep('c', { status: 'skipped', reason: "dependency 'a' was skipped", finishedAt: 10 });
      await ctx.store.commit([{ runId: 'r1', events: [], steps: [a, c, fan1] }]);
      expect(await ctx.store.getSteps('r1')).toStrictEqual([first[0], a, first[2], fan1, c]);
      expect(await ctx.store.getSteps('nope')).toStrictEqual([]);
    });
  });

  describe('queries', () => {
    async function seedRuns(): Promise<void> {
      const specs = [
        { id: 'r1', createdAt: 100, status: 'succeeded', workflowId: 'hello' },
        { id: 'r2', createdAt: 200, status: 'failed', workflowId: 'deploy' },
        { id: 'r3', createdAt: 300, status: 'running', workflowId: 'hello' },
        { id: 'r4', createdAt: 400, status: 'queued', workflowId: 'deploy' },
        { id: 'r5', createdAt: 500, status: 'succeeded', workflowId: 'hello' },
      ] as const;
      for (const s of specs) await ctx.store.createRun(makeRun(s.id, s), []);
    }
    const ids = (runs: { id: string }[]): string[] => runs.map((r) => r.id);

    it('lists runs newest first, filtered by status and workflow', async () => {
      await seedRuns();
      expect(ids(await ctx.store.listRuns({}))).toStrictEqual(['r5', 'r4', 'r3', 'r2', 'r1']);
      expect(ids(await ctx.store.listRuns({ status: ['succeeded'] }))).toStrictEqual(['r5', 'r1']);
      expect(ids(await ctx.store.listRuns({ status: ['queued', 'running'] }))).toStrictEqual(['r4', 'r3']);
      expect(ids(await ctx.store.listRuns({ workflowId: 'deploy' }))).toStrictEqual(['r4', 'r2']);
      expect(ids(await ctx.store.listRuns({ workflowId: 'hello', status: ['succeeded'] }))).toStrictEqual(['r5', 'r1']);
      expect(await ctx.store.listRuns({ status: [] })).toStrictEqual([]);
      expect(await ctx.store.listRuns({ workflowId: 'none' })).toStrictEqual([]);
      expect((await ctx.store.listRuns({ limit: 1 }))[0]).toStrictEqual(makeRun('r5', { createdAt: 500, status: 'succeeded' }));
    });

    it('pages through runs with limit and before', async () => {
      await seedRuns();
      const page1 = await ctx.store.listRuns({ limit: 2 });
      expect(ids(page1)).toStrictEqual(['r5', 'r4']);
      const page2 = await ctx.store.listRuns({ limit: 2, before: page1.at(-1)?.createdAt });
      expect(ids(page2)).toStrictEqual(['r3', 'r2']);
      const page3 = await ctx.store.listRuns({ limit: 2, before: page2.at(-1)?.createdAt });
      expect(ids(page3)).toStrictEqual(['r1']);
      expect(ids(await ctx.store.listRuns({ before: 300, workflowId: 'hello' }))).toStrictEqual(['r1']);
    });

    it('resolves run id prefixes literally, in id order, up to a limit', async () => {
      for (const id of ['abc1', 'abc2', 'abd3', 'a%c4', 'a_c5', 'ABC6']) await ctx.store.createRun(makeRun(id), []);
      expect(await ctx.store.findRunIds('abc', 10)).toStrictEqual(['abc1', 'abc2']);
      expect(await ctx.store.findRunIds('ab', 10)).toStrictEqual(['abc1', 'abc2', 'abd3']);
      expect(await ctx.store.findRunIds('ab', 1)).toStrictEqual(['abc1']);
      expect(await ctx.store.findRunIds('abd3', 10)).toStrictEqual(['abd3']);
      expect(await ctx.store.findRunIds('a%', 10)).toStrictEqual(['a%c4']);
      expect(await ctx.store.findRunIds('a_', 10)).toStrictEqual(['a_c5']);
      expect(await ctx.store.findRunIds('zzz', 10)).toStrictEqual([]);
    });
  });
}
