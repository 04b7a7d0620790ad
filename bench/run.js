// `npm run bench`: the workloads the issues name, as a table. Numbers go into
// BENCHMARKS.md by hand, with the machine and the date. Nothing here asserts a time.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cairn } from '../dist/app/index.js';
import { validateFile } from '../dist/app/validate.js';
import { chain, fanIn } from './workloads.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const rows = [];

/**
 * Runs a workflow text on a fresh store (default settings); returns the milliseconds from
 * the run's creation to its end as recorded in the store. Loading and validating the
 * definition comes before the run is created: W0 measures it on its own.
 */
async function timeRun(text) {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  try {
    const file = join(dir, 'wf.yaml');
    writeFileSync(file, text);
    const cairn = await Cairn.open({ db: join(dir, 'cairn.db'), cwd: dir });
    const run = await cairn.startRun({ file });
    const final = await cairn.waitFor(run.id);
    await cairn.close();
    if (final?.status !== 'succeeded') throw new Error(`bench run ${final?.status}: ${final?.error?.message}`);
    return final.finishedAt - final.createdAt;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function best(fn) {
  const times = [];
  for (let i = 0; i < REPEAT; i++) times.push(await fn());
  times.sort((a, b) => a - b);
  return { best: times[0], median: times[Math.floor(times.length / 2)] };
}

function spawnTrue() {
  return new Promise((resolve, reject) => {
    const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

async function plainChain(n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await spawnTrue();
  return performance.now() - t0;
}

async function plainFan(n) {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, spawnTrue));
  return performance.now() - t0;
}

function row(id, workload, value, target, note = '') {
  rows.push({ id, workload, value, target, note });
  console.error(`  ${id} ${workload}: ${value}`);
}

console.error(`cairn bench: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, best of ${REPEAT}`);

// Warm up the JIT and the file system once, so the first workload is not penalised.
await timeRun(chain(50));

{
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  const file = join(dir, 'wf.yaml');
  writeFileSync(file, chain(1000));
  const t = await best(async () => {
    const t0 = performance.now();
    const report = await validateFile(file, 'standard');
    if (!report.valid) throw new Error('bench definition invalid');
    return performance.now() - t0;
  });
  rmSync(dir, { recursive: true, force: true });
  row('W0', 'load + validate a 1,000-step definition', `${t.best.toFixed(0)} ms`, '(none)', `median ${t.median.toFixed(0)} ms; most of it is YAML parsing`);
}

{
  const n = 1000;
  const t = await best(() => timeRun(chain(n)));
  row('W1', `chain of ${n} log steps`, `${(t.best / n).toFixed(3)} ms/step`, '<= 0.5 ms/step', `median ${(t.median / n).toFixed(3)} ms/step`);
}
{
  const n = 1000;
  const t = await best(() => timeRun(fanIn(n)));
  row('W2', `${n} independent log steps + join`, `${Math.round((n + 1) / (t.best / 1000))} steps/s`, '>= 10,000 steps/s', `median ${Math.round((n + 1) / (t.median / 1000))} steps/s`);
}
{
  const n = 200;
  const cairnChain = await best(() => timeRun(chain(n, 'shell')));
  const plainC = await best(() => plainChain(n));
  row('W3a', `${n} shell steps (true), chain`, `${(cairnChain.best / plainC.best).toFixed(2)}x plain spawn`, '<= 1.3x', `cairn ${cairnChain.best.toFixed(0)} ms, plain ${plainC.best.toFixed(0)} ms`);
  const cairnFan = await best(() => timeRun(fanIn(n, 'shell')));
  const plainF = await best(() => plainFan(n));
  row('W3b', `${n} shell steps (true), fan-out`, `${(cairnFan.best / plainF.best).toFixed(2)}x plain spawn`, '<= 1.3x', `cairn ${cairnFan.best.toFixed(0)} ms, plain ${plainF.best.toFixed(0)} ms`);
}
{
  const times = [];
  let peakKb = 0;
  for (let i = 0; i < Math.max(5, REPEAT); i++) {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(ROOT, 'bin/cairn.js'), 'validate', join(ROOT, 'examples/hello.yaml')], { encoding: 'utf8' });
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`validate failed: ${r.stderr}`);
    peakKb = Math.max(peakKb, Number(r.stderr.trim().split('\n').pop()));
  }
  times.sort((a, b) => a - b);
  row('W4', 'cairn validate examples/hello.yaml (cold)', `${times[Math.floor(times.length / 2)].toFixed(0)} ms`, '<= 200 ms', `median of ${times.length}; peak RSS ${(peakKb / 1024).toFixed(0)} MiB`);
}

const header = ['id', 'workload', 'result', 'target', 'note'];
const table = [header, ...rows.map((r) => [r.id, r.workload, r.value, r.target, r.note])];
const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const r of table.slice(1)) console.log(line(r));
