import { isIP } from 'node:net';
import type { buildConnector, Dispatcher } from 'undici';

/*
 * Where an `http` step may connect. The policy itself (cloud metadata refused, the
 * `network:` allow and deny lists) is built by the application from the configuration and
 * handed in as a NetworkGuard; this file makes every connection go through it. The check
 * runs in undici's `connect`, once per new connection and per redirect hop, on the address
 * the host resolves to, and the socket is opened to exactly that address: a name that
 * resolves to a public address for the check and to 169.254.169.254 for the connection
 * (DNS rebinding) gets nowhere.
 */

/** Judges a host before a connection is opened to it. */
export interface NetworkGuard {
  /**
   * The address to connect to for `host` (a name or an IP literal), after checking every
   * address it resolves to. Throws NetworkRefused when the policy refuses one, or another
   * Error when the name does not resolve.
   */
  pin(host: string): Promise<{ address: string; family: 4 | 6 }>;
}

/** The policy refuses the address: fails the step with HTTP_NETWORK_REFUSED (not retried). */
export class NetworkRefused extends Error {
  override name = 'NetworkRefused';
  readonly code = 'HTTP_NETWORK_REFUSED';
  constructor(
    message: string,
    readonly host: string,
    readonly address: string,
  ) {
    super(message);
  }
}

/** The policy's refusal behind a failed request (undici wraps a connector's error as its cause), if that is why it failed. */
export function refusalIn(error: unknown): NetworkRefused | undefined {
  if (error instanceof NetworkRefused) return error;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause instanceof NetworkRefused ? cause : undefined;
}

type Undici = typeof import('undici');

const dispatchers = new WeakMap<NetworkGuard, { plain: Dispatcher; redirecting: Map<number, Dispatcher> }>();

/** An undici dispatcher whose every connection is checked and pinned by `guard` (shared per guard). */
export function guardedDispatcher(undici: Undici, guard: NetworkGuard, maxRedirections: number | undefined): Dispatcher {
  let entry = dispatchers.get(guard);
  if (!entry) {
    entry = { plain: new undici.Agent({ connect: guardedConnect(undici, guard) }), redirecting: new Map() };
    dispatchers.set(guard, entry);
  }
  if (maxRedirections === undefined) return entry.plain;
  let composed = entry.redirecting.get(maxRedirections);
  if (!composed) {
    composed = entry.plain.compose(undici.interceptors.redirect({ maxRedirections }));
    entry.redirecting.set(maxRedirections, composed);
  }
  return composed;
}

function guardedConnect(undici: Undici, guard: NetworkGuard): buildConnector.connector {
  const connect = undici.buildConnector({});
  return (options, callback) => {
    const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
    guard.pin(host).then(
      ({ address }) => {
        // TLS still names (SNI) and verifies the host, not the address.
        const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
        connect({ ...options, hostname: address, ...(servername ? { servername } : {}) }, callback);
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), null),
    );
  };
}
