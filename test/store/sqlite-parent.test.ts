import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { pinDatabase } from '../../src/store/sqlite/native-lifetime.js';
import { setPragma } from '../../src/store/sqlite/pragma.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createdEvent, makeRun } from './builders.js';

/** What only the SQLite store has to show about sub-workflow links: their migration and index. */
describe('SQLite parent links', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-parent-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('upgrades a version 3 store: old runs have no parent, new ones can', async () => {
    const path = join(dir, 'cairn.db');
    const raw = pinDatabase(new Database(path));
    for (const m of MIGRATIONS.filter((m) => m.version <= 3)) {
      raw.exec(m.sql);
      raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)').run(m.version, m.name);
    }
    raw
      .prepare("INSERT INTO runs (id, workflow_id, workflow_name, definition_hash, status, parameters, created_at) VALUES ('old', 'wf', 'wf', 'h', 'succeeded', '{}', 1)")
      .run();
    setPragma(raw, 'user_version = 3');
    raw.close();

    const store = openSqliteStore(path);
    try {
      const old = await store.getRun('old');
      expect(old?.status).toBe('succeeded');
      expect(old && 'parent' in old).toBe(false);
      const child = makeRun('child', { parent: { runId: 'old', step: 'sub' } });
      await store.createRun(child, [createdEvent(child)]);
      expect((await store.listRuns({ parentRunId: 'old' })).map((r) => r.id)).toStrictEqual(['child']);
    } finally {
      await store.close();
    }
  });

  it('answers "the children of a run" from the partial index', async () => {
    const path = join(dir, 'cairn.db');
    await openSqliteStore(path).close();
    const raw = pinDatabase(new Database(path, { readonly: true }));
    try {
      const plan = raw
        .prepare<[], { detail: string }>("EXPLAIN QUERY PLAN SELECT id FROM runs WHERE parent_run_id = 'p' ORDER BY created_at DESC, id DESC")
        .all()
        .map((r) => r.detail)
        .join('\n');
      expect(plan).toMatch(/runs_by_parent/);
    } finally {
      raw.close();
    }
  });
});
