import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeEach } from 'vitest';
import { createTestDatabase, type TestDatabase } from './postgres-database.js';

/**
 * Which store the integration tests (app, runtime, server, cli, webhooks, triggers, mcp,
 * actions) run on: SQLite by default, PostgreSQL with CAIRN_TEST_STORE=postgres (the
 * server at CAIRN_TEST_PG_URL, see postgres-database.ts).
 *
 * On PostgreSQL each test file gets a fresh database, dropped when the file ends, and every
 * store location asked for is a fresh schema in it (`?options=-c search_path=...`), so
 * each workspace starts empty as a new SQLite file would. Schemas, not databases, per
 * location: CREATE DATABASE costs most of a second, CREATE SCHEMA almost nothing.
 */
export const TEST_STORE: 'sqlite' | 'postgres' = parseKind(process.env['CAIRN_TEST_STORE']);

/** For `it.skipIf(onPostgres)` on the few cases about a SQLite file itself. */
export const onPostgres = TEST_STORE === 'postgres';

/**
 * The store location for `name` in `dir`: that SQLite file, or on PostgreSQL a URL to a
 * schema of its own, the same one each time it is asked for the same dir and name (as the
 * file would be). Synchronous, as harnesses build locations in constructors; the schemas
 * are made ahead (see `stock`).
 */
export function testStoreLocation(dir: string, name = 'cairn.db'): string {
  const path = join(dir, name);
  if (!onPostgres) return path;
  const known = given.get(path);
  if (known !== undefined) return known;
  const schema = spare.shift();
  if (schema === undefined || database === undefined) {
    throw new Error(`test-store: more than ${STOCK} fresh PostgreSQL stores in one test case; raise STOCK in test/store/test-store.ts`);
  }
  const url = withSchema(database.url, schema);
  given.set(path, url);
  return url;
}

/** Fresh schemas ready to hand out; topped up before every case. */
const STOCK = 24;
const spare: string[] = [];
let made = 0;
const given = new Map<string, string>();
let database: TestDatabase | undefined;
let admin: pg.Client | undefined;

async function stock(): Promise<void> {
  if (database === undefined || spare.length >= STOCK) return;
  admin ??= await connect(database.url);
  const names: string[] = [];
  while (spare.length + names.length < STOCK) names.push(`cairn_${++made}`);
  await admin.query(names.map((n) => `CREATE SCHEMA ${n};`).join(' '));
  spare.push(...names);
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

function parseKind(value: string | undefined): 'sqlite' | 'postgres' {
  if (value === undefined || value === '' || value === 'sqlite') return 'sqlite';
  if (value === 'postgres' || value === 'postgresql') return 'postgres';
  throw new Error(`CAIRN_TEST_STORE must be sqlite or postgres, not ${JSON.stringify(value)}`);
}

if (onPostgres) {
  // Evaluated while vitest collects the test file that imports this (directly or through
  // a harness), so these hooks belong to that file; the module is fresh for every file.
  database = await createTestDatabase();
  await stock();
  beforeEach(stock);
  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });
}
