import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../exit.js';
import { colorStatus, duration, stepIcon, table, time } from '../format.js';
import { openFrom } from '../open.js';
import { runJson } from '../run-json.js';

export default async function status(id: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const { run, steps, groups } = await cairn.getRun(id);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(runJson(run, steps), null, 2)}\n`);
      return EXIT.ok;
    }
    const took = run.startedAt ? duration((run.finishedAt ?? Date.now()) - run.startedAt) : '';
    process.stdout.write(`${pc.bold(run.workflowName)} ${pc.dim(`(${run.workflowId})`)}  run ${run.id}\n`);
    process.stdout.write(`status ${colorStatus(run.status)}  started ${time(run.startedAt ?? run.createdAt)}${took ? `  took ${took}` : ''}${run.startedBy ? `  by ${run.startedBy}` : ''}\n`);
    if (run.error) process.stdout.write(`${pc.red(run.error.message)}\n`);
    const byKey = new Map(steps.map((s) => [s.key, s]));
    const rows: string[][] = [[pc.dim('  step'), pc.dim('status'), pc.dim('tries'), pc.dim('took'), pc.dim('note')]];
    for (const group of groups) {
      const members = group.flatMap((sid) => [sid, ...steps.filter((s) => s.stepId === sid && s.index !== undefined).map((s) => s.key)]);
      members.forEach((key, i) => {
        const s = byKey.get(key);
        const bracket = members.length === 1 ? ' ' : i === 0 ? '┌' : i === members.length - 1 ? '└' : '│';
        const st = s?.status ?? 'pending';
        const took = s?.startedAt ? duration((s.finishedAt ?? Date.now()) - s.startedAt) : '';
        const note = s?.error ? pc.red(s.error.message) : s?.reason ? pc.dim(s.reason) : '';
        rows.push([`${pc.dim(bracket)}${stepIcon(st)} ${key}`, colorStatus(st), String(s?.attempts ?? 0), took, note]);
      });
    }
    process.stdout.write(`${table(rows)}\n`);
    if (run.outputs && Object.keys(run.outputs).length > 0) process.stdout.write(`${pc.bold('outputs:')} ${JSON.stringify(run.outputs, null, 2)}\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
