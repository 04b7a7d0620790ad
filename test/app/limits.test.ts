import { afterEach, describe, expect, it } from 'vitest';
import { CairnError, type Cairn } from '../../src/app/index.js';
import { defaultConfig } from '../../src/config/index.js';
import { Workspace } from './workspace.js';

/** The caps of `limits:` (docs/configuration.md#limits), each with its error. */

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

function workspace(limits: string): Workspace {
  ws = new Workspace();
  ws.file('cairn.yaml', `limits:\n${limits}`);
  return ws;
}

async function refusal(promise: Promise<unknown>): Promise<CairnError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CairnError);
  return err as CairnError;
}

/** Until the run's task is open. */
async function waiting(cairn: Cairn, runId: string): Promise<void> {
  for (let i = 0; i < 500 && (await cairn.openTasks(runId)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(await cairn.openTasks(runId)).toHaveLength(1);
}

const TASK = 'name: ask\nsteps:\n  - id: answer\n    command: task\n    parameters: { assignee: someone, instructions: Answer. }\n';

describe('limits', () => {
  it('the defaults: 10,000 steps, 1 MiB of parameters and of outputs, 10 MiB of log per step, no run cap', () => {
    expect(defaultConfig().limits).toEqual({ maxSteps: 10_000, maxParametersBytes: 1024 * 1024, maxOutputBytes: 1024 * 1024, maxLogBytesPerStep: 10 * 1024 * 1024 });
  });

  it('steps per workflow: one more than max_steps is refused with DEF_TOO_MANY_STEPS, before anything runs', async () => {
    const cairn = await workspace('  max_steps: 3\n').open();
    const steps = (n: number) => Array.from({ length: n }, (_, i) => `  - id: s${i}\n    command: log\n    parameters: { message: hi }\n`).join('');
    const ok = ws.file('three.yaml', `name: three\nsteps:\n${steps(3)}`);
    expect((await cairn.waitFor((await cairn.startRun({ file: ok })).id))?.status).toBe('succeeded');
    const tooMany = ws.file('four.yaml', `name: four\nsteps:\n${steps(4)}`);
    const err = await refusal(cairn.startRun({ file: tooMany }));
    expect(err.code).toBe('DEFINITION_INVALID');
    const diagnostics = err.details.diagnostics as Array<{ code: string; message: string; fix?: string }>;
    const found = diagnostics.find((d) => d.code === 'DEF_TOO_MANY_STEPS');
    expect(found?.message).toBe('the workflow has 4 steps; the limit is 3 (limits.max_steps)');
    expect(found?.fix).toContain('sub-workflows');
    expect(await cairn.listRuns({})).toHaveLength(1);
  });

  it('parameters: a run whose parameters are over max_parameters_bytes is refused with PARAMETERS_TOO_LARGE', async () => {
    const cairn = await workspace('  max_parameters_bytes: 1024\n').open();
    const file = ws.file('p.yaml', 'name: p\nparameters:\n  blob: { type: string }\nsteps:\n  - id: s\n    command: log\n    parameters: { message: "${{ parameters.blob }}" }\n');
    expect((await cairn.waitFor((await cairn.startRun({ file, parameters: { blob: 'x'.repeat(900) } })).id))?.status).toBe('succeeded');
    const err = await refusal(cairn.startRun({ file, parameters: { blob: 'x'.repeat(2000) } }));
    expect(err.code).toBe('PARAMETERS_TOO_LARGE');
    expect(err.message).toContain('the limit is 1024 (limits.max_parameters_bytes)');
    expect(err.details).toEqual({ bytes: 2011, limit: 1024 });
  });

  it('outputs: a step whose outputs are over max_output_bytes fails with OUTPUT_TOO_LARGE, not retried; a task output too', async () => {
    const cairn = await workspace('  max_output_bytes: 2048\n').open();
    const file = ws.file(
      'o.yaml',
      `name: o\nsteps:\n  - id: big\n    command: shell\n    retry: 3\n    parameters:\n      argv: [${JSON.stringify(process.execPath)}, -e, "require('fs').writeFileSync(process.env.CAIRN_OUTPUT, JSON.stringify({ blob: 'y'.repeat(3000) }))"]\n`,
    );
    const run = await cairn.startRun({ file });
    expect((await cairn.waitFor(run.id))?.status).toBe('failed');
    const [step] = (await cairn.getRun(run.id)).steps;
    expect(step?.error?.code).toBe('OUTPUT_TOO_LARGE');
    expect(step?.error?.message).toContain('the limit is 2048 (limits.max_output_bytes)');
    expect(step?.attempts).toBe(1);

    const ask = await cairn.startRun({ file: ws.file('ask.yaml', TASK) });
    await waiting(cairn, ask.id);
    const err = await refusal(cairn.complete(ask.id, 'answer', { output: { blob: 'z'.repeat(3000) } }));
    expect(err.code).toBe('OUTPUT_TOO_LARGE');
    // The task stays open: a smaller answer goes through.
    await cairn.complete(ask.id, 'answer', { output: { blob: 'small' } });
    expect((await cairn.waitFor(ask.id))?.status).toBe('succeeded');
  });

  it('log per step: lines past max_log_bytes_per_step are dropped, and one note says how many bytes', async () => {
    const cairn = await workspace('  max_log_bytes_per_step: 1024\n').open();
    // 100 lines of 20 bytes (+ newline): about half fit.
    const file = ws.file('l.yaml', `name: l\nsteps:\n  - id: chatty\n    command: shell\n    parameters:\n      argv: [${JSON.stringify(process.execPath)}, -e, "for (let i = 0; i < 100; i++) console.log('line-' + String(i).padStart(3, '0') + '-'.repeat(11))"]\n`);
    const run = await cairn.startRun({ file });
    expect((await cairn.waitFor(run.id))?.status).toBe('succeeded');
    const lines = await cairn.logs(run.id, { limit: 1000 });
    const note = lines.at(-1);
    expect(note?.stream).toBe('system');
    const match = /^… truncated (\d+) bytes \(the log of a step attempt keeps 1024 bytes: limits\.max_log_bytes_per_step\)$/.exec(note?.line ?? '');
    expect(match, note?.line).not.toBeNull();
    const kept = lines.slice(0, -1);
    const keptBytes = kept.reduce((sum, l) => sum + Buffer.byteLength(l.line) + 1, 0);
    expect(keptBytes).toBeLessThanOrEqual(1024);
    const stdout = kept.filter((l) => l.stream === 'stdout').map((l) => l.line);
    // The first lines are kept in order; the rest are counted in the note.
    expect(stdout[0]).toBe('line-000-----------');
    expect(stdout.length).toBeLessThan(100);
    const droppedStdout = (100 - stdout.length) * 20;
    expect(Number(match?.[1])).toBeGreaterThanOrEqual(droppedStdout);
  });

  it('concurrent runs: a start past max_concurrent_runs is refused with TOO_MANY_RUNS, and allowed again once one finishes', async () => {
    const cairn = await workspace('  max_concurrent_runs: 2\n').open();
    const file = ws.file('ask.yaml', TASK);
    const first = await cairn.startRun({ file });
    await cairn.startRun({ file });
    const err = await refusal(cairn.startRun({ file }));
    expect(err.code).toBe('TOO_MANY_RUNS');
    expect(err.message).toBe('2 runs are unfinished; the limit is 2 (limits.max_concurrent_runs): wait for some to finish, or cancel some');
    expect(err.details).toEqual({ active: 2, limit: 2 });
    expect(await cairn.listRuns({})).toHaveLength(2);
    await waiting(cairn, first.id);
    await cairn.complete(first.id, 'answer', { output: {} });
    expect((await cairn.waitFor(first.id))?.status).toBe('succeeded');
    const third = await cairn.startRun({ file });
    expect(third.status).not.toBe('failed');
  });
});
