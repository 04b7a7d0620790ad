// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../web/src/App';
import { startServer, type TestServer } from '../server/harness';
import { pointAt } from './real-server';

describe('logging in', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ dashboard: false });
    pointAt(t.url);
  });
  afterEach(() => {
    cleanup();
    sessionStorage.clear();
  });
  afterAll(async () => t.close());

  it('refuses a wrong key with a message, and keeps nothing', async () => {
    render(<App />);
    fireEvent.change(screen.getByLabelText('API key'), { target: { value: 'cairn_000000000000_' + 'x'.repeat(43) } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'That key is not valid (unknown, mistyped or revoked).');
    expect(sessionStorage.getItem('cairn.key')).toBeNull();
  });

  it('logs in with a real key, keeps it for the tab, shows the name, role and the pages the role may see', async () => {
    const key = await t.key('operator', 'olivia');
    render(<App />);
    fireEvent.change(screen.getByLabelText('API key'), { target: { value: key } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await screen.findByText('olivia');
    expect(screen.getByText('operator')).toBeTruthy();
    expect(sessionStorage.getItem('cairn.key')).toBe(key);
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = [...nav.querySelectorAll('a')].map((a) => a.textContent);
    expect(links).toEqual(['Workflows', 'Runs', 'Inbox', 'Analytics', 'Designer']);
    fireEvent.click(screen.getByRole('button', { name: 'Log out' }));
    await screen.findByLabelText('API key');
    expect(sessionStorage.getItem('cairn.key')).toBeNull();
  });

  it('shows Settings to an admin, and restores the session from sessionStorage on reload', async () => {
    sessionStorage.setItem('cairn.key', t.admin.key);
    render(<App />);
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    await waitFor(() => expect([...nav.querySelectorAll('a')].map((a) => a.textContent)).toContain('Settings'));
    expect(document.querySelector('.who .badge')?.textContent).toBe('admin');
  });
});
