import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../server/harness.js';
import { GATED, HELLO, SLOW } from './fixtures.js';
import { httpClient, until, type McpConnection } from './harness.js';

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** A raw request, so the Host and Origin headers can be anything (fetch will not send another Host). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: unknown }): Promise<{ status: number; text: string }> {
  const target = new URL(`${url}/mcp`);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: '/mcp', method: opts.method ?? 'POST', headers: opts.headers ?? {} }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(JSON.stringify(opts.body));
    req.end();
  });
}

/**
 * `cairn serve` speaks MCP at /mcp with the REST API's keys and roles: the HTTP layer
 * authenticates (401 without a valid key), the tools check the key's role, the actor is
 * the key's name, and DNS rebinding and foreign origins are refused.
 */
describe('MCP over Streamable HTTP at /mcp', () => {
  let t: TestServer;
  let viewer: McpConnection;
  let operator: McpConnection;
  let admin: McpConnection;
  let viewerKey: string;

  beforeAll(async () => {
    t = await startServer({ files: { 'hello.yaml': HELLO, 'gated.yaml': GATED, 'slow.yaml': SLOW }, corsOrigins: ['https://console.example'] });
    viewerKey = await t.key('viewer', 'watcher');
    viewer = await httpClient(t.url, viewerKey);
    operator = await httpClient(t.url, await t.key('operator', 'deploy-bot'));
    admin = await httpClient(t.url, t.admin.key);
  });
  afterAll(async () => {
    await Promise.all([viewer?.close(), operator?.close(), admin?.close()]);
    await t.close();
  });

  it('needs a valid key: 401 from the HTTP layer before any MCP', async () => {
    const none = await raw(t.url, { headers: MCP_HEADERS, body: INITIALIZE });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text).error.code).toBe('UNAUTHORIZED');
    const wrong = await raw(t.url, { headers: { ...MCP_HEADERS, authorization: 'Bearer cairn_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, body: INITIALIZE });
    expect(wrong.status).toBe(401);
    const revoked = await t.server.cairn.keys.create({ role: 'admin', name: 'gone' });
    await t.server.cairn.keys.revoke('gone');
    await expect(httpClient(t.url, revoked.key)).rejects.toThrow();
    const ok = await raw(t.url, { headers: { ...MCP_HEADERS, authorization: `Bearer ${viewerKey}` }, body: INITIALIZE });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('"serverInfo"');
  });

  it('refuses other Host names (DNS rebinding) and foreign origins; GET and DELETE are not used', async () => {
    const auth = { ...MCP_HEADERS, authorization: `Bearer ${viewerKey}` };
    const port = new URL(t.url).port;
    const rebound = await raw(t.url, { headers: { ...auth, host: `attacker.example:${port}` }, body: INITIALIZE });
    expect(rebound.status).toBe(403);
    expect(rebound.text).toContain('Invalid Host header');
    expect((await raw(t.url, { headers: { ...auth, host: `localhost:${port}` }, body: INITIALIZE })).status).toBe(200);
    const foreign = await raw(t.url, { headers: { ...auth, origin: 'https://evil.example' }, body: INITIALIZE });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text).error.code).toBe('FORBIDDEN');
    expect((await raw(t.url, { headers: { ...auth, origin: 'https://console.example' }, body: INITIALIZE })).status).toBe(200);
    for (const method of ['GET', 'DELETE']) {
      const res = await raw(t.url, { method, headers: { authorization: `Bearer ${viewerKey}`, accept: 'text/event-stream' } });
      expect(res.status, method).toBe(405);
    }
  });

  it('is in the OpenAPI document as a viewer route', async () => {
    const doc = (await t.call('GET', '/api/v1/openapi.json', { key: viewerKey })).body;
    expect(doc.paths['/mcp'].post['x-cairn-access']).toBe('viewer');
  });

  it('a viewer key reads but is refused every tool that changes something, and nothing changes', async () => {
    const started = await operator.call('workflow_execute', { workflow_id: 'gated' });
    const id = started.data.execution_id;
    await until(async () => ((await viewer.call('workflow_status', { execution_id: id })).data.open_tasks.length > 0 ? true : undefined), 'the approval');
    for (const [name, args] of [
      ['workflow_list', {}],
      ['workflow_validate', { workflow_definition: HELLO }],
      ['workflow_status', { execution_id: id }],
      ['workflow_history', {}],
      ['workflow_analytics', {}],
      ['workflow_suggest', { intent: 'greet' }],
      ['workflow_autocomplete', { partial_sequence: 'shell' }],
      ['workflow_execute', { workflow_id: 'hello', dry_run: true }],
    ] as const) {
      const answer = await viewer.call(name, args);
      expect(answer.isError, `${name}: ${answer.text}`).toBe(false);
    }
    const runsBefore = (await viewer.call('workflow_history', { limit: 100 })).data.executions.length;
    for (const [name, args, needed] of [
      ['workflow_execute', { workflow_id: 'hello' }, 'operator'],
      ['workflow_execute', { workflow_definition: HELLO }, 'admin'],
      ['workflow_create', { workflow_definition: SLOW.replace('id: slow', 'id: slower') }, 'admin'],
      ['workflow_cancel', { execution_id: id }, 'operator'],
      ['workflow_approve', { execution_id: id, step: 'go' }, 'operator'],
      ['workflow_step_complete', { execution_id: id, step: 'go', output: {} }, 'operator'],
      ['workflow_rollback', { execution_id: id }, 'operator'],
      ['workflow_retry', { execution_id: id }, 'operator'],
    ] as const) {
      const answer = await viewer.call(name, args);
      expect(answer.isError, name).toBe(true);
      expect(answer.data.error).toMatchObject({ code: 'FORBIDDEN', details: { needed, role: 'viewer' } });
      expect(answer.text).toContain(`'watcher' is viewer`);
    }
    const after = await viewer.call('workflow_status', { execution_id: id });
    expect(after.data.status).toBe('waiting');
    expect((await viewer.call('workflow_history', { limit: 100 })).data.executions.length).toBe(runsBefore);
    expect((await viewer.call('workflow_list')).data.workflows.map((w: any) => w.id)).toEqual(['gated', 'hello', 'slow']);
    await operator.call('workflow_cancel', { execution_id: id });
  });

  it('an operator runs and decides, as its key name; only an admin stores workflows', async () => {
    refusedFor(await operator.call('workflow_create', { workflow_definition: HELLO }), 'admin');
    refusedFor(await operator.call('workflow_execute', { workflow_definition: HELLO }), 'admin');
    const stored = await admin.call('workflow_create', { workflow_definition: HELLO.replace('id: hello', 'id: hello2') });
    expect(stored.data).toMatchObject({ created: true, workflow: { id: 'hello2' } });

    const gated = (await operator.call('workflow_execute', { workflow_id: 'gated' })).data.execution_id;
    await until(async () => ((await operator.call('workflow_status', { execution_id: gated })).data.open_tasks.length > 0 ? true : undefined), 'the approval');
    expect((await operator.call('workflow_approve', { execution_id: gated, comment: 'ok' })).isError).toBe(false);
    const slow = (await operator.call('workflow_execute', { workflow_id: 'slow' })).data.execution_id;
    expect((await operator.call('workflow_cancel', { execution_id: slow, reason: 'enough' })).data.run.status).toBe('cancelled');

    const events = async (id: string) => (await t.call('GET', `/api/v1/workflows/executions/${id}/events`, { key: viewerKey })).body.events as Array<{ type: string; data: any }>;
    expect((await events(gated)).find((e) => e.type === 'RunCreated')?.data.startedBy).toBe('deploy-bot');
    expect((await events(gated)).find((e) => e.type === 'ApprovalGranted')?.data).toMatchObject({ by: 'deploy-bot', comment: 'ok' });
    expect((await events(slow)).find((e) => e.type === 'RunCancelled')?.data).toMatchObject({ by: 'deploy-bot', reason: 'enough' });
  });

  it('serves resources, without subscriptions (stateless)', async () => {
    expect(viewer.client.getServerCapabilities()?.resources?.subscribe).toBe(false);
    const source = await viewer.client.readResource({ uri: 'cairn://workflows/hello' });
    expect(source.contents[0]).toMatchObject({ mimeType: 'application/yaml', text: HELLO });
    const runs = await viewer.client.listResources();
    expect(runs.resources.some((r) => r.uri.startsWith('cairn://runs/'))).toBe(true);
    await expect(viewer.client.subscribeResource({ uri: 'cairn://workflows/hello' })).rejects.toThrow();
  });
});

function refusedFor(answer: { isError: boolean; data: any }, needed: string): void {
  expect(answer.isError).toBe(true);
  expect(answer.data.error).toMatchObject({ code: 'FORBIDDEN', details: { needed } });
}
