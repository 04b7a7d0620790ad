import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../exit.js';
import { colorStatus } from '../format.js';
import { openFrom } from '../open.js';
import { runJson } from '../run-json.js';

export default async function cancel(id: string, opts: { reason?: string; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  try {
    const run = await cairn.cancel(id, opts.reason ? { reason: opts.reason } : {});
    if (opts.json) process.stdout.write(`${JSON.stringify(runJson(run), null, 2)}\n`);
    else process.stdout.write(`${run.status === 'cancelled' ? pc.magenta('⊘') : '·'} run ${run.id} ${colorStatus(run.status)}\n`);
    return run.status === 'cancelled' ? EXIT.ok : EXIT.failed;
  } finally {
    await cairn.close();
  }
}
