import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELLO, startServer, until, type TestServer } from './harness.js';

const APPROVAL = `id: gated
steps:
  - id: approve
    command: approval
    parameters: { approvers: [alice-key, bob-key], required: 1 }
  - id: after
    command: log
    depends_on: [approve]
    parameters: { message: approved }
`;

describe('REST API', () => {
  let t: TestServer;
  let operator: string;
  beforeAll(async () => {
    t = await startServer({ files: { 'hello.yaml': HELLO, 'gated.yaml': APPROVAL } });
    operator = await t.key('operator', 'alice-key');
  });
  afterAll(async () => t.close());

  it('starts once per Idempotency-Key, and lists runs with filters and pages', async () => {
    const body = { workflow_id: 'hello', parameters: { who: 'idem' } };
    const first = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body, headers: { 'idempotency-key': 'deploy-42' } });
    const again = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body, headers: { 'idempotency-key': 'deploy-42' } });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ execution_id: first.body.execution_id, duplicate: true });
    const other = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body });
    expect(other.body.execution_id).not.toBe(first.body.execution_id);
    await until(async () => (await t.call('GET', '/api/v1/workflows/executions?status=succeeded&workflow_id=hello', { key: operator })).body.executions.length >= 2, 'both runs to succeed');
    const page1 = await t.call('GET', '/api/v1/workflows/executions?limit=1&workflow_id=hello', { key: operator });
    expect(page1.body.executions).toHaveLength(1);
    const page2 = await t.call('GET', `/api/v1/workflows/executions?limit=1&workflow_id=hello&before=${page1.body.next_before}`, { key: operator });
    expect(page2.body.executions[0].id).not.toBe(page1.body.executions[0].id);
    const bad = await t.call('GET', '/api/v1/workflows/executions?status=done', { key: operator });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'BODY_INVALID', details: { issues: [{ path: 'query.status' }] } });
  });

  it('refuses bad bodies with a code and the field, and changes nothing', async () => {
    const before = (await t.call('GET', '/api/v1/workflows/executions', { key: operator })).body.executions.length;
    const cases: Array<[unknown, number, string]> = [
      ['{not json', 400, 'BODY_INVALID'],
      [{ workflow_id: 'hello', extra: 1 }, 400, 'BODY_INVALID'],
      [{ workflow_id: 42 }, 400, 'BODY_INVALID'],
      [{ workflow_id: 'hello', parameters: { nope: 1 } }, 422, 'PARAMETER_INVALID'],
      [{ workflow_id: 'missing' }, 404, 'WORKFLOW_NOT_FOUND'],
      [{ workflow_id: 'x'.repeat(2 * 1024 * 1024) }, 413, 'BODY_TOO_LARGE'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body });
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(typeof res.body.error.message).toBe('string');
    }
    const wrongType = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body: 'workflow_id=hello', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(wrongType.status).toBe(415);
    expect((await t.call('GET', '/api/v1/workflows/executions', { key: operator })).body.executions.length).toBe(before);
  });

  it('stores templates with revisions: a changed body is a new revision, the same body is not', async () => {
    const def = { id: 'nightly', name: 'Nightly', category: 'maintenance', steps: [{ id: 'a', command: 'log', parameters: { message: 'one' } }] };
    const created = await t.call('POST', '/api/v1/workflows/templates', { key: t.admin.key, body: def });
    expect(created.status).toBe(201);
    expect(created.body.template).toMatchObject({ id: 'nightly', revision: 1 });
    const same = await t.call('POST', '/api/v1/workflows/templates', { key: t.admin.key, body: def });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ created: false, template: { revision: 1 } });
    const changed = await t.call('POST', '/api/v1/workflows/templates', { key: t.admin.key, body: { definition: 'id: nightly\nname: Nightly\ncategory: maintenance\nsteps:\n  - id: a\n    command: log\n    parameters: { message: two }\n', format: 'yaml' } });
    expect(changed.body.template).toMatchObject({ id: 'nightly', revision: 2 });
    const detail = await t.call('GET', '/api/v1/workflows/templates/nightly', { key: operator });
    expect(detail.body.template.revisions.map((r: { revision: number }) => r.revision)).toEqual([1, 2]);
    expect(detail.body.template.source).toContain('message: two');
    const old = await t.call('GET', '/api/v1/workflows/templates/nightly?revision=1', { key: operator });
    expect(old.body.template.source).toContain('"one"');
    expect((await t.call('GET', '/api/v1/workflows/templates?category=maintenance', { key: operator })).body.templates.map((w: { id: string }) => w.id)).toEqual(['nightly']);
    // An invalid definition is refused with positioned diagnostics and stored nowhere.
    const invalid = await t.call('POST', '/api/v1/workflows/templates', { key: t.admin.key, body: { definition: 'id: broken\nsteps:\n  - id: a\n    command: shel\n', format: 'yaml' } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('DEFINITION_INVALID');
    expect(invalid.body.error.details.diagnostics[0]).toMatchObject({ line: 4, code: expect.any(String) });
    expect((await t.call('GET', '/api/v1/workflows/templates/broken', { key: operator })).status).toBe(404);
    // Operators may not create workflows.
    expect((await t.call('POST', '/api/v1/workflows/templates', { key: operator, body: def })).status).toBe(403);
  });

  it('validates a definition and answers with file:line:col diagnostics', async () => {
    const res = await t.call('POST', '/api/v1/workflows/validate', { key: operator, body: { definition: 'id: x\nsteps:\n  - id: a\n    command: log\n    depends_on: [b]\n' } });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.diagnostics[0]).toMatchObject({ severity: 'error', line: 5 });
    const ok = await t.call('POST', '/api/v1/workflows/validate', { key: operator, body: { definition: { id: 'y', steps: [{ id: 'a', command: 'log', parameters: { message: 'hi' } }] }, level: 'paranoid' } });
    expect(ok.body).toMatchObject({ valid: true, level: 'paranoid' });
  });

  it('records the key name as the approver', async () => {
    const started = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body: { workflow_id: 'gated' } });
    const id = started.body.execution_id as string;
    await until(async () => (await t.call('GET', `/api/v1/tasks?run=${id}`, { key: operator })).body.tasks.length === 1, 'the approval to open');
    const viewer = await t.key('viewer', 'bob-key');
    expect((await t.call('POST', `/api/v1/workflows/executions/${id}/steps/approve/approve`, { key: viewer, body: {} })).status).toBe(403);
    const approved = await t.call('POST', `/api/v1/workflows/executions/${id}/steps/approve/approve`, { key: operator, body: { comment: 'looks good' } });
    expect(approved.status).toBe(200);
    await until(async () => (await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: operator })).body.run.status === 'succeeded', 'the run to finish');
    const events = (await t.call('GET', `/api/v1/workflows/executions/${id}/events`, { key: operator })).body.events as Array<{ type: string; data: Record<string, unknown> }>;
    expect(events.find((e) => e.type === 'ApprovalGranted')?.data).toMatchObject({ by: 'alice-key', comment: 'looks good' });
  });

  it('loads a changed file from --workflows as a new revision', async () => {
    writeFileSync(join(t.dir, 'workflows', 'hello.yaml'), HELLO.replace('default: world', 'default: planet'));
    await until(async () => (await t.call('GET', '/api/v1/workflows/templates/hello', { key: operator })).body.template.revision === 2, 'the new revision');
    const res = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body: { workflow_id: 'hello' } });
    expect(res.body.run.parameters).toEqual({ who: 'planet' });
  });

  it('starts a built-in template by its template:NAME id', async () => {
    const res = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body: { workflow_id: 'template:knowledge-sharing' } });
    expect(res.status).toBe(202);
    const id = res.body.execution_id as string;
    await until(async () => ['succeeded', 'failed'].includes((await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: operator })).body.run.status), 'the template run to finish');
    expect((await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: operator })).body.run).toMatchObject({ status: 'succeeded', workflowId: 'knowledge-sharing' });
    const unknown = await t.call('POST', '/api/v1/workflows/execute', { key: operator, body: { workflow_id: 'template:nope' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('incident-response');
  });

  it('refuses SSRF targets for webhooks through the API', async () => {
    // This server allows private targets (for the delivery tests); one that does not:
    const strict = await startServer({ allowPrivateWebhooks: false });
    try {
      for (const url of ['http://127.0.0.1:9/x', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/x', 'http://localhost:8080/x']) {
        const res = await strict.call('POST', '/api/v1/webhooks', { key: strict.admin.key, body: { url, events: ['workflow.failed'] } });
        expect(res.status, url).toBe(422);
        expect(res.body.error.code).toBe('WEBHOOK_URL_REFUSED');
      }
      expect((await strict.call('GET', '/api/v1/webhooks', { key: strict.admin.key })).body.webhooks).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});
