import { isIP } from 'node:net';

/*
 * Which addresses a webhook may be sent to. A server that POSTs wherever a user points it
 * can be turned against the network it sits in (SSRF): the cloud metadata endpoint
 * 169.254.169.254, an admin port on loopback, a database on 10.x. So every address that is
 * not public is refused unless the operator allows it. Pure: the caller resolves names and
 * hands in the addresses; this only judges them.
 */

/** `true` allows every address; a list allows CIDRs (`10.0.0.0/8`), addresses and host names. */
export type AllowPrivate = boolean | readonly string[];

type Bytes = number[];

interface Range {
  net: Bytes;
  prefix: number;
  name: string;
}

const V4_RANGES: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared address space (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved (incl. broadcast)'],
];

const V6_RANGES: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['100::', 64, 'discard-only'],
  ['2001:db8::', 32, 'documentation'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

/** IPv6 ranges that carry an IPv4 address in their last (or, for 6to4, second) 32 bits. */
const EMBEDDING: Array<{ range: Range; at: number; name: string }> = [
  { range: range('::ffff:0:0', 96, ''), at: 12, name: 'IPv4-mapped' },
  { range: range('64:ff9b::', 96, ''), at: 12, name: 'NAT64' },
  { range: range('::', 96, ''), at: 12, name: 'IPv4-compatible' },
  { range: range('2002::', 16, ''), at: 2, name: '6to4' },
];

const REFUSED_V4 = V4_RANGES.map(([a, p, n]) => range(a, p, n));
const REFUSED_V6 = V6_RANGES.map(([a, p, n]) => range(a, p, n));

/**
 * The kind of non-public range an address is in (`loopback`, `private`, ...), or undefined
 * for a public address. An IPv6 address that embeds an IPv4 one (`::ffff:127.0.0.1`) is
 * judged by the IPv4 address inside.
 */
export function nonPublicRange(address: string): string | undefined {
  const bytes = parseAddress(address);
  if (!bytes) return 'not an IP address';
  return classify(bytes);
}

function classify(bytes: Bytes): string | undefined {
  if (bytes.length === 4) return REFUSED_V4.find((r) => contains(r, bytes))?.name;
  const direct = REFUSED_V6.find((r) => contains(r, bytes));
  if (direct) return direct.name;
  for (const e of EMBEDDING) {
    if (!contains(e.range, bytes)) continue;
    const inner = classify(bytes.slice(e.at, e.at + 4));
    return inner && `${e.name} ${inner}`;
  }
  return undefined;
}

export class AddressPolicy {
  private constructor(
    private readonly all: boolean,
    private readonly ranges: Range[],
    private readonly hosts: Set<string>,
  ) {}

  /** Throws an Error naming the entry when an allow-list entry is neither a CIDR, an address nor a host name. */
  static from(allow: AllowPrivate = false): AddressPolicy {
    if (typeof allow === 'boolean') return new AddressPolicy(allow, [], new Set());
    const ranges: Range[] = [];
    const hosts = new Set<string>();
    for (const [i, raw] of allow.entries()) {
      const entry = typeof raw === 'string' ? raw.trim() : '';
      const parsed = parseAllowEntry(entry);
      if (parsed === undefined) {
        throw new Error(`allow_private[${i}]: '${String(raw)}' is neither a CIDR (10.0.0.0/8, fd00::/8), an IP address nor a host name`);
      }
      if (typeof parsed === 'string') hosts.add(parsed);
      else ranges.push(parsed);
    }
    return new AddressPolicy(false, ranges, hosts);
  }

  /**
   * Why sending to `address` (which `host` resolved to) is refused, or undefined when it is
   * allowed: public, or allowed by the configuration (the whole host, or the address's range).
   */
  refusal(host: string, address: string): string | undefined {
    const bytes = parseAddress(address);
    if (!bytes) return `${address} is not an IP address`;
    const kind = classify(bytes);
    if (kind === undefined || this.all || this.hosts.has(normalHost(host))) return undefined;
    const plain = unwrap(bytes);
    if (this.ranges.some((r) => contains(r, bytes) || (plain !== bytes && contains(r, plain)))) return undefined;
    return `${address} is ${/^[aeiouIN]/.test(kind) ? 'an' : 'a'} ${kind} address`;
  }
}

/**
 * A list of CIDRs, addresses and host names (the `allow_private` form), matched against a
 * host and an address it resolves to; also used by the `http` step's network policy.
 */
export class AddressList {
  private constructor(
    private readonly ranges: Range[],
    private readonly hosts: Set<string>,
  ) {}

  /** Throws an Error naming `label[i]` when an entry is neither a CIDR, an address nor a host name. */
  static from(entries: readonly string[], label: string): AddressList {
    const ranges: Range[] = [];
    const hosts = new Set<string>();
    for (const [i, raw] of entries.entries()) {
      const parsed = parseAllowEntry(typeof raw === 'string' ? raw.trim() : '');
      if (parsed === undefined) throw new Error(`${label}[${i}]: '${String(raw)}' is neither a CIDR (10.0.0.0/8, fd00::/8), an IP address nor a host name`);
      if (typeof parsed === 'string') hosts.add(parsed);
      else ranges.push(parsed);
    }
    return new AddressList(ranges, hosts);
  }

  /** The entry that covers the host or the address (an embedded IPv4 address counts), or undefined. */
  match(host: string, address: string): string | undefined {
    const name = normalHost(host);
    if (this.hosts.has(name)) return name;
    const bytes = parseAddress(address);
    if (!bytes) return undefined;
    const plain = unwrap(bytes);
    return this.ranges.find((r) => contains(r, bytes) || (plain !== bytes && contains(r, plain)))?.name;
  }
}

/** A host name as compared: lower case, no brackets, no trailing dot. */
export function normalHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function parseAllowEntry(entry: string): Range | string | undefined {
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    const bytes = parseAddress(entry.slice(0, slash));
    const prefixText = entry.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!bytes || !/^\d{1,3}$/.test(prefixText) || prefix > bytes.length * 8) return undefined;
    return { net: bytes, prefix, name: entry };
  }
  const bytes = parseAddress(entry);
  if (bytes) return { net: bytes, prefix: bytes.length * 8, name: entry };
  const host = normalHost(entry);
  return /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(host) ? host : undefined;
}

/** The IPv4 address an IPv6 address embeds, else the address itself. */
function unwrap(bytes: Bytes): Bytes {
  if (bytes.length === 16) for (const e of EMBEDDING) if (contains(e.range, bytes)) return bytes.slice(e.at, e.at + 4);
  return bytes;
}

function range(address: string, prefix: number, name: string): Range {
  const net = parseAddress(address);
  if (!net) throw new Error(`bad built-in range ${address}`);
  return { net, prefix, name };
}

function contains(r: Range, bytes: Bytes): boolean {
  if (r.net.length !== bytes.length) return false;
  let bits = r.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((r.net[i] as number) & mask) !== ((bytes[i] as number) & mask)) return false;
  }
  return true;
}

/** 4 bytes for IPv4, 16 for IPv6 (brackets and a zone id are ignored); undefined otherwise. */
export function parseAddress(text: string): Bytes | undefined {
  const address = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const kind = isIP(address);
  if (kind === 4) return address.split('.').map(Number);
  if (kind !== 6) return undefined;
  // A trailing dotted quad (`::ffff:127.0.0.1`) is the last two 16-bit groups.
  const hex = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`);
  const [left = '', right] = hex.split('::');
  const words = (part: string) => (part === '' ? [] : part.split(':').map((w) => parseInt(w, 16)));
  const l = words(left);
  const r = right === undefined ? [] : words(right);
  const all = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  if (all.length !== 8) return undefined;
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}
