import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../store.js';
import { toStoreError } from './errors.js';
import { migrate } from './migrate.js';
import { pinDatabase } from './native-lifetime.js';
import { setPragma } from './pragma.js';

export interface SqliteStoreOptions {
  /**
   * How hard SQLite syncs to disk. In WAL mode:
   * - `normal` (default): a commit is safe against a crash or `kill -9` of the process;
   *   a power loss or OS crash may lose the last transactions, never corrupt the file.
   *   WAL then syncs only at checkpoints, which is what lets group commit reach
   *   thousands of steps per second.
   * - `full`: also syncs the WAL on every commit, so commits survive a power loss, at
   *   the cost of one fsync per transaction.
   * - `extra`: `full` plus a sync of the directory when the journal is deleted.
   * - `off`: no syncs at all; for throwaway stores and tests only.
   */
  synchronous?: 'off' | 'normal' | 'full' | 'extra';
  /** How long a write waits for another process's lock before STORE_BUSY (default 5000 ms). */
  busyTimeoutMs?: number;
}

const SYNCHRONOUS = ['off', 'normal', 'full', 'extra'] as const;

/**
 * Opens (creating if needed) the database file with WAL, foreign keys and the busy
 * timeout, and migrates it. Failures the user can act on come out as StoreErrors.
 */
export function openDatabase(path: string, opts: SqliteStoreOptions): Database.Database {
  const synchronous = opts.synchronous ?? 'normal';
  if (!SYNCHRONOUS.includes(synchronous)) {
    throw new TypeError(`synchronous must be one of ${SYNCHRONOUS.join(', ')}, not ${String(synchronous)}`);
  }
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  let db: Database.Database | undefined;
  try {
    if (!isMemory(path)) mkdirSync(dirname(path), { recursive: true });
    // `timeout` is better-sqlite3's busy_timeout: how long to retry a locked database.
    db = pinDatabase(new Database(path, { timeout: busyTimeoutMs }));
    setPragma(db, 'journal_mode = WAL');
    setPragma(db, `synchronous = ${synchronous}`);
    setPragma(db, 'foreign_keys = ON');
    migrate(db, path);
    return db;
  } catch (err) {
    db?.close();
    throw withPath(toStoreError(err, path, busyTimeoutMs), path);
  }
}

function isMemory(path: string): boolean {
  return path === ':memory:' || path === '';
}

/** A file-system error (creating the directory) is the store being unavailable, too. */
function withPath(err: unknown, path: string): unknown {
  if (err instanceof Error && 'syscall' in err) {
    return new StoreError(`cannot open the store ${path}: ${err.message}`, 'STORE_UNAVAILABLE', { cause: err });
  }
  return err;
}
