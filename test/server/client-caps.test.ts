import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, until, type TestServer } from './harness.js';

/** Caps the server enforces with clear errors: WebSocket clients, unfinished runs, parameter size. */

function open(t: TestServer, key: string): Promise<{ socket?: WebSocket; status?: number; body?: string }> {
  const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/events`, { headers: { authorization: `Bearer ${key}` } });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

const ASK = 'id: ask\nparameters:\n  note: { type: string, default: "" }\nsteps:\n  - id: answer\n    command: task\n    parameters: { assignee: someone, instructions: Answer. }\n';

describe('client and run caps through the server', () => {
  let t: TestServer | undefined;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.terminate();
    await t?.close();
    t = undefined;
  });

  it('WebSocket clients: one past server.max_websocket_clients is refused with 503 TOO_MANY_CLIENTS; a slot frees when one leaves', async () => {
    t = await startServer({ maxWebsocketClients: 2 });
    for (let i = 0; i < 2; i++) {
      const { socket } = await open(t, t.admin.key);
      expect(socket).toBeDefined();
      sockets.push(socket as WebSocket);
    }
    const refused = await open(t, t.admin.key);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body ?? '{}')).toMatchObject({ error: { code: 'TOO_MANY_CLIENTS', details: { limit: 2 } } });
    const leaving = sockets.shift() as WebSocket;
    await new Promise<void>((resolve) => {
      leaving.once('close', () => resolve());
      leaving.close();
    });
    const server = t;
    const again = await until(async () => {
      const attempt = await open(server, server.admin.key);
      return attempt.socket;
    }, 'a slot to free');
    sockets.push(again);
  });

  it('the same cap from cairn.yaml (server.max_websocket_clients)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-caps-'));
    writeFileSync(join(dir, 'cairn.yaml'), 'server:\n  max_websocket_clients: 1\n');
    t = await startServer({ config: join(dir, 'cairn.yaml') });
    const first = await open(t, t.admin.key);
    sockets.push(first.socket as WebSocket);
    expect((await open(t, t.admin.key)).status).toBe(503);
  });

  it('unfinished runs: POST /workflows/execute past limits.max_concurrent_runs answers 429 TOO_MANY_RUNS; parameters past max_parameters_bytes 413', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-caps-'));
    writeFileSync(join(dir, 'cairn.yaml'), 'limits:\n  max_concurrent_runs: 1\n  max_parameters_bytes: 2048\n');
    t = await startServer({ files: { 'ask.yaml': ASK }, config: join(dir, 'cairn.yaml') });
    const first = await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'ask' } });
    expect(first.status).toBe(202);
    const second = await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'ask' } });
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: 'TOO_MANY_RUNS', details: { active: 1, limit: 1 } });
    await t.call('POST', `/api/v1/workflows/executions/${first.body.execution_id}/cancel`, { key: t.admin.key, body: {} });
    const big = await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'ask', parameters: { note: 'x'.repeat(4000) } } });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'PARAMETERS_TOO_LARGE', details: { bytes: 4011, limit: 2048 } });
  });
});
