import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreError } from '../store.js';
import { LATEST_VERSION } from './migrations/index.js';
import { pinDatabase } from './native-lifetime.js';
import { readPragma, setPragma } from './pragma.js';

/*
 * Backup and restore of the embedded store (docs/durability.md). A backup uses SQLite's
 * online backup API on a connection of its own: runs go on writing meanwhile. A restore
 * checks the file is a Cairn store, releases every lease in a copy (the processes recorded
 * in the backup do not run against it), and renames the copy over the store.
 */

/** Copy the store at `path` into `dest` (a new file), consistent as of one moment. */
export async function backupSqlite(path: string, dest: string): Promise<{ pages: number }> {
  const db = pinDatabase(new Database(path, { fileMustExist: true, timeout: 5000 }));
  try {
    const partial = `${dest}.partial`;
    rmSync(partial, { force: true });
    // Everything left in one step after the first: a step that writers interrupt starts
    // over, so small steps might never finish while runs are busy.
    const progress = await db.backup(partial, { progress: () => 0x7fffffff });
    syncFile(partial);
    renameSync(partial, dest);
    return { pages: progress.totalPages };
  } finally {
    db.close();
  }
}

/** What a restore looks at: the schema version, and that it is whole. */
export function inspectSqliteStore(file: string): { version: number; runs: number } {
  let db: Database.Database | undefined;
  try {
    db = pinDatabase(new Database(file, { readonly: true, fileMustExist: true }));
    const check = readPragma(db, 'quick_check');
    if (check !== 'ok') throw new StoreError(`${file} is damaged (quick_check: ${String(check)})`, 'STORE_CORRUPT');
    const version = readPragma(db, 'user_version') as number;
    const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'events', 'schema_migrations')").pluck().all();
    if (version < 1 || tables.length < 3) throw new StoreError(`${file} is a SQLite database, but not a Cairn store (no Cairn schema in it)`, 'STORE_CORRUPT');
    if (version > LATEST_VERSION) throw new StoreError(`${file} has schema version ${version}; this Cairn knows up to ${LATEST_VERSION}: upgrade Cairn to restore it`, 'STORE_VERSION');
    const runs = db.prepare<[], number>('SELECT count(*) FROM runs').pluck().get() ?? 0;
    return { version, runs };
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError(`${file} is not a Cairn store: ${(err as Error).message}`, 'STORE_CORRUPT', { cause: err });
  } finally {
    db?.close();
  }
}

/**
 * Replace the store at `target` with the backup `file`. The caller has made sure no live
 * process holds `target`. The old store is kept as `<target>.before-restore`.
 */
export function restoreSqlite(file: string, target: string): { kept?: string } {
  const staging = `${target}.restoring`;
  rmSync(staging, { force: true });
  copyFileSync(file, staging);
  const db = pinDatabase(new Database(staging, { fileMustExist: true }));
  try {
    // No process of the backup's time runs against the copy: free its runs, locks and
    // process records (those pids may belong to live processes of the original store).
    db.exec('BEGIN IMMEDIATE; UPDATE runs SET owner_id = NULL, lease_expires_at = NULL; DELETE FROM owners; DELETE FROM processes; DELETE FROM lock_holds; DELETE FROM lock_waiters; COMMIT;');
    setPragma(db, 'journal_mode = DELETE');
  } finally {
    db.close();
  }
  syncFile(staging);
  let kept: string | undefined;
  if (existsSync(target)) {
    // Fold the old store's WAL into it first: a WAL left beside the new file would be
    // replayed into it.
    const old = pinDatabase(new Database(target, { fileMustExist: true, timeout: 5000 }));
    try {
      setPragma(old, 'wal_checkpoint(TRUNCATE)');
    } finally {
      old.close();
    }
    kept = `${target}.before-restore`;
    copyFileSync(target, kept);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  renameSync(staging, target);
  return kept ? { kept } : {};
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
