import pg from 'pg';
import { toStoreError } from './errors.js';
import { migrate } from './migrate.js';

export interface PostgresStoreOptions {
  /** Most connections the store holds open at once (default 10). */
  maxConnections?: number;
  /** How long to wait for a connection before STORE_UNAVAILABLE (default 5000 ms). */
  connectTimeoutMs?: number;
}

/** BIGINT (int8) columns hold milliseconds and ids, all well within a double's exact range. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Opens a pool on `url` and brings the schema up to date. Failures the user can act on
 * (server down, no such database, login refused) come out as StoreErrors naming the server.
 */
export async function openPool(url: string, where: string, opts: PostgresStoreOptions): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    types,
    application_name: 'cairn',
  });
  // An idle connection that the server drops must not crash the process: the next query
  // gets a fresh one (or a STORE_UNAVAILABLE if the server is gone).
  pool.on('error', () => {});
  try {
    await migrate(pool, where);
    return pool;
  } catch (err) {
    await pool.end().catch(() => {});
    throw toStoreError(err, where);
  }
}

/** `postgres://user@host:port/db`, without the password, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username === '' ? '' : `${decodeURIComponent(u.username)}@`;
    const host = u.hostname === '' ? 'localhost' : u.hostname;
    return `postgres://${user}${host}:${u.port === '' ? '5432' : u.port}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
