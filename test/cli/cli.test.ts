import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testStoreLocation } from '../store/test-store.js';
import { cairn, ROOT } from './cli.js';

let dir: string;
let db: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('build first: npm run build (npm test does it)');
  dir = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  db = testStoreLocation(dir);
});

describe('cairn CLI', () => {
  it('runs hello.yaml and prints the run as JSON (the contract)', async () => {
    const r = await cairn(['run', 'examples/hello.yaml', '-p', 'who=CLI', '--json', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(Object.keys(run)).toEqual(['run_id', 'workflow', 'status', 'started_at', 'finished_at', 'steps', 'outputs']);
    expect(run).toMatchObject({ workflow: 'hello', status: 'succeeded' });
    expect(run.steps.map((s: { id: string }) => s.id).sort()).toEqual(['greet', 'host', 'join']);
    expect(run.steps[0]).toEqual(expect.objectContaining({ status: 'succeeded', attempts: 1, error: null }));
    expect(run.outputs.message).toMatch(/^Hello, CLI!/);
  });

  it('shows plain progress lines when stdout is not a terminal', async () => {
    const r = await cairn(['run', 'examples/hello.yaml', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/greet started/);
    expect(r.stdout).toMatch(/join succeeded in/);
    expect(r.stdout).toMatch(/✓ hello succeeded/);
  });

  it('exits 1 when the workflow fails, and 2 on usage errors', async () => {
    const failing = join(dir, 'fail.yaml');
    writeFileSync(failing, 'name: fail\nsteps:\n  - id: x\n    command: shell\n    parameters: { run: "exit 4" }\n');
    expect((await cairn(['run', failing, '--db', db])).code).toBe(1);
    const usage = await cairn(['run', 'examples/hello.yaml', '-p', 'nope', '--db', db]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('-p expects key=value');
    const unknownParam = await cairn(['run', 'examples/hello.yaml', '-p', 'whom=x', '--db', db]);
    expect(unknownParam.code).toBe(2);
    expect(unknownParam.stderr).toMatch(/unknown parameter 'whom'.*did you mean 'who'/i);
    expect((await cairn(['frobnicate'])).code).toBe(2);
    expect((await cairn(['status', 'zzzz-no-such-run', '--db', db])).code).toBe(2);
  });

  it('validates with file:line:col errors and exit 1, without a stack trace', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nsteps:\n  - id: a\n    command: log\n  - id: b\n    command: log\n    depend_on: [a]\n');
    const r = await cairn(['validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:7:5`);
    expect(r.stderr).toMatch(/depends_on/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    const ok = await cairn(['validate', 'examples/runbook.yaml', '--level', 'paranoid']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid/);
  });

  it('prints the JSON Schema', async () => {
    const r = await cairn(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.properties.steps).toBeDefined();
  });

  it('detaches, then status, runs and logs see the run', async () => {
    const r = await cairn(['run', 'examples/hello.yaml', '--detach', '--json', '--db', db]);
    expect(r.code).toBe(0);
    const { run_id } = JSON.parse(r.stdout);
    expect(run_id).toMatch(/^[0-9a-z]{17}$/);
    let status = '';
    for (let i = 0; i < 100 && status !== 'succeeded'; i++) {
      const s = await cairn(['status', run_id.slice(0, 12), '--json', '--db', db]);
      status = JSON.parse(s.stdout).status;
      if (status !== 'succeeded') await new Promise((res) => setTimeout(res, 100));
    }
    expect(status).toBe('succeeded');
    const list = JSON.parse((await cairn(['runs', '--json', '--db', db])).stdout);
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((x: { run_id: string }) => x.run_id)).toContain(run_id);
    const logs = await cairn(['logs', run_id, '--step', 'host', '--db', db]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/host │ \w+/);
  });
});

describe('phases and gates from the command line', () => {
  it('a coverage gate below its threshold holds the next phase, and status shows the evidence', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cairn-gate-'));
    writeFileSync(join(work, 'coverage-summary.json'), JSON.stringify({ total: { lines: { total: 200, covered: 145, pct: 72.5 }, branches: { total: 10, covered: 9, pct: 90 }, functions: { total: 4, covered: 4, pct: 100 }, statements: { total: 200, covered: 145, pct: 72.5 } } }));
    writeFileSync(
      join(work, 'cycle.yaml'),
      [
        'name: cycle',
        'phases: [CONSTRUCT, VALIDATE, RELEASE]',
        'steps:',
        '  - { id: build, phase: CONSTRUCT, command: log, parameters: { message: built } }',
        '  - id: coverage',
        '    phase: VALIDATE',
        '    command: gate',
        '    parameters:',
        '      checks:',
        '        - { name: line coverage, coverage: { file: coverage-summary.json, lines: 85 } }',
        '  - { id: ship, phase: RELEASE, command: log, parameters: { message: shipped } }',
      ].join('\n'),
    );
    const gdb = testStoreLocation(work);
    const run = await cairn(['run', 'cycle.yaml', '--json', '--db', gdb], { cwd: work });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    const byId = Object.fromEntries(result.steps.map((s: { id: string }) => [s.id, s]));
    expect(byId.coverage.error.code).toBe('GATE_FAILED');
    expect(byId.coverage.error.message).toMatch(/72\.5%.*85%/);
    expect(byId.ship.status).toBe('skipped');
    const status = await cairn(['status', result.run_id, '--db', gdb], { cwd: work });
    expect(status.stdout).toMatch(/VALIDATE\s+failed/);
    expect(status.stdout).toMatch(/RELEASE\s+blocked/);
    expect(status.stdout).toMatch(/gate 'coverage' holds the run/);
    expect(status.stdout).toMatch(/72\.5%/);
  });
});

describe('cairn memory', () => {
  it('adds notes and finds them by words, best match first, whatever the query holds', async () => {
    const mdb = testStoreLocation(mkdtempSync(join(tmpdir(), 'cairn-mem-')));
    expect((await cairn(['memory', 'add', 'Restarting postgres fixed the replica lag', '-c', 'incident', '-t', 'postgres,replica', '--db', mdb])).code).toBe(0);
    expect((await cairn(['memory', 'add', 'Rotated the TLS certificate on the edge proxy', '-c', 'security', '--db', mdb])).code).toBe(0);
    const hits = JSON.parse((await cairn(['memory', 'search', 'replica postgres', '--json', '--db', mdb])).stdout);
    expect(hits[0]).toMatchObject({ text: 'Restarting postgres fixed the replica lag', category: 'incident', tags: ['postgres', 'replica'] });
    const odd = await cairn(['memory', 'search', 'NEAR( "cert* -:', '--db', mdb]);
    expect(odd.code).toBe(0);
    expect((await cairn(['memory', 'add', '   ', '--db', mdb])).code).toBe(2);
  });
});

describe('cairn retry', () => {
  it('re-runs a failed run from its failed step without re-running what succeeded', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cairn-retry-'));
    const ledger = join(work, 'ledger');
    const fixed = join(work, 'fixed');
    writeFileSync(
      join(work, 'flow.yaml'),
      [
        'name: flow',
        'steps:',
        `  - { id: prepare, command: shell, parameters: { env: { L: "${ledger}" }, run: 'echo prepare >> "$L"; echo "token=t-1" >> "$CAIRN_OUTPUT"' } }`,
        `  - { id: flaky, command: shell, depends_on: [prepare], parameters: { env: { F: "${fixed}", L: "${ledger}" }, run: 'test -f "$F"; echo flaky >> "$L"' } }`,
        `  - { id: finish, command: log, depends_on: [flaky], parameters: { message: "\${{ steps.prepare.outputs.token }}" } }`,
      ].join('\n'),
    );
    const rdb = testStoreLocation(work);
    const first = await cairn(['run', 'flow.yaml', '--json', '--db', rdb], { cwd: work });
    expect(first.code).toBe(1);
    const { run_id } = JSON.parse(first.stdout);
    writeFileSync(fixed, '');
    const again = await cairn(['retry', run_id.slice(0, 10), '--json', '--db', rdb], { cwd: work });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result.run_id).toBe(run_id);
    expect(result.status).toBe('succeeded');
    const byId = Object.fromEntries(result.steps.map((s: { id: string }) => [s.id, s]));
    expect(byId.prepare.attempts).toBe(1);
    expect(byId.flaky.attempts).toBe(2);
    expect(byId.finish.outputs).toEqual({ message: 't-1' });
    expect(readFileSync(ledger, 'utf8')).toBe('prepare\nflaky\n');
    const refused = await cairn(['retry', run_id, '--db', rdb], { cwd: work });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/only a failed or cancelled run can be retried/);
  });
});
