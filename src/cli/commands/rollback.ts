import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../exit.js';
import { colorStatus, time } from '../format.js';
import { openFrom } from '../open.js';

type Strategy = 'immediate' | 'graceful' | 'checkpoint' | 'manual';

export async function rollback(run: string, opts: { strategy?: Strategy; to?: string; as?: string; reason?: string; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const report = await cairn.rollback(run, {
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      ...(opts.to ? { to: opts.to } : {}),
      ...(opts.as ? { by: opts.as } : {}),
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ run_id: report.run.id, status: report.run.status, plan: report.plan, compensations: report.compensations, error: report.run.error ?? null }, null, 2)}\n`);
      return opts.strategy === 'manual' || report.run.status === 'rolled_back' ? EXIT.ok : EXIT.failed;
    }
    if (opts.strategy === 'manual') {
      if (report.plan.length === 0) process.stdout.write(pc.dim('nothing to undo: no completed step has a rollback\n'));
      else process.stdout.write(`${pc.bold('Undo these, in this order')} (nothing was run):\n`);
      report.plan.forEach((c, i) => process.stdout.write(`  ${i + 1}. ${c.step}  ${pc.dim(`${c.command} ${JSON.stringify(c.parameters)}`)}\n`));
      return EXIT.ok;
    }
    for (const c of report.compensations) {
      const mark = c.status === 'succeeded' ? pc.green('✓') : c.status === 'failed' ? pc.red('✗') : pc.yellow('?');
      process.stdout.write(`  ${mark} undo ${c.step}${c.attempts > 1 ? pc.dim(` (attempt ${c.attempts})`) : ''}${c.error ? `: ${pc.red(c.error.message)}` : ''}\n`);
    }
    process.stdout.write(`run ${report.run.id} ${colorStatus(report.run.status)}${report.run.error ? `: ${report.run.error.message}` : ''}\n`);
    return report.run.status === 'rolled_back' ? EXIT.ok : EXIT.failed;
  } finally {
    await cairn.close();
  }
}

export async function rollbackPoints(run: string, opts: { json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const points = await cairn.rollbackPoints(run);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(points, null, 2)}\n`);
      return EXIT.ok;
    }
    if (points.length === 0) process.stdout.write(pc.dim('no checkpoint: no succeeded step is marked `checkpoint: true`\n'));
    for (const p of points) process.stdout.write(`${pc.bold(p.step)}  ${pc.dim(time(p.finishedAt))}  rolling back to it undoes: ${p.undone.join(', ') || 'nothing'}\n`);
    return EXIT.ok;
  } finally {
    await cairn.close();
  }
}
