import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cairn } from '../cli/cli.js';
import { testStoreLocation } from '../store/test-store.js';

describe('cairn keys and cairn serve from the command line', () => {
  it('creates a key shown once, lists keys without secrets, revokes by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-keys-'));
    const db = ['--db', testStoreLocation(dir)];
    const created = await cairn([...db, 'keys', 'create', '--role', 'operator', '--name', 'deploy-bot', '--json']);
    expect(created.code).toBe(0);
    const issued = JSON.parse(created.stdout) as { key: string; name: string; role: string };
    expect(issued).toMatchObject({ name: 'deploy-bot', role: 'operator', key: expect.stringMatching(/^cairn_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/) });
    const listed = await cairn([...db, 'keys', 'list', '--json']);
    expect(listed.stdout).not.toContain(issued.key.slice('cairn_'.length + 13));
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'deploy-bot', role: 'operator' })]);
    expect((await cairn([...db, 'keys', 'create', '--role', 'viewer', '--name', 'deploy-bot'])).stderr).toContain("a live key is already named 'deploy-bot'");
    const badRole = await cairn([...db, 'keys', 'create', '--role', 'root']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('viewer, operator, admin');
    expect((await cairn([...db, 'keys', 'revoke', 'deploy-bot'])).code).toBe(0);
    const again = await cairn([...db, 'keys', 'revoke', 'deploy-bot']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("no live key with id or name 'deploy-bot'");
  });

  it('cairn serve on a taken port exits 1 naming the holder', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-port-'));
      const res = await cairn(['--db', testStoreLocation(dir), 'serve', '--port', String(port)]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`port ${port} on 127.0.0.1 is already in use by process ${process.pid}`);
    } finally {
      holder.close();
    }
  });
});
