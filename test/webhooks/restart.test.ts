import { afterEach, describe, expect, it } from 'vitest';
import { EventStream } from '../../src/app/event-stream.js';
import { Webhooks } from '../../src/app/webhooks.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { Harness, OK_WORKFLOW } from './harness.js';
import { eventually } from './receiver.js';

let h: Harness;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await h?.close();
});

/** A second life on the same SQLite file: new store, new stream, new service. */
async function reopen(db: string, options: ConstructorParameters<typeof Webhooks>[1]): Promise<{ store: Store; webhooks: Webhooks }> {
  const store = await openStore(db);
  const stream = new EventStream(store, { pollMs: 50 });
  await stream.start();
  const webhooks = new Webhooks(store, options);
  await webhooks.start(stream);
  cleanup.push(() => store.close(), () => stream.stop(), () => webhooks.stop());
  return { store, webhooks };
}

describe('the outbox survives a restart', () => {
  it('a delivery waiting for its retry when the server stops is delivered once by the next server', async () => {
    // Every retry waits exactly 3 s (jitter pinned), long enough to stop in between.
    const options = { allowPrivate: true, retry: { baseDelayMs: 3_000, maxDelayMs: 3_000 }, random: () => 1, pollMs: 50 };
    h = await new Harness().open(options);
    h.receiver.statuses(500);
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    const [waiting] = await eventually(async () => {
      const all = await h.cairn.store.listDeliveries(hook.id);
      return all[0]?.attempts === 1 ? all : undefined;
    }, 'the first attempt');
    await h.webhooks.stop();
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 });
    expect(waiting?.nextAt).toBe((waiting?.history[0]?.at ?? 0) + (waiting?.history[0]?.ms ?? 0) + 3_000);
    expect(h.receiver.received).toHaveLength(1);
    await h.cairn.close();

    const { store } = await reopen(h.ws.db, options);
    const delivered = await eventually(async () => {
      const [d] = await store.listDeliveries(hook.id);
      return d?.status === 'delivered' ? d : undefined;
    }, 'the delivery after the restart');
    expect(delivered).toMatchObject({ id: waiting?.id, attempts: 2, lastStatus: 200 });
    expect(delivered.history.map((a) => a.status)).toEqual([500, 200]);
    expect(h.receiver.received.map((r) => r.headers['webhook-id'])).toEqual([waiting?.id, waiting?.id]);
    expect(await store.nextDeliveryAt()).toBeUndefined();
  });

  it('events committed while no server runs are sent when one starts, from where the last one stopped', async () => {
    h = await new Harness().open({ allowPrivate: true });
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    const before = await h.run(OK_WORKFLOW, 'before.yaml');
    await h.settled(hook.id, 1);
    await h.webhooks.stop();
    // A run while nobody sends webhooks (the CLI, say).
    const run = await h.cairn.startRun({ file: h.ws.file('during.yaml', OK_WORKFLOW) });
    await h.cairn.waitFor(run.id);
    await h.cairn.close();

    const { store } = await reopen(h.ws.db, { allowPrivate: true, pollMs: 50 });
    await eventually(async () => (await store.listDeliveries(hook.id)).filter((d) => d.status === 'delivered').length === 2, 'the missed event');
    const runs = h.receiver.received.map((r) => (JSON.parse(r.body) as { data: { runId: string } }).data.runId);
    expect(runs).toEqual([before, run.id]);
  });
});
