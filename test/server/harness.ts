import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IssuedKey, Role } from '../../src/app/index.js';
import { serve, type RunningServer, type ServeOptions } from '../../src/server/serve.js';
import { testStoreLocation } from '../store/test-store.js';

export interface TestServer {
  server: RunningServer;
  url: string;
  dir: string;
  /** The store's location (a SQLite file in dir, or a PostgreSQL URL). */
  db: string;
  admin: IssuedKey;
  key(role: Role, name?: string): Promise<string>;
  /** fetch with a key (or none), JSON body when given. */
  call(method: string, path: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export const HELLO = `id: hello
name: hello
parameters:
  who: { type: string, default: world }
steps:
  - id: greet
    command: shell
    parameters:
      env: { WHO: "\${{ parameters.who }}" }
      run: echo "greeting=Hello, $WHO" >> "$CAIRN_OUTPUT"
`;

/** A real `cairn serve` in this process, on a free loopback port, over a temp store. */
export async function startServer(opts: Partial<ServeOptions> & { files?: Record<string, string> } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-server-'));
  const workflows = join(dir, 'workflows');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(workflows);
  for (const [name, text] of Object.entries(opts.files ?? { 'hello.yaml': HELLO })) writeFileSync(join(workflows, name), text);
  const printed: string[] = [];
  const db = testStoreLocation(dir);
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    version: 'test',
    db,
    cwd: dir,
    workflowsDir: workflows,
    shutdownGraceMs: 2000,
    allowPrivateWebhooks: true,
    failedAuth: { max: 10_000, windowMs: 60_000 },
    rateLimit: { max: 100_000, windowMs: 60_000 },
    print: (line) => printed.push(line),
    ...opts,
  });
  if (!server.adminKey) throw new Error('expected the first start to create an admin key');
  const admin = server.adminKey;
  const url = server.url;
  return {
    server,
    url,
    dir,
    db,
    admin,
    key: async (role, name) => (await server.cairn.keys.create({ role, ...(name ? { name } : {}) })).key,
    call: async (method, path, o = {}) => {
      const headers: Record<string, string> = { ...(o.key ? { authorization: `Bearer ${o.key}` } : {}), ...o.headers };
      if (o.body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(url + path, { method, headers, ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}) });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body, headers: res.headers };
    },
    close: () => server.close(),
  };
}

/** Poll until check() returns a value (or time runs out): no timed assertions. */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
