import { resolve } from 'node:path';
import { ActionFailure, type Action, type ActionContext } from './action.js';
import { createOutputFile, discardOutputFile, readOutputFile } from './output-file.js';
import { abortedFailure } from './aborted.js';
import { runProcess, type ProcessCommand, type ProcessExit } from './spawned-process.js';
import { shellSpec, type ShellParameters } from './specs/shell.js';

export type { ShellParameters } from './specs/shell.js';

export const shellAction: Action<ShellParameters> = {
  ...shellSpec,
  async run(ctx) {
    if (ctx.signal.aborted) throw abortedFailure(ctx.signal.reason);
    const outputFile = createOutputFile();
    let exit: ProcessExit;
    try {
      exit = await runProcess(commandOf(ctx, outputFile), { log: (stream, line) => ctx.log(stream, line), signal: ctx.signal, ...(ctx.onProcess ? { onSpawn: ctx.onProcess } : {}) });
    } catch (error) {
      discardOutputFile(outputFile);
      throw error;
    }
    if (exit.code !== 0) {
      discardOutputFile(outputFile);
      throw exitFailure(exit);
    }
    const captured = { stdout: exit.stdout.text(), stderr: exit.stderr.text(), exit_code: 0 };
    // The script's own outputs win over the captured ones when names collide.
    return { outputs: { ...captured, ...readOutputFile(outputFile) } };
  },
};

function commandOf(ctx: ActionContext<ShellParameters>, outputFile: string): ProcessCommand {
  const p = ctx.parameters;
  const [program, ...args] = p.argv ?? [p.shell ?? 'bash', '-e', '-c', p.run ?? ''];
  // Inherit through the prototype instead of copying: spawn includes inherited keys by
  // design, and copying process.env (a slow exotic object) would cost a pass per step.
  const env: NodeJS.ProcessEnv = Object.create(process.env) as NodeJS.ProcessEnv;
  for (const [name, value] of Object.entries(p.env ?? {})) env[name] = String(value);
  // Set last so a step cannot redirect its own outputs or spoof its identity.
  env.CAIRN_RUN_ID = ctx.runId;
  env.CAIRN_STEP = ctx.step;
  env.CAIRN_ATTEMPT = String(ctx.attempt);
  env.CAIRN_IDEMPOTENCY_KEY = ctx.idempotencyKey;
  env.CAIRN_OUTPUT = outputFile;
  return {
    program: program ?? '',
    args,
    cwd: p.cwd === undefined ? ctx.workdir : resolve(ctx.workdir, p.cwd),
    env,
  };
}

function exitFailure(exit: ProcessExit): ActionFailure {
  const stderrTail = exit.stderr.text().slice(-4096);
  const last = exit.stderr.lastLine();
  const details = { exitCode: exit.code, signal: exit.signal, stderrTail };
  if (exit.code === null) {
    return new ActionFailure(`command killed by signal ${exit.signal ?? 'unknown'}${last ? `: ${last}` : ''}`, 'SIGNAL', details);
  }
  return new ActionFailure(`command exited with code ${exit.code}${last ? `: ${last}` : ''}`, 'EXIT_CODE', details);
}
