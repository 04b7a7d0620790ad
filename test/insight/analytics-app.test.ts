import { stripVTControlCharacters } from 'node:util';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CairnError } from '../../src/app/index.js';
import { analyticsText } from '../../src/cli/commands/analytics.js';
import { Workspace } from '../app/workspace.js';

/*
 * Real workflows run through Cairn on a real SQLite store: one that fails, one that
 * fails twice then succeeds, one that waits for a task and an approval. The figures
 * must be the ones their event logs hold.
 */

let ws: Workspace;
afterEach(async () => {
  await ws?.close();
});

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

const BROKEN = `
name: broken
steps:
  - id: write
    command: shell
    parameters:
      run: |
        echo "disk full" >&2
        exit 3
`;

const flaky = (counter: string) => `
name: flaky
steps:
  - id: fetch
    command: shell
    retry: { max_attempts: 4, backoff: exponential, initial_delay: 20ms, max_delay: 50ms }
    parameters:
      env: { COUNTER: "${counter}" }
      run: |
        n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$COUNTER"
        if [ "$n" -lt 3 ]; then echo "try $n: upstream 503" >&2; exit 1; fi
`;

const GATED = `
name: gated
approval_required: true
steps:
  - id: notes
    command: task
    parameters: { instructions: Write the release notes }
`;

describe('analytics over real runs', () => {
  it('says there is no history yet on an empty store', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const report = await cairn.analytics();
    expect(report).toMatchObject({ empty: true, workflows: [], runs: {}, window: { runs: 0, truncated: false, limit: 5_000 } });
    expect(report.summary).toMatch(/^No history yet/);
    expect(analyticsText(report, { width: 80 })).toMatch(/^No history yet: no runs in the store/);
  });

  it('figures for failing, retrying and waiting workflows, from their events', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const broken = ws.file('broken.yaml', BROKEN);
    for (let i = 0; i < 2; i++) {
      const run = await cairn.startRun({ file: broken });
      expect((await cairn.waitFor(run.id))?.status).toBe('failed');
    }
    const flakyRun = await cairn.startRun({ file: ws.file('flaky.yaml', flaky(join(ws.dir, 'count'))) });
    expect((await cairn.waitFor(flakyRun.id))?.status).toBe('succeeded');

    const gated = await cairn.startRun({ file: ws.file('gated.yaml', GATED), startedBy: 'ann' });
    await until(async () => (await cairn.openTasks(gated.id)).length === 1);
    const [first] = await cairn.openTasks(gated.id);
    // Whichever waits first (the approval gate), decide it, then the other.
    await decide(first?.kind, first?.step);
    await until(async () => (await cairn.openTasks(gated.id)).length === 1);
    const [second] = await cairn.openTasks(gated.id);
    // Before the second decision, it is an open wait.
    const midway = await cairn.analytics({ workflowId: 'gated' });
    expect(midway.workflows[0]?.inFlight).toBe(1);
    expect(midway.workflows[0]?.waits[second?.kind ?? 'task'].open).toBe(1);
    await decide(second?.kind, second?.step);
    expect((await cairn.waitFor(gated.id))?.status).toBe('succeeded');

    async function decide(kind: string | undefined, step: string | undefined) {
      if (step === undefined) throw new Error('no open task');
      if (kind === 'approval') await cairn.approve(gated.id, step, { by: 'bob' });
      else await cairn.complete(gated.id, step, { by: 'ann', output: {} });
    }

    const report = await cairn.analytics();
    expect(report.empty).toBe(false);
    expect(report.summary).toBe('4 runs of 3 workflows.');
    expect(report.runs).toEqual({ failed: 2, succeeded: 2 });
    expect(report.totals).toMatchObject({ runs: 4, finished: 4, succeeded: 2, failed: 2, successRate: 0.5, retries: 2, stepFailures: 4 });

    const by = Object.fromEntries(report.workflows.map((w) => [w.workflowId, w]));
    expect(report.workflows[0]?.workflowId).toBe('broken'); // most runs first
    expect(by.broken).toMatchObject({ runs: 2, failed: 2, succeeded: 0, successRate: 0, retries: 0 });
    expect(by.broken?.failingSteps).toEqual([
      { step: 'write', failures: 2, finalFailures: 2, errors: [{ code: 'EXIT_CODE', message: 'command exited with code 3: disk full', count: 2 }] },
    ]);
    expect(by.broken?.duration?.count).toBe(2);
    expect(by.broken?.duration?.maxMs).toBeGreaterThanOrEqual(by.broken?.duration?.p50Ms ?? Infinity);

    expect(by.flaky).toMatchObject({ runs: 1, succeeded: 1, successRate: 1, retries: 2, runsWithRetries: 1 });
    expect(by.flaky?.failingSteps).toEqual([
      {
        step: 'fetch',
        failures: 2,
        finalFailures: 0,
        errors: [
          { code: 'EXIT_CODE', message: 'command exited with code 1: try 1: upstream 503', count: 1 },
          { code: 'EXIT_CODE', message: 'command exited with code 1: try 2: upstream 503', count: 1 },
        ],
      },
    ]);

    expect(by.gated).toMatchObject({ runs: 1, succeeded: 1, failingSteps: [] });
    expect(by.gated?.waits.task).toMatchObject({ decided: 1, open: 0 });
    expect(by.gated?.waits.approval).toMatchObject({ decided: 1, open: 0 });
    expect(by.gated?.waits.approval.totalMs).toBeGreaterThanOrEqual(0);
    expect(report.totals.waits.task.decided + report.totals.waits.approval.decided).toBe(2);

    // Every run was created in the last hour: the hourly series counts all four.
    expect(report.series.bucket).toBe('hour');
    const sum = (k: 'runs' | 'succeeded' | 'failed') => report.series.points.reduce((a, p) => a + p[k], 0);
    expect([sum('runs'), sum('succeeded'), sum('failed')]).toEqual([4, 2, 2]);

    // picocolors colours when CI is set, even without a terminal: compare the plain text.
    const text = stripVTControlCharacters(analyticsText(report, { width: 100 }));
    expect(text).toContain('4 runs of 3 workflows.');
    expect(text).toMatch(/broken\s+2\s+0\s+2\s+0%/);
    expect(text).toMatch(/flaky\s+1\s+1\s+0\s+100%/);
    expect(text).toContain('runs per hour');
    expect(text).toContain('steps that fail most');
    expect(text).toContain('broken › write  2 failed attempts, 2 final');
    expect(text).toContain('2×  EXIT_CODE  command exited with code 3: disk full');
  });

  it('filters by workflow and since, limits to the newest runs, and refuses a bad since', async () => {
    ws = new Workspace();
    const cairn = await ws.open();
    const broken = ws.file('broken.yaml', BROKEN);
    const ok = ws.file('ok.yaml', 'name: ok\nsteps:\n  - id: a\n    command: log\n    parameters: { message: hi }\n');
    for (const file of [broken, ok, ok, ok]) await cairn.waitFor((await cairn.startRun({ file })).id);

    expect((await cairn.analytics({ workflowId: 'ok' })).workflows.map((w) => [w.workflowId, w.runs])).toEqual([['ok', 3]]);
    const none = await cairn.analytics({ workflowId: 'nope' });
    expect(none.empty).toBe(true);
    expect(none.summary).toBe("No history yet: no runs of workflow 'nope' in the store, so there are no figures to show.");

    expect((await cairn.analytics({ since: '1h' })).window.runs).toBe(4);
    const later = Date.now() + 60_000;
    expect((await cairn.analytics({ since: later })).empty).toBe(true);

    const newest = await cairn.analytics({ limit: 2 });
    expect(newest.window).toMatchObject({ limit: 2, runs: 2, truncated: true });
    expect(newest.summary).toContain('the newest 2; older runs are not counted');
    expect(newest.workflows.map((w) => [w.workflowId, w.runs])).toEqual([['ok', 2]]);
    expect((await cairn.analytics({ limit: 4 })).window.truncated).toBe(false);

    await expect(cairn.analytics({ since: 'last tuesday' })).rejects.toThrow(/since: expected a duration back from now .* got 'last tuesday'/);
    await expect(cairn.analytics({ since: 'last tuesday' })).rejects.toBeInstanceOf(CairnError);
    await expect(cairn.analytics({ limit: 0 })).rejects.toThrow(/limit must be a whole number from 1 to 100000, got 0/);
  });
});
