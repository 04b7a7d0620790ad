// `npm run soak`: many runs through a real `cairn serve` on SQLite, with a fixed number in
// flight, while another process writes to the same store (issue 9). Not a unit test: it
// asserts no time. It reports whether any lock error reached a user, the server's RSS and
// the WAL's size sampled over the run (to show they stay bounded), and step latencies.
//
//   SOAK_RUNS=10000 SOAK_IN_FLIGHT=50 npm run soak
//
// SOAK_RUNS (default 10000), SOAK_IN_FLIGHT (50), SOAK_SAMPLE_MS (2000), SOAK_TIMEOUT_S
// (3600). The server runs in a child process (bench/server-child.js) so that its RSS is its
// own; this process drives it over HTTP and a WebSocket, and opens the same store itself.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Cairn } from '../dist/app/index.js';

const RUNS = Number(process.env.SOAK_RUNS ?? 10_000);
const IN_FLIGHT = Number(process.env.SOAK_IN_FLIGHT ?? 50);
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_MS ?? 2000);
const TIMEOUT_S = Number(process.env.SOAK_TIMEOUT_S ?? 3600);
// SOAK_RETENTION=1m: the server keeps finished runs and their logs that long and sweeps
// as often (`retention:` in cairn.yaml), to show the store itself stays bounded.
const RETENTION = process.env.SOAK_RETENTION;
const CHILD = fileURLToPath(new URL('server-child.js', import.meta.url));

// Three steps: a log line, a short durable wait (so runs stay in flight), a step that reads the first one's output.
const WORKFLOW = `id: soak
name: soak
parameters:
  n: { type: number, default: 0 }
steps:
  - id: first
    command: log
    parameters: { message: "run \${{ parameters.n }} starts" }
  - id: pause
    command: wait
    depends_on: [first]
    parameters: { seconds: 0.02 }
  - id: last
    command: log
    depends_on: [pause]
    parameters: { message: "run \${{ parameters.n }} done" }
`;

const LOCK_CODES = new Set(['STORE_BUSY', 'SQLITE_BUSY', 'SQLITE_LOCKED']);

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-soak-'));
  mkdirSync(join(dir, 'workflows'));
  writeFileSync(join(dir, 'workflows', 'soak.yaml'), WORKFLOW);
  if (RETENTION) writeFileSync(join(dir, 'cairn.yaml'), `retention:\n  runs: ${RETENTION}\n  logs: ${RETENTION}\n  sweep_every: ${RETENTION}\n`);
  const db = join(dir, 'cairn.db');
  const child = spawn(process.execPath, [CHILD, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const first = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`server child exited (${code}) before listening`)));
  });
  const { url, key } = JSON.parse(first);
  const problems = { lockErrors: [], apiErrors: [], failedRuns: [], otherWriterErrors: [] };

  // What the server's events say: per run its step starts/ends, and when it finished.
  const started = new Map(); // runId -> { createdAt, steps: Map<step, startedAt>, lastEnd } (server clock)
  const stepLatency = [];
  const schedulingGap = [];
  const runLatency = [];
  let finished = 0;
  let onFinished = () => {};
  const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/events`, { headers: { authorization: `Bearer ${key}` } });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.on('message', (raw) => {
    const m = JSON.parse(raw.toString());
    if (m.type === 'RunCreated' && m.data.workflowId === 'soak') started.set(m.runId, { createdAt: m.at, steps: new Map(), lastEnd: undefined });
    const run = started.get(m.runId);
    if (!run) return;
    if (m.type === 'StepStarted') {
      run.steps.set(m.data.step, m.at);
      if (run.lastEnd !== undefined) schedulingGap.push(m.at - run.lastEnd);
    } else if (m.type === 'StepSucceeded') {
      const at = run.steps.get(m.data.step);
      if (at !== undefined && m.data.step !== 'pause') stepLatency.push(m.at - at);
      run.lastEnd = m.at;
    } else if (m.type === 'RunFinished') {
      if (m.data.status !== 'succeeded') problems.failedRuns.push({ runId: m.runId, status: m.data.status, error: m.data.error });
      if (m.data.error && LOCK_CODES.has(m.data.error.code)) problems.lockErrors.push({ where: `run ${m.runId}`, code: m.data.error.code });
      runLatency.push(m.at - run.createdAt);
      started.delete(m.runId);
      finished++;
      onFinished();
    }
  });

  const call = async (method, path, body) => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      const code = json?.error?.code ?? String(res.status);
      (LOCK_CODES.has(code) ? problems.lockErrors : problems.apiErrors).push({ where: `${method} ${path}`, status: res.status, code });
      return undefined;
    }
    return json;
  };

  // Another process on the same SQLite file (this one): notes written and runs listed,
  // as `cairn` commands run next to a server would. Its lock errors would reach a user.
  const other = await Cairn.open({ db, cwd: dir });
  let writes = 0;
  let stopOther = false;
  const otherWriter = (async () => {
    while (!stopOther) {
      try {
        await other.remember({ text: `soak note ${writes}`, category: 'soak', by: 'soak' });
        await other.listRuns({ limit: 20 });
        writes++;
      } catch (err) {
        const code = err?.code ?? String(err);
        (LOCK_CODES.has(code) ? problems.lockErrors : problems.otherWriterErrors).push({ where: 'other process', code, message: String(err?.message ?? err).slice(0, 200) });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  // Samples: the server's RSS and the WAL's size, every SAMPLE_MS.
  const samples = [];
  const t0 = Date.now();
  const sample = () => {
    let rss = 0;
    try {
      rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      rss = 0;
    }
    let wal = 0;
    try {
      wal = statSync(`${db}-wal`).size;
    } catch {
      wal = 0;
    }
    let file = 0;
    try {
      file = statSync(db).size;
    } catch {
      file = 0;
    }
    const entry = { s: Math.round((Date.now() - t0) / 1000), finished, rss, wal, file, stored: undefined };
    samples.push(entry);
    // Runs in the store now (the other process's view): bounded when retention is on.
    other.countRuns().then((counts) => (entry.stored = Object.values(counts).reduce((a, b) => a + b, 0)), () => {});
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_MS);

  // Keep IN_FLIGHT runs going until RUNS have been started, then wait for the last.
  let launched = 0;
  const deadline = t0 + TIMEOUT_S * 1000;
  const launch = async () => {
    const n = launched++;
    // The run is followed through its events (from RunCreated on); a refused start ends here.
    const res = await call('POST', '/api/v1/workflows/execute', { workflow_id: 'soak', parameters: { n } });
    if (!res) {
      finished++;
      onFinished();
    }
  };
  await new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (Date.now() > deadline) reject(new Error(`soak timed out after ${TIMEOUT_S} s: ${finished} of ${RUNS} finished`));
    }, 1000);
    onFinished = () => {
      if (finished >= RUNS) {
        clearInterval(timer);
        resolve();
      } else if (launched < RUNS) void launch();
    };
    for (let i = 0; i < Math.min(IN_FLIGHT, RUNS); i++) void launch();
  });
  const seconds = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  sample();
  stopOther = true;
  await otherWriter;
  await other.close();
  socket.close();
  child.stdin.end();
  await exited;

  report({ seconds, samples, stepLatency, schedulingGap, runLatency, problems, writes });
}

function pct(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const mib = (b) => (b / 1024 / 1024).toFixed(1);

/** The largest number of a list; spreading 100,000+ values into Math.max overflows the stack. */
function maxOf(list) {
  return list.reduce((m, x) => (x > m ? x : m), -Infinity);
}

function report({ seconds, samples, stepLatency, schedulingGap, runLatency, problems, writes }) {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const avg = (list, f) => list.reduce((s, x) => s + f(x), 0) / list.length;
  const rss = samples.map((s) => s.rss);
  const wal = samples.map((s) => s.wal);
  const result = {
    machine: `${cpus().length} cores ${cpus()[0]?.model ?? ''}, ${mib(totalmem())} MiB, Node ${process.version}`,
    runs: RUNS,
    inFlight: IN_FLIGHT,
    seconds: Math.round(seconds),
    runsPerSecond: Math.round((RUNS / seconds) * 10) / 10,
    lockErrorsReachingUsers: problems.lockErrors.length,
    failedRuns: problems.failedRuns.length,
    apiErrors: problems.apiErrors.length,
    otherProcessWrites: writes,
    otherProcessErrors: problems.otherWriterErrors.length,
    rssMiB: { first: mib(rss[0]), max: mib(maxOf(rss)), firstQuarterAvg: mib(avg(samples.slice(0, quarter), (s) => s.rss)), lastQuarterAvg: mib(avg(samples.slice(-quarter), (s) => s.rss)), last: mib(rss.at(-1)) },
    walMiB: { max: mib(maxOf(wal)), lastQuarterAvg: mib(avg(samples.slice(-quarter), (s) => s.wal)), last: mib(wal.at(-1)) },
    storeFileMiB: { max: mib(Math.max(...samples.map((s) => s.file))), last: mib(samples.at(-1).file) },
    runsInStore: { max: Math.max(...samples.map((s) => s.stored ?? 0)), last: samples.at(-1).stored ?? null },
    retention: RETENTION ?? 'off',
    stepLatencyMs: { p50: pct(stepLatency, 50), p95: pct(stepLatency, 95), p99: pct(stepLatency, 99), max: maxOf(stepLatency), count: stepLatency.length },
    schedulingGapMs: { p50: pct(schedulingGap, 50), p99: pct(schedulingGap, 99), max: maxOf(schedulingGap) },
    runLatencyMs: { p50: pct(runLatency, 50), p99: pct(runLatency, 99), max: maxOf(runLatency) },
  };
  // At most 12 samples printed, evenly spaced: the trend, bounded in size.
  const every = Math.max(1, Math.ceil(samples.length / 12));
  const shown = samples.filter((_, i) => i % every === 0 || i === samples.length - 1);
  console.log(JSON.stringify(result, null, 2));
  console.log('\n  t (s) | runs done | server RSS (MiB) | WAL (MiB) | store file (MiB) | runs in store');
  for (const s of shown) console.log(`  ${String(s.s).padStart(5)} | ${String(s.finished).padStart(9)} | ${mib(s.rss).padStart(16)} | ${mib(s.wal).padStart(9)} | ${mib(s.file).padStart(16)} | ${String(s.stored ?? '?').padStart(13)}`);
  for (const [what, list] of Object.entries(problems)) if (list.length > 0) console.log(`\n${what} (first 5):`, JSON.stringify(list.slice(0, 5)));
  if (problems.lockErrors.length > 0 || problems.failedRuns.length > 0) process.exitCode = 1;
}

await main();
