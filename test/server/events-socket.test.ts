import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, until, type TestServer } from './harness.js';

interface Message {
  type: string;
  cursor: number;
  runId?: string;
  seq?: number;
}

/** A client that keeps every message it receives. */
function connect(t: TestServer, query: string, key: string): Promise<{ socket: WebSocket; messages: Message[] }> {
  const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/events${query}`, { headers: { authorization: `Bearer ${key}` } });
  const messages: Message[] = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Message));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages }));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

async function start(t: TestServer, who: string): Promise<string> {
  const res = await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'hello', parameters: { who } } });
  expect(res.status).toBe(202);
  return res.body.execution_id as string;
}

async function finished(t: TestServer, id: string): Promise<void> {
  await until(async () => ['succeeded', 'failed'].includes((await t.call('GET', `/api/v1/workflows/executions/${id}`, { key: t.admin.key })).body.run.status), `run ${id} to finish`);
}

describe('live events over WebSocket', () => {
  let t: TestServer;
  let viewer: string;
  beforeAll(async () => {
    t = await startServer();
    viewer = await t.key('viewer');
  });
  afterAll(async () => t.close());

  it('refuses the upgrade without a key', async () => {
    await expect(connect(t, '', 'cairn_000000000000_' + 'x'.repeat(43))).rejects.toThrow('401');
  });

  it('streams events in order; a client that disconnects and resumes from its last cursor misses nothing', async () => {
    const first = await connect(t, '', viewer);
    await until(() => first.messages.find((m) => m.type === 'hello'), 'hello');
    const a = await start(t, 'a');
    await finished(t, a);
    await until(() => first.messages.some((m) => m.runId === a && m.type === 'RunFinished'), 'run a to finish on the stream');
    // Drop the connection, let more happen while nobody listens, then resume.
    const last = first.messages.at(-1)?.cursor ?? 0;
    first.socket.close();
    const b = await start(t, 'b');
    const c = await start(t, 'c');
    await finished(t, b);
    await finished(t, c);
    const second = await connect(t, `?after=${last}`, viewer);
    await until(() => [b, c].every((id) => second.messages.some((m) => m.runId === id && m.type === 'RunFinished')), 'b and c on the resumed stream');
    second.socket.close();

    const seen = [...first.messages, ...second.messages].filter((m) => m.type !== 'hello');
    const cursors = seen.map((m) => m.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
    expect([...cursors].sort((x, y) => x - y)).toEqual(cursors);
    // Every event of every run arrived, each run's seq without a gap.
    for (const id of [a, b, c]) {
      const stored = (await t.call('GET', `/api/v1/workflows/executions/${id}/events`, { key: viewer })).body.events as Array<{ seq: number }>;
      expect(seen.filter((m) => m.runId === id).map((m) => m.seq)).toEqual(stored.map((e) => e.seq));
    }
  });

  it("streams one run's events only, from the start with after=0", async () => {
    const a = await start(t, 'solo');
    const other = await start(t, 'other');
    await finished(t, a);
    await finished(t, other);
    const client = await connect(t, `?run=${a}&after=0`, viewer);
    await until(() => client.messages.some((m) => m.type === 'RunFinished'), 'the run to finish on the stream');
    client.socket.close();
    const events = client.messages.filter((m) => m.type !== 'hello');
    expect(events.every((m) => m.runId === a)).toBe(true);
    expect(events.map((m) => m.seq)).toEqual(events.map((_, i) => i + 1));
  });

  describe('from a browser: the key as a subprotocol', () => {
    // Browsers cannot set Authorization on a WebSocket: they send `cairn.v1` and `cairn.key.<key>`.
    function connectAsBrowser(query: string, protocols: string[]): Promise<{ socket: WebSocket; messages: Message[] }> {
      const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/events${query}`, protocols);
      const messages: Message[] = [];
      socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Message));
      return new Promise((resolve, reject) => {
        socket.once('open', () => resolve({ socket, messages }));
        socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
        socket.once('error', reject);
      });
    }

    it('accepts the key as cairn.key.<key> and answers with cairn.v1 only, never echoing the key', async () => {
      const client = await connectAsBrowser('?after=0', ['cairn.v1', `cairn.key.${viewer}`]);
      expect(client.socket.protocol).toBe('cairn.v1');
      await until(() => client.messages.find((m) => m.type === 'hello'), 'hello');
      const a = await start(t, 'browser');
      await until(() => client.messages.some((m) => m.runId === a && m.type === 'RunFinished'), 'the run on the stream');
      client.socket.close();
    });

    it('refuses a wrong key sent as a subprotocol (401), and no key at all', async () => {
      await expect(connectAsBrowser('', ['cairn.v1', `cairn.key.cairn_000000000000_${'y'.repeat(43)}`])).rejects.toThrow('401');
      await expect(connectAsBrowser('', ['cairn.v1'])).rejects.toThrow('401');
    });

    it('takes the subprotocol key only on a WebSocket upgrade, not on plain HTTP requests', async () => {
      const res = await t.call('GET', '/api/v1/tasks', { headers: { 'sec-websocket-protocol': `cairn.v1, cairn.key.${viewer}` } });
      expect(res.status).toBe(401);
    });
  });
});
