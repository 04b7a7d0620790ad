import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { normalHost, type AddressPolicy } from './address-policy.js';

/*
 * A webhook URL checked against the address policy on the address its host resolves to
 * NOW, and pinned to that address: the connection goes to exactly the address that was
 * checked, so a name that resolves to a public address for the check and to 127.0.0.1 for
 * the connection (DNS rebinding) gets nowhere.
 */

const MAX_URL_LENGTH = 2048;

/** The URL is malformed or not allowed in form (scheme, credentials): the user must fix it. */
export class TargetInvalid extends Error {
  override name = 'TargetInvalid';
}

/** The URL is well formed but an address of its host is refused by the address policy. */
export class TargetRefused extends Error {
  override name = 'TargetRefused';
}

/** The URL's host does not resolve (now): it may later. */
export class TargetUnresolved extends Error {
  override name = 'TargetUnresolved';
}

export interface PinnedTarget {
  url: URL;
  /** The address checked and connected to. */
  address: string;
  family: 4 | 6;
}

/** Checks the form of a webhook URL; throws TargetInvalid saying what is wrong. */
export function parseWebhookUrl(text: string): URL {
  if (text.length > MAX_URL_LENGTH) throw new TargetInvalid(`url is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetInvalid(`url '${text}' is not an absolute URL (write e.g. https://hooks.example.com/cairn)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetInvalid(`url must use http: or https:, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw new TargetInvalid('url must not carry a user name or password: receivers authenticate Cairn by the signature');
  if (url.hostname === '') throw new TargetInvalid('url has no host');
  return url;
}

/**
 * Resolves the URL's host and checks every address it resolves to (a host with one private
 * address among public ones is refused too). Throws TargetRefused with the reason, or
 * TargetUnresolved.
 */
export async function resolveTarget(url: URL, policy: AddressPolicy, timeoutMs = 10_000): Promise<PinnedTarget> {
  const host = normalHost(url.hostname);
  const addresses = isIP(host) !== 0 ? [{ address: host, family: isIP(host) }] : await resolveHost(host, timeoutMs);
  for (const { address } of addresses) {
    const why = policy.refusal(host, address);
    if (why !== undefined) {
      const via = address === host ? '' : ` (${host} resolves to ${address})`;
      throw new TargetRefused(`${url.origin} is refused: ${why}${via}; allow it with server.webhooks.allow_private if it is meant`);
    }
  }
  const first = addresses[0];
  if (!first) throw new TargetUnresolved(`${host} resolves to no address`);
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Every address `host` resolves to now; throws TargetUnresolved. */
export async function resolveHost(host: string, timeoutMs: number): Promise<Array<{ address: string; family: number }>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TargetUnresolved(`${host} did not resolve within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([lookup(host, { all: true, verbatim: true }), late]);
  } catch (err) {
    if (err instanceof TargetUnresolved) throw err;
    const code = (err as { code?: string }).code;
    throw new TargetUnresolved(`${host} does not resolve${code ? ` (${code})` : ''}`);
  } finally {
    clearTimeout(timer);
  }
}
