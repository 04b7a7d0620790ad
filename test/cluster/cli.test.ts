import { afterEach, describe, expect, it } from 'vitest';
import { cairn } from '../cli/cli.js';
import { testStoreLocation } from '../store/test-store.js';
import { Member, startWorker, until, workspace, writeFile } from './harness.js';

/** `cairn worker`, `cairn nodes` and what `cairn status` says of steps waiting for workers. */
describe('cluster commands', () => {
  const members: Member[] = [];
  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.stop()));
  });

  it('cairn nodes lists a worker with its labels; cairn status says when no live worker can take a step', async () => {
    const dir = workspace();
    const db = testStoreLocation(dir);
    const worker = startWorker(db, dir, ['--labels', 'linux,docker', '--concurrency', '3']);
    members.push(worker);
    const [, id] = await worker.waitFor(/worker: (\S+) ready/);
    const listed = await cairn(['--db', db, 'nodes', '--json'], { cwd: dir });
    expect(listed.code).toBe(0);
    const nodes = (JSON.parse(listed.stdout) as { nodes: Array<Record<string, unknown>> }).nodes;
    expect(nodes.find((n) => n['id'] === id)).toMatchObject({ kind: 'worker', labels: ['docker', 'linux'], capacity: 3, alive: true, running: 0 });

    writeFile(dir, 'gpu.yaml', ['name: gpu', 'steps:', '  - id: train', '    command: shell', '    runs_on: [gpu]', '    parameters: {run: "true"}'].join('\n'));
    const started = await cairn(['--db', db, 'run', 'gpu.yaml', '--detach', '--json'], { cwd: dir });
    expect(started.code).toBe(0);
    const runId = (JSON.parse(started.stdout) as { run_id: string }).run_id;
    const status = await until(async () => {
      const s = await cairn(['--db', db, 'status', runId], { cwd: dir });
      return s.stdout.includes('no live worker has labels [gpu]') ? s : undefined;
    }, 'status to say the step waits for a gpu worker');
    expect(status.stdout).toMatch(/step 'train': no live worker has labels \[gpu\]: it waits until one starts/);
    const table = await cairn(['--db', db, 'nodes'], { cwd: dir });
    expect(table.stdout).toMatch(/worker\s+\S+\s+\d+\s+docker,linux\s+0\/3/);
    expect(table.stdout).toContain('1 step(s) queued for workers, 1 with no live worker that has their labels');
    await cairn(['--db', db, 'cancel', runId], { cwd: dir });
  });

  it('refuses bad flags with a clear message', async () => {
    const dir = workspace();
    const db = testStoreLocation(dir);
    const bad = await cairn(['--db', db, 'worker', '--concurrency', 'zero'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--concurrency takes a whole number of steps (1 or more), not 'zero'");
    const label = await cairn(['--db', db, 'worker', '--labels', 'a b'], { cwd: dir });
    expect(label.code).not.toBe(0);
    expect(label.stderr).toContain("'a b' is not a label");
  });
});
