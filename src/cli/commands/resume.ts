import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../exit.js';
import { colorStatus } from '../format.js';
import { openFrom } from '../open.js';
import { runJson } from '../run-json.js';

/** Take every run left in flight and carry it to its end (or until Ctrl-C). */
export default async function resume(opts: { run?: string[]; quiet?: boolean; json?: boolean }, cmd: Command): Promise<number> {
  const cairn = await openFrom(cmd);
  const say = (text: string) => !opts.quiet && !opts.json && process.stdout.write(`${text}\n`);
  let stopping = false;
  const onSignal = () => {
    stopping = true;
    void cairn.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ids = opts.run ? await Promise.all(opts.run.map((r) => cairn.resolveRunId(r))) : undefined;
    const taken = await cairn.resume(ids);
    if (taken.length === 0) {
      say(pc.dim('nothing to resume: no run is waiting for a process'));
      return EXIT.ok;
    }
    say(`resuming ${taken.length} run${taken.length > 1 ? 's' : ''}: ${taken.join(', ')}`);
    const results = await Promise.all(taken.map((id) => cairn.waitFor(id)));
    if (stopping) return EXIT.interrupted;
    let failed = 0;
    for (const run of results) {
      if (!run) continue;
      if (run.status !== 'succeeded') failed++;
      say(`${run.id} ${run.workflowId} ${colorStatus(run.status)}${run.error ? `: ${run.error.message}` : ''}`);
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(results.filter((r) => r !== undefined).map((r) => runJson(r)), null, 2)}\n`);
    return failed > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!stopping) await cairn.close();
  }
}
