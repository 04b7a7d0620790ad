import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../server/harness.js';
import { DEV_CYCLE, httpClient, lcov, stdioClient, until, workspace, type McpConnection } from './harness.js';

/**
 * A scripted agent drives a four-phase development cycle from start to finish using only
 * MCP tools: it reads what to do from workflow_status, does it, answers with
 * workflow_step_complete, is refused when it jumps ahead of the phases, waits for a
 * person's approval of its plan, and gets past the coverage gate only with enough coverage.
 */
async function driveDevCycle(agent: McpConnection, approver: McpConnection, writeCoverage: (text: string) => void, agentName: string): Promise<void> {
  const status = async (id: string) => {
    const s = await agent.call('workflow_status', { execution_id: id });
    expect(s.isError, s.text).toBe(false);
    return s;
  };
  const waitFor = (id: string, what: string, ok: (d: any) => boolean) =>
    until(async () => {
      const d = (await status(id)).data;
      return ok(d) ? d : undefined;
    }, what);

  const dry = await agent.call('workflow_execute', { workflow_id: 'feature-cycle', parameters: { feature: 'login' }, dry_run: true });
  expect(dry.isError, dry.text).toBe(false);
  expect(dry.data.plan.order.slice(0, 2)).toEqual(['analyze', 'plan']);
  expect(dry.data.plan.order).toContain('BLUEPRINT-approval');
  expect((await agent.call('workflow_history', {})).data.executions).toHaveLength(0);

  const started = await agent.call('workflow_execute', { workflow_id: 'feature-cycle', parameters: { feature: 'login' } });
  expect(started.isError, started.text).toBe(false);
  const id: string = started.data.execution_id;
  expect(started.data.run.startedBy).toBe(agentName);

  // ANALYZE: the one open task is the agent's.
  let s = await waitFor(id, 'the analyze task', (d) => d.open_tasks.length > 0);
  expect(s.phases.current).toBe('ANALYZE');
  expect(s.phases.list.map((p: any) => [p.name, p.state])).toEqual([
    ['ANALYZE', 'active'],
    ['BLUEPRINT', 'pending'],
    ['CONSTRUCT', 'pending'],
    ['VALIDATE', 'pending'],
  ]);
  expect(s.open_tasks).toEqual([expect.objectContaining({ step: 'analyze', kind: 'task', for_you: true, assignee: 'agent', instructions: 'Read the code for login and summarize the requirements.', output_schema: expect.objectContaining({ required: ['summary'] }) })]);
  expect(s.next).toMatchObject({ tool: 'workflow_step_complete', arguments: { execution_id: id, step: 'analyze' } });
  expect(s.gates).toEqual([expect.objectContaining({ step: 'coverage', phase: 'VALIDATE', state: 'pending' })]);

  // Jumping ahead is refused, and changes nothing.
  for (const step of ['plan', 'implement']) {
    const early = await agent.call('workflow_step_complete', { execution_id: id, step, output: { steps: ['x'], files: ['x'] } });
    expect(early.isError).toBe(true);
    expect(early.data.error.code).toBe('TASK_NOT_OPEN');
    expect(early.text).toContain(`step '${step}' is pending`);
  }
  const coverageEarly = await agent.call('workflow_step_complete', { execution_id: id, step: 'coverage', output: {} });
  expect(coverageEarly.data.error.code).toBe('TASK_NOT_OPEN');
  // An output that does not satisfy the schema is refused; the task stays open.
  const bad = await agent.call('workflow_step_complete', { execution_id: id, step: 'analyze', output: { summary: 'no' } });
  expect(bad.isError).toBe(true);
  expect(bad.data.error.code).toBe('OUTPUT_INVALID');
  expect((await status(id)).data.open_tasks.map((t: any) => t.step)).toEqual(['analyze']);

  const analyzed = await agent.call('workflow_step_complete', { execution_id: id, step: 'analyze', output: { summary: 'login needs a form and a session' } });
  expect(analyzed.isError, analyzed.text).toBe(false);
  expect(analyzed.data.completed).toBe('analyze');

  // BLUEPRINT: the plan, then a person's approval.
  s = await waitFor(id, 'the plan task', (d) => d.open_tasks.some((t: any) => t.step === 'plan'));
  expect(s.phases.current).toBe('BLUEPRINT');
  expect(s.data.step_outputs.analyze).toMatchObject({ summary: 'login needs a form and a session', completed_by: agentName });
  expect((await agent.call('workflow_step_complete', { execution_id: id, step: 'plan', output: { steps: ['add form', 'add session'] } })).isError).toBe(false);
  s = await waitFor(id, 'the plan approval', (d) => d.open_tasks.some((t: any) => t.kind === 'approval'));
  expect(s.phases.current).toBe('BLUEPRINT');
  expect(s.open_tasks).toEqual([expect.objectContaining({ step: 'BLUEPRINT-approval', kind: 'approval', approvers: ['alice'], for_you: false })]);
  expect(s.next.tool).toBe('workflow_status');
  expect(s.next.why).toContain('alice');
  const markdown = await agent.call('workflow_status', { execution_id: id, format: 'markdown' });
  expect(markdown.text).toContain('## State\nPhase: BLUEPRINT  \nStatus: NEEDS_APPROVAL');
  // The agent may not approve its own plan, nor start building before the approval.
  const selfApproval = await agent.call('workflow_approve', { execution_id: id });
  expect(selfApproval.isError).toBe(true);
  expect(selfApproval.data.error.code).toBe('NOT_ALLOWED');
  expect(selfApproval.text).toContain('not among the approvers');
  expect((await agent.call('workflow_step_complete', { execution_id: id, step: 'implement', output: { files: [] } })).data.error.code).toBe('TASK_NOT_OPEN');
  const approved = await approver.call('workflow_approve', { execution_id: id, comment: 'plan looks right' });
  expect(approved.isError, approved.text).toBe(false);
  expect(approved.data.decided).toEqual({ step: 'BLUEPRINT-approval', approve: true });

  // CONSTRUCT: the agent builds, with too little coverage at first.
  s = await waitFor(id, 'the implement task', (d) => d.open_tasks.some((t: any) => t.step === 'implement'));
  expect(s.phases.current).toBe('CONSTRUCT');
  expect(s.phases.list.map((p: any) => p.state)).toEqual(['done', 'done', 'active', 'pending']);
  writeCoverage(lcov(100, 60));
  expect((await agent.call('workflow_step_complete', { execution_id: id, step: 'implement', output: { files: ['src/login.ts'] } })).isError).toBe(false);

  // VALIDATE: the gate holds, with its evidence, and the guide says what to do.
  s = await waitFor(id, 'the gate to hold', (d) => d.status === 'failed');
  expect(s.phases.current).toBe('VALIDATE');
  expect(s.gates).toEqual([expect.objectContaining({ step: 'coverage', state: 'holding', summary: expect.stringContaining('lines 60% < 85%') })]);
  expect(JSON.stringify(s.gates[0].checks)).toContain('"lines"');
  expect(s.next).toMatchObject({ tool: 'workflow_retry', arguments: { execution_id: id, step: 'coverage' } });
  const failedDoc = (await agent.call('workflow_status', { execution_id: id, format: 'markdown' })).text;
  expect(failedDoc).toContain('Phase: VALIDATE');
  expect(failedDoc).toContain('| coverage | VALIDATE | holding |');

  writeCoverage(lcov(100, 92));
  const retried = await agent.call('workflow_retry', { execution_id: id, step: 'coverage' });
  expect(retried.isError, retried.text).toBe(false);
  s = await waitFor(id, 'the run to succeed', (d) => d.status === 'succeeded');
  expect(s.phases.list.map((p: any) => p.state)).toEqual(['done', 'done', 'done', 'done']);
  expect(s.gates[0].state).toBe('passed');
  expect(s.data.step_outputs['BLUEPRINT-approval']).toMatchObject({ approved: true, approvers: ['alice'] });
  expect(s.next.tool).toBeUndefined();
  expect((await agent.call('workflow_status', { execution_id: id, format: 'markdown' })).text).toContain('Status: COMPLETED');
  const history = await agent.call('workflow_history', { status_filter: 'succeeded', workflow_id: 'feature-cycle' });
  expect(history.data.executions.map((r: any) => r.id)).toEqual([id]);
}

describe('a scripted agent through a four-phase dev cycle', () => {
  it('over stdio (cairn mcp), with a person approving from a second cairn mcp', async () => {
    const ws = workspace();
    const agent = await stdioClient({ dir: ws.dir, db: ws.db, as: 'claude' });
    const alice = await stdioClient({ dir: ws.dir, db: ws.db, as: 'alice' });
    try {
      const created = await agent.call('workflow_create', { workflow_definition: DEV_CYCLE });
      expect(created.isError, created.text).toBe(false);
      await driveDevCycle(agent, alice, (text) => ws.write('coverage/lcov.info', text), 'claude');
    } finally {
      await alice.close();
      await agent.close();
    }
  }, 120_000);

  describe('over Streamable HTTP (cairn serve /mcp), with keys', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startServer({ files: {} });
    });
    afterAll(async () => t.close());

    it('runs the same cycle; the actors are the keys\' names', async () => {
      const admin = await httpClient(t.url, t.admin.key);
      const agent = await httpClient(t.url, await t.key('operator', 'claude'));
      const alice = await httpClient(t.url, await t.key('operator', 'alice'));
      try {
        const created = await admin.call('workflow_create', { workflow_definition: DEV_CYCLE });
        expect(created.isError, created.text).toBe(false);
        const { mkdirSync, writeFileSync } = await import('node:fs');
        const { join } = await import('node:path');
        mkdirSync(join(t.dir, 'coverage'), { recursive: true });
        await driveDevCycle(agent, alice, (text) => writeFileSync(join(t.dir, 'coverage', 'lcov.info'), text), 'claude');
      } finally {
        await Promise.all([admin.close(), agent.close(), alice.close()]);
      }
    }, 120_000);
  });
});
