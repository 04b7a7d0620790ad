import type pg from 'pg';

/** How often a transaction that PostgreSQL chose as a deadlock victim is tried again. */
const DEADLOCK_RETRIES = 3;

/**
 * Runs `work` in one transaction on one connection: COMMIT when it returns, ROLLBACK when
 * it throws. Rows are locked in a fixed order, so deadlocks should not happen; should one
 * happen anyway (40P01), the rolled-back transaction is simply run again.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(pool, work);
    } catch (err) {
      if (attempt > DEADLOCK_RETRIES || (err as { code?: unknown }).code !== '40P01') throw err;
    }
  }
}

async function once<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  } finally {
    client.release();
  }
}

/**
 * Advisory transaction locks: held until COMMIT or ROLLBACK. The feed lock serializes every
 * transaction that writes events, so that feed ids (an identity, handed out at INSERT but
 * visible only at COMMIT) become visible in the order they were handed out: a reader that
 * saw cursor N can never later see a new event below N. It costs concurrency between event
 * writers, which group commit already batches; a cluster with many nodes may later replace
 * it with a visibility rule on transaction ids. The locks lock keeps the lock table's
 * read-decide-write one step for every process.
 */
export const FEED_LOCK = '7161132893642752001';
export const LOCKS_LOCK = '7161132893642752002';

export async function takeLock(client: pg.PoolClient, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
}
