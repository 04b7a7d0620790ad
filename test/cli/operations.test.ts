import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CairnError } from '../../src/app/index.js';
import { backupStore, restoreStore } from '../../src/app/backup.js';
import { BIN, cairn, type CliResult } from './cli.js';

const MASTER_KEY = randomBytes(32).toString('base64');

/** The CLI with `input` on stdin. */
function withStdin(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function until<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cairn secrets, audit, prune, backup and restore', () => {
  it('stores a secret from stdin, never prints it, and records who changed it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-ops-'));
    const db = ['--db', join(dir, 'cairn.db')];
    const env = { CAIRN_MASTER_KEY: MASTER_KEY };
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    const set = await withStdin([...db, 'secrets', 'set', 'CANARY', '--value-stdin'], `${canary}\n`, env);
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain(canary);
    const listed = await cairn([...db, 'secrets', 'list', '--json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'CANARY', source: 'store', updated_by: userInfo().username })]);
    expect(listed.stdout).not.toContain(canary);

    writeFileSync(join(dir, 'uses.yaml'), 'id: uses\nname: Uses\nsteps:\n  - id: a\n    command: shell\n    parameters:\n      env: { T: "${{ secrets.CANARY }}" }\n      run: echo "token $T"\n');
    const run = await cairn([...db, 'run', join(dir, 'uses.yaml'), '--json'], { env });
    expect(run.code).toBe(0);
    const id = (JSON.parse(run.stdout) as { run_id: string }).run_id;
    const logs = await cairn([...db, 'logs', id], { env });
    expect(logs.stdout).toContain('token ***');
    expect(run.stdout + logs.stdout).not.toContain(canary);

    const audit = await cairn([...db, 'audit', '--json', '--since', '1h'], { env });
    expect(audit.code).toBe(0);
    const entries = JSON.parse(audit.stdout) as Array<{ actor: string; origin: string; action: string; target?: string }>;
    expect(entries.map((e) => e.action)).toEqual(['run.start', 'secret.set']);
    expect(entries[1]).toMatchObject({ actor: userInfo().username, origin: `cli ${hostname()}`, target: 'CANARY' });
    expect(entries[0]?.target).toBe(join(dir, 'uses.yaml'));
    expect(JSON.parse((await cairn([...db, 'audit', '--json', '--actor', 'nobody'])).stdout)).toEqual([]);

    const deleted = await cairn([...db, 'secrets', 'delete', 'CANARY'], { env });
    expect(deleted.code).toBe(0);
    const gone = await cairn([...db, 'secrets', 'delete', 'CANARY'], { env });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("no secret 'CANARY'");
    const empty = await withStdin([...db, 'secrets', 'set', 'X', '--value-stdin'], '', env);
    expect(empty.code).toBe(2);
  });

  it('prunes finished runs, dry run first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-prune-'));
    const db = ['--db', join(dir, 'cairn.db')];
    writeFileSync(join(dir, 'quick.yaml'), 'id: quick\nname: Quick\nsteps:\n  - id: a\n    command: shell\n    parameters: { run: echo hi }\n');
    for (let i = 0; i < 3; i++) expect((await cairn([...db, 'run', join(dir, 'quick.yaml'), '--quiet'])).code).toBe(0);
    const nothing = await cairn([...db, 'prune']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to prune');
    const dry = await cairn([...db, 'prune', '--older-than', '0m', '--dry-run', '--json']);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, runs: 3 });
    expect(JSON.parse((await cairn([...db, 'runs', '--json'])).stdout)).toHaveLength(3);
    const done = await cairn([...db, 'prune', '--older-than', '0m', '--json']);
    expect(JSON.parse(done.stdout)).toMatchObject({ dry_run: false, runs: 3 });
    expect(JSON.parse(done.stdout).logs).toBeGreaterThanOrEqual(3);
    expect(JSON.parse((await cairn([...db, 'runs', '--json'])).stdout)).toEqual([]);
    expect((await cairn([...db, 'prune', '--older-than', 'soon'])).stderr).toContain('--older-than: expected a duration');
  });

  it('backs up while a run is active, and the restored store resumes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-backup-'));
    const store = join(dir, 'cairn.db');
    writeFileSync(
      join(dir, 'long.yaml'),
      [
        'id: long',
        'name: Long',
        'steps:',
        '  - id: first',
        '    command: shell',
        '    parameters: { run: echo first }',
        '  - id: hold',
        '    command: shell',
        '    depends_on: [first]',
        '    parameters: { run: "touch holding; while [ ! -f go ]; do sleep 0.1; done; echo held" }',
        '  - id: last',
        '    command: shell',
        '    depends_on: [hold]',
        '    parameters: { run: echo last }',
        '',
      ].join('\n'),
    );
    const started = await cairn(['--db', store, 'run', join(dir, 'long.yaml'), '--detach'], { cwd: dir });
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toBeTruthy();
    await until(async () => existsSync(join(dir, 'holding')), 'the run to reach its holding step');

    const backup = await cairn(['--db', store, 'backup', join(dir, 'backup.db')]);
    expect(backup.code).toBe(0);
    expect((await cairn(['--db', store, 'backup', join(dir, 'backup.db')])).stderr).toContain('exists');

    // The live store is held by the detached run's process: restoring over it is refused.
    const refused = await cairn(['--db', store, 'restore', join(dir, 'backup.db')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('a Cairn process uses this store');

    writeFileSync(join(dir, 'not-a-store.db'), 'hello');
    const bogus = await cairn(['--db', join(dir, 'restored.db'), 'restore', join(dir, 'not-a-store.db')]);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toContain('not a Cairn store');

    const restored = await cairn(['--db', join(dir, 'restored.db'), 'restore', join(dir, 'backup.db'), '--json']);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ runs: 1 });
    const runs = JSON.parse((await cairn(['--db', join(dir, 'restored.db'), 'runs', '--json'])).stdout) as Array<{ run_id: string; status: string }>;
    expect(runs).toEqual([expect.objectContaining({ run_id: id, status: 'running' })]);

    writeFileSync(join(dir, 'go'), '');
    const resumed = await cairn(['--db', join(dir, 'restored.db'), 'resume', '--run', id, '--json'], { cwd: dir });
    expect(resumed.code).toBe(0);
    const status = JSON.parse((await cairn(['--db', join(dir, 'restored.db'), 'status', id, '--json'])).stdout) as { status: string; steps: Array<{ id: string; status: string; attempts: number }> };
    expect(status.status).toBe('succeeded');
    expect(status.steps.map((s) => `${s.id}:${s.status}`)).toEqual(['first:succeeded', 'hold:succeeded', 'last:succeeded']);
    // The step that was running when the backup was taken ran again in the restored store.
    expect(status.steps[1]?.attempts).toBe(2);
    // The original carries on by itself, untouched by the restore.
    await until(async () => JSON.parse((await cairn(['--db', store, 'status', id, '--json'])).stdout).status === 'succeeded', 'the original run to finish');
  });

  it('refuses a PostgreSQL store with the pg_dump and pg_restore commands to use', async () => {
    const err = await backupStore('postgres://u@127.0.0.1:5432/db', 'x.dump').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CairnError);
    expect((err as CairnError).code).toBe('BACKUP_REFUSED');
    expect((err as Error).message).toContain('pg_dump --format=custom');
    await expect(restoreStore('postgres://u@127.0.0.1:5432/db', 'x.dump')).rejects.toMatchObject({ code: 'RESTORE_REFUSED', message: expect.stringContaining('pg_restore') });
  });
});
