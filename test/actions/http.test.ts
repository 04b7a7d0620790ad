import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionResult } from '../../src/actions/action.js';
import { describeExpected, statusMatcher } from '../../src/actions/expected-status.js';
import { httpAction, type HttpParameters } from '../../src/actions/http.js';
import { actionContext, failure, linesOf, type TestContext } from './context.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      route(req.url ?? '/', res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function route(url: string, res: import('node:http').ServerResponse): void {
  const status = /^\/status\/(\d+)$/.exec(url);
  const hop = /^\/hop\/(\d+)$/.exec(url);
  if (hop) {
    res.writeHead(302, { location: `/hop/${Number(hop[1]) + 1}` }).end();
  } else if (status) {
    res.writeHead(Number(status[1]), { 'content-type': 'text/plain' }).end('nope: the thing is missing');
  } else if (url === '/json') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-custom': 'Yes' }).end('{"ok":true,"n":1}');
  } else if (url === '/problem') {
    res.writeHead(200, { 'content-type': 'application/problem+json' }).end('{"title":"x"}');
  } else if (url === '/text') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('hello\nworld');
  } else if (url === '/echo') {
    const last = seen[seen.length - 1];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(last));
  } else if (url === '/redirect') {
    res.writeHead(302, { location: '/json' }).end();
  } else if (url === '/loop') {
    res.writeHead(302, { location: '/loop' }).end();
  } else if (url === '/big') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(1024 * 1024 + 1));
  } else if (url === '/big-chunked') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < 17; i++) res.write('y'.repeat(64 * 1024));
    res.end();
  } else if (url === '/bad-json') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"unterminated');
  } else if (url === '/empty-json') {
    res.writeHead(204, { 'content-type': 'application/json' }).end();
  } else if (url === '/slow') {
    // Never answers: the client's timeout or abort must end the request.
  } else {
    res.writeHead(404).end();
  }
}

function call(parameters: HttpParameters): { t: TestContext<HttpParameters>; result: Promise<ActionResult> } {
  const t = actionContext(httpAction.parameters.parse(parameters), { idempotencyKey: 'run-1:call' });
  return { t, result: httpAction.run(t.ctx) };
}


describe('http: responses', () => {
  it('parses a JSON body and reports status and lower-case headers', async () => {
    const { t, result } = call({ url: `${base}/json` });
    const { outputs } = await result;
    expect(outputs.status).toBe(200);
    expect(outputs.body).toEqual({ ok: true, n: 1 });
    expect((outputs.headers as Record<string, string>)['x-custom']).toBe('Yes');
    expect(linesOf(t.lines, 'system')).toHaveLength(1);
    expect(linesOf(t.lines, 'system')[0]).toMatch(new RegExp(`^GET ${base}/json -> 200 \\(\\d+ ms\\)$`));
  });

  it('parses +json content types', async () => {
    expect((await call({ url: `${base}/problem` }).result).outputs.body).toEqual({ title: 'x' });
  });

  it('returns other bodies as text', async () => {
    expect((await call({ url: `${base}/text` }).result).outputs.body).toBe('hello\nworld');
  });

  it('gives null for an empty JSON body', async () => {
    expect((await call({ url: `${base}/empty-json` }).result).outputs.body).toBeNull();
  });

  it('fails with HTTP_BODY_INVALID when a JSON body does not parse', async () => {
    expect((await failure(call({ url: `${base}/bad-json` }).result)).code).toBe('HTTP_BODY_INVALID');
  });

  it('refuses bodies over 1 MiB, with or without a content-length', async () => {
    for (const path of ['/big', '/big-chunked']) {
      const error = await failure(call({ url: `${base}${path}` }).result);
      expect(error.code).toBe('HTTP_BODY_TOO_LARGE');
      expect(error.retryable).toBe(false);
    }
  });
});

describe('http: requests', () => {
  it('sends JSON bodies as application/json with the idempotency key', async () => {
    const { outputs } = await call({ url: `${base}/echo`, method: 'POST', body: { name: 'web', replicas: 3 } }).result;
    const echoed = outputs.body as Seen;
    expect(echoed.method).toBe('POST');
    expect(echoed.headers['content-type']).toBe('application/json');
    expect(echoed.headers['idempotency-key']).toBe('run-1:call');
    expect(JSON.parse(echoed.body)).toEqual({ name: 'web', replicas: 3 });
  });

  it('sends a string body as is, with the caller’s headers', async () => {
    const { outputs } = await call({
      url: `${base}/echo`,
      method: 'PUT',
      body: 'plain text',
      headers: { 'Content-Type': 'text/plain', 'X-Count': 2 },
    }).result;
    const echoed = outputs.body as Seen;
    expect(echoed.body).toBe('plain text');
    expect(echoed.headers['content-type']).toBe('text/plain');
    expect(echoed.headers['x-count']).toBe('2');
  });

  it('keeps an Idempotency-Key the caller set', async () => {
    const { outputs } = await call({ url: `${base}/echo`, headers: { 'IDEMPOTENCY-KEY': 'mine' } }).result;
    expect((outputs.body as Seen).headers['idempotency-key']).toBe('mine');
  });

  it('sends the same key on every attempt of a step', async () => {
    const keys: unknown[] = [];
    for (const attempt of [1, 2]) {
      const t = actionContext(httpAction.parameters.parse({ url: `${base}/echo` }), { attempt, idempotencyKey: 'run-9:deploy' });
      keys.push(((await httpAction.run(t.ctx)).outputs.body as Seen).headers['idempotency-key']);
    }
    expect(keys).toEqual(['run-9:deploy', 'run-9:deploy']);
  });
});

describe('http: status', () => {
  it('fails with HTTP_STATUS and a body snippet on an unexpected status', async () => {
    const error = await failure(call({ url: `${base}/status/404` }).result);
    expect(error.code).toBe('HTTP_STATUS');
    expect(error.details.status).toBe(404);
    expect(error.message).toContain('returned 404, expected 2xx: nope: the thing is missing');
    expect(error.retryable).toBe(false);
  });

  it('marks server errors retryable', async () => {
    expect((await failure(call({ url: `${base}/status/503` }).result)).retryable).toBe(true);
  });

  it('accepts the expected statuses', async () => {
    for (const expect_status of [404, '404', '4xx', '400-499', [200, '4XX']] as const) {
      const { outputs } = await call({ url: `${base}/status/404`, expect_status: expect_status as HttpParameters['expect_status'] }).result;
      expect(outputs.status).toBe(404);
    }
  });

  it('matches codes, classes and ranges', () => {
    const match = statusMatcher([201, '3xx', '500-502']);
    expect([201, 300, 399, 500, 502].every(match)).toBe(true);
    expect([200, 400, 503].some(match)).toBe(false);
    expect(statusMatcher()(204)).toBe(true);
    expect(describeExpected([201, '3xx'])).toBe('201, 3xx');
  });
});

describe('http: redirects, timeouts and failures', () => {
  it('does not follow redirects by default', async () => {
    const error = await failure(call({ url: `${base}/redirect` }).result);
    expect(error.details.status).toBe(302);
    const { outputs } = await call({ url: `${base}/redirect`, expect_status: 302 }).result;
    expect((outputs.headers as Record<string, string>).location).toBe('/json');
  });

  it('follows redirects when asked, up to a limit', async () => {
    const { outputs } = await call({ url: `${base}/redirect`, follow_redirects: true }).result;
    expect(outputs.body).toEqual({ ok: true, n: 1 });
    const error = await failure(call({ url: `${base}/hop/0`, follow_redirects: true }).result);
    expect(error.code).toBe('HTTP_STATUS');
    expect(error.details.status).toBe(302);
    expect(seen.filter((s) => s.url.startsWith('/hop/')).map((s) => s.url)).toEqual(
      ['/hop/0', '/hop/1', '/hop/2', '/hop/3', '/hop/4', '/hop/5'],
    );
  });

  it('names a redirect loop', async () => {
    const error = await failure(call({ url: `${base}/loop`, follow_redirects: true }).result);
    expect(error.code).toBe('HTTP_REDIRECT');
    expect(error.message).toContain('loop');
  });

  it('times out with HTTP_TIMEOUT', async () => {
    const error = await failure(call({ url: `${base}/slow`, timeout_seconds: 0.2 }).result);
    expect(error.code).toBe('HTTP_TIMEOUT');
    expect(error.retryable).toBe(true);
  });

  it('stops when the step is aborted', async () => {
    const { t, result } = call({ url: `${base}/slow` });
    setTimeout(() => t.controller.abort(new Error('run cancelled')), 50);
    const error = await failure(result);
    expect(error.code).toBe('ABORTED');
    expect(error.message).toContain('run cancelled');
  });

  it('reports a closed port as a retryable HTTP_NETWORK failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { t, result } = call({ url: `http://127.0.0.1:${port}/` });
    const error = await failure(result);
    expect(error.code).toBe('HTTP_NETWORK');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
    expect(linesOf(t.lines, 'system')[0]).toContain('-> HTTP_NETWORK');
  });

  it('keeps credentials out of the log', async () => {
    const { t, result } = call({ url: `http://user:secret@127.0.0.1:${new URL(base).port}/json` });
    await result;
    expect(linesOf(t.lines, 'system')[0]).not.toContain('secret');
  });
});

describe('http: parameters', () => {
  const parse = (p: unknown) => httpAction.parameters.safeParse(p);

  it('refuses bad urls, methods, statuses and headers', () => {
    expect(parse({ url: 'ftp://example.com/' }).success).toBe(false);
    expect(parse({ url: 'not a url' }).success).toBe(false);
    expect(parse({ url: `${base}/`, method: 'FETCH' }).success).toBe(false);
    expect(parse({ url: `${base}/`, expect_status: '2x' }).success).toBe(false);
    expect(parse({ url: `${base}/`, expect_status: 700 }).success).toBe(false);
    expect(parse({ url: `${base}/`, headers: { 'X-A': 'a\r\nInjected: 1' } }).success).toBe(false);
    expect(parse({ url: `${base}/`, headers: { 'bad name': 'a' } }).success).toBe(false);
    expect(parse({ url: `${base}/`, timeout_seconds: 0 }).success).toBe(false);
    expect(parse({ url: `${base}/`, colour: 'x' }).success).toBe(false);
  });
});
