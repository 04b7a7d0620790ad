import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Cairn } from '../../src/app/index.js';
import { Workspace } from './workspace.js';

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

const until = async (check: () => Promise<boolean>, tries = 200) => {
  for (let i = 0; i < tries && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('rollback on a real store', () => {
  it('a rejected approval rolls back what was done before it', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    const cairn = await ws.open();
    const file = ws.file(
      'deploy.yaml',
      `
name: deploy
rollback_enabled: true
steps:
  - id: stage
    command: shell
    parameters: { env: { L: "${ledger}" }, run: 'echo "do stage" >> "$L"' }
    rollback: { command: shell, parameters: { env: { L: "${ledger}" }, run: 'echo "undo stage" >> "$L"' } }
  - id: go
    command: approval
    depends_on: [stage]
  - id: release
    command: shell
    depends_on: [go]
    parameters: { env: { L: "${ledger}" }, run: 'echo "do release" >> "$L"' }
`,
    );
    const run = await cairn.startRun({ file });
    await until(async () => (await cairn.openTasks(run.id)).length === 1);
    await cairn.approve(run.id, 'go', { approve: false, by: 'lead', comment: 'not today' });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('rolled_back');
    expect(final?.error?.message).toContain('rejected by lead: not today');
    expect(lines(ledger)).toEqual(['do stage', 'undo stage']);
    expect(await cairn.compensations(run.id)).toEqual([{ step: 'stage', status: 'succeeded', attempts: 1 }]);
  });

  it('rolls back a finished run on request, in reverse order, and refuses a second time', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    const cairn = await ws.open();
    const step = (id: string, dep?: string, extra = '') =>
      `  - id: ${id}\n    command: shell\n${dep ? `    depends_on: [${dep}]\n` : ''}${extra}    parameters: { env: { L: "${ledger}" }, run: 'echo "do ${id}" >> "$L"' }\n    rollback: { command: shell, parameters: { env: { L: "${ledger}" }, run: 'echo "undo ${id}" >> "$L"' } }\n`;
    const file = ws.file('three.yaml', `name: three\nsteps:\n${step('a')}${step('b', 'a', '    checkpoint: true\n')}${step('c', 'b')}`);
    const run = await cairn.startRun({ file });
    expect((await cairn.waitFor(run.id))?.status).toBe('succeeded');
    expect((await cairn.rollback(run.id, { strategy: 'manual' })).plan.map((c) => c.step)).toEqual(['c', 'b', 'a']);
    expect((await cairn.rollbackPoints(run.id)).map((p) => [p.step, p.undone])).toEqual([['b', ['c']]]);
    const other = await ws.open();
    const report = await other.rollback(run.id, { strategy: 'checkpoint' });
    expect(report.run.status).toBe('rolled_back');
    expect(lines(ledger)).toEqual(['do a', 'do b', 'do c', 'undo c']);
    await expect(other.rollback(run.id, { strategy: 'immediate' })).rejects.toThrow(/already rolled_back/);
  });

  it('a SIGKILL in the middle of a rollback resumes it, each compensation done exactly once', async () => {
    ws = new Workspace();
    const ledger = ws.file('ledger', '');
    // Compensations are idempotent on CAIRN_IDEMPOTENCY_KEY, as the docs advise: a re-run
    // after a crash sees its key in the ledger and does nothing.
    const undo = (id: string) =>
      `    rollback:\n      command: shell\n      parameters:\n        env: { L: "${ledger}" }\n        run: |\n          grep -q "$CAIRN_IDEMPOTENCY_KEY" "$L" && exit 0\n          sleep 0.4\n          echo "undo ${id} $CAIRN_IDEMPOTENCY_KEY" >> "$L"\n`;
    const steps = ['s1', 's2', 's3', 's4'].map((id, i) => `  - id: ${id}\n    command: shell\n${i ? `    depends_on: [s${i}]\n` : ''}    parameters: { run: "true" }\n${undo(id)}`);
    const file = ws.file('crashy.yaml', `name: crashy\nrollback_enabled: true\nparameters:\n  n: { type: integer, default: 0 }\nsteps:\n${steps.join('')}  - id: boom\n    command: shell\n    depends_on: [s4]\n    parameters: { run: "exit 1" }\n`);
    const driver = new URL('../runtime/fixtures/crash-driver.mjs', import.meta.url).pathname;
    const start = () => spawn(process.execPath, [driver, ws.db, file, '1'], { stdio: 'ignore' });
    const first = start();
    // Kill it once the rollback is under way: the first compensation has been written.
    await until(async () => lines(ledger).length >= 1, 400);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const second = start();
    const code = await new Promise((r) => second.once('exit', r));
    expect(code).toBe(0);
    const cairn = await Cairn.open({ db: ws.db });
    try {
      const [run] = await cairn.listRuns();
      expect(run?.status).toBe('rolled_back');
      const undone = lines(ledger).map((l) => l.split(' ')[1]);
      expect(undone).toEqual(['s4', 's3', 's2', 's1']);
      const events = await cairn.store.readEvents(run!.id);
      expect(events.filter((e) => e.type === 'StepCompensated')).toHaveLength(4);
      events.forEach((e, i) => expect(e.seq).toBe(i + 1));
    } finally {
      await cairn.close();
    }
  }, 60_000);
});
