import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionFailure } from '../../src/actions/action.js';
import { mask, MAX_FILE_BYTES } from '../../src/actions/denylist.js';
import { gateAction, type CheckResult } from '../../src/actions/gate.js';
import { actionContext, linesOf } from './context.js';

/** Fake AWS-shaped keys, built so this file itself holds no key-shaped string. */
const FAKE_KEY = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
const FAKE_KEY_2 = ['AKIA', 'ZZZZZZZZZ', '1234567'].join('');

describe('gate', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-gate-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(path: string, text: string): Promise<void> {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }

  /** Runs the gate; returns its checks and, when it failed, the failure. */
  async function gate(checks: unknown[]) {
    const t = actionContext(gateAction.parameters.parse({ checks }), { workdir: dir });
    try {
      const { outputs } = await gateAction.run(t.ctx);
      return { passed: true, checks: outputs.checks as CheckResult[], failure: undefined, lines: t.lines };
    } catch (error) {
      if (!(error instanceof ActionFailure)) throw error;
      return { passed: false, checks: error.details.checks as CheckResult[], failure: error, lines: t.lines };
    }
  }

  const summary = (pct: Record<string, number>) =>
    JSON.stringify({
      total: Object.fromEntries(Object.entries(pct).map(([metric, covered]) => [metric, { total: 200, covered: covered * 2, skipped: 0, pct: covered }])),
    });

  it('fails a coverage-summary.json below the threshold, with the evidence', async () => {
    await write('coverage/coverage-summary.json', summary({ lines: 72.5, branches: 90, functions: 85, statements: 70 }));
    const result = await gate([{ coverage: { file: 'coverage/coverage-summary.json', lines: 85, branches: 80 } }]);
    expect(result.passed).toBe(false);
    expect(result.failure).toMatchObject({ code: 'GATE_FAILED', retryable: false });
    expect(result.failure?.message).toBe(
      'gate failed: 1 of 1 check failed\n' +
        '- coverage coverage/coverage-summary.json: coverage below threshold: lines 72.5% < 85% (coverage/coverage-summary.json)',
    );
    expect(result.checks).toStrictEqual([
      {
        name: 'coverage coverage/coverage-summary.json',
        kind: 'coverage',
        passed: false,
        summary: 'coverage below threshold: lines 72.5% < 85% (coverage/coverage-summary.json)',
        evidence: {
          file: 'coverage/coverage-summary.json',
          format: 'istanbul',
          metrics: {
            lines: { threshold: 85, actual: 72.5, covered: 145, total: 200, passed: false },
            branches: { threshold: 80, actual: 90, covered: 180, total: 200, passed: true },
          },
        },
      },
    ]);
    expect(linesOf(result.lines, 'system')).toStrictEqual([
      'FAIL coverage coverage/coverage-summary.json: coverage below threshold: lines 72.5% < 85% (coverage/coverage-summary.json)',
    ]);
  });

  it('passes coverage at the threshold, and reads lcov files', async () => {
    await write('coverage/coverage-summary.json', summary({ lines: 85 }));
    await write('lcov.info', 'SF:a.ts\nLF:20\nLH:17\nBRF:10\nBRH:5\nFNF:0\nFNH:0\nend_of_record\n');
    const result = await gate([
      { name: 'istanbul', coverage: { file: 'coverage/coverage-summary.json', lines: 85 } },
      { name: 'lcov lines', coverage: { file: 'lcov.info', lines: 85, functions: 100 } },
      { name: 'lcov branches', coverage: { file: 'lcov.info', branches: 50.5, statements: 10 } },
    ]);
    expect(result.checks.map((c) => [c.name, c.passed, c.summary])).toStrictEqual([
      ['istanbul', true, 'coverage meets thresholds: lines 85% >= 85% (coverage/coverage-summary.json)'],
      ['lcov lines', true, 'coverage meets thresholds: lines 85% >= 85%, functions 100% >= 100% (lcov.info)'],
      ['lcov branches', false, 'coverage below threshold: branches 50% < 50.5%, statements not reported by this lcov file (lcov.info)'],
    ]);
    expect(result.failure?.message).toContain('1 of 3 checks failed');
  });

  it('fails a missing or unreadable coverage file with the reason', async () => {
    await write('junk.json', '{"files": []}');
    const result = await gate([
      { coverage: { file: 'nope/coverage-summary.json', lines: 80 } },
      { coverage: { file: 'junk.json', lines: 80 } },
    ]);
    expect(result.checks.map((c) => c.summary)).toStrictEqual([
      'cannot read the coverage report: file not found (nope/coverage-summary.json)',
      expect.stringMatching(/^cannot read the coverage report: a JSON file without a `total` block.*\(junk\.json\)$/),
    ]);
  });

  it('reports file:line of every denylist hit, masked, and skips excluded files', async () => {
    await write('src/config.ts', `export const region = 'eu';\nconst key = "${FAKE_KEY}";\n`);
    await write('src/deep/more.ts', `// nothing here\n\n\nfoo(${FAKE_KEY_2}, "${FAKE_KEY}")\n`);
    await write('.env', `TOKEN=ghp_${'a'.repeat(36)}\r\nOTHER=1\r\n`);
    await write('fixtures/keys.ts', `${FAKE_KEY}\n`);
    await write('node_modules/pkg/index.js', `${FAKE_KEY}\n`);
    await write('image.png', Buffer.from([0x89, 0x50, 0, 0, ...Buffer.from(FAKE_KEY)]).toString('latin1'));
    const result = await gate([
      {
        name: 'no secrets',
        denylist: {
          patterns: [{ name: 'aws access key', regex: 'AKIA[0-9A-Z]{16}' }, 'ghp_[A-Za-z0-9]{36}'],
          files: ['**/*'],
          exclude: 'fixtures/**',
        },
      },
    ]);
    const [check] = result.checks;
    expect(check?.passed).toBe(false);
    expect(check?.evidence).toStrictEqual({
      files_scanned: 3,
      hit_count: 3,
      hits: [
        { file: '.env', line: 1, pattern: 'ghp_[A-Za-z0-9]{36}', match: 'ghp_…' },
        { file: 'src/config.ts', line: 2, pattern: 'aws access key', match: 'AKIA…' },
        { file: 'src/deep/more.ts', line: 4, pattern: 'aws access key', match: 'AKIA…' },
      ],
      binary_files_skipped: ['image.png'],
    });
    expect(result.failure?.message).toContain(
      '3 denylist hits in 3 files: .env:1 (ghp_[A-Za-z0-9]{36}: ghp_…), src/config.ts:2 (aws access key: AKIA…), src/deep/more.ts:4 (aws access key: AKIA…)',
    );
    // The secret itself never reaches the evidence, the message or the log.
    const everything = JSON.stringify([result.checks, result.failure?.message, result.lines]);
    expect(everything).not.toContain(FAKE_KEY);
    expect(everything).not.toContain(FAKE_KEY_2);
  });

  it('passes a denylist over clean files and says how many it read', async () => {
    await write('src/a.ts', 'const a = 1;\n');
    await write('src/b.ts', 'const b = 2;\n');
    const result = await gate([{ denylist: { patterns: ['AKIA[0-9A-Z]{16}'], files: 'src/**/*.ts' } }]);
    expect(result.checks[0]).toMatchObject({ name: 'denylist src/**/*.ts', passed: true, summary: 'no denylist hits in 2 files' });
  });

  it('reads a file only up to the cap and names it in the evidence', async () => {
    await write('big.log', `${'x'.repeat(MAX_FILE_BYTES - 10)}\n${FAKE_KEY}\n`);
    await write('small.log', `${FAKE_KEY}\n`);
    const result = await gate([{ denylist: { patterns: ['AKIA[0-9A-Z]{16}'], files: '*.log' } }]);
    expect(result.checks[0]?.evidence).toMatchObject({ files_scanned: 2, hit_count: 1, truncated_files: ['big.log'] });
  });

  it('refuses a denylist pattern that does not compile, backtracks catastrophically or matches everything', () => {
    const refusal = (pattern: unknown) => {
      const parsed = gateAction.parameters.safeParse({ checks: [{ denylist: { patterns: [pattern], files: '*' } }] });
      return parsed.success ? undefined : parsed.error.issues.map((i) => i.message).join('\n');
    };
    expect(refusal('AKIA[')).toMatch(/not a valid regular expression/);
    expect(refusal('(a+)+$')).toMatch(/repeats a group that itself repeats/);
    expect(refusal({ regex: '(\\w*x)*' })).toMatch(/repeats a group/);
    expect(refusal('x*')).toMatch(/matches the empty string/);
    expect(refusal({ regex: 'a', flags: 'g' })).toMatch(/flags may hold only/);
    expect(refusal({ regex: 'secret', flags: 'i', name: 'secret word' })).toBeUndefined();
  });

  it('checks that files exist', async () => {
    await write('dist/app.js', 'x');
    const result = await gate([{ file_exists: 'dist/app.js' }, { file_exists: 'dist' }, { file_exists: 'dist/missing.js' }]);
    expect(result.checks.map((c) => [c.name, c.passed, c.evidence])).toStrictEqual([
      ['file_exists dist/app.js', true, { path: 'dist/app.js', exists: true, type: 'file' }],
      ['file_exists dist', true, { path: 'dist', exists: true, type: 'directory' }],
      ['file_exists dist/missing.js', false, { path: 'dist/missing.js', exists: false }],
    ]);
    expect(result.failure?.message).toBe('gate failed: 1 of 3 checks failed\n- file_exists dist/missing.js: dist/missing.js does not exist');
  });

  it('runs commands in their own process group and reports a failing one with its exit code and last stderr line', async () => {
    await mkdir(join(dir, 'sub'));
    const pgids: number[] = [];
    const t = actionContext(
      gateAction.parameters.parse({
        checks: [
          { command_succeeds: { argv: ['bash', '-c', 'pwd; test "$CAIRN_RUN_ID" = run-test'], cwd: 'sub' } },
          { name: 'tests', command_succeeds: { argv: ['bash', '-c', 'echo first >&2; echo "2 tests failed" >&2; exit 3'] } },
          { command_succeeds: { argv: ['definitely-not-a-program-cairn'] } },
        ],
      }),
      { workdir: dir, onProcess: (pgid) => pgids.push(pgid) },
    );
    const failure = await gateAction.run(t.ctx).catch((e: unknown) => e as ActionFailure);
    expect(failure).toBeInstanceOf(ActionFailure);
    const checks = (failure as ActionFailure).details.checks as CheckResult[];
    expect(checks.map((c) => c.passed)).toStrictEqual([true, false, false]);
    expect(checks[0]?.name).toBe('command_succeeds bash -c "pwd; test \\"$CAIRN_RUN_ID\\" = run-test"');
    expect(checks[1]).toMatchObject({
      name: 'tests',
      summary: 'bash -c "echo first >&2; echo \\"2 tests failed\\" >&2; exit 3" exited with code 3: 2 tests failed',
      evidence: { exit_code: 3, signal: null, stderr_last_line: '2 tests failed' },
    });
    expect(checks[2]?.summary).toMatch(/could not start: program 'definitely-not-a-program-cairn' not found/);
    expect(linesOf(t.lines, 'stdout')).toStrictEqual([join(dir, 'sub')]);
    expect(pgids).toHaveLength(2);
  });

  it('stops a running command when the step is aborted', async () => {
    const t = actionContext(gateAction.parameters.parse({ checks: [{ command_succeeds: { argv: ['sleep', '30'] } }, { assert: true }] }), {
      workdir: dir,
      onProcess: () => t.controller.abort(new Error('cancelled by test')),
    });
    await expect(gateAction.run(t.ctx)).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('fails a false assertion with its message, and runs every check', async () => {
    const result = await gate([
      { name: 'healthy', assert: true },
      { assert: false, message: 'replicas must be in sync' },
      { assert: 'yes' },
      { assert: null },
    ]);
    expect(result.checks.map((c) => [c.name, c.passed, c.summary, c.evidence])).toStrictEqual([
      ['healthy', true, 'true', { value: true }],
      ['assert #2', false, 'replicas must be in sync: assertion is false', { value: false }],
      ['assert #3', false, 'assertion is "yes", not a boolean', { value: 'yes' }],
      ['assert #4', false, 'assertion is null, not a boolean', { value: null }],
    ]);
    expect(result.failure?.message).toBe(
      'gate failed: 3 of 4 checks failed\n' +
        '- assert #2: replicas must be in sync: assertion is false\n' +
        '- assert #3: assertion is "yes", not a boolean\n' +
        '- assert #4: assertion is null, not a boolean',
    );
  });

  it('outputs every check when all pass', async () => {
    await write('README.md', '# hi\n');
    const t = actionContext(gateAction.parameters.parse({ checks: [{ assert: true }, { file_exists: 'README.md' }] }), { workdir: dir });
    const { outputs } = await gateAction.run(t.ctx);
    expect(outputs.passed).toBe(true);
    expect((outputs.checks as CheckResult[]).map((c) => c.kind)).toStrictEqual(['assert', 'file_exists']);
  });

  it('wants exactly one kind per check and at least one threshold', () => {
    const ok = (checks: unknown) => gateAction.parameters.safeParse({ checks }).success;
    expect(ok([])).toBe(false);
    expect(ok([{ name: 'nothing' }])).toBe(false);
    expect(ok([{ assert: true, file_exists: 'x' }])).toBe(false);
    expect(ok([{ coverage: { file: 'lcov.info' } }])).toBe(false);
    expect(ok([{ coverage: { file: 'lcov.info', lines: 101 } }])).toBe(false);
    expect(ok([{ command_succeeds: { argv: [] } }])).toBe(false);
    expect(ok([{ assert: false }])).toBe(true);
    const parsed = gateAction.parameters.safeParse({ checks: [{ assert: true, file_exists: 'x' }] });
    expect(parsed.error?.issues[0]?.message).toBe('a check has one kind, but this one has assert and file_exists: make them separate checks');
  });
});

describe('mask', () => {
  it('keeps at most four characters and at most half', () => {
    expect(mask(FAKE_KEY)).toBe('AKIA…');
    expect(mask('abcdef')).toBe('abc…');
    expect(mask('ab')).toBe('a…');
    expect(mask('x')).toBe('…');
    expect(mask('🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑')).toBe('🔑🔑🔑🔑…');
  });
});
