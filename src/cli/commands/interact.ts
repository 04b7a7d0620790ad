import type { Command } from 'commander';
import pc from 'picocolors';
import type { RunView } from '../../app/index.js';
import { CliError, EXIT } from '../exit.js';
import { colorStatus } from '../format.js';
import { openFrom } from '../open.js';
import { runJson } from '../run-json.js';

/** `--output '{"a":1}'` / `--data ...`: JSON, or a clear usage error. */
function json(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${flag} must be JSON: ${(err as Error).message}`, EXIT.usage);
  }
}

function report(view: RunView, what: string, opts: { json?: boolean }): number {
  if (opts.json) process.stdout.write(`${JSON.stringify(runJson(view.run, view.steps), null, 2)}\n`);
  else process.stdout.write(`${pc.green('✓')} ${what}; run ${view.run.id} is ${colorStatus(view.run.status)}${view.run.paused ? ' (paused)' : ''}\n`);
  return EXIT.ok;
}

export async function complete(run: string, step: string, opts: { output?: string; as?: string; json?: boolean }, cmd: Command): Promise<number> {
  const output = json('--output', opts.output) ?? {};
  if (output === null || typeof output !== 'object' || Array.isArray(output)) throw new CliError('--output must be a JSON object', EXIT.usage);
  const cairn = await openFrom(cmd);
  try {
    const view = await cairn.complete(run, step, { output: output as Record<string, unknown>, ...(opts.as ? { by: opts.as } : {}) });
    return report(view, `completed '${step}'`, opts);
  } finally {
    await cairn.close();
  }
}

export async function approve(run: string, step: string, opts: { reject?: boolean; comment?: string; as?: string; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const view = await cairn.approve(run, step, { approve: !opts.reject, ...(opts.comment !== undefined ? { comment: opts.comment } : {}), ...(opts.as ? { by: opts.as } : {}) });
    const st = view.steps.find((s) => s.key === step);
    const what = opts.reject ? `rejected '${step}'` : st?.status === 'succeeded' ? `approved '${step}'` : `approval recorded for '${step}' (more approvals needed)`;
    return report(view, what, opts);
  } finally {
    await cairn.close();
  }
}

export async function signal(run: string, name: string, opts: { data?: string; as?: string; json?: boolean }, cmd: Command): Promise<number> {
  const data = json('--data', opts.data);
  const cairn = await openFrom(cmd);
  try {
    const view = await cairn.signal(run, name, { ...(data !== undefined ? { data } : {}), ...(opts.as ? { by: opts.as } : {}) });
    return report(view, `sent signal '${name}'`, opts);
  } finally {
    await cairn.close();
  }
}

export async function pause(run: string, opts: { as?: string; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    return report(await cairn.pause(run, opts.as ? { by: opts.as } : {}), 'paused: no new step starts', opts);
  } finally {
    await cairn.close();
  }
}

export async function unpause(run: string, opts: { as?: string; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    return report(await cairn.pause(run, { resume: true, ...(opts.as ? { by: opts.as } : {}) }), 'unpaused', opts);
  } finally {
    await cairn.close();
  }
}

export async function tasks(run: string | undefined, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const open = await cairn.openTasks(run);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(open, null, 2)}\n`);
      return EXIT.ok;
    }
    if (open.length === 0) {
      process.stdout.write(pc.dim('no open tasks or approvals\n'));
      return EXIT.ok;
    }
    for (const t of open) {
      const verb = t.kind === 'approval' ? 'approve' : 'complete';
      const who = t.assignee ?? (t.approvers?.length ? t.approvers.join(', ') : 'anyone');
      const progress = t.kind === 'approval' ? ` (${t.approvedBy.length}/${t.required ?? 1} approved)` : '';
      process.stdout.write(`${pc.yellow('⏸')} ${pc.bold(`${t.runId} ${t.step}`)}  ${t.kind} for ${who}${progress}  ${pc.dim(t.workflowName || t.workflowId)}\n`);
      if (t.instructions) process.stdout.write(`    ${t.instructions}\n`);
      for (const [k, v] of Object.entries(t.details ?? {})) process.stdout.write(`    ${pc.dim(`${k}:`)} ${typeof v === 'string' ? v : JSON.stringify(v)}\n`);
      if (t.outputSchema) process.stdout.write(`    ${pc.dim('output schema:')} ${JSON.stringify(t.outputSchema)}\n`);
      process.stdout.write(pc.dim(`    → cairn ${verb} ${t.runId} ${t.step}${t.kind === 'task' ? " --output '{...}'" : ''}\n`));
    }
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
