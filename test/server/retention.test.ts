import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELLO, startServer, until, type TestServer } from './harness.js';

describe('retention under cairn serve', () => {
  let t: TestServer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-retention-'));
    const config = join(dir, 'cairn.yaml');
    // Keep finished runs for no time at all, and sweep every 3 seconds: a run goes soon after it finishes.
    writeFileSync(config, 'retention:\n  runs: 0m\n  sweep_every: 0.05m\n');
    t = await startServer({ files: { 'hello.yaml': HELLO }, config });
  });
  afterAll(async () => t.close());

  it('deletes finished runs on its own, with their logs', async () => {
    const operator = await t.key('operator');
    const started = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body: { workflow_id: 'hello' } });
    expect(started.status).toBe(202);
    const id = started.body.execution_id as string;
    await until(async () => (await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: operator })).body.run?.status === 'succeeded' || undefined, 'the run to succeed');
    await until(async () => (await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: operator })).status === 404 || undefined, 'the sweep to delete it');
    expect((await t.call('GET', `/api/v1/workflows/executions/${id}/logs`, { key: operator })).status).toBe(404);
  });
});
