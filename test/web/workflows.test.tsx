// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Workflows, { filterLibrary, type LibraryEntry } from '../../web/src/pages/Workflows';
import { startServer, until, type TestServer } from '../server/harness';
import { pointAt, renderAs } from './real-server';

describe('the Workflows page', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ dashboard: false });
    pointAt(t.url);
    // Two successful runs with who=ops: the form should start from it.
    for (let i = 0; i < 2; i++) {
      const { body } = await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'hello', parameters: { who: 'ops' } } });
      await until(async () => (await t.call('GET', `/api/v1/workflows/executions/${body.execution_id}`, { key: t.admin.key })).body.run.status === 'succeeded', 'the run');
    }
  });
  afterEach(() => cleanup());
  afterAll(async () => t.close());

  it('lists stored workflows and built-in templates with their success rate, and filters them', async () => {
    renderAs({ key: t.admin.key, name: 'admin', role: 'admin' }, <Workflows params={{}} path="/workflows" />);
    const list = await screen.findByRole('list', { name: 'Workflows' }, { timeout: 10_000 });
    const hello = await within(list).findByText('hello', { selector: 'h2' }, { timeout: 10_000 });
    const card = hello.closest('li')!;
    await waitFor(() => expect(card.textContent).toContain('success 100% of 2 runs'));
    expect(card.textContent).toContain('file ');
    expect(list.querySelectorAll('[data-workflow^="template:"]').length).toBeGreaterThan(0);
    fireEvent.change(screen.getByLabelText('Source'), { target: { value: 'template' } });
    await waitFor(() => expect(list.querySelector('[data-workflow="hello"]')).toBeNull());
    fireEvent.change(screen.getByLabelText('Source'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'HELL' } });
    await waitFor(() => expect(list.querySelectorAll('li')).toHaveLength(1));
  });

  it('opens a run form pre-filled from history, checks as you type, and starts the run', async () => {
    window.location.hash = '#/workflows';
    renderAs({ key: t.admin.key, name: 'admin', role: 'admin' }, <Workflows params={{}} path="/workflows" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Run hello' }, { timeout: 10_000 }));
    const input = (await screen.findByLabelText(/^who/, {}, { timeout: 10_000 })) as HTMLInputElement;
    expect(input.value).toBe('ops');
    expect(screen.getByText(/values used most in 2 successful runs/)).toBeTruthy();
    fireEvent.change(input, { target: { value: 'dashboard' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(window.location.hash).toMatch(/^#\/runs\/[0-9a-z]+$/));
    const id = window.location.hash.split('/').at(-1)!;
    const { body } = await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: t.admin.key });
    expect(body.run.parameters).toEqual({ who: 'dashboard' });
  });

  it('shows no Run button to a viewer', async () => {
    const viewer = await t.key('viewer', 'vera');
    renderAs({ key: viewer, name: 'vera', role: 'viewer' }, <Workflows params={{}} path="/workflows" />);
    await screen.findAllByRole('button', { name: /^Versions of/ }, { timeout: 10_000 });
    expect(screen.queryByRole('button', { name: 'Run hello' })).toBeNull();
  });

  it('filters by text, category, tag and source', () => {
    const e = (ref: string, extra: Partial<LibraryEntry> = {}): LibraryEntry => ({ ref, name: ref, source: 'stored', tags: [], parameters: {}, steps: 1, ...extra });
    const all = [e('a', { category: 'ops', tags: ['db'] }), e('b', { description: 'Backup the DB', source: 'file' }), e('template:c', { source: 'template', tags: ['db'] })];
    const none = { text: '', category: '', source: '', tag: '' };
    expect(filterLibrary(all, { ...none, text: 'db' }).map((x) => x.ref)).toEqual(['a', 'b', 'template:c']);
    expect(filterLibrary(all, { ...none, category: 'ops' }).map((x) => x.ref)).toEqual(['a']);
    expect(filterLibrary(all, { ...none, tag: 'db', source: 'template' }).map((x) => x.ref)).toEqual(['template:c']);
  });
});
