import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyWebhook } from '../../src/webhooks/signature.js';
import { FAILING_WORKFLOW, Harness, OK_WORKFLOW } from './harness.js';
import { eventually, Receiver, type Received } from './receiver.js';

let h: Harness;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
});

const headersOf = (r: Received) => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

const typeOf = (r: Received) => (JSON.parse(r.body) as { type: string }).type;

describe('webhook deliveries to a real receiver', () => {
  it("sends a run's events, signed so that the standardwebhooks package verifies them", async () => {
    h = await new Harness().open({ allowPrivate: true });
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['*'], description: 'everything' });
    expect(hook.secret).toMatch(/^whsec_/);
    const runId = await h.run(OK_WORKFLOW);
    // Every event of the run is in the outbox now; wait until each is delivered.
    const log = await h.settled(hook.id);
    expect(log.every((d) => d.status === 'delivered' && d.attempts === 1 && d.history[0]?.status === 200)).toBe(true);
    expect(h.receiver.received).toHaveLength(log.length);
    expect(new Set(log.map((d) => d.id))).toEqual(new Set(h.receiver.received.map((r) => r.headers['webhook-id'])));
    const verifier = new StandardWebhook(hook.secret);
    for (const r of h.receiver.received) {
      const payload = verifier.verify(r.body, headersOf(r)) as { type: string; timestamp: string; data: Record<string, unknown> };
      expect(payload.data).toMatchObject({ runId, workflowId: 'hooked' });
      expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
      expect(r.headers['content-type']).toBe('application/json');
    }
    const types = h.receiver.received.map(typeOf);
    for (const t of ['workflow.started', 'step.started', 'step.succeeded', 'workflow.completed']) expect(types).toContain(t);
    expect(types.filter((t) => t === 'step.succeeded')).toHaveLength(2);
    const second = h.receiver.received.find((r) => typeOf(r) === 'step.succeeded' && r.body.includes('"step":"second"'));
    expect(JSON.parse(second?.body ?? '{}')).toMatchObject({ type: 'step.succeeded', data: { runId, workflowId: 'hooked', step: 'second', attempt: 1, status: 'succeeded' } });
    expect(h.attempts.every((a) => a.outcome === 'delivered')).toBe(true);
    expect(h.queuedCount).toBe(log.length);
  });

  it('sends only the subscribed types, and nothing for events a webhook was created after', async () => {
    h = await new Harness().open({ allowPrivate: true });
    await h.run(FAILING_WORKFLOW, 'early.yaml');
    const hook = await h.webhooks.create({ url: h.receiver.url('/failures'), events: ['workflow.failed'] });
    await h.run(OK_WORKFLOW);
    const failed = await h.run(FAILING_WORKFLOW);
    const [delivery] = await h.settled(hook.id, 1);
    expect(delivery?.eventType).toBe('workflow.failed');
    expect(h.receiver.received).toHaveLength(1);
    expect(JSON.parse(h.receiver.received[0]?.body ?? '{}')).toMatchObject({
      type: 'workflow.failed',
      data: { runId: failed, workflowId: 'broken', status: 'failed', error: { code: 'STEP_FAILED' } },
    });
  });

  it('binds the signature to the body: a tampered body is refused by the verifier', async () => {
    h = await new Harness().open({ allowPrivate: true });
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    const [got] = await eventually(() => (h.receiver.received.length > 0 ? h.receiver.received : undefined), 'a delivery');
    if (!got) throw new Error('unreachable');
    const verifier = new StandardWebhook(hook.secret);
    expect(() => verifier.verify(got.body, headersOf(got))).not.toThrow();
    const tampered = got.body.replace('"workflow.completed"', '"workflow.failed"');
    expect(tampered).not.toBe(got.body);
    expect(() => verifier.verify(tampered, headersOf(got))).toThrow(/signature/i);
    expect(verifyWebhook(hook.secret, headersOf(got), tampered)).toMatchObject({ ok: false });
    // Nor does another id or timestamp pass with the same signature.
    expect(() => verifier.verify(got.body, { ...headersOf(got), 'webhook-id': 'msg_other' })).toThrow();
  });

  it('a message replayed later than the tolerance is refused', async () => {
    h = await new Harness().open({ allowPrivate: true });
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    const [got] = await eventually(() => (h.receiver.received.length > 0 ? h.receiver.received : undefined), 'a delivery');
    if (!got) throw new Error('unreachable');
    const verifier = new StandardWebhook(hook.secret);
    // The same bytes, presented ten minutes later.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10 * 60_000);
    expect(() => verifier.verify(got.body, headersOf(got))).toThrow(/timestamp/i);
    vi.useRealTimers();
    const later = Number(got.headers['webhook-timestamp']) + 600;
    expect(verifyWebhook(hook.secret, headersOf(got), got.body, { nowSeconds: later })).toMatchObject({ ok: false, reason: expect.stringContaining('replay') });
  });

  it('retries after a 500 with the same webhook-id, then delivers', async () => {
    h = await new Harness().open({ allowPrivate: true });
    h.receiver.statuses(500, 503);
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    const [delivery] = await h.settled(hook.id, 1);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200 });
    expect(delivery?.history.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(delivery?.history[0]?.error).toBe('HTTP 500: answer 0');
    expect(h.receiver.received.map((r) => r.headers['webhook-id'])).toEqual([delivery?.id, delivery?.id, delivery?.id]);
    const verifier = new StandardWebhook(hook.secret);
    for (const r of h.receiver.received) expect(() => verifier.verify(r.body, headersOf(r))).not.toThrow();
    expect(h.attempts.map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'delivered']);
  });

  it('gives up after the configured number of attempts', async () => {
    h = await new Harness().open({ allowPrivate: true, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } });
    h.receiver.statuses(500, 500, 500, 500, 500);
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    const [delivery] = await h.settled(hook.id, 1);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 500 });
    expect(h.receiver.received).toHaveLength(3);
    expect(h.attempts.at(-1)?.outcome).toBe('failed');
  });

  it('410 Gone stops the delivery and disables the webhook: nothing more is sent to it', async () => {
    h = await new Harness().open({ allowPrivate: true });
    h.receiver.statuses(410);
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    const [delivery] = await h.settled(hook.id, 1);
    expect(delivery).toMatchObject({ status: 'stopped', attempts: 1, lastStatus: 410 });
    expect(await h.webhooks.get(hook.id)).toMatchObject({ disabledReason: 'the receiver answered 410 Gone', disabledAt: expect.any(Number) });
    await h.run(OK_WORKFLOW, 'again.yaml');
    await h.run(OK_WORKFLOW, 'and-again.yaml');
    expect(await h.webhooks.deliveries(hook.id)).toHaveLength(1);
    expect(h.receiver.received).toHaveLength(1);
    expect(h.attempts.map((a) => a.outcome)).toEqual(['stopped']);
  });

  it('does not follow a redirect: a 3xx is a failed attempt, and the target never hears of it', async () => {
    const elsewhere = new Receiver();
    await elsewhere.listen();
    try {
      h = await new Harness().open({ allowPrivate: true, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
      h.receiver.answer = (_n, _req, res) => res.writeHead(307, { location: elsewhere.url('/stolen') }).end();
      const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
      await h.run(OK_WORKFLOW);
      const [delivery] = await h.settled(hook.id, 1);
      expect(delivery).toMatchObject({ status: 'failed', attempts: 2, lastStatus: 307 });
      expect(delivery?.lastError).toContain(`a redirect to ${elsewhere.url('/stolen')}, not followed`);
      expect(h.receiver.received).toHaveLength(2);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('a receiver that does not answer in time is a failed attempt', async () => {
    h = await new Harness().open({ allowPrivate: true, timeoutMs: 300, retry: { maxAttempts: 1 } });
    h.receiver.answer = () => undefined;
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    const [delivery] = await h.settled(hook.id, 1);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, lastError: 'no answer within 300 ms' });
  });

  it('stop waits for an attempt in flight to finish', async () => {
    h = await new Harness().open({ allowPrivate: true, stopGraceMs: 20_000 });
    h.receiver.answer = (_n, _req, res) => setTimeout(() => res.writeHead(200).end(), 300);
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    await eventually(() => h.receiver.received.length === 1, 'the attempt to start');
    await h.webhooks.stop();
    expect(await h.cairn.store.listDeliveries(hook.id)).toMatchObject([{ status: 'delivered', attempts: 1 }]);
  });

  it('stop interrupts an attempt that outlasts the grace period; it is due again at once', async () => {
    h = await new Harness().open({ allowPrivate: true, stopGraceMs: 200, timeoutMs: 60_000 });
    h.receiver.answer = () => undefined; // never answers
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    await h.run(OK_WORKFLOW);
    await eventually(() => h.receiver.received.length === 1, 'the attempt to start');
    await h.webhooks.stop();
    const [delivery] = await h.cairn.store.listDeliveries(hook.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: 'interrupted: Cairn stopped during the attempt' });
    // Due again at once, not after a backoff.
    expect(delivery?.nextAt).toBe(delivery?.history[0]?.at);
  });
});
