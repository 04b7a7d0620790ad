import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Cairn } from '../../src/app/index.js';
import { Workspace } from '../app/workspace.js';
import { bundleSource } from './source-bundle.js';

/*
 * Locks and pools on a real SQLite file, with real shell steps, a second Cairn instance,
 * real second processes (the current source, bundled) and real sockets. Critical sections
 * write `start <ns> <run>` and `end <ns> <run>` lines to a ledger; the assertions are on
 * the order of those lines, never on how long anything took.
 */

let bundles: string;
let driver: string;
let cli: string;
let ws: Workspace;
const children: ChildProcess[] = [];

beforeAll(async () => {
  bundles = mkdtempSync(join(tmpdir(), 'cairn-locks-bin-'));
  driver = await bundleSource('test/runtime/fixtures/lock-driver.ts', bundles, 'lock-driver');
  cli = await bundleSource('src/cli/main.ts', bundles, 'main');
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await ws?.close();
});

afterAll(async () => {
  await rm(bundles, { recursive: true, force: true });
});

/** A shell step body that records its critical section in the ledger. */
function critical(ledger: string, body = 'sleep 0.02'): string {
  return `
      env: { LEDGER: "${ledger}" }
      run: |
        echo "start $(date +%s%N) $CAIRN_RUN_ID $CAIRN_STEP" >> "$LEDGER"
        ${body}
        echo "end $(date +%s%N) $CAIRN_RUN_ID $CAIRN_STEP" >> "$LEDGER"`;
}

interface Mark {
  kind: 'start' | 'end';
  at: bigint;
  run: string;
  step: string;
}

function readLedger(path: string): Mark[] {
  const marks = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind, at, run, step] = line.split(' ');
      return { kind: kind as Mark['kind'], at: BigInt(at ?? '0'), run: run ?? '', step: step ?? '' };
    });
  // Appends are ordered by time already; sorting guards against clock reads racing the write.
  return marks.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.kind === 'end' ? -1 : 1));
}

/** The most critical sections open at one moment, by a sweep over the ledger. */
function maxOverlap(marks: Mark[]): number {
  let open = 0;
  let max = 0;
  for (const m of marks) {
    open += m.kind === 'start' ? 1 : -1;
    max = Math.max(max, open);
  }
  return max;
}

/** Poll until `check` holds; a generous bound turns a hang into a clear failure, not a timing assertion. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

function startDriver(db: string, file: string, count: number, cwd: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [driver, db, file, String(count), cwd], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function logText(cairn: Cairn, runId: string, step: string): Promise<string> {
  return (await cairn.logs(runId, { step })).map((l) => l.line).join('\n');
}

describe('locks', () => {
  it('20 runs from two instances and a second process never overlap on one lock', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    const file = ws.file(
      'critical.yaml',
      `
name: critical
steps:
  - id: section
    command: shell
    locks: [host:db-1]
    parameters:${critical(ledger)}
`,
    );
    const a = await ws.open();
    const b = await ws.open();
    const other = startDriver(ws.db, file, 2, ws.dir);
    const runs = await Promise.all([
      ...Array.from({ length: 17 }, () => a.startRun({ file })),
      b.startRun({ file }),
    ]);
    const finals = await Promise.all([...runs.slice(0, 17).map((r) => a.waitFor(r.id)), b.waitFor(runs[17]?.id ?? '')]);
    expect(await exited(other.child), other.output()).toBe(0);
    expect(finals.map((f) => f?.status)).toEqual(Array(18).fill('succeeded'));

    const marks = readLedger(ledger);
    const sections = new Set(marks.map((m) => m.run));
    expect(sections.size).toBe(20);
    expect(marks).toHaveLength(40);
    // Strictly alternating start/end, each end belonging to the start before it.
    for (let i = 0; i < marks.length; i += 2) {
      expect(marks[i]?.kind, `mark ${i}`).toBe('start');
      expect(marks[i + 1]).toMatchObject({ kind: 'end', run: marks[i]?.run });
    }
    expect(maxOverlap(marks)).toBe(1);
    expect(await a.locks()).toEqual({ holders: [], waiters: [] });
  });

  it('refuses a port lock while a real socket listens on the port, and takes it once the socket closes', async () => {
    ws = new Workspace();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const marker = join(ws.dir, 'ran');
    const file = ws.file(
      'serve.yaml',
      `
name: serve
steps:
  - id: start-server
    command: shell
    locks: ["port:${port}"]
    parameters:
      env: { MARKER: "${marker}" }
      run: touch "$MARKER"
`,
    );
    const cairn = await ws.open();
    const refused = await cairn.waitFor((await cairn.startRun({ file })).id);
    expect(refused?.status).toBe('failed');
    const step = (await cairn.store.getSteps(refused?.id ?? ''))[0];
    expect(step?.error?.code).toBe('PORT_IN_USE');
    expect(step?.error?.message).toContain(`port ${port} is already in use on this machine`);
    expect(step?.attempts).toBe(1);
    expect(existsSync(marker)).toBe(false);
    expect(await cairn.locks()).toEqual({ holders: [], waiters: [] });

    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    const ok = await cairn.waitFor((await cairn.startRun({ file })).id);
    expect(ok?.status).toBe('succeeded');
    expect(existsSync(marker)).toBe(true);
  });

  it('sees a socket listening on the IPv6 wildcard too', async () => {
    ws = new Workspace();
    const server: Server = createServer();
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::', () => resolve(true));
    });
    if (!listening) return; // no IPv6 on this machine: nothing to check
    const port = (server.address() as { port: number }).port;
    const file = ws.file('serve6.yaml', `name: serve6\nsteps:\n  - id: s\n    command: log\n    locks: ["port:${port}"]\n    parameters: { message: hi }\n`);
    const cairn = await ws.open();
    const run = await cairn.waitFor((await cairn.startRun({ file })).id);
    expect((await cairn.store.getSteps(run?.id ?? ''))[0]?.error?.code).toBe('PORT_IN_USE');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('admits at most a pool’s slots at once, in the order the steps came', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    const gate = join(ws.dir, 'go');
    const config = ws.file('cairn.yaml', 'pools:\n  deploys:\n    slots: 2\n    description: two deployments at once\n');
    const file = ws.file(
      'deploy.yaml',
      `
name: deploy
steps:
  - id: deploy
    command: shell
    pool: deploys
    parameters:${critical(ledger, `while [ ! -f "${gate}" ]; do sleep 0.02; done; sleep 0.05`)}
`,
    );
    const cairn = await ws.open({ config });
    const runs: string[] = [];
    for (let i = 0; i < 6; i++) runs.push((await cairn.startRun({ file })).id);
    // Two hold a slot and sit in their critical section; four queue behind them.
    await until(async () => {
      const view = await cairn.locks();
      return view.holders.length === 2 && view.waiters.length === 4;
    }, 'two holders and four waiters');
    const view = await cairn.locks();
    expect(view.holders.every((h) => h.lock === 'pool:deploys' && !h.stale)).toBe(true);
    expect(view.waiters.map((w) => w.locks)).toEqual(Array(4).fill(['pool:deploys']));
    // FIFO: the runs queue in the order they were started.
    const queued = view.waiters.map((w) => w.runId);
    expect(queued).toEqual(runs.filter((r) => queued.includes(r)));
    const waiting = queued[0] ?? '';
    await until(async () => (await logText(cairn, waiting, 'deploy')).includes('waiting for a slot of pool deploys (held by run '), 'the waiting line');

    writeFileSync(gate, '');
    const finals = await Promise.all(runs.map((id) => cairn.waitFor(id)));
    expect(finals.map((f) => f?.status)).toEqual(Array(6).fill('succeeded'));
    const marks = readLedger(ledger);
    expect(new Set(marks.map((m) => m.run)).size).toBe(6);
    expect(maxOverlap(marks)).toBeLessThanOrEqual(2);
  });

  it('fails a step whose pool is not configured, with UNKNOWN_POOL', async () => {
    ws = new Workspace();
    const file = ws.file('nopool.yaml', 'name: nopool\nsteps:\n  - id: s\n    command: log\n    pool: nowhere\n    parameters: { message: hi }\n');
    const cairn = await ws.open();
    const run = await cairn.waitFor((await cairn.startRun({ file })).id);
    const step = (await cairn.store.getSteps(run?.id ?? ''))[0];
    expect(step?.error?.code).toBe('UNKNOWN_POOL');
    expect(step?.error?.message).toContain("pool 'nowhere'");
    expect(step?.attempts).toBe(1);
  });

  it('shares workflow-level locks between the steps of one run, not between runs', async () => {
    ws = new Workspace();
    const gate = join(ws.dir, 'go');
    const file = ws.file(
      'maint.yaml',
      `
name: maint
locks: [db]
steps:
  - id: vacuum
    command: shell
    parameters: { run: 'while [ ! -f "${gate}" ]; do sleep 0.02; done' }
  - id: reindex
    command: shell
    parameters: { run: 'while [ ! -f "${gate}" ]; do sleep 0.02; done' }
`,
    );
    const cairn = await ws.open();
    const first = (await cairn.startRun({ file })).id;
    await until(async () => (await cairn.locks()).holders.length === 2, 'both steps of the first run holding db');
    const second = (await cairn.startRun({ file })).id;
    await until(async () => (await cairn.locks()).waiters.length === 2, 'both steps of the second run waiting');
    const view = await cairn.locks();
    expect(view.holders.map((h) => `${h.lock} ${h.runId} ${h.step}`).sort()).toEqual([`db ${first} reindex`, `db ${first} vacuum`]);
    expect(view.waiters.every((w) => w.runId === second)).toBe(true);
    // While waiting, the step shows as running.
    expect((await cairn.store.getSteps(second)).map((s) => s.status)).toEqual(['running', 'running']);
    writeFileSync(gate, '');
    expect((await cairn.waitFor(first))?.status).toBe('succeeded');
    expect((await cairn.waitFor(second))?.status).toBe('succeeded');
  });

  it('applies the step timeout to the wait, and a cancel ends the wait', async () => {
    ws = new Workspace();
    const gate = join(ws.dir, 'go');
    const holder = ws.file('holder.yaml', `name: holder\nsteps:\n  - id: hold\n    command: shell\n    locks: [db]\n    parameters: { run: 'while [ ! -f "${gate}" ]; do sleep 0.02; done' }\n`);
    const impatient = ws.file('impatient.yaml', 'name: impatient\nsteps:\n  - id: s\n    command: log\n    locks: [db]\n    timeout_seconds: 0.3\n    parameters: { message: never }\n');
    const patient = ws.file('patient.yaml', 'name: patient\nsteps:\n  - id: s\n    command: log\n    locks: [db]\n    parameters: { message: never }\n');
    const cairn = await ws.open();
    const held = (await cairn.startRun({ file: holder })).id;
    await until(async () => (await cairn.locks()).holders.length === 1, 'the holder');
    const timedOut = await cairn.waitFor((await cairn.startRun({ file: impatient })).id);
    expect(timedOut?.status).toBe('failed');
    expect((await cairn.store.getSteps(timedOut?.id ?? ''))[0]?.error?.code).toBe('STEP_TIMEOUT');
    const waiting = (await cairn.startRun({ file: patient })).id;
    await until(async () => (await cairn.locks()).waiters.length === 1, 'the patient waiter');
    expect((await cairn.cancel(waiting)).status).toBe('cancelled');
    await until(async () => (await cairn.locks()).waiters.length === 0, 'the queue to empty');
    expect((await cairn.locks()).holders.map((h) => h.runId)).toEqual([held]);
    writeFileSync(gate, '');
    expect((await cairn.waitFor(held))?.status).toBe('succeeded');
  });

  it('takes over a lock whose owner is gone: unregistered, or its process dead', async () => {
    ws = new Workspace();
    const file = ws.file('take.yaml', 'name: take\nsteps:\n  - id: s\n    command: log\n    locks: [db, host:db-1]\n    parameters: { message: mine now }\n');
    const cairn = await ws.open();
    // A process that has exited: its pid is gone, though its heartbeat is fresh.
    const gone = spawn(process.execPath, ['-e', '0']);
    await exited(gone);
    const now = Date.now();
    await cairn.store.registerOwner({ id: 'dead-process', host: hostname(), pid: gone.pid ?? 0, startedAt: now, heartbeatAt: now });
    await cairn.store.acquireLocks({ runId: 'old-run', step: 's', attempt: 1, ownerId: 'dead-process', claims: [{ name: 'db', capacity: 1, perRun: false }], leaseMs: 60_000 });
    await cairn.store.acquireLocks({ runId: 'older-run', step: 's', attempt: 1, ownerId: 'never-registered', claims: [{ name: 'host:db-1', capacity: 1, perRun: false }], leaseMs: 60_000 });
    const view = await cairn.locks();
    expect(view.holders.map((h) => [h.lock, h.stale])).toEqual(expect.arrayContaining([['db', true]]));
    const run = await cairn.waitFor((await cairn.startRun({ file })).id);
    expect(run?.status).toBe('succeeded');
    expect(await cairn.locks()).toEqual({ holders: [], waiters: [] });
  });

  it('takes over the lock of a process killed with SIGKILL while it held it', async () => {
    ws = new Workspace();
    const file = ws.file('stuck.yaml', 'name: stuck\nsteps:\n  - id: s\n    command: shell\n    locks: [host:db-1]\n    parameters: { run: sleep 60 }\n');
    const next = ws.file('next.yaml', 'name: next\nsteps:\n  - id: s\n    command: log\n    locks: [host:db-1]\n    parameters: { message: after the crash }\n');
    const other = startDriver(ws.db, file, 1, ws.dir);
    const cairn = await ws.open();
    await until(async () => (await cairn.locks()).holders.length === 1, 'the other process to hold the lock');
    other.child.kill('SIGKILL');
    await exited(other.child);
    const run = await cairn.waitFor((await cairn.startRun({ file: next })).id);
    expect(run?.status).toBe('succeeded');
  });

  it('`cairn locks --json` shows the holder and the waiter while a run waits', async () => {
    ws = new Workspace();
    const gate = join(ws.dir, 'go');
    const file = ws.file('q.yaml', `name: q\nsteps:\n  - id: s\n    command: shell\n    locks: ["port:1", db]\n    parameters: { run: 'while [ ! -f "${gate}" ]; do sleep 0.02; done' }\n`);
    const cairn = await ws.open();
    const first = (await cairn.startRun({ file })).id;
    await until(async () => (await cairn.locks()).holders.length === 2, 'the holder');
    const second = (await cairn.startRun({ file })).id;
    await until(async () => (await cairn.locks()).waiters.length === 1, 'the waiter');
    await until(async () => (await logText(cairn, second, 's')).includes(`waiting for lock db (held by run ${first} step s)`), 'the waiting line');

    const r = await runCli(['locks', '--json', '--db', ws.db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { holders: Array<Record<string, unknown>>; waiters: Array<Record<string, unknown>> };
    expect(json.holders.map((h) => h.lock)).toEqual(['db', 'port:1']);
    for (const h of json.holders) {
      expect(Object.keys(h)).toEqual(['lock', 'run_id', 'step', 'attempt', 'owner', 'since', 'stale']);
      expect(h).toMatchObject({ run_id: first, step: 's', attempt: 1, owner: expect.any(String), stale: false });
      expect(new Date(String(h.since)).toISOString()).toBe(h.since);
    }
    expect(json.waiters).toEqual([
      expect.objectContaining({ position: 1, lock: 'db', run_id: second, step: 's', attempt: 1 }),
      expect.objectContaining({ position: 1, lock: 'port:1', run_id: second, step: 's', attempt: 1 }),
    ]);
    const text = await runCli(['locks', '--db', ws.db]);
    expect(text.stdout).toMatch(/held[\s\S]*db\s+\S+\s+s\s/);
    expect(text.stdout).toMatch(/waiting[\s\S]*1\s+db, port:1\s+\S+\s+s\s/);

    writeFileSync(gate, '');
    expect((await cairn.waitFor(first))?.status).toBe('succeeded');
    expect((await cairn.waitFor(second))?.status).toBe('succeeded');
    const empty = await runCli(['locks', '--json', '--db', ws.db]);
    expect(JSON.parse(empty.stdout)).toEqual({ holders: [], waiters: [] });
  });
});
