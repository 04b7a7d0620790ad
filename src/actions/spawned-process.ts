import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ActionFailure } from './action.js';
import { abortedFailure } from './aborted.js';
import { LineCapture } from './line-capture.js';
import { Termination } from './process-tree.js';

/** How long a process tree has between SIGTERM and SIGKILL once a step is aborted. */
export const KILL_GRACE_MS = 2_000;

/**
 * After the child exits, how long to keep reading pipes that a backgrounded grandchild
 * still holds open; then they are closed so the step can finish.
 */
const PIPE_GRACE_MS = 200;

export interface ProcessCommand {
  program: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ProcessExit {
  /** Null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: LineCapture;
  stderr: LineCapture;
}

export interface ProcessHooks {
  log(stream: 'stdout' | 'stderr', line: string): void;
  signal: AbortSignal;
  /** Called with the process group id once the program has started. */
  onSpawn?(pgid: number): void;
}

/**
 * Runs a program in its own process group, streaming its output line by line. Resolves
 * when it exits; rejects with ActionFailure SPAWN_FAILED if it cannot start, or ABORTED
 * once the whole process tree is gone after `hooks.signal` fires.
 */
export function runProcess(command: ProcessCommand, hooks: ProcessHooks): Promise<ProcessExit> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(command.program, command.args, {
        cwd: command.cwd,
        env: command.env,
        detached: true, // leads its own process group: abort can kill the whole tree
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      reject(spawnFailure(error, command));
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) hooks.onSpawn?.(pid);
    const stdout = new LineCapture((line) => hooks.log('stdout', line));
    const stderr = new LineCapture((line) => hooks.log('stderr', line));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

    let settled = false;
    let pipeTimer: NodeJS.Timeout | undefined;
    let abortReason: unknown;
    let termination: Termination | undefined;

    const onAbort = (): void => {
      abortReason = hooks.signal.reason ?? new Error('aborted');
      if (pid !== undefined) termination = new Termination(pid, KILL_GRACE_MS);
    };
    if (hooks.signal.aborted) onAbort();
    else hooks.signal.addEventListener('abort', onAbort, { once: true });

    const finish = (): void => {
      settled = true;
      clearTimeout(pipeTimer);
      hooks.signal.removeEventListener('abort', onAbort);
    };

    child.once('error', (error) => {
      if (settled) return;
      finish();
      termination?.cancel();
      reject(pid === undefined ? spawnFailure(error, command) : error);
    });
    child.once('exit', () => {
      pipeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, PIPE_GRACE_MS);
    });
    child.once('close', (code, signal) => {
      if (settled) return;
      finish();
      stdout.flush();
      stderr.flush();
      if (abortReason === undefined) {
        resolve({ code, signal, stdout, stderr });
        return;
      }
      const failure = abortedFailure(abortReason, { stderrTail: stderr.text().slice(-4096) });
      // The leader is gone; the step ends when the rest of its group is gone too.
      void (termination?.settled() ?? Promise.resolve()).then(() => reject(failure));
    });
  });
}

function spawnFailure(error: unknown, command: ProcessCommand): ActionFailure {
  const code = (error as NodeJS.ErrnoException).code;
  const program = command.program;
  let message: string;
  // libuv reports a missing cwd as ENOENT of the program: tell the two apart.
  if (code === 'ENOENT' && !existsSync(command.cwd)) message = `working directory '${command.cwd}' does not exist`;
  else if (code === 'ENOENT') message = `program '${program}' not found`;
  else if (code === 'EACCES') message = `program '${program}' is not executable (permission denied)`;
  else message = `could not start '${program}': ${(error as Error).message}`;
  return new ActionFailure(message, 'SPAWN_FAILED', { program, cwd: command.cwd, errno: code }, false);
}
