import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cairn } from '../../src/app/index.js';
import { migrateStore } from '../../src/app/migrate-store.js';
import migrate from '../../src/cli/commands/migrate-store.js';
import type { Run } from '../../src/engine/types.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { Workspace } from '../app/workspace.js';
import { createTestDatabase, type TestDatabase } from './postgres-database.js';

/*
 * A real SQLite store with real runs (succeeded, failed, waiting on a task), a key, a
 * webhook with a delivery and notes, migrated into a fresh PostgreSQL database, then opened
 * with Cairn: the same story, and the waiting run finishes on the target.
 */

let pgdb: TestDatabase;
beforeAll(async () => {
  pgdb = await createTestDatabase();
});
afterAll(async () => {
  await pgdb?.drop();
});

const until = async (check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

async function everything(store: Store): Promise<unknown> {
  const runs = (await store.listRuns({})).sort((a, b) => a.id.localeCompare(b.id));
  const out = [];
  for (const run of runs) {
    const logs = (await store.readLogs(run.id)).map(({ id: _id, ...l }) => l);
    out.push({ run, steps: await store.getSteps(run.id), events: await store.readEvents(run.id), logs });
  }
  const feed = (await store.readFeed({ after: 0, limit: 10_000 })).map((f) => `${f.event.runId}#${f.event.seq}`);
  return { out, feed, definitions: await store.listDefinitions() };
}

describe('cairn migrate-store: SQLite -> PostgreSQL', () => {
  it('copies runs, events, steps, logs, keys, webhooks and notes; the waiting run finishes on the target', async () => {
    const ws = new Workspace();
    const cairn = await ws.open();
    const ok = await cairn.startRun({ file: ws.file('ok.yaml', 'name: ok\nsteps:\n  - id: hi\n    command: shell\n    parameters:\n      run: echo hello; echo "greeting=hi" >> "$CAIRN_OUTPUT"\n') });
    const bad = await cairn.startRun({ file: ws.file('bad.yaml', 'name: bad\nsteps:\n  - id: boom\n    command: shell\n    parameters:\n      run: echo oops >&2; exit 3\n') });
    const wait = await cairn.startRun({
      file: ws.file('wait.yaml', 'name: wait\nsteps:\n  - id: review\n    command: task\n    parameters: { instructions: look }\n  - id: after\n    command: log\n    depends_on: [review]\n    parameters: { message: done }\n'),
    });
    expect((await cairn.waitFor(ok.id))?.status).toBe('succeeded');
    const keyed = (await cairn.startWorkflow({ workflowId: 'ok', startKey: 'msg_42' })).run;
    expect((await cairn.waitFor(keyed.id))?.status).toBe('succeeded');
    expect((await cairn.waitFor(bad.id))?.status).toBe('failed');
    await until(async () => (await cairn.openTasks(wait.id)).length === 1);
    const issued = await cairn.keys.create({ role: 'admin', name: 'ops' });
    const source = cairn.store;
    await source.addNote({ text: 'the disk fills on Fridays', tags: ['disk'], category: 'ops' });
    await source.addNote({ text: 'restart the cache after a deploy', tags: [] });
    await source.setCursor('cron:nightly:0', 1_700_000_000_000);
    await source.putSecret({ name: 'TOKEN', sealed: 'v1:c2VhbGVk', updatedAt: 11, updatedBy: 'ops' });
    await source.addAudit({ at: 12, actor: 'ops', origin: 'cli box', action: 'secret.set', target: 'TOKEN' });
    await source.putWebhook({ id: 'wh_1', url: 'https://example.com/hook', events: ['*'], secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: 5 });
    const head = await source.feedHead();
    await source.enqueueDeliveries('webhooks', head, [{ id: 'msg_1', webhookId: 'wh_1', eventType: 'workflow.failed', payload: '{"x":1}', createdAt: 7 }]);
    await source.settleDelivery('msg_1', { status: 'pending', nextAt: 9, attempt: { at: 8, status: 500, ms: 3 } });
    await source.settleDelivery('msg_1', { status: 'delivered', nextAt: 9, attempt: { at: 9, status: 200, ms: 2 } });
    // The source's owner is live: refused without --force.
    await expect(migrateStore({ from: ws.db, to: pgdb.url })).rejects.toThrow(/owned by a live process/);
    const expected = await everything(source);
    await ws.close();

    const parts: string[] = [];
    const counts = await migrateStore({ from: ws.db, to: pgdb.url, progress: (part) => parts.push(part) });
    expect(counts).toMatchObject({ runs: 4, keys: 1, webhooks: 1, deliveries: 1, notes: 2, cursors: 2, secrets: 1 });
    expect(counts.audit).toBeGreaterThanOrEqual(1);
    expect(parts).toContain('events');
    expect(counts.logs).toBeGreaterThan(0);
    expect(counts.events).toBeGreaterThan(10);

    const target = await Cairn.open({ db: pgdb.url, cwd: ws.dir });
    try {
      expect(await everything(target.store)).toEqual(expected);
      expect((await target.keys.verify(issued.key))?.name).toBe('ops');
      expect(await target.store.getSecret('TOKEN')).toEqual({ name: 'TOKEN', sealed: 'v1:c2VhbGVk', updatedAt: 11, updatedBy: 'ops' });
      expect((await target.store.listAudit({ actor: 'ops' })).map((e) => `${e.action} ${e.target ?? ''}`)).toContain('secret.set TOKEN');
      const [delivery] = await target.store.listDeliveries('wh_1');
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, history: [{ status: 500 }, { status: 200 }] });
      expect(await target.store.getCursor('webhooks')).toBe(await target.store.feedHead());
      expect((await target.store.searchNotes('disk'))[0]?.text).toBe('the disk fills on Fridays');
      expect(await target.store.getLease(wait.id)).toBeUndefined();
      expect(await target.store.getCursor('cron:nightly:0')).toBe(1_700_000_000_000);
      expect((await target.store.listNotes({ limit: 10 })).map((n) => n.text)).toStrictEqual(['the disk fills on Fridays', 'restart the cache after a deploy']);
      // The start key came along: the same key does not start a second run.
      expect(await target.startWorkflow({ workflowId: 'ok', startKey: 'msg_42' })).toMatchObject({ duplicate: true, run: { id: keyed.id } });

      await target.resume([wait.id]);
      await until(async () => (await target.openTasks(wait.id)).length === 1);
      await target.complete(wait.id, 'review', { by: 'me' });
      const final: Run | undefined = await target.waitFor(wait.id);
      expect(final?.status).toBe('succeeded');

      // The target now holds runs: a second migration is refused and changes nothing.
      await expect(migrateStore({ from: ws.db, to: pgdb.url })).rejects.toThrow(/already holds 4 run\(s\)/);
    } finally {
      await target.close();
    }
  });

  it('the CLI prints progress on stderr and counts on stdout', async () => {
    const ws = new Workspace();
    const cairn = await ws.open();
    const run = await cairn.startRun({ file: ws.file('ok.yaml', 'name: ok\nsteps:\n  - id: a\n    command: log\n    parameters: { message: hi }\n') });
    expect((await cairn.waitFor(run.id))?.status).toBe('succeeded');
    await ws.close();
    const to = `${ws.dir}/copy.db`;
    await expect(migrateStore({ from: `${ws.dir}/missing.db`, to })).rejects.toThrow(/there is no store at/);
    await expect(migrateStore({ from: ws.db, to: ws.db })).rejects.toThrow(/name the same store/);
    // The command in-process (the compiled bin needs a build): stdout and stderr captured.
    const out: string[] = [];
    const err: string[] = [];
    const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      expect(await migrate({ from: ws.db, to, json: true })).toBe(0);
    } finally {
      process.stdout.write = write.out;
      process.stderr.write = write.err;
    }
    expect(err.join('')).toContain('copied events');
    expect(JSON.parse(out.join(''))).toMatchObject({ runs: 1, events: expect.any(Number) });
    const copy = await openStore(to);
    try {
      expect((await copy.getRun(run.id))?.status).toBe('succeeded');
    } finally {
      await copy.close();
    }
  });
});
