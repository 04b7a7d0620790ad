import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CairnError } from '../../src/app/errors.js';
import { Webhooks, WEBHOOK_EVENT_TYPES, type CreateWebhookRequest } from '../../src/app/webhooks.js';
import type { Store } from '../../src/store/store.js';
import { openStore } from '../../src/store/open.js';
import { Workspace } from '../app/workspace.js';

let ws: Workspace;
let store: Store;
let webhooks: Webhooks;

beforeEach(async () => {
  ws = new Workspace();
  store = await openStore(ws.db);
  webhooks = new Webhooks(store, { allowPrivate: true });
});
afterEach(async () => {
  await store.close();
});

async function failure(work: Promise<unknown> | (() => unknown)): Promise<CairnError> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    if (err instanceof CairnError) return err;
    throw err;
  }
  throw new Error('expected a CairnError');
}

describe('the webhooks API', () => {
  it('creates a webhook, shows its secret once, and never again', async () => {
    const created = await webhooks.create({ url: 'http://127.0.0.1:8080/hook', events: ['workflow.failed', 'approval.requested', 'workflow.failed'], description: 'on-call', by: 'ada' });
    expect(created).toMatchObject({ id: expect.stringMatching(/^wh_/), url: 'http://127.0.0.1:8080/hook', events: ['workflow.failed', 'approval.requested'], description: 'on-call', createdBy: 'ada', secret: expect.stringMatching(/^whsec_/) });
    const listed = await webhooks.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(await webhooks.get(created.id)).not.toHaveProperty('secret');
    // The store keeps it, to sign with.
    expect((await store.getWebhook(created.id))?.secret).toBe(created.secret);
  });

  it('deletes a webhook with its delivery log; a missing one is WEBHOOK_NOT_FOUND', async () => {
    const { id } = await webhooks.create({ url: 'http://127.0.0.1/x', events: ['*'] });
    await store.enqueueDeliveries('test', 1, [{ id: 'msg_1', webhookId: id, eventType: 'workflow.failed', payload: '{}', createdAt: 1 }]);
    await webhooks.delete(id);
    expect(await webhooks.list()).toEqual([]);
    expect(await store.listDeliveries(id)).toEqual([]);
    for (const attempt of [() => webhooks.delete(id), () => webhooks.get(id), () => webhooks.deliveries(id)]) {
      const err = await failure(attempt);
      expect(err.code).toBe('WEBHOOK_NOT_FOUND');
      expect(err.message).toBe(`no webhook '${id}'`);
    }
  });

  it('refuses an unknown event type, naming the known ones', async () => {
    const err = await failure(webhooks.create({ url: 'http://127.0.0.1/x', events: ['workflow.completed', 'workflow.exploded'] }));
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain("events[1]: unknown event type 'workflow.exploded'");
    for (const t of WEBHOOK_EVENT_TYPES) expect(err.message).toContain(t);
    expect(await webhooks.list()).toEqual([]);
  });

  it.each([
    [{ events: ['*'] }, 'webhook url is required'],
    [{ url: 'http://127.0.0.1/x' }, 'webhook events is required'],
    [{ url: 'http://127.0.0.1/x', events: [] }, 'webhook events is required'],
    [{ url: 'http://127.0.0.1/x', events: [3] }, 'webhook events is required'],
    [{ url: 'http://127.0.0.1/x', events: ['*'], description: 'x'.repeat(501) }, 'description must be text of at most 500'],
    [{ url: 'http://127.0.0.1/x', events: ['*'], secret: 'mine' }, "unknown webhook field 'secret'"],
    [{ url: 'ftp://127.0.0.1/x', events: ['*'] }, 'url must use http: or https:, not ftp:'],
    [{ url: '/relative', events: ['*'] }, 'is not an absolute URL'],
    [{ url: `http://127.0.0.1/${'x'.repeat(2100)}`, events: ['*'] }, 'longer than 2048'],
  ])('refuses %j: %s', async (body, message) => {
    const err = await failure(webhooks.create(body as unknown as CreateWebhookRequest));
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain(message);
    expect(await webhooks.list()).toEqual([]);
  });

  it('a host that does not resolve is refused', async () => {
    const err = await failure(webhooks.create({ url: 'http://no-such-host.invalid/x', events: ['*'] }));
    expect(err.code).toBe('WEBHOOK_URL_REFUSED');
    expect(err.message).toContain('no-such-host.invalid does not resolve');
  });

  it('lists deliveries, filtered by status, checking limit and status', async () => {
    const { id } = await webhooks.create({ url: 'http://127.0.0.1/x', events: ['*'] });
    await store.enqueueDeliveries('test', 1, [{ id: 'msg_1', webhookId: id, eventType: 'workflow.failed', payload: '{}', createdAt: 1 }]);
    expect(await webhooks.deliveries(id)).toMatchObject([{ id: 'msg_1', status: 'pending' }]);
    expect(await webhooks.deliveries(id, { status: 'delivered' })).toEqual([]);
    expect((await failure(webhooks.deliveries(id, { status: 'lost' }))).message).toBe("status must be one of pending, delivered, failed, stopped, not 'lost'");
    expect((await failure(webhooks.deliveries(id, { limit: 0 }))).code).toBe('USAGE');
  });

  it('refuses a bad allow list or retry setting when constructed', async () => {
    expect((await failure(() => new Webhooks(store, { allowPrivate: ['10.0.0.0/8', 'bad/cidr'] }))).message).toContain("server.webhooks.allow_private[1]: 'bad/cidr'");
    expect((await failure(() => new Webhooks(store, { retry: { maxAttempts: 0 } }))).code).toBe('USAGE');
  });
});
