// @vitest-environment happy-dom
import { forEachDiagnostic } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import { cleanup, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../web/src/App';
import { startServer, type TestServer } from '../server/harness';
import { pointAt } from './real-server';

// The page's chunks load on first use and the validator answers over HTTP: wait generously (never a timed assertion).
configure({ asyncUtilTimeout: 15_000 });

/** The Designer against a real server: its commands, its validator, its catalog. */
describe('the Designer page', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ dashboard: false });
  });
  afterEach(() => {
    cleanup();
    sessionStorage.clear();
  });
  afterAll(async () => t.close());

  async function open(key: string) {
    pointAt(t.url, '#/designer');
    sessionStorage.setItem('cairn.key', key);
    render(<App />);
    // The palette lists the server's commands.
    await screen.findByRole('button', { name: 'Add a log step' });
  }

  function editorView(): EditorView {
    const dom = document.querySelector<HTMLElement>('.cm-editor');
    const view = dom && EditorView.findFromDOM(dom);
    if (!view) throw new Error('no editor');
    return view;
  }

  function stepChoices(): string[] {
    const select = screen.getByLabelText('Step') as HTMLSelectElement;
    return [...select.options].map((o) => o.value).filter((v) => v !== '');
  }

  it('adds steps from the palette by keyboard or click, connects them, validates, dry-runs and saves a new revision', async () => {
    await open(t.admin.key);
    await waitFor(() => expect(document.querySelector('.cm-editor')).toBeTruthy());
    // The starter has no steps: the real validator says so.
    await waitFor(() => expect(screen.getByTestId('designer-validity').textContent).toMatch(/✗ \d+ error/));

    fireEvent.click(screen.getByRole('button', { name: 'Add a log step' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add a log step' }));
    await waitFor(() => expect(stepChoices()).toEqual(['log', 'log-2']));
    expect(screen.getByTestId('designer-notice').textContent).toBe('Added step log-2 (log).');

    fireEvent.change(screen.getByLabelText('Step'), { target: { value: 'log-2' } });
    fireEvent.change(screen.getByLabelText('waits for'), { target: { value: 'log' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add dependency' }));
    await waitFor(() => expect(screen.getByTestId('designer-notice').textContent).toBe('log-2 now waits for log.'));
    // The editor holds the written-back YAML, comments kept.
    const text = editorView().state.doc.toString();
    expect(text).toMatch(/^# A new workflow\./);
    expect(parse(text).steps).toEqual([
      { id: 'log', command: 'log', parameters: { message: 'hello from cairn' } },
      { id: 'log-2', command: 'log', parameters: { message: 'hello from cairn' }, depends_on: ['log'] },
    ]);
    await waitFor(() => expect(screen.getByTestId('designer-validity').textContent).toBe('✓ valid'));

    // A cycle is refused with a reason, and the text is left alone.
    fireEvent.change(screen.getByLabelText('Step'), { target: { value: 'log' } });
    fireEvent.change(screen.getByLabelText('waits for'), { target: { value: 'log-2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add dependency' }));
    await waitFor(() => expect(screen.getByTestId('designer-notice').textContent).toBe("'log-2' already depends on 'log': the new dependency would make a cycle"));
    expect(editorView().state.doc.toString()).toBe(text);

    fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));
    const plan = await screen.findByRole('region', { name: /Dry run: my-workflow/ });
    expect([...plan.querySelectorAll('ol.designer-stages > li')].map((li) => li.textContent?.replace(/\s+/g, ' '))).toEqual(['Stage 1log runs log', 'Stage 2log-2 runs log, after log']);

    fireEvent.click(screen.getByRole('button', { name: 'Save as new version' }));
    await waitFor(() => expect(screen.getByTestId('designer-notice').textContent).toBe('Saved my-workflow as revision 1.'));
    const stored = await t.call('GET', '/api/v1/workflows/templates/my-workflow', { key: t.admin.key });
    expect(stored.body.template.source).toBe(text);
    expect((screen.getByRole('button', { name: 'Run' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows the validator's errors inline at their line and in the problems list", async () => {
    await open(t.admin.key);
    await waitFor(() => expect(document.querySelector('.cm-editor')).toBeTruthy());
    const view = editorView();
    const bad = 'id: broken\nsteps:\n  - id: a\n    command: lgo\n';
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: bad } });
    const problems = screen.getByRole('region', { name: 'Problems' });
    const item = await within(problems).findByText(/DEF_UNKNOWN_COMMAND/);
    expect(item.closest('li')?.textContent).toMatch(/^line 4:14 error DEF_UNKNOWN_COMMAND/);
    await waitFor(() => {
      const found: Array<{ from: number; to: number; severity: string }> = [];
      forEachDiagnostic(view.state, (d, from, to) => found.push({ from, to, severity: d.severity }));
      expect(found.map((d) => ({ ...d, text: bad.slice(d.from, d.to) }))).toContainEqual({ from: bad.indexOf('lgo'), to: bad.indexOf('lgo') + 3, severity: 'error', text: 'lgo' });
    });
    // The problem's place moves the cursor there.
    fireEvent.click(within(problems).getByRole('button', { name: 'line 4:14' }));
    expect(view.state.selection.main.head).toBe(bad.indexOf('lgo'));
  });

  it('completes command names and step keys from the server in the editor', async () => {
    await open(t.admin.key);
    await waitFor(() => expect(document.querySelector('.cm-editor')).toBeTruthy());
    const view = editorView();
    const { currentCompletions, startCompletion } = await import('@codemirror/autocomplete');
    const complete = async (text: string) => {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: text.length } });
      startCompletion(view);
      let labels: string[] = [];
      await waitFor(() => {
        labels = currentCompletions(view.state).map((c) => c.label);
        expect(labels.length).toBeGreaterThan(0);
      });
      return labels;
    };
    expect(await complete('id: x\nsteps:\n  - id: a\n    command: sh')).toEqual(['shell']);
    expect(await complete('id: x\nsteps:\n  - id: a\n    command: shell\n    time')).toEqual(['timeout_seconds']);
  });

  it('opens a stored workflow from the URL, and hides Save from a viewer', async () => {
    const viewer = await t.key('viewer', 'vic');
    pointAt(t.url, '#/designer?workflow=hello');
    sessionStorage.setItem('cairn.key', viewer);
    render(<App />);
    await waitFor(() => expect(screen.getByTestId('designer-notice').textContent).toBe('Opened hello, revision 1.'));
    await waitFor(() => expect(stepChoices()).toEqual(['greet']));
    expect(screen.queryByRole('button', { name: 'Save as new version' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Run' })).toBeNull();
  });
});
