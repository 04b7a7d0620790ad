import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardDir } from '../../src/server/dashboard.js';
import { startServer, type TestServer } from './harness.js';

// A stand-in for dist/web, so the test does not depend on a build having run.
function fakeDashboard(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Cairn</title><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

describe('the dashboard at /', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ dashboard: fakeDashboard() });
  });
  afterAll(async () => t.close());

  it('serves index.html at / without caching it, with a content security policy', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('<div id="root">');
  });

  it('caches hashed assets for a year', async () => {
    const res = await fetch(`${t.url}/assets/index-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answers a page a browser asks for (any other path wanting HTML) with the app', async () => {
    const res = await fetch(`${t.url}/runs/abc`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
  });

  it('leaves the API, unknown API paths, missing assets and non-HTML requests alone', async () => {
    const html = { accept: 'text/html' };
    const api = await fetch(`${t.url}/api/v1/nope`, { headers: html });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await fetch(`${t.url}/assets/missing-xyz.js`, { headers: html })).status).toBe(404);
    expect((await fetch(`${t.url}/runs/abc`)).status).toBe(404);
    expect((await fetch(`${t.url}//api/v1/tasks`, { headers: html })).status).toBe(404);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const unauthorized = await fetch(`${t.url}/api/v1/tasks`, { headers: html });
    expect(unauthorized.status).toBe(401);
  });

  it('tells a key who it is (GET /api/v1/whoami), which the login page uses', async () => {
    const key = await t.key('operator', 'alice');
    const res = await t.call('GET', '/api/v1/whoami', { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'alice', role: 'operator' });
    expect(typeof res.body.id).toBe('string');
    expect((await t.call('GET', '/api/v1/whoami')).status).toBe(401);
  });
});

describe('finding the built dashboard', () => {
  it('finds dist/web above the code when it has an index.html, and nothing otherwise', () => {
    const root = mkdtempSync(join(tmpdir(), 'cairn-pkg-'));
    writeFileSync(join(root, 'package.json'), '{}');
    mkdirSync(join(root, 'dist', 'bundle'), { recursive: true });
    const from = join(root, 'dist', 'bundle', 'main.js');
    expect(dashboardDir(from)).toBeUndefined();
    mkdirSync(join(root, 'dist', 'web'));
    writeFileSync(join(root, 'dist', 'web', 'index.html'), '<!doctype html>');
    expect(dashboardDir(from)).toBe(join(root, 'dist', 'web'));
  });
});
