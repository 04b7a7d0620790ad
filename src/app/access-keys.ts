import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.js';
import { ROLES, type AccessKey, type Role } from '../store/records.js';
import { CairnError } from './errors.js';

/** A new key as shown to its owner, once: the store keeps only a hash of the secret. */
export interface IssuedKey {
  key: string;
  id: string;
  name: string;
  role: Role;
}

/** What a key may do, each role including the ones before it. */
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

// `cairn_<id>_<secret>`: the id finds the stored hash, the secret is compared by hash.
const KEY_PATTERN = /^cairn_([0-9a-z]{12})_([A-Za-z0-9_-]{43})$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;
// Compared against when the id is unknown, so a miss costs what a hit costs.
const DUMMY_HASH = sha256('cairn-no-such-key');

/**
 * API keys for `cairn serve`: created with a role, shown once, stored as a SHA-256 hash,
 * checked on every request against the store (so a revoked key stops working at once).
 */
export class AccessKeys {
  /**
   * Key rows by id, kept for a second: the server checks a key on every request, and the
   * store read was its largest cost. A revoke here clears it at once; a revoke by another
   * process (`cairn keys revoke`) takes effect within `cacheMs`.
   */
  private readonly cache = new Map<string, { key: AccessKey | undefined; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly cacheMs = 1000,
  ) {}

  async create(req: { role: Role; name?: string; by?: string }): Promise<IssuedKey> {
    if (!ROLES.includes(req.role)) throw new CairnError('USAGE', `unknown role '${String(req.role)}': expected one of ${ROLES.join(', ')}`);
    const id = randomBytes(6).toString('hex');
    const name = req.name ?? `${req.role}-${id.slice(0, 6)}`;
    if (!NAME_PATTERN.test(name)) {
      throw new CairnError('USAGE', `a key name is 1-64 letters, digits, space and . _ @ -, starting with a letter or digit; got '${name}'`);
    }
    const secret = randomBytes(32).toString('base64url');
    const record: AccessKey = { id, name, role: req.role, hash: sha256(secret), createdAt: Date.now(), ...(req.by ? { createdBy: req.by } : {}) };
    if ((await this.store.listKeys()).some((k) => k.name === name && k.revokedAt === undefined)) {
      throw new CairnError('KEY_NAME_TAKEN', `a live key is already named '${name}': pick another name or revoke that key first`, { name });
    }
    await this.store.putKey(record);
    return { key: `cairn_${id}_${secret}`, id, name, role: req.role };
  }

  /** Every key, revoked ones included, without hashes. */
  async list(): Promise<Array<Omit<AccessKey, 'hash'>>> {
    return (await this.store.listKeys()).map(({ hash: _hash, ...rest }) => rest);
  }

  async revoke(idOrName: string): Promise<Omit<AccessKey, 'hash'>> {
    const revoked = await this.store.revokeKey(idOrName, Date.now());
    this.cache.clear();
    if (!revoked) throw new CairnError('KEY_NOT_FOUND', `no live key with id or name '${idOrName}'`, { key: idOrName });
    const { hash: _hash, ...rest } = revoked;
    return rest;
  }

  /** The live key a presented secret belongs to, or undefined. Constant time in the secret. */
  async verify(presented: string): Promise<AccessKey | undefined> {
    const match = KEY_PATTERN.exec(presented);
    const stored = match ? await this.lookup(match[1] as string) : undefined;
    const expected = Buffer.from(stored?.hash ?? DUMMY_HASH, 'hex');
    const given = Buffer.from(sha256(match?.[2] ?? presented), 'hex');
    const same = timingSafeEqual(expected, given);
    return same && stored !== undefined && stored.revokedAt === undefined ? stored : undefined;
  }

  private async lookup(id: string): Promise<AccessKey | undefined> {
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && now - hit.at < this.cacheMs) return hit.key;
    const key = await this.store.getKey(id);
    // Only ids of real keys are kept: a spray of made-up ids cannot grow the map.
    if (key) {
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(id, { key, at: now });
    }
    return key;
  }

  async any(): Promise<boolean> {
    return (await this.store.listKeys()).some((k) => k.revokedAt === undefined);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
