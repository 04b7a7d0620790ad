// A `cairn serve` of its own for the server workloads (S1-S3): the load generator runs in
// the parent, so on a 2-core machine the two do not share one event loop.
// Usage: node bench/server-child.js <dir>  (a temp dir holding workflows/; the store goes
// beside it). Prints one JSON line {url, key} on stdout when listening. Closes when stdin
// ends (so it also goes away when the parent dies, or on Ctrl-C) and then removes <dir>.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '../dist/server/serve.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node bench/server-child.js <dir>');

const server = await serve({
  host: '127.0.0.1',
  port: 0,
  version: 'bench',
  db: join(dir, 'cairn.db'),
  cwd: dir,
  workflowsDir: join(dir, 'workflows'),
  shutdownGraceMs: 2000,
  // The benchmark is the only client: limits set far above what it can reach.
  rateLimit: { max: 10_000_000, windowMs: 60_000 },
  failedAuth: { max: 1_000_000, windowMs: 60_000 },
  print: () => {},
});
if (!server.adminKey) throw new Error(`expected a fresh store in ${dir}`);
process.stdout.write(`${JSON.stringify({ url: server.url, key: server.adminKey.key })}\n`);

let closing = false;
const close = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  // A normal exit, so --cpu-prof writes its profile.
  process.exit(0);
};
process.stdin.on('end', close);
process.stdin.resume();
process.on('SIGTERM', close);
process.on('SIGINT', close);
