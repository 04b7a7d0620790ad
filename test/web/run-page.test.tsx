// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Run from '../../web/src/pages/Run';
import { startServer, until, type TestServer } from '../server/harness';
import { pointAt, renderAs } from './real-server';

const FLOW = `id: flow
phases: [first, second]
steps:
  - { id: a, phase: first, command: shell, parameters: { run: 'echo from-a' } }
  - { id: b, phase: second, command: shell, depends_on: [a], parameters: { run: 'echo "n=7" >> "$CAIRN_OUTPUT"' } }
  - { id: c, phase: second, command: shell, depends_on: [a], parameters: { run: 'exit 3' } }
`;

describe('the Run page', () => {
  let t: TestServer;
  let id: string;
  beforeAll(async () => {
    t = await startServer({ dashboard: false, files: { 'flow.yaml': FLOW } });
    pointAt(t.url);
    id = (await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'flow' } })).body.execution_id;
    await until(async () => (await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: t.admin.key })).body.run.status === 'failed', 'the run to fail');
  });
  afterEach(() => cleanup());
  afterAll(async () => t.close());

  it('answers GET /executions/{id} with the plan the graph is drawn from', async () => {
    const { body } = await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: t.admin.key });
    expect(body.plan.phases).toEqual(['first', 'second']);
    expect(body.plan.steps.map((s: { id: string; dependsOn: string[]; phase: string }) => [s.id, s.dependsOn, s.phase])).toEqual([
      ['a', [], 'first'],
      ['b', ['a'], 'second'],
      ['c', ['a'], 'second'],
    ]);
  });

  it("draws the steps with their statuses, and shows a step's outputs, errors and logs", async () => {
    renderAs({ key: t.admin.key, name: 'admin', role: 'admin' }, <Run params={{ id }} path={`/runs/${id}`} />);
    await screen.findByText('failed', { selector: '[data-run-status] .status' });
    const picker = (await screen.findByLabelText('Step')) as HTMLSelectElement;
    expect([...picker.options].map((o) => o.textContent)).toEqual(['choose a step…', 'a (succeeded)', 'b (succeeded)', 'c (failed)']);
    fireEvent.change(picker, { target: { value: 'b' } });
    await screen.findAllByText(/"n": "7"/);
    // The graph (loaded lazily) draws every step with its status.
    await waitFor(() => expect([...document.querySelectorAll('.step-node')].map((n) => `${n.getAttribute('data-step')}:${n.getAttribute('data-status')}`)).toEqual(['a:succeeded', 'b:succeeded', 'c:failed']));
    fireEvent.change(picker, { target: { value: 'c' } });
    expect((await screen.findAllByRole('alert')).some((el) => /EXIT_CODE/.test(el.textContent ?? ''))).toBe(true);
    fireEvent.change(picker, { target: { value: 'a' } });
    fireEvent.click(screen.getByRole('tab', { name: 'Logs' }));
    await waitFor(() => expect(screen.getByLabelText('Logs of a').textContent).toContain('from-a'));
    fireEvent.click(screen.getByRole('tab', { name: 'Timeline' }));
    const timeline = await screen.findByRole('list', { name: 'Timeline of attempts' });
    expect(timeline.querySelectorAll('[role="listitem"]')).toHaveLength(3);
  });

  it('offers retry and roll back to an operator, and no actions to a viewer', async () => {
    renderAs({ key: t.admin.key, name: 'admin', role: 'admin' }, <Run params={{ id }} path={`/runs/${id}`} />);
    const group = await screen.findByRole('group', { name: 'Run actions' });
    expect([...group.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Retry', 'Roll back…']);
    cleanup();
    const viewer = await t.key('viewer');
    renderAs({ key: viewer, name: 'v', role: 'viewer' }, <Run params={{ id }} path={`/runs/${id}`} />);
    await screen.findByText('failed', { selector: '[data-run-status] .status' });
    expect(screen.queryByRole('group', { name: 'Run actions' })).toBeNull();
  });

  it('retries a failed run from its page', async () => {
    renderAs({ key: t.admin.key, name: 'admin', role: 'admin' }, <Run params={{ id }} path={`/runs/${id}`} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Retry' }));
    await until(async () => {
      const events = (await t.call('GET', `/api/v1/workflows/executions/${id}/events`, { key: t.admin.key })).body.events as Array<{ type: string; data: { by?: string } }>;
      return events.find((e) => e.type === 'RunRetried')?.data.by === 'admin' || undefined;
    }, 'the retry to be recorded');
  });
});
