import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
 * `${id}.${timestamp}.${body}`, HMAC-SHA256 with the secret's bytes (the base64 after the
 * `whsec_` prefix), sent as `webhook-signature: v1,<base64>`; several may be listed,
 * separated by spaces, while a secret is being rotated.
 */

const PREFIX = 'whsec_';

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** A new secret: 32 random bytes. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

export function isWebhookSecret(secret: string): boolean {
  return secret.startsWith(PREFIX) && Buffer.from(secret.slice(PREFIX.length), 'base64').length >= 16;
}

export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): WebhookHeaders {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${mac(secret, id, String(timestampSeconds), body)}` };
}

export type Verdict = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

/**
 * Checks a received message: headers present, timestamp within `toleranceSeconds` of now
 * (a replay of an old message fails), and one `v1` signature that matches, compared in
 * constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  opts: { nowSeconds?: number; toleranceSeconds?: number } = {},
): Verdict {
  const id = single(headers['webhook-id']);
  const timestamp = single(headers['webhook-timestamp']);
  const signatures = single(headers['webhook-signature']);
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'webhook-timestamp is not a number of seconds' };
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSeconds ?? 300;
  const at = Number(timestamp);
  if (Math.abs(now - at) > tolerance) return { ok: false, reason: `webhook-timestamp is more than ${tolerance} s from now (a replay, or a clock far off)` };
  const expected = Buffer.from(mac(secret, id, timestamp, body), 'base64');
  for (const candidate of signatures.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || value === undefined) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestamp: at };
  }
  return { ok: false, reason: 'no webhook-signature matches the body' };
}

function mac(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
