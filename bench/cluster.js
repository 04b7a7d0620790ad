// Cluster workloads (issue 7) on the machine's PostgreSQL: W1 and W2 on the PostgreSQL
// store, W2 with its steps on 1, 2 and 4 worker processes, and the claim latency of a
// worker (step ready -> taken). Each measurement gets a fresh database, dropped after.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Cairn } from '../dist/app/index.js';
import { chain, fanIn } from './workloads.js';

const BIN = fileURLToPath(new URL('../bin/cairn.js', import.meta.url));
const ADMIN_URL = process.env.CAIRN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withDatabase(fn) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const name = `cairn_bench_${process.pid}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function startWorkers(url, count, concurrency) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    workers.push(spawn(process.execPath, [BIN, '--db', url, 'worker', '--concurrency', String(concurrency), '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] }));
  }
  // Ready when each has printed its "ready" line.
  return Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          let err = '';
          w.stderr.on('data', (d) => {
            err += d.toString();
            if (err.includes(' ready ')) resolve(w);
          });
          w.on('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
        }),
    ),
  );
}

async function stopWorkers(workers) {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve) => {
          w.removeAllListeners('exit');
          w.on('exit', resolve);
          w.kill('SIGTERM');
        }),
    ),
  );
}

/** One run of `text` on a fresh PostgreSQL store; ms from creation to end, and the store's tasks. */
async function timePgRun(text, { workers = 0, concurrency = 8 } = {}) {
  return withDatabase(async (url) => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
    const file = join(dir, 'wf.yaml');
    writeFileSync(file, text);
    const cairn = await Cairn.open({ db: url, cwd: dir });
    const procs = workers > 0 ? await startWorkers(url, workers, concurrency) : [];
    try {
      const run = await cairn.startRun({ file });
      const final = await cairn.waitFor(run.id);
      if (final?.status !== 'succeeded') throw new Error(`bench run ${final?.status}: ${final?.error?.message}`);
      const tasks = await cairn.store.listTasks({ runId: run.id });
      return { ms: final.finishedAt - final.createdAt, tasks };
    } finally {
      await stopWorkers(procs);
      await cairn.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

const onWorkers = (text) => text.replace(/^name: (.*)$/m, 'name: $1\nruns_on: []');
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Adds the cluster rows through `row(id, workload, value, target, note, met)`. */
export async function clusterWorkloads({ repeat, wanted, row }) {
  const best = async (fn) => {
    const results = [];
    for (let i = 0; i < repeat; i++) results.push(await fn());
    results.sort((a, b) => a.ms - b.ms);
    return { best: results[0], median: results[Math.floor(results.length / 2)] };
  };
  if (wanted('P1')) {
    const n = 1000;
    const t = await best(() => timePgRun(chain(n)));
    row('P1', `W1 on PostgreSQL: chain of ${n} log steps`, `${(t.best.ms / n).toFixed(3)} ms/step`, '(none)', `median ${(t.median.ms / n).toFixed(3)} ms/step; SQLite: see W1`);
  }
  if (wanted('P2')) {
    const n = 1000;
    const t = await best(() => timePgRun(fanIn(n)));
    const rate = (ms) => Math.round((n + 1) / (ms / 1000));
    row('P2', `W2 on PostgreSQL: ${n} log steps + join`, `${rate(t.best.ms)} steps/s`, '(none)', `median ${rate(t.median.ms)} steps/s; in the engine node's process`);
  }
  if (['P3.1', 'P3.2', 'P3.4'].some(wanted)) {
    const n = 1000;
    const rate = (ms) => Math.round(n / (ms / 1000));
    for (const workers of [1, 2, 4]) {
      const t = await best(() => timePgRun(onWorkers(fanIn(n)), { workers }));
      row(`P3.${workers}`, `W2 on ${workers} worker process${workers > 1 ? 'es' : ''} (8 steps each at once)`, `${rate(t.best.ms)} steps/s`, '(none)', `median ${rate(t.median.ms)} steps/s; 1 engine node; PostgreSQL on the same 2 cores`);
    }
  }
  if (wanted('P5')) {
    // Cairn's side: W2 with its 1,000 steps on one worker process (8 at once), as P3.1.
    const n = 1000;
    const cairn = await best(() => timePgRun(onWorkers(fanIn(n)), { workers: 1 }));
    const cairnRate = Math.round((n + 1) / (cairn.best.ms / 1000));
    const results = [];
    for (let i = 0; i < repeat; i++) {
      const r = await graphileW2(n);
      if (!r) break;
      results.push(r);
    }
    if (results.length === 0) row('P5', 'W2: Cairn vs graphile-worker 0.16', 'not run', '(none)', 'graphile-worker did not install here');
    else {
      const g = results.sort((a, b) => b.rate - a.rate)[0];
      row('P5', 'W2 beside graphile-worker 0.16 (1 worker, 8 at once)', `${(cairnRate / g.rate).toFixed(2)}x`, '(none)', `Cairn ${cairnRate} steps/s (events, state, outputs per step), graphile-worker ${g.rate} jobs/s (bare jobs), same PostgreSQL`);
    }
  }
  if (wanted('P4')) {
    // A chain: one step ready at a time, so the wait is the claim path alone (notify -> claim).
    const n = 200;
    const { best: r } = await best(() => timePgRun(onWorkers(chain(n)), { workers: 1 }));
    const waits = r.tasks.map((t) => t.claimedAt - t.createdAt);
    row('P4', 'claim latency: step queued -> taken by a worker', `p50 ${percentile(waits, 0.5)} ms`, '(none)', `p99 ${percentile(waits, 0.99)} ms over ${waits.length} steps of a chain, one idle worker, LISTEN/NOTIFY wake-ups`);
  }
}

/**
 * The same W2 workload on graphile-worker (a PostgreSQL job queue) beside Cairn, on the same
 * server: 1,000 no-op jobs, then a join job once they are all done, one worker with 8 jobs
 * at once. graphile-worker 0.16 (the last line that runs on Node 20) is installed on first
 * use into a cache outside the project: it is a yardstick, not a dependency.
 */
export async function graphileW2(n = 1000) {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? tmpdir(), '.cache'), 'cairn-bench');
  const entry = join(cache, 'node_modules/graphile-worker/dist/index.js');
  const { existsSync } = await import('node:fs');
  if (!existsSync(entry)) {
    const r = spawnSync('npm', ['install', '--prefix', cache, '--no-save', '--no-package-lock', 'graphile-worker@0.16'], { stdio: 'ignore' });
    if (r.status !== 0) return undefined;
  }
  const { run, makeWorkerUtils } = (await import(entry)).default ?? (await import(entry));
  return withDatabase(async (url) => {
    let done = 0;
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    // One pool of our own, ended by us, with the error handler a dropped database needs.
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    pool.on('error', () => {});
    const logger = new (await import(join(cache, 'node_modules/@graphile/logger/dist/index.js'))).Logger(() => () => {});
    const utils = await makeWorkerUtils({ pgPool: pool, logger });
    await utils.migrate();
    const runner = await run({
      pgPool: pool,
      concurrency: 8,
      noHandleSignals: true,
      pollInterval: 1000,
      logger,
      taskList: {
        noop: async () => {
          if (++done === n) await utils.addJob('join', {});
        },
        join: async () => finish(),
      },
    });
    const t0 = performance.now();
    // All ready at once, as W2's steps are: in one batch where the version has it.
    const specs = Array.from({ length: n }, (_, i) => ({ identifier: 'noop', payload: { i } }));
    if (typeof utils.addJobs === 'function') await utils.addJobs(specs);
    else await Promise.all(specs.map((j) => utils.addJob(j.identifier, j.payload)));
    await finished;
    const ms = performance.now() - t0;
    await runner.stop();
    await utils.release();
    await pool.end();
    return { ms, rate: Math.round((n + 1) / (ms / 1000)) };
  });
}
