import { StoreError } from '../store.js';

/**
 * Turns SQLite's failures that a user can act on (another process holds the lock, the
 * file is not a database, the disk is full) into StoreErrors that name the file. Anything
 * else (a constraint violation, a bad statement) is a bug in Cairn and is rethrown as is.
 */
export function toStoreError(err: unknown, path: string, busyTimeoutMs: number): unknown {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err);
  if (code === undefined) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(
      `the store ${path} is locked by another process (still locked after waiting ${busyTimeoutMs} ms); ` +
        'wait for the other cairn command to finish, or stop it, then try again',
      'STORE_BUSY',
      { cause: err },
    );
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      `the store ${path} is not a usable Cairn database: the file is not SQLite or is damaged (${detail}); ` +
        'point --db or CAIRN_DB at another file, or move this one away',
      'STORE_CORRUPT',
      { cause: err },
    );
  }
  if (code.startsWith('SQLITE_FULL')) {
    // The transaction was rolled back: nothing of it was written, and what was acknowledged before stays.
    return new StoreError(`the disk holding the store ${path} is full: nothing was written; free some space and try again`, 'STORE_FULL', { cause: err });
  }
  if (UNAVAILABLE.some((prefix) => code.startsWith(prefix))) {
    return new StoreError(`cannot use the store ${path}: ${detail}`, 'STORE_UNAVAILABLE', { cause: err });
  }
  return err;
}

const UNAVAILABLE = ['SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_PERM', 'SQLITE_AUTH'];

function sqliteCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}
