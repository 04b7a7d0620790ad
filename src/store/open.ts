import { isAbsolute, join, resolve } from 'node:path';
import type { PostgresStoreOptions } from './postgres/postgres-store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Options of both stores; each reads its own and ignores the other's. */
export type StoreOptions = SqliteStoreOptions & PostgresStoreOptions;

/**
 * Opens the store at `location`: a `postgres://` or `postgresql://` URL means PostgreSQL,
 * anything else is the path of a SQLite file (created with its directory if missing).
 */
export async function openStore(location: string, opts: StoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(location)) {
    // Loaded only when asked for: SQLite users never pay for loading the pg driver.
    const { openPostgresStore } = await import('./postgres/postgres-store.js');
    return openPostgresStore(location, opts);
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
