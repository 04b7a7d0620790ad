import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cairn } from '../../src/app/index.js';
import { serve, type RunningServer } from '../../src/server/serve.js';
import { BIN } from '../cli/cli.js';
import { testStoreLocation } from '../store/test-store.js';
import { until } from './harness.js';

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close().catch(() => undefined);
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cairn-serve-'));
}

async function start(dir: string, extra: Partial<Parameters<typeof serve>[0]> = {}): Promise<{ server: RunningServer; printed: string[] }> {
  const printed: string[] = [];
  const server = await serve({ host: '127.0.0.1', port: 0, version: 'test', db: testStoreLocation(dir), cwd: dir, print: (l) => printed.push(l), ...extra });
  opened.push(server);
  return { server, printed };
}

describe('cairn serve: starting and stopping', () => {
  it('refuses a taken port with a message naming the process that holds it', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    try {
      const attempt = start(tempDir(), { port });
      await expect(attempt).rejects.toMatchObject({ code: 'PORT_IN_USE' });
      await expect(attempt).rejects.toThrow(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use by process ${process.pid} \\(.*node`));
    } finally {
      holder.close();
    }
  });

  it('creates and prints an admin key once, on the first start only', async () => {
    const dir = tempDir();
    const first = await start(dir);
    expect(first.server.adminKey?.role).toBe('admin');
    expect(first.printed.join('\n')).toContain(first.server.adminKey?.key);
    await first.server.close();
    const second = await start(dir);
    expect(second.server.adminKey).toBeUndefined();
    expect(second.printed).toEqual([]);
    const res = await fetch(`${second.server.url}/api/v1/workflows/templates`, { headers: { authorization: `Bearer ${first.server.adminKey?.key}` } });
    expect(res.status).toBe(200);
  });

  it('refuses a non-loopback address while no key exists, and listens once one does', async () => {
    const dir = tempDir();
    await expect(start(dir, { host: '0.0.0.0' })).rejects.toMatchObject({ code: 'NOT_ALLOWED', message: expect.stringContaining('cairn keys create') });
    const cairn = await Cairn.open({ db: testStoreLocation(dir), cwd: dir });
    await cairn.keys.create({ role: 'admin', name: 'ops' });
    await cairn.close();
    const { server } = await start(dir, { host: '0.0.0.0' });
    expect(server.adminKey).toBeUndefined();
    expect((await fetch(`${server.url.replace('0.0.0.0', '127.0.0.1')}/healthz`)).status).toBe(200);
  });

  it('on SIGTERM takes no new work, lets the running step finish, and leaves the rest to the next start', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'slow.yaml'), [
      'id: slow',
      'steps:',
      '  - id: first',
      '    command: shell',
      '    parameters: { run: "sleep 1; echo first-done" }',
      '  - id: second',
      '    command: shell',
      '    depends_on: [first]',
      '    parameters: { run: "echo second-done" }',
      '',
    ].join('\n'));
    const child = spawn(process.execPath, [BIN, '--db', testStoreLocation(dir), 'serve', '--port', '0', '--workflows', dir, '--shutdown-grace', '20'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const url = await until(() => /listening on (http:\/\/\S+) /.exec(stderr)?.[1], 'the server to listen');
    // The built dashboard's address is printed, so a person knows where to open it.
    expect(await until(() => /dashboard at (\S+) /.exec(stderr)?.[1], 'the dashboard line')).toBe(`${url}/`);
    const key = /(cairn_[0-9a-f]{12}_[A-Za-z0-9_-]{43})/.exec(stderr)?.[1];
    const call = (method: string, path: string, body?: unknown) =>
      fetch(url + path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const started = (await (await call('POST', '/api/v1/workflows/execute', { workflow_id: 'slow' })).json()) as { execution_id: string };
    const id = started.execution_id;
    await until(async () => ((await (await call('GET', `/api/v1/workflows/executions/${id}`)).json()) as { steps: Array<{ stepId: string; status: string }> }).steps.some((s) => s.stepId === 'first' && s.status === 'running'), 'the first step to run');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopped');

    const cairn = await Cairn.open({ db: testStoreLocation(dir), cwd: dir });
    opened.push(cairn);
    const view = await cairn.getRun(id);
    expect(view.steps.find((s) => s.stepId === 'first')?.status).toBe('succeeded');
    expect(view.steps.find((s) => s.stepId === 'second')?.status ?? 'not started').not.toBe('succeeded');
    expect(view.run.status).not.toBe('succeeded');
    // The next process carries on.
    await cairn.resume([id]);
    const done = await cairn.waitFor(id);
    expect(done?.status).toBe('succeeded');
    expect((await cairn.logs(id)).filter((l) => l.line === 'first-done')).toHaveLength(1);
  });
});
