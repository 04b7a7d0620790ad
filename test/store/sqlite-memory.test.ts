import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { pinDatabase } from '../../src/store/sqlite/native-lifetime.js';
import { setPragma } from '../../src/store/sqlite/pragma.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** What only the SQLite store has to show about memory: its migration and its FTS index. */
describe('SQLite memory', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-memory-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('upgrades a version 1 store, keeping its data, and then remembers', async () => {
    const path = join(dir, 'cairn.db');
    const raw = pinDatabase(new Database(path));
    const first = MIGRATIONS[0];
    if (first === undefined) throw new Error('no migrations');
    raw.exec(first.sql);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, ?, 0)').run(first.name);
    raw
      .prepare("INSERT INTO definitions (hash, workflow_id, version, source, format, created_at) VALUES ('h1', 'wf', '1', 'x', 'yaml', 0)")
      .run();
    setPragma(raw, 'user_version = 1');
    raw.close();

    const store = openSqliteStore(path);
    try {
      expect((await store.getDefinition('h1'))?.workflowId).toBe('wf');
      const stored = await store.addNote({ text: 'migrated store remembers', tags: [] });
      expect((await store.searchNotes('migrated')).map((h) => h.id)).toStrictEqual([stored.id]);
    } finally {
      await store.close();
    }
  });

  it('keeps the FTS index in step with the notes, across reopen', async () => {
    const path = join(dir, 'cairn.db');
    const store = openSqliteStore(path);
    for (let i = 0; i < 50; i++) await store.addNote({ text: `note ${i} about disks`, category: i % 2 ? 'odd' : 'even', tags: [`t${i}`] });
    await store.close();

    const raw = pinDatabase(new Database(path));
    try {
      // FTS5 compares its index with the content table; it throws when they disagree.
      raw.prepare("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)").run();
      raw.prepare("UPDATE notes SET text = 'rewritten entirely' WHERE id = 1").run();
      raw.prepare('DELETE FROM notes WHERE id = 2').run();
      raw.prepare("INSERT INTO notes_fts (notes_fts, rank) VALUES ('integrity-check', 1)").run();
    } finally {
      raw.close();
    }

    const reopened = openSqliteStore(path);
    try {
      expect((await reopened.searchNotes('rewritten')).map((h) => h.id)).toStrictEqual([1]);
      // Note 2 (tag t1) is gone; t1 is not the last word, so t10..t19 do not match.
      expect(await reopened.searchNotes('t1 zzz')).toStrictEqual([]);
      expect((await reopened.searchNotes('t3 zzz')).map((h) => h.id)).toStrictEqual([4]);
      expect(await reopened.searchNotes('disks', { limit: 100 })).toHaveLength(48);
    } finally {
      await reopened.close();
    }
  });
});
