import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { LATEST_VERSION } from '../../src/store/postgres/migrations/index.js';
import { StoreError } from '../../src/store/store.js';
import { createdEvent, makeRun, startedEvents } from './builders.js';
import { describeStoreConformance } from './conformance.js';
import { createTestDatabase, type TestDatabase } from './postgres-database.js';

/*
 * The store conformance suite on PostgreSQL, then what only a shared server can show:
 * several stores (as several processes would) racing on one database. A fresh database
 * per test file; each case empties its tables. No PostgreSQL is a failure that says how
 * to start one, never a silent skip.
 */

let db: TestDatabase | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  // Migrate once; each case then only empties the tables.
  await (await openPostgresStore(db.url)).close();
});

afterAll(async () => {
  await db?.drop();
});

function testDb(): TestDatabase {
  if (db === undefined) throw new Error('no test database (see the beforeAll error above)');
  return db;
}

describeStoreConformance('postgres', async () => {
  await testDb().reset();
  const store = await openPostgresStore(testDb().url, { maxConnections: 4 });
  return {
    store,
    async cleanup() {
      await store.close();
    },
  };
});

describe('PostgreSQL store', () => {
  const open: PostgresStore[] = [];
  beforeEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await testDb().reset();
  });
  afterAll(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  async function store(url = testDb().url): Promise<PostgresStore> {
    const s = await openPostgresStore(url, { maxConnections: 4 });
    open.push(s);
    return s;
  }

  async function storeError(work: Promise<unknown>): Promise<StoreError> {
    const err = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }

  /** A URL whose connections use their own schema: a second, empty store in the same database. */
  async function schemaUrl(schema: string): Promise<string> {
    const admin = new pg.Client({ connectionString: testDb().url });
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.query(`CREATE SCHEMA ${schema}`);
    } finally {
      await admin.end();
    }
    const u = new URL(testDb().url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  }

  it('opens through openStore for postgres:// and postgresql:// URLs, without the password in its location', async () => {
    const u = new URL(testDb().url);
    u.password = 'secret';
    for (const scheme of ['postgres:', 'postgresql:']) {
      u.protocol = scheme;
      const s = await openStore(u.toString());
      try {
        expect(s.location).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5432\/cairn_test_/);
        expect(s.location).not.toContain('secret');
        expect(await s.countRuns()).toEqual({});
      } finally {
        await s.close();
      }
    }
  });

  it('says how to start the server when nothing listens, naming host and port', async () => {
    const err = await storeError(openPostgresStore('postgres://postgres@127.0.0.1:1/cairn'));
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).toContain('pg_ctlcluster');
  });

  it('names a database that does not exist', async () => {
    const u = new URL(testDb().url);
    u.pathname = '/cairn_no_such_database';
    const err = await storeError(openPostgresStore(u.toString()));
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.message).toMatch(/no such database/);
  });

  it("refuses another program's tables and a newer schema, leaving them untouched", async () => {
    const other = await schemaUrl('other_program');
    const raw = new pg.Client({ connectionString: other });
    await raw.connect();
    try {
      await raw.query('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
      const err = await storeError(openPostgresStore(other));
      expect(err.code).toBe('STORE_CORRUPT');
      expect(err.message).toContain('invoices');
      expect((await raw.query("SELECT tablename FROM pg_tables WHERE schemaname = 'other_program'")).rows).toEqual([{ tablename: 'invoices' }]);

      const newer = await schemaUrl('newer_cairn');
      await (await openPostgresStore(newer)).close();
      await raw.query('INSERT INTO newer_cairn.cairn_schema_migrations (version, name, applied_at) VALUES ($1, $2, 0)', [LATEST_VERSION + 1, 'future']);
      const err2 = await storeError(openPostgresStore(newer));
      expect(err2.code).toBe('STORE_VERSION');
      expect(err2.message).toMatch(/newer Cairn/);
    } finally {
      await raw.end();
    }
  });

  it('migrates a fresh schema once when several processes open it at the same moment', async () => {
    const url = await schemaUrl('fresh_race');
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(url)));
    open.push(...stores);
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      expect((await raw.query('SELECT version FROM cairn_schema_migrations ORDER BY version')).rows.map((r: { version: number }) => r.version)).toEqual(
        Array.from({ length: LATEST_VERSION }, (_, i) => i + 1),
      );
    } finally {
      await raw.end();
    }
  });

  it('lets exactly one of two stores start a run with a given start key', async () => {
    const [one, two] = [await store(), await store()];
    for (let round = 0; round < 10; round++) {
      const key = `cron:x:${round}`;
      const results = await Promise.allSettled(
        [one, two].map((s, i) => s.createRun(makeRun(`r${round}-${i}`), [createdEvent(makeRun(`r${round}-${i}`))], undefined, { startKey: key })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected');
      expect((failed as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE_DUPLICATE' });
    }
    expect(Object.values(await one.countRuns()).reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('never lets a feed reader miss an event while several stores commit at once', async () => {
    const writers = [await store(), await store(), await store()];
    const reader = await store();
    const runs = writers.map((_, i) => makeRun(`w${i}`));
    for (const [i, run] of runs.entries()) await writers[i]?.createRun(run, [createdEvent(run)]);
    const perWriter = 40;
    let done = false;
    const seen: number[] = [];
    const reading = (async () => {
      let after = 0;
      for (;;) {
        const finished = done;
        const page = await reader.readFeed({ after, limit: 1000 });
        for (const e of page) seen.push(e.cursor);
        after = page.at(-1)?.cursor ?? after;
        if (finished && page.length === 0) return;
      }
    })();
    await Promise.all(
      writers.map(async (w, i) => {
        for (let n = 0; n < perWriter; n++) await w.commit([{ runId: `w${i}`, events: startedEvents(`w${i}`, 2 + n * 3, 3), steps: [] }]);
      }),
    );
    done = true;
    await reading;
    const all = (await reader.readFeed({ after: 0, limit: 10_000 })).map((e) => e.cursor);
    expect(all).toHaveLength(writers.length * (1 + perWriter * 3));
    // What the reader saw while writers raced is the whole feed, in order: none skipped.
    expect(seen).toEqual(all);
  });

  it('hands each run and each due delivery to exactly one of several claimers', async () => {
    const claimers = [await store(), await store(), await store()];
    const first = claimers[0] as PostgresStore;
    for (let i = 0; i < 60; i++) await first.createRun(makeRun(`r${i}`, { createdAt: i }), []);
    await first.putWebhook({ id: 'w1', url: 'https://example.com/hook', events: ['*'], secret: 'whsec_AAAA', createdAt: 1 });
    const deliveries = Array.from({ length: 60 }, (_, i) => ({ id: `m${i}`, webhookId: 'w1', eventType: 'workflow.failed', payload: '{}', createdAt: i }));
    await first.enqueueDeliveries('webhooks', 1, deliveries);

    const claimedRuns = await Promise.all(
      claimers.map(async (s, i) => {
        const got: string[] = [];
        for (;;) {
          const claims = await s.claimRuns(`owner-${i}`, { leaseMs: 60_000, limit: 3 });
          if (claims.length === 0) return got;
          got.push(...claims.map((c) => c.runId));
        }
      }),
    );
    expect(claimedRuns.flat().sort()).toEqual(Array.from({ length: 60 }, (_, i) => `r${i}`).sort());

    const claimedDeliveries = await Promise.all(
      claimers.map(async (s) => {
        const got: string[] = [];
        for (;;) {
          const batch = await s.claimDeliveries(1_000, 60_000, 4);
          if (batch.length === 0) return got;
          got.push(...batch.map((d) => d.id));
        }
      }),
    );
    expect(claimedDeliveries.flat().sort()).toEqual(deliveries.map((d) => d.id).sort());
  });

  it('lets commits and heartbeats of one owner run at once without deadlocking', async () => {
    const [committer, beater] = [await store(), await store()];
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    for (const id of ids) await committer.createRun(makeRun(id), [createdEvent(makeRun(id))], { ownerId: 'A', leaseMs: 60_000 });
    let beating = true;
    const beats = (async () => {
      while (beating) await beater.heartbeat('A', 60_000);
    })();
    for (let round = 0; round < 15; round++) {
      // Batches in a different order each round: the store locks in its own order.
      const order = round % 2 === 0 ? ids : [...ids].reverse();
      const result = await committer.commit(order.map((runId) => ({ runId, lease: { ownerId: 'A', token: 1 }, events: startedEvents(runId, 2 + round, 1), steps: [] })));
      expect(result.refused).toEqual([]);
    }
    beating = false;
    await beats;
    expect(await committer.readEvents('r0')).toHaveLength(16);
  });

  it('prints how long a group commit of 1,000 events and 1,000 steps takes', async () => {
    const s = await store();
    const run = makeRun('r1');
    await s.createRun(run, [createdEvent(run)], { ownerId: 'A', leaseMs: 60_000 });
    const timings: string[] = [];
    for (let round = 0; round < 5; round++) {
      const from = 2 + round * 1000;
      const steps = Array.from({ length: 1000 }, (_, i) => ({ key: `s${i}`, stepId: `s${i}`, status: 'succeeded' as const, attempts: 1, outputs: { i, round } }));
      const started = performance.now();
      await s.commit([{ runId: 'r1', lease: { ownerId: 'A', token: 1 }, events: startedEvents('r1', from, 1000), steps }]);
      timings.push((performance.now() - started).toFixed(2));
    }
    console.log(`PostgreSQL group commit, 1,000 events + 1,000 step rows: ${timings.join(', ')} ms`);
    expect(await s.readEvents('r1')).toHaveLength(5001);
  });
});
