import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActionFailure, type NotifyChannel } from '../../src/actions/action.js';
import { notifyAction } from '../../src/actions/notify.js';
import { networkPolicy } from '../../src/app/network-policy.js';
import { actionContext, failure as failureOf, linesOf } from './context.js';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

let server: Server;
let base: string;
let received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const status = /^\/status\/(\d+)$/.exec(req.url ?? '');
      if (status) res.writeHead(Number(status[1])).end('channel_is_archived');
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
});

describe('notify', () => {
  const channels = (): Record<string, NotifyChannel> => ({
    ops: { type: 'webhook', url: `${base}/hooks/ops?token=s3cret`, headers: { Authorization: 'Bearer abc' } },
    chat: { type: 'slack', url: `${base}/services/T000/B000/XXXX` },
    gone: { type: 'slack', url: `${base}/status/404` },
    flaky: { type: 'webhook', url: `${base}/status/503` },
    closed: { type: 'webhook', url: 'http://127.0.0.1:1/nothing-listens' },
  });

  function notify(parameters: unknown, network?: ReturnType<typeof networkPolicy>) {
    const known = channels();
    const t = actionContext(notifyAction.parameters.parse(parameters), {
      runId: 'run-9',
      step: 'announce',
      idempotencyKey: 'run-9:announce',
      channel: (name) => known[name],
      ...(network ? { network } : {}),
    });
    return { t, run: () => notifyAction.run(t.ctx) };
  }

  it('posts JSON to a webhook with its headers', async () => {
    const { run } = notify({ channel: 'ops', title: 'Deploy done', message: { version: '2.1', hosts: 3 }, severity: 'warning' });
    expect(await run()).toStrictEqual({ outputs: { delivered: ['ops'] } });
    expect(received).toHaveLength(1);
    const [hit] = received;
    expect(hit?.url).toBe('/hooks/ops?token=s3cret');
    expect(hit?.headers).toMatchObject({ authorization: 'Bearer abc', 'content-type': 'application/json', 'idempotency-key': 'run-9:announce' });
    expect(hit?.body).toStrictEqual({ title: 'Deploy done', message: { version: '2.1', hosts: 3 }, severity: 'warning', run_id: 'run-9', step: 'announce' });
  });

  it('keeps to the network policy: a denied address is refused before anything is sent, and not retried', async () => {
    const { t, run } = notify({ channel: 'ops', message: 'hi' }, networkPolicy({ deny: ['127.0.0.0/8'] }));
    const failure = await failureOf(run());
    expect(failure).toBeInstanceOf(ActionFailure);
    expect(failure).toMatchObject({ code: 'HTTP_NETWORK_REFUSED', retryable: false, details: { channel: 'ops', address: '127.0.0.1' } });
    // The channel's URL (its token) is not in the message.
    expect(failure.message).not.toContain('s3cret');
    expect(received).toHaveLength(0);
    expect(linesOf(t.lines, 'system')).toContain('notify ops: refused by the network policy');
    // The default policy (cloud metadata only) lets the same channel through.
    expect(await notify({ channel: 'ops', message: 'hi' }, networkPolicy()).run()).toStrictEqual({ outputs: { delivered: ['ops'] } });
    expect(received).toHaveLength(1);
  });

  it('posts Slack text with the title in bold', async () => {
    await notify({ channel: 'chat', title: 'Backup finished', message: 'db-1 in 42 s' }).run();
    expect(received.map((r) => r.body)).toStrictEqual([{ text: '*Backup finished*\ndb-1 in 42 s' }]);
    await notify({ channel: 'chat', message: { ok: true } }).run();
    expect(received[1]?.body).toStrictEqual({ text: '{\n  "ok": true\n}' });
  });

  it('writes to the run log by default, and to several channels at once', async () => {
    const solo = notify({ message: 'hello', title: 'Note' });
    expect(await solo.run()).toStrictEqual({ outputs: { delivered: ['log'] } });
    expect(linesOf(solo.t.lines, 'system')).toStrictEqual(['Note: hello']);

    const many = notify({ channel: ['log', 'ops', 'chat', 'log'], message: 'two\nlines', severity: 'critical' });
    expect((await many.run()).outputs).toStrictEqual({ delivered: ['log', 'ops', 'chat'] });
    expect(linesOf(many.t.lines, 'system')).toEqual(expect.arrayContaining(['critical: two', 'critical: lines']));
    expect(received).toHaveLength(2);
  });

  it('refuses an unknown channel before sending anything', async () => {
    const { run } = notify({ channel: ['ops', 'pager'], message: 'x' });
    const error = await run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionFailure);
    expect(error).toMatchObject({ code: 'NOTIFY_UNKNOWN_CHANNEL', retryable: false, details: { channel: 'pager' } });
    expect((error as Error).message).toMatch(/unknown notification channel 'pager'.*'log'/);
    expect(received).toHaveLength(0);
  });

  it('reports a refused or unreachable channel as NOTIFY_FAILED, never showing its URL', async () => {
    const gone = await failureOf(notify({ channel: 'gone', message: 'x' }).run());
    expect(gone).toMatchObject({ code: 'NOTIFY_FAILED', retryable: false, details: { channel: 'gone', status: 404 } });
    expect(gone.message).toBe("notification to 'gone' was refused with status 404: channel_is_archived");

    const flaky = await failureOf(notify({ channel: 'flaky', message: 'x' }).run());
    expect(flaky).toMatchObject({ code: 'NOTIFY_FAILED', retryable: true });

    const closed = notify({ channel: 'closed', message: 'x' });
    const failure = await failureOf(closed.run());
    expect(failure).toMatchObject({ code: 'NOTIFY_FAILED', retryable: true });
    expect(failure.message).toMatch(/^notification to 'closed' failed: /);
    expect(JSON.stringify([failure.message, closed.t.lines])).not.toContain('nothing-listens');
  });

  it('says which channels got the message when another failed', async () => {
    const failure = await failureOf(notify({ channel: ['ops', 'gone'], message: 'x' }).run());
    expect(failure).toMatchObject({ code: 'NOTIFY_FAILED', retryable: false, details: { delivered: ['ops'] } });
    expect(failure.message).toContain('(delivered to ops)');
  });

  it('needs a message and a known severity', () => {
    expect(notifyAction.parameters.safeParse({ channel: 'ops' }).success).toBe(false);
    expect(notifyAction.parameters.safeParse({ message: 'x', severity: 'debug' }).success).toBe(false);
    expect(notifyAction.parameters.safeParse({ message: 'x', channel: [] }).success).toBe(false);
    expect(notifyAction.parameters.safeParse({ message: 0 }).success).toBe(true);
  });
});
