import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import pc from 'picocolors';
import { parse as parseYaml } from 'yaml';
import type { Cairn, LiveMessage, Run } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';
import { duration } from '../format.js';
import { openFrom } from '../open.js';
import { Progress } from '../progress.js';
import { runJson } from '../run-json.js';

interface RunOptions {
  param: string[];
  paramFile?: string;
  json?: boolean;
  detach?: boolean;
  quiet?: boolean;
}

export default async function run(file: string, opts: RunOptions, cmd: Command): Promise<number> {
  const parameters = { ...(opts.paramFile ? await readParamFile(opts.paramFile) : {}), ...parseParams(opts.param) };
  const cairn = await openFrom(cmd);
  try {
    if (opts.detach) {
      const started = await cairn.startRun({ file, parameters, detach: true });
      process.stdout.write(opts.json ? `${JSON.stringify({ run_id: started.id })}\n` : `${started.id}\n`);
      return EXIT.ok;
    }
    return await runInForeground(cairn, file, parameters, opts);
  } finally {
    await cairn.close();
  }
}

async function runInForeground(cairn: Cairn, file: string, parameters: Record<string, unknown>, opts: RunOptions): Promise<number> {
  return follow(cairn, await cairn.startRun({ file, parameters }), opts);
}

/** Show a run this process carries until it ends; its result decides the exit code. */
export async function follow(cairn: Cairn, started: Run, opts: { json?: boolean; quiet?: boolean }): Promise<number> {
  // Listen before the first read: what the run does meanwhile (on PostgreSQL a read takes a
  // while) is kept and shown once the progress display exists.
  const early: LiveMessage[] = [];
  let show = (m: LiveMessage): void => {
    early.push(m);
  };
  const unsubscribe = cairn.subscribe((m) => show(m));
  const view = await cairn.getRun(started.id);
  const out = process.stdout;
  const showProgress = !opts.json && !opts.quiet;
  const progress = showProgress
    ? new Progress({
        runId: started.id,
        workflow: view.workflow?.name ?? started.workflowId,
        groups: view.groups,
        waits: new Set(view.workflow?.steps.filter((s) => s.command === 'wait').map((s) => s.id) ?? []),
        out,
        tty: out.isTTY === true,
        showLogs: true,
      })
    : undefined;
  show = (m) => {
    progress?.update(m);
  };
  for (const m of early.splice(0)) show(m);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    // Leaving the run durable: the runtime kills running steps and releases the run.
    void cairn.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const final = await cairn.waitFor(started.id);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  unsubscribe();
  progress?.finish(final);
  if (!final || interrupted) {
    process.stderr.write(`\n${pc.yellow('interrupted:')} run ${started.id} is saved; \`cairn resume\` carries on from where it stopped.\n`);
    return EXIT.interrupted;
  }
  const steps = (await cairn.getRun(final.id)).steps;
  if (opts.json) {
    out.write(`${JSON.stringify(runJson(final, steps), null, 2)}\n`);
  } else {
    const took = final.startedAt && final.finishedAt ? ` in ${duration(final.finishedAt - final.startedAt)}` : '';
    const mark = final.status === 'succeeded' ? pc.green('✓') : pc.red('✗');
    out.write(`${mark} ${final.workflowId} ${final.status}${took} (run ${final.id})\n`);
    if (final.error) out.write(`  ${pc.red(final.error.message)}\n`);
    if (final.outputs && Object.keys(final.outputs).length > 0) out.write(`${pc.bold('outputs:')}\n${indent(JSON.stringify(final.outputs, null, 2))}\n`);
    if (final.status === 'failed') out.write(pc.dim(`  see \`cairn logs ${final.id}\` for the steps' output\n`));
  }
  return final.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}

/** `-p key=value`: the value stays text; the run coerces it to the parameter's type. */
export function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`-p expects key=value, got '${pair}'`, EXIT.usage);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function readParamFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --param-file ${path}: ${(err as Error).message}`, EXIT.usage);
  }
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 10 });
  } catch (err) {
    throw new CliError(`--param-file ${path} is not valid YAML or JSON: ${(err as Error).message}`, EXIT.usage);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CliError(`--param-file ${path} must hold an object of parameter values`, EXIT.usage);
  return value as Record<string, unknown>;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
