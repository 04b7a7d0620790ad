import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION, MIGRATIONS } from '../../src/store/sqlite/migrations/index.js';
import { capLine, MAX_LOG_LINE_BYTES } from '../../src/store/sqlite/logs.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreError } from '../../src/store/store.js';
import { createdEvent, event, makeRun, makeStep, startedEvents } from './builders.js';
import { describeStoreConformance } from './conformance.js';
import { readPragma, setPragma } from '../../src/store/sqlite/pragma.js';
import { pinDatabase as pinned } from '../../src/store/sqlite/native-lifetime.js';

describeStoreConformance('sqlite file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-store-'));
  const store = openSqliteStore(join(dir, 'cairn.db'));
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite store', () => {
  let dir: string;
  const open: SqliteStore[] = [];
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-sqlite-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const store of open.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  function openStore(path: string, opts: Parameters<typeof openSqliteStore>[1] = {}): SqliteStore {
    const store = openSqliteStore(path, opts);
    open.push(store);
    return store;
  }

  async function expectStoreError(work: () => unknown, code: StoreError['code']): Promise<StoreError> {
    try {
      await work();
    } catch (err) {
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe(code);
      return err as StoreError;
    }
    throw new Error(`expected a StoreError ${code}`);
  }

  it('creates the directory and a WAL database with the current schema', async () => {
    const path = join(dir, 'deep', '.cairn', 'cairn.db');
    const store = openStore(path);
    expect(store.location).toBe(`sqlite:${path}`);
    expect(existsSync(path)).toBe(true);
    const raw = pinned(new Database(path, { readonly: true }));
    try {
      expect(readPragma(raw, 'journal_mode')).toBe('wal');
      expect(readPragma(raw, 'user_version')).toBe(LATEST_VERSION);
      expect(raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toStrictEqual(
        MIGRATIONS.map(({ version, name }) => ({ version, name })),
      );
      expect(MIGRATIONS[0]).toMatchObject({ version: 1, name: 'initial' });
    } finally {
      raw.close();
    }
  });

  it('keeps its data across close and reopen, with any synchronous setting', async () => {
    const path = join(dir, 'cairn.db');
    for (const synchronous of ['off', 'normal', 'full', 'extra'] as const) {
      const store = openSqliteStore(path, { synchronous });
      const run = makeRun(`r-${synchronous}`);
      await store.createRun(run, [createdEvent(run)]);
      await store.close();
      await store.close();
    }
    const store = openStore(path);
    expect((await store.listRuns({})).map((r) => r.id).sort()).toStrictEqual(['r-extra', 'r-full', 'r-normal', 'r-off']);
    expect(() => openSqliteStore(path, { synchronous: 'sometimes' as 'off' })).toThrow(/synchronous must be one of/);
  });

  it('refuses a file that is not a SQLite database, naming it', async () => {
    const path = join(dir, 'notes.db');
    await writeFile(path, 'these are my notes, not a database\n'.repeat(200));
    const err = await expectStoreError(() => openSqliteStore(path), 'STORE_CORRUPT');
    expect(err.message).toContain(path);
  });

  it("refuses another program's SQLite database and leaves it untouched", async () => {
    const path = join(dir, 'other.db');
    const raw = pinned(new Database(path));
    raw.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    raw.close();
    const err = await expectStoreError(() => openSqliteStore(path), 'STORE_CORRUPT');
    expect(err.message).toContain(path);
    expect(err.message).toContain('invoices');
    const again = pinned(new Database(path, { readonly: true }));
    try {
      expect(again.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toStrictEqual(['invoices']);
    } finally {
      again.close();
    }
  });

  it('refuses a store written by a newer schema version', async () => {
    const path = join(dir, 'cairn.db');
    await openSqliteStore(path).close();
    const raw = pinned(new Database(path));
    setPragma(raw, `user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    const err = await expectStoreError(() => openSqliteStore(path), 'STORE_VERSION');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/newer Cairn/);
  });

  it('reports a path it cannot create as unavailable', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    await expectStoreError(() => openSqliteStore(join(file, 'cairn.db')), 'STORE_UNAVAILABLE');
  });

  it('shares one file between two store instances', async () => {
    const path = join(dir, 'cairn.db');
    const one = openStore(path);
    const two = openStore(path);
    const run = makeRun('r1');
    await one.createRun(run, [createdEvent(run)], { ownerId: 'A', leaseMs: 60_000 });
    expect(await two.getRun('r1')).toStrictEqual(run);
    expect(await two.claimRuns('B', { leaseMs: 60_000 })).toStrictEqual([]);
    const batch = { runId: 'r1', lease: { ownerId: 'A', token: 1 }, events: [event('r1', 2, 'RunStarted', {})], steps: [] };
    expect(await one.commit([batch])).toStrictEqual({ refused: [] });
    expect(await two.readEvents('r1')).toHaveLength(2);
    expect(await two.claimRuns('B', { leaseMs: 60_000, deadOwners: ['A'] })).toStrictEqual([{ runId: 'r1', token: 2 }]);
    expect(await one.commit([{ ...batch, events: [event('r1', 3, 'RunStarted', {})] }])).toStrictEqual({ refused: ['r1'] });
  });

  it('says clearly that another process holds the lock, then proceeds once it is gone', async () => {
    const path = join(dir, 'cairn.db');
    const store = openStore(path, { busyTimeoutMs: 50 });
    await store.createRun(makeRun('r1'), []);
    const child = await startChild(path, HOLD_LOCK);
    await waitForLine(child, 'locked');

    const run = makeRun('r2');
    const err = await expectStoreError(() => store.createRun(run, [createdEvent(run)]), 'STORE_BUSY');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/locked by another process/);
    // Reads still work while another process writes (WAL).
    expect((await store.getRun('r1'))?.id).toBe('r1');

    child.stdin?.end('commit\n');
    await waitForLine(child, 'done');
    await store.createRun(run, [createdEvent(run)]);
    expect((await store.listOwners()).map((o) => o.id)).toStrictEqual(['child']);
  });

  it('stays consistent while a child process writes the same file', async () => {
    const path = join(dir, 'cairn.db');
    const store = openStore(path);
    const run = makeRun('r1');
    await store.createRun(run, [createdEvent(run)]);
    const child = await startChild(path, WRITE_MANY);
    await waitForLine(child, 'ready');
    let seq = 2;
    while (child.exitCode === null && seq < 20_000) {
      await store.commit([{ runId: 'r1', events: startedEvents('r1', seq, 5), steps: [makeStep(`s${seq}`)] }]);
      seq += 5;
    }
    await waitForLine(child, 'done');
    expect(await store.readEvents('r1')).toHaveLength(seq - 1);
    const raw = pinned(new Database(path, { readonly: true }));
    try {
      expect(raw.prepare('SELECT count(*) FROM requests').pluck().get()).toBe(300);
      expect(readPragma(raw, 'integrity_check')).toBe('ok');
    } finally {
      raw.close();
    }
  });

  it('cuts log lines at a character boundary', () => {
    expect(capLine('short')).toBe('short');
    const long = 'é'.repeat(MAX_LOG_LINE_BYTES);
    const cut = capLine(long);
    expect(cut).toMatch(/^é+… \[line truncated: \d+ more bytes\]$/);
    expect(Buffer.byteLength(cut.split('…')[0] ?? '')).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
  });

  it('prints how long a group commit of 1,000 events and 1,000 steps takes', async () => {
    const store = openStore(join(dir, 'cairn.db'));
    const run = makeRun('r1');
    await store.createRun(run, [createdEvent(run)], { ownerId: 'A', leaseMs: 60_000 });
    const timings: string[] = [];
    for (let round = 0; round < 5; round++) {
      const from = 2 + round * 1000;
      const steps = Array.from({ length: 1000 }, (_, i) =>
        makeStep(`s${i}`, { status: 'succeeded', attempts: 1, outputs: { i, round }, startedAt: 1, finishedAt: 2 }),
      );
      const started = performance.now();
      await store.commit([{ runId: 'r1', lease: { ownerId: 'A', token: 1 }, events: startedEvents('r1', from, 1000), steps }]);
      timings.push((performance.now() - started).toFixed(2));
    }
    console.log(`SQLite group commit, 1,000 events + 1,000 step rows (synchronous=normal): ${timings.join(', ')} ms`);
    expect(await store.readEvents('r1')).toHaveLength(5001);
  });

  const betterSqlite = pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href;

  /** Holds a write transaction until told to commit, as another cairn process would. */
  const HOLD_LOCK = `
    const db = new Database(process.env.DB_PATH);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO owners (id, host, pid, started_at, heartbeat_at) VALUES ('child', 'h', 1, 1, 1)").run();
    console.log('locked');
    process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); console.log('done'); process.exit(0); });
  `;

  /** Many small write transactions racing the parent's commits. */
  const WRITE_MANY = `
    const db = new Database(process.env.DB_PATH, { timeout: 5000 });
    const add = db.prepare("INSERT INTO requests (run_id, type, data, at) VALUES ('r1', 'cancel', '{}', 1)");
    console.log('ready');
    const once = db.transaction(() => add.run());
    for (let i = 0; i < 300; i++) once.immediate();
    db.close();
    console.log('done');
  `;

  async function startChild(path: string, body: string): Promise<ChildProcess> {
    const script = `import Database from ${JSON.stringify(betterSqlite)};\n${body}`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DB_PATH: path },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    collectOutput(child);
    return child;
  }

  /** Resolves when the child prints `want`; output is collected from the start, so none is missed. */
  async function waitForLine(child: ChildProcess, want: string): Promise<void> {
    const output = outputs.get(child);
    if (output === undefined) throw new Error('not a child started by startChild');
    while (!output.lines.includes(want)) {
      if (output.closed) throw new Error(`child ended without printing ${want}`);
      await Promise.race([once(child.stdout!, 'data'), once(child, 'close')]);
    }
  }

  const outputs = new Map<ChildProcess, { lines: string[]; closed: boolean }>();
  function collectOutput(child: ChildProcess): void {
    const output = { lines: [] as string[], closed: false };
    outputs.set(child, output);
    let partial = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      output.lines.push(...parts);
    });
    child.on('close', () => {
      output.closed = true;
    });
  }
});
