import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type McpConnection } from '../mcp/harness.js';
import { HELLO, startServer, until, type TestServer } from '../server/harness.js';

/* The same report over a real server: the REST route and the MCP tool, with their filters. */

describe('analytics over HTTP and MCP', () => {
  let t: TestServer;
  let viewer: string;
  let mcp: McpConnection;
  beforeAll(async () => {
    t = await startServer({ files: { 'hello.yaml': HELLO } });
    viewer = await t.key('viewer', 'dash');
    mcp = await httpClient(t.url, viewer);
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.close();
  });

  it('GET /workflows/analytics: no history yet, then the figures of real runs', async () => {
    const empty = await t.call('GET', '/api/v1/workflows/analytics', { key: viewer });
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ empty: true, workflows: [], window: { runs: 0, limit: 5_000, truncated: false } });
    expect(empty.body.summary).toMatch(/^No history yet/);

    const operator = await t.key('operator');
    for (let i = 0; i < 2; i++) expect((await t.call('POST', '/api/v1/workflows/execute', { key: operator, body: { workflow_id: 'hello' } })).status).toBe(202);
    const report = await until(async () => {
      const r = await t.call('GET', '/api/v1/workflows/analytics?workflow=hello&since=1h&sample=10', { key: viewer });
      return r.body.workflows?.[0]?.succeeded === 2 ? r.body : undefined;
    }, 'two runs of hello to succeed');
    expect(report).toMatchObject({ empty: false, summary: expect.stringMatching(/^2 runs of workflow 'hello' since /), window: { workflowId: 'hello', limit: 10, runs: 2 } });
    expect(report.workflows[0]).toMatchObject({ workflowId: 'hello', runs: 2, successRate: 1, retries: 0, failingSteps: [], duration: { count: 2 } });
    expect(report.series.points.reduce((a: number, p: { succeeded: number }) => a + p.succeeded, 0)).toBe(2);

    const other = await t.call('GET', '/api/v1/workflows/analytics?workflow=nope', { key: viewer });
    expect(other.body).toMatchObject({ empty: true, summary: "No history yet: no runs of workflow 'nope' in the store, so there are no figures to show." });
  });

  it('refuses a bad since or sample with 400 and the field', async () => {
    const since = await t.call('GET', '/api/v1/workflows/analytics?since=soon', { key: viewer });
    expect(since.status).toBe(400);
    expect(since.body.error).toMatchObject({ code: 'USAGE', message: expect.stringContaining("got 'soon'"), details: { field: 'since' } });
    const sample = await t.call('GET', '/api/v1/workflows/analytics?sample=0', { key: viewer });
    expect(sample.status).toBe(400);
    expect((await t.call('GET', '/api/v1/workflows/analytics')).status).toBe(401);
  });

  it('workflow_analytics: the same report, with workflow_id and since', async () => {
    await until(async () => (await t.call('GET', '/api/v1/workflows/analytics', { key: viewer })).body.totals?.succeeded >= 2, 'the runs of the first test');
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const answer = await mcp.call('workflow_analytics', { workflow_id: 'hello', since: yesterday });
    expect(answer.isError).toBe(false);
    expect(answer.text.startsWith(`2 runs of workflow 'hello' since ${yesterday} 00:00 UTC.`)).toBe(true);
    expect(answer.data).toMatchObject({ empty: false, runs: { succeeded: 2 }, workflows: [{ workflowId: 'hello', succeeded: 2, successRate: 1 }] });
    const bad = await mcp.call('workflow_analytics', { since: 'whenever' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('USAGE');
  });
});
