import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isOwnerDead } from '../runtime/owner.js';
import { defaultStoreLocation, isPostgresUrl, openStore } from '../store/open.js';
import { loadSettings } from './settings.js';
import { backupSqlite, inspectSqliteStore, restoreSqlite } from '../store/sqlite/backup.js';
import { StoreError } from '../store/store.js';
import { CairnError } from './errors.js';

/*
 * `cairn backup FILE` and `cairn restore FILE` (docs/durability.md, "Backups"). SQLite only:
 * a PostgreSQL store is backed up with PostgreSQL's own tools, which the message spells out.
 */

const PG_GUIDANCE =
  'back it up with PostgreSQL\'s tools: `pg_dump --format=custom --file=cairn.dump "$DATABASE_URL"` ' +
  '(consistent while Cairn runs), and restore with `pg_restore --clean --if-exists --dbname="$DATABASE_URL" cairn.dump` ' +
  'after stopping every Cairn process that uses it';

export interface BackupReport {
  file: string;
  bytes?: number;
  pages: number;
}

export interface RestoreReport {
  file: string;
  store: string;
  runs: number;
  schemaVersion: number;
  /** Where the store that was replaced is kept. */
  kept?: string;
}

/** Copy the store at `location` into `file` while it is in use. Refuses an existing `file` unless `force`. */
export async function backupStore(location: string, file: string, opts: { force?: boolean; cwd?: string } = {}): Promise<BackupReport> {
  if (isPostgresUrl(location)) throw new CairnError('BACKUP_REFUSED', `the store is PostgreSQL: ${PG_GUIDANCE}`, { store: 'postgres' });
  const dest = resolve(opts.cwd ?? process.cwd(), file);
  if (resolve(location) === dest) throw new CairnError('BACKUP_REFUSED', `${file} is the store itself; back up to another file`);
  if (!existsSync(location)) throw new CairnError('STORE_UNAVAILABLE', `there is no store at ${location}`);
  if (existsSync(dest) && !opts.force) throw new CairnError('BACKUP_REFUSED', `${file} exists; give another name, or --force to replace it`, { file });
  try {
    const { pages } = await backupSqlite(location, dest);
    return { file: dest, pages };
  } catch (err) {
    throw asCairn(err, `cannot back up to ${file}`);
  }
}

/**
 * Replace the store at `location` with the backup `file`: refused while a live Cairn
 * process (a server, a run, a worker) uses the store, or when `file` is not a Cairn store.
 */
export async function restoreStore(location: string, file: string, opts: { cwd?: string } = {}): Promise<RestoreReport> {
  if (isPostgresUrl(location)) throw new CairnError('RESTORE_REFUSED', `the store is PostgreSQL: ${PG_GUIDANCE}`, { store: 'postgres' });
  const source = resolve(opts.cwd ?? process.cwd(), file);
  if (!existsSync(source)) throw new CairnError('RESTORE_REFUSED', `there is no file ${file}`, { file });
  if (resolve(location) === source) throw new CairnError('RESTORE_REFUSED', `${file} is the store itself`);
  let inspected: { version: number; runs: number };
  try {
    inspected = inspectSqliteStore(source);
  } catch (err) {
    if (err instanceof StoreError) throw new CairnError('RESTORE_REFUSED', err.message, { file });
    throw err;
  }
  if (existsSync(location)) await refuseIfHeld(location);
  try {
    const { kept } = restoreSqlite(source, location);
    return { file: source, store: location, runs: inspected.runs, schemaVersion: inspected.version, ...(kept ? { kept } : {}) };
  } catch (err) {
    throw asCairn(err, `cannot restore into ${location}`);
  }
}

async function refuseIfHeld(location: string): Promise<void> {
  const store = await openStore(location);
  try {
    const live = (await store.listOwners()).filter((o) => !isOwnerDead(o) && o.heartbeatAt > Date.now() - 60_000);
    if (live.length > 0) {
      const who = live.map((o) => `pid ${o.pid} on ${o.host}`).join(', ');
      throw new CairnError('RESTORE_REFUSED', `a Cairn process uses this store (${who}); stop it (cairn serve, runs, workers) before restoring`, { owners: live.map((o) => o.id) });
    }
  } finally {
    await store.close();
  }
}

function asCairn(err: unknown, what: string): unknown {
  if (err instanceof CairnError) return err;
  if (err instanceof StoreError) return new CairnError(err.code, `${what}: ${err.message}`);
  if (err instanceof Error) return new CairnError('STORE_UNAVAILABLE', `${what}: ${err.message}`);
  return err;
}

/** Where the store is, as `Cairn.open` would find it (flags, cairn.yaml, CAIRN_DB), without opening it. */
export async function storeLocationOf(opts: { db?: string; config?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const config = await loadSettings({ cwd, env, ...(opts.config ? { configPath: opts.config } : {}), ...(opts.db ? { flags: { db: opts.db } } : {}) });
  return config.store.path ?? defaultStoreLocation(env, cwd);
}
