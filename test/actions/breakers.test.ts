import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Breakers, hostOf } from '../../src/actions/breakers.js';
import { httpAction, type HttpParameters } from '../../src/actions/http.js';
import { Harness, until } from '../observability/harness.js';
import { actionContext, failure } from './context.js';

/*
 * Circuit breakers on real HTTP servers on loopback. The server counts the requests that
 * reach it: an open breaker must fail the step without one.
 */

interface Target {
  server: Server;
  base: string;
  host: string;
  /** Requests that reached the server. */
  hits: number;
  /** The status it answers with. */
  status: number;
}

async function target(): Promise<Target> {
  const t = { hits: 0, status: 500 } as Target;
  t.server = createServer((req, res) => {
    t.hits++;
    req.resume();
    res.writeHead(t.status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: t.status }));
  });
  await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
  t.base = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
  t.host = hostOf(t.base);
  return t;
}

async function close(t: Target): Promise<void> {
  t.server.closeAllConnections();
  await new Promise((resolve) => t.server.close(resolve));
}

/** A closed port: listen, note the port, close. */
async function deadUrl(): Promise<string> {
  const t = await target();
  await close(t);
  return t.base;
}

function call(breakers: Breakers, parameters: HttpParameters) {
  const t = actionContext(httpAction.parameters.parse(parameters), { idempotencyKey: 'run-1:call' });
  t.ctx.breakers = breakers;
  return { t, result: httpAction.run(t.ctx) };
}

let a: Target;
let b: Target;
beforeAll(async () => {
  a = await target();
  b = await target();
});
afterAll(async () => {
  await close(a);
  await close(b);
});
afterEach(() => {
  a.status = 500;
  b.status = 500;
  a.hits = 0;
  b.hits = 0;
});

describe('circuit breakers on http steps', () => {
  it('opens after N consecutive 5xx: the next step fails fast with CIRCUIT_OPEN and no request', async () => {
    const breakers = new Breakers({ failures: 3, halfOpenAfterMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await failure(call(breakers, { url: `${a.base}/x` }).result)).code).toBe('HTTP_STATUS');
    expect(a.hits).toBe(3);
    const { t, result } = call(breakers, { url: `${a.base}/y` });
    const open = await failure(result);
    expect(a.hits).toBe(3);
    expect(open.code).toBe('CIRCUIT_OPEN');
    expect(open.retryable).toBe(true);
    expect(open.message).toMatch(new RegExp(`^circuit open for ${a.host.replace(/\./g, '\\.')} after 3 consecutive failures .*; the next request goes through at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(in \\d+ s\\)$`));
    expect(open.details).toMatchObject({ host: a.host, failures: 3 });
    expect(t.lines.at(-1)?.line).toMatch(/-> CIRCUIT_OPEN/);
    const [state] = breakers.list();
    expect(state).toMatchObject({ host: a.host, state: 'open', failures: 3 });
    expect(state?.retryAt).toBe((state?.openedAt ?? 0) + 60_000);
  });

  it('after halfOpenAfter, one success closes the breaker again', async () => {
    const breakers = new Breakers({ failures: 2, halfOpenAfterMs: 150 });
    for (let i = 0; i < 2; i++) await failure(call(breakers, { url: a.base }).result);
    expect(breakers.list()[0]?.state).toBe('open');
    a.status = 200;
    // Until halfOpenAfter has passed, steps fail fast; then the trial goes through.
    let passed = false;
    await until(async () => {
      const outcome = await call(breakers, { url: a.base }).result.then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      );
      if (outcome !== 'ok') expect(outcome).toBe('CIRCUIT_OPEN');
      passed = outcome === 'ok';
      return passed;
    }, 'the trial request');
    expect(a.hits).toBe(3);
    expect(breakers.list()).toEqual([{ host: a.host, state: 'closed', failures: 0 }]);
    expect((await call(breakers, { url: a.base }).result).outputs.status).toBe(200);
  });

  it('a failed trial opens it again at once', async () => {
    const breakers = new Breakers({ failures: 2, halfOpenAfterMs: 100 });
    for (let i = 0; i < 2; i++) await failure(call(breakers, { url: a.base }).result);
    const firstOpened = breakers.list()[0]?.openedAt ?? 0;
    await until(() => Date.now() > firstOpened + 150, 'halfOpenAfter to pass');
    expect((await failure(call(breakers, { url: a.base }).result)).code).toBe('HTTP_STATUS');
    expect(a.hits).toBe(3);
    const [state] = breakers.list();
    expect(state?.state).toBe('open');
    expect(state?.openedAt).toBeGreaterThan(firstOpened);
    expect((await failure(call(breakers, { url: a.base }).result)).code).toBe('CIRCUIT_OPEN');
    expect(a.hits).toBe(3);
  });

  it('4xx answers do not count: the host is up, the request was wrong', async () => {
    a.status = 404;
    const breakers = new Breakers({ failures: 2, halfOpenAfterMs: 60_000 });
    for (let i = 0; i < 5; i++) expect((await failure(call(breakers, { url: a.base }).result)).code).toBe('HTTP_STATUS');
    expect(a.hits).toBe(5);
    expect(breakers.list()).toEqual([{ host: a.host, state: 'closed', failures: 0 }]);
  });

  it('a success resets the count: only consecutive failures open it', async () => {
    const breakers = new Breakers({ failures: 3, halfOpenAfterMs: 60_000 });
    for (const status of [500, 500, 200, 500, 500]) {
      a.status = status;
      await call(breakers, { url: a.base }).result.catch(() => undefined);
    }
    expect(breakers.list()).toEqual([{ host: a.host, state: 'closed', failures: 2 }]);
    expect(a.hits).toBe(5);
  });

  it('network errors count; each host has its own breaker', async () => {
    const dead = await deadUrl();
    const breakers = new Breakers({ failures: 2, halfOpenAfterMs: 60_000 });
    expect((await failure(call(breakers, { url: dead }).result)).code).toBe('HTTP_NETWORK');
    expect((await failure(call(breakers, { url: `${dead}/other` }).result)).code).toBe('HTTP_NETWORK');
    expect((await failure(call(breakers, { url: dead }).result)).code).toBe('CIRCUIT_OPEN');
    b.status = 200;
    expect((await call(breakers, { url: b.base }).result).outputs.status).toBe(200);
    expect(breakers.list().map((s) => [s.host, s.state])).toEqual([
      [hostOf(dead), 'open'],
      [b.host, 'closed'],
    ]);
  });

  it('timeouts count as failures of the host', async () => {
    const slow = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    try {
      const breakers = new Breakers({ failures: 1, halfOpenAfterMs: 60_000 });
      expect((await failure(call(breakers, { url, timeout_seconds: 0.1 }).result)).code).toBe('HTTP_TIMEOUT');
      expect((await failure(call(breakers, { url, timeout_seconds: 0.1 }).result)).code).toBe('CIRCUIT_OPEN');
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('an aborted step does not count', async () => {
    const slow = createServer(() => undefined);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    try {
      const breakers = new Breakers({ failures: 1, halfOpenAfterMs: 60_000 });
      const { t, result } = call(breakers, { url });
      setTimeout(() => t.controller.abort(new Error('cancelled')), 50);
      expect((await failure(result)).code).toBe('ABORTED');
      expect(breakers.list()[0]).toMatchObject({ state: 'closed', failures: 0 });
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('refuses nonsense options', () => {
    expect(() => new Breakers({ failures: 0 })).toThrow('breaker failures must be a whole number >= 1');
    expect(() => new Breakers({ halfOpenAfterMs: -1 })).toThrow('halfOpenAfterMs');
  });
});

describe('circuit breakers in the runtime', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const workflow = (url: string) => `
name: ping
steps:
  - id: ping
    command: http
    parameters: { url: "${url}" }
`;

  it('steps of later runs fail fast once the host has failed N times, then recover after halfOpenAfter', async () => {
    // halfOpenAfter is long enough for the third run to reach its step while the breaker
    // is still open, on a loaded machine and on PostgreSQL too.
    h = await Harness.open({ breakers: { failures: 2, halfOpenAfterMs: 1500 } });
    const stepError = async (run: { id: string }) => (await h?.store.getSteps(run.id))?.[0]?.error;
    for (let i = 0; i < 2; i++) expect((await stepError(await h.finish('ping.yaml', workflow(a.base))))?.code).toBe('HTTP_STATUS');
    expect(a.hits).toBe(2);
    const fast = await h.finish('ping.yaml', workflow(a.base));
    expect(fast.status).toBe('failed');
    const error = await stepError(fast);
    expect(error?.code).toBe('CIRCUIT_OPEN');
    expect(error?.message).toContain(`circuit open for ${a.host}`);
    expect(a.hits).toBe(2);
    expect(h.runtime.breakers.list()).toMatchObject([{ host: a.host, state: 'open', failures: 2 }]);

    a.status = 200;
    const opened = h.runtime.breakers.list()[0]?.openedAt ?? 0;
    await until(() => Date.now() > opened + 1550, 'halfOpenAfter to pass');
    expect((await h.finish('ping.yaml', workflow(a.base))).status).toBe('succeeded');
    expect(a.hits).toBe(3);
    expect(h.runtime.breakers.list()).toEqual([{ host: a.host, state: 'closed', failures: 0 }]);
  });

  it('a step retrying against an open breaker gets through once the host is back', async () => {
    h = await Harness.open({ breakers: { failures: 1, halfOpenAfterMs: 300 } });
    await h.finish('ping.yaml', workflow(b.base));
    expect(b.hits).toBe(1);
    b.status = 200;
    const run = await h.finish(
      'retry.yaml',
      `
name: retry
steps:
  - id: ping
    command: http
    retry: { max_attempts: 50, backoff: fixed, initial_delay: 50ms, jitter: 0 }
    parameters: { url: "${b.base}" }
`,
    );
    expect(run.status).toBe('succeeded');
    // Fail-fast attempts never reached the server: only the trial did.
    expect(b.hits).toBe(2);
    const steps = await h.store.getSteps(run.id);
    expect(steps[0]?.attempts).toBeGreaterThan(1);
  });
});
