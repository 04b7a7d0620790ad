import { isIP } from 'node:net';
import { NetworkRefused, type NetworkGuard } from '../actions/network-guard.js';
import { AddressList, nonPublicRange, normalHost } from '../webhooks/address-policy.js';
import { resolveHost } from '../webhooks/target.js';
import { CairnError } from './errors.js';

/*
 * The network policy of `http` steps (`network:` in cairn.yaml; docs/configuration.md).
 * A workflow author can point an `http` step anywhere, and the cloud metadata endpoint
 * hands out the machine's credentials to whoever asks: so those addresses are refused by
 * default. `deny` refuses more (`private` stands for every non-public range, as webhooks
 * judge them); `allow` wins over both. The addresses are judged after resolution, by the
 * webhooks' SSRF guard (src/webhooks/address-policy.ts), and the connection is pinned to
 * the address judged (src/actions/network-guard.ts).
 */

export interface NetworkPolicyOptions {
  /** CIDRs, addresses and host names always allowed (even a metadata address). */
  allow?: readonly string[];
  /** CIDRs, addresses and host names refused; `private` for every non-public range. */
  deny?: readonly string[];
  /** Time limit of resolving a host (default 10 s). */
  resolveTimeoutMs?: number;
}

/** Cloud instance metadata services: AWS, GCP, Azure, OpenStack (IPv4 and AWS IPv6), Alibaba, ECS task roles. */
export const METADATA_ADDRESSES: readonly string[] = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2'];
/** Names of metadata services (refused even where they do not resolve). */
export const METADATA_HOSTS: readonly string[] = ['metadata.google.internal', 'metadata.goog'];

const PRIVATE = 'private';

/** Throws CairnError USAGE naming the entry (`network.deny[2]`) when an entry is malformed. */
export function networkPolicy(options: NetworkPolicyOptions = {}): NetworkGuard {
  const denyEntries = options.deny ?? [];
  const denyPrivate = denyEntries.some((e) => e.trim().toLowerCase() === PRIVATE);
  let allow: AddressList;
  let deny: AddressList;
  try {
    allow = AddressList.from(options.allow ?? [], 'network.allow');
    // `private` is a valid host name too: kept in the list, it only matches a host so named.
    deny = AddressList.from(denyEntries, 'network.deny');
  } catch (err) {
    throw new CairnError('USAGE', (err as Error).message);
  }
  const metadata = AddressList.from([...METADATA_ADDRESSES, ...METADATA_HOSTS], 'metadata');
  const timeoutMs = options.resolveTimeoutMs ?? 10_000;

  const refusal = (host: string, address: string): string | undefined => {
    if (allow.match(host, address) !== undefined) return undefined;
    const denied = deny.match(host, address);
    if (denied !== undefined) return `${describe(host, address)} is denied by network.deny (${denied})`;
    const range = denyPrivate && address !== '' ? nonPublicRange(address) : undefined;
    if (range !== undefined) return `${describe(host, address)} is ${/^[aeiouIN]/.test(range) ? 'an' : 'a'} ${range} address, denied by network.deny (private)`;
    if (metadata.match(host, address) !== undefined) {
      return `${describe(host, address)} is a cloud metadata address, refused by default; add it to network.allow if it is meant`;
    }
    return undefined;
  };

  return {
    async pin(rawHost) {
      const host = normalHost(rawHost);
      // A metadata or denied name is refused before it is looked up.
      const byName = refusal(host, '');
      if (byName !== undefined) throw new NetworkRefused(byName, host, '');
      const family = isIP(host);
      const addresses = family !== 0 ? [{ address: host, family }] : await resolveHost(host, timeoutMs);
      for (const { address } of addresses) {
        const why = refusal(host, address);
        if (why !== undefined) throw new NetworkRefused(why, host, address);
      }
      const first = addresses[0];
      if (!first) throw new Error(`${host} resolves to no address`);
      return { address: first.address, family: first.family === 6 ? 6 : 4 };
    },
  };
}

function describe(host: string, address: string): string {
  if (address === '' || address === host) return host || address;
  return `${host} (${address})`;
}
