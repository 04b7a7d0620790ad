import { afterEach, describe, expect, it } from 'vitest';
import type { Trigger } from '../../src/engine/types.js';
import type { Store } from '../../src/store/store.js';
import { CronSchedule, cronCursorName, cronStartKey } from '../../src/triggers/cron.js';
import { CronScheduler, type CronFire, type CronStart } from '../../src/triggers/scheduler.js';
import { fireTime, openTemp, storeStarter, tempDb, until } from './harness.js';

const everySecond: Trigger = { kind: 'cron', cron: '* * * * * *', parameters: { mode: 'tick' } };
const daily: Trigger = { kind: 'cron', cron: '0 3 * * *', parameters: {} };
const webhook: Trigger = { kind: 'webhook', secret: '${env:HOOK}', parameters: {} };

const open: Array<{ scheduler?: CronScheduler; store?: Store }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.scheduler?.stop();
    await o.store?.close();
  }
});

async function storeAt(path?: string): Promise<Store> {
  const { store } = await openTemp(path);
  open.push({ store });
  return store;
}

function scheduler(store: Store, start: (req: CronStart) => Promise<unknown>, log: { fires: CronFire[]; errors: unknown[] } = { fires: [], errors: [] }): CronScheduler {
  const s = new CronScheduler({ cursors: store, start, onFire: (fire) => log.fires.push(fire), onError: (err) => log.errors.push(err) });
  open.push({ scheduler: s });
  return s;
}

describe('CronScheduler', () => {
  it('fires each second once, each fire with its own start key, and records the last fire', async () => {
    const store = await storeAt();
    const starter = storeStarter(store);
    const log = { fires: [] as CronFire[], errors: [] as unknown[] };
    const s = scheduler(store, starter.start, log);
    await s.schedule([{ workflowId: 'tick', triggers: [webhook, everySecond] }]);
    await until(() => log.fires.length >= 3, 'three fires');
    await s.stop();

    expect(log.errors).toEqual([]);
    const keys = starter.calls.map((c) => c.startKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const call of starter.calls) {
      expect(call).toMatchObject({ workflowId: 'tick', parameters: { mode: 'tick' }, startedBy: 'cron' });
      // Index 1: the cron trigger is the second of the list.
      expect(call.startKey).toMatch(/^cron:tick:1:\d+000$/);
      expect(await store.findRunByStartKey(call.startKey)).toBeDefined();
    }
    const times = keys.map(fireTime);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(log.fires.every((f) => !f.catchUp)).toBe(true);
    expect(await store.getCursor(cronCursorName('tick', 1))).toBe(times.at(-1));
    expect(await store.listRuns({ workflowId: 'tick' })).toHaveLength(keys.length);
  });

  it('the first time a trigger is scheduled it records since when, and fires nothing', async () => {
    const store = await storeAt();
    const starter = storeStarter(store);
    const before = Date.now();
    await scheduler(store, starter.start).schedule([{ workflowId: 'nightly', triggers: [daily] }]);
    expect(starter.calls).toEqual([]);
    const since = await store.getCursor(cronCursorName('nightly', 0));
    expect(since).toBeGreaterThanOrEqual(before);
    expect(since).toBeLessThanOrEqual(Date.now());
  });

  it('makes up for missed fires once, for the latest, and only once across restarts', async () => {
    const path = tempDb();
    const threeDaysAgo = Date.now() - 3 * 86_400_000;
    const expected = new CronSchedule('0 3 * * *').latest(threeDaysAgo, Date.now())!;
    {
      const store = await storeAt(path);
      await store.setCursor(cronCursorName('nightly', 0), threeDaysAgo);
      const starter = storeStarter(store);
      const log = { fires: [] as CronFire[], errors: [] as unknown[] };
      // schedule() resolves once the catch-up fire is done.
      await scheduler(store, starter.start, log).schedule([{ workflowId: 'nightly', triggers: [daily] }]);
      expect(starter.calls.map((c) => c.startKey)).toEqual([cronStartKey('nightly', 0, expected)]);
      expect(log.fires).toEqual([{ workflowId: 'nightly', triggerIndex: 0, fireMs: expected, startKey: cronStartKey('nightly', 0, expected), catchUp: true }]);
      expect(await store.getCursor(cronCursorName('nightly', 0))).toBe(expected);
    }
    // A restart (a new store connection on the same file): nothing is due any more.
    {
      const store = await storeAt(path);
      const starter = storeStarter(store);
      await scheduler(store, starter.start).schedule([{ workflowId: 'nightly', triggers: [daily] }]);
      expect(starter.calls).toEqual([]);
    }
    // A crash after the run started but before the cursor moved: the fire comes again, and
    // its start key starts nothing new.
    {
      const store = await storeAt(path);
      await store.setCursor(cronCursorName('nightly', 0), threeDaysAgo);
      const starter = storeStarter(store);
      const log = { fires: [] as CronFire[], errors: [] as unknown[] };
      await scheduler(store, starter.start, log).schedule([{ workflowId: 'nightly', triggers: [daily] }]);
      expect(starter.calls).toHaveLength(1);
      expect(log.errors).toEqual([]);
      expect(log.fires).toHaveLength(1);
      expect(await store.getCursor(cronCursorName('nightly', 0))).toBe(expected);
      expect(await store.listRuns({ workflowId: 'nightly' })).toHaveLength(1);
    }
  });

  it('two schedulers on one store start one run per fire', async () => {
    const path = tempDb();
    const [a, b] = [await storeAt(path), await storeAt(path)];
    const [startA, startB] = [storeStarter(a), storeStarter(b)];
    const [logA, logB] = [
      { fires: [] as CronFire[], errors: [] as unknown[] },
      { fires: [] as CronFire[], errors: [] as unknown[] },
    ];
    const workflows = [{ workflowId: 'tick', triggers: [everySecond] }];
    await Promise.all([scheduler(a, startA.start, logA).schedule(workflows), scheduler(b, startB.start, logB).schedule(workflows)]);
    await until(() => logA.fires.length >= 3 && logB.fires.length >= 3, 'three fires in each');
    for (const o of open) await o.scheduler?.stop();

    expect([...logA.errors, ...logB.errors]).toEqual([]);
    const fired = new Set([...logA.fires, ...logB.fires].map((f) => f.startKey));
    for (const key of fired) expect(await a.findRunByStartKey(key), key).toBeDefined();
    // One run per distinct fire, however many schedulers fired it.
    expect(await a.listRuns({ workflowId: 'tick' })).toHaveLength(fired.size);
    expect(startA.calls.length + startB.calls.length).toBeGreaterThan(fired.size);
  });

  it('on reload, keeps unchanged triggers, starts new ones and stops removed ones', async () => {
    const store = await storeAt();
    const starter = storeStarter(store);
    const log = { fires: [] as CronFire[], errors: [] as unknown[] };
    const s = scheduler(store, starter.start, log);
    await s.schedule([{ workflowId: 'a', triggers: [everySecond] }]);
    await until(() => log.fires.some((f) => f.workflowId === 'a'), 'a fires');
    await s.schedule([
      { workflowId: 'a', triggers: [everySecond] },
      { workflowId: 'b', triggers: [daily, everySecond] },
    ]);
    expect(s.list().map((j) => `${j.workflowId}:${j.triggerIndex}:${j.cron}:${j.timezone}`).sort()).toEqual(['a:0:* * * * * *:UTC', 'b:0:0 3 * * *:UTC', 'b:1:* * * * * *:UTC']);
    expect(s.list().every((j) => j.nextMs !== undefined && j.nextMs > Date.now() - 1000)).toBe(true);
    await until(() => log.fires.some((f) => f.workflowId === 'b'), 'b fires');

    await s.schedule([{ workflowId: 'b', triggers: [daily, everySecond] }]);
    const firesOfA = log.fires.filter((f) => f.workflowId === 'a').length;
    const firesOfB = log.fires.filter((f) => f.workflowId === 'b').length;
    await until(() => log.fires.filter((f) => f.workflowId === 'b').length >= firesOfB + 2, 'b fires twice more');
    expect(log.fires.filter((f) => f.workflowId === 'a')).toHaveLength(firesOfA);
    expect(s.list().map((j) => j.workflowId)).toEqual(['b', 'b']);
  });

  it('a changed trigger is a new job: new parameters take effect', async () => {
    const store = await storeAt();
    const starter = storeStarter(store);
    const s = scheduler(store, starter.start);
    await s.schedule([{ workflowId: 'a', triggers: [everySecond] }]);
    await until(() => starter.calls.length >= 1, 'a fire');
    await s.schedule([{ workflowId: 'a', triggers: [{ ...everySecond, parameters: { mode: 'tock' } } as Trigger] }]);
    await until(() => starter.calls.some((c) => c.parameters['mode'] === 'tock'), 'a fire with the new parameters');
    const keys = starter.calls.map((c) => c.startKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a fire that fails is reported and the schedule goes on', async () => {
    const store = await storeAt();
    const log = { fires: [] as CronFire[], errors: [] as unknown[] };
    const where: unknown[] = [];
    let calls = 0;
    const s = new CronScheduler({
      cursors: store,
      start: () => Promise.reject(new Error(`refused ${++calls}`)),
      onFire: (f) => log.fires.push(f),
      onError: (err, at) => {
        log.errors.push(err);
        where.push(at);
      },
    });
    open.push({ scheduler: s });
    await s.schedule([{ workflowId: 'broken', triggers: [everySecond] }]);
    await until(() => log.errors.length >= 2, 'two failed fires');
    await s.stop();
    expect(log.fires).toEqual([]);
    expect((log.errors[0] as Error).message).toBe('refused 1');
    expect(where[0]).toMatchObject({ workflowId: 'broken', triggerIndex: 0, fireMs: expect.any(Number) as number });
    // The failed fire counts as handled: it is not retried forever.
    expect(await store.getCursor(cronCursorName('broken', 0))).toBe((where.at(-1) as { fireMs: number }).fireMs);
  });

  it('a trigger that cannot be read is reported, the others run', async () => {
    const store = await storeAt();
    const starter = storeStarter(store);
    const log = { fires: [] as CronFire[], errors: [] as unknown[] };
    const s = scheduler(store, starter.start, log);
    await s.schedule([{ workflowId: 'mixed', triggers: [{ kind: 'cron', cron: '61 * * * *', parameters: {} }, everySecond] }]);
    expect(String(log.errors[0])).toContain("cron '61 * * * *'");
    await until(() => log.fires.length >= 1, 'the good trigger fires');
    expect(s.list().map((j) => j.triggerIndex)).toEqual([1]);
    // Reloads do not report it again.
    await s.schedule([{ workflowId: 'mixed', triggers: [{ kind: 'cron', cron: '61 * * * *', parameters: {} }, everySecond] }]);
    expect(log.errors).toHaveLength(1);
  });

  it('stop waits for a fire in flight and nothing fires after it', async () => {
    const store = await storeAt();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let entered = 0;
    const s = new CronScheduler({
      cursors: store,
      start: async () => {
        entered++;
        await gate;
      },
    });
    await s.schedule([{ workflowId: 'slow', triggers: [everySecond] }]);
    await until(() => entered === 1, 'a fire in flight');
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    const cursor = await store.getCursor(cronCursorName('slow', 0));
    // The fire in flight finished (its cursor written); no further fire began.
    expect(cursor).toBeGreaterThan(0);
    expect(entered).toBe(1);
    await store.close();
  });
});
