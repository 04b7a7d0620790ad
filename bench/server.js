// The server workloads of issue 4 (S1-S3): a `cairn serve` in a child process
// (server-child.js), load from this one over loopback.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import WebSocket from 'ws';

const CHILD = fileURLToPath(new URL('server-child.js', import.meta.url));

/** The one-step workflow every server workload starts. */
export const WORKFLOW_ID = 'bench';
const WORKFLOW = `id: ${WORKFLOW_ID}\nname: bench\nsteps:\n  - id: say\n    command: log\n    parameters: { message: hi }\n`;

/**
 * Starts a server child over a fresh temp store. BENCH_SERVER_PROF=<dir> runs it with
 * --cpu-prof (the profile is written when it closes). `stop()` closes it and removes the
 * temp folder.
 */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-server-'));
  mkdirSync(join(dir, 'workflows'));
  writeFileSync(join(dir, 'workflows', 'bench.yaml'), WORKFLOW);
  const prof = process.env.BENCH_SERVER_PROF;
  const args = [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), CHILD, dir];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const first = await new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', resolve);
      child.once('error', reject);
      void exited.then((code) => reject(new Error(`server child exited (${code}) before listening`)));
    });
    const { url, key } = JSON.parse(first);
    return { url, key, call: (method, path, body) => call(url, key, method, path, body), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function call(url, key, method, path, body) {
  const headers = { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
  const res = await fetch(url + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Starts one run and returns its id. */
export async function startRun(server) {
  const res = await server.call('POST', '/api/v1/workflows/execute', { workflow_id: WORKFLOW_ID });
  return res.execution_id;
}

/** Polls until no run is queued or running (the runs a load test started have finished). */
export async function allFinished(server, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await server.call('GET', '/api/v1/workflows/executions?status=queued,running&limit=1');
    if (res.executions.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`runs still unfinished after ${timeoutMs} ms`);
}

/**
 * autocannon against one route: requests/s and latency percentiles (ms, whole ms: its
 * histogram's resolution). Anything but 2xx answers fails the benchmark rather than
 * flattering it.
 */
export async function load(server, { method = 'GET', path, body, connections = 10, seconds }) {
  const result = await autocannon({
    url: server.url + path,
    method,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${server.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${method} ${path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { rps: result.requests.total / result.duration, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total };
}

/**
 * S3: starts `n` runs one after another; for each, the time from its step's
 * StepSucceeded (the event's `at`: when the engine decided it, before the commit) and its
 * RunFinished to this process receiving them over the WebSocket. Both processes read the
 * same clock; `at` and the receipt are whole milliseconds, so each sample is +-1 ms.
 */
export async function eventLatency(server, n) {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/events`, { headers: { authorization: `Bearer ${server.key}` } });
  const seen = new Map();
  const waiting = new Map();
  socket.on('message', (data) => {
    const received = Date.now();
    const msg = JSON.parse(data.toString());
    if (msg.type !== 'StepSucceeded' && msg.type !== 'RunFinished') return;
    const entry = seen.get(msg.runId) ?? {};
    entry[msg.type] = received - msg.at;
    seen.set(msg.runId, entry);
    if (msg.type === 'RunFinished') waiting.get(msg.runId)?.();
  });
  await new Promise((resolve, reject) => {
    socket.once('message', resolve); // the `hello`: subscribed
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    socket.once('error', reject);
  });
  try {
    const step = [];
    const finish = [];
    for (let i = 0; i < n; i++) {
      const id = await startRun(server);
      if (seen.get(id)?.RunFinished === undefined) {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`run ${id}: no RunFinished on the socket within 30 s`)), 30_000);
          waiting.set(id, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        waiting.delete(id);
      }
      const got = seen.get(id);
      if (got.StepSucceeded === undefined) throw new Error(`run ${id}: no StepSucceeded on the socket`);
      step.push(got.StepSucceeded);
      finish.push(got.RunFinished);
    }
    return { step: percentiles(step), finish: percentiles(finish) };
  } finally {
    socket.close();
  }
}

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) };
}
