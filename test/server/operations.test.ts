import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Receiver } from '../webhooks/receiver.js';
import { startServer, until, type TestServer } from './harness.js';

const LEAKY = `id: leaky
name: leaky
steps:
  - id: echo
    command: shell
    parameters:
      env: { TOKEN: "\${{ secrets.CANARY }}" }
      run: |
        echo "the token is $TOKEN"
        printf 'token=%s\\n' "$TOKEN" >> "$CAIRN_OUTPUT"
  - id: fail
    command: shell
    depends_on: [echo]
    parameters:
      env: { TOKEN: "\${{ secrets.CANARY }}" }
      run: |
        echo "cannot log in with $TOKEN" >&2
        exit 3
`;

describe('secrets and the audit trail over the API', () => {
  let t: TestServer;
  let operator: string;
  let viewer: string;
  const receiver = new Receiver();
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  /** Every API answer the test saw, to search for the canary at the end. */
  const seen: string[] = [];
  const call = async (...args: Parameters<TestServer['call']>) => {
    const res = await t.call(...args);
    seen.push(JSON.stringify(res.body));
    return res;
  };

  beforeAll(async () => {
    process.env['CAIRN_MASTER_KEY'] = randomBytes(32).toString('base64');
    await receiver.listen();
    t = await startServer({ files: { 'leaky.yaml': LEAKY } });
    operator = await t.key('operator', 'alice-key');
    viewer = await t.key('viewer', 'bob-key');
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
    delete process.env['CAIRN_MASTER_KEY'];
  });

  it('keep a secret out of every answer, log, output, error and webhook body', async () => {
    expect((await call('PUT', '/api/v1/secrets/CANARY', { key: operator, body: { value: canary } })).status).toBe(403);
    const set = await call('PUT', '/api/v1/secrets/CANARY', { key: t.admin.key, body: { value: canary } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ name: 'CANARY', stored: true });
    const listed = await call('GET', '/api/v1/secrets', { key: t.admin.key });
    expect(listed.body.secrets).toEqual([expect.objectContaining({ name: 'CANARY', source: 'store', updated_by: 'admin' })]);
    const hook = await call('POST', '/api/v1/webhooks', { key: t.admin.key, body: { url: receiver.url(), events: ['step.succeeded', 'step.failed', 'workflow.failed'] } });
    expect(hook.status).toBe(201);

    const started = await call('POST', '/api/v1/workflows/execute', { key: operator, body: { workflow_id: 'leaky' } });
    expect(started.status).toBe(202);
    const id = started.body.execution_id as string;
    await until(async () => (await call('GET', `/api/v1/workflows/executions/${id}`, { key: viewer })).body.run?.status === 'failed' || undefined, 'the run to fail');
    await until(() => receiver.received.some((r) => r.body.includes('workflow.failed')) || undefined, 'the workflow.failed webhook');

    const run = await call('GET', `/api/v1/workflows/executions/${id}`, { key: viewer });
    const logs = await call('GET', `/api/v1/workflows/executions/${id}/logs`, { key: viewer });
    const events = await call('GET', `/api/v1/workflows/executions/${id}/events`, { key: viewer });
    // The redaction is there, so the test looks at the right things.
    expect(JSON.stringify(run.body)).toContain('cannot log in with ***');
    expect(JSON.stringify(logs.body)).toContain('the token is ***');
    expect(JSON.stringify(events.body)).toContain('***');
    const bodies = receiver.received.map((r) => r.body);
    expect(bodies.join('\n')).toContain('***');

    expect(seen.join('\n')).not.toContain(canary);
    expect(bodies.join('\n')).not.toContain(canary);
  });

  it('records who did what from where, for admins only', async () => {
    const deleted = await call('DELETE', '/api/v1/secrets/CANARY', { key: t.admin.key });
    expect(deleted.body).toEqual({ name: 'CANARY', deleted: true });
    expect((await call('DELETE', '/api/v1/secrets/CANARY', { key: t.admin.key })).body.error.code).toBe('SECRET_NOT_FOUND');
    expect((await call('GET', '/api/v1/audit', { key: operator })).status).toBe(403);
    const audit = await call('GET', '/api/v1/audit', { key: t.admin.key });
    expect(audit.status).toBe(200);
    const entries = audit.body.entries as Array<{ actor: string; origin: string; action: string; target?: string }>;
    const brief = entries.map((e) => `${e.action} ${e.actor} ${e.origin} ${e.target ?? ''}`.trim());
    expect(brief).toContain('secret.set admin api 127.0.0.1 CANARY');
    expect(brief).toContain('secret.delete admin api 127.0.0.1 CANARY');
    expect(brief.some((b) => /^run\.start alice-key api 127\.0\.0\.1 \S+$/.test(b))).toBe(true);
    expect(brief.some((b) => b.startsWith('webhook.create admin api 127.0.0.1'))).toBe(true);
    expect(brief.some((b) => b.startsWith('key.create'))).toBe(false); // keys made in-process, not through the API
    // A refused call changed nothing and is not recorded.
    expect(entries.filter((e) => e.action === 'secret.delete')).toHaveLength(1);
    expect(entries.filter((e) => e.action === 'secret.set')).toHaveLength(1);
    const mine = await call('GET', '/api/v1/audit?actor=alice-key&since=1h', { key: t.admin.key });
    expect(mine.body.entries.map((e: { action: string }) => e.action)).toEqual(['run.start']);
    const bad = await call('GET', '/api/v1/audit?since=yesterday', { key: t.admin.key });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('USAGE');
  });
});
