import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ActionResult } from '../../src/actions/action.js';
import { processIsRunning } from '../../src/actions/process-tree.js';
import { shellAction, type ShellParameters } from '../../src/actions/shell.js';
import { actionContext, type ContextOverrides, failure, linesOf, type TestContext } from './context.js';

const scratch = mkdtempSync(join(tmpdir(), 'cairn-shell-test-'));
let leftovers: number[] = [];
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

afterEach(() => {
  // Process groups a test left behind on purpose (backgrounded grandchildren).
  for (const pgid of leftovers) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  leftovers = [];
});

function run(parameters: ShellParameters, overrides: ContextOverrides = {}): { t: TestContext<ShellParameters>; result: Promise<ActionResult> } {
  const t = actionContext(shellAction.parameters.parse(parameters), overrides);
  return { t, result: shellAction.run(t.ctx) };
}


/** Polls until `check` holds; gives up after a generous deadline (no timing is asserted). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('shell: running', () => {
  it('captures stdout, stderr and the exit code, and streams lines to the log', async () => {
    const { t, result } = run({ run: 'echo hello; echo oops >&2; echo world' });
    const { outputs } = await result;
    expect(outputs).toEqual({ stdout: 'hello\nworld', stderr: 'oops', exit_code: 0 });
    expect(linesOf(t.lines, 'stdout')).toEqual(['hello', 'world']);
    expect(linesOf(t.lines, 'stderr')).toEqual(['oops']);
  });

  it('flushes a last line without a newline and splits lines across writes', async () => {
    const { t, result } = run({ run: "printf 'a\\nb'; sleep 0.05; printf 'c\\nd\\n\\ne'" });
    const { outputs } = await result;
    expect(linesOf(t.lines, 'stdout')).toEqual(['a', 'bc', 'd', '', 'e']);
    expect(outputs.stdout).toBe('a\nbc\nd\n\ne');
  });

  it('keeps a capped tail of long output but streams every line', async () => {
    const { t, result } = run({ run: 'seq 1 30000' });
    const { outputs } = await result;
    const stdout = outputs.stdout as string;
    expect(linesOf(t.lines, 'stdout')).toHaveLength(30000);
    expect(stdout.length).toBeLessThanOrEqual(64 * 1024);
    expect(stdout.endsWith('\n29999\n30000')).toBe(true);
    // The tail starts at a line boundary.
    const first = Number(stdout.split('\n')[0]);
    expect(stdout.startsWith(`${first}\n${first + 1}\n`)).toBe(true);
  });

  it('fails with EXIT_CODE, the code and the last stderr line', async () => {
    const error = await failure(run({ run: 'echo first >&2; echo "disk full" >&2; exit 3' }).result);
    expect(error.code).toBe('EXIT_CODE');
    expect(error.message).toBe('command exited with code 3: disk full');
    expect(error.details).toMatchObject({ exitCode: 3, stderrTail: 'first\ndisk full' });
  });

  it('runs scripts with -e: the first failing command stops the script', async () => {
    const { t, result } = run({ run: 'false\necho never' });
    expect((await failure(result)).details.exitCode).toBe(1);
    expect(linesOf(t.lines, 'stdout')).toEqual([]);
  });

  it('reports a death by signal as SIGNAL', async () => {
    const error = await failure(run({ run: 'kill -KILL $$' }).result);
    expect(error.code).toBe('SIGNAL');
    expect(error.message).toContain('SIGKILL');
  });

  it('runs argv directly, without a shell', async () => {
    const { outputs } = await run({ argv: ['printf', '%s|%s', 'a b', '$HOME'] }).result;
    expect(outputs.stdout).toBe('a b|$HOME');
  });

  it('uses another shell when asked', async () => {
    const { outputs } = await run({ run: 'echo "$0"', shell: 'sh' }).result;
    expect(outputs.stdout).toBe('sh');
  });

  it('runs in the workdir by default and in cwd relative to it', async () => {
    const workdir = mkdtempSync(join(scratch, 'wd-'));
    mkdirSync(join(workdir, 'sub'));
    const here = await run({ run: 'pwd -P' }, { workdir }).result;
    expect(here.outputs.stdout).toBe(realpathSync(workdir));
    const sub = await run({ run: 'pwd -P', cwd: 'sub' }, { workdir }).result;
    expect(sub.outputs.stdout).toBe(realpathSync(join(workdir, 'sub')));
  });

  it('does not wait for a backgrounded grandchild that keeps the pipes open', async () => {
    const { outputs } = await run({ run: '(sleep 30; echo late) & echo "pgid=$$" >> "$CAIRN_OUTPUT"; echo done' }).result;
    leftovers.push(Number(outputs.pgid));
    expect(outputs.stdout).toBe('done');
  });
});

describe('shell: environment', () => {
  it('passes env values and the CAIRN_* variables', async () => {
    const { outputs } = await run(
      {
        run: 'echo "$CAIRN_RUN_ID $CAIRN_STEP $CAIRN_ATTEMPT $CAIRN_IDEMPOTENCY_KEY"; echo "$N $B $S"',
        env: { N: 42, B: true, S: 'text' },
      },
      { runId: 'r1', step: 'deploy[2]', attempt: 3, idempotencyKey: 'r1:deploy[2]' },
    ).result;
    expect(outputs.stdout).toBe('r1 deploy[2] 3 r1:deploy[2]\n42 true text');
  });

  it('inherits the process environment', async () => {
    const { outputs } = await run({ run: 'echo "$PATH"' }).result;
    expect(outputs.stdout).toBe(process.env.PATH);
  });

  it('does not let env override CAIRN_OUTPUT or CAIRN_IDEMPOTENCY_KEY', async () => {
    const { outputs } = await run({
      run: 'echo "k=$CAIRN_IDEMPOTENCY_KEY" > "$CAIRN_OUTPUT"',
      env: { CAIRN_OUTPUT: join(scratch, 'elsewhere'), CAIRN_IDEMPOTENCY_KEY: 'spoofed' },
    }).result;
    expect(outputs.k).toBe('run-test:step-a');
    expect(existsSync(join(scratch, 'elsewhere'))).toBe(false);
  });
});

describe('shell: outputs file', () => {
  it('reads key=value lines, comments, `=` inside values and heredocs', async () => {
    const script = [
      'echo "a=1" >> "$CAIRN_OUTPUT"',
      'echo "# a comment" >> "$CAIRN_OUTPUT"',
      'echo "" >> "$CAIRN_OUTPUT"',
      'echo "url=http://x/?q=1" >> "$CAIRN_OUTPUT"',
      "printf 'notes<<EOF\\nline one\\nline two\\nEOF\\n' >> \"$CAIRN_OUTPUT\"",
    ].join('\n');
    const { outputs } = await run({ run: script }).result;
    expect(outputs).toMatchObject({ a: '1', url: 'http://x/?q=1', notes: 'line one\nline two' });
  });

  it('merges a JSON object', async () => {
    const { outputs } = await run({ run: `echo '{"n": 2, "list": [1, 2], "stdout": "mine"}' > "$CAIRN_OUTPUT"; echo printed` }).result;
    expect(outputs).toEqual({ n: 2, list: [1, 2], stdout: 'mine', stderr: '', exit_code: 0 });
  });

  it('rejects a malformed file with OUTPUT_FORMAT', async () => {
    const error = await failure(run({ run: 'echo "not a pair" > "$CAIRN_OUTPUT"' }).result);
    expect(error.code).toBe('OUTPUT_FORMAT');
    expect(error.message).toContain('line 1');
  });

  it('refuses a file over 1 MiB', async () => {
    const error = await failure(run({ run: "head -c 1100000 /dev/zero | tr '\\0' a > \"$CAIRN_OUTPUT\"" }).result);
    expect(error.code).toBe('OUTPUT_TOO_LARGE');
  });

  it('deletes the file after reading it, and gives each step its own', async () => {
    const first = await run({ run: 'echo "path=$CAIRN_OUTPUT" >> "$CAIRN_OUTPUT"' }).result;
    const second = await run({ run: 'echo "path=$CAIRN_OUTPUT" >> "$CAIRN_OUTPUT"' }).result;
    expect(first.outputs.path).not.toBe(second.outputs.path);
    expect(existsSync(first.outputs.path as string)).toBe(false);
    expect(existsSync(second.outputs.path as string)).toBe(false);
  });
});

describe('shell: failures to start', () => {
  it('names a missing program', async () => {
    const error = await failure(run({ argv: ['cairn-no-such-program-x1'] }).result);
    expect(error.code).toBe('SPAWN_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("program 'cairn-no-such-program-x1' not found");
  });

  it('names a missing working directory', async () => {
    const error = await failure(run({ run: 'true', cwd: 'no/such/dir' }).result);
    expect(error.code).toBe('SPAWN_FAILED');
    expect(error.message).toContain('working directory');
  });

  it('names a program that is not executable', async () => {
    const file = join(scratch, 'not-executable.sh');
    writeFileSync(file, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const error = await failure(run({ argv: [file] }).result);
    expect(error.code).toBe('SPAWN_FAILED');
    expect(error.message).toContain('not executable');
  });
});

describe('shell: abort', () => {
  it('kills the whole process tree and fails with ABORTED', async () => {
    const pids = join(scratch, 'abort-pids');
    const { t, result } = run({ run: 'sleep 100 & echo "$$ $!" > "$PIDS"; sleep 100', env: { PIDS: pids } });
    await eventually(() => existsSync(pids) && readFileSync(pids, 'utf8').includes('\n'), 'the script wrote its pids');
    const [leader, grandchild] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    expect(processIsRunning(grandchild ?? 0)).toBe(true);
    t.controller.abort(new Error('cancelled by test'));
    const error = await failure(result);
    expect(error.code).toBe('ABORTED');
    expect(error.message).toContain('cancelled by test');
    await eventually(() => !processIsRunning(grandchild ?? 0), 'the grandchild died');
    expect(processIsRunning(leader ?? 0)).toBe(false);
  });

  it('SIGKILLs processes that ignore SIGTERM after the grace period', async () => {
    const pids = join(scratch, 'stubborn-pids');
    const { t, result } = run({
      run: `bash -c 'trap "" TERM; echo $$ > "$PIDS"; while true; do sleep 0.05; done' & wait`,
      env: { PIDS: pids },
    });
    await eventually(() => existsSync(pids) && readFileSync(pids, 'utf8').includes('\n'), 'the script wrote its pid');
    const stubborn = Number(readFileSync(pids, 'utf8').trim());
    t.controller.abort('timed out');
    const error = await failure(result);
    expect(error.code).toBe('ABORTED');
    expect(error.message).toBe('step aborted: timed out');
    await eventually(() => !processIsRunning(stubborn), 'the stubborn process died');
  });

  it('does not start when the signal is already aborted', async () => {
    const marker = join(scratch, 'never-started');
    const t = actionContext(shellAction.parameters.parse({ run: 'touch "$M"', env: { M: marker } }));
    t.controller.abort(new Error('cancelled'));
    const error = await failure(shellAction.run(t.ctx));
    expect(error.code).toBe('ABORTED');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('shell: parameters', () => {
  const parse = (p: unknown) => shellAction.parameters.safeParse(p);

  it('needs exactly one of run and argv', () => {
    expect(parse({}).success).toBe(false);
    expect(parse({ run: 'true', argv: ['true'] }).success).toBe(false);
    expect(parse({ argv: ['true'], shell: 'sh' }).success).toBe(false);
    expect(parse({ run: 'true' }).success).toBe(true);
  });

  it('refuses unknown keys, bad env names and NUL bytes', () => {
    expect(parse({ run: 'true', rn: 'x' }).success).toBe(false);
    expect(parse({ run: 'true', env: { 'A=B': 'x' } }).success).toBe(false);
    expect(parse({ run: 'true', env: { A: 'x\0y' } }).success).toBe(false);
    expect(parse({ argv: ['printf', 'x\0y'] }).success).toBe(false);
  });

  it('forbids templates in run and shows the env form', () => {
    expect(shellAction.noTemplates?.run).toContain('env: { NAME: "${{ parameters.name }}" }');
  });
});
