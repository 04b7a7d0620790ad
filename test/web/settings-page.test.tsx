// @vitest-environment happy-dom
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../web/src/App';
import { startServer, until, type TestServer } from '../server/harness';
import { pointAt } from './real-server';

configure({ asyncUtilTimeout: 15_000 });

/** Settings against a real server (with pools configured) and a real webhook receiver. */
describe('the Settings page', () => {
  let t: TestServer;
  let receiver: Server;
  let receiverUrl: string;
  const received: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-settings-'));
    writeFileSync(join(dir, 'cairn.yaml'), 'pools:\n  deployers: { slots: 2, description: who may deploy at once }\n');
    t = await startServer({ dashboard: false, cwd: dir, config: join(dir, 'cairn.yaml') });
    pointAt(t.url);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
  });
  afterEach(() => {
    cleanup();
    sessionStorage.clear();
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => receiver.close(r));
  });

  function show(key: string) {
    pointAt(t.url, '#/settings');
    sessionStorage.setItem('cairn.key', key);
    render(<App />);
  }

  it('creates a key (shown once), lists it, and revokes it after a confirmation', async () => {
    show(t.admin.key);
    const keys = await screen.findByRole('region', { name: 'API keys' });
    fireEvent.change(within(keys).getByLabelText('Name (who holds it)'), { target: { value: 'deploy-bot' } });
    fireEvent.change(within(keys).getByLabelText('Role'), { target: { value: 'viewer' } });
    fireEvent.click(within(keys).getByRole('button', { name: 'Create key' }));
    const secret = (await within(keys).findByTestId('shown-once-secret')).textContent ?? '';
    expect(secret).toMatch(/^cairn_[0-9a-f]{12}_/);
    // The key works, with the role chosen.
    expect((await t.call('GET', '/api/v1/whoami', { key: secret })).body).toMatchObject({ name: 'deploy-bot', role: 'viewer' });
    const row = await waitFor(() => {
      const found = within(keys).getAllByRole('row').find((r) => r.textContent?.startsWith('deploy-bot'));
      expect(found).toBeTruthy();
      return found!;
    });
    expect(row.textContent).toMatch(/viewer/);
    expect(row.textContent).toMatch(/live/);
    fireEvent.click(within(keys).getByRole('button', { name: 'I have kept it' }));
    expect(within(keys).queryByTestId('shown-once-secret')).toBeNull();

    fireEvent.click(within(row).getByRole('button', { name: 'Revoke key deploy-bot' }));
    fireEvent.click(within(row).getByRole('button', { name: 'Yes, revoke' }));
    await waitFor(() => expect(within(keys).getAllByRole('row').find((r) => r.textContent?.startsWith('deploy-bot'))?.textContent).toMatch(/revoked/));
    expect((await t.call('GET', '/api/v1/whoami', { key: secret })).status).toBe(401);
  });

  it('subscribes a webhook (secret shown once), shows its deliveries, and deletes it', async () => {
    show(t.admin.key);
    const hooks = await screen.findByRole('region', { name: 'Webhooks' });
    fireEvent.change(within(hooks).getByLabelText('URL'), { target: { value: receiverUrl } });
    fireEvent.change(within(hooks).getByLabelText('Description'), { target: { value: 'ops chat' } });
    fireEvent.click(within(hooks).getByLabelText('every event'));
    fireEvent.click(within(hooks).getByLabelText('workflow.started'));
    fireEvent.click(within(hooks).getByRole('button', { name: 'Subscribe' }));
    expect((await within(hooks).findByTestId('shown-once-secret')).textContent).toMatch(/^whsec_/);
    await within(hooks).findByText(receiverUrl);
    const listed = (await t.call('GET', '/api/v1/webhooks', { key: t.admin.key })).body.webhooks;
    expect(listed).toMatchObject([{ url: receiverUrl, events: ['workflow.started'], description: 'ops chat' }]);

    // A run sends workflow.started; the delivery log shows it.
    await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'hello' } });
    await until(() => (received.length > 0 ? true : undefined), 'the webhook to be delivered');
    fireEvent.click(within(hooks).getByRole('button', { name: `Deliveries of ${receiverUrl}` }));
    const log = await within(hooks).findByRole('region', { name: 'Delivery log' });
    await waitFor(() => expect(within(log).getAllByRole('row').map((r) => r.textContent)).toContainEqual(expect.stringMatching(/^workflow\.starteddelivered1/)));

    fireEvent.click(within(hooks).getByRole('button', { name: `Delete webhook ${receiverUrl}` }));
    fireEvent.click(within(hooks).getByRole('button', { name: 'Yes, delete' }));
    await within(hooks).findByText('No webhooks yet.');
    expect((await t.call('GET', '/api/v1/webhooks', { key: t.admin.key })).body.webhooks).toEqual([]);
  });

  it('lists the configured pools and the locks held', async () => {
    show(t.admin.key);
    const locks = await screen.findByRole('region', { name: 'Locks and pools' });
    await waitFor(() => expect(within(locks).getAllByRole('row').map((r) => r.textContent)).toContainEqual('deployerswho may deploy at once0 of 2'));
    expect(within(locks).getByText('No lock or pool slot is held.')).toBeTruthy();
  });

  it('is not shown to an operator', async () => {
    show(await t.key('operator', 'otto'));
    expect((await screen.findByRole('alert')).textContent).toBe('This page needs the admin role; your key is operator.');
  });
});
