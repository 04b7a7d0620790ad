// @vitest-environment happy-dom
import { cleanup, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../web/src/App';
import { niceScale } from '../../web/src/analytics/scale';
import { HELLO, startServer, until, type TestServer } from '../server/harness';
import { pointAt } from './real-server';

configure({ asyncUtilTimeout: 15_000 });

const FLAKY = `id: flaky
name: flaky
description: Checks the disk and fails
steps:
  - id: check-disk
    command: shell
    parameters:
      run: echo "disk full" >&2; exit 3
`;

/** Analytics from a real server's event log: two successful runs of hello, one failed run of flaky. */
describe('the Analytics page', () => {
  let t: TestServer;
  let operator: string;
  beforeAll(async () => {
    t = await startServer({ dashboard: false, files: { 'hello.yaml': HELLO, 'flaky.yaml': FLAKY } });
    // The test's own calls go through the page's fetch too: same origin as the server.
    pointAt(t.url);
    operator = await t.key('operator', 'olga');
    const ids: string[] = [];
    for (const workflow of ['hello', 'hello', 'flaky']) ids.push((await t.call('POST', '/api/v1/workflows/execute', { key: operator, body: { workflow_id: workflow } })).body.execution_id);
    for (const id of ids) await until(async () => ['succeeded', 'failed'].includes((await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: operator })).body.run.status) || undefined, `run ${id} to finish`);
  });
  afterEach(() => {
    cleanup();
    sessionStorage.clear();
  });
  afterAll(async () => t.close());

  function show() {
    pointAt(t.url, '#/analytics');
    sessionStorage.setItem('cairn.key', operator);
    render(<App />);
  }

  it('charts runs over time, success rates, duration percentiles and the failing steps', async () => {
    show();
    expect((await screen.findByTestId('analytics-summary')).textContent).toMatch(/^3 runs of 2 workflows/);
    const overTime = screen.getByRole('region', { name: 'Runs over time' });
    expect(within(overTime).getByRole('img').getAttribute('aria-label')).toMatch(/^Runs per day: 3 runs in \d+ days, at most 3 in one$/);
    expect(within(overTime).getAllByTestId('runs-bar').length).toBeGreaterThan(0);
    expect(overTime.querySelectorAll('rect.chart-ok').length).toBeGreaterThan(0);
    expect(overTime.querySelectorAll('rect.chart-fail').length).toBeGreaterThan(0);
    expect(within(overTime).getByText('66.7%')).toBeTruthy();

    const success = screen.getByRole('region', { name: 'Success rate' });
    const rows = [...success.querySelectorAll('tr')].map((tr) => tr.textContent);
    expect(rows).toEqual(['hello100% of 2 finished', 'flaky0% of 1 finished']);

    const durations = screen.getByRole('region', { name: 'Duration percentiles' });
    expect(within(durations).getAllByText(/^p50 /)).toHaveLength(2);
    expect(within(durations).getAllByText(/^max /)).toHaveLength(2);

    const failing = screen.getByRole('region', { name: 'Failing steps' });
    const cells = [...failing.querySelectorAll('tbody tr td')].map((td) => td.textContent);
    expect(cells.slice(0, 3)).toEqual(['flaky › check-disk', '1', '1']);
    expect(cells[3]).toMatch(/^1× \S+ /);
  });

  it('narrows to one workflow', async () => {
    show();
    await screen.findByTestId('analytics-summary');
    fireEvent.change(screen.getByLabelText('Workflow'), { target: { value: 'flaky' } });
    await waitFor(() => expect(screen.getByTestId('analytics-summary').textContent).toMatch(/^1 run of workflow 'flaky'/));
    const success = screen.getByRole('region', { name: 'Success rate' });
    expect([...success.querySelectorAll('tr')].map((tr) => tr.textContent)).toEqual(['flaky0% of 1 finished']);
  });

  it('suggests what to run, with reasons', async () => {
    show();
    fireEvent.change(await screen.findByLabelText('What do you want to do?'), { target: { value: 'check the disk' } });
    fireEvent.click(screen.getByRole('button', { name: 'Suggest' }));
    await waitFor(() => expect(document.querySelectorAll('ol.suggestions > li').length).toBeGreaterThan(0));
    const first = document.querySelector('ol.suggestions > li');
    expect(first?.textContent).toMatch(/flaky/);
    expect(first?.querySelectorAll('ul li').length).toBeGreaterThan(0);
  });

  it('rounds chart axes to readable ticks', () => {
    expect(niceScale(3)).toEqual({ top: 3, ticks: [0, 1, 2, 3] });
    expect(niceScale(1)).toEqual({ top: 1, ticks: [0, 1] });
    expect(niceScale(18)).toEqual({ top: 20, ticks: [0, 5, 10, 15, 20] });
    expect(niceScale(0)).toEqual({ top: 1, ticks: [0, 1] });
  });
});
