import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.js';

/**
 * Every route in the OpenAPI document × no key, a revoked key, viewer, operator, admin.
 * A route's `x-cairn-access` says the least role it needs: below it the answer is 403,
 * without a valid key 401, at or above it anything but 401/403 (a 404 for the made-up ids
 * is fine: authorization passed).
 */
describe('authorization matrix (from the OpenAPI document)', () => {
  let t: TestServer;
  let keys: Record<'viewer' | 'operator' | 'admin' | 'revoked', string>;
  let operations: Array<{ method: string; path: string; access: string }>;

  beforeAll(async () => {
    t = await startServer();
    const revoked = await t.server.cairn.keys.create({ role: 'admin', name: 'old' });
    await t.server.cairn.keys.revoke('old');
    keys = { viewer: await t.key('viewer'), operator: await t.key('operator'), admin: t.admin.key, revoked: revoked.key };
    const doc = (await t.call('GET', '/api/v1/openapi.json', { key: keys.viewer })).body as { paths: Record<string, Record<string, { 'x-cairn-access': string }>> };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, access: op['x-cairn-access'] })));
  });
  afterAll(async () => t.close());

  it('covers the routes the issue names', () => {
    const names = operations.map((o) => `${o.method} ${o.path}`);
    for (const expected of [
      'POST /api/v1/workflows/execute',
      'GET /api/v1/workflows/executions',
      'GET /api/v1/workflows/executions/{id}',
      'GET /api/v1/workflows/executions/{id}/events',
      'GET /api/v1/workflows/executions/{id}/logs',
      'POST /api/v1/workflows/executions/{id}/cancel',
      'POST /api/v1/workflows/executions/{id}/pause',
      'POST /api/v1/workflows/executions/{id}/unpause',
      'POST /api/v1/workflows/executions/{id}/retry',
      'POST /api/v1/workflows/executions/{id}/rollback',
      'GET /api/v1/workflows/executions/{id}/rollback-points',
      'GET /api/v1/workflows/rollbacks/{id}',
      'POST /api/v1/workflows/executions/{id}/steps/{step}/approve',
      'POST /api/v1/workflows/executions/{id}/steps/{step}/complete',
      'POST /api/v1/workflows/executions/{id}/steps/{step}/signal',
      'GET /api/v1/workflows/templates',
      'GET /api/v1/workflows/templates/{id}',
      'POST /api/v1/workflows/templates',
      'POST /api/v1/workflows/validate',
      'POST /api/v1/workflows/suggest',
      'GET /api/v1/workflows/analytics',
      'POST /api/v1/webhooks',
      'GET /api/v1/webhooks',
      'DELETE /api/v1/webhooks/{id}',
      'GET /api/v1/webhooks/{id}/deliveries',
      'GET /api/v1/locks',
      'GET /api/v1/memory/search',
      'GET /api/v1/events',
      'GET /healthz',
      'GET /readyz',
    ]) {
      expect(names).toContain(expected);
    }
    expect(operations.every((o) => ['public', 'viewer', 'operator', 'admin'].includes(o.access))).toBe(true);
    // Only health is open, and incoming hooks, which a signature authenticates (test/server/hooks.test.ts).
    expect(operations.filter((o) => o.access === 'public').map((o) => o.path).sort()).toEqual(['/api/v1/hooks/{workflow}', '/healthz', '/readyz']);
  });

  it('answers every route × key as its role says', async () => {
    const rank = { viewer: 0, operator: 1, admin: 2 } as const;
    const failures: string[] = [];
    for (const op of operations) {
      const path = op.path.replace('{id}', 'no-such-thing').replace('{step}', 'no-step').replace('{workflow}', 'no-workflow');
      const body = op.method === 'POST' ? {} : undefined;
      for (const who of ['none', 'revoked', 'viewer', 'operator', 'admin'] as const) {
        const key = who === 'none' ? undefined : keys[who];
        const { status } = await t.call(op.method, path, { ...(key ? { key } : {}), ...(body ? { body } : {}) });
        let expected: string;
        if (op.access === 'public') expected = 'not 401/403';
        else if (who === 'none' || who === 'revoked') expected = '401';
        else if (rank[who] < rank[op.access as keyof typeof rank]) expected = '403';
        else expected = 'not 401/403';
        const ok = expected === 'not 401/403' ? status !== 401 && status !== 403 && status < 500 : String(status) === expected;
        if (!ok) failures.push(`${op.method} ${path} as ${who}: ${status}, expected ${expected}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
