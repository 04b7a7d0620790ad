import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Store } from '../store/store.js';
import type { SecretListing } from '../store/operations.js';
import { SecretUnavailable, type SecretSource } from '../runtime/secrets.js';
import { CairnError } from './errors.js';

/*
 * Secrets (docs/secrets.md). A value comes from, first found: the environment
 * (CAIRN_SECRET_NAME), the secrets file of the configuration, or the store, where it is
 * sealed with AES-256-GCM under the master key (CAIRN_MASTER_KEY, or the key file). Values
 * go to the runtime only, for the step about to run; nothing here ever returns one to a
 * front door.
 */

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const ENV_PREFIX = 'CAIRN_SECRET_';
/** Sealed value format: version, then base64 of IV (12 bytes), tag (16 bytes), ciphertext. */
const SEAL_VERSION = 'v1';
const MAX_VALUE_BYTES = 64 * 1024;

export interface SecretsOptions {
  env: NodeJS.ProcessEnv;
  /** The secrets file (absolute), if configured. */
  file?: string;
  /** The master key file (absolute), if configured; CAIRN_MASTER_KEY wins over it. */
  keyFile?: string;
}

/** A secret's name and where it comes from: never its value. */
export interface SecretView {
  name: string;
  source: 'env' | 'file' | 'store';
  updatedAt?: number;
  updatedBy?: string;
}

export class Secrets implements SecretSource {
  constructor(
    /** Without a store (`cairn validate`), only the environment and the file count. */
    private readonly store: Store | undefined,
    private readonly options: SecretsOptions,
  ) {}

  /** What the runtime calls before a step that reads secrets runs. */
  async reveal(names: string[]): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    const missing: string[] = [];
    let file: Record<string, string> | undefined;
    for (const name of names) {
      const fromEnv = this.options.env[ENV_PREFIX + name];
      if (fromEnv !== undefined) {
        values.set(name, fromEnv);
        continue;
      }
      file ??= this.readFile();
      const fromFile = Object.hasOwn(file, name) ? file[name] : undefined;
      if (fromFile !== undefined) {
        values.set(name, fromFile);
        continue;
      }
      const stored = await this.store?.getSecret(name);
      if (stored) values.set(name, this.open(name, stored.sealed));
      else missing.push(name);
    }
    if (missing.length > 0) {
      const list = missing.join(', ');
      throw new SecretUnavailable(
        `secret${missing.length > 1 ? 's' : ''} ${list} ${missing.length > 1 ? 'are' : 'is'} not set: set ${missing.map((n) => ENV_PREFIX + n).join(', ')}, add ${missing.length > 1 ? 'them' : 'it'} to the secrets file, or run \`cairn secrets set ${missing[0]}\``,
      );
    }
    return values;
  }

  /** Where `unresolved` looked, for messages. */
  get consulted(): string {
    return this.store ? 'the environment, the secrets file or the store' : 'the environment or the secrets file (the store was not opened)';
  }

  /** Names the workflow reads that no source has (strict validation warns about them). */
  async unresolved(names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    let file: Record<string, string> = {};
    try {
      file = this.readFile();
    } catch {
      // An unreadable file resolves nothing; the run will say why.
    }
    const stored = new Set(((await this.store?.listSecrets()) ?? []).map((s) => s.name));
    return names.filter((n) => this.options.env[ENV_PREFIX + n] === undefined && !Object.hasOwn(file, n) && !stored.has(n));
  }

  /** Every secret name this Cairn can resolve, with its source (the first one wins at run time). */
  async list(): Promise<SecretView[]> {
    const views = new Map<string, SecretView>();
    const stored: SecretListing[] = (await this.store?.listSecrets()) ?? [];
    for (const s of stored) views.set(s.name, { name: s.name, source: 'store', updatedAt: s.updatedAt, ...(s.updatedBy ? { updatedBy: s.updatedBy } : {}) });
    for (const name of Object.keys(this.readFile())) views.set(name, { name, source: 'file' });
    for (const key of Object.keys(this.options.env)) {
      const name = key.slice(ENV_PREFIX.length);
      if (key.startsWith(ENV_PREFIX) && SECRET_NAME.test(name)) views.set(name, { name, source: 'env' });
    }
    return [...views.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Store a secret, sealed under the master key. The value is never returned. */
  async set(name: string, value: string, by: string): Promise<void> {
    checkName(name);
    if (value === '') throw new CairnError('USAGE', `secret ${name}: the value is empty`);
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw new CairnError('USAGE', `secret ${name}: the value is over ${MAX_VALUE_BYTES / 1024} KiB`);
    await this.requireStore().putSecret({ name, sealed: this.seal(name, value), updatedAt: Date.now(), updatedBy: by });
  }

  async delete(name: string): Promise<void> {
    checkName(name);
    if (!(await this.requireStore().deleteSecret(name))) throw new CairnError('SECRET_NOT_FOUND', `no secret '${name}' in the store`, { name });
  }

  private requireStore(): Store {
    if (!this.store) throw new CairnError('STORE_UNAVAILABLE', 'secrets are kept in the store, and none is open');
    return this.store;
  }

  private seal(name: string, value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey(), iv);
    // The name is authenticated with the value: a sealed value moved to another name does not open.
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `${SEAL_VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  private open(name: string, sealed: string): string {
    const [version, data] = sealed.split(':', 2);
    if (version !== SEAL_VERSION || data === undefined) throw new SecretUnavailable(`secret ${name} in the store is in an unknown format (${version ?? 'none'})`);
    const raw = Buffer.from(data, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.masterKey(), raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (err) {
      if (err instanceof CairnError) throw new SecretUnavailable(err.message);
      throw new SecretUnavailable(`secret ${name} in the store does not open with this master key (a different CAIRN_MASTER_KEY than the one that set it?)`);
    }
  }

  private masterKey(): Buffer {
    const fromEnv = this.options.env['CAIRN_MASTER_KEY'];
    const file = this.options.keyFile ?? this.options.env['CAIRN_MASTER_KEY_FILE'];
    let text: string;
    let where: string;
    if (fromEnv !== undefined && fromEnv !== '') {
      text = fromEnv;
      where = 'CAIRN_MASTER_KEY';
    } else if (file) {
      checkPrivate(file, 'master key file');
      text = readFileSync(file, 'utf8');
      where = `the master key file ${file}`;
    } else {
      throw new CairnError(
        'SECRET_KEY_MISSING',
        'secrets kept in the store need a master key: set CAIRN_MASTER_KEY (base64 of 32 random bytes: `openssl rand -base64 32`) or `secrets.key_file` in cairn.yaml',
      );
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/=\s]+$/.test(text)) {
      throw new CairnError('SECRET_KEY_INVALID', `${where} is not a base64 key of 32 bytes (got ${key.length} bytes); make one with \`openssl rand -base64 32\``);
    }
    return key;
  }

  /** The secrets file, as NAME -> value; {} when none is configured. */
  private readFile(): Record<string, string> {
    const path = this.options.file;
    if (!path) return {};
    checkPrivate(path, 'secrets file');
    let data: unknown;
    try {
      data = parseYaml(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CairnError('SECRETS_FILE_INVALID', `cannot read the secrets file ${path}: ${(err as Error).message}`, { file: path });
    }
    if (data === null || data === undefined) return {};
    if (typeof data !== 'object' || Array.isArray(data)) throw new CairnError('SECRETS_FILE_INVALID', `the secrets file ${path} must be a mapping of NAME: value`, { file: path });
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
      if (!SECRET_NAME.test(name)) throw new CairnError('SECRETS_FILE_INVALID', `the secrets file ${path} has a bad name '${name}' (letters, digits and _, not starting with a digit)`, { file: path });
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new CairnError('SECRETS_FILE_INVALID', `the secrets file ${path}: ${name} must be a string`, { file: path });
      }
      out[name] = String(value);
    }
    return out;
  }
}

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) throw new CairnError('USAGE', `'${name}' is not a secret name: letters, digits and _, not starting with a digit (at most 128)`);
}

/** Like ssh with a private key: a file that group or others may read is refused. */
function checkPrivate(path: string, what: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    throw new CairnError(what === 'secrets file' ? 'SECRETS_FILE_INVALID' : 'SECRET_KEY_MISSING', `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path });
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new CairnError(
      'SECRETS_FILE_EXPOSED',
      `the ${what} ${path} may be read by ${mode & 0o070 ? 'its group' : 'others'} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); it is refused until only its owner can read it: chmod 600 ${path}`,
      { file: path },
    );
  }
}
