import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.js';

/** Routes the dashboard reads: the commands a step may name, the definition schema, the configured pools. */
describe('authoring routes', () => {
  let t: TestServer;
  let viewer: string;

  beforeAll(async () => {
    t = await startServer();
    viewer = await t.key('viewer');
  });
  afterAll(async () => t.close());

  it('lists the built-in commands with their summaries and parameters schemas', async () => {
    const res = await t.call('GET', '/api/v1/commands', { key: viewer });
    expect(res.status).toBe(200);
    const commands = res.body.commands as Array<{ name: string; kind: string; summary: string; mutates: boolean; parameters: { properties?: Record<string, unknown> } }>;
    const names = commands.map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    for (const builtin of ['shell', 'http', 'log', 'wait', 'task', 'approval', 'workflow']) expect(names).toContain(builtin);
    const shell = commands.find((c) => c.name === 'shell');
    expect(shell).toMatchObject({ kind: 'builtin', mutates: true });
    expect(shell?.summary).toMatch(/bash/);
    expect(Object.keys(shell?.parameters.properties ?? {})).toContain('run');
    expect(commands.find((c) => c.name === 'log')?.mutates).toBe(false);
  });

  it('lists configured named commands with the built-in they use, and the configured pools', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-authoring-'));
    writeFileSync(join(dir, 'cairn.yaml'), 'commands:\n  say-hi:\n    uses: log\n    description: Greet the team\n    parameters: { message: hi }\npools:\n  deployers: { slots: 2, description: who may deploy at once }\n  builders: { slots: 4 }\n');
    const named = await startServer({ cwd: dir, config: join(dir, 'cairn.yaml') });
    try {
      const res = await named.call('GET', '/api/v1/commands', { key: named.admin.key });
      expect(res.body.commands.find((c: { name: string }) => c.name === 'say-hi')).toMatchObject({ kind: 'named', uses: 'log', summary: 'Greet the team', mutates: false });
      const pools = await named.call('GET', '/api/v1/pools', { key: named.admin.key });
      expect(pools.body).toEqual({ pools: [{ name: 'builders', slots: 4 }, { name: 'deployers', slots: 2, description: 'who may deploy at once' }] });
    } finally {
      await named.close();
    }
  });

  it('serves the workflow JSON Schema', async () => {
    const res = await t.call('GET', '/api/v1/workflows/schema', { key: viewer });
    expect(res.status).toBe(200);
    expect(res.body.title).toBe('Cairn workflow');
    expect(Object.keys(res.body.properties)).toEqual(expect.arrayContaining(['id', 'steps', 'parameters']));
    expect(Object.keys(res.body.properties.steps.items.properties)).toEqual(expect.arrayContaining(['command', 'depends_on']));
  });

  it('needs a key', async () => {
    expect((await t.call('GET', '/api/v1/commands')).status).toBe(401);
    expect((await t.call('GET', '/api/v1/workflows/schema')).status).toBe(401);
    expect((await t.call('GET', '/api/v1/pools')).status).toBe(401);
    expect((await t.call('GET', '/api/v1/pools', { key: viewer })).body).toEqual({ pools: [] });
  });
});
