import { isAbsolute, join, resolve } from 'node:path';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
import { StoreError, type Store } from './store.js';

export type StoreOptions = SqliteStoreOptions;

/**
 * Opens the store at `location`: a `postgres://` or `postgresql://` URL means PostgreSQL,
 * anything else is the path of a SQLite file (created with its directory if missing).
 */
export async function openStore(location: string, opts: StoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(location)) {
    throw new StoreError(
      'PostgreSQL support comes in a later release of Cairn; for now use a SQLite file path ' +
        '(--db .cairn/cairn.db, or leave --db and CAIRN_DB unset)',
      'STORE_UNAVAILABLE',
    );
  }
  return openSqliteStore(location, opts);
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Where the store is when no `--db` flag was given (the caller handles the flag):
 * `CAIRN_DB` if set, else `.cairn/cairn.db` under `cwd`. A relative path is resolved
 * against `cwd` so the answer does not change if the process changes directory later.
 */
export function defaultStoreLocation(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env['CAIRN_DB'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isPostgresUrl(fromEnv) || fromEnv === ':memory:' || isAbsolute(fromEnv)) return fromEnv;
    return resolve(cwd, fromEnv);
  }
  return join(cwd, '.cairn', 'cairn.db');
}
