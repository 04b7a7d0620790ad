import type pg from 'pg';
import { StoreError } from '../store.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations/index.js';

/** Advisory lock key taken while migrating, so two processes opening a fresh database do not both migrate it. */
const MIGRATE_LOCK = 0x6361_6972_6e00_01n;

/**
 * Brings the schema (in the connection's current schema) up to LATEST_VERSION, in one
 * transaction: PostgreSQL's DDL is transactional, so a failed step leaves nothing behind.
 * `cairn_schema_migrations` is the authority and records when each step ran.
 */
export async function migrate(pool: pg.Pool, where: string): Promise<void> {
  const client = await pool.connect();
  try {
    if ((await currentVersion(client, where)) === LATEST_VERSION) return;
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK.toString()]);
      await client.query('CREATE TABLE IF NOT EXISTS cairn_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const current = await currentVersion(client, where);
      if (current === 0) await checkEmpty(client, where);
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO cairn_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  } finally {
    client.release();
  }
}

async function currentVersion(client: pg.PoolClient, where: string): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('cairn_schema_migrations')::text AS t");
  if (exists.rows[0]?.t === null || exists.rows[0]?.t === undefined) return 0;
  const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM cairn_schema_migrations');
  const version = rows[0]?.v ?? 0;
  if (version > LATEST_VERSION) {
    throw new StoreError(
      `the store ${where} has schema version ${version}, but this Cairn knows only up to version ${LATEST_VERSION}; ` +
        'it was written by a newer Cairn: upgrade Cairn to open it',
      'STORE_VERSION',
    );
  }
  return version;
}

/** A schema with tables but no Cairn version belongs to another program: leave it alone. */
async function checkEmpty(client: pg.PoolClient, where: string): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'cairn_schema_migrations' ORDER BY 1 LIMIT 3",
  );
  if (rows.length > 0) {
    throw new StoreError(
      `the database ${where} holds tables of another program (such as ${rows.map((r) => r.name).join(', ')}), not a Cairn store; ` +
        'give Cairn a database (or schema, with ?options=-c%20search_path%3Dcairn) of its own',
      'STORE_CORRUPT',
    );
  }
}
