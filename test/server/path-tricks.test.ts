import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './harness.js';

/** A raw request: fetch would normalise `..`, `//` and percent-escapes before sending. */
function raw(url: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('path tricks never bypass authorization', () => {
  let t: TestServer;
  let runId: string;
  beforeAll(async () => {
    t = await startServer();
    const started = await t.call('POST', '/api/v1/workflows/execute', { key: t.admin.key, body: { workflow_id: 'hello' } });
    runId = started.body.execution_id as string;
  });
  afterAll(async () => t.close());

  const protectedPaths = () => [
    '/api/v1/workflows/templates',
    `/api/v1/workflows/executions/${runId}`,
    '/api/v1/workflows/executions',
    '/api/v1/keys',
    '/api/v1/openapi.json',
  ];

  const variants = (p: string): string[] => [
    p,
    `/${p}`,
    p.replace('/api/v1/', '/api/v1//'),
    p.replace('/api/v1/', '//api//v1//'),
    `${p}/`,
    `${p}//`,
    p.toUpperCase(),
    p.replace('/api/', '/API/'),
    p.replace('/v1/', '/%76%31/'),
    p.replace('/api/v1/', '/api/v1/./'),
    p.replace('/api/v1/', '/api/v1/x/../'),
    p.replace('/api/v1/', '/api/v1/%2e/'),
    p.replace('/api/v1/', '/api/v1/x/%2e%2e/'),
    p.replace('/api/v1/', '/api/v1/x/%2E%2E/'),
    p.replace('/api/v1/', '/api/v1/x%2f..%2f'),
    `/healthz/..${p}`,
    `/healthz/%2e%2e${p}`,
    `/healthz?x=${p}`,
    `${p}?x=/healthz`,
    `${p};/healthz`,
    `${p}%00`,
    `${p}#/healthz`,
    p.replace(/s$/, '%73'),
  ];

  it('refuses every variant without a key (401 on a matched route, 404 otherwise), never data', async () => {
    const failures: string[] = [];
    for (const p of protectedPaths()) {
      for (const path of variants(p)) {
        for (const method of ['GET', 'HEAD']) {
          const res = await raw(t.url, method, path);
          const leaked = res.body.includes(runId) && !res.body.includes('"error"');
          // `/healthz?x=...` is the health route, public by design: its answer holds no data.
          const health = path.startsWith('/healthz?') && (res.body === '' || res.body === '{"status":"ok"}');
          if ((res.status < 400 && !health) || leaked || res.status >= 500) failures.push(`${method} ${path}: ${res.status} ${res.body.slice(0, 80)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers OPTIONS without data and without CORS headers when no origin is configured', async () => {
    for (const p of protectedPaths()) {
      const res = await raw(t.url, 'OPTIONS', p, { origin: 'https://evil.example', 'access-control-request-method': 'GET' });
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(JSON.parse(res.body)).toHaveProperty('error.code');
    }
    const res = await fetch(`${t.url}/api/v1/workflows/templates`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${t.admin.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a viewer key cannot reach an admin route through a variant path', async () => {
    const viewer = await t.key('viewer');
    for (const path of variants('/api/v1/keys')) {
      const res = await raw(t.url, 'GET', path, { authorization: `Bearer ${viewer}` });
      if (path.startsWith('/healthz?')) expect(res.body).toBe('{"status":"ok"}');
      else expect([403, 404], `${path}: ${res.status}`).toContain(res.status);
      expect(res.body).not.toContain(t.admin.id);
    }
  });
});

describe('CORS with listed origins', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ corsOrigins: ['https://ops.example.com', 'null', '*'] });
  });
  afterAll(async () => t.close());

  it('allows only the exact listed origin; never null, never a reflection, never *', async () => {
    const ask = async (origin: string) =>
      (await fetch(`${t.url}/api/v1/workflows/templates`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } })).headers.get('access-control-allow-origin');
    expect(await ask('https://ops.example.com')).toBe('https://ops.example.com');
    expect(await ask('null')).toBeNull();
    expect(await ask('https://evil.example')).toBeNull();
    expect(await ask('https://ops.example.com.evil.example')).toBeNull();
    const res = await fetch(`${t.url}/api/v1/workflows/templates`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${t.admin.key}` } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
