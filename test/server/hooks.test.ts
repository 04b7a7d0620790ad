import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, until, type TestServer } from './harness.js';

const SECRET = 'whsec_' + Buffer.from('incoming-hook-secret-for-tests-32b').toString('base64');

const DEPLOY = `id: deploy
parameters:
  service: { type: string, default: web }
triggers:
  - webhook:
      secret: \${env:CAIRN_TEST_HOOK_SECRET}
    parameters:
      service: "\${{ body.repository.name }}"
steps:
  - id: say
    command: log
    parameters: { message: "deploying \${{ parameters.service }}" }
`;

describe('incoming webhook triggers through the server', () => {
  let t: TestServer;
  const signer = new Webhook(SECRET);
  const post = (path: string, id: string, body: string, when = new Date()) =>
    fetch(t.url + path, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(when.getTime() / 1000)), 'webhook-signature': signer.sign(id, when, body) }, body });

  beforeAll(async () => {
    process.env['CAIRN_TEST_HOOK_SECRET'] = SECRET;
    t = await startServer({ files: { 'deploy.yaml': DEPLOY } });
  });
  afterAll(async () => {
    await t.close();
    delete process.env['CAIRN_TEST_HOOK_SECRET'];
  });

  it('starts one run per signed message, mapping the body to parameters, with no API key', async () => {
    const body = JSON.stringify({ repository: { name: 'billing' } });
    const first = await post('/api/v1/hooks/deploy', 'msg_1', body);
    expect(first.status).toBe(202);
    const started = (await first.json()) as { run_id: string; duplicate: boolean };
    expect(started.duplicate).toBe(false);
    const again = await post('/api/v1/hooks/deploy', 'msg_1', body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ run_id: started.run_id, duplicate: true });
    await until(async () => (await t.call('GET', `/api/v1/workflows/executions/${started.run_id}`, { key: t.admin.key })).body.run.status === 'succeeded', 'the run');
    const run = (await t.call('GET', `/api/v1/workflows/executions/${started.run_id}`, { key: t.admin.key })).body.run;
    expect(run).toMatchObject({ parameters: { service: 'billing' }, startedBy: 'webhook' });
  });

  it('refuses a tampered body, a replay outside the tolerance, a wrong secret, and an unknown workflow; starts nothing', async () => {
    const before = (await t.call('GET', '/api/v1/workflows/executions', { key: t.admin.key })).body.executions.length;
    const body = JSON.stringify({ repository: { name: 'api' } });
    const signed = { id: 'msg_2', when: new Date() };
    const tampered = await fetch(`${t.url}/api/v1/hooks/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': signed.id, 'webhook-timestamp': String(Math.floor(signed.when.getTime() / 1000)), 'webhook-signature': signer.sign(signed.id, signed.when, body) },
      body: body.replace('api', 'evil'),
    });
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('SIGNATURE_INVALID');
    const old = await post('/api/v1/hooks/deploy', 'msg_3', body, new Date(Date.now() - 10 * 60_000));
    expect(old.status).toBe(401);
    const other = new Webhook('whsec_' + Buffer.from('another-secret-another-secret-xx').toString('base64'));
    const now = new Date();
    const wrong = await fetch(`${t.url}/api/v1/hooks/deploy`, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': 'msg_4', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': other.sign('msg_4', now, body) }, body });
    expect(wrong.status).toBe(401);
    const unknown = await post('/api/v1/hooks/nope', 'msg_5', body);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('TRIGGER_NOT_FOUND');
    expect((await t.call('GET', '/api/v1/workflows/executions', { key: t.admin.key })).body.executions.length).toBe(before);
  });
});
