import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A throwaway PostgreSQL database per test file (or worker), so test files run in parallel
 * against one server. The server is the machine's own, on loopback with trust auth;
 * CAIRN_TEST_PG_URL points elsewhere (its database is the admin one, used to create and
 * drop the test databases).
 */
export const ADMIN_URL = process.env['CAIRN_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection URL of the fresh database. */
  url: string;
  name: string;
  /** Empties every Cairn table (keeping the schema), so the next case starts from an empty store. */
  reset(): Promise<void>;
  drop(): Promise<void>;
}

const HOW_TO_START =
  'PostgreSQL is needed for these tests and is not reachable at ' +
  `${redact(ADMIN_URL)}. Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ` +
  '(or set CAIRN_TEST_PG_URL to a server where the user may CREATE DATABASE)';

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`${HOW_TO_START}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const name = `cairn_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(ADMIN_URL, name);
  let resetter: pg.Client | undefined;
  return {
    url,
    name,
    async reset() {
      if (resetter === undefined) {
        resetter = new pg.Client({ connectionString: url });
        await resetter.connect();
      }
      const { rows } = await resetter.query<{ t: string }>(
        "SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'cairn_schema_migrations'",
      );
      // DELETE, not TRUNCATE: on tables this small it is a hundred times faster (TRUNCATE
      // makes new files for every table). Identities go on counting; no case depends on them.
      if (rows.length > 0) await resetter.query(`BEGIN; ${rows.map((r) => `DELETE FROM ${r.t};`).join(' ')} COMMIT`);
    },
    async drop() {
      await resetter?.end();
      const again = new pg.Client({ connectionString: ADMIN_URL });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return '(unparsable CAIRN_TEST_PG_URL)';
  }
}
