import type { Database } from 'better-sqlite3';
import { StoreError } from '../store.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations/index.js';
import { readPragma, setPragma } from './pragma.js';

/**
 * Brings the schema up to LATEST_VERSION. `user_version` is the authority (one read, no
 * table needed); `schema_migrations` records when each step ran, for people. Runs under
 * BEGIN IMMEDIATE so two processes opening a fresh file do not both migrate it.
 */
export function migrate(db: Database, path: string): void {
  if (checkVersion(db, path) === LATEST_VERSION) return;
  db.transaction(() => {
    const current = checkVersion(db, path);
    if (current === 0) checkEmpty(db, path);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      // Prepared after the first migration has created the table.
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.name, Date.now());
    }
    setPragma(db, `user_version = ${LATEST_VERSION}`);
  }).immediate();
}

function checkVersion(db: Database, path: string): number {
  const version = readPragma(db, 'user_version') as number;
  if (version > LATEST_VERSION) {
    throw new StoreError(
      `the store ${path} has schema version ${version}, but this Cairn knows only up to version ${LATEST_VERSION}; ` +
        'it was written by a newer Cairn: upgrade Cairn to open it',
      'STORE_VERSION',
    );
  }
  return version;
}

/** Version 0 with tables of its own is some other program's database: leave it alone. */
function checkEmpty(db: Database, path: string): void {
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' LIMIT 3")
    .pluck()
    .all();
  if (tables.length > 0) {
    throw new StoreError(
      `the file ${path} is a SQLite database of another program (it has tables such as ${tables.join(', ')}), ` +
        'not a Cairn store; point --db or CAIRN_DB at another file',
      'STORE_CORRUPT',
    );
  }
}
