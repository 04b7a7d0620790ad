import { afterEach, describe, expect, it } from 'vitest';
import { Cairn } from '../../src/app/index.js';
import { startServer, until, type TestServer } from './harness.js';

describe('rate limits', () => {
  let t: TestServer | undefined;
  afterEach(async () => t?.close());

  it('limits requests per key, each key on its own', async () => {
    t = await startServer({ rateLimit: { max: 5, windowMs: 60_000 } });
    const viewer = await t.key('viewer');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await t.call('GET', '/api/v1/workflows/templates', { key: viewer })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await t.call('GET', '/api/v1/workflows/templates', { key: viewer });
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another key still has its own allowance.
    expect((await t.call('GET', '/api/v1/workflows/templates', { key: t.admin.key })).status).toBe(200);
  });

  it('refuses an address after repeated failed authentications, even with a good key', async () => {
    t = await startServer({ failedAuth: { max: 3, windowMs: 60_000 } });
    const bad = 'cairn_000000000000_' + 'A'.repeat(43);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.call('GET', '/api/v1/workflows/templates', { key: bad })).status);
    expect(statuses).toEqual([401, 401, 401]);
    const blocked = await t.call('GET', '/api/v1/workflows/templates', { key: t.admin.key });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    // Health stays open.
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });

  it('a revoked key is refused at once through the API, and within a second when another process revokes it', async () => {
    t = await startServer();
    const server = t;
    const first = await server.key('operator', 'first');
    expect((await server.call('GET', '/api/v1/tasks', { key: first })).status).toBe(200);
    expect((await server.call('DELETE', '/api/v1/keys/first', { key: server.admin.key })).status).toBe(200);
    expect((await server.call('GET', '/api/v1/tasks', { key: first })).status).toBe(401);

    const second = await server.key('operator', 'second');
    expect((await server.call('GET', '/api/v1/tasks', { key: second })).status).toBe(200);
    const other = await Cairn.open({ db: server.db, cwd: server.dir });
    await other.keys.revoke('second');
    await other.close();
    await until(async () => (await server.call('GET', '/api/v1/tasks', { key: second })).status === 401, 'the revoked key to be refused', 5_000);
  });
});
