import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPragma, setPragma } from '../../src/store/sqlite/pragma.js';
import { HELLO, startServer, until, type TestServer } from './harness.js';

/*
 * The disk holding the store fills up (issue 9): writes fail cleanly (the API answers 503
 * STORE_FULL), nothing acknowledged is lost, and Cairn carries on once space returns. The
 * store lives on a 2 MiB tmpfs mounted for the test; where mounting is not permitted (not
 * root, or no CAP_SYS_ADMIN in a container) the test is skipped and says why.
 */

const ASK = 'id: ask\nsteps:\n  - id: answer\n    command: task\n    parameters: { assignee: someone, instructions: Answer. }\n';

let mountPoint = '';
let mounted = false;
let why = '';

beforeAll(() => {
  mountPoint = mkdtempSync(join(tmpdir(), 'cairn-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    why = `cannot mount a tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim() || 'not permitted'})`;
  }
});

afterAll(() => {
  if (mounted) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
    }
  }
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Writes a file until the file system says ENOSPC; returns its path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  try {
    for (const size of [64 * 1024, 4096, 512, 64, 1]) {
      const chunk = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('the disk holding the store fills up', () => {
  let t: TestServer | undefined;
  afterAll(async () => {
    await t?.close();
  });

  it('writes fail with 503 STORE_FULL, acknowledged runs stay intact, and Cairn carries on when space returns', async (ctx) => {
    if (!mounted) {
      ctx.skip(why);
      return;
    }
    const db = join(mountPoint, 'cairn.db');
    t = await startServer({ db, files: { 'hello.yaml': HELLO, 'ask.yaml': ASK } });
    const server = t;
    const start = (workflow: string, who?: string) => server.call('POST', '/api/v1/workflows/execute', { key: server.admin.key, body: { workflow_id: workflow, ...(who ? { parameters: { who } } : {}) } });
    const status = async (id: string) => (await server.call('GET', `/api/v1/workflows/executions/${id}`, { key: server.admin.key })).body;
    const finished = (id: string) => until(async () => ((await status(id)).run.status === 'succeeded' ? true : undefined), `run ${id} to succeed`);

    // Acknowledged before the disk fills: three finished runs and one waiting for a person.
    const done: string[] = [];
    for (const who of ['ada', 'grace', 'linus']) {
      const res = await start('hello', who);
      expect(res.status).toBe(202);
      done.push(res.body.execution_id as string);
    }
    for (const id of done) await finished(id);
    const waiting = (await start('ask')).body.execution_id as string;
    await until(async () => ((await status(waiting)).run.status === 'waiting' ? true : undefined), 'the task to open');

    // Empty the WAL, so that the next write has to grow a file, then take every free byte.
    const direct = new Database(db);
    setPragma(direct, 'wal_checkpoint(TRUNCATE)');
    direct.close();
    const filler = fill(mountPoint);

    const refused = await start('hello', 'during');
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('STORE_FULL');
    expect(refused.body.error.message).toContain('is full: nothing was written; free some space and try again');
    expect(refused.headers.get('retry-after')).toBe('5');
    const key = await server.call('POST', '/api/v1/keys', { key: server.admin.key, body: { role: 'viewer', name: 'while-full' } });
    expect(key.status).toBe(503);
    expect(key.body.error.code).toBe('STORE_FULL');
    const early = await server.call('POST', `/api/v1/workflows/executions/${waiting}/steps/answer/complete`, { key: server.admin.key, body: { output: { ok: 'early' } } });
    expect(early.status).toBe(503);
    expect(early.body.error.code).toBe('STORE_FULL');
    // Reads still work, and nothing acknowledged is missing or changed.
    for (const [i, id] of done.entries()) {
      const view = await status(id);
      expect(view.run.status).toBe('succeeded');
      expect(view.steps[0].outputs.greeting).toBe(`Hello, ${['ada', 'grace', 'linus'][i]}`);
    }

    // Space returns: the same requests go through, and the waiting run carries on.
    rmSync(filler);
    const after = await start('hello', 'after');
    expect(after.status).toBe(202);
    await finished(after.body.execution_id as string);
    expect((await server.call('POST', '/api/v1/keys', { key: server.admin.key, body: { role: 'viewer', name: 'after-full' } })).status).toBe(201);
    const completed = await server.call('POST', `/api/v1/workflows/executions/${waiting}/steps/answer/complete`, { key: server.admin.key, body: { output: { ok: true } } });
    expect(completed.status).toBe(200);
    await finished(waiting);
    expect((await status(waiting)).steps[0].outputs).toMatchObject({ ok: true });
    // The refused start left nothing behind: 3 + 1 + 1 runs.
    const all = await server.call('GET', '/api/v1/workflows/executions?limit=100', { key: server.admin.key });
    expect(all.body.executions).toHaveLength(5);
    const integrity = new Database(db, { readonly: true });
    expect(readPragma(integrity, 'integrity_check')).toBe('ok');
    integrity.close();
  });
});
