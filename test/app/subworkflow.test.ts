import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cairn, type Run } from '../../src/app/index.js';
import { MAX_CHILD_DEPTH } from '../../src/runtime/lineage.js';
import { Workspace } from './workspace.js';

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

const until = async (check: () => Promise<boolean>, tries = 400) => {
  for (let i = 0; i < tries && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

/** A child that greets: a shell step whose output becomes the child run's output. */
const GREETER = `
name: greeter
parameters:
  who: { type: string }
steps:
  - id: hi
    command: shell
    parameters:
      env: { WHO: "\${{ parameters.who }}" }
      run: echo "greeting=hello $WHO" >> "$CAIRN_OUTPUT"
outputs:
  greeting: \${{ steps.hi.outputs.greeting }}
`;

/** A parent whose `workflow` step runs `child`, with extra step fields. */
const parentOf = (child: string, extra = '', params = '{ who: Ada }') => `
name: parent
parameters:
  n: { type: integer, default: 0 }
steps:
  - id: sub
    command: workflow
${extra}    parameters:
      workflow: ${child}
      parameters: ${params}
  - id: use
    command: shell
    depends_on: [sub]
    parameters:
      env: { SAID: "\${{ steps.sub.outputs.greeting }}" }
      run: echo "said=$SAID!" >> "$CAIRN_OUTPUT"
outputs:
  said: \${{ steps.use.outputs.said }}
  child: \${{ steps.sub.outputs.run_id }}
`;

/** A child whose only step records that it started, then sleeps until `go` exists (or long). */
const sleeper = (ledger: string, go: string) => `
name: sleeper
parameters:
  who: { type: string, default: x }
steps:
  - id: nap
    command: shell
    parameters:
      env: { L: "${ledger}", GO: "${go}" }
      run: |
        echo "start $CAIRN_IDEMPOTENCY_KEY" >> "$L"
        for i in $(seq 1 600); do [ -f "$GO" ] && break; sleep 0.05; done
        echo "greeting=rested" >> "$CAIRN_OUTPUT"
outputs:
  greeting: \${{ steps.nap.outputs.greeting }}
`;

async function childrenOf(cairn: Cairn, runId: string): Promise<Run[]> {
  return cairn.listRuns({ parentRunId: runId });
}

describe('sub-workflows on a real store', () => {
  it("runs the child, and the child's outputs feed the parent's next step", async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    ws.file('greeter.yaml', GREETER);
    const file = ws.file('parent.yaml', parentOf('greeter.yaml'));
    const run = await cairn.startRun({ file, startedBy: 'ada' });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    const [child, ...more] = await childrenOf(cairn, run.id);
    expect(more).toEqual([]);
    expect(child).toMatchObject({ workflowId: 'greeter', status: 'succeeded', startedBy: 'ada', parent: { runId: run.id, step: 'sub' }, parameters: { who: 'Ada' }, outputs: { greeting: 'hello Ada' } });
    expect(final?.outputs).toEqual({ said: 'hello Ada!', child: child?.id });
    const { steps } = await cairn.getRun(run.id);
    expect(steps.find((s) => s.key === 'sub')?.outputs).toEqual({ greeting: 'hello Ada', run_id: child?.id });
    // The child has its own events; the parent's step log names the child.
    expect((await cairn.store.readEvents(child!.id)).map((e) => e.type)).toContain('RunFinished');
    expect((await cairn.logs(run.id, { step: 'sub' })).map((l) => l.line)).toContain(`started child run ${child?.id} (greeter)`);
    expect((await cairn.getRun(run.id)).run.parent).toBeUndefined();
  });

  it('finds a child by the id of a workflow an earlier run stored', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    ws.file('greeter.yaml', GREETER);
    const first = await cairn.startRun({ file: ws.file('p1.yaml', parentOf('greeter.yaml')) });
    expect((await cairn.waitFor(first.id))?.status).toBe('succeeded');
    const second = await cairn.startRun({ file: ws.file('p2.yaml', parentOf('greeter', '', '{ who: "${{ \'Bo\' & \'b\' }}" }')) });
    const final = await cairn.waitFor(second.id);
    expect(final?.outputs?.said).toBe('hello Bob!');
  });

  it("a child's failure fails the step with CHILD_FAILED, and a retry starts a new child", async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    ws.file('broken.yaml', 'name: broken\nparameters:\n  who: { type: string }\nsteps:\n  - id: boom\n    command: shell\n    parameters: { run: "echo bad >&2; exit 3" }\n');
    const file = ws.file('parent.yaml', parentOf('broken.yaml', '    retry: { max_attempts: 2, initial_delay: 0.01 }\n'));
    const run = await cairn.startRun({ file });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('failed');
    const children = await childrenOf(cairn, run.id);
    expect(children.map((c) => c.status)).toEqual(['failed', 'failed']);
    const sub = (await cairn.getRun(run.id)).steps.find((s) => s.key === 'sub');
    expect(sub).toMatchObject({ status: 'failed', attempts: 2 });
    expect(sub?.error?.code).toBe('CHILD_FAILED');
    expect(sub?.error?.message).toContain(`child run ${children[0]?.id} (broken) failed`);
    expect(sub?.error?.details).toMatchObject({ run_id: children[0]?.id, status: 'failed' });
    expect((await cairn.getRun(run.id)).steps.find((s) => s.key === 'use')?.status).toBe('skipped');
  });

  it('cancelling the parent cancels the child', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    const cairn = await ws.open();
    ws.file('sleeper.yaml', sleeper(ledger, join(ws.dir, 'never')));
    const run = await cairn.startRun({ file: ws.file('parent.yaml', parentOf('sleeper.yaml')) });
    await until(async () => lines(ledger).length === 1);
    const cancelled = await cairn.cancel(run.id, { by: 'ops' });
    expect(cancelled.status).toBe('cancelled');
    const [child] = await childrenOf(cairn, run.id);
    await until(async () => (await cairn.store.getRun(child!.id))?.status === 'cancelled');
    expect((await cairn.store.getRun(child!.id))?.status).toBe('cancelled');
    expect((await cairn.getRun(child!.id)).steps[0]?.status).toBe('cancelled');
  });

  it('a step timeout cancels the child', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    const cairn = await ws.open();
    ws.file('sleeper.yaml', sleeper(ledger, join(ws.dir, 'never')));
    const run = await cairn.startRun({ file: ws.file('parent.yaml', parentOf('sleeper.yaml', '    timeout_seconds: 1\n')) });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('failed');
    expect((await cairn.getRun(run.id)).steps.find((s) => s.key === 'sub')?.error?.code).toBe('STEP_TIMEOUT');
    const [child] = await childrenOf(cairn, run.id);
    await until(async () => (await cairn.store.getRun(child!.id))?.status === 'cancelled');
    expect((await cairn.store.getRun(child!.id))?.status).toBe('cancelled');
  });

  it('refuses, for good, a child that is missing, invalid, calls itself, or nests too deep', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const failure = async (yaml: string) => {
      const run = await cairn.startRun({ file: ws.file(`p${Math.random().toString(36).slice(2)}.yaml`, yaml) });
      expect((await cairn.waitFor(run.id))?.status).toBe('failed');
      return (await cairn.getRun(run.id)).steps.find((s) => s.key === 'sub');
    };
    const missing = await failure(parentOf('nowhere.yaml'));
    expect(missing).toMatchObject({ attempts: 1, error: { code: 'CHILD_NOT_FOUND' } });
    expect(missing?.error?.message).toContain(join(ws.dir, 'nowhere.yaml'));
    expect((await failure(parentOf('no-such-id')))?.error?.message).toMatch(/no run has stored a workflow with id 'no-such-id'/);
    ws.file('greeter.yaml', GREETER);
    const noWho = await failure(parentOf('greeter.yaml', '', '{}'));
    expect(noWho?.error).toMatchObject({ code: 'CHILD_INVALID' });
    expect(noWho?.error?.message).toMatch(/missing required parameter 'who'/);
    ws.file('typo.yaml', 'name: typo\nsteps:\n  - id: a\n    command: shel\n');
    expect((await failure(parentOf('typo.yaml')))?.error?.message).toMatch(/DEF_UNKNOWN_COMMAND/);
    // A workflow that calls itself: the child would have the parent's definition.
    const self = 'name: loop\nsteps:\n  - id: sub\n    command: workflow\n    parameters: { workflow: loop.yaml }\n';
    const loop = await cairn.startRun({ file: ws.file('loop.yaml', self) });
    expect((await cairn.waitFor(loop.id))?.status).toBe('failed');
    expect((await cairn.getRun(loop.id)).steps[0]?.error).toMatchObject({ code: 'CHILD_CYCLE' });
    expect(await childrenOf(cairn, loop.id)).toEqual([]);
    // A chain of distinct workflows one level too deep.
    for (let i = 0; i <= MAX_CHILD_DEPTH + 1; i++) {
      ws.file(`level${i}.yaml`, `name: level${i}\nsteps:\n  - id: sub\n    command: workflow\n    parameters: { workflow: level${i + 1}.yaml }\n`);
    }
    ws.file(`level${MAX_CHILD_DEPTH + 2}.yaml`, 'name: bottom\nsteps:\n  - id: a\n    command: log\n    parameters: { message: never }\n');
    const deep = await cairn.startRun({ file: join(ws.dir, 'level0.yaml') });
    expect((await cairn.waitFor(deep.id))?.status).toBe('failed');
    const runs = await cairn.listRuns({});
    const deepest = runs.find((r) => r.workflowName === `level${MAX_CHILD_DEPTH}`);
    expect(deepest).toBeDefined();
    expect((await cairn.getRun(deepest!.id)).steps[0]?.error).toMatchObject({ code: 'CHILD_DEPTH' });
    expect(runs.some((r) => r.workflowName === `level${MAX_CHILD_DEPTH + 1}`)).toBe(false);
  });

  it('a SIGKILL while the child runs: recovery waits for that child and never starts a second', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    const go = join(ws.dir, 'go');
    ws.file('sleeper.yaml', sleeper(ledger, go));
    const file = ws.file('parent.yaml', parentOf('sleeper.yaml'));
    const driver = new URL('../runtime/fixtures/crash-driver.mjs', import.meta.url).pathname;
    const start = () => spawn(process.execPath, [driver, ws.db, file, '1'], { stdio: 'ignore' });
    const first = start();
    await until(async () => lines(ledger).length >= 1);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    writeFileSync(go, '');
    const second = start();
    expect(await new Promise((r) => second.once('exit', r))).toBe(0);
    const cairn = await Cairn.open({ db: ws.db });
    try {
      const runs = await cairn.listRuns({});
      expect(runs).toHaveLength(2);
      const parent = runs.find((r) => !r.parent);
      const child = runs.find((r) => r.parent);
      expect(parent).toMatchObject({ status: 'succeeded', outputs: { said: 'rested!', child: child?.id } });
      expect(child).toMatchObject({ status: 'succeeded', parent: { runId: parent?.id, step: 'sub' } });
      // The child's step may have run again (at least once), always as the same child.
      expect(new Set(lines(ledger))).toEqual(new Set([`start ${child?.id}:nap`]));
      const started = (await cairn.store.readEvents(parent!.id)).filter((e) => e.type === 'StepStarted' && e.data.step === 'sub');
      expect(started.length).toBeGreaterThanOrEqual(2);
      const said = (await cairn.logs(parent!.id, { step: 'sub' })).map((l) => l.line);
      expect(said).toContain(`child run ${child?.id} (sleeper) was started before; waiting for it`);
    } finally {
      await cairn.close();
    }
  }, 60_000);

  it('cancelling a parent whose process died cancels the child it left behind', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    ws.file('sleeper.yaml', sleeper(ledger, join(ws.dir, 'never')));
    const file = ws.file('parent.yaml', parentOf('sleeper.yaml'));
    const driver = new URL('../runtime/fixtures/crash-driver.mjs', import.meta.url).pathname;
    const first = spawn(process.execPath, [driver, ws.db, file, '1'], { stdio: 'ignore' });
    await until(async () => lines(ledger).length >= 1);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const cairn = await ws.open();
    const parent = (await cairn.listRuns({})).find((r) => !r.parent);
    expect((await cairn.cancel(parent!.id, { by: 'ops' })).status).toBe('cancelled');
    const [child] = await childrenOf(cairn, parent!.id);
    await until(async () => (await cairn.store.getRun(child!.id))?.status === 'cancelled');
    expect((await cairn.store.getRun(child!.id))?.status).toBe('cancelled');
    expect(lines(ledger)).toHaveLength(1);
  }, 60_000);
});
