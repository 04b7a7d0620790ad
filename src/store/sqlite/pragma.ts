import type { Database } from 'better-sqlite3';

/**
 * PRAGMAs go through prepare()/exec(), never better-sqlite3's db.pragma(), whose
 * throwaway statements would reach the garbage collector (see native-lifetime.ts).
 */
export function readPragma(db: Database, name: string): unknown {
  return db.prepare(`PRAGMA ${name}`).pluck().get();
}

export function setPragma(db: Database, assignment: string): void {
  db.exec(`PRAGMA ${assignment}`);
}
