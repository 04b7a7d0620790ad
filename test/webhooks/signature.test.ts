import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { isWebhookSecret, newWebhookSecret, signWebhook, verifyWebhook } from '../../src/webhooks/signature.js';

describe('Standard Webhooks signatures', () => {
  const secret = newWebhookSecret();
  const body = '{"type":"workflow.failed","timestamp":"2025-01-01T00:00:00.000Z","data":{"runId":"r1"}}';
  const now = Math.floor(Date.now() / 1000);

  it('makes secrets in the whsec_ form', () => {
    expect(isWebhookSecret(secret)).toBe(true);
    expect(isWebhookSecret('whsec_AAAA')).toBe(false);
  });

  it('signs what the standardwebhooks package verifies, and the reverse', () => {
    const headers = signWebhook(secret, 'msg_1', now, body);
    expect(new StandardWebhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    const theirs = new StandardWebhook(secret).sign('msg_2', new Date(now * 1000), body);
    expect(verifyWebhook(secret, { 'webhook-id': 'msg_2', 'webhook-timestamp': String(now), 'webhook-signature': theirs }, body)).toEqual({ ok: true, id: 'msg_2', timestamp: now });
  });

  it('refuses another body, another secret, an old timestamp', () => {
    const headers = { ...signWebhook(secret, 'msg_1', now, body) };
    expect(verifyWebhook(secret, headers, body.replace('failed', 'completed'))).toMatchObject({ ok: false, reason: 'no webhook-signature matches the body' });
    expect(verifyWebhook(newWebhookSecret(), headers, body).ok).toBe(false);
    expect(verifyWebhook(secret, headers, body, { nowSeconds: now + 3600 })).toMatchObject({ ok: false, reason: expect.stringContaining('replay') });
  });
});
