import { afterEach, describe, expect, it } from 'vitest';
import { CairnError } from '../../src/app/index.js';
import { Workspace } from './workspace.js';

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

describe('tasks and approvals on a real store', () => {
  it('N-of-M approval: a refused self-approval and a refused stranger change nothing', async () => {
    ws = new Workspace();
    const owner = await ws.open();
    const other = await ws.open();
    const file = ws.file(
      'deploy.yaml',
      `
name: deploy
approval_required: { required: 2, approvers: [ann, bob, cy], self_approval: false }
steps:
  - id: ship
    command: log
    parameters: { message: shipped }
`,
    );
    const run = await owner.startRun({ file, startedBy: 'ann' });
    await until(async () => (await other.openTasks(run.id)).length === 1);
    const [task] = await other.openTasks(run.id);
    expect(task).toMatchObject({ kind: 'approval', step: 'approve', required: 2, approvers: ['ann', 'bob', 'cy'], approvedBy: [] });
    // ann started the run: she may not approve it; zed is not an approver.
    await expect(other.approve(run.id, 'approve', { by: 'ann' })).rejects.toThrow(/started this run and may not approve it/);
    await expect(other.approve(run.id, 'approve', { by: 'zed' })).rejects.toThrow(/not among the approvers/);
    await other.approve(run.id, 'approve', { by: 'bob', comment: 'ok' });
    expect((await other.openTasks(run.id))[0]?.approvedBy).toEqual(['bob']);
    await expect(other.approve(run.id, 'approve', { by: 'bob' })).rejects.toThrow(/already approved/);
    await other.approve(run.id, 'approve', { by: 'cy' });
    const final = await owner.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    const decisions = (await other.store.readEvents(run.id)).filter((e) => e.type === 'ApprovalGranted').map((e) => e.data);
    expect(decisions).toEqual([
      { step: 'approve', by: 'bob', comment: 'ok' },
      { step: 'approve', by: 'cy' },
    ]);
  });

  it('a rejection fails the run with who and why, and skips what depends on it', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const file = ws.file('r.yaml', 'name: r\napproval_required: true\nsteps:\n  - id: a\n    command: log\n    parameters: { message: never }\n');
    const run = await cairn.startRun({ file });
    await until(async () => (await cairn.openTasks(run.id)).length === 1);
    await cairn.approve(run.id, 'approve', { approve: false, by: 'ops-lead', comment: 'not during the freeze' });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('failed');
    const { steps } = await cairn.getRun(run.id);
    expect(steps.find((s) => s.key === 'approve')?.error).toMatchObject({ code: 'REJECTED', message: 'rejected by ops-lead: not during the freeze' });
    expect(steps.find((s) => s.key === 'a')?.status).toBe('skipped');
  });

  it('a task whose output fails its schema stays open; a valid output completes it', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const file = ws.file(
      't.yaml',
      `
name: t
steps:
  - id: review
    command: task
    parameters:
      instructions: Review the diff for \${{ parameters.pr }}
      assignee: agent
      output_schema: { type: object, required: [verdict], properties: { verdict: { enum: [ok, changes] } } }
  - id: after
    command: log
    depends_on: [review]
    parameters: { message: "\${{ steps.review.outputs.verdict }}" }
parameters:
  pr: { type: string, default: "#42" }
`,
    );
    const run = await cairn.startRun({ file });
    await until(async () => (await cairn.openTasks(run.id)).length === 1);
    expect((await cairn.openTasks(run.id))[0]).toMatchObject({ instructions: 'Review the diff for #42', assignee: 'agent' });
    const bad = cairn.complete(run.id, 'review', { output: { verdict: 'maybe' }, by: 'bot' });
    await expect(bad).rejects.toBeInstanceOf(CairnError);
    await expect(cairn.complete(run.id, 'review', { output: {} })).rejects.toThrow(/must have required property 'verdict'; the task stays open/);
    expect((await cairn.getRun(run.id)).steps.find((s) => s.key === 'review')?.status).toBe('waiting');
    await cairn.complete(run.id, 'review', { output: { verdict: 'ok' }, by: 'bot' });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    expect((await cairn.getRun(run.id)).steps.find((s) => s.key === 'after')?.outputs).toEqual({ message: 'ok' });
  });

  it('the seed-000 checklist runs, showing each step its enforcement and validation', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const run = await cairn.startRun({ file: new URL('../fixtures/seeds/seed-000-active-port-management.json', import.meta.url).pathname });
    // Its two steps have no dependencies: both are open at once.
    await until(async () => (await cairn.openTasks(run.id)).length === 2);
    const [first] = await cairn.openTasks(run.id);
    expect(first).toMatchObject({ step: 'build-guardian', details: { type: 'development', enforcement: 'code-review', validation: 'unit-tests' } });
    await cairn.complete(run.id, 'build-guardian', { by: 'dev' });
    await cairn.complete(run.id, 'integrate-startup', { by: 'dev' });
    expect((await cairn.waitFor(run.id))?.status).toBe('succeeded');
  });

  it('signals reach a waiting step; pause holds new steps until unpause', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const file = ws.file('s.yaml', 'name: s\nsteps:\n  - id: gate\n    command: wait\n    parameters: { signal: deploy-window }\n  - id: go\n    command: log\n    depends_on: [gate]\n    parameters: { message: "${{ steps.gate.outputs.data.slot }}" }\n');
    const run = await cairn.startRun({ file });
    await until(async () => (await cairn.getRun(run.id)).run.status === 'waiting');
    await cairn.pause(run.id, { by: 'ops' });
    await cairn.signal(run.id, 'deploy-window', { data: { slot: 'tonight' } });
    await new Promise((r) => setTimeout(r, 200));
    expect((await cairn.getRun(run.id)).steps.find((s) => s.key === 'go')?.status).toBe('queued');
    await cairn.pause(run.id, { resume: true });
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    expect(final?.outputs).toEqual({ go: { message: 'tonight' } });
  });
});

describe('the seed-004 fixture with its commands mapped in cairn.yaml', () => {
  it('waits for the approval, delegates three tasks, then remembers the results', async () => {
    ws = new Workspace();
    const config = ws.file('cairn.yaml', 'commands:\n  hv-delegate:\n    uses: task\n    parameters: { assignee: dba }\n');
    const cairn = await ws.open({ config });
    const run = await cairn.startRun({ file: new URL('../fixtures/seeds/seed-004-database-maintenance.json', import.meta.url).pathname, startedBy: 'ops' });
    await until(async () => (await cairn.openTasks(run.id)).length === 1);
    expect((await cairn.openTasks(run.id))[0]).toMatchObject({ kind: 'approval', step: 'approve' });
    await cairn.approve(run.id, 'approve', { by: 'lead' });
    for (const step of ['backup_db', 'optimize_tables', 'update_stats']) {
      await until(async () => (await cairn.openTasks(run.id)).some((t) => t.step === step));
      const task = (await cairn.openTasks(run.id)).find((t) => t.step === step);
      // The preset (assignee) and the step's own parameters are both there for the person.
      expect(task).toMatchObject({ kind: 'task', assignee: 'dba', instructions: expect.any(String) });
      await cairn.complete(run.id, step, { output: { done: true }, by: 'dba' });
    }
    const final = await cairn.waitFor(run.id);
    expect(final?.status).toBe('succeeded');
    const notes = await cairn.store.searchNotes('', { category: 'infrastructure' });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ runId: run.id, step: 'document_results' });
  });
});

describe('defaults from cairn.yaml', () => {
  it('apply a retry policy and a timeout to steps that set none, never to those that do', async () => {
    ws = new Workspace();
    const config = ws.file('cairn.yaml', 'defaults:\n  timeout_seconds: 30\n  retry: { max_attempts: 3, backoff: fixed, initial_delay: 10ms }\n');
    const counter = ws.file('count', '0');
    const cairn = await ws.open({ config });
    const file = ws.file(
      'd.yaml',
      `
name: d
steps:
  - id: flaky
    command: shell
    parameters: { env: { C: "${counter}" }, run: 'n=$(($(cat "$C")+1)); echo $n > "$C"; [ $n -ge 3 ]' }
  - id: strict
    command: shell
    retry: 1
    timeout_seconds: 5
    depends_on: [flaky]
    parameters: { run: "true" }
`,
    );
    const run = await cairn.startRun({ file });
    expect((await cairn.waitFor(run.id))?.status).toBe('succeeded');
    const { workflow, steps } = await cairn.getRun(run.id);
    expect(steps.find((s) => s.key === 'flaky')?.attempts).toBe(3);
    expect(workflow?.steps.find((s) => s.id === 'flaky')).toMatchObject({ timeoutSeconds: 30, retry: { maxAttempts: 3 } });
    expect(workflow?.steps.find((s) => s.id === 'strict')).toMatchObject({ timeoutSeconds: 5, retry: { maxAttempts: 1 } });
  });
});
