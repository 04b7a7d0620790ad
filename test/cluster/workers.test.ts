import { afterEach, describe, expect, it } from 'vitest';
import type { Cairn, RunningWorker } from '../../src/app/index.js';
import { Workspace } from '../app/workspace.js';

/**
 * Steps with `runs_on` go to workers (docs/cluster.md), here in the test's own process:
 * an engine Cairn and a worker Cairn sharing one store, as two processes would.
 */
describe('workers', () => {
  let ws: Workspace;
  const workers: RunningWorker[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
    await ws.close();
  });

  async function setup(): Promise<{ engine: Cairn; worker: (labels: string[]) => Promise<RunningWorker> }> {
    ws = new Workspace();
    const engine = await ws.open();
    const host = await ws.open();
    return {
      engine,
      worker: async (labels) => {
        const w = await host.startWorker({ labels, version: 'test', pollMs: 50, leaseMs: 2000 });
        workers.push(w);
        return w;
      },
    };
  }

  const until = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 400; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('runs a step with runs_on on a worker that has its labels, and the rest on the engine', async () => {
    const { engine, worker } = await setup();
    const w = await worker(['linux', 'gpu']);
    const file = ws.file(
      'w.yaml',
      [
        'name: placed',
        'steps:',
        '  - id: here',
        '    command: shell',
        '    parameters: {run: "echo here=$CAIRN_WORKER_ID"}',
        '  - id: there',
        '    command: shell',
        '    runs_on: [gpu]',
        '    depends_on: [here]',
        '    parameters: {run: "echo \\"answer=42\\" >> $CAIRN_OUTPUT"}',
      ].join('\n'),
    );
    const run = await engine.startRun({ file });
    const done = await engine.waitFor(run.id);
    expect(done?.status).toBe('succeeded');
    const { steps } = await engine.getRun(run.id);
    expect(steps.find((s) => s.key === 'there')?.outputs).toMatchObject({ answer: '42' });
    const logs = await engine.logs(run.id);
    expect(logs.filter((l) => l.step === 'there').map((l) => l.line)).toContain(`running on worker ${w.id} (${(await engine.nodes()).find((n) => n.id === w.id)?.host})`);
    expect(logs.filter((l) => l.step === 'here').some((l) => l.line.startsWith('running on worker'))).toBe(false);
    const nodes = await engine.nodes();
    expect(nodes.find((n) => n.id === w.id)).toMatchObject({ kind: 'worker', labels: ['gpu', 'linux'], alive: true, capacity: 4 });
  });

  it('leaves a step no live worker can take waiting, says so, and runs it when a worker with its labels starts', async () => {
    const { engine, worker } = await setup();
    await worker(['linux']);
    const file = ws.file('w.yaml', ['name: gpu-job', 'runs_on: [gpu]', 'steps:', '  - id: train', '    command: shell', '    parameters: {run: "echo trained"}'].join('\n'));
    const run = await engine.startRun({ file });
    await until(async () => (await engine.waitingForWorkers(run.id)).length === 1, 'the task to be queued');
    const [waiting] = await engine.waitingForWorkers(run.id);
    expect(waiting).toMatchObject({ step: 'train', labels: ['gpu'], noWorker: true });
    expect((await engine.getRun(run.id)).run.status).toBe('running');
    await worker(['gpu', 'linux']);
    expect((await engine.waitFor(run.id))?.status).toBe('succeeded');
    expect(await engine.waitingForWorkers(run.id)).toStrictEqual([]);
  });

  it('reports a failure on the worker as the step failure, with its code, and retries it as the step says', async () => {
    const { engine, worker } = await setup();
    await worker([]);
    const file = ws.file(
      'w.yaml',
      ['name: failing', 'steps:', '  - id: f', '    command: shell', '    runs_on: []', '    retry: {max_attempts: 2, initial_delay: 0.01}', '    parameters: {run: "echo attempt; exit 3"}'].join('\n'),
    );
    const run = await engine.startRun({ file });
    const done = await engine.waitFor(run.id);
    expect(done?.status).toBe('failed');
    const step = (await engine.getRun(run.id)).steps.find((s) => s.key === 'f');
    expect(step).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'EXIT_CODE' } });
  });

  it('cancelling the run stops the step on the worker', async () => {
    const { engine, worker } = await setup();
    await worker([]);
    const marker = `${ws.dir}/still-running`;
    const file = ws.file('w.yaml', ['name: long', 'runs_on: []', 'steps:', '  - id: sleepy', '    command: shell', `    parameters: {run: "sleep 30; touch ${marker}"}`].join('\n'));
    const run = await engine.startRun({ file });
    await until(async () => (await engine.logs(run.id)).some((l) => l.line.startsWith('running on worker')), 'the worker to start the step');
    await engine.cancel(run.id, { reason: 'test' });
    expect((await engine.waitFor(run.id))?.status).toBe('cancelled');
    await until(async () => workers[0]!.load === 0, 'the worker to stop the step');
  });

  it('a worker that stops mid-step reports nothing; the step runs again on another worker', async () => {
    const { engine, worker } = await setup();
    const leaving = await worker([]);
    const file = ws.file('w.yaml', ['name: moved', 'runs_on: []', 'steps:', '  - id: s', '    command: shell', '    parameters: {run: "sleep 1; echo \\"by=$CAIRN_WORKER_ID\\" >> $CAIRN_OUTPUT"}'].join('\n'));
    const run = await engine.startRun({ file });
    await until(async () => leaving.load === 1, 'the first worker to take the step');
    await leaving.stop(0);
    workers.splice(workers.indexOf(leaving), 1);
    await worker([]);
    expect((await engine.waitFor(run.id))?.status).toBe('succeeded');
    const step = (await engine.getRun(run.id)).steps.find((s) => s.key === 's');
    expect(step?.attempts).toBe(2);
    const lines = (await engine.logs(run.id)).map((l) => l.line);
    expect(lines).toContain(`worker ${leaving.id} stopped before the step finished: it runs again elsewhere`);
  });

  it('a node that takes over a run waits for the step a worker is running instead of starting it again', async () => {
    const { engine, worker } = await setup();
    await worker([]);
    const file = ws.file('w.yaml', ['name: handover', 'runs_on: []', 'steps:', '  - id: s', '    command: shell', '    parameters: {run: "sleep 1; echo done=yes >> $CAIRN_OUTPUT"}'].join('\n'));
    const run = await engine.startRun({ file });
    await until(async () => workers[0]!.load === 1, 'the worker to take the step');
    // The first node goes away (its runs are released); the worker carries on.
    await engine.close();
    const successor = await ws.open();
    expect(await successor.resume()).toContain(run.id);
    expect((await successor.waitFor(run.id))?.status).toBe('succeeded');
    const step = (await successor.getRun(run.id)).steps.find((s) => s.key === 's');
    expect(step).toMatchObject({ attempts: 1, outputs: { done: 'yes' } });
  });

  it('refuses runs_on on a step only the engine can run', async () => {
    const { engine } = await setup();
    const file = ws.file('w.yaml', ['name: bad', 'steps:', '  - id: ask', '    command: approval', '    runs_on: [gpu]'].join('\n'));
    const report = await engine.validate(file);
    expect(report.valid).toBe(false);
    expect(report.diagnostics.find((d) => d.code === 'DEF_RUNS_ON')).toMatchObject({ line: 5 });
    // A secret's value is never written into the task queue: such steps stay on the node.
    const secret = ws.file('s.yaml', ['name: secretive', 'runs_on: [linux]', 'steps:', '  - id: use', '    command: shell', '    parameters: {run: "curl -H \\"$T\\" x", env: {T: "${{ secrets.TOKEN }}"}}'].join('\n'));
    const refused = await engine.validate(secret);
    expect(refused.diagnostics.find((d) => d.code === 'DEF_RUNS_ON')?.message).toContain("step 'use' reads secrets (TOKEN) and would run on a worker");
  });
});
