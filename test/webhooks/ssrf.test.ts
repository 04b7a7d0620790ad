import { afterEach, describe, expect, it } from 'vitest';
import { CairnError } from '../../src/app/errors.js';
import { Webhooks } from '../../src/app/webhooks.js';
import { AddressPolicy } from '../../src/webhooks/address-policy.js';
import { postMessage } from '../../src/webhooks/post.js';
import { parseWebhookUrl, resolveTarget, TargetRefused } from '../../src/webhooks/target.js';
import { Harness, OK_WORKFLOW } from './harness.js';
import { Receiver } from './receiver.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const INSIDE = ['http://127.0.0.1:9/hook', 'http://[::1]:9/hook', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/hook', 'http://localhost:9/hook', 'http://[::ffff:127.0.0.1]:9/hook', 'http://100.64.0.1/', 'http://0.0.0.0:9/'];

async function refusal(work: Promise<unknown>): Promise<CairnError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CairnError)) throw new Error(`expected a CairnError, got ${String(err)}`);
  return err;
}

describe('addresses inside the network are refused (SSRF)', () => {
  it.each(INSIDE)('%s is refused when the webhook is created, and nothing is stored', async (url) => {
    h = await new Harness().open();
    const err = await refusal(h.webhooks.create({ url, events: ['*'] }));
    expect(err.code).toBe('WEBHOOK_URL_REFUSED');
    expect(err.message).toMatch(/is refused: .* is an? .*(loopback|private|link-local|CGNAT|unspecified).* address/);
    expect(err.details).toMatchObject({ field: 'url' });
    expect(await h.webhooks.list()).toEqual([]);
  });

  it('names what a host name resolved to', async () => {
    h = await new Harness().open();
    const err = await refusal(h.webhooks.create({ url: 'http://localhost:9/', events: ['*'] }));
    expect(err.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/);
  });

  it('is checked again at delivery time: a live receiver on loopback gets nothing without allowPrivate', async () => {
    h = await new Harness().open(); // no allowPrivate
    // Created by a server that allowed them (its configuration changed since).
    const permissive = new Webhooks(h.cairn.store, { allowPrivate: true });
    const urls = [h.receiver.url(), `http://localhost:${h.receiver.port}/hook`, `http://[::1]:${h.receiver.port}/hook`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/hook'];
    const hooks = await Promise.all(urls.map((url) => permissive.create({ url, events: ['workflow.completed'] })));
    await h.run(OK_WORKFLOW);
    for (const [i, hook] of hooks.entries()) {
      const [delivery] = await h.settled(hook.id, 1);
      expect(delivery, urls[i]).toMatchObject({ status: 'failed', attempts: 1 });
      expect(delivery?.lastError, urls[i]).toMatch(/^not sent: http:\/\/.* is refused: .* is an? .*(loopback|link-local|private).* address/);
      expect(delivery?.lastStatus).toBeUndefined();
    }
    expect(h.receiver.received).toHaveLength(0);
    expect(h.attempts.map((a) => a.outcome)).toEqual(urls.map(() => 'failed'));
  });

  it('an allow list lets exactly what it names through', async () => {
    h = await new Harness().open({ allowPrivate: ['127.0.0.0/8'] });
    const hook = await h.webhooks.create({ url: h.receiver.url(), events: ['workflow.completed'] });
    expect((await refusal(h.webhooks.create({ url: 'http://10.0.0.1/', events: ['*'] }))).code).toBe('WEBHOOK_URL_REFUSED');
    await h.run(OK_WORKFLOW);
    expect(await h.settled(hook.id, 1)).toMatchObject([{ status: 'delivered' }]);
    expect(h.receiver.received).toHaveLength(1);
  });

  it('refuses schemes other than http and https, and URLs with credentials', async () => {
    h = await new Harness().open({ allowPrivate: true });
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'gopher://127.0.0.1:70/', 'not a url', 'http://user:pw@example.com/']) {
      const err = await refusal(h.webhooks.create({ url, events: ['*'] }));
      expect(err.code, url).toBe('USAGE');
      expect(err.details, url).toMatchObject({ field: 'url' });
    }
  });
});

describe('the connection goes to the address that was checked (no DNS rebinding)', () => {
  it('connects to the pinned address, whatever the name would resolve to now', async () => {
    const receiver = new Receiver();
    await receiver.listen();
    try {
      // `.invalid` never resolves (RFC 2606): only the pinned address can reach the receiver.
      const url = new URL(`http://rebind.invalid:${receiver.port}/hook`);
      const result = await postMessage({ url, address: '127.0.0.1', family: 4 }, { 'content-type': 'application/json' }, '{}', { timeoutMs: 10_000, signal: new AbortController().signal });
      expect(result).toEqual({ kind: 'answered', status: 200 });
      expect(receiver.received[0]?.headers.host).toBe(`rebind.invalid:${receiver.port}`);
    } finally {
      await receiver.close();
    }
  });

  it('pins a host name to the address it resolved to, once that address passed the check', async () => {
    const target = await resolveTarget(parseWebhookUrl('http://localhost:9/'), AddressPolicy.from(['127.0.0.1', '::1']));
    expect(['127.0.0.1', '::1']).toContain(target.address);
    expect(target.family).toBe(target.address === '::1' ? 6 : 4);
    await expect(resolveTarget(parseWebhookUrl('http://localhost:9/'), AddressPolicy.from(false))).rejects.toBeInstanceOf(TargetRefused);
  });
});
