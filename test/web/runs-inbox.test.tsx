// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Inbox, { isFor } from '../../web/src/pages/Inbox';
import Runs from '../../web/src/pages/Runs';
import type { OpenTask } from '../../web/src/types';
import { startServer, until, type TestServer } from '../server/harness';
import { pointAt, renderAs } from './real-server';

const APPROVE = `id: gated
steps:
  - id: gate
    command: approval
    parameters: { instructions: Please approve., approvers: [olga] }
  - id: after
    command: log
    depends_on: [gate]
    parameters: { message: done }
`;

describe('the Runs and Inbox pages', () => {
  let t: TestServer;
  let operator: string;
  const status = async (id: string) => (await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: t.admin.key })).body.run.status as string;
  const start = async (workflow: string) => (await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: workflow } })).body.execution_id as string;

  beforeAll(async () => {
    t = await startServer({ dashboard: false, files: { 'gated.yaml': APPROVE, 'hello.yaml': 'id: hello\nsteps:\n  - { id: greet, command: log, parameters: { message: hi } }\n' } });
    pointAt(t.url);
    operator = await t.key('operator', 'olga');
  });
  afterEach(() => cleanup());
  afterAll(async () => t.close());

  it('lists runs newest first with status and who started them, filtered by the status in the address', async () => {
    const done = await start('hello');
    await until(async () => (await status(done)) === 'succeeded', 'hello to finish');
    const waiting = await start('gated');
    await until(async () => (await status(waiting)) === 'waiting', 'the gate');
    renderAs({ key: operator, name: 'olga', role: 'operator' }, <Runs params={{}} path="/runs" />);
    const table = await screen.findByRole('table', { name: 'Runs' });
    await waitFor(() => expect(table.querySelectorAll('tbody tr')).toHaveLength(2));
    const rows = [...table.querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-run'))).toEqual([waiting, done]);
    expect(rows[0]!.textContent).toContain('admin');
    cleanup();
    renderAs({ key: operator, name: 'olga', role: 'operator' }, <Runs params={{}} path="/runs?status=succeeded" />);
    const filtered = await screen.findByRole('table', { name: 'Runs' });
    await waitFor(() => expect([...filtered.querySelectorAll('tbody tr')].map((r) => r.getAttribute('data-status'))).toEqual(['succeeded']));
  });

  it("shows an approval waiting for the key's name, and approving it lets the run finish", async () => {
    const id = await start('gated');
    await until(async () => (await status(id)) === 'waiting', 'the gate');
    renderAs({ key: operator, name: 'olga', role: 'operator' }, <Inbox params={{}} path="/inbox" />);
    const box = await waitFor(() => {
      const el = document.querySelector(`[data-task="${id}/gate"]`);
      if (!el) throw new Error('no task yet');
      return el as HTMLElement;
    });
    expect(box.textContent).toContain('Please approve.');
    // Named by its workflow, which links to the run.
    const link = [...document.querySelectorAll<HTMLAnchorElement>('a')].find((a) => a.textContent === 'gated');
    expect(link?.getAttribute('href')).toContain(`/runs/${id}`);
    fireEvent.click(box.querySelector('button.primary')!);
    await until(async () => (await status(id)) === 'succeeded', 'the approved run to finish');
    const events = (await t.call('GET', `/api/v1/workflows/executions/${id}/events`, { key: t.admin.key })).body.events as Array<{ type: string; data: { by?: string } }>;
    expect(events.find((e) => e.type === 'ApprovalGranted')?.data.by).toBe('olga');
  });

  it("keeps other people's tasks out of the inbox unless asked", () => {
    const task = (extra: Partial<OpenTask>): OpenTask => ({ kind: 'approval', runId: 'r', workflowId: 'w', workflowName: 'W', step: 's', approvedBy: [], ...extra });
    const me = { name: 'olga', role: 'operator' as const };
    expect(isFor(task({ approvers: ['olga'] }), me)).toBe(true);
    expect(isFor(task({ approvers: ['operator'] }), me)).toBe(true);
    expect(isFor(task({ assignee: 'bob' }), me)).toBe(false);
    expect(isFor(task({}), me)).toBe(true);
  });
});
