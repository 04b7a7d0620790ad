import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CairnError } from '../../src/app/index.js';
import { Workspace } from './workspace.js';

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

async function runToEnd(yaml: string, parameters: Record<string, unknown> = {}) {
  ws = new Workspace();
  const cairn = await ws.open();
  const file = ws.file('wf.yaml', yaml);
  const started = await cairn.startRun({ file, parameters });
  const final = await cairn.waitFor(started.id);
  const view = await cairn.getRun(started.id);
  return { cairn, final, view, steps: Object.fromEntries(view.steps.map((s) => [s.key, s])) };
}

describe('runs on a real SQLite file with real processes', () => {
  it('runs the hello example: parallel steps, a join, outputs passed along', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const run = await cairn.startRun({ file: join(process.cwd(), 'examples/hello.yaml'), parameters: { who: 'Ada' } });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    expect(String(final?.outputs?.message)).toMatch(/^Hello, Ada! \(from \w+\)$/);
    const events = await cairn.store.readEvents(run.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('a failing step fails the run, skips its dependents, and names the step', async () => {
    const { final, steps } = await runToEnd(`
name: failing
steps:
  - id: bad
    command: shell
    parameters: { run: "echo oops >&2; exit 3" }
  - id: after
    command: log
    depends_on: [bad]
    parameters: { message: never }
  - id: independent
    command: log
    parameters: { message: still runs }
`);
    expect(final?.status).toBe('failed');
    expect(final?.error?.message).toContain("step 'bad' failed");
    expect(steps.bad?.error?.code).toBe('EXIT_CODE');
    expect(steps.after?.status).toBe('skipped');
    expect(steps.after?.reason).toContain("dependency 'bad' failed");
    expect(steps.independent?.status).toBe('succeeded');
  });

  it('retries with backoff until the step succeeds', async () => {
    ws = new Workspace();
    const counter = join(ws.dir, 'count');
    const cairn = await ws.open();
    const file = ws.file(
      'retry.yaml',
      `
name: flaky
steps:
  - id: flaky
    command: shell
    retry: { max_attempts: 4, backoff: exponential, initial_delay: 50ms, max_delay: 200ms }
    parameters:
      env: { COUNTER: "${counter}" }
      run: |
        n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNTER"
        [ "$n" -ge 3 ]
`,
    );
    const run = await cairn.startRun({ file });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    const steps = await cairn.store.getSteps(run.id);
    expect(steps[0]?.attempts).toBe(3);
    const types = (await cairn.store.readEvents(run.id)).map((e) => e.type);
    expect(types.filter((t) => t === 'StepRetryScheduled')).toHaveLength(2);
    expect(readFileSync(counter, 'utf8').trim()).toBe('3');
  });

  it('times out a hanging step and kills its process', async () => {
    ws = new Workspace();
    const pidFile = join(ws.dir, 'pid');
    const cairn = await ws.open();
    const file = ws.file(
      'hang.yaml',
      `
name: hang
steps:
  - id: hang
    command: shell
    timeout_seconds: 1
    parameters:
      env: { PID_FILE: "${pidFile}" }
      run: echo $$ > "$PID_FILE"; sleep 60
`,
    );
    const run = await cairn.startRun({ file });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('failed');
    const steps = await cairn.store.getSteps(run.id);
    expect(steps[0]?.error?.code).toBe('STEP_TIMEOUT');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 300));
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('skips a step whose condition is false, and fans out over a list', async () => {
    const { final, steps } = await runToEnd(
      `
name: fan
parameters:
  hosts: { type: array, default: [a, b, c] }
  restart: { type: boolean, default: false }
steps:
  - id: restart
    command: log
    if: parameters.restart
    parameters: { message: restarting }
  - id: ping
    command: shell
    for_each: \${{ parameters.hosts }}
    max_parallel: 2
    parameters:
      env: { HOST: "\${{ item }}", I: "\${{ index }}" }
      run: echo "pong=$HOST-$I" >> "$CAIRN_OUTPUT"
  - id: collect
    command: log
    depends_on: [ping]
    parameters:
      message: \${{ steps.ping.outputs.items.pong }}
`,
    );
    expect(final?.status).toBe('succeeded');
    expect(steps.restart?.status).toBe('skipped');
    expect(steps['ping[2]']?.outputs?.pong).toBe('c-2');
    expect(steps.collect?.outputs?.message).toEqual(['a-0', 'b-1', 'c-2']);
  });

  it('refuses bad parameters before creating anything', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const file = ws.file('p.yaml', 'name: p\nparameters:\n  count: { type: integer, required: true }\nsteps:\n  - id: a\n    command: log\n    parameters: { message: hi }\n');
    await expect(cairn.startRun({ file, parameters: { count: 'many' } })).rejects.toThrow(CairnError);
    await expect(cairn.startRun({ file, parameters: {} })).rejects.toThrow(/missing required parameter 'count'/);
    await expect(cairn.startRun({ file, parameters: { cuont: '1' } })).rejects.toThrow(/did you mean 'count'/i);
    expect(await cairn.listRuns()).toHaveLength(0);
  });

  it('cancels a run held by another owner through a request', async () => {
    ws = new Workspace();
    const owner = await ws.open();
    const other = await ws.open();
    const marker = join(ws.dir, 'after');
    const file = ws.file(
      'long.yaml',
      `
name: long
steps:
  - id: sleep
    command: shell
    parameters: { run: sleep 30 }
  - id: after
    command: shell
    depends_on: [sleep]
    parameters: { argv: [touch, "${marker}"] }
`,
    );
    const run = await owner.startRun({ file });
    await new Promise((r) => setTimeout(r, 300));
    const cancelled = await other.cancel(run.id, { by: 'tester', reason: 'no longer needed' });
    expect(cancelled.status).toBe('cancelled');
    expect((await owner.waitFor(run.id))?.status).toBe('cancelled');
    const events = await other.store.readEvents(run.id);
    const cancel = events.find((e) => e.type === 'RunCancelled');
    expect(cancel?.data).toMatchObject({ by: 'tester', reason: 'no longer needed' });
    expect(existsSync(marker)).toBe(false);
  });

  it('a wait step survives the process letting go of the run', async () => {
    ws = new Workspace();
    const first = await ws.open();
    const file = ws.file('wait.yaml', 'name: w\nsteps:\n  - id: pause\n    command: wait\n    parameters: { seconds: 1 }\n  - id: done\n    command: log\n    depends_on: [pause]\n    parameters: { message: awake }\n');
    const run = await first.startRun({ file });
    await new Promise((r) => setTimeout(r, 200));
    expect((await first.getRun(run.id)).run.status).toBe('waiting');
    await first.close();
    const second = await ws.open();
    expect(await second.resume()).toEqual([run.id]);
    const final = await second.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    const started = (await second.store.readEvents(run.id)).filter((e) => e.type === 'StepStarted' && e.data.step === 'pause');
    // The timer was not restarted: the wait step started once.
    expect(started).toHaveLength(1);
  });
});

describe('taking over from a dead owner', () => {
  it('stops the process group a dead owner left running before running the step again', async () => {
    ws = new Workspace();
    const { spawn } = await import('node:child_process');
    const { hostname } = await import('node:os');
    const cairn = await ws.open();
    const file = ws.file('one.yaml', 'name: one\nsteps:\n  - id: a\n    command: log\n    parameters: { message: hi }\n');
    // A run whose step was 'running' under an owner that is gone, with its process left behind.
    const run = await cairn.startRun({ file, detach: true });
    const orphan = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const pid = orphan.pid as number;
    await cairn.store.recordProcess({ runId: run.id, step: 'a', attempt: 1, host: hostname(), pid });
    expect(() => process.kill(pid, 0)).not.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    // The detached resumer (or this process) takes the run; either way the orphan must die.
    await cairn.resume([run.id]);
    for (let i = 0; i < 50 && orphan.exitCode === null && orphan.signalCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(orphan.signalCode).toBe('SIGTERM');
    expect(await cairn.store.listProcesses(run.id)).toStrictEqual([]);
  });
});
